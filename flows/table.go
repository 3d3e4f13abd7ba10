package flows

import (
	"encoding/binary"
	"math"
	"net/netip"
	"sort"
	"time"

	"github.com/tcpmortem/tcpmortem/flows/zeekconn"
)

// AppHook lets the application layer watch each flow's payload without the flow table
// knowing any protocol. Segment is called for every segment that carries payload, in
// capture order; seg.Payload is valid only during the call.
type AppHook interface {
	NewFlow(f *Flow)
	Segment(f *Flow, d Direction, seg *Segment, step *Step)
}

// TableStats counts what the table saw but could not place in a flow.
type TableStats struct {
	Segments       int // TCP segments seen (Trailing of them placed in no flow)
	ICMPErrors     int // ICMP errors placed in flows
	ICMPOrphans    int // ICMP errors quoting a segment of no known flow
	FlowsSplit     int // flows ended by a new SYN on the same tuple (port reuse)
	MidstreamFlows int
	FinishedEarly  int // flows handed over before the capture's end (ended, or evicted)
	Evicted        int // open flows dropped to stay within MaxFlows
	Trailing       int // packets of a finished connection that came after it was handed over
	PeakLive       int // the most flows live at once
}

// tupleKey is a connection's tuple as the tables key it, the lower endpoint first: 38
// bytes and no pointer. (A pair of netip.AddrPort is 64 bytes with two zone handles,
// which the collector follows in every entry of the maps of live flows and
// tombstones, and the table keeps up to 100,000 tombstones.)
type tupleKey struct {
	a, b   endpointKey
	pa, pb uint16
}

// endpointKey is an address as a tuple's key holds it: its 16 bytes, and whether it
// is IPv4 (1.2.3.4 and ::ffff:1.2.3.4 are different addresses, as for netip). A
// packet's address has no zone.
type endpointKey struct {
	ip  [16]byte
	is4 bool
}

func endpointKeyOf(a netip.Addr) endpointKey { return endpointKey{a.As16(), a.Is4()} }

func keyOf(x, y netip.AddrPort) tupleKey {
	if !(x.Addr().Less(y.Addr()) || (x.Addr() == y.Addr() && x.Port() < y.Port())) {
		x, y = y, x
	}
	return tupleKey{endpointKeyOf(x.Addr()), endpointKeyOf(y.Addr()), x.Port(), y.Port()}
}

// ShardOf spreads tuples over n tables: both directions of a tuple (and the ICMP errors
// that quote it) land on the same one.
func ShardOf(seg *Segment, n int) int {
	x := endpointHash(seg.Src) + endpointHash(seg.Dst) // + is symmetric
	x ^= x >> 29
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 32
	return int((x >> 32) * uint64(n) >> 32)
}

func endpointHash(a netip.AddrPort) uint64 {
	b := a.Addr().As16()
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	return ((hi*0x9e3779b97f4a7c15)^lo^uint64(a.Port())<<17)*0x94d049bb133111eb ^ uint64(a.Port())
}

// Table rebuilds TCP connections from segments in one pass, in capture order, never
// reading ahead. A flow is handed to the done callback once it has ended (see
// finish.go), when a new connection replaces it on the same tuple, when MaxFlows forces
// it out, and the rest when Flush is called at the end of the capture; Flow.End says
// as of when it was judged.
type Table struct {
	live   map[tupleKey]*Flow
	nextID int
	done   func(*Flow)
	// Idle is the silence after which the packet that ends it is kept in the ladder.
	Idle time.Duration
	// App, when set, sees every payload-bearing segment.
	App AppHook
	// Grace is how long an ended connection waits for trailing packets (DefaultGrace).
	Grace time.Duration
	// SYNWait bounds the wait for the retry of a single unanswered SYN (twice the
	// initial RTO it allows for).
	SYNWait time.Duration
	// MaxFlows bounds the live flows (0: no bound); past it the longest-silent flow is
	// handed over as evicted.
	MaxFlows int
	// NoLadders says no flow's ladder will be read: each flow only counts its packets
	// (a ladder is 2.5 KB of a live flow's 5 to 6.5).
	NoLadders bool
	// OnNew, when set, sees each flow the moment it is created (before its first
	// segment is placed).
	OnNew func(*Flow)

	tombMax int // 0: max(MaxFlows, minTombs); see Share

	step  Step // the packet being placed (see track)
	Stats TableStats

	now, nextTick    int64 // the capture's clock and the next look at the pending heap, Unix ns
	pending          pendingHeap
	held             map[tupleKey]*heldFlow // see holdReplaced
	tombOf           map[tupleKey]int64     // until when, Unix nanoseconds
	tombs            tombRing
	lruHead, lruTail *Flow
}

// NewTable makes a table that hands finished flows to done.
func NewTable(done func(*Flow)) *Table {
	return &Table{live: make(map[tupleKey]*Flow), done: done, Idle: time.Second,
		Grace: DefaultGrace, SYNWait: 3 * time.Second, tombOf: make(map[tupleKey]int64),
		held: make(map[tupleKey]*heldFlow)}
}

