package flows

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Bad and awkward input (issue 6): real captures from testdata, cut or edited here.
// Every case ends the same way: what could be read is read, a damaged file says where
// in one warning line naming the file and the frame, and nothing panics or hangs.

// badFile reads a capture of the repository's testdata, skipping when it is absent.
func badFile(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", rel))
	if err != nil {
		t.Skipf("%s not available: %v", rel, err)
	}
	return b
}

// badRec is a packet as read: enough to compare two reads.
type badRec struct {
	Frame int
	Time  time.Time
	LT    layers.LinkType
	Len   int
	Sum   uint32
}

// badRead reads b as a capture named name to the end, checking that Next ends with
// io.EOF only and returns nothing after it.
func badRead(t *testing.T, name string, b []byte) ([]badRec, *Input) {
	t.Helper()
	src, err := OpenReader(name, bytes.NewReader(b), 0)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var out []badRec
	for {
		p, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: Next: %v", name, err)
		}
		out = append(out, badRec{p.Frame, p.Time, p.LinkType, p.CaptureLen, crc32.ChecksumIEEE(p.Data)})
	}
	if p, err := src.Next(); p != nil || err != io.EOF {
		t.Fatalf("%s: after io.EOF: %v %v", name, p, err)
	}
	in := src.Input()
	for _, w := range in.Warnings {
		if strings.Contains(w, "\n") || !strings.HasPrefix(w, name+": ") {
			t.Errorf("%s: warning not one line naming the file: %q", name, w)
		}
	}
	return out, in
}

// frames lists the frame numbers read.
func frames(recs []badRec) []int {
	out := make([]int, len(recs))
	for i, r := range recs {
		out[i] = r.Frame
	}
	return out
}

