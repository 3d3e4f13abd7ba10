package analyzer

import (
	"cmp"
	"math"
	"math/bits"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tcpmortem/tcpmortem/analyzer/app"
	"github.com/tcpmortem/tcpmortem/flows"
)

// timeWaitLen is how long Linux keeps a socket in TIME_WAIT (TCP_TIMEWAIT_LEN, 60 s).
const timeWaitLen = 60 * time.Second

// span is one socket's stay in one state, kept small: every flow holds a few.
type span struct {
	from, to int64 // Unix nanoseconds
	state    uint8 // index in SocketStates
}

func stateIndex(s SocketState) uint8 {
	for i, x := range SocketStates {
		if x == s {
			return uint8(i)
		}
	}
	panic("unknown socket state " + string(s))
}

// The states buildTrace records, looked up once: it runs for every flow.
var (
	stSYNSent     = stateIndex("SYN_SENT")
	stSYNRecv     = stateIndex("SYN_RECV")
	stEstablished = stateIndex("ESTABLISHED")
	stFINWait1    = stateIndex("FIN_WAIT_1")
	stFINWait2    = stateIndex("FIN_WAIT_2")
	stClosing     = stateIndex("CLOSING")
	stTimeWait    = stateIndex("TIME_WAIT")
	stCloseWait   = stateIndex("CLOSE_WAIT")
	stLastACK     = stateIndex("LAST_ACK")
)

// maxSpans bounds the states one socket is traced through.
const maxSpans = 6

// spans are a side's socket states in order.
func (t *flowTrace) spans(side flows.Direction) []span { return t.states[side][:t.nstates[side]] }

// flowTrace is what the findings and the timeline need of a flow beyond its JSON: the
// moments that decide its sockets' states, kept as plain values once the flow is freed.
type flowTrace struct {
	// states are each side's stays, in order: the client's socket, the server's. A
	// socket passes through at most five states (SYN_SENT, ESTABLISHED, FIN_WAIT_1,
	// CLOSING or FIN_WAIT_2, TIME_WAIT), so they fit inline, with no allocation.
	states  [2][maxSpans]span
	nstates [2]uint8

	// app is the flow's application facts but its HTTP exchanges, which the result's
	// App points to (see judge).
	app app.Info

	// closeBy is the side whose FIN or RST closed the connection first (-1: none);
	// closeIdle the silence before it; closeAnswered whether the other side then sent
	// its own FIN.
	closeBy       int
	closeKind     uint8 // closeFIN or closeRST (closeNone: no close)
	closeAt       flows.Mark
	closeIdle     time.Duration
	closeAnswered bool
	// closeIdleData is the silence before the close measured from the last payload byte
	// either way: what an idle timer in a proxy or server measures (ACKs do not reset
	// it, nor do the kernel's resends of bytes already sent).
	closeIdleData time.Duration

	// firstWait is the time from the client's first request to the server's first
	// answer (zero when either is missing); for HTTP, each answered exchange's wait.
	waits []timedWait
	// reset is when an RST or refusal hit the client's attempt (zero when none).
	reset    time.Time
	keepSeen bool
	// retrying: a side was still retransmitting data its peer never acknowledged in
	// the capture when the flow was judged (see unackedResends; resends of data the
	// peer did acknowledge are lostTo's).
	retrying bool
	// lostTo says, by direction bit (1<<flows.FromClient, 1<<flows.FromServer), which
	// side never got packets of its peer's that the capture holds (see lostPastCapture).
	lostTo uint8
}

// timedWait is a response time and when its request was sent.
type timedWait struct {
	at   time.Time
	wait time.Duration
}

