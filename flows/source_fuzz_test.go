package flows

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// fuzzSeedMax caps a seed taken from a capture file: the fuzzer mutates small inputs
// much faster, and a capture cut at 16 KiB is an interesting input of its own.
const fuzzSeedMax = 16 << 10

// fuzzSeedFiles lists the captures fuzz targets are seeded from: testdata/**/*.pcap*
// of the repository and, when present, ../shared/captures/public.
func fuzzSeedFiles(tb testing.TB) []string {
	tb.Helper()
	var files []string
	isCapture := func(name string) bool {
		for _, ext := range []string{"", ".gz", ".bz2", ".zst", ".lz4"} {
			if strings.HasSuffix(name, ".pcap"+ext) || strings.HasSuffix(name, ".pcapng"+ext) {
				return true
			}
		}
		return false
	}
	for _, root := range []string{"../testdata", "../../shared/captures/public"} {
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && isCapture(d.Name()) {
				files = append(files, p)
			}
			return nil
		})
	}
	sort.Strings(files)
	return files
}

// fuzzSeed reads a seed file, cut at fuzzSeedMax.
func fuzzSeed(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	if len(b) > fuzzSeedMax {
		b = b[:fuzzSeedMax]
	}
	return b
}

// readAllChecked reads a source to io.EOF checking the reader's invariants: frames
// strictly increase, Packets counts them, CaptureLen matches the data, the work is
// bounded by the input's size, and nothing comes after io.EOF. It returns the packets
// read.
func readAllChecked(t *testing.T, src *FileSource, inputLen int) int {
	t.Helper()
	n, last := 0, 0
	// Every record takes at least 12 bytes of the (decompressed) stream; gzip can
	// expand a byte ~1000 times, so bound by that.
	limit := 1 + inputLen*1100/12
	for {
		p, err := src.Next()
		if err != nil {
			if err != io.EOF {
				t.Fatalf("Next: %v, want only io.EOF", err)
			}
			break
		}
		n++
		if n > limit {
			t.Fatalf("endless: %d packets from %d bytes", n, inputLen)
		}
		if p.Frame <= last {
			t.Fatalf("frame %d after frame %d", p.Frame, last)
		}
		last = p.Frame
		if p.CaptureLen != len(p.Data) || p.CaptureLen < 0 {
			t.Fatalf("frame %d: CaptureLen %d, len(Data) %d", p.Frame, p.CaptureLen, len(p.Data))
		}
		if src.Input().Packets != p.Frame {
			t.Fatalf("frame %d: Input().Packets %d", p.Frame, src.Input().Packets)
		}
	}
	for i := 0; i < 3; i++ {
		if p, err := src.Next(); p != nil || err != io.EOF {
			t.Fatalf("after io.EOF: Next returned %v, %v", p, err)
		}
	}
	in := src.Input()
	if in.Packets < last {
		t.Fatalf("Input().Packets %d below the last frame %d", in.Packets, last)
	}
	if in.Truncated && len(in.Warnings) == 0 {
		t.Fatal("truncated without a warning")
	}
	for _, w := range in.Warnings {
		if strings.Contains(w, "\n") || !strings.HasPrefix(w, displayName(in.Name)+": ") {
			t.Fatalf("warning not one line naming the file: %q", w)
		}
		if strings.Contains(w, "reader panic") {
			t.Fatalf("the reader panicked: %q", w)
		}
	}
	return n
}

// FuzzSource reads arbitrary bytes as a capture: Open never panics, an error is one
// line naming the file, and Next ends with io.EOF after a bounded number of packets.
func FuzzSource(f *testing.F) {
	for _, name := range fuzzSeedFiles(f) {
		f.Add(fuzzSeed(f, name))
	}
	f.Add([]byte{})
	f.Add([]byte{0xd4, 0xc3, 0xb2, 0xa1})
	f.Add([]byte{0x0a, 0x0d, 0x0d, 0x0a})
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := OpenReader("fuzz.pcap", bytes.NewReader(data), 0)
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "fuzz.pcap: ") || strings.Contains(msg, "\n") {
				t.Fatalf("error not one line naming the file: %q", msg)
			}
			return
		}
		readAllChecked(t, src, len(data))
	})
}

// FuzzSourceGzip compresses a capture, cuts the compressed stream at an arbitrary
// point and damages one byte: the packets before the damage are read, then a warning.
func FuzzSourceGzip(f *testing.F) {
	fuzzCompressed(f, "gz", func(w io.Writer) io.WriteCloser { return gzip.NewWriter(w) })
}

// FuzzSourceZstd is FuzzSourceGzip through zstd, in small blocks (a 1 KiB window).
func FuzzSourceZstd(f *testing.F) {
	fuzzCompressed(f, "zst", func(w io.Writer) io.WriteCloser {
		z, _ := zstd.NewWriter(w, zstd.WithWindowSize(1<<10), zstd.WithEncoderConcurrency(1))
		return z
	})
}

// FuzzSourceLz4 is FuzzSourceGzip through lz4's frame format, in 64 KiB blocks.
func FuzzSourceLz4(f *testing.F) {
	fuzzCompressed(f, "lz4", func(w io.Writer) io.WriteCloser {
		z := lz4.NewWriter(w)
		z.Apply(lz4.BlockSizeOption(lz4.Block64Kb))
		return z
	})
}

// fuzzCompressed is the fuzz target of FuzzSourceGzip for the compression compress
// writes (ext: its file name extension, for the messages).
func fuzzCompressed(f *testing.F, ext string, compress func(io.Writer) io.WriteCloser) {
	for i, name := range fuzzSeedFiles(f) {
		if compressionOf(fuzzSeed(f, name)) != "" {
			continue
		}
		b := fuzzSeed(f, name)
		if len(b) > 8<<10 {
			b = b[:8<<10]
		}
		f.Add(b, uint16(i*97), uint16(0), byte(0))
		f.Add(b, uint16(0xffff), uint16(i*13), byte(i))
	}
	name := "fuzz.pcap." + ext
	f.Fuzz(func(t *testing.T, data []byte, cut, pos uint16, xor byte) {
		var z bytes.Buffer
		w := compress(&z)
		w.Write(data)
		w.Close()
		gz := z.Bytes()
		if int(cut) < len(gz) {
			gz = gz[:cut]
		}
		if len(gz) > 0 {
			gz[int(pos)%len(gz)] ^= xor
		}
		src, err := OpenReader(name, bytes.NewReader(gz), 0)
		if err != nil {
			if !strings.HasPrefix(err.Error(), name+": ") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error not one line naming the file: %q", err)
			}
			return
		}
		defer src.Close()
		n := readAllChecked(t, src, len(data)+len(gz))
		if int(cut) >= len(z.Bytes()) && xor == 0 {
			// The whole stream, undamaged: the same packets as the plain bytes.
			plain, err := OpenReader("plain", bytes.NewReader(data), 0)
			if err != nil {
				t.Fatalf("%s stream read, plain bytes not: %v", ext, err)
			}
			if m := readAllChecked(t, plain, len(data)); m != n || plain.Input().Truncated != src.Input().Truncated {
				t.Fatalf("%s: %d packets (truncated %v), plain: %d (truncated %v)", ext, n, src.Input().Truncated, m, plain.Input().Truncated)
			}
		}
	})
}