func seq(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// ngBlock is one pcapng block of a little-endian file: where it starts, its type and
// total length.
type ngBlock struct {
	off, typ, length int
}

func ngBlocks(t *testing.T, b []byte) []ngBlock {
	t.Helper()
	var out []ngBlock
	for o := 0; o+12 <= len(b); {
		typ, l := int(binary.LittleEndian.Uint32(b[o:])), int(binary.LittleEndian.Uint32(b[o+4:]))
		if l < 12 || o+l > len(b) {
			t.Fatalf("block at %d: length %d", o, l)
		}
		out = append(out, ngBlock{o, typ, l})
		o += l
	}
	return out
}

// nthPacketBlock is the n-th (1-based) enhanced packet block.
func nthPacketBlock(t *testing.T, blocks []ngBlock, n int) ngBlock {
	t.Helper()
	for _, bl := range blocks {
		if bl.typ == 6 {
			if n--; n == 0 {
				return bl
			}
		}
	}
	t.Fatal("not that many packet blocks")
	return ngBlock{}
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// TestBadInputPcapngUnknownBlockIsSkipped: blocks of a type nobody knows are skipped,
// as the pcapng spec says and tshark does, and are not frames.
func TestBadInputPcapngUnknownBlockIsSkipped(t *testing.T) {
	orig := badFile(t, "demo/demo.pcapng")
	want, _ := badRead(t, "demo.pcapng", orig)
	blocks := ngBlocks(t, orig)
	unknown := make([]byte, 24)
	binary.LittleEndian.PutUint32(unknown[0:], 0x00000099)
	binary.LittleEndian.PutUint32(unknown[4:], 24)
	copy(unknown[8:], "mystery!")
	binary.LittleEndian.PutUint32(unknown[20:], 24)
	// after the interface description, and between the third and fourth packets
	at1, at2 := blocks[2].off, nthPacketBlock(t, blocks, 4).off
	var b []byte
	b = append(b, orig[:at1]...)
	b = append(b, unknown...)
	b = append(b, orig[at1:at2]...)
	b = append(b, unknown...)
	b = append(b, orig[at2:]...)
	got, in := badRead(t, "unknown.pcapng", b)
	if !reflect.DeepEqual(got, want) || in.Truncated || len(in.Warnings) != 0 {
		t.Errorf("%d packets (want the same %d), warnings %q", len(got), len(want), in.Warnings)
	}
}

// TestBadInputPcapngBadBlockLength: a block whose length makes no sense ends the file
// there, with the frames before it analysed, never bogus packets after it.
func TestBadInputPcapngBadBlockLength(t *testing.T) {
	orig := badFile(t, "demo/demo.pcapng")
	want, _ := badRead(t, "demo.pcapng", orig)
	blocks := ngBlocks(t, orig)
	p5 := nthPacketBlock(t, blocks, 5)
	for _, c := range []struct {
		name   string
		edit   func(b []byte)
		frames []int
		warn   string
	}{
		{"length 4 too long", func(b []byte) { binary.LittleEndian.PutUint32(b[p5.off+4:], uint32(p5.length+4)) },
			seq(1, 4), "frame 5: broken pcapng block (block length 148, but its trailing copy says 6): analysed up to frame 4"},
		{"length not a multiple of 4", func(b []byte) { binary.LittleEndian.PutUint32(b[p5.off+4:], 13) },
			seq(1, 4), "frame 5: broken pcapng block (length 13 is not a multiple of 4): analysed up to frame 4"},
		{"length below the minimum", func(b []byte) { binary.LittleEndian.PutUint32(b[p5.off+4:], 8) },
			seq(1, 4), "frame 5: broken pcapng block (length 8 is below the minimum of 12): analysed up to frame 4"},
		{"length of 256 MiB", func(b []byte) { binary.LittleEndian.PutUint32(b[p5.off+4:], 256<<20) },
			seq(1, 4), "frame 5: broken pcapng block (length 268435456 is beyond 16 MiB): analysed up to frame 4"},
		{"trailing copy wrong", func(b []byte) { binary.LittleEndian.PutUint32(b[p5.off+p5.length-4:], 7) },
			seq(1, 4), "frame 5: broken pcapng block (block length 144, but its trailing copy says 7): analysed up to frame 4"},
		{"interface description broken", func(b []byte) { binary.LittleEndian.PutUint32(b[blocks[1].off+4:], 70) },
			nil, "the block after frame 0: broken pcapng block (length 70 is not a multiple of 4): analysed up to frame 0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := clone(orig)
			c.edit(b)
			got, in := badRead(t, "bad.pcapng", b)
			if len(got) != len(c.frames) || (len(got) > 0 && (!reflect.DeepEqual(frames(got), c.frames) || !reflect.DeepEqual(got, want[:len(got)]))) {
				t.Errorf("frames %v, want %v", frames(got), c.frames)
			}
			if !in.Truncated || len(in.Warnings) != 1 || in.Warnings[0] != "bad.pcapng: "+c.warn {
				t.Errorf("truncated %v, warnings %q, want %q", in.Truncated, in.Warnings, c.warn)
			}
		})
	}
}

// TestBadInputPcapngInterfaceOutOfRange: a packet block that names an interface its
// section does not declare is skipped (counted as the frame it is, so the frames after
// it keep Wireshark's numbers); the rest of the file is read.
func TestBadInputPcapngInterfaceOutOfRange(t *testing.T) {
	orig := badFile(t, "demo/demo.pcapng")
	want, _ := badRead(t, "demo.pcapng", orig)
	blocks := ngBlocks(t, orig)
	b := clone(orig)
	for _, n := range []int{5, 9} {
		binary.LittleEndian.PutUint32(b[nthPacketBlock(t, blocks, n).off+8:], 7)
	}
	// An interface statistics block naming interface 3 is skipped too.
	isb := make([]byte, 24)
	binary.LittleEndian.PutUint32(isb[0:], 5)
	binary.LittleEndian.PutUint32(isb[4:], 24)
	binary.LittleEndian.PutUint32(isb[8:], 3)
	binary.LittleEndian.PutUint32(isb[20:], 24)
	at := nthPacketBlock(t, blocks, 2).off
	b = append(append(append([]byte(nil), b[:at]...), isb...), b[at:]...)
	got, in := badRead(t, "ifid.pcapng", b)
	var wantRest []badRec
	for _, r := range want {
		if r.Frame != 5 && r.Frame != 9 {
			wantRest = append(wantRest, r)
		}
	}
	if !reflect.DeepEqual(got, wantRest) {
		t.Errorf("frames %v, want all but 5 and 9", frames(got))
	}
	w := "ifid.pcapng: frame 5: packet block names interface 7, its section declares 1: frame skipped (2 such frames in all)"
	if in.Truncated || in.SkippedFrames != 2 || len(in.Warnings) != 1 || in.Warnings[0] != w || in.Packets != len(want) {
		t.Errorf("input %+v, want warning %q", in, w)
	}
}

// TestBadInputPcapngSecondSection: a second section (two captures concatenated, as
// `cat a.pcapng b.pcapng` makes) has interfaces of its own: both sections' packets are
// read with their own link types, frames numbered on; an interface id valid only in the
// first section is out of range in the second.
func TestBadInputPcapngSecondSection(t *testing.T) {
	a := badFile(t, "link/two_ifaces.pcapng") // Ethernet and raw IP interfaces
	bb := badFile(t, "demo/demo.pcapng")      // one interface
	wa, ina := badRead(t, "a.pcapng", a)
	wb, _ := badRead(t, "b.pcapng", bb)
	cat := append(clone(a), bb...)
	got, in := badRead(t, "cat.pcapng", cat)
	if len(got) != len(wa)+len(wb) || in.Truncated || len(in.Warnings) != 0 {
		t.Fatalf("%d packets (want %d+%d), warnings %q", len(got), len(wa), len(wb), in.Warnings)
	}
	for i, r := range wb {
		g := got[len(wa)+i]
		if g.Frame != ina.Packets+r.Frame || g.Sum != r.Sum || g.LT != r.LT || !g.Time.Equal(r.Time) && i > 0 {
			t.Fatalf("second section packet %d: %+v, want %+v at frame %d", i, g, r, ina.Packets+r.Frame)
		}
	}
	lts := map[layers.LinkType]bool{}
	for _, lt := range in.LinkTypes {
		lts[lt] = true
	}
	if !lts[layers.LinkTypeEthernet] || !lts[layers.LinkTypeRaw] || len(in.LinkTypes) != 2 {
		t.Errorf("link types %v", in.LinkTypes)
	}
	// Interface 1 exists in the first section only.
	blocks := ngBlocks(t, cat)
	n := 0
	for _, bl := range blocks {
		if bl.typ == 6 {
			n++
		}
	}
	last := nthPacketBlock(t, blocks, n)
	binary.LittleEndian.PutUint32(cat[last.off+8:], 1)
	got, in = badRead(t, "cat.pcapng", cat)
	if len(got) != len(wa)+len(wb)-1 || in.SkippedFrames != 1 || len(in.Warnings) != 1 ||
		!strings.Contains(in.Warnings[0], "names interface 1, its section declares 1") {
		t.Errorf("%d packets, warnings %q", len(got), in.Warnings)
	}
}

// pcapRecords lists the record offsets of a little-endian microsecond pcap.
func pcapRecords(t *testing.T, b []byte) []int {
	t.Helper()
	var out []int
	for o := 24; o+16 <= len(b); {
		out = append(out, o)
		o += 16 + int(binary.LittleEndian.Uint32(b[o+8:]))
	}
	return out
}

// TestBadInputCaplenBeyondSnaplen: records longer than the snaplen the header declares
// are read (tcpdump and Wireshark do; some writers never cut to their own snaplen);
// records longer than their wire length, or longer than any snaplen, end the file with
// a warning naming the frame.
func TestBadInputCaplenBeyondSnaplen(t *testing.T) {
	orig := badFile(t, "link/lo_ethernet.pcap")
	want, _ := badRead(t, "lo.pcap", orig)
	b := clone(orig)
	binary.LittleEndian.PutUint32(b[16:], 60) // every record is longer
	got, in := badRead(t, "snap60.pcap", b)
	if !reflect.DeepEqual(got, want) || in.Truncated || len(in.Warnings) != 0 {
		t.Errorf("snaplen 60: %d packets of %d, warnings %q", len(got), len(want), in.Warnings)
	}

	recs := pcapRecords(t, orig)
	b = clone(orig)
	binary.LittleEndian.PutUint32(b[recs[6]+12:], 20) // frame 7: wire length below caplen
	got, in = badRead(t, "wire.pcap", b)
	if !reflect.DeepEqual(got, want[:6]) || !in.Truncated || len(in.Warnings) != 1 ||
		!strings.HasPrefix(in.Warnings[0], "wire.pcap: broken record header at frame 7 (capture length exceeds original packet length: 66 > 20)") {
		t.Errorf("caplen > wire length: frames %v, warnings %q", frames(got), in.Warnings)
	}

	b = clone(orig)
	binary.LittleEndian.PutUint32(b[recs[6]+8:], 1<<20)  // frame 7: 1 MiB captured...
	binary.LittleEndian.PutUint32(b[recs[6]+12:], 1<<20) // ... of 1 MiB, in a 1.5 KiB file
	got, in = badRead(t, "huge.pcap", b)
	if !reflect.DeepEqual(got, want[:6]) || !in.Truncated || len(in.Warnings) != 1 ||
		!strings.HasPrefix(in.Warnings[0], "huge.pcap: broken record header at frame 7 (capture length exceeds snap length: 1048576 > 60") &&
			!strings.HasPrefix(in.Warnings[0], "huge.pcap: broken record header at frame 7 (capture length exceeds snap length: 1048576 > 262144") {
		t.Errorf("caplen 1 MiB: frames %v, warnings %q", frames(got), in.Warnings)
	}
}

// loFrame returns frame n (1-based) of lo_ethernet.pcap as a Packet of its own.
func loFrame(t *testing.T, n int) *Packet {
	t.Helper()
	b := badFile(t, "link/lo_ethernet.pcap")
	recs := pcapRecords(t, b)
	o := recs[n-1]
	l := int(binary.LittleEndian.Uint32(b[o+8:]))
	return &Packet{Data: clone(b[o+16 : o+16+l]), CaptureLen: l, WireLen: l, LinkType: layers.LinkTypeEthernet, File: 0, Frame: n}
}

// TestBadInputHeaderLengthsThatLie edits the IPv4 header length, the IPv4 total length
// and the TCP data offset of real packets (lo_ethernet.pcap frame 3, a 66-byte ACK, and
// frame 4, a 78-byte GET). A lie that leaves the packet readable is worked around from
// what the frame holds; one that does not makes the packet malformed, counted with the
// first frame and the reason, never a bogus segment.
func TestBadInputHeaderLengthsThatLie(t *testing.T) {
	const ip, tcp = 14, 14 + 20 // offsets of the IPv4 and TCP headers
	for _, c := range []struct {
		name    string
		frame   int
		edit    func(b []byte)
		ok      bool
		payload int    // when ok
		why     string // when not
	}{
		{"as captured", 4, func(b []byte) {}, true, 78, ""},
		{"IPv4 header length 16 (below 20)", 4, func(b []byte) { b[ip] = 0x44 }, false, 0, "IPv4 header length below 20 or beyond the packet"},
		{"IPv4 header length 60 beyond the packet", 3, func(b []byte) { b[ip] = 0x4f }, false, 0, "IPv4 header length below 20 or beyond the packet"},
		{"total length beyond the frame", 4, func(b []byte) { binary.BigEndian.PutUint16(b[ip+2:], 0xffff) }, true, 78, ""},
		{"total length below the header", 4, func(b []byte) { binary.BigEndian.PutUint16(b[ip+2:], 10) }, true, 78, ""},
		{"total length 0 (TSO)", 4, func(b []byte) { binary.BigEndian.PutUint16(b[ip+2:], 0) }, true, 78, ""},
		{"total length shorter than the frame: padding", 4, func(b []byte) { binary.BigEndian.PutUint16(b[ip+2:], 20+32+10) }, true, 10, ""},
		{"total length ends inside the TCP header", 4, func(b []byte) { binary.BigEndian.PutUint16(b[ip+2:], 20+30) }, true, 78, ""},
		{"TCP data offset 3 (below 5)", 4, func(b []byte) { b[tcp+12] = 0x30 | b[tcp+12]&0x0f }, false, 0, "TCP data offset below 5"},
		{"TCP data offset 0", 3, func(b []byte) { b[tcp+12] = 0x00 }, false, 0, "TCP data offset below 5"},
		{"TCP data offset 60 beyond the packet", 3, func(b []byte) { b[tcp+12] = 0xf0 }, false, 0, "TCP data offset beyond the packet"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := loFrame(t, c.frame)
			c.edit(p.Data)
			dec := NewDecoder()
			var seg Segment
			ok := dec.Decode(p, &seg)
			st := dec.Stats()
			if ok != c.ok {
				t.Fatalf("Decode %v, want %v (stats %+v)", ok, c.ok, st)
			}
			if ok {
				if seg.PayloadLen != c.payload || len(seg.Payload) > seg.PayloadLen || seg.Src.Port() != 38682 || seg.Dst.Port() != 8080 {
					t.Errorf("segment %v -> %v payload %d (%d captured), want %d", seg.Src, seg.Dst, seg.PayloadLen, len(seg.Payload), c.payload)
				}
				return
			}
			want := MalformedFrame{File: 0, Frame: c.frame, Why: c.why}
			if st.Malformed != 1 || st.FirstMalformed != want {
				t.Errorf("malformed %d, first %+v, want %+v", st.Malformed, st.FirstMalformed, want)
			}
		})
	}
}