// buildTrace derives a flow's socket states and closing facts from its marks. The
// capture shows packets, not sockets: a state starts when the packet that causes it
// is seen, which on a capture taken at one end is within microseconds of the truth.
func buildTrace(t *flowTrace, f *flows.Flow, end time.Time) {
	*t = flowTrace{closeBy: -1, waits: t.waits[:0]}
	c, s := f.Side(flows.FromClient), f.Side(flows.FromServer)
	t.keepSeen = keepAliveSeen(f)
	t.retrying = unackedResends(f, flows.FromClient) || unackedResends(f, flows.FromServer)
	t.lostTo = lostPastCapture(f)
	rst := f.RST.Packet
	if !rst.IsZero() {
		t.reset = rst.Time()
	}
	stop := func(ts time.Time) time.Time { // a state cannot outlive an RST or the capture
		if !rst.IsZero() && rst.Time().Before(ts) {
			return rst.Time()
		}
		if ts.After(end) {
			return end
		}
		return ts
	}
	add := func(side flows.Direction, st uint8, from, to time.Time) {
		switch {
		case st != stTimeWait:
			to = stop(to)
		case !rst.IsZero() && rst.Time().Before(to):
			to = rst.Time()
			// Otherwise TIME_WAIT lasts its 60 s, however soon the flow was handed
			// over (a closed flow is judged 2 s after its last packet); the timeline
			// stops it at the capture's end.
		}
		if from.IsZero() || !to.After(from) && !to.Equal(from) {
			return
		}
		if t.nstates[side] < maxSpans {
			t.states[side][t.nstates[side]] = span{from.UnixNano(), to.UnixNano(), st}
			t.nstates[side]++
		}
	}

	// Opening.
	var estC, estS time.Time // when each socket became established
	switch {
	case f.Midstream && f.HandshakeDone():
		estC, estS = f.First.Time(), f.First.Time()
	case !c.FirstSYN.IsZero():
		synEnd := end
		if !s.FirstSYN.IsZero() {
			synEnd = s.FirstSYN.Time()
		} else if !s.RST.IsZero() {
			synEnd = s.RST.Time()
		} else if !c.ICMP.IsZero() {
			synEnd = c.ICMP.Time()
		} else if !f.Replaced.IsZero() {
			synEnd = f.Replaced.Time()
		}
		add(flows.FromClient, stSYNSent, c.FirstSYN.Time(), synEnd)
		if !s.FirstSYN.IsZero() {
			estC = s.FirstSYN.Time()
			recvEnd := end
			if !f.Established.IsZero() {
				recvEnd = f.Established.Time()
				estS = f.Established.Time()
			}
			add(flows.FromServer, stSYNRecv, c.FirstSYN.Time(), recvEnd)
		}
	}
	// Established until the first FIN either way.
	// The first FIN either way, and whose (flows.FirstFIN: a FIN the capture lost that
	// its peer's own FIN acknowledged came before it).
	first := f.FirstFIN()
	var firstFIN flows.Mark
	if first != flows.NoDirection {
		firstFIN = f.Side(first).FIN
	}
	estEnd := end
	if !firstFIN.IsZero() {
		estEnd = firstFIN.Time()
	}
	if !estC.IsZero() {
		add(flows.FromClient, stEstablished, estC, estEnd)
	}
	if !estS.IsZero() {
		add(flows.FromServer, stEstablished, estS, estEnd)
	}
	// Closing: the side that sent the first FIN closes actively, the other passively.
	if !firstFIN.IsZero() && (!estC.IsZero() || !estS.IsZero()) {
		active := first
		passive := active.Other()
		a, p := f.Side(active), f.Side(passive)
		// The active closer: FIN_WAIT_1 until its FIN is ACKed, FIN_WAIT_2 until the
		// peer's FIN, then TIME_WAIT; CLOSING if the peer's FIN came before the ACK.
		ackAt := end
		if !a.FINAcked.IsZero() {
			ackAt = a.FINAcked.Time()
		}
		peerFIN := end
		if !p.FIN.IsZero() {
			peerFIN = p.FIN.Time()
		}
		if !p.FIN.IsZero() && peerFIN.Before(ackAt) {
			add(active, stFINWait1, a.FIN.Time(), peerFIN)
			add(active, stClosing, peerFIN, ackAt)
			if !a.FINAcked.IsZero() {
				add(active, stTimeWait, ackAt, ackAt.Add(timeWaitLen))
			}
		} else {
			add(active, stFINWait1, a.FIN.Time(), ackAt)
			if !a.FINAcked.IsZero() {
				add(active, stFINWait2, ackAt, peerFIN)
			}
			if !p.FIN.IsZero() {
				add(active, stTimeWait, peerFIN, peerFIN.Add(timeWaitLen))
			}
		}
		// The passive closer: CLOSE_WAIT from the peer's FIN until its own FIN, then
		// LAST_ACK until that FIN is ACKed.
		if !a.FINAcked.IsZero() || !p.FIN.IsZero() || !f.RST.Packet.IsZero() {
			// A FIN nothing acknowledged may never have arrived: no CLOSE_WAIT shows.
			switch {
			case p.FINMayBeLost():
				// Its FIN may be among what the capture lost: no CLOSE_WAIT shows.
			case !finHeldBack(f, passive) && !abandoned(f, passive, end):
				add(passive, stCloseWait, a.FIN.Time(), peerFIN)
			case p.UnackedDataSince.Time().After(a.FIN.Time()):
				// Whether it closed does not show once its data went unacknowledged.
				add(passive, stCloseWait, a.FIN.Time(), p.UnackedDataSince.Time())
			}
		}
		if !p.FIN.IsZero() {
			lastAck := end
			if !p.FINAcked.IsZero() {
				lastAck = p.FINAcked.Time()
			}
			add(passive, stLastACK, p.FIN.Time(), lastAck)
		}
	}

	// Who closed first, after how long a silence, and whether the other side answered.
	closer := firstOf(firstFIN, rst)
	// (A client's RST from SYN-SENT that ends a connection it had lost, see
	// flows.Flow.PeerLost, closes nothing after a silence of its choosing: no timeout.)
	if !closer.IsZero() && f.HandshakeDone() && !(closer == rst && f.PeerLost()) {
		switch {
		case closer == rst && !rst.IsZero() && (firstFIN.IsZero() || rst.Time().Before(firstFIN.Time())):
			t.closeBy, t.closeKind, t.closeAt = int(f.RST.From), closeRST, rst
			t.closeIdle = f.RST.SinceActive
		case first == flows.FromClient:
			t.closeBy, t.closeKind, t.closeAt, t.closeIdle = int(flows.FromClient), closeFIN, c.FIN, c.FINIdle
			t.closeAnswered = !s.FIN.IsZero()
		default:
			t.closeBy, t.closeKind, t.closeAt, t.closeIdle = int(flows.FromServer), closeFIN, s.FIN, s.FINIdle
			t.closeAnswered = !c.FIN.IsZero()
		}
	}
	t.closeIdleData = t.closeIdle
	if !t.closeAt.IsZero() {
		var last time.Time
		for _, at := range []time.Time{c.LastNewData(), s.LastNewData()} {
			if !at.IsZero() && at.Before(t.closeAt.Time()) && at.After(last) {
				last = at
			}
		}
		if !last.IsZero() {
			t.closeIdleData = t.closeAt.Time().Sub(last)
		}
	}
	if !c.FirstData.IsZero() && !s.FirstData.IsZero() && s.FirstData.Time().After(c.FirstData.Time()) {
		t.waits = append(t.waits, timedWait{c.FirstData.Time(), s.FirstData.Time().Sub(c.FirstData.Time())})
	}
}

