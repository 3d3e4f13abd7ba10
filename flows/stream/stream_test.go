package stream

import (
	"bytes"
	"math/rand"
	"testing"
	"time"
)

// rec records what a Half delivers: the bytes (gaps and skipped bytes as '?'), and each
// call with the frame that carried it.
type rec struct {
	out    []byte
	calls  []call
	gaps   int
	onData func(h *Half, b []byte, n int)
	h      *Half
}

type call struct {
	gap   bool
	n     int
	frame int
	nilB  bool
}

func (r *rec) Data(b []byte, n int, m Meta) {
	if b == nil {
		r.out = append(r.out, bytes.Repeat([]byte{'?'}, n)...)
	} else {
		if len(b) != n {
			panic("len(b) != n")
		}
		r.out = append(r.out, b...)
	}
	r.calls = append(r.calls, call{n: n, frame: m.Frame, nilB: b == nil})
	if r.onData != nil {
		r.onData(r.h, b, n)
	}
}

func (r *rec) Gap(n int, m Meta) {
	r.out = append(r.out, bytes.Repeat([]byte{'?'}, n)...)
	r.calls = append(r.calls, call{gap: true, n: n, frame: m.Frame})
	r.gaps += n
}

func meta(frame int) Meta {
	return Meta{Frame: frame, Time: time.Unix(1000, int64(frame)*1e6)}
}

func TestInOrder(t *testing.T) {
	var h Half
	var r rec
	h.Init(1000)
	h.Add(1000, []byte("GET / HTTP/1.1\r\n"), 16, meta(1), &r)
	h.Add(1016, []byte("Host: x\r\n\r\n"), 11, meta(2), &r)
	if got := string(r.out); got != "GET / HTTP/1.1\r\nHost: x\r\n\r\n" {
		t.Fatalf("got %q", got)
	}
	if len(r.calls) != 2 || r.calls[0].frame != 1 || r.calls[1].frame != 2 {
		t.Fatalf("calls %+v", r.calls)
	}
	if h.Delivered != 27 || h.Offset() != 27 || h.Next() != 1027 {
		t.Fatalf("delivered %d offset %d next %d", h.Delivered, h.Offset(), h.Next())
	}
}

func TestRetransmissionAndOverlap(t *testing.T) {
	var h Half
	var r rec
	h.Init(1)
	h.Add(1, []byte("abcd"), 4, meta(1), &r)
	h.Add(1, []byte("abcd"), 4, meta(2), &r)        // full retransmission
	h.Add(3, []byte("cdefgh"), 6, meta(3), &r)      // overlap carrying new bytes
	h.Add(0xffffff00, []byte("zz"), 2, meta(4), &r) // far in the past
	if got := string(r.out); got != "abcdefgh" {
		t.Fatalf("got %q", got)
	}
	if h.Duplicate != 4+2+2 {
		t.Fatalf("duplicate %d", h.Duplicate)
	}
	if r.calls[1].frame != 3 || r.calls[1].n != 4 {
		t.Fatalf("calls %+v", r.calls)
	}
}

func TestOutOfOrderFilled(t *testing.T) {
	var h Half
	var r rec
	h.Init(100)
	h.Add(100, []byte("aaaa"), 4, meta(1), &r)
	h.Add(108, []byte("cccc"), 4, meta(2), &r) // beyond a hole
	h.Add(112, []byte("dddd"), 4, meta(3), &r)
	if string(r.out) != "aaaa" {
		t.Fatalf("delivered beyond the hole: %q", r.out)
	}
	if h.Buffered() != 8 {
		t.Fatalf("buffered %d", h.Buffered())
	}
	h.Add(104, []byte("bbbb"), 4, meta(4), &r) // fills it
	if got := string(r.out); got != "aaaabbbbccccdddd" {
		t.Fatalf("got %q", got)
	}
	// Each chunk keeps the frame that carried it.
	want := []int{1, 4, 2, 3}
	for i, c := range r.calls {
		if c.frame != want[i] {
			t.Fatalf("call %d frame %d, want %d (%+v)", i, c.frame, want[i], r.calls)
		}
	}
	if h.OutOfOrder != 2 || h.Lost != 0 || h.Buffered() != 0 {
		t.Fatalf("ooo %d lost %d buffered %d", h.OutOfOrder, h.Lost, h.Buffered())
	}
}