// setTime rewrites the timestamp of a pcap record.
func setTime(b []byte, rec int, ts time.Time) {
	binary.LittleEndian.PutUint32(b[rec:], uint32(ts.Unix()))
	binary.LittleEndian.PutUint32(b[rec+4:], uint32(ts.Nanosecond()/1000))
}

// TestBadInputTimestampsGoBackwards: time never runs backwards within a file. A frame
// stamped before the previous one gets the previous one's time (frames keep their file
// order); after a clock step of ClockStep or more, the later frames are shifted forward
// by the step too, so the durations around it stay right, and a warning says so.
func TestBadInputTimestampsGoBackwards(t *testing.T) {
	orig := badFile(t, "link/lo_ethernet.pcap")
	want, _ := badRead(t, "lo.pcap", orig)
	recs := pcapRecords(t, orig)

	// A small step: frame 12 stamped 50 ms before frame 11 (multi-queue -i any).
	b := clone(orig)
	setTime(b, recs[11], want[10].Time.Add(-50*time.Millisecond))
	got, in := badRead(t, "jitter.pcap", b)
	if len(got) != len(want) || !got[11].Time.Equal(want[10].Time) || !got[12].Time.Equal(want[12].Time) {
		t.Errorf("jitter: frame 12 at %v (want frame 11's %v), frame 13 at %v", got[11].Time, want[10].Time, got[12].Time)
	}
	if in.TimeStepsBack != 1 || in.TimeStepBackFrame != 12 || in.TimeStepBackMax < 50*time.Millisecond || len(in.Warnings) != 0 {
		t.Errorf("jitter: %+v", in)
	}

	// A clock step back of an hour between frames 7 and 8.
	b = clone(orig)
	for i := 7; i < len(recs); i++ {
		setTime(b, recs[i], want[i].Time.Add(-time.Hour))
	}
	got, in = badRead(t, "step.pcap", b)
	lost := want[7].Time.Sub(want[6].Time) // the real gap at the step, unknowable
	for i := range got {
		w := want[i].Time
		if i >= 7 {
			w = w.Add(-lost)
		}
		if !got[i].Time.Equal(w) {
			t.Errorf("step: frame %d at %v, want %v", i+1, got[i].Time, w)
		}
		if i > 0 && got[i].Time.Before(got[i-1].Time) {
			t.Errorf("step: frame %d runs backwards", i+1)
		}
	}
	wantWarn := "step.pcap: frame 8: timestamp 3599.900 s before the previous frame's (a clock step?): later frames shifted forward by it so that durations stay right"
	if in.TimeStepsBack != 1 || in.TimeStepBackFrame != 8 || in.Truncated || len(in.Warnings) != 1 || in.Warnings[0] != wantWarn {
		t.Errorf("step: %+v\nwant warning %q", in, wantWarn)
	}

	// Two files merged: each file's frames stay in order and in time.
	srcA, _ := OpenReader("step.pcap", bytes.NewReader(b), 0)
	srcB, _ := OpenReader("lo.pcap", bytes.NewReader(orig), 1)
	m := Merge([]*FileSource{srcA, srcB})
	last := map[int]time.Time{}
	n := 0
	for {
		p, err := m.Next()
		if err != nil {
			break
		}
		n++
		if p.Time.Before(last[p.File]) {
			t.Fatalf("merged: file %d frame %d runs backwards", p.File, p.Frame)
		}
		last[p.File] = p.Time
	}
	if n != 2*len(want) {
		t.Errorf("merged %d packets", n)
	}
}