// Tick tells the table the capture's clock has reached now (every packet, TCP or not,
// should), so ended flows are handed over in time and Flush knows the capture's end.
func (t *Table) Tick(now time.Time) { t.advance(now.UnixNano()) }

// recycled holds flows callers are done with (see Release), for new flows to reuse: a
// live flow is 2.3 KB, and a busy capture ends hundreds of thousands of them, which the
// collector would otherwise have to find and free. It is bounded (a sync.Pool would
// keep every flow released between two collections), and shared by all tables. Its
// size covers the flows begun while those that ended wait to be judged: up to a few
// thousand packets, the batches on their way through the workers (with 256, a sixth of
// the bench capture's flows were new allocations with two workers, and the collector
// ran 36 times instead of 28).
var recycled = make(chan *Flow, 1024)

// Release gives a flow the table has handed over back for reuse by a new flow. Only for
// a caller that keeps no pointer to it: what it pointed to (its ladder's steps, its
// application state) is left alone, and may be kept; the flow no longer holds on to
// it while it waits for reuse.
func Release(f *Flow) {
	f.App, f.Ladder.ladderSteps = nil, nil
	select {
	case recycled <- f:
	default: // enough in reserve: let the collector have it
	}
}

// Share makes the table one of n that each track a share of the tuples (see ShardOf):
// it takes its share of the MaxFlows bound, and of the tombstones' (set MaxFlows first).
func (t *Table) Share(n int) {
	t.tombMax = max(t.tombLimit()/n, 1)
	if t.MaxFlows > 0 {
		t.MaxFlows = max(t.MaxFlows/n, 1)
	}
}

// NextTick is the capture time at which the table next looks for ended flows: a Tick
// before it only moves the clock, so a caller feeding many tables may skip it.
func (t *Table) NextTick() time.Time { return time.Unix(0, t.nextTick).UTC() }

// Live is the number of flows not yet finished.
func (t *Table) Live() int { return len(t.live) }

// Flush finishes every live flow, in the order they began.
func (t *Table) Flush() {
	rest := make([]*Flow, 0, len(t.live))
	for _, f := range t.live {
		rest = append(rest, f)
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i].order < rest[j].order })
	t.pending = nil
	for _, f := range rest {
		f.queued = false
		delete(t.live, f.key)
		t.lruRemove(f)
		f.finished = true
		f.EndAt = t.now
		t.handOver(f)
	}
}

// handOver gives a finished flow to the table's owner; the connection it replaced on
// its tuple, when still held (see holdReplaced), goes first.
func (t *Table) handOver(f *Flow) {
	if len(t.held) > 0 {
		t.releaseHeld(f.key)
	}
	f.settleLostFINs()
	t.done(f)
}

// seqAfter reports whether sequence number a is after b, modulo 2^32 (RFC 1982).
func seqAfter(a, b uint32) bool { return int32(a-b) > 0 }

// portClass ranks how server-like a port is: well-known, registered, ephemeral.
func portClass(p uint16) int {
	switch {
	case p < 1024:
		return 0
	case p < 32768: // Linux's default ephemeral range starts at 32768
		return 1
	default:
		return 2
	}
}

// inferClient picks the client of a flow whose SYN was not captured: the receiver of a
// SYN-ACK, else the side with the more ephemeral-looking port, else the first sender.
func inferClient(seg *Segment) (client, server netip.AddrPort) {
	if seg.Has(FlagSYN | FlagACK) {
		return seg.Dst, seg.Src
	}
	if portsSayClient(seg.Dst.Port(), seg.Src.Port()) {
		return seg.Dst, seg.Src
	}
	return seg.Src, seg.Dst
}

// portsSayClient reports whether port a looks more like a client's than port b.
func portsSayClient(a, b uint16) bool { return portClass(a) > portClass(b) }

// FromStart says the capture holds the connection from its handshake, so that both
// sides' bytes count from their first: its client's SYN was captured, or the capture
// began between that SYN and the server's SYN-ACK, which then gives where the client's
// bytes start (its acknowledgment number), and the client's first packet starts there.
func (f *Flow) FromStart() bool { return !f.Midstream || f.startSeen }

// ClientInferredBy says how a midstream flow's client was named: by inferClient, "the
// SYN-ACK" (it was the first packet), "the ports", or "the first sender"; by
// RolesFromListeners, from the server's SYN-ACKs on other connections; "" for a flow
// whose SYN was captured.
func (f *Flow) ClientInferredBy() string {
	switch s := &f.Sides[FromServer]; {
	case !f.Midstream:
		return ""
	case f.rolesByListener:
		return "the server's SYN-ACKs on other connections"
	case s.SYNs > 0 && s.FirstSYN.Frame == f.First.Frame && s.FirstSYN.File == f.First.File:
		return "the SYN-ACK"
	case portsSayClient(f.Client.Port(), f.Server.Port()):
		return "the ports"
	}
	return "the first sender"
}

