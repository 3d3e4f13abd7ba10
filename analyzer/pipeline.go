package analyzer

import (
	"cmp"
	"errors"
	"io"
	"math"
	"slices"
	"sync/atomic"
	"time"

	"github.com/tcpmortem/tcpmortem/analyzer/app"
	"github.com/tcpmortem/tcpmortem/flows"
)

// The read loop. The flow table is split into shards by tuple hash (flows.ShardOf), each
// a flows.Table of its own, and the shards are spread over the workers. With one worker,
// one goroutine reads, decodes, tracks and judges. With more, one goroutine reads and
// decodes into batches, every worker tracks the flows of its shards in each batch, and
// the calling goroutine merges what the shards did and judges.
//
// The output is byte-identical whatever the worker count, and the same as one table
// would give, because:
//   - the number of shards depends only on --max-flows, never on the workers;
//   - a shard sees its tuples' segments in capture order, and its clock moves at the same
//     packets as one table's would (every worker reads every entry of a batch, and
//     ticks its shards whenever the capture's clock reaches their next tick), so each
//     flow is built and ended exactly as one table would;
//   - flows get their IDs in the order of their first packets across shards, and are
//     judged in the order one table hands them over: by the packet at which they ended,
//     then, for flows whose grace ran out at that packet, by deadline and first packet
//     (one table's pending heap), then those the packet's own shard replaced or evicted,
//     in its order; at the end, the flows still open, in order of their first packets.
//
// Only the --max-flows bound is per shard (each takes its share): past it, a shard
// evicts its own longest-silent flow.

const (
	batchSegments = 512
	batchArena    = batchSegments * 256 // payload bytes a batch holds before it is sent early
	batchesInRing = 8
	// roundEvery is how many packets a lone worker tracks between two merges: a batch's
	// worth, as with several, so that the flows judged in a merge are back on the flows'
	// free list (flows.Release) before many more begin.
	roundEvery = batchSegments
)

// maxShards bounds the shards, and so the workers that can track at once; flowsPerShard
// keeps a small --max-flows in few shards, so that its bound stays close to one table's.
// (Variables only so that tests can shard tiny captures.)
var (
	maxShards     = 16
	flowsPerShard = 4096
)

// shardCount is how many tables the flows are spread over: a function of --max-flows
// alone, so that the worker count cannot change the output.
func shardCount(maxFlows int) int {
	if maxFlows == 0 {
		return maxShards
	}
	return min(maxShards, max(1, maxFlows/flowsPerShard))
}

// Progress is what a long read has done so far, for a progress line; its counters are
// updated by the read loop and safe to read from another goroutine.
type Progress struct {
	Packets   atomic.Int64
	LiveFlows atomic.Int64
}

// progressEvery is how many packets pass between two updates of Progress by a lone worker.
const progressEvery = 1 << 14

// readStats are what the read loop learns besides the flows.
type readStats struct {
	first, last time.Time
	dec         *flows.Decoder
	// dedupe drops a segment captured twice (tcpdump -i any sees a packet on a bridge
	// and on its port): the table must not take copies for retransmissions.
	dedupe *flows.Dedupe
	table  flows.TableStats // the shards' counts, summed; PeakLive across all of them
	cut    snaplenCut
	// listeners learns who accepts connections, for the merger to name the client of a
	// flow begun mid-connection (flows.Listeners).
	listeners *flows.Listeners
}

// snaplenCut counts the TCP segments whose payload the capture's snaplen cut short
// (tcpdump -s 96, say): the table still counts their bytes by the IP header, but the
// application layer sees only what was captured, so a run says so.
type snaplenCut struct {
	segments    int
	bytes       int64 // payload bytes not captured
	file, frame int   // the first such segment
}

func (c *snaplenCut) see(seg *flows.Segment) {
	if c.segments == 0 {
		c.file, c.frame = seg.File, seg.Frame
	}
	c.segments++
	c.bytes += int64(seg.Uncaptured())
}

func newReadStats(l *flows.Listeners) readStats {
	return readStats{dec: flows.NewDecoder(), dedupe: flows.NewDedupe(flows.DefaultDedupeWindow), listeners: l}
}

