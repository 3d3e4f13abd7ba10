// Package stream puts one direction of a TCP connection back in order for the protocol
// parsers above it: a small, purpose-built reassembler.
//
// # Why not gopacket's reassembly
//
// gopacket/reassembly (and tcpassembly before it) was considered and not used:
//
//   - It owns flow tracking: its StreamPool keys connections by tuple behind mutexes and a
//     global page cache (memory.go's pageCache, StreamPool.free), while tcpmortem's flow
//     table already decides what a connection is (port reuse, midstream, ISN changes).
//     Two owners of "which connection is this" would disagree exactly on the flows the
//     verdicts care about. It also wants *layers.TCP, and nothing after package flows sees
//     gopacket types.
//   - Its gaps are resolved by age (FlushCloseOlderThan, FlushWithOptions) or by a page
//     budget (MaxBufferedPagesPerConnection, unlimited by default), driven by the caller's
//     clock. We read captures in one pass and want the decision to depend on bytes only,
//     so two runs on the same file say the same thing. google/gopacket#330: a stream with
//     a hole never completes until someone flushes it; the data after the hole waits.
//   - Close and reset handling: google/gopacket#425 (an RST does not close the stream;
//     only FlushAll does) and google/gopacket#427 (when ReassemblyComplete returns true
//     the final ACK re-creates the connection, which then sits in the pool forever; when
//     it returns false the original does). Our verdicts are about exactly those endings
//     (fin_unanswered, RST after a request), and the flow table already reads them from
//     the segments; the application layer only needs bytes in order.
//   - Each segment becomes pages copied into the pool; we want the in-order path (nearly
//     every segment of a real capture) to copy nothing and allocate nothing.
//
// # What this reassembler does
//
// A Half follows one direction. Segments are offered in capture order with Add. Bytes at
// the expected sequence number go straight to the Sink (no copy), retransmitted bytes are
// dropped, and segments beyond a hole are copied into a small ring buffer until the hole is
// filled. A hole is never waited on forever: when the buffered out-of-order span would
// exceed MaxBuffered (64 KiB by default) or too many pieces are pending, or when the flow
// ends (Flush), the hole is skipped and reported to the Sink as a Gap. Bytes the capture
// did not keep (snaplen shorter than the segment) are reported as a Gap too, so a parser
// always knows how many bytes went by even when it did not see them.
//
// The consumer decides how much it wants: SkipTo says the bytes before a stream offset are
// not needed (a body being counted), so out-of-order data there is not copied, and Stop
// says nothing more is needed at all (only counting continues, the Sink is not called).
package stream

import (
	"time"
)

// DefaultMaxBuffered bounds the out-of-order span a Half holds beyond a hole.
const DefaultMaxBuffered = 64 << 10

// maxPieces bounds how many separate out-of-order pieces wait behind a hole.
const maxPieces = 64

// minRing is the ring buffer's first size, grown by doubling up to MaxBuffered.
const minRing = 4 << 10

// Meta says which packet carried a chunk of bytes: parsers quote it ("request in frame 12").
type Meta struct {
	File  int // index of the input file
	Frame int // 1-based frame number in that file
	Time  time.Time
}

// Sink receives one direction's bytes in order.
type Sink interface {
	// Data delivers n in-order bytes carried by the packet m. b holds them, or is nil
	// when they were buffered out of order inside a region the consumer skipped (SkipTo):
	// then only their count and packet are known. b is valid only during the call.
	Data(b []byte, n int, m Meta)
	// Gap says n bytes of the stream were never seen: a hole that was skipped (m is the
	// packet after it) or the part of a segment the capture cut off (m is that packet).
	Gap(n int, m Meta)
}

// kinds of pieces waiting behind a hole
const (
	pieceData    uint8 = iota // bytes copied into the ring
	pieceSkipped              // bytes seen but not kept (SkipTo or Stop)
	pieceMissing              // bytes the capture did not keep
)

type piece struct {
	start, end uint32 // sequence numbers, end exclusive
	kind       uint8
	m          Meta
}