func (t *Table) newFlow(k tupleKey, client, server netip.AddrPort, midstream bool, seg *Segment) *Flow {
	t.nextID++
	var f *Flow
	select {
	case f = <-recycled:
	default:
		f = new(Flow)
	}
	*f = Flow{ID: t.nextID, order: int32(t.nextID), Client: client, Server: server, Midstream: midstream, key: k}
	f.First = MarkAt(seg.File, seg.Frame, seg.Time)
	f.firstFromA = seg.Src == client
	f.Zeek.SetPorts(seg.Src.Port(), seg.Dst.Port())
	f.Sides[0].WScale, f.Sides[1].WScale = -1, -1
	f.Ladder.off = t.NoLadders
	if midstream {
		t.Stats.MidstreamFlows++
	}
	t.live[k] = f
	if len(t.live) > t.Stats.PeakLive {
		t.Stats.PeakLive = len(t.live)
	}
	if t.OnNew != nil {
		t.OnNew(f)
	}
	if t.App != nil {
		t.App.NewFlow(f)
	}
	return f
}

// Add places one decoded segment in its flow.
func (t *Table) Add(seg *Segment) {
	at := seg.Time.UnixNano()
	t.advance(at)
	k := keyOf(seg.Src, seg.Dst)
	f := t.live[k]
	if seg.Kind == KindICMPError {
		if f == nil {
			t.Stats.ICMPOrphans++
			return
		}
		t.Stats.ICMPErrors++
		t.addICMP(f, seg)
		t.lruFront(f)
		t.watch(f)
		return
	}
	t.Stats.Segments++
	isSYN := seg.Flags&(FlagSYN|FlagACK|FlagRST) == FlagSYN
	if len(t.held) > 0 && f != nil && t.toHeld(k, f, seg, isSYN, at) {
		return
	}
	reused := false
	if f != nil && isSYN && startsNewConnection(f, seg) {
		t.Stats.FlowsSplit++
		f.Replaced = MarkAt(seg.File, seg.Frame, seg.Time)
		f.TupleReused = true
		reused = true
		t.unqueue(f)
		delete(t.live, k)
		t.lruRemove(f)
		f.finished = true
		f.EndAt = at
		if !t.holdReplaced(f, seg) {
			t.handOver(f)
		}
		f = nil
	}
	if f != nil && isSYN && f.Midstream && seg.Src == f.Client && f.Sides[FromClient].Packets == 0 {
		// The reordered SYN of a flow first seen by its SYN-ACK: it was not midstream
		// (its first packet stays the SYN-ACK, as the capture has it).
		f.Midstream = false
		t.Stats.MidstreamFlows--
	}
	if f == nil {
		if until, ok := t.tombOf[k]; ok && until > at {
			if !isSYN {
				// A straggler of a connection already handed over (a retransmitted
				// FIN, a late ACK): not the start of a new midstream flow.
				t.Stats.Trailing++
				return
			}
			delete(t.tombOf, k)
			reused = true
		}
		t.makeRoom()
		if isSYN {
			f = t.newFlow(k, seg.Src, seg.Dst, false, seg)
			f.TupleReused = reused
		} else {
			c, s := inferClient(seg)
			f = t.newFlow(k, c, s, true, seg)
		}
	}
	t.track(f, seg)
	t.lruFront(f)
	t.watch(f)
}

// startsNewConnection decides whether a SYN on a tuple that already has a flow opens a
// new connection (port reuse) rather than retransmitting the old one's SYN.
func startsNewConnection(f *Flow, seg *Segment) bool {
	if f.closed {
		// After an RST every SYN is a new attempt, even with the same ISN (a client
		// retrying a refused connect): VERDICTS.md, and Zeek logs one REJ per attempt.
		return true
	}
	d := FromClient
	if seg.Src != f.Client {
		d = FromServer
	}
	s := &f.Sides[d]
	if s.SYNs > 0 && seg.Seq == s.ISN {
		// The same ISN is a retransmission of this connection's SYN, even after an
		// ICMP error: a new connect picks a new ISN (RFC 9293 3.4.1).
		return false
	}
	if f.Midstream {
		// A SYN-ACK captured just before its SYN (reordered by the capture): the SYN
		// it acknowledges belongs to the same connection.
		srv := &f.Sides[FromServer]
		return !(d == FromClient && s.Packets == 0 && srv.SYNs > 0 && srv.HaveAck && srv.MaxAck == seg.Seq+1)
	}
	if d == FromServer {
		// A SYN from the server side of a live flow: a simultaneous open, not a new flow.
		return false
	}
	// A different ISN on a live flow: the client gave up and connected again.
	return s.SYNs > 0
}

func (t *Table) addICMP(f *Flow, seg *Segment) {
	d := FromClient
	if seg.Src != f.Client {
		d = FromServer
	}
	s := &f.Sides[d]
	m := MarkAt(seg.File, seg.Frame, seg.Time)
	s.ICMPErrors++
	// The first error, or the first since the side's oldest unacknowledged data went out:
	// what explains that data's fate (an error about an earlier segment, as a firewall
	// rejecting the side's ACKs before its data, does not).
	if s.ICMP.IsZero() || !s.UnackedDataSince.IsZero() && s.ICMP.At < s.UnackedDataSince.At {
		s.ICMP, s.ICMPType, s.ICMPCode, s.ICMPv6, s.ICMPFrom = m, seg.ICMPType, seg.ICMPCode, seg.ICMPv6, seg.ICMPFrom
	}
	f.Packets++
	f.Last = m
	// The error travels against the quoted segment, so it belongs to the other side's
	// row in the ladder.
	step := Step{Index: f.Ladder.Total, File: seg.File, Frame: seg.Frame, At: m.At,
		From: d.Other(), Notes: NoteICMP, ICMPType: seg.ICMPType, ICMPCode: seg.ICMPCode}
	f.Ladder.Add(step, true)
}