func TestOverlappingOutOfOrderPieces(t *testing.T) {
	var h Half
	var r rec
	h.Init(0)
	h.Add(10, []byte("KLMNO"), 5, meta(1), &r)              // 10..15
	h.Add(20, []byte("UVWXY"), 5, meta(2), &r)              // 20..25
	h.Add(8, []byte("IJKLMNOPQRSTUVWXYZ"), 18, meta(3), &r) // 8..26 covers both and the holes between
	h.Add(0, []byte("ABCDEFGH"), 8, meta(4), &r)
	if got, want := string(r.out), "ABCDEFGHIJKLMNOPQRSTUVWXYZ"; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	frames := []int{}
	for _, c := range r.calls {
		frames = append(frames, c.frame)
	}
	// 0..8 frame 4, 8..10 frame 3, 10..15 frame 1, 15..20 frame 3, 20..25 frame 2, 25..26 frame 3
	want := []int{4, 3, 1, 3, 2, 3}
	if len(frames) != len(want) {
		t.Fatalf("frames %v want %v", frames, want)
	}
	for i := range want {
		if frames[i] != want[i] {
			t.Fatalf("frames %v want %v", frames, want)
		}
	}
}

func TestHoleSkippedWhenBufferFull(t *testing.T) {
	var h Half
	var r rec
	h.MaxBuffered = 1000
	h.Init(0)
	h.Add(0, bytes.Repeat([]byte{'a'}, 100), 100, meta(1), &r)
	// bytes 100..200 are lost; what follows is buffered until 1000 bytes are waiting.
	frame := 2
	for s := 200; s < 1200; s += 100 {
		h.Add(uint32(s), bytes.Repeat([]byte{'b'}, 100), 100, meta(frame), &r)
		frame++
	}
	if h.Lost != 100 || h.Holes != 1 {
		t.Fatalf("lost %d holes %d", h.Lost, h.Holes)
	}
	want := string(bytes.Repeat([]byte{'a'}, 100)) + string(bytes.Repeat([]byte{'?'}, 100)) +
		string(bytes.Repeat([]byte{'b'}, 1000))
	if string(r.out) != want {
		t.Fatalf("got %d bytes, want %d", len(r.out), len(want))
	}
	if r.gaps != 100 {
		t.Fatalf("gaps %d", r.gaps)
	}
	// The gap is reported with the packet after the hole.
	for _, c := range r.calls {
		if c.gap && c.frame != 2 {
			t.Fatalf("gap reported with frame %d", c.frame)
		}
	}
	if h.Buffered() != 0 {
		t.Fatalf("buffered %d", h.Buffered())
	}
}

// gapSink keeps the data and counts the gaps, for gaps too large to write out.
type gapSink struct {
	data []byte
	gap  int
}

func (g *gapSink) Data(b []byte, n int, m Meta) { g.data = append(g.data, b...) }
func (g *gapSink) Gap(n int, m Meta)            { g.gap += n }

// TestSegmentHalfTheSequenceSpaceAhead: a segment that starts just under 2^31 bytes
// beyond what was delivered is ahead (sequence arithmetic takes it so), but its end
// is past the half of the sequence space, where an int32 difference turns negative.
// The span it opens is far past the bound all the same: the hole before it is
// skipped (one gap of its size) and the segment delivered, nothing buffered. The span
// was once measured to the end as an int32: it passed for small, and the ring grew to
// 4 GiB to hold it (found by FuzzTable, as a run of inputs that had to zero the
// memory before using it).
func TestSegmentHalfTheSequenceSpaceAhead(t *testing.T) {
	for _, ahead := range []uint32{1<<31 - 5, 1<<31 - 4, 1<<31 - 1} {
		var h Half
		var g gapSink
		h.Init(1000)
		h.Add(1000+ahead, []byte("hello"), 5, meta(1), &g)
		if g.gap != int(ahead) || string(g.data) != "hello" || h.Holes != 1 {
			t.Errorf("%d ahead: gap %d, data %q, holes %d; want a gap of %d, then hello", ahead, g.gap, g.data, h.Holes, ahead)
		}
		if h.Buffered() != 0 || h.o != nil && len(h.o.ring) > DefaultMaxBuffered {
			t.Errorf("%d ahead: %d bytes buffered, ring of %d", ahead, h.Buffered(), len(h.o.ring))
		}
	}
}

