package flows

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
)

// splitCapture writes the packets of a public capture into one new pcap per keep
// function (a format conversion: packets and timestamps unchanged, like editcap -r).
func splitCapture(t *testing.T, name string, keep ...func(frame int) bool) []string {
	t.Helper()
	src := mustOpen(t, public(t, name), 0)
	var bufs []*bytes.Buffer
	var ws []*pcapgo.Writer
	for range keep {
		b := &bytes.Buffer{}
		w := pcapgo.NewWriterNanos(b)
		if err := w.WriteFileHeader(65536, src.Input().LinkTypes[0]); err != nil {
			t.Fatal(err)
		}
		bufs, ws = append(bufs, b), append(ws, w)
	}
	for {
		p, err := src.Next()
		if err == io.EOF {
			break
		}
		for i, k := range keep {
			if k(p.Frame) {
				ci := gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: p.CaptureLen, Length: p.WireLen}
				if err := ws[i].WritePacket(ci, p.Data); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	dir := t.TempDir()
	var names []string
	for i, b := range bufs {
		n := filepath.Join(dir, string(rune('a'+i))+".pcap")
		if err := os.WriteFile(n, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	return names
}

func mergeAll(t *testing.T, names ...string) ([]rec, []*FileSource) {
	t.Helper()
	var srcs []*FileSource
	for i, n := range names {
		srcs = append(srcs, mustOpen(t, n, i))
	}
	return drain(t, Merge(srcs)), srcs
}

// TestMergeTwoFilesOrdersByTimeAndKeepsFrameNumbers splits a capture into its odd and
// even frames and merges the two files back: the original packets in time order, each
// with its own file index and its frame number in that file.
func TestMergeTwoFilesOrdersByTimeAndKeepsFrameNumbers(t *testing.T) {
	const name = "zeek-http-206_example_b.pcap"
	files := splitCapture(t, name, func(f int) bool { return f%2 == 1 }, func(f int) bool { return f%2 == 0 })
	got, _ := mergeAll(t, files...)
	orig := drain(t, mustOpen(t, public(t, name), 0))
	if len(got) != len(orig) {
		t.Fatalf("merged %d packets, original has %d", len(got), len(orig))
	}
	// Original frame f went to file (f+1)%2 as that file's frame (f+1)/2. Two pairs of
	// neighbouring frames share a timestamp (731/732, 1542/1543): the tie rule (file
	// index first) puts the odd frame first, which swaps 1542 and 1543.
	want := make([]rec, len(orig))
	for i, o := range orig {
		o.File, o.Frame = (o.Frame+1)%2, (o.Frame+1)/2
		want[i] = o
	}
	sort.SliceStable(want, func(i, j int) bool {
		a, b := want[i], want[j]
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Frame < b.Frame
	})
	swapped := 0
	for i, r := range got {
		if r != want[i] {
			t.Fatalf("merged packet %d is file %d frame %d, want file %d frame %d", i, r.File, r.Frame, want[i].File, want[i].Frame)
		}
		if r.Sum != orig[i].Sum {
			swapped++
		}
	}
	if swapped != 2 {
		t.Errorf("%d packets away from their original place, want 2 (frames 1542, 1543)", swapped)
	}
}

// TestMergeTiesGoByFileIndexThenFrame merges a file with a copy of itself: equal
// timestamps alternate file 0, file 1, frame by frame.
func TestMergeTiesGoByFileIndexThenFrame(t *testing.T) {
	name := public(t, "zeek-http-get.pcap")
	got, _ := mergeAll(t, name, name)
	orig := drain(t, mustOpen(t, name, 0))
	if len(got) != 2*len(orig) {
		t.Fatalf("%d packets", len(got))
	}
	for i, r := range got {
		o := orig[i/2]
		if r.File != i%2 || r.Frame != o.Frame || r.Sum != o.Sum {
			t.Fatalf("packet %d: file %d frame %d, want file %d frame %d", i, r.File, r.Frame, i%2, o.Frame)
		}
	}
}

// TestMergeKeepsEachFilesOwnOrder merges a file whose timestamps go backwards with
// another: like mergecap, a file's packets are never reordered among themselves.
func TestMergeKeepsEachFilesOwnOrder(t *testing.T) {
	const name = "zeek-http-get.pcap"
	files := splitCapture(t, name, func(f int) bool { return f <= 7 }, func(f int) bool { return f > 7 })
	// a.pcap then b.pcap concatenated as one file would be in order; put b's packets
	// first in one file to make its timestamps jump back.
	back := splitCaptureOrder(t, files[1], files[0])
	got, _ := mergeAll(t, back)
	for i := 1; i < len(got); i++ {
		if got[i].Frame != got[i-1].Frame+1 {
			t.Fatalf("file order broken at %d: frame %d after %d", i, got[i].Frame, got[i-1].Frame)
		}
	}
	other := public(t, name)
	got, _ = mergeAll(t, back, other)
	last := map[int]int{}
	for _, r := range got {
		if r.Frame <= last[r.File] {
			t.Fatalf("file %d: frame %d after frame %d", r.File, r.Frame, last[r.File])
		}
		last[r.File] = r.Frame
	}
	if len(got) != 28 {
		t.Errorf("%d packets, want 28", len(got))
	}
}

// splitCaptureOrder concatenates the packets of pcap files into one new pcap, in the
// order given.
func splitCaptureOrder(t *testing.T, names ...string) string {
	t.Helper()
	var b bytes.Buffer
	w := pcapgo.NewWriterNanos(&b)
	for i, n := range names {
		src := mustOpen(t, n, 0)
		for {
			p, err := src.Next()
			if err == io.EOF {
				break
			}
			if i == 0 && p.Frame == 1 {
				w.WriteFileHeader(65536, p.LinkType)
			}
			w.WritePacket(gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: p.CaptureLen, Length: p.WireLen}, p.Data)
		}
	}
	out := filepath.Join(t.TempDir(), "backwards.pcap")
	os.WriteFile(out, b.Bytes(), 0o644)
	return out
}

// TestMergeWithATruncatedFileReadsTheOthersToTheEnd: a file cut short ends early (with
// its warning), the others are read to the end.
func TestMergeWithATruncatedFileReadsTheOthersToTheEnd(t *testing.T) {
	name := public(t, "zeek-http-get.pcap")
	b := readFile(t, name)
	cut := filepath.Join(t.TempDir(), "cut.pcap")
	os.WriteFile(cut, b[:len(b)-7], 0o644)
	got, srcs := mergeAll(t, cut, name)
	if len(got) != 13+14 || !srcs[0].Input().Truncated || srcs[1].Input().Truncated {
		t.Errorf("%d packets; truncated %v %v", len(got), srcs[0].Input().Truncated, srcs[1].Input().Truncated)
	}
	if _, err := Merge(nil).Next(); err != io.EOF {
		t.Errorf("empty merge: %v", err)
	}
}
