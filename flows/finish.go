package flows

import (
	"container/heap"
	"time"
)

// Finishing flows early keeps the table's memory in proportion to the connections open
// at once, not to the capture: a connection that has ended (an RST, FINs both ways, a
// connect the client gave up, a handshake the server gave up) is handed over as soon as
// a short grace for trailing packets has passed, in capture time. Decisions depend only
// on the packets and their timestamps, so every run over the same input finishes the
// same flows at the same moments.

const (
	// DefaultGrace is how long an ended connection stays live for trailing packets
	// (a retransmitted FIN, the last ACK, RSTs answering stragglers).
	DefaultGrace = 2 * time.Second
	// tombLife is how long a tuple closed by FINs is remembered, so that its stragglers
	// are counted as trailing packets instead of starting a bogus midstream flow: Linux's
	// TIME_WAIT length. After an RST no side keeps state, so stragglers are only awaited
	// for resetTombLife (Zeek's tcp_reset_delay); later packets are a new connection.
	tombLife      = 60 * time.Second
	resetTombLife = 5 * time.Second
	// minTombs is the fewest tombstones kept whatever --max-flows says.
	minTombs = 1 << 16
	// tickEvery is how often (in capture time) finished flows are looked for.
	tickEvery = 250 * time.Millisecond
)

// NextRetryWithin is how long after its last transmission a sender still retrying would
// send again: RTO back-off at most doubles the last gap (RFC 6298 5.5; Linux's
// tcp_syn_linear_timeouts keeps early gaps equal, which only makes the retry sooner).
// A quarter more, plus 200 ms, absorbs timer slack. Gaps past maxRetryGap are taken as
// maxRetryGap: no retry or keepalive timer waits that long (Linux caps the RTO at 120 s
// and tcp_keepalive_intvl at 32767 s), and a gap between two absurd timestamps must not
// overflow.
func NextRetryWithin(lastGap time.Duration) time.Duration {
	lastGap = min(lastGap, maxRetryGap)
	return 2*lastGap + lastGap/4 + 200*time.Millisecond
}

// maxRetryGap bounds the gap NextRetryWithin reckons from.
const maxRetryGap = 7 * 24 * time.Hour

// lastGap is the last back-off gap between a side's SYNs (or SYN-ACKs), or def with one.
// Gaps under 100 ms are no back-off (the shortest SYN timeout is 200 ms): a server
// answers a retransmitted SYN with its SYN-ACK at once, microseconds from the one its
// own timer sends, and the gap before that pair is the one that tells.
func lastGap(s *Side, def time.Duration) time.Duration {
	n := min(s.SYNs, maxSYNTimes)
	for i := n - 1; i > 0; i-- {
		if g := s.SYNAfter[i] - s.SYNAfter[i-1]; g >= 100*time.Millisecond {
			return g
		}
	}
	return def
}

// deadline says when a flow that has ended may be handed over; ok is false for a flow
// that is still open (established, half-closed, or waiting on an answer).
func (t *Table) deadline(f *Flow) (int64, bool) {
	c, s := &f.Sides[FromClient], &f.Sides[FromServer]
	switch {
	case f.closed, finSent(c, s) && finSent(s, c):
		return f.Last.At + int64(t.Grace), true
	case f.Established.IsZero() && !f.Midstream && c.SYNs > 0 && c.Packets == c.SYNs && s.SYNs == 0 && s.Packets == 0:
		// A connect nobody answered: over once the client's next retry is overdue.
		// (The single-SYN wait is a first retry that never came: its RTO, capped.)
		return c.LastSYN.At + int64(NextRetryWithin(lastGap(c, t.SYNWait/2))+t.Grace), true
	case f.Established.IsZero() && !f.Midstream && s.SYNs > 0 && c.Packets == c.SYNs:
		// SYN-ACKs never ACKed: over once the server's next retry is overdue, and the
		// client's, when it is retrying too (its SYN-ACKs lost on the way to it).
		at := s.LastSYN.At + int64(NextRetryWithin(lastGap(s, time.Second)))
		if c.SYNs > 1 {
			at = max(at, c.LastSYN.At+int64(NextRetryWithin(lastGap(c, t.SYNWait/2))))
		}
		return at + int64(t.Grace), true
	}
	return 0, false
}

// pendingEntry is a flow waiting in the pending heap, and when it may be handed over
// (Unix nanoseconds, as the table's clock).
type pendingEntry struct {
	at int64
	f  *Flow
}

// A flow knows its place in the pending heap (Flow.pendingAt), so a flow finished
// while queued (evicted, or replaced by a new connection on its tuple) leaves the heap
// at once: otherwise the heap would hold it, and its memory, until its deadline (a SYN
// flood would keep millions of evicted flows alive).

// pendingHeap orders ended flows by the moment they may be handed over; ties by the
// order the flows began, so the order is the same on every run.
type pendingHeap []pendingEntry

func (h pendingHeap) Len() int { return len(h) }
func (h pendingHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].f.order < h[j].f.order
}
func (h pendingHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].f.pendingAt, h[j].f.pendingAt = int32(i), int32(j)
}
func (h *pendingHeap) Push(x any) {
	e := x.(pendingEntry)
	e.f.pendingAt = int32(len(*h))
	*h = append(*h, e)
}
func (h *pendingHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = pendingEntry{}
	*h = old[:len(old)-1]
	return e
}