func (t *Table) track(f *Flow, seg *Segment) {
	d := FromClient
	if seg.Src != f.Client {
		d = FromServer
	}
	if f.Tunnel == 0 {
		f.Tunnel = seg.Tunnel
	}
	s, p := &f.Sides[d], &f.Sides[d.Other()]
	m := MarkAt(seg.File, seg.Frame, seg.Time)
	flags := seg.Flags
	syn, fin, rst, ack := flags&FlagSYN != 0, flags&FlagFIN != 0, flags&FlagRST != 0, flags&FlagACK != 0
	gap := m.Sub(f.Last) // f.Last is set unless this is the first packet
	if f.Packets == 0 {
		gap = 0
	}
	// The silence this packet ends: keepalives and RSTs are no activity (LastActive).
	// (sinceActive's, in nanoseconds: no time.Time on the per-packet path.)
	var quiet time.Duration
	if !f.LastActive.IsZero() {
		quiet = time.Duration(m.At - f.LastActive.At)
	}
	f.Packets++
	s.Packets++

	if !s.HaveISN {
		if d == FromClient && f.Midstream && !syn && p.SYNs > 0 && p.FirstSYN == f.First && p.HaveAck && seg.Seq == p.MaxAck {
			// The flow began with the server's SYN-ACK, and the client's first packet
			// starts where it acknowledged: the client's bytes count from their start.
			f.startSeen = true
		}
		s.HaveISN = true
		s.ISN = seg.Seq
		if !syn {
			// As Wireshark does without a SYN: the first byte seen is relative 1.
			s.ISN = seg.Seq - 1
		}
		s.NextSeq = s.ISN + 1
		if !syn {
			s.NextSeq = seg.Seq
		}
		s.nextSeqAt = m.At
	}

	if !rst && (syn || seg.PayloadLen > 0) && !f.RST.Packet.IsZero() && f.RST.From == d {
		// The side that "reset" the connection goes on with it: that RST was not its
		// own (injected, or out of window, RFC 5961) and ended nothing.
		f.RST, f.closed = RSTContext{}, false
		s.RST, s.RSTHasAck = Mark{}, false
	} else if !rst && !syn && seg.PayloadLen > 0 && !f.RST.Packet.IsZero() && f.RST.From != d &&
		m.At-f.RST.Packet.At > f.crossingWindow() {
		// The side the RST was sent to goes on sending data, later than data of its
		// could have crossed the RST on the way (a round trip): the RST never reached
		// it (lost past the capture point) or was not taken (not at its next sequence
		// number, RFC 5961 3.2), and ended nothing. The RST that ends the flow is a
		// later one.
		f.RST, f.closed = RSTContext{}, false
		p.RST, p.RSTHasAck = Mark{}, false
	}
	var notes uint16
	key := syn || fin || rst || gap >= t.Idle
	seqLen := seg.SeqLen()
	end := seg.Seq + seqLen

	switch {
	case rst:
		s.keepAliveAnswerReached(seg, m.At, -1)
		s.RSTs++
		if s.RST.IsZero() {
			s.RST = m
			s.RSTHasAck = ack
		}
		if f.RST.Packet.IsZero() {
			f.RST = RSTContext{From: d, Packet: m, Gap: gap, SinceActive: f.sinceActive(seg.Time),
				BeforeFIN: [2]bool{finSent(&f.Sides[0], &f.Sides[1]), finSent(&f.Sides[1], &f.Sides[0])}}
			if f.Packets > 1 {
				f.RST.Prev, f.RST.PrevFrom, f.RST.PrevData, f.RST.PrevGap = f.Last, f.lastFrom, f.lastHadData, f.lastGap
			}
		}
		f.closed = true
	case syn:
		if s.SYNs == 0 && s.Packets > 1 {
			// The side's first packet was no SYN (an injected or stray RST, say): its
			// sequence numbers count from the SYN.
			s.ISN, s.NextSeq, s.nextSeqAt = seg.Seq, seg.Seq+1, m.At
		}
		if s.SYNs == 0 {
			s.FirstSYN = m
			s.WScale = seg.WScale
		}
		if s.SYNs < maxSYNTimes {
			s.SYNAfter[s.SYNs] = m.Sub(s.FirstSYN)
		}
		s.SYNs++
		if s.SYNs > 1 {
			notes |= NoteRetransmission
			s.Retransmissions++
		}
		s.LastSYN = m
		if d == FromServer && f.Midstream && f.Established.IsZero() && p.HaveAck && p.MaxAck == seg.Seq+1 && p.PayloadBytes == 0 {
			// A capture begun during the handshake: the client had acknowledged this
			// SYN-ACK's sequence number before it came, so this one is a resend and the
			// handshake's last ACK went out already (its server never took it, as a
			// listener whose accept queue is full does).
			f.Established = p.Last
		}
	}

	// A capture begun on an idle connection may open with a side's keepalive probes:
	// empty segments one below its next sequence number, which the capture never saw,
	// so the side's sequence numbers were taken from the probe, one short. Its peer's
	// ACK of the probe, one past it, then read as the ACK of a FIN the capture lost
	// (and the peer as in CLOSE_WAIT). A side whose FIN its peer acknowledged sends on
	// past it; a segment at the acknowledged FIN's own number is another probe.
	if f.Midstream && !syn && !fin && !rst && seg.PayloadLen == 0 && s.FIN.IsZero() && s.HaveISN &&
		p.HaveAck && p.MaxAck == s.NextSeq+1 && seg.Seq == s.NextSeq {
		s.probeFirst()
		s.FINAcked, s.FINIdle = Mark{}, 0
	}

	// Keepalive (Wireshark: at most one byte, one before the next expected sequence
	// number, no SYN/FIN/RST): a probe that the peer should answer with an ACK.
	// Where the capture lost the side's last bytes, the peer's acknowledgment says where
	// its next byte is.
	keepAlive := !syn && !fin && !rst && seg.PayloadLen <= 1 && s.HaveISN &&
		(seg.Seq == s.NextSeq-1 || p.HaveAck && seqAfter(p.MaxAck, s.NextSeq) && seg.Seq == p.MaxAck-1) &&
		(f.HandshakeDone() || f.Midstream)
	if keepAlive {
		notes |= NoteKeepAlive
		idle := time.Duration(-1)
		if s.LastKeepAlive.IsZero() || s.LastKeepAlive.At < f.LastActive.At {
			idle = quiet // the first probe since the flow was last active
		}
		s.keepAliveAnswerReached(seg, m.At, idle)
		if s.countKeepAlive(m) {
			key = true
		}
		s.KeepAliveUnacked++
	} else if seqLen > 0 && !syn && !rst {
		// Data or a FIN: the side is past probing.
		s.KeepAliveAnswersLost, s.kaAnswerPending = 0, false
		if seqAfter(s.NextSeq, seg.Seq) {
			// It starts below what the side sent before (it may carry new bytes too):
			// a retransmission, or out of order when it came within the flow's first
			// round trip (3 ms before one is seen) of the segment that took the
			// sequence space furthest, and does not end where that one did. Both are
			// Wireshark's rules.
			fast := p.dupRun >= 2 && p.MaxAck == seg.Seq && m.At-p.Last.At < int64(20*time.Millisecond)
			if !fast && s.nextSeqAt != 0 && m.At-s.nextSeqAt < f.reorderWindow() && seg.Seq != s.NextSeq-seqLen {
				notes |= NoteOutOfOrder
				s.OutOfOrder++
			} else {
				notes |= NoteRetransmission
				s.Retransmissions++
				if s.RetransRun == 0 {
					s.runSince = m.At
				}
				s.RetransRun++
				if s.FirstRetrans.IsZero() {
					s.FirstRetrans = m
					key = true
				}
				spurious := p.HaveAck && !seqAfter(end, p.MaxAck)
				if spurious && s.SpuriousRun < math.MaxUint8 {
					s.SpuriousRun++
					// Later than a round trip after the peer's last packet, the
					// acknowledgment (in or before it) cannot have crossed the resend
					// on the way: it never reached this side (see AcksLost).
					if s.SpuriousRun == 1 && p.Packets > 0 && m.At-p.Last.At > f.crossingWindow() {
						f.spuriousLate[d] = true
					}
				}
				// The back-off shows between resends of the oldest unacknowledged
				// byte, which a timeout resends first; segments resent behind it in the
				// same burst follow within microseconds and say nothing of it. (With
				// no acknowledgment from the peer captured, every resend counts.) When
				// the peer's acknowledgments never reach the side, its oldest
				// unacknowledged byte is below what the peer acknowledged: the one
				// the run's first resend started at.
				if !p.HaveAck || seg.Seq == p.MaxAck ||
					seqAfter(p.MaxAck, seg.Seq) && (s.headRetransAt == 0 || seg.Seq == s.headSeq) {
					s.headSeq = seg.Seq
					prev := s.headRetransAt
					if prev == 0 {
						prev = s.LastData.At // the run's first: since the data went out
					}
					if prev != 0 {
						s.RetransGap = time.Duration(m.At - prev)
					}
					s.headRetransAt = m.At
				}
				s.LastRetrans = m
			}
		}
	}
	newData := false // the segment carries payload never sent before
	if seqLen > 0 && !rst && seqAfter(end, s.NextSeq) {
		if seg.PayloadLen > 0 && s.DataAfterAck.IsZero() && p.HaveAck && seqAfter(p.MaxAck, s.ISN+1) {
			s.DataAfterAck = m
		}
		if seg.PayloadLen > 0 {
			newBytes := int64(int32(end - s.NextSeq))
			if fin {
				newBytes--
			}
			if newBytes > int64(seg.PayloadLen) {
				newBytes = int64(seg.PayloadLen) // a gap before this segment: count what it carried
			}
			s.PayloadBytes += newBytes
			newData = newBytes > 0
		}
		s.seqAhead = uint16(max(int64(s.seqAhead)-int64(int32(end-s.NextSeq)), 0))
		s.NextSeq, s.nextSeqAt = end, m.At
		if s.FIN.IsZero() {
			s.FINAcked = Mark{} // the side went on: what the peer acknowledged was no FIN
		}
	} else if seqLen == 0 && !rst && s.HaveISN && seqAfter(seg.Seq, s.NextSeq) {
		// An ACK that starts past all the side was seen to send: the bytes between were
		// sent, and the capture lost them.
		if s.seqAhead == 0 {
			s.aheadEarly = p.FIN.IsZero() && (!ack || seg.Ack != p.NextSeq+1)
		}
		s.seqAhead = uint16(min(int64(int32(seg.Seq-s.NextSeq)), math.MaxUint16))
	}
	if d == FromClient && seg.PayloadLen > 0 && ack && !syn && f.Established.IsZero() && p.SYNs > 0 {
		// Data acknowledging the server's SYN in any form (a split handshake, a SYN-ACK
		// whose ISN an injected RST obscured): the connection is established.
		f.Established = m
	}
	if d == FromServer && seg.PayloadLen > 0 && !syn && f.Established.IsZero() && s.SYNs > 0 {
		// Only the server's half captured: it sends data only on an established
		// connection, so the handshake completed.
		f.Established = m
	}
	if seg.PayloadLen > 0 && !keepAlive {
		if s.FirstData.IsZero() {
			s.FirstData = m
			key = true
		}
		if newData || s.LastData.IsZero() {
			s.resentFor = 0
		} else {
			s.resentFor = uint32(min(int64(s.resentFor)+(m.At-s.LastData.At)/1e3, math.MaxUint32))
		}
		s.LastData = m
		if s.UnackedDataSince.IsZero() {
			s.UnackedDataSince = m
		}
	}
	if fin {
		s.FINs++
		if s.FIN.IsZero() {
			s.FIN = m
			s.FINIdle = f.sinceActive(seg.Time)
			s.FINSeq = seg.Seq + uint32(seg.PayloadLen)
			s.FINAcked = Mark{} // no lost FIN after all: an ACK will come for this one
			if r := &f.RST; !r.Packet.IsZero() && r.From != d && r.BeforeFIN[r.From] && !r.BeforeFIN[d] &&
				m.At-r.Packet.At <= f.crossingWindow() {
				// The RST's sender had closed (FIN), and the side the RST went to closed
				// too before the RST could reach it: its FIN, captured just after the
				// RST, crossed it on the way (over a longer round trip, a capture at the
				// RST's sender sees them so; one at the FIN's sender, the other way
				// round). Both sides closed. (Where the RST's sender had not, its RST
				// is an abort whatever crossed it.)
				r.BeforeFIN[d] = true
			}
		}
		if s.FINs > 1 && notes&NoteRetransmission == 0 && !seqAfter(end, s.NextSeq) {
			notes |= NoteRetransmission
		}
	}

	// The peer hears from this side: any packet answers its keepalive probes.
	if p.KeepAliveUnacked > 0 && !rst {
		if ack && seg.PayloadLen == 0 && !syn && !fin {
			notes |= NoteKeepAliveACK
			s.KeepAliveACKs++
			p.kaAnswerTSval, p.kaAnswerPending = seg.TSval, true
		}
		p.KeepAliveUnacked = 0
	}

	repeat := false // the side's last pure ACK again (see LastActive below)
	if ack && !rst {
		a := seg.Ack
		pure := seg.PayloadLen == 0 && !syn && !fin
		repeat = pure && s.HaveAck && a == s.MaxAck && a == s.lastDupAckValue && seg.Window == s.lastPureAckWindow
		if !s.HaveAck || seqAfter(a, s.MaxAck) {
			firstAck := !s.HaveAck
			if s.HaveAck {
				s.AckAdvances++
			}
			if d == FromClient && firstAck && !syn && s.SYNs > 0 && p.SYNs == 0 && !p.HaveISN {
				// The client's first ACK after its SYN, and nothing of the server's yet:
				// the capture lost the SYN-ACK, which this ACK acknowledges (RFC 9293
				// 3.5: the server's ISN plus one). The server's bytes then count from
				// their first, as from a captured SYN-ACK, and the ones the capture loses
				// later show (UnseenBytes). Were this ACK's own handshake ACK lost as well,
				// it acknowledges more: fewer lost bytes are counted, never more.
				p.ISN, p.HaveISN, p.NextSeq, p.nextSeqAt = a-1, true, a, m.At
			}
			s.HaveAck = true
			s.MaxAck = a
			p.RetransRun, p.headRetransAt, p.runSince, p.SpuriousRun = 0, 0, 0, 0
			f.spuriousLate[d.Other()] = false
			if !p.UnackedDataSince.IsZero() && !seqAfter(p.NextSeq, a) {
				p.UnackedDataSince = Mark{}
			}
			if !p.FIN.IsZero() && p.FINAcked.IsZero() && seqAfter(a, p.FINSeq) {
				p.FINAcked = m
			}
			if f.Midstream && firstAck && pure && p.FIN.IsZero() && p.FINs == 0 && p.Packets > 0 && p.HaveISN &&
				a == p.NextSeq+1 && p.NextSeq == p.ISN+1 {
				// The peer's sequence numbers are those of its first packet, it has sent
				// nothing to advance them, and this side acknowledges one more in its
				// first acknowledgment, a bare ACK: a capture begun on an idle connection
				// opens so with a keepalive probe, one below the peer's next sequence
				// number (see the probes below), and this ACK answers it. (Else it would
				// read as the ACK of a FIN the capture lost. Where this side had
				// acknowledged the peer's first number before, one more is new: a FIN,
				// or a byte; and a probe's answer carries nothing, no FIN nor data.) The
				// peer's last packet was that probe: counted now, with this ACK its
				// answer.
				p.probeFirst()
				p.countKeepAlive(p.Last)
				notes |= NoteKeepAliveACK
				s.KeepAliveACKs++
				p.kaAnswerTSval, p.kaAnswerPending = seg.TSval, true
			} else if p.FIN.IsZero() && p.FINAcked.IsZero() && p.Packets > 0 && p.HaveISN && a == p.NextSeq+1 {
				p.FINAcked, p.FINIdle = m, f.sinceActive(seg.Time) // a FIN the capture lost? (settleLostFINs)
			}
			if d == FromClient && f.Established.IsZero() && !syn && (p.SYNs > 0 && a == p.ISN+1 || p.SYNs == 0 && s.SYNs > 0) {
				// The client's ACK of the SYN-ACK; when only the client's half was
				// captured, its first ACK after the SYN proves the SYN-ACK came.
				f.Established = m
				key = true
			}
		} else if pure && answersLostProbe(f, s, p, seg, gap) {
			// The answer to a keepalive probe of the peer's that the capture lost. The
			// counts stay those of the probes and answers Wireshark marks (it marks such an
			// answer only after a probe it saw); the flow notes the probe apart.
			f.probesUnseen[d.Other()] = min(f.probesUnseen[d.Other()]+1, math.MaxUint8)
			notes |= NoteKeepAliveACK
			p.kaAnswerTSval, p.kaAnswerPending = seg.TSval, true
		} else if pure && a == s.MaxAck && seg.Window == s.lastPureAckWindow && notes&NoteKeepAliveACK == 0 &&
			!p.UnackedDataSince.IsZero() && s.lastDupAckValue == a {
			notes |= NoteDupAck
			s.DupAcks++
		}
		if pure {
			s.lastDupAckValue = a
			s.lastPureAckWindow = seg.Window
		}
	}
	if notes&NoteDupAck == 0 {
		s.dupRun = 0
	} else if s.dupRun < math.MaxUint8 {
		s.dupRun++
	}

	if !syn && !rst && !fin && seg.Window == 0 {
		notes |= NoteZeroWindow
		s.ZeroWindows++
	}
	if p.HaveISN && p.Window == 0 && p.Packets > 0 && seg.PayloadLen == 1 && !keepAlive && !syn {
		notes |= NoteZeroWindowProbe
		s.ZeroWindowProbes++
	}
	if seg.PayloadLen > 0 && p.HaveAck && p.Packets > 0 && !syn {
		scale := uint(0)
		if s.WScale >= 0 && p.WScale >= 0 {
			scale = uint(p.WScale)
		}
		if seg.Seq+uint32(seg.PayloadLen) == p.MaxAck+uint32(p.Window)<<scale && p.Window != 0 {
			notes |= NoteWindowFull
			s.WindowFull++
		}
	}
	if !syn {
		s.Window = seg.Window
	}
	s.Last = m
	f.Last = m
	// A resend of data ends no silence: an RST that answers it answers data sent after
	// the silence before the first send (the first was lost on the way, or taken no
	// faster). So a resend of the data just sent, with nothing from the peer between,
	// keeps the silence before the first send; and so does a resend by the side that
	// sent the latest new bytes, after packets that carried nothing new (the peer's
	// SYN-ACK resends and the ACKs answering them, as a listener that never took the
	// connection sends): the silence before those bytes' first send.
	hadData := seg.PayloadLen > 0 || fin
	resend := hadData && notes&NoteRetransmission != 0
	switch {
	case d == f.lastFrom && f.lastHadData && resend:
	case resend && f.sentLatestNew(d):
		f.lastGap = time.Duration(f.newDataGap) * time.Microsecond
	default:
		f.lastGap = quiet
	}
	if hadData && !resend && notes&NoteKeepAlive == 0 {
		f.newDataGap = uint32(min(quiet/time.Microsecond, math.MaxUint32))
	}
	f.lastFrom, f.lastHadData = d, hadData
	// An RST is no activity either: one that ended the flow is the end, and one that
	// ended nothing (see above) is no exchange a later silence counts from. Nor is a
	// side's last pure ACK sent again, with nothing new acknowledged and the same
	// window: it answers a probe (a keepalive, a zero-window probe) the capture
	// missed, or a packet that is itself activity, and tells of no exchange.
	if notes&(NoteKeepAlive|NoteKeepAliveACK) == 0 && !rst && !repeat {
		f.LastActive = m
	}

	f.Zeek.Add(zeekconn.Packet{
		FromA:  (d == FromClient) == f.firstFromA,
		Time:   seg.Time,
		Flags:  seg.Flags,
		Seq:    seg.Seq,
		Ack:    seg.Ack,
		Len:    seg.PayloadLen,
		Window: seg.Window,
		// Zeek skips payload the snaplen cut, so the peer's ACKs of it show as gaps.
		Truncated: seg.Uncaptured() > 0,
	})

	// The step lives in the table, not on the stack: the application layer is handed a
	// pointer to it through an interface, which would move it to the heap every packet.
	step := &t.step
	*step = Step{Index: f.Ladder.Total, File: seg.File, Frame: seg.Frame, At: m.At, From: d,
		Flags: flags, Seq: seg.Seq - s.ISN, Len: seg.PayloadLen, Window: seg.Window, Notes: notes}
	if ack && p.HaveISN {
		step.Ack = seg.Ack - p.ISN
	}
	if notes&(NoteZeroWindow|NoteRetransmission) != 0 && (s.ZeroWindows == 1 || s.Retransmissions <= 2) {
		key = true
	}
	if gap >= t.Idle && f.Ladder.Total > 0 {
		// Keep the packet before the silence too, so the ladder shows both ends of it.
		f.Ladder.Keep(f.lastStep)
	}
	f.Ladder.Add(*step, key)
	f.lastStep = *step

	if t.App != nil && seg.PayloadLen > 0 {
		t.App.Segment(f, d, seg, step)
	}
}

