package stream

import (
	"testing"
)

// streamByte is the content of the byte with sequence number s in every generated
// stream: every segment, however it overlaps others, carries the same bytes for the
// same sequence numbers, so what the Sink receives can be checked byte by byte.
func streamByte(s uint32) byte { return byte(s*2654435761>>24) ^ byte(s) }

// checkSink checks that Data and Gap come in stream order and that Data bytes are
// the stream's bytes at their offsets.
type checkSink struct {
	t     *testing.T
	h     *Half
	first uint32 // sequence number of stream offset 0
	off   int64  // stream offset of the next byte expected
	calls int
}

func (c *checkSink) Data(b []byte, n int, m Meta) {
	c.calls++
	if n <= 0 {
		c.t.Fatalf("Data with n=%d", n)
	}
	if got := c.h.Offset(); got != c.off {
		c.t.Fatalf("Data at offset %d, the Half says %d", c.off, got)
	}
	if b != nil {
		if len(b) != n {
			c.t.Fatalf("Data: %d bytes for n=%d", len(b), n)
		}
		for i, x := range b {
			if want := streamByte(c.first + uint32(c.off) + uint32(i)); x != want {
				c.t.Fatalf("byte at offset %d: %#x, want %#x", c.off+int64(i), x, want)
			}
		}
	}
	c.off += int64(n)
}

func (c *checkSink) Gap(n int, m Meta) {
	c.calls++
	if n <= 0 {
		c.t.Fatalf("Gap with n=%d", n)
	}
	if got := c.h.Offset(); got != c.off {
		c.t.Fatalf("Gap at offset %d, the Half says %d", c.off, got)
	}
	c.off += int64(n)
}

// FuzzHalf offers a Half arbitrary segments of one stream (any order, overlaps,
// retransmissions, snaplen cuts, sequence numbers that wrap, SkipTo and Stop), then
// flushes it. The bytes delivered are the stream's own, in order; the counters add up;
// what is buffered stays within MaxBuffered.
//
// Each operation takes 6 bytes: op, offset (2, signed, relative to the first byte),
// length (2), captured share.
func FuzzHalf(f *testing.F) {
	f.Add(uint32(1000), uint16(0), []byte{0, 0, 0, 0, 100, 255, 0, 0, 200, 0, 100, 255})
	f.Add(uint32(0xffffff00), uint16(64), []byte{0, 1, 0, 0, 100, 255, 0, 0, 0, 1, 0, 255, 0, 2, 0, 0, 100, 128})
	f.Add(uint32(7), uint16(0), []byte{1, 0, 10, 0, 0, 0, 0, 0, 0, 0, 50, 255, 0, 0, 100, 1, 0, 255, 2, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, isn uint32, maxBuf uint16, ops []byte) {
		h := &Half{MaxBuffered: int(maxBuf)}
		first := isn + 1
		h.Init(first)
		sink := &checkSink{t: t, h: h, first: first}
		limit := h.max()
		var buf [1 << 16]byte
		frame := 0
		for len(ops) >= 6 {
			op := ops[0]
			rel := int32(int16(uint16(ops[1])<<8 | uint16(ops[2])))
			n := int(uint16(ops[3])<<8 | uint16(ops[4]))
			share := int(ops[5])
			ops = ops[6:]
			frame++
			m := Meta{Frame: frame}
			switch op % 8 {
			case 0, 1, 2, 3, 4:
				// A segment: rel is relative to the next byte expected for op 0-2
				// (mostly in order), to the first byte for op 3-4.
				var seq uint32
				if op%8 <= 2 {
					seq = h.Next() + uint32(rel/64)
				} else {
					seq = first + uint32(rel)
				}
				captured := n * share / 255
				if n > len(buf) {
					n = len(buf)
				}
				for i := 0; i < captured && i < len(buf); i++ {
					buf[i] = streamByte(seq + uint32(i))
				}
				h.Add(seq, buf[:min(captured, len(buf))], n, m, sink)
			case 5:
				h.SkipTo(h.Offset() + int64(n))
			case 6:
				if share == 0 {
					h.Stop()
				} else {
					h.Flush(sink)
				}
			case 7:
				if b := h.Buffered(); b > limit {
					t.Fatalf("%d bytes buffered, MaxBuffered %d", b, limit)
				}
			}
			if h.o != nil && len(h.o.pieces) > maxPieces {
				t.Fatalf("%d pieces waiting", len(h.o.pieces))
			}
			if h.o != nil && len(h.o.ring) > 2*limit && len(h.o.ring) > minRing {
				t.Fatalf("ring of %d bytes for MaxBuffered %d", len(h.o.ring), limit)
			}
			if h.Delivered+h.Lost+h.Uncaptured != h.Offset() {
				t.Fatalf("delivered %d + lost %d + uncaptured %d != offset %d", h.Delivered, h.Lost, h.Uncaptured, h.Offset())
			}
			if h.Next() != first+uint32(h.Offset()) {
				t.Fatalf("next %d, first %d + offset %d", h.Next(), first, h.Offset())
			}
		}
		// FlushTo: what waits is delivered, then the lost tail up to end is a gap.
		end := h.Next() + uint32(len(ops))*100
		pending := h.Pending()
		h.FlushTo(end, Meta{Frame: frame + 1}, sink)
		if h.Pending() {
			t.Fatal("pieces left after FlushTo")
		}
		if !pending && h.Next() != end {
			t.Fatalf("FlushTo(%d) left next at %d", end, h.Next())
		}
		if int32(h.Next()-end) < 0 {
			t.Fatalf("FlushTo(%d) stopped short at %d", end, h.Next())
		}
		if !h.Stopped() && sink.off != h.Offset() {
			t.Fatalf("the sink saw %d bytes, the Half passed %d", sink.off, h.Offset())
		}
		if h.Delivered+h.Lost+h.Uncaptured != h.Offset() {
			t.Fatalf("delivered %d + lost %d + uncaptured %d != offset %d", h.Delivered, h.Lost, h.Uncaptured, h.Offset())
		}
	})
}