// ooo is the out-of-order store, allocated on the first segment beyond a hole.
type ooo struct {
	ring   []byte // power-of-two size; the byte with sequence number s lives at ring[s&mask]
	pieces []piece
}

// Half reassembles one direction of a connection. The zero value is ready: it starts at
// the first segment's sequence number unless Init says otherwise.
type Half struct {
	// MaxBuffered bounds the out-of-order span held beyond a hole (0: DefaultMaxBuffered).
	MaxBuffered int

	next    uint32 // next expected sequence number (with init and stopped: one word)
	init    bool
	stopped bool
	off     int64 // stream offset of next
	skipOff int64 // bytes before this stream offset need not be kept
	o       *ooo

	// Delivered counts the in-order bytes passed on (seen or skipped).
	Delivered int64
	// Lost counts the bytes of holes that were skipped (never seen in the capture).
	Lost int64
	// Holes counts the holes skipped.
	Holes int
	// Uncaptured counts bytes the capture cut off (snaplen).
	Uncaptured int64
	// Duplicate counts bytes received again (retransmissions, overlaps).
	Duplicate int64
	// OutOfOrder counts segments that arrived beyond a hole.
	OutOfOrder int
}

// Init sets the sequence number of the direction's first byte (the SYN's plus one).
func (h *Half) Init(seq uint32) {
	h.next = seq
	h.init = true
}

// Started reports whether the Half knows where the stream begins.
func (h *Half) Started() bool { return h.init }

// Next is the sequence number of the next byte expected.
func (h *Half) Next() uint32 { return h.next }

// Offset is the stream offset of the next byte to deliver. During a Sink call it is the
// offset of the first byte of the chunk being delivered.
func (h *Half) Offset() int64 { return h.off }

// SkipTo says the consumer does not need the contents of the bytes before stream offset
// off (it counts them, as a body of known length): out-of-order data there is not copied
// and comes back as Data(nil, n, m).
func (h *Half) SkipTo(off int64) {
	if off > h.skipOff {
		h.skipOff = off
	}
}

// Stop says the consumer needs nothing more: bytes are still counted, the Sink is no
// longer called and nothing is copied.
func (h *Half) Stop() { h.stopped = true }

// Stopped reports whether Stop was called.
func (h *Half) Stopped() bool { return h.stopped }

// Pending reports whether anything waits behind a hole.
func (h *Half) Pending() bool { return h.o != nil && len(h.o.pieces) > 0 }

// Buffered is the number of out-of-order bytes held.
func (h *Half) Buffered() int {
	if h.o == nil {
		return 0
	}
	n := 0
	for _, p := range h.o.pieces {
		if p.kind == pieceData {
			n += int(p.end - p.start)
		}
	}
	return n
}

func (h *Half) max() int {
	if h.MaxBuffered > 0 {
		return h.MaxBuffered
	}
	return DefaultMaxBuffered
}

// Add offers a segment's payload: seq is the sequence number of its first byte, b the
// captured bytes, n the payload length the headers declare (n >= len(b) when snaplen cut
// the packet). The segment's bytes reach s in order, now or later.
func (h *Half) Add(seq uint32, b []byte, n int, m Meta, s Sink) {
	if n <= 0 {
		return
	}
	if len(b) > n {
		b = b[:n]
	}
	if !h.init {
		h.Init(seq)
	}
	rel := int32(seq - h.next)
	if rel < 0 {
		// Starts before what we have: a retransmission, perhaps carrying new bytes.
		dup := -int64(rel)
		if dup >= int64(n) {
			h.Duplicate += int64(n)
			return
		}
		h.Duplicate += dup
		if int(dup) >= len(b) {
			b = nil
		} else {
			b = b[dup:]
		}
		n -= int(dup)
		seq = h.next
		rel = 0
	}
	if rel == 0 {
		h.deliver(b, n, m, s)
		if h.o != nil && len(h.o.pieces) > 0 {
			h.drain(s)
		}
		return
	}
	h.OutOfOrder++
	h.store(seq, b, n, m, s)
}