// minKeepAliveGap is the shortest silence before a keepalive probe: Linux takes
// TCP_KEEPIDLE and TCP_KEEPINTVL in whole seconds, at least 1.
const minKeepAliveGap = time.Second

// answersLostProbe says seg, a pure ACK from side s that acknowledges nothing new, is the
// answer to a keepalive probe of the peer p's that the capture lost: it comes after a
// silence of the whole flow no shorter than a probe's (minKeepAliveGap), at p's next
// sequence number, with s's window as it was (not a window update), and p has nothing
// unacknowledged (not a duplicate ACK for resent data) and has not closed. Nothing else
// the peer could have sent draws an ACK that carries nothing new.
func answersLostProbe(f *Flow, s, p *Side, seg *Segment, gap time.Duration) bool {
	return gap >= minKeepAliveGap && f.Packets > 1 && s.HaveAck && seg.Ack == s.MaxAck && p.HaveISN && seg.Ack == p.NextSeq &&
		s.HaveISN && seg.Seq == s.NextSeq && seg.Window == s.Window && seg.Window != 0 &&
		p.KeepAliveUnacked == 0 && p.UnackedDataSince.IsZero() && p.FIN.IsZero() && s.FIN.IsZero() &&
		(f.HandshakeDone() || f.Midstream)
}