func (r *readStats) see(t time.Time) {
	if r.first.IsZero() || t.Before(r.first) {
		r.first = t
	}
	if t.After(r.last) {
		r.last = t
	}
}

// entry is one packet for the workers: a segment for shard, or (shard < 0) a packet that
// only moves the clock.
type entry struct {
	seg   flows.Segment
	shard int
}

// decode turns packet p, at input position seq, into e.
func (r *readStats) decode(p *flows.Packet, seq int64, e *entry, shards int) {
	r.see(p.Time)
	e.shard = -1
	e.seg.Time = p.Time
	if r.dec.Decode(p, &e.seg) && r.dedupe.Keep(&e.seg) {
		e.shard = flows.ShardOf(&e.seg, shards)
		if e.seg.Uncaptured() > 0 && e.seg.Kind == flows.KindTCP {
			r.cut.see(&e.seg)
		}
		if e.seg.Flags&flows.FlagSYN != 0 {
			r.listeners.Note(&e.seg, seq)
		}
	}
}

// How a shard handed a flow over, in the order one table does it within one packet.
const (
	endedDue   = iota // its grace ran out (or its retries gave up) when the clock passed Due
	endedNow          // the packet replaced it on its tuple, or evicted it
	endedFlush        // still open at the end of the capture
)

// ended is a flow a shard handed over at input position seq.
type ended struct {
	f     *flows.Flow
	seq   int64
	class uint8
}

// events is what one worker's shards did with a stretch of the input.
type events struct {
	created []*flows.Flow // in input order
	ended   []ended
}

func (e *events) reset() {
	clear(e.created) // let the judged flows go
	clear(e.ended)
	e.created, e.ended = e.created[:0], e.ended[:0]
}

// worker tracks the flows of the shards it owns.
type worker struct {
	tables   []*flows.Table // every shard's; only the owned ones are touched
	owned    []int
	owns     []bool
	out      *events // where the shards' events go
	own      events  // out, for a lone worker
	seq      int64   // input position of the entry being placed
	next     time.Time
	last     time.Time // the capture's clock: the latest packet time so far
	flushing bool
}

// shardSet is the shards and the workers that track them.
type shardSet struct {
	tables  []*flows.Table
	workers []*worker
}

// newShardSet makes the shards, configured as opts say, and spreads them over n workers.
func newShardSet(opts Options, n int) *shardSet {
	s := &shardSet{tables: make([]*flows.Table, shardCount(opts.MaxFlows))}
	n = max(1, min(n, len(s.tables)))
	for range n {
		w := &worker{tables: s.tables, owns: make([]bool, len(s.tables))}
		w.out = &w.own
		s.workers = append(s.workers, w)
	}
	for i := range s.tables {
		w := s.workers[i%n]
		w.owned = append(w.owned, i)
		w.owns[i] = true
		t := flows.NewTable(w.handOver)
		t.OnNew = w.created
		t.Idle = opts.Config.Idle
		t.SYNWait = opts.Config.SYNRetryWait
		t.MaxFlows = opts.MaxFlows
		t.NoLadders = opts.NoLadders
		if opts.Grace > 0 {
			t.Grace = opts.Grace
		}
		if !opts.NoApp {
			t.App = app.New()
		}
		t.Share(len(s.tables))
		s.tables[i] = t
	}
	return s
}

func (w *worker) created(f *flows.Flow) {
	f.Seq = w.seq
	w.out.created = append(w.out.created, f)
}

func (w *worker) handOver(f *flows.Flow) {
	c := uint8(endedDue)
	switch {
	case w.flushing:
		c = endedFlush
	case f.Evicted || !f.FinishedEarly:
		c = endedNow
	}
	w.out.ended = append(w.out.ended, ended{f: f, seq: w.seq, class: c})
}

// place gives the entry at input position seq to the owned shards.
func (w *worker) place(e *entry, seq int64) {
	t := e.seg.Time
	if t.After(w.last) {
		w.last = t
	}
	w.seq = seq
	if !t.Before(w.next) {
		w.tick(t)
	}
	if e.shard >= 0 && w.owns[e.shard] {
		tb := w.tables[e.shard]
		// A skipped Tick only moved the clock: move it now, so that an eviction is
		// dated as one table would date it.
		tb.Tick(w.last)
		tb.Add(&e.seg)
	}
}