// maxSeriesPoints bounds each state's series in the timeline; beyond it the series is
// thinned to the points that keep its peaks.
const maxSeriesPoints = 400

// maxTimelineEndpoints bounds how many endpoints the timeline charts: the busiest.
const maxTimelineEndpoints = 12

// buildTimeline counts, for each endpoint, its sockets in each state over time.
// A state still held when the capture ended stays counted to the end of the chart.
// It reads the records once to find the busiest endpoints, then sweeps them once per
// charted endpoint for its states (which the records keep apart: one endpoint's pass
// decodes only its side's; see timelineSweep): a capture of millions of connections
// charts in the memory of the sockets open at once, and of a few bytes for each
// instant a count changes.
// Up to workers endpoints are charted at once, each by a goroutine of its own.
func buildTimeline(rs *records, fl []*record, end time.Time, workers int) []StateSeries {
	out, _ := buildTimelineWith(rs, fl, end, defaultSweep, workers)
	return out
}

// buildTimelineWith is buildTimeline at the sweep's pace p; it also says on how many
// endpoints the sweep gave up (see timelineSweep.chart).
func buildTimelineWith(rs *records, fl []*record, end time.Time, p sweepParams, workers int) ([]StateSeries, int) {
	var groups []*timelineGroup
	// A server's group by its index in rs.servers (one per endpoint); a client host's
	// by its address, remembering the last one looked up: the records of one host
	// tend to come together (a loopback capture has a single one). A client host is its
	// address alone, an IPv4-mapped one as the IPv4 it is: the same 16 bytes in a
	// record either way (see endpointOf).
	byServer := make([]*timelineGroup, len(rs.servers))
	byHost := map[[16]byte]*timelineGroup{}
	var lastHost *timelineGroup
	hostGroup := func(f *record) *timelineGroup {
		if h := lastHost; h != nil && f.client.ip == h.host {
			return h
		}
		g := byHost[f.client.ip]
		if g == nil {
			g = &timelineGroup{role: "client", side: flows.FromClient, host: f.client.ip,
				key: netip.AddrFrom16(f.client.ip).Unmap().String()}
			byHost[f.client.ip] = g
			groups = append(groups, g)
		}
		lastHost = g
		return g
	}
	buf := make([]span, 0, maxSpans)
	read := passRead{mem: &rs.mem}
	for _, f := range fl {
		read.add(1)
		g := byServer[f.srv]
		if g == nil {
			g = &timelineGroup{role: "server", side: flows.FromServer, srv: f.srv, key: rs.server(f).String()}
			byServer[f.srv] = g
			groups = append(groups, g)
		}
		for _, g := range [2]*timelineGroup{g, hostGroup(f)} {
			g.flows++
			if !g.spans {
				buf = rs.spansOf(f, g.side, buf[:0])
				g.spans = len(buf) > 0
			}
		}
	}
	rs.mem.drop() // each pass over the records holds only its own pages (offHeap.drop)
	list := groups[:0]
	for _, g := range groups {
		if g.spans {
			list = append(list, g)
		}
	}
	slices.SortFunc(list, func(a, b *timelineGroup) int {
		if a.flows != b.flows {
			return cmp.Compare(b.flows, a.flows)
		}
		if a.role != b.role {
			return strings.Compare(b.role, a.role) // servers first
		}
		return strings.Compare(a.key, b.key)
	})
	if len(list) > maxTimelineEndpoints {
		list = list[:maxTimelineEndpoints]
	}
	out := make([]StateSeries, len(list))
	if len(list) == 0 {
		return out, 0
	}
	wm := watermarks(fl, p.block)
	rs.mem.drop()
	endNs := edgeEnd(end)
	// The charts only read the records: each goroutine takes the next endpoint left.
	var next, gaveUp atomic.Int64
	chart := func() {
		sweep := timelineSweep{sweepParams: p}
		for i := int(next.Add(1)) - 1; i < len(list); i = int(next.Add(1)) - 1 {
			g := list[i]
			ss := StateSeries{Endpoint: g.key, Role: g.role, Flows: g.flows,
				States: map[SocketState][]StatePoint{}, Peak: map[SocketState]StatePoint{}}
			if p.atOnce || !sweep.chart(rs, fl, wm, g, endNs, &ss) {
				chartAtOnce(rs, fl, g, endNs, &ss)
			}
			out[i] = ss
			rs.mem.drop()
		}
		sweep.close()
		gaveUp.Add(int64(sweep.gaveUp))
	}
	var wg sync.WaitGroup
	for range min(workers, len(list)) - 1 {
		wg.Go(chart)
	}
	chart()
	wg.Wait()
	return out, int(gaveUp.Load())
}

