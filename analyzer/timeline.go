package analyzer

import (
	"net/netip"
	"slices"
	"sort"
	"time"

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

	// closeBy is the side whose FIN or RST closed the connection first (-1: none);
	// closeIdle the silence before it; closeAnswered whether the other side then sent
	// its own FIN.
	closeBy       int
	closeKind     uint8 // closeFIN or closeRST (closeNone: no close)
	closeAt       flows.Mark
	closeIdle     time.Duration
	closeAnswered bool
	// closeIdleData is the silence before the close measured from the last payload byte
	// either way: what an idle timer in a proxy or server measures (ACKs do not reset it).
	closeIdleData time.Duration

	// firstWait is the time from the client's first request to the server's first
	// answer (zero when either is missing); for HTTP, each answered exchange's wait.
	waits []timedWait
	// reset is when an RST or refusal hit the client's attempt (zero when none).
	reset    time.Time
	keepSeen bool
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
	t.keepSeen = c.KeepAlives+s.KeepAlives > 0
	rst := f.RST.Packet
	if !rst.IsZero() {
		t.reset = rst.Time
	}
	stop := func(ts time.Time) time.Time { // a state cannot outlive an RST or the capture
		if !rst.IsZero() && rst.Time.Before(ts) {
			return rst.Time
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
		case !rst.IsZero() && rst.Time.Before(to):
			to = rst.Time
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
		estC, estS = f.First.Time, f.First.Time
	case !c.FirstSYN.IsZero():
		synEnd := end
		if !s.FirstSYN.IsZero() {
			synEnd = s.FirstSYN.Time
		} else if !s.RST.IsZero() {
			synEnd = s.RST.Time
		} else if !c.ICMP.IsZero() {
			synEnd = c.ICMP.Time
		} else if !f.Replaced.IsZero() {
			synEnd = f.Replaced.Time
		}
		add(flows.FromClient, stSYNSent, c.FirstSYN.Time, synEnd)
		if !s.FirstSYN.IsZero() {
			estC = s.FirstSYN.Time
			recvEnd := end
			if !f.Established.IsZero() {
				recvEnd = f.Established.Time
				estS = f.Established.Time
			}
			add(flows.FromServer, stSYNRecv, c.FirstSYN.Time, recvEnd)
		}
	}
	// Established until the first FIN either way.
	firstFIN := firstOf(c.FIN, s.FIN)
	estEnd := end
	if !firstFIN.IsZero() {
		estEnd = firstFIN.Time
	}
	if !estC.IsZero() {
		add(flows.FromClient, stEstablished, estC, estEnd)
	}
	if !estS.IsZero() {
		add(flows.FromServer, stEstablished, estS, estEnd)
	}
	// Closing: the side that sent the first FIN closes actively, the other passively.
	if !firstFIN.IsZero() && (!estC.IsZero() || !estS.IsZero()) {
		active := flows.FromClient
		if firstFIN == s.FIN && s.FIN != c.FIN {
			active = flows.FromServer
		}
		passive := active.Other()
		a, p := f.Side(active), f.Side(passive)
		// The active closer: FIN_WAIT_1 until its FIN is ACKed, FIN_WAIT_2 until the
		// peer's FIN, then TIME_WAIT; CLOSING if the peer's FIN came before the ACK.
		ackAt := end
		if !a.FINAcked.IsZero() {
			ackAt = a.FINAcked.Time
		}
		peerFIN := end
		if !p.FIN.IsZero() {
			peerFIN = p.FIN.Time
		}
		if !p.FIN.IsZero() && peerFIN.Before(ackAt) {
			add(active, stFINWait1, a.FIN.Time, peerFIN)
			add(active, stClosing, peerFIN, ackAt)
			if !a.FINAcked.IsZero() {
				add(active, stTimeWait, ackAt, ackAt.Add(timeWaitLen))
			}
		} else {
			add(active, stFINWait1, a.FIN.Time, ackAt)
			if !a.FINAcked.IsZero() {
				add(active, stFINWait2, ackAt, peerFIN)
			}
			if !p.FIN.IsZero() {
				add(active, stTimeWait, peerFIN, peerFIN.Add(timeWaitLen))
			}
		}
		// The passive closer: CLOSE_WAIT from the peer's FIN until its own FIN, then
		// LAST_ACK until that FIN is ACKed.
		add(passive, stCloseWait, a.FIN.Time, peerFIN)
		if !p.FIN.IsZero() {
			lastAck := end
			if !p.FINAcked.IsZero() {
				lastAck = p.FINAcked.Time
			}
			add(passive, stLastACK, p.FIN.Time, lastAck)
		}
	}

	// Who closed first, after how long a silence, and whether the other side answered.
	closer := firstOf(firstFIN, rst)
	if !closer.IsZero() && f.HandshakeDone() {
		switch {
		case closer == rst && !rst.IsZero() && (firstFIN.IsZero() || rst.Time.Before(firstFIN.Time)):
			t.closeBy, t.closeKind, t.closeAt = int(f.RST.From), closeRST, rst
			t.closeIdle = f.RST.SinceActive
		case closer == c.FIN:
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
		for _, m := range []flows.Mark{c.LastData, s.LastData} {
			if !m.IsZero() && m.Time.Before(t.closeAt.Time) && m.Time.After(last) {
				last = m.Time
			}
		}
		if !last.IsZero() {
			t.closeIdleData = t.closeAt.Time.Sub(last)
		}
	}
	if !c.FirstData.IsZero() && !s.FirstData.IsZero() && s.FirstData.Time.After(c.FirstData.Time) {
		t.waits = append(t.waits, timedWait{c.FirstData.Time, s.FirstData.Time.Sub(c.FirstData.Time)})
	}
}

// maxSeriesPoints bounds each state's series in the timeline; beyond it the series is
// thinned to the points that keep its peaks.
const maxSeriesPoints = 400

// maxTimelineEndpoints bounds how many endpoints the timeline charts: the busiest.
const maxTimelineEndpoints = 12

// buildTimeline counts, for each endpoint, its sockets in each state over time.
// A state still held when the capture ended stays counted to the end of the chart.
// It reads the records twice (which endpoints are busiest, then each one's states)
// and holds one endpoint's edges at a time: a capture of millions of connections
// charts in the memory of its busiest endpoint's, not of all the spans at once.
func buildTimeline(rs *records, fl []*record, end time.Time) []StateSeries {
	type gkey struct {
		role string
		ep   endpoint // a server's address and port, a client host's address (port 0)
	}
	type group struct {
		gkey
		key   string
		flows int
		spans bool // any span to chart
	}
	keyOf := func(f *record, role string) gkey {
		if role == "server" {
			return gkey{role, rs.server(f)}
		}
		// A client host is its address alone (an IPv4-mapped one as the IPv4 it is).
		return gkey{role, endpointOf(netip.AddrPortFrom(f.client.addr().Unmap(), 0))}
	}
	sides := [2]struct {
		role string
		side flows.Direction
	}{{"server", flows.FromServer}, {"client", flows.FromClient}}
	groups := map[gkey]*group{}
	var buf []span
	for _, f := range fl {
		for _, sd := range sides {
			k := keyOf(f, sd.role)
			g := groups[k]
			if g == nil {
				g = &group{gkey: k}
				if k.role == "server" {
					g.key = k.ep.String()
				} else {
					g.key = k.ep.addr().String()
				}
				groups[k] = g
			}
			g.flows++
			if !g.spans {
				buf = rs.spansOf(f, sd.side, buf[:0])
				g.spans = len(buf) > 0
			}
		}
	}
	var list []*group
	for _, g := range groups {
		if g.spans {
			list = append(list, g)
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].flows != list[j].flows {
			return list[i].flows > list[j].flows
		}
		if list[i].role != list[j].role {
			return list[i].role > list[j].role // servers first
		}
		return list[i].key < list[j].key
	})
	if len(list) > maxTimelineEndpoints {
		list = list[:maxTimelineEndpoints]
	}
	out := []StateSeries{}
	edges := make([][]int64, len(SocketStates))
	for _, g := range list {
		for i := range edges {
			edges[i] = edges[i][:0]
		}
		side := flows.FromServer
		if g.role == "client" {
			side = flows.FromClient
		}
		for _, f := range fl {
			if keyOf(f, g.role) != g.gkey {
				continue
			}
			buf = rs.spansOf(f, side, buf[:0])
			for _, sp := range buf {
				edges[sp.state] = appendEdges(edges[sp.state], sp, end)
			}
		}
		ss := StateSeries{Endpoint: g.key, Role: g.role, Flows: g.flows,
			States: map[SocketState][]StatePoint{}, Peak: map[SocketState]StatePoint{}}
		for st := range edges {
			if len(edges[st]) == 0 {
				continue
			}
			slices.Sort(edges[st])
			pts, peak := countEdges(edges[st], maxSeriesPoints)
			if peak.N == 0 {
				continue // only instants: nothing to chart
			}
			ss.States[SocketStates[st]] = pts
			ss.Peak[SocketStates[st]] = peak
		}
		out = append(out, ss)
	}
	return out
}

// An edge is a span's start or end as one sortable number: its time in ns, doubled,
// plus one for a start, so that at the same instant a close sorts before an open (no
// false peak).
func appendEdges(edges []int64, s span, end time.Time) []int64 {
	edges = append(edges, s.from*2+1)
	// A span that lasts to the end (or past it) is still open there: no drop is drawn.
	if end.IsZero() || s.to < end.UnixNano() {
		edges = append(edges, s.to*2)
	}
	return edges
}

// countOverTime turns spans into a step series of how many were open, and its peak.
func countOverTime(spans []span, end time.Time) ([]StatePoint, StatePoint) {
	edges := make([]int64, 0, 2*len(spans))
	for _, s := range spans {
		edges = appendEdges(edges, s, end)
	}
	slices.Sort(edges)
	return countEdges(edges, 0)
}

// countEdges turns sorted edges into a step series (a point per instant where the
// count changes) and its peak. With max > 0 and more instants than that, the series is
// thinned as it is made, as thin does: each run of instants becomes one point at the
// run's first instant with the run's highest count, and the last point is kept.
func countEdges(edges []int64, max int) ([]StatePoint, StatePoint) {
	instants := 0
	for i, e := range edges {
		if i+1 == len(edges) || edges[i+1]>>1 != e>>1 {
			instants++
		}
	}
	per := 1
	if max > 0 && instants > max {
		per = (instants + max - 1) / max
	}
	pts := make([]StatePoint, 0, min(instants, instants/per+2))
	var peak, run, last StatePoint
	n, k := 0, 0
	for i, e := range edges {
		if e&1 == 1 {
			n++
		} else {
			n--
		}
		t := e >> 1
		if i+1 < len(edges) && edges[i+1]>>1 == t {
			continue
		}
		p := StatePoint{T: time.Unix(0, t).UTC(), N: n}
		if n > peak.N {
			peak = p
		}
		if k%per == 0 {
			run = p
		} else if p.N > run.N {
			run.N = p.N
		}
		k++
		if k%per == 0 || k == instants {
			pts = append(pts, run)
		}
		last = p
	}
	if per > 1 && len(pts) > 0 && !pts[len(pts)-1].T.Equal(last.T) {
		pts = append(pts, last)
	}
	return pts, peak
}