// tick moves every owned shard's clock to t and notes when the next one is due.
func (w *worker) tick(t time.Time) {
	for i, s := range w.owned {
		tb := w.tables[s]
		tb.Tick(t)
		if n := tb.NextTick(); i == 0 || n.Before(w.next) {
			w.next = n
		}
	}
}

// flush hands over the owned shards' open flows, as of the capture's end.
func (w *worker) flush() {
	for _, s := range w.owned {
		w.tables[s].Tick(w.last)
	}
	w.flushing, w.seq = true, math.MaxInt64
	for _, s := range w.owned {
		w.tables[s].Flush()
	}
}

// stats sums the shards' counts.
func (s *shardSet) stats() flows.TableStats {
	var st flows.TableStats
	for _, t := range s.tables {
		x := t.Stats
		st.Segments += x.Segments
		st.ICMPErrors += x.ICMPErrors
		st.ICMPOrphans += x.ICMPOrphans
		st.FlowsSplit += x.FlowsSplit
		st.MidstreamFlows += x.MidstreamFlows
		st.FinishedEarly += x.FinishedEarly
		st.Evicted += x.Evicted
		st.Trailing += x.Trailing
	}
	return st
}

// merger numbers the flows the shards created and judges those they handed over, in
// the order one table would have (see the top of this file).
type merger struct {
	judge      func(*flows.Flow)
	listeners  *flows.Listeners // what the reader learnt of who accepts connections
	nextID     int
	live, peak int
	created    []*flows.Flow
	ended      []ended
}

// round takes the workers' events for a stretch of the input; every flow handed over in
// it was created in it or before.
func (m *merger) round(outs []*events) {
	m.created, m.ended = m.created[:0], m.ended[:0]
	for _, o := range outs {
		m.created = append(m.created, o.created...)
		m.ended = append(m.ended, o.ended...)
	}
	if len(outs) > 1 {
		slices.SortFunc(m.created, func(a, b *flows.Flow) int { return cmp.Compare(a.Seq, b.Seq) })
	}
	// Even a lone worker's events need sorting: it ticks its shards one after another.
	slices.SortStableFunc(m.ended, compareEnded)
	j := 0
	for _, f := range m.created {
		m.nextID++
		f.ID = m.nextID
		// Within one packet a table hands flows over before it creates one.
		for ; j < len(m.ended) && m.ended[j].seq <= f.Seq; j++ {
			m.live--
		}
		m.live++
		m.peak = max(m.peak, m.live)
	}
	m.live -= len(m.ended) - j
	for _, e := range m.ended {
		if e.f.Midstream {
			settleRoles(e.f, m.listeners, e.seq)
		}
		m.judge(e.f)
		flows.Release(e.f) // judged: nothing points to it any more
	}
	clear(m.created)
	clear(m.ended)
	for _, o := range outs {
		o.reset()
	}
}

// settleRoles names the client of a flow begun mid-connection from the listeners the
// reader saw before the flow was handed over at input position pos, where its own
// packets could not (flows.Flow.RolesFromListeners). The reader is past pos by then, and
// the flow out of its table.
func settleRoles(f *flows.Flow, l *flows.Listeners, pos int64) {
	if l == nil || !f.RolesFromListeners(l, pos) {
		return
	}
	info := app.InfoOf(f) // the application layer's reading, ended with the roles it had
	f.SwapRoles()
	app.Reversed(f, info)
}

// compareEnded orders flows handed over as one table hands them over; flows replaced or
// evicted by one packet all come from its shard, already in order (the sort is stable).
func compareEnded(a, b ended) int {
	if c := cmp.Compare(a.seq, b.seq); c != 0 {
		return c
	}
	if c := cmp.Compare(a.class, b.class); c != 0 {
		return c
	}
	switch a.class {
	case endedDue:
		if c := cmp.Compare(a.f.DueAt, b.f.DueAt); c != 0 {
			return c
		}
		return cmp.Compare(a.f.Seq, b.f.Seq)
	case endedFlush:
		return cmp.Compare(a.f.Seq, b.f.Seq)
	}
	return 0
}