// timelineGroup is an endpoint the timeline may chart: a server, or a client host.
type timelineGroup struct {
	role  string
	side  flows.Direction
	srv   uint32   // a server's index in rs.servers
	host  [16]byte // a client host's address, as its records keep it
	key   string
	flows int
	spans bool // any span to chart
}

// has says whether flow f is one of the group's.
func (g *timelineGroup) has(f *record) bool {
	if g.side == flows.FromServer {
		return f.srv == g.srv
	}
	return f.client.ip == g.host
}

// chartAtOnce is what timelineSweep.chart does, for a capture whose timestamps go
// back: every edge of the endpoint's states held at once, sorted, and counted.
func chartAtOnce(rs *records, fl []*record, g *timelineGroup, end int64, ss *StateSeries) {
	// A socket passes through a state once: a state's edges are at most two per flow.
	edges := make([]edgeList, len(SocketStates))
	var sorter edgeSorter
	var buf []span
	for _, f := range fl {
		if !g.has(f) {
			continue
		}
		buf = rs.spansOf(f, g.side, buf[:0])
		for _, sp := range buf {
			edges[sp.state].addSpan(sp, end)
		}
	}
	for st := range edges {
		if edges[st].n == 0 {
			continue
		}
		pts, peak := countEdges(sorter.sort(&edges[st]), maxSeriesPoints)
		if peak.N == 0 {
			continue // only instants: nothing to chart
		}
		ss.States[SocketStates[st]] = pts
		ss.Peak[SocketStates[st]] = peak
	}
}