// errAfter is a reader that fails with err after n bytes: a pipe that breaks.
type errAfter struct {
	r   io.Reader
	n   int
	err error
}

func (e *errAfter) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, e.err
	}
	if len(p) > e.n {
		p = p[:e.n]
	}
	k, err := e.r.Read(p)
	e.n -= k
	return k, err
}

// TestBadInputReadErrorMidFile: an I/O error in the middle of a file (a pipe that
// breaks, a disk error) ends it like a cut, with a warning that says it was a read
// error, not a broken record.
func TestBadInputReadErrorMidFile(t *testing.T) {
	for _, name := range []string{"link/lo_ethernet.pcap", "demo/demo.pcapng"} {
		b := badFile(t, name)
		full, _ := badRead(t, "full", b)
		src, err := OpenReader("pipe", &errAfter{bytes.NewReader(b), len(b) - 120, errors.New("broken pipe")}, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for {
			p, err := src.Next()
			if err != nil {
				break
			}
			got = append(got, p.Frame)
		}
		in := src.Input()
		if len(got) == 0 || len(got) >= len(full) || !in.Truncated || len(in.Warnings) != 1 ||
			!strings.HasPrefix(in.Warnings[0], "pipe: read error after frame ") || !strings.Contains(in.Warnings[0], "(broken pipe)") {
			t.Errorf("%s: frames %v of %d, warnings %q", name, got, len(full), in.Warnings)
		}
	}
}

// TestBadInputLargeFileFromAPipe streams a pcap of more than 4 GiB through a pipe (as
// `zcat big.pcap.gz | tcpmortem analyze -` does): the packets of a real capture
// (testdata/app/bulk.pcap, 2862 frames) repeated with increasing timestamps, 5.5
// million frames. Every packet is read and decoded, memory stays flat. It takes about
// 2 s (up to 10 s on a loaded machine), so it is not skipped with -short.
func TestBadInputLargeFileFromAPipe(t *testing.T) {
	orig := badFile(t, "app/bulk.pcap")
	if binary.LittleEndian.Uint32(orig) != 0xa1b2c3d4 {
		t.Skip("bulk.pcap is not a little-endian microsecond pcap")
	}
	recs := pcapRecords(t, orig)
	body := clone(orig[24:])
	secs := make([]uint32, len(recs))
	for i, o := range recs {
		secs[i] = binary.LittleEndian.Uint32(orig[o:])
	}
	const total = 4<<30 + 1<<20 // a little over 4 GiB
	reps := (total - 24 + len(body) - 1) / len(body)
	pr, pw := io.Pipe()
	go func() {
		pw.Write(orig[:24])
		for r := 0; r < reps; r++ {
			for i, o := range recs {
				binary.LittleEndian.PutUint32(body[o-24:], secs[i]+uint32(r))
			}
			if _, err := pw.Write(body); err != nil {
				return
			}
		}
		pw.Close()
	}()
	start := time.Now()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	src, err := OpenReader("-", pr, 0)
	if err != nil {
		t.Fatal(err)
	}
	dec := NewDecoder()
	var seg Segment
	n, tcp := 0, 0
	var last time.Time
	for {
		p, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
		if p.Time.Before(last) {
			t.Fatalf("frame %d runs backwards", p.Frame)
		}
		last = p.Time
		if dec.Decode(p, &seg) {
			tcp++
		}
	}
	pr.Close()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	in := src.Input()
	if n != reps*len(recs) || in.Packets != n || tcp != n || in.Truncated || len(in.Warnings) != 0 {
		t.Errorf("read %d packets (%d TCP), want %d; input %+v", n, tcp, reps*len(recs), in)
	}
	if grew := int64(after.HeapInuse) - int64(before.HeapInuse); grew > 64<<20 {
		t.Errorf("heap grew by %d MiB reading %d GiB", grew>>20, int64(reps)*int64(len(body))>>30)
	}
	t.Logf("%d packets, %.1f GiB in %v", n, float64(int64(reps)*int64(len(body)))/(1<<30), time.Since(start).Round(time.Millisecond))
}

// dedupedFlows reads capture b as a run does: decoded, through a Dedupe (unless dedupe
// is false: every segment kept) and into a Table. It returns the flows, the filter and
// the count of segments decoded; each, if set, sees every decoded segment first.
func dedupedFlows(t *testing.T, b []byte, dedupe bool, each func(*Segment)) ([]*Flow, *Dedupe, int) {
	t.Helper()
	src, err := OpenReader("capture", bytes.NewReader(b), 0)
	if err != nil {
		t.Fatal(err)
	}
	var done []*Flow
	tbl := NewTable(func(f *Flow) { done = append(done, f) })
	dec := NewDecoder()
	dd := NewDedupe(DefaultDedupeWindow)
	var seg Segment
	segs := 0
	for {
		p, err := src.Next()
		if err != nil {
			break
		}
		if !dec.Decode(p, &seg) {
			continue
		}
		segs++
		if each != nil {
			each(&seg)
		}
		if dedupe && !dd.Keep(&seg) {
			continue
		}
		tbl.Add(&seg)
	}
	tbl.Flush()
	return done, dd, segs
}

// TestBadInputSameSegmentCapturedTwice reads testdata/link/dup_any.pcap (tcpdump -i any
// on a host whose address sits on a bridge: every packet is captured on the veth port
// and on the bridge). Without Dedupe every segment looks retransmitted and every ACK
// duplicated; with it, no flow shows a phantom retransmission or dup ACK, and the copies
// are counted.
func TestBadInputSameSegmentCapturedTwice(t *testing.T) {
	b := badFile(t, "link/dup_any.pcap")
	run := func(dedupe bool) ([]*Flow, int, int) {
		done, dd, segs := dedupedFlows(t, b, dedupe, nil)
		return done, dd.Dropped, segs
	}
	raw, _, segs := run(false)
	phantom := 0
	for _, f := range raw {
		for d := FromClient; d <= FromServer; d++ {
			phantom += f.Side(d).Retransmissions + f.Side(d).DupAcks
		}
	}
	if phantom == 0 {
		t.Fatal("without Dedupe the capture shows no retransmission: it does not hold copies")
	}
	flows, dropped, _ := run(true)
	if dropped != segs/2 || segs%2 != 0 {
		t.Errorf("dropped %d of %d segments, want every second one", dropped, segs)
	}
	if len(flows) != 2 {
		t.Fatalf("%d flows, want the GET and the refused connect", len(flows))
	}
	for _, f := range flows {
		for d := FromClient; d <= FromServer; d++ {
			s := f.Side(d)
			if s.Retransmissions+s.DupAcks+s.OutOfOrder != 0 {
				t.Errorf("flow %d %v -> %v, %v: %d retransmissions, %d dup ACKs, %d out of order", f.ID, f.Client, f.Server, d,
					s.Retransmissions, s.DupAcks, s.OutOfOrder)
			}
		}
		if h := f.Zeek.History(); strings.ContainsAny(h, "Tt") {
			t.Errorf("flow %d: Zeek history %q shows retransmissions", f.ID, h)
		}
	}
	if c, s := flows[0].Side(FromClient), flows[0].Side(FromServer); c.FIN.IsZero() || s.FIN.IsZero() || s.PayloadBytes != 20042 {
		t.Errorf("GET flow: FINs %v %v, server sent %d bytes", c.FIN, s.FIN, s.PayloadBytes)
	}
	if f := flows[1]; f.Server.Port() != 81 || f.Side(FromServer).RSTs != 1 || f.Side(FromClient).SYNs != 1 {
		t.Errorf("refused flow: %v, %d RSTs, %d SYNs", f.Server, f.Side(FromServer).RSTs, f.Side(FromClient).SYNs)
	}
}

// TestDedupeKeepsIdenticalSegmentsOfOneInterface reads
// testdata/link/synack_lost_past_capture_any.pcap (tcpdump -i any: Linux cooked v2, whose
// header names each packet's interface). Twice the server sends two identical SYN-ACKs
// 15-20 µs apart (frames 4-5 and 15-16: its answer to a retransmitted SYN and its own
// timer's), both on interface 2 (veth-c), as tshark's sll.ifindex shows: two packets,
// not one captured twice, so both are kept; in dup_any.pcap (above) the copies are on
// two interfaces and still dropped. The flow then has all 12 SYN-ACKs tshark counts, and
// stays one flow: the microsecond gap inside a pair is no back-off gap to end it by.
func TestDedupeKeepsIdenticalSegmentsOfOneInterface(t *testing.T) {
	b := badFile(t, "link/synack_lost_past_capture_any.pcap")
	done, dd, _ := dedupedFlows(t, b, true, func(seg *Segment) {
		if seg.Iface != 3 { // ifindex 2, plus one
			t.Fatalf("frame %d: Iface %d, want 3", seg.Frame, seg.Iface)
		}
	})
	if dd.Dropped != 0 {
		t.Errorf("dropped %d segments as copies (first at frame %d)", dd.Dropped, dd.FirstFrame)
	}
	if len(done) != 1 || done[0].Side(FromServer).SYNs != 12 || done[0].Side(FromClient).SYNs != 8 {
		for _, f := range done {
			t.Logf("flow %d frames %d-%d: %d SYNs, %d SYN-ACKs", f.ID, f.First.Frame, f.Last.Frame,
				f.Side(FromClient).SYNs, f.Side(FromServer).SYNs)
		}
		t.Errorf("%d flows, want one with 8 SYNs and 12 SYN-ACKs", len(done))
	}
}

// TestDedupeKeepsAKernelsResetPerSegment reads testdata/app/stale_after_close_rtt.pcap
// (a 50 ms round trip, raw IP, one interface). Three times the client writes on a
// connection the server has closed and closes at once: data, then FIN, both sent before
// the server's answer can come back. The server's kernel answers each with a bare RST
// (no ACK flag, Seq = the segment's ACK: RFC 9293 3.10.7.1), so the two RSTs are
// identical and 25-260 µs apart (frames 12-13, 23-24, 34-35), with nothing from the
// client between them: two packets answering two segments, not one captured twice.
// (TestDedupeDropsResetsCapturedTwice: written twice, the copies are still dropped.)
func TestDedupeKeepsAKernelsResetPerSegment(t *testing.T) {
	done, dd, _ := dedupedFlows(t, badFile(t, "app/stale_after_close_rtt.pcap"), true, nil)
	if dd.Dropped != 0 {
		t.Errorf("dropped %d segments as copies (first at frame %d)", dd.Dropped, dd.FirstFrame)
	}
	if len(done) != 3 {
		t.Fatalf("%d flows, want 3", len(done))
	}
	for _, f := range done {
		if s := f.Side(FromServer); s.RSTs != 2 {
			t.Errorf("flow %d (frames %d-%d): %d RSTs from the server, want 2", f.ID, f.First.Frame, f.Last.Frame, s.RSTs)
		}
	}
}

// TestDedupeKeepsResetsAnsweringACrossedBurst reads testdata/app/stale_pool_mixed_lossy.pcap
// (a 50 ms round trip dropping 3% of the packets, raw IP, one interface). On 34288 the
// client's ACK of the server's FIN (frame 33) was lost; the server resent its FIN (47,
// Ack=66) as the client's late GET (45, Seq=66 Len=65) and its FIN (46, Seq=131) were on
// their way, and the client ACKed the resent FIN (48). The server's kernel, its socket
// gone, answers the GET, the FIN and that ACK with three identical bare RSTs (50, 51 24
// µs later, 52), with nothing of the client's after the resent FIN but a bare ACK: the
// GET and the FIN, whose bytes the server had not acknowledged, crossed the resent FIN
// and are what the first two RSTs answer. An earlier build took frame 51 for a copy of
// 50 and warned that the capture held a segment twice.
func TestDedupeKeepsResetsAnsweringACrossedBurst(t *testing.T) {
	done, dd, _ := dedupedFlows(t, badFile(t, "app/stale_pool_mixed_lossy.pcap"), true, nil)
	if dd.Dropped != 0 {
		t.Errorf("dropped %d segments as copies (first at frame %d)", dd.Dropped, dd.FirstFrame)
	}
	found := false
	for _, f := range done {
		if f.Client.Port() == 34288 {
			found = true
			if n := f.Side(FromServer).RSTs; n != 3 {
				t.Errorf("flow %d: %d RSTs from the server, want 3", f.ID, n)
			}
		}
	}
	if !found {
		t.Error("no flow from port 34288")
	}
}

// TestDedupeDropsResetsCapturedTwice: the same capture with every frame written twice,
// 10 µs apart, as a mirror port that copies both directions would (one interface, no
// names): now each bare RST is there twice after the two segments it answers, and the
// copies of every frame, RSTs included, are dropped, leaving two RSTs a flow.
func TestDedupeDropsResetsCapturedTwice(t *testing.T) {
	r, err := pcapgo.NewReader(bytes.NewReader(badFile(t, "app/stale_after_close_rtt.pcap")))
	if err != nil {
		t.Fatal(err)
	}
	var twice bytes.Buffer
	w := pcapgo.NewWriter(&twice)
	if err := w.WriteFileHeader(65535, r.LinkType()); err != nil {
		t.Fatal(err)
	}
	frames := 0
	for {
		d, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		frames++
		for range 2 {
			if err := w.WritePacket(ci, d); err != nil {
				t.Fatal(err)
			}
			ci.Timestamp = ci.Timestamp.Add(10 * time.Microsecond)
		}
	}
	done, dd, _ := dedupedFlows(t, twice.Bytes(), true, nil)
	if dd.Dropped != frames {
		t.Errorf("dropped %d copies, want %d", dd.Dropped, frames)
	}
	for _, f := range done {
		if s := f.Side(FromServer); s.RSTs != 2 {
			t.Errorf("flow %d (frames %d-%d): %d RSTs from the server, want 2", f.ID, f.First.Frame, f.Last.Frame, s.RSTs)
		}
	}
}

// TestDedupeKeepsRetransmissionsAndAllocatesNothing: a real retransmission (same
// sequence numbers, later, a new IP ID or TSval) is kept; a copy outside the window is
// kept; Keep allocates nothing.
func TestDedupeKeepsRetransmissionsAndAllocatesNothing(t *testing.T) {
	p := loFrame(t, 4)
	dec := NewDecoder()
	var seg Segment
	if !dec.Decode(p, &seg) {
		t.Fatal("frame 4 does not decode")
	}
	dd := NewDedupe(0)
	if !dd.Keep(&seg) {
		t.Fatal("first copy dropped")
	}
	copy1 := seg
	copy1.Time = seg.Time.Add(20 * time.Microsecond)
	if dd.Keep(&copy1) {
		t.Error("a copy 20 µs later kept")
	}
	retrans := seg
	retrans.Time, retrans.IPID = seg.Time.Add(10*time.Millisecond), seg.IPID+1
	if !dd.Keep(&retrans) {
		t.Error("a retransmission with a new IP ID dropped")
	}
	tlp := seg
	tlp.Time, tlp.IPID, tlp.TSval = seg.Time.Add(11*time.Millisecond), 0, seg.TSval+11
	seg.IPID = 0
	dd.Keep(&seg)
	if !dd.Keep(&tlp) {
		t.Error("a retransmission with a new TSval dropped")
	}
	late := seg
	late.Time = seg.Time.Add(time.Second)
	if !dd.Keep(&late) {
		t.Error("a copy a second later dropped")
	}
	if dd.Dropped != 1 || dd.FirstFrame != 4 {
		t.Errorf("Dropped %d, first at frame %d", dd.Dropped, dd.FirstFrame)
	}
	if n := testing.AllocsPerRun(1000, func() { seg.Seq++; dd.Keep(&seg) }); n != 0 {
		t.Errorf("Keep allocates %.1f times per call", n)
	}
}

// TestDedupeKeepsAnAnswerIdenticalToAnEarlierSegment reads testdata/tcp/synack_lost_once.pcap
// (EXPECTED.md 19): frames 2 and 4 are two SYN-ACKs identical byte for byte, 90 µs
// apart (IP ID 0, the same TSval), with the client's retransmitted SYN (frame 3), which
// asked for the second, between them. Both are kept: a copy of one packet cannot come
// after the peer's answer to it or after a peer's segment asking for it. Frame 4 read
// again right after itself is still a copy.
func TestDedupeKeepsAnAnswerIdenticalToAnEarlierSegment(t *testing.T) {
	b := badFile(t, "tcp/synack_lost_once.pcap")
	src, err := OpenReader("synack_lost_once.pcap", bytes.NewReader(b), 0)
	if err != nil {
		t.Fatal(err)
	}
	dec, dd := NewDecoder(), NewDedupe(DefaultDedupeWindow)
	var seg, synack, ack Segment
	kept := 0
	for {
		p, err := src.Next()
		if err != nil {
			break
		}
		if !dec.Decode(p, &seg) || seg.Kind != KindTCP {
			continue
		}
		if dd.Keep(&seg) {
			kept++
		}
		if seg.Frame == 4 {
			synack = seg
			if synack.IPID != 0 || synack.Flags != FlagSYN|FlagACK {
				t.Fatalf("frame 4 is not the SYN-ACK: %+v", synack)
			}
			if dd.Keep(&synack) {
				t.Error("frame 4 read twice in a row: the second kept, want it dropped as a copy")
			}
		}
		if seg.Frame == 5 {
			ack = seg
		}
	}
	if kept != 13 || dd.Dropped != 1 {
		t.Errorf("kept %d of the 13 TCP segments, dropped %d: want all kept, and only the repeated frame 4 dropped", kept, dd.Dropped)
	}
	// The SYN-ACK, then the client's ACK of it (frame 5, a pure ACK: it asks for
	// nothing), then the same SYN-ACK again: the peer had it, so this is a new packet.
	dd = NewDedupe(DefaultDedupeWindow)
	again := synack
	again.Time = synack.Time.Add(10 * time.Microsecond)
	ack.Time = synack.Time.Add(5 * time.Microsecond)
	if !dd.Keep(&synack) || !dd.Keep(&ack) || !dd.Keep(&again) {
		t.Errorf("a SYN-ACK repeated after the peer acknowledged it dropped as a copy")
	}
}

// flowsOfFile rebuilds the flows of a testdata capture, as the analyzer's table would.
func flowsOfFile(t *testing.T, rel string) []*Flow {
	t.Helper()
	return flowsOf(t, filepath.Base(rel), badFile(t, rel))
}

// withoutFrames is pcap b (little-endian, as tcpdump writes) without the records of
// these 1-based frames: capture loss made by hand.
func withoutFrames(t *testing.T, b []byte, drop ...int) []byte {
	t.Helper()
	recs := pcapRecords(t, b)
	out := append([]byte(nil), b[:24]...)
	for i, o := range recs {
		end := len(b)
		if i+1 < len(recs) {
			end = recs[i+1]
		}
		if !slices.Contains(drop, i+1) {
			out = append(out, b[o:end]...)
		}
	}
	return out
}

func flowsOf(t *testing.T, name string, b []byte) []*Flow {
	t.Helper()
	src, err := OpenReader(name, bytes.NewReader(b), 0)
	if err != nil {
		t.Fatal(err)
	}
	var done []*Flow
	tbl := NewTable(func(f *Flow) { done = append(done, f) })
	dec := NewDecoder()
	var seg Segment
	for {
		p, err := src.Next()
		if err != nil {
			break
		}
		if dec.Decode(p, &seg) {
			tbl.Add(&seg)
		}
	}
	tbl.Flush()
	return done
}

// TestUnseenAndAckedData: in lost_response.pcap (testdata/app/EXPECTED.md) the 143-byte
// response is not in the file, but the client's ACK covers it (Ack=144) and the server's
// FIN sits at Seq=144: 143 bytes unseen, none the other way, and the server did
// acknowledge the client's GET (frame 5, Ack=117). In accept_queue_full.pcap client B's
// request was never acknowledged (the server's segments all carry Ack=1).
func TestUnseenAndAckedData(t *testing.T) {
	fl := flowsOfFile(t, "app/lost_response.pcap")
	if len(fl) != 1 {
		t.Fatalf("%d flows", len(fl))
	}
	f := fl[0]
	if n, acked := f.UnseenBytes(FromServer); n != 143 || !acked {
		t.Errorf("server bytes unseen: %d (acknowledged %v), want 143, acknowledged", n, acked)
	}
	if n, _ := f.UnseenBytes(FromClient); n != 0 {
		t.Errorf("client bytes unseen: %d, want 0", n)
	}
	if !f.Side(FromServer).AckedData(f.Side(FromClient)) {
		t.Error("the server's ACK of the GET not seen")
	}
	for _, f := range flowsOfFile(t, "tcp/accept_queue_full.pcap") {
		if f.Client.Port() == 41240 && f.Side(FromServer).AckedData(f.Side(FromClient)) {
			t.Error("client B's request acknowledged")
		}
	}
}

// TestUnseenWithoutTheSYNACK: lost_response.pcap without the server's SYN-ACK (frame 2;
// testdata/app/lost_response_synack.pcap). The client's handshake ACK (Ack=3782292054)
// acknowledges the server's ISN plus one (RFC 9293 3.5), so the 143 bytes the client
// ACKs past it (Ack=3782292197) still count as the server's, unseen, and the report's
// relative numbers are tshark's (the handshake ACK's Ack=1, the server's FIN Seq=144).
// Without the handshake ACK too, the GET carries the same Ack: the same count. Without
// the server's ACK of the GET too (frame 5), its FIN is all the file holds of the server
// (Seq=144): only the client's ACK of the SYN-ACK says where its bytes began. The
// flow's first ACK is its SYN-ACK's only when the server sent nothing before it; a
// client whose first ACK came later would count fewer bytes, never more.
func TestUnseenWithoutTheSYNACK(t *testing.T) {
	b := badFile(t, "app/lost_response.pcap")
	for _, drop := range [][]int{{2}, {2, 3}, {2, 5}} {
		f := flowsOf(t, "no-synack.pcap", withoutFrames(t, b, drop...))[0]
		s := f.Side(FromServer)
		if f.Midstream || s.SYNs != 0 || s.ISN != 3782292053 {
			t.Errorf("without frames %v: midstream %v, server SYNs %d, ISN %d: want a flow from its SYN, no SYN-ACK, 3782292053", drop, f.Midstream, s.SYNs, s.ISN)
		}
		if n, acked := f.UnseenBytes(FromServer); n != 143 || !acked {
			t.Errorf("without frames %v: server bytes unseen %d (acknowledged %v), want 143, acknowledged", drop, n, acked)
		}
		if n, _ := f.UnseenBytes(FromClient); n != 0 {
			t.Errorf("without frames %v: client bytes unseen %d, want 0", drop, n)
		}
		for _, st := range f.Ladder.Steps() {
			if st.From == FromServer && st.Flags&FlagFIN != 0 && st.Seq != 144 {
				t.Errorf("without frames %v: the server's FIN at relative Seq %d, want 144 (tshark)", drop, st.Seq)
			}
		}
	}
}

// TestUnseenBegunMidstream: with no SYN of a side's in the capture, its bytes count
// from its first segment. lost_response_keepalive.pcap (testdata/app/EXPECTED.md): the
// server's first is its 77-byte 200 (frame 2, Seq=1 relative), and the client ACKs 155
// (frame 5): 77 unseen, acknowledged. keepalive_midstream.pcap (testdata/tcp): each
// connection opens with the client's keepalive probe (frame 1: one below its next
// sequence number), answered with an ACK one past it (frame 2; tshark takes it for the
// ACK of a byte it never saw, "ACKed unseen segment"): the probe's number is no byte,
// so nothing is unseen and no data acknowledged.
func TestUnseenBegunMidstream(t *testing.T) {
	f := flowsOfFile(t, "app/lost_response_keepalive.pcap")[0]
	if n, acked := f.UnseenBytes(FromServer); !f.Midstream || n != 77 || !acked {
		t.Errorf("lost_response_keepalive: midstream %v, server bytes unseen %d (acknowledged %v), want 77, acknowledged", f.Midstream, n, acked)
	}
	for _, f := range flowsOfFile(t, "tcp/keepalive_midstream.pcap") {
		for d := range f.Sides {
			if n, _ := f.UnseenBytes(Direction(d)); n != 0 || f.Sides[1-d].AckedData(&f.Sides[d]) {
				t.Errorf("keepalive_midstream flow %d side %d: %d unseen, acknowledged data %v: want none", f.ID, d, n, f.Sides[1-d].AckedData(&f.Sides[d]))
			}
		}
	}
}

// TestUnseenFromTheSidesOwnSequence: in answer_and_fins_lost.pcap (testdata/app/
// EXPECTED.md) the capture lost the server's 5-byte answer, the client's ACK of it and
// both FINs. Nothing of the client's acknowledges the server's bytes any more, but the
// server's last ACK (frame 6, Seq=7; tshark: "Previous segment not captured") starts 6
// past the SYN-ACK's sequence number plus one, where the capture holds none of its bytes:
// 6 sequence numbers sent and lost (the answer and the FIN, the original shows).
func TestUnseenFromTheSidesOwnSequence(t *testing.T) {
	fl := flowsOfFile(t, "app/answer_and_fins_lost.pcap")
	if len(fl) != 1 {
		t.Fatalf("%d flows", len(fl))
	}
	f := fl[0]
	s := f.Side(FromServer)
	if s.LostAhead() != 6 || !s.FIN.IsZero() || s.PayloadBytes != 0 {
		t.Errorf("server: %d lost ahead, FIN %+v, %d bytes: want 6, none, 0", s.LostAhead(), s.FIN, s.PayloadBytes)
	}
	if n, acked := f.UnseenBytes(FromServer); n != 6 || acked {
		t.Errorf("server bytes unseen: %d (acknowledged %v), want 6 from its own sequence numbers", n, acked)
	}
	if n, _ := f.UnseenBytes(FromClient); n != 0 || f.Side(FromClient).LostAhead() != 0 {
		t.Errorf("client bytes unseen: %d, want 0", n)
	}
	// The original holds them all: nothing lost ahead on either side.
	for _, f := range flowsOfFile(t, "tcp/clean_close_server_first.pcap") {
		for d := range f.Sides {
			if n, _ := f.UnseenBytes(Direction(d)); n != 0 || f.Sides[d].LostAhead() != 0 {
				t.Errorf("clean_close_server_first flow %d side %d: %d unseen, %d lost ahead", f.ID, d, n, f.Sides[d].LostAhead())
			}
		}
	}
}

// TestLostInTheMiddleHidesNoFIN: s2_idle_timeout.pcap's first connection (tshark: the
// client's queries, frames 9 and 11, 22 and 52 bytes, and the answers, 10 and 12) without
// those four frames: the client's ACK at frame 9 (was 13, Seq=164) starts 74 past what
// the capture holds of it, 3 s before the server's FIN (was 160), which the client ACKs
// (Seq=164 again) and never answers: the lost numbers came mid-exchange, so they are
// 74 bytes lost, and the client stays a side that sent no FIN (CLOSE_WAIT).
func TestLostInTheMiddleHidesNoFIN(t *testing.T) {
	b := badFile(t, "scenarios/s2_idle_timeout.pcap")
	f := flowsOf(t, "mid-loss.pcap", withoutFrames(t, b, 9, 10, 11, 12))[0]
	c := f.Side(FromClient)
	if c.LostAhead() != 74 || c.FINMayBeLost() || !c.FIN.IsZero() {
		t.Errorf("client: %d lost ahead, FIN may be lost %v, FIN %+v: want 74, false, none", c.LostAhead(), c.FINMayBeLost(), c.FIN)
	}
	if n, acked := f.UnseenBytes(FromClient); n != 74 || !acked {
		t.Errorf("client bytes unseen: %d (acknowledged %v), want 74, acknowledged by the server's FIN", n, acked)
	}
}

// TestLostFINFromItsACK: http_close.pcap's first connection (testdata/app/EXPECTED.md;
// tshark: frame 6 the 143-byte response, Seq=1; frame 9 the server's FIN, Seq=144 Ack=118;
// frame 10 the client's ACK of it, Ack=145). Without frame 9 the client's ACK still
// acknowledges one past the server's last byte: the server's FIN, lost by the capture,
// which stands at that ACK. Without frames 6 and 9 the ACK is 144 past what the capture
// holds of the server: lost bytes, and no telling whether a FIN came with them.
func TestLostFINFromItsACK(t *testing.T) {
	b := badFile(t, "app/http_close.pcap")
	f := flowsOf(t, "no-fin.pcap", withoutFrames(t, b, 9))[0]
	s := f.Side(FromServer)
	if !s.FINUnseen || s.FINs != 0 || s.FIN.Frame != 9 || s.FINAcked != s.FIN || s.FINSeq != 1+143+s.ISN {
		t.Errorf("server FIN %+v acked %+v seq %d unseen %v FINs %d: want the client's ACK (now frame 9)",
			s.FIN, s.FINAcked, s.FINSeq-s.ISN, s.FINUnseen, s.FINs)
	}
	if n, _ := f.UnseenBytes(FromServer); n != 0 {
		t.Errorf("%d server bytes unseen, want 0 (the ACK covers the FIN, no byte)", n)
	}
	if c := f.Side(FromClient); c.FINUnseen || c.FIN.Frame != 8 {
		t.Errorf("client FIN %+v unseen %v: want frame 8, captured", c.FIN, c.FINUnseen)
	}
	f = flowsOf(t, "no-answer.pcap", withoutFrames(t, b, 6, 9))[0]
	if s := f.Side(FromServer); s.FINUnseen || !s.FIN.IsZero() {
		t.Errorf("server FIN %+v unseen %v: want none inferred past lost bytes", s.FIN, s.FINUnseen)
	}
	f = flowsOf(t, "whole.pcap", b)[0]
	if s := f.Side(FromServer); s.FINUnseen || s.FIN.Frame != 9 {
		t.Errorf("server FIN %+v unseen %v: want frame 9, captured", s.FIN, s.FINUnseen)
	}
}