// watch queues a flow that may have ended.
// A queued flow whose deadline comes sooner (a connect queued on its SYN's retry
// deadline that then closed cleanly) moves up: otherwise it would stay live seconds
// past its grace, and a busy listener's table would fill with finished connections.
// A deadline that moves later is found when the old one comes (see advance).
func (t *Table) watch(f *Flow) {
	at, ok := t.deadline(f)
	switch {
	case !ok:
	case !f.queued:
		f.queued = true
		heap.Push(&t.pending, pendingEntry{at, f})
	case at < t.pending[f.pendingAt].at:
		t.pending[f.pendingAt].at = at
		heap.Fix(&t.pending, int(f.pendingAt))
	}
}

// unqueue takes a flow out of the pending heap, if it waits there.
func (t *Table) unqueue(f *Flow) {
	if f.queued {
		heap.Remove(&t.pending, int(f.pendingAt))
		f.queued = false
	}
}

type tomb struct {
	key   tupleKey
	until int64 // Unix nanoseconds: a tombstone is kept for its tuple, not its instant
}

// tombRing is the tombstones in the order they were laid, oldest first: a ring that
// grows up to the table's bound on them and no further. (A slice let go at its front
// and copied down once half was gone held up to twice the bound: 200,000 of them.)
type tombRing struct {
	buf  []tomb
	head int // the oldest
	n    int
}

// push lays a tombstone; limit is the bound, which the caller keeps to (it may go one
// past it before it lets the oldest go).
func (r *tombRing) push(tb tomb, limit int) {
	if r.n == len(r.buf) {
		buf := make([]tomb, max(r.n+1, min(2*r.n, limit+1), 64))
		k := copy(buf, r.buf[r.head:])
		copy(buf[k:], r.buf[:r.head])
		r.buf, r.head = buf, 0
	}
	r.buf[(r.head+r.n)%len(r.buf)] = tb
	r.n++
}

// oldest is the tombstone laid first; only when there is one.
func (r *tombRing) oldest() tomb { return r.buf[r.head] }

func (r *tombRing) pop() {
	r.head = (r.head + 1) % len(r.buf)
	r.n--
}

// advance moves the table's clock to now (Unix nanoseconds) and hands over what has
// ended by then.
func (t *Table) advance(now int64) {
	if now <= t.now {
		return
	}
	t.now = now
	if now < t.nextTick {
		return
	}
	t.nextTick = now + int64(tickEvery)
	for len(t.pending) > 0 && t.pending[0].at <= now {
		e := heap.Pop(&t.pending).(pendingEntry)
		f := e.f
		f.queued = false
		at, ok := t.deadline(f)
		if !ok {
			continue // it came back to life (a late answer): open again
		}
		if at > now {
			// It saw packets since it was queued: look again later.
			f.queued = true
			heap.Push(&t.pending, pendingEntry{at, f})
			continue
		}
		f.DueAt = e.at
		t.finish(f, at, false)
	}
	for t.tombs.n > 0 && t.tombs.oldest().until <= now {
		tb := t.tombs.oldest()
		if until, ok := t.tombOf[tb.key]; ok && until <= now {
			delete(t.tombOf, tb.key)
		}
		t.tombs.pop()
	}
}

// finish hands a flow over before the capture's end: ended at end (Unix nanoseconds), or
// evicted because the table is full.
func (t *Table) finish(f *Flow, end int64, evicted bool) {
	t.unqueue(f)
	delete(t.live, f.key)
	t.lruRemove(f)
	f.finished = true
	f.EndAt = end
	f.Evicted = evicted
	f.FinishedEarly = true
	if evicted {
		t.Stats.Evicted++
	}
	t.Stats.FinishedEarly++
	life := tombLife
	if f.closed {
		life = resetTombLife
	}
	until := end + int64(life)
	t.tombOf[f.key] = until
	limit := t.tombLimit()
	t.tombs.push(tomb{f.key, until}, limit)
	// Tombstones are bounded like live flows: a SYN flood of random tuples would
	// otherwise leave one per SYN for a minute of capture. Past the bound the oldest
	// are forgotten early; a straggler of theirs then starts a midstream flow.
	for ; t.tombs.n > 0 && (len(t.tombOf) > limit || t.tombs.n > limit); t.tombs.pop() {
		tb := t.tombs.oldest()
		if until, ok := t.tombOf[tb.key]; ok && until == tb.until {
			delete(t.tombOf, tb.key)
		}
	}
	t.handOver(f)
}

// tombLimit is how many tombstones the table keeps at most.
func (t *Table) tombLimit() int {
	if t.tombMax > 0 {
		return t.tombMax
	}
	return max(t.MaxFlows, minTombs)
}

// The live flows form a list by last activity, most recent first, so the table can
// evict the longest-silent flow in constant time when --max-flows is reached.

func (t *Table) lruFront(f *Flow) {
	if t.lruHead == f {
		return
	}
	t.lruRemove(f)
	f.lruNext = t.lruHead
	if t.lruHead != nil {
		t.lruHead.lruPrev = f
	}
	t.lruHead = f
	if t.lruTail == nil {
		t.lruTail = f
	}
}

func (t *Table) lruRemove(f *Flow) {
	if f.lruPrev != nil {
		f.lruPrev.lruNext = f.lruNext
	} else if t.lruHead == f {
		t.lruHead = f.lruNext
	}
	if f.lruNext != nil {
		f.lruNext.lruPrev = f.lruPrev
	} else if t.lruTail == f {
		t.lruTail = f.lruPrev
	}
	f.lruPrev, f.lruNext = nil, nil
}

// makeRoom evicts the longest-silent flows until a new one fits under MaxFlows.
func (t *Table) makeRoom() {
	for t.MaxFlows > 0 && len(t.live) >= t.MaxFlows && t.lruTail != nil {
		t.finish(t.lruTail, t.now, true)
	}
}