// An edge is a span's start or end as one sortable number: its time in ns, doubled,
// plus one for a start, so that at the same instant a close sorts before an open (no
// false peak). end is the capture's end as edgeEnd gives it.
func appendEdges(edges []int64, s span, end int64) []int64 {
	edges = append(edges, s.from*2+1)
	// A span that lasts to the end (or past it) is still open there: no drop is drawn.
	if s.to < end {
		edges = append(edges, s.to*2)
	}
	return edges
}

// edgeEnd is the capture's end as appendEdges compares spans with it: none (the zero
// time) is later than any span (math.MaxInt64 ns is in the year 2262).
func edgeEnd(end time.Time) int64 {
	if end.IsZero() {
		return math.MaxInt64
	}
	return end.UnixNano()
}

// countOverTime turns spans into a step series of how many were open, and its peak.
func countOverTime(spans []span, end time.Time) ([]StatePoint, StatePoint) {
	edges := make([]int64, 0, 2*len(spans))
	endNs := edgeEnd(end)
	for _, s := range spans {
		edges = appendEdges(edges, s, endNs)
	}
	slices.Sort(edges)
	return countEdges(edges, 0)
}

// edgeBlock is the size of an edgeList's blocks (64 KB), but for a first one made
// smaller.
const edgeBlock = 8192

// edgeList is one state's edges, in blocks that stay where they are once made: a
// list of millions grows without copying what it holds (append would copy it four
// times over, and leave up to a quarter of it unused), and reset keeps the blocks to
// fill again.
type edgeList struct {
	blocks [][]int64 // blocks[:used] hold the edges, all full but the last
	used   int
	n      int // edges in the blocks
}

func (l *edgeList) add(e int64) {
	k := l.used - 1
	if k < 0 || len(l.blocks[k]) == cap(l.blocks[k]) {
		if l.used == len(l.blocks) {
			l.blocks = append(l.blocks, make([]int64, 0, edgeBlock))
		}
		l.used++
		k++
	}
	l.blocks[k] = append(l.blocks[k], e)
	l.n++
}