// readSequential reads, decodes, tracks and judges on the calling goroutine.
func readSequential(src flows.PacketSource, s *shardSet, m *merger, pr *Progress) (readStats, error) {
	st := newReadStats(m.listeners)
	w := s.workers[0]
	outs := []*events{w.out}
	n := len(s.tables)
	var e entry
	var seq int64
	for {
		p, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return st, err
		}
		st.decode(p, seq, &e, n)
		w.place(&e, seq)
		seq++
		if seq%roundEvery == 0 {
			m.round(outs)
		}
		if pr != nil && p.Frame%progressEvery == 0 {
			pr.Packets.Store(int64(st.dec.Stats().Total()))
			pr.LiveFlows.Store(int64(m.live))
		}
	}
	m.round(outs)
	w.flush()
	m.round(outs)
	st.table = s.stats()
	st.table.PeakLive = m.peak
	return st, nil
}

// batch is a stretch of the input on its way through the workers.
type batch struct {
	base    int64 // input position of entries[0]
	entries []entry
	arena   []byte
	out     []events // per worker
	last    bool     // the input ends here: the workers flush after it
	err     error    // the reader's error, on the last batch
}

// readPipelined reads and decodes on one goroutine, tracks on the workers' and merges
// and judges on the calling one.
func readPipelined(src flows.PacketSource, s *shardSet, m *merger, pr *Progress) (readStats, error) {
	st := newReadStats(m.listeners)
	nw := len(s.workers)
	n := len(s.tables)
	free := make(chan *batch, batchesInRing)
	work := make([]chan *batch, nw)
	done := make([]chan *batch, nw)
	for i := range nw {
		work[i] = make(chan *batch, batchesInRing)
		done[i] = make(chan *batch, batchesInRing)
	}
	for range batchesInRing {
		free <- &batch{entries: make([]entry, 0, batchSegments), arena: make([]byte, 0, batchArena),
			out: make([]events, nw)}
	}
	go func() {
		var seq int64
		b := <-free
		send := func() {
			b.base = seq - int64(len(b.entries))
			for _, c := range work {
				c <- b
			}
		}
		for {
			p, err := src.Next()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					b.err = err
				}
				b.last = true
				send()
				for _, c := range work {
					close(c)
				}
				return
			}
			if len(b.entries) == cap(b.entries) || len(b.arena)+len(p.Data) > cap(b.arena) && len(b.entries) > 0 {
				send()
				b = <-free
			}
			b.entries = b.entries[:len(b.entries)+1]
			e := &b.entries[len(b.entries)-1]
			st.decode(p, seq, e, n)
			seq++
			// The payload aliases the reader's buffer: copy it into the batch.
			if k := len(e.seg.Payload); k > 0 && e.shard >= 0 {
				start := len(b.arena)
				b.arena = append(b.arena, e.seg.Payload...)
				e.seg.Payload = b.arena[start : start+k : start+k]
			}
		}
	}()
	for i, w := range s.workers {
		go func() {
			for b := range work[i] {
				w.out = &b.out[i]
				for j := range b.entries {
					w.place(&b.entries[j], b.base+int64(j))
				}
				if b.last {
					w.flush()
				}
				done[i] <- b
			}
		}()
	}
	outs := make([]*events, nw)
	var err error
	var packets int64
	for {
		b := <-done[0]
		for i := 1; i < nw; i++ {
			<-done[i] // the same batch: every worker takes them in order
		}
		for i := range outs {
			outs[i] = &b.out[i]
		}
		m.round(outs)
		if pr != nil {
			packets += int64(len(b.entries))
			pr.Packets.Store(packets)
			pr.LiveFlows.Store(int64(m.live))
		}
		if b.last {
			err = b.err
			break
		}
		b.entries, b.arena = b.entries[:0], b.arena[:0]
		free <- b
	}
	st.table = s.stats()
	st.table.PeakLive = m.peak
	return st, err
}