// deliver passes in-order bytes on: what was captured as Data, the rest as a Gap.
func (h *Half) deliver(b []byte, n int, m Meta, s Sink) {
	c := len(b)
	if c > 0 {
		if !h.stopped {
			s.Data(b, c, m)
		}
		h.advance(c)
		h.Delivered += int64(c)
	}
	if miss := n - c; miss > 0 {
		if !h.stopped {
			s.Gap(miss, m)
		}
		h.advance(miss)
		h.Uncaptured += int64(miss)
	}
}

func (h *Half) advance(n int) {
	h.next += uint32(n)
	h.off += int64(n)
}

// skipHole gives up on the hole before the first waiting piece.
func (h *Half) skipHole(s Sink) {
	p := h.o.pieces[0]
	n := int(p.start - h.next)
	if n > 0 {
		if !h.stopped {
			s.Gap(n, p.m)
		}
		h.advance(n)
		h.Lost += int64(n)
		h.Holes++
	}
	h.drain(s)
}

// drain delivers the waiting pieces that are now in order.
func (h *Half) drain(s Sink) {
	o := h.o
	i := 0
	for ; i < len(o.pieces); i++ {
		p := &o.pieces[i]
		if int32(p.start-h.next) > 0 {
			break
		}
		if int32(p.end-h.next) <= 0 {
			continue // covered by what was delivered since
		}
		start := h.next // p.start <= next < p.end
		n := int(p.end - start)
		switch p.kind {
		case pieceData:
			mask := uint32(len(o.ring) - 1)
			lo := start & mask
			if int(lo)+n <= len(o.ring) {
				h.deliverStored(o.ring[lo:int(lo)+n], n, p.m, s)
			} else {
				first := len(o.ring) - int(lo)
				h.deliverStored(o.ring[lo:], first, p.m, s)
				h.deliverStored(o.ring[:n-first], n-first, p.m, s)
			}
		case pieceSkipped:
			h.deliverStored(nil, n, p.m, s)
		case pieceMissing:
			if !h.stopped {
				s.Gap(n, p.m)
			}
			h.advance(n)
			h.Uncaptured += int64(n)
		}
	}
	if i > 0 {
		k := copy(o.pieces, o.pieces[i:])
		o.pieces = o.pieces[:k]
	}
}

func (h *Half) deliverStored(b []byte, n int, m Meta, s Sink) {
	if !h.stopped {
		s.Data(b, n, m)
	}
	h.advance(n)
	h.Delivered += int64(n)
}

// store keeps a segment that starts beyond a hole.
func (h *Half) store(seq uint32, b []byte, n int, m Meta, s Sink) {
	end := seq + uint32(n)
	max := h.max()
	// Keep the span beyond the hole bounded: skip holes until this segment fits. The
	// segment is ahead (Add saw seq-h.next in (0, 2^31)), so the span to its end is
	// that plus n, which an unsigned difference holds exactly: as an int32 it would
	// turn negative past 2^31, and pass for small.
	for int64(end-h.next) > int64(max) || (h.o != nil && len(h.o.pieces) >= maxPieces) {
		if h.o == nil || len(h.o.pieces) == 0 || int32(h.o.pieces[0].start-seq) >= 0 {
			// Nothing waits before this segment: skip straight to it.
			gap := int(seq - h.next)
			if !h.stopped {
				s.Gap(gap, m)
			}
			h.advance(gap)
			h.Lost += int64(gap)
			h.Holes++
			h.deliver(b, n, m, s)
			if h.o != nil && len(h.o.pieces) > 0 {
				h.drain(s)
			}
			return
		}
		h.skipHole(s)
		if int32(seq-h.next) <= 0 {
			// The skipped hole brought this segment in order.
			h.Add(seq, b, n, m, s)
			return
		}
	}
	if h.o == nil {
		h.o = &ooo{}
	}
	// The parts of [seq, end) no waiting piece covers yet (the first copy wins).
	cur := seq
	i := 0
	for ; i < len(h.o.pieces) && int32(cur-end) < 0; i++ {
		p := h.o.pieces[i]
		if int32(p.end-cur) <= 0 {
			continue
		}
		if int32(p.start-end) >= 0 {
			break
		}
		if int32(p.start-cur) > 0 {
			i += h.insertRange(i, cur, p.start, seq, b, m)
		}
		h.Duplicate += int64(minU(p.end, end) - maxU(p.start, cur))
		cur = p.end
	}
	if int32(end-cur) > 0 {
		// i is the first piece starting at or after cur (or the end of the list).
		h.insertRange(i, cur, end, seq, b, m)
	}
}