// addSpan adds the edges of span s (see appendEdges).
func (l *edgeList) addSpan(s span, end int64) {
	var two [2]int64
	for _, e := range appendEdges(two[:0], s, end) {
		l.add(e)
	}
}

func (l *edgeList) reset() {
	for i := range l.blocks[:l.used] {
		l.blocks[i] = l.blocks[i][:0]
	}
	l.used, l.n = 0, 0
}

// edgeSorter sorts edges into space it keeps from one call to the next.
type edgeSorter struct {
	out    []int64
	bucket []int
}

// sort returns l's edges in increasing order, in the sorter's space or, when they are
// few, in l's own (valid until the next call, or l's next change). Edges are times of
// one capture, spread over its length, and come roughly in the order the connections
// started: a bucket sort by time, with about two edges' share of the time range a
// bucket, moves each edge once and then sorts buckets of a few edges, where a
// comparison sort takes log2(n) steps an edge (twenty for a million): half the time,
// on the bench capture. Times crowded into a few buckets sort no worse than
// slices.Sort sorts them (it sorts each bucket that is not small).
func (s *edgeSorter) sort(l *edgeList) []int64 { return s.sortBlocks(l.blocks[:l.used], l.n) }

// sortBlocks is sort for the n edges of blocks.
func (s *edgeSorter) sortBlocks(blocks [][]int64, n int) []int64 {
	switch {
	case n == 0:
		return nil
	case len(blocks) == 1 && n < 64: // a few: in place
		slices.Sort(blocks[0])
		return blocks[0]
	}
	if cap(s.out) < n {
		s.out = make([]int64, n)
	}
	out := s.out[:n]
	lo, hi := blocks[0][0], blocks[0][0]
	for _, b := range blocks {
		for _, e := range b {
			lo, hi = min(lo, e), max(hi, e)
		}
	}
	// An edge's bucket is its distance from the smallest, unsigned (the subtraction
	// may wrap, the distance cannot), shifted right to leave fewer buckets than edges.
	shift := max(0, bits.Len64(uint64(hi-lo))-bits.Len(uint(n/2)))
	nb := int(uint64(hi-lo)>>shift) + 1
	if cap(s.bucket) < nb+1 {
		s.bucket = make([]int, nb+1)
	}
	// bucket[b+1] counts bucket b's edges; summed, bucket[b] is where bucket b starts.
	bucket := s.bucket[:nb+1]
	clear(bucket)
	for _, b := range blocks {
		for _, e := range b {
			bucket[uint64(e-lo)>>shift+1]++
		}
	}
	for b := 1; b <= nb; b++ {
		bucket[b] += bucket[b-1]
	}
	for _, b := range blocks {
		for _, e := range b {
			k := uint64(e-lo) >> shift
			out[bucket[k]] = e
			bucket[k]++
		}
	}
	// Now bucket[b] is where bucket b ends.
	from := 0
	for _, to := range bucket[:nb] {
		if b := out[from:to]; len(b) > 16 {
			slices.Sort(b)
		} else {
			for i := 1; i < len(b); i++ { // insertion sort: a few edges, likely in order
				for j := i; j > 0 && b[j] < b[j-1]; j-- {
					b[j], b[j-1] = b[j-1], b[j]
				}
			}
		}
		from = to
	}
	return out
}

// countEdges turns sorted edges into a step series (a point per instant where the
// count changes) and its peak. With max > 0 and more instants than that, the series is
// thinned, as thin does: each run of instants becomes one point at the run's first
// instant with the run's highest count, and the last point is kept. It is the sweep's
// count of one state, all at once.
func countEdges(edges []int64, max int) ([]StatePoint, StatePoint) {
	var st stateSweep
	st.count(edges)
	pts, peak, _ := st.series(max) // a zero log stays in memory: nothing to fail
	return pts, peak
}