// countKeepAlive counts the side's keepalive probe m; first says it was the side's
// first.
func (s *Side) countKeepAlive(m Mark) (first bool) {
	s.KeepAlives++
	if s.FirstKeepAlive.IsZero() {
		s.FirstKeepAlive = m
		first = true
	} else {
		s.LastKeepAliveGap = m.Sub(s.LastKeepAlive) // set with FirstKeepAlive
	}
	s.LastKeepAlive = m
	return first
}

// keepAliveAnswerReached looks, at a side's keepalive probe or RST (at; idle is the
// silence before it when it is the first probe since the flow was last active, else
// negative), at whether the peer's answer to its previous probe (captured) reached it: a
// side echoes in TSecr the latest TSval it received (RFC 7323 4.3; the answer, an ACK
// at the side's next sequence number, is one it must take), so an echo older than the
// answer's TSval means the answer never arrived. Without timestamps the timing tells,
// when it can: after an answer Linux waits its keepalive time again (the silence before
// the run's first probe), after none only its interval, so a probe or RST that comes
// in under three quarters of that time never had the answer. Then the side probes as
// if unanswered, and gives up as a keepalive timeout, while the capture shows every
// probe answered.
func (s *Side) keepAliveAnswerReached(seg *Segment, at int64, idle time.Duration) {
	if idle >= 0 {
		s.kaIdleMs = uint32(min(idle/time.Millisecond, math.MaxUint32))
	}
	if !s.kaAnswerPending {
		return
	}
	s.kaAnswerPending = false
	lost := false
	switch {
	case seg.HasTS:
		lost = int32(seg.TSecr-s.kaAnswerTSval) < 0
	case s.kaIdleMs > 0 && !s.LastKeepAlive.IsZero():
		lost = at-s.LastKeepAlive.At < int64(s.kaIdleMs)*int64(time.Millisecond)*3/4
	}
	if lost {
		s.KeepAliveLostByTiming = !seg.HasTS
		if s.KeepAliveAnswersLost < math.MaxUint8 {
			s.KeepAliveAnswersLost++
		}
		return
	}
	s.KeepAliveAnswersLost = 0
}