func TestHoleSkippedAtFlush(t *testing.T) {
	var h Half
	var r rec
	h.Init(0)
	h.Add(0, []byte("head"), 4, meta(1), &r)
	h.Add(10, []byte("tail"), 4, meta(2), &r)
	if string(r.out) != "head" {
		t.Fatalf("got %q", r.out)
	}
	h.FlushTo(20, meta(3), &r)
	if got := string(r.out); got != "head??????tail??????" {
		t.Fatalf("got %q", got)
	}
	if h.Lost != 12 || h.Holes != 2 {
		t.Fatalf("lost %d holes %d", h.Lost, h.Holes)
	}
}

func TestSnaplen(t *testing.T) {
	var h Half
	var r rec
	h.Init(0)
	h.Add(0, []byte("GET /x"), 100, meta(1), &r)
	h.Add(150, []byte("HTTP"), 50, meta(3), &r) // out of order, also cut
	h.Add(100, []byte("POST"), 50, meta(2), &r)
	if len(r.out) != 200 {
		t.Fatalf("len %d", len(r.out))
	}
	if h.Uncaptured != 94+46+46 || h.Delivered != 14 {
		t.Fatalf("uncaptured %d delivered %d", h.Uncaptured, h.Delivered)
	}
	if !bytes.HasPrefix(r.out, []byte("GET /x?")) || string(r.out[100:104]) != "POST" || string(r.out[150:154]) != "HTTP" {
		t.Fatalf("got %q", r.out)
	}
}

func TestSkipToAndStop(t *testing.T) {
	var h Half
	var r rec
	h.Init(0)
	h.Add(0, []byte("0123"), 4, meta(1), &r)
	h.SkipTo(12) // bytes 4..12 are a body the consumer only counts
	h.Add(8, []byte("89AB"), 4, meta(3), &r)
	h.Add(12, []byte("CDEF"), 4, meta(4), &r)
	h.Add(4, []byte("4567"), 4, meta(2), &r)
	if got := string(r.out); got != "01234567????CDEF" {
		t.Fatalf("got %q", got)
	}
	if !r.calls[2].nilB || r.calls[2].n != 4 || r.calls[2].frame != 3 {
		t.Fatalf("calls %+v", r.calls)
	}
	h.Stop()
	n := len(r.calls)
	h.Add(20, []byte("KLMN"), 4, meta(6), &r)
	h.Add(16, []byte("GHIJ"), 4, meta(5), &r)
	h.Flush(&r)
	if len(r.calls) != n {
		t.Fatalf("sink called after Stop")
	}
	if h.Delivered != 24 || h.Buffered() != 0 {
		t.Fatalf("delivered %d buffered %d", h.Delivered, h.Buffered())
	}
}

func TestSkipToDuringData(t *testing.T) {
	// A consumer that learns the body length in the middle of a chunk.
	var h Half
	r := rec{h: &h}
	r.onData = func(h *Half, b []byte, n int) {
		if bytes.HasPrefix(b, []byte("LEN")) {
			h.SkipTo(h.Offset() + int64(n) + 100)
		}
	}
	h.Init(0)
	h.Add(0, []byte("LEN"), 3, meta(1), &r)
	h.Add(53, bytes.Repeat([]byte{'x'}, 50), 50, meta(3), &r) // inside the body: not copied
	h.Add(103, []byte("NEXT"), 4, meta(4), &r)                // after it: copied
	if h.Buffered() != 4 {
		t.Fatalf("buffered %d, want 4", h.Buffered())
	}
	h.Add(3, bytes.Repeat([]byte{'y'}, 50), 50, meta(2), &r)
	if got := string(r.out[len(r.out)-4:]); got != "NEXT" || len(r.out) != 107 {
		t.Fatalf("got %q (%d)", got, len(r.out))
	}
}

func TestSequenceWrap(t *testing.T) {
	var h Half
	var r rec
	h.Init(0xfffffffc)
	h.Add(0xfffffffc, []byte("ab"), 2, meta(1), &r)
	h.Add(2, []byte("gh"), 2, meta(3), &r)
	h.Add(0xfffffffe, []byte("cdef"), 4, meta(2), &r)
	if got := string(r.out); got != "abcdefgh" {
		t.Fatalf("got %q", got)
	}
}

func TestTooManyPieces(t *testing.T) {
	var h Half
	var r rec
	h.Init(0)
	// Every other byte beyond a hole: 1-byte pieces until maxPieces, then holes go.
	for i := 0; i < 3*maxPieces; i++ {
		h.Add(uint32(2+2*i), []byte{'x'}, 1, meta(i+1), &r)
	}
	if len(h.o.pieces) > maxPieces {
		t.Fatalf("%d pieces", len(h.o.pieces))
	}
	h.Flush(&r)
	if int64(len(r.out)) != h.Delivered+h.Lost || h.Delivered != 3*maxPieces {
		t.Fatalf("out %d delivered %d lost %d", len(r.out), h.Delivered, h.Lost)
	}
}