func minU(a, b uint32) uint32 {
	if int32(a-b) < 0 {
		return a
	}
	return b
}

func maxU(a, b uint32) uint32 {
	if int32(a-b) > 0 {
		return a
	}
	return b
}

// insertRange stores [a, z) of the segment starting at seq (captured bytes b) as pieces
// at index i, split where the capture ends and where the skipped region ends. It returns
// how many pieces it inserted.
func (h *Half) insertRange(i int, a, z, seq uint32, b []byte, m Meta) int {
	capEnd := seq + uint32(len(b))
	// The region the consumer skips, as a sequence number.
	skipEnd := h.next
	if h.stopped {
		skipEnd = z
	} else if h.skipOff > h.off {
		d := h.skipOff - h.off
		if d > int64(h.max())*2 {
			d = int64(h.max()) * 2
		}
		skipEnd = h.next + uint32(d)
	}
	count := 0
	for int32(z-a) > 0 {
		hi := z
		var kind uint8
		switch {
		case int32(a-capEnd) >= 0:
			kind = pieceMissing
		case int32(a-skipEnd) < 0:
			kind = pieceSkipped
			hi = minU(hi, minU(capEnd, skipEnd))
		default:
			kind = pieceData
			hi = minU(hi, capEnd)
		}
		if kind == pieceData {
			h.copyIn(a, b[a-seq:hi-seq])
		}
		h.o.pieces = append(h.o.pieces, piece{})
		copy(h.o.pieces[i+count+1:], h.o.pieces[i+count:])
		h.o.pieces[i+count] = piece{start: a, end: hi, kind: kind, m: m}
		count++
		a = hi
	}
	return count
}

// copyIn writes bytes with sequence number a into the ring, growing it as needed.
func (h *Half) copyIn(a uint32, b []byte) {
	need := int(a + uint32(len(b)) - h.next)
	o := h.o
	if need > len(o.ring) {
		size := minRing
		for size < need {
			size *= 2
		}
		ring := make([]byte, size)
		if len(o.ring) > 0 {
			old, omask, nmask := o.ring, uint32(len(o.ring)-1), uint32(size-1)
			for _, p := range o.pieces {
				if p.kind != pieceData {
					continue
				}
				for s := p.start; s != p.end; s++ {
					ring[s&nmask] = old[s&omask]
				}
			}
		}
		o.ring = ring
	}
	mask := uint32(len(o.ring) - 1)
	lo := a & mask
	k := copy(o.ring[lo:], b)
	copy(o.ring, b[k:])
}

// Flush ends the stream: holes are skipped and everything waiting is delivered.
func (h *Half) Flush(s Sink) {
	for h.o != nil && len(h.o.pieces) > 0 {
		h.skipHole(s)
	}
	if h.o != nil {
		h.o.ring = nil
	}
}

// FlushTo ends the stream at sequence number end (the FIN's, or the highest the sender
// used): like Flush, then bytes between the last delivered and end count as a hole
// reported with m (a lost tail).
func (h *Half) FlushTo(end uint32, m Meta, s Sink) {
	h.Flush(s)
	if !h.init {
		return
	}
	if d := int32(end - h.next); d > 0 {
		if !h.stopped {
			s.Gap(int(d), m)
		}
		h.advance(int(d))
		h.Lost += int64(d)
		h.Holes++
	}
}