// TestRandomOrder shuffles, duplicates and splits a stream; with enough buffer the result
// is the stream, byte for byte; with drops, every byte is delivered or counted lost.
func TestRandomOrder(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for iter := 0; iter < 600; iter++ {
		window, max := 4, 0
		if iter >= 300 {
			// wide reordering against a small buffer: holes get skipped, data after them
			// arrives late and is old by then
			window, max = 30, 4096
		}
		data := make([]byte, 1+rng.Intn(20000))
		for i := range data {
			data[i] = byte('a' + rng.Intn(26))
		}
		type seg struct{ off, n int }
		var segs []seg
		for off := 0; off < len(data); {
			n := 1 + rng.Intn(1500)
			if off+n > len(data) {
				n = len(data) - off
			}
			segs = append(segs, seg{off, n})
			if rng.Intn(5) == 0 { // a retransmission, maybe repacketised
				d := rng.Intn(n)
				segs = append(segs, seg{off + d, n - d})
			}
			off += n
		}
		// local reordering
		for i := range segs {
			j := i + rng.Intn(window)
			if j < len(segs) {
				segs[i], segs[j] = segs[j], segs[i]
			}
		}
		drop := iter%3 == 0
		isn := rng.Uint32()
		h := Half{MaxBuffered: max}
		var r rec
		h.Init(isn)
		dropped := map[int]bool{}
		for i, s := range segs {
			if drop && rng.Intn(10) == 0 {
				dropped[i] = true
				continue
			}
			h.Add(isn+uint32(s.off), data[s.off:s.off+s.n], s.n, meta(i+1), &r)
		}
		h.FlushTo(isn+uint32(len(data)), meta(len(segs)+1), &r)
		if len(r.out) != len(data) {
			t.Fatalf("iter %d: %d bytes out, want %d", iter, len(r.out), len(data))
		}
		if h.Delivered+h.Lost != int64(len(data)) {
			t.Fatalf("iter %d: delivered %d + lost %d != %d", iter, h.Delivered, h.Lost, len(data))
		}
		for i := range data {
			if r.out[i] != '?' && r.out[i] != data[i] {
				t.Fatalf("iter %d: byte %d is %q, want %q", iter, i, r.out[i], data[i])
			}
		}
		if h.Buffered() != 0 {
			t.Fatalf("iter %d: %d bytes left buffered", iter, h.Buffered())
		}
		if !drop && max == 0 && !bytes.Equal(r.out, data) {
			t.Fatalf("iter %d: stream differs without drops (lost %d)", iter, h.Lost)
		}
	}
}

type countSink struct{ n int }

func (c *countSink) Data(b []byte, n int, m Meta) { c.n += n }
func (c *countSink) Gap(n int, m Meta)            { c.n += n }

func TestInOrderAllocationFree(t *testing.T) {
	var h Half
	s := &countSink{}
	payload := make([]byte, 1448)
	seq := uint32(1)
	h.Init(seq)
	m := meta(1)
	allocs := testing.AllocsPerRun(1000, func() {
		h.Add(seq, payload, len(payload), m, s)
		h.Add(seq, payload, len(payload), m, s) // and its retransmission
		seq += uint32(len(payload))
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per in-order segment", allocs)
	}
}

func BenchmarkInOrder(b *testing.B) {
	var h Half
	s := &countSink{}
	payload := make([]byte, 1448)
	seq := uint32(1)
	h.Init(seq)
	m := meta(1)
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for i := 0; i < b.N; i++ {
		h.Add(seq, payload, len(payload), m, s)
		seq += uint32(len(payload))
	}
}

func BenchmarkReordered(b *testing.B) {
	var h Half
	s := &countSink{}
	payload := make([]byte, 1448)
	seq := uint32(1)
	h.Init(seq)
	m := meta(1)
	b.ReportAllocs()
	b.SetBytes(2 * int64(len(payload)))
	for i := 0; i < b.N; i++ {
		// every pair swapped: one segment buffered, then both delivered
		h.Add(seq+1448, payload, len(payload), m, s)
		h.Add(seq, payload, len(payload), m, s)
		seq += 2 * 1448
	}
}
