package flows

import (
	"net/netip"
	"time"

	"github.com/tcpmortem/tcpmortem/flows/zeekconn"
)

// Direction indexes a flow's two halves: what the client sent, what the server sent.
type Direction uint8

const (
	FromClient Direction = 0
	FromServer Direction = 1
)

// NoDirection is no side at all.
const NoDirection Direction = 255

// Other is the opposite direction.
func (d Direction) Other() Direction { return 1 - d }

func (d Direction) String() string {
	if d == FromClient {
		return "client"
	}
	return "server"
}

// maxSYNTimes bounds how many SYN (or SYN-ACK) send times a side remembers: enough to
// show any realistic back-off schedule (Linux caps tcp_syn_retries at 127, but nobody
// reads more than the first few gaps).
const maxSYNTimes = 16

// Mark is a packet as a later stage points at it: the frame that proves a claim.
type Mark struct {
	File  int
	Frame int
	// At is the packet's capture time in Unix nanoseconds (Time gives it back as a
	// time.Time): 8 bytes and no pointer where a time.Time takes 24 with one. A flow
	// keeps 37 marks; as times they took half of its 2,920 bytes.
	At int64
}

// MarkAt is the mark of the packet at frame of file, captured at t.
func MarkAt(file, frame int, t time.Time) Mark {
	return Mark{File: file, Frame: frame, At: t.UnixNano()}
}

// Time is when the packet was captured, in UTC; the zero time for a zero mark.
func (m Mark) Time() time.Time {
	if m.Frame == 0 && m.At == 0 {
		return time.Time{}
	}
	return time.Unix(0, m.At).UTC()
}

// IsZero reports whether the mark was never set.
func (m Mark) IsZero() bool { return m.Frame == 0 }

// Sub is the time from o to m, both set (unlike time.Time.Sub it does not saturate, so
// a zero mark gives no meaningful answer).
func (m Mark) Sub(o Mark) time.Duration { return time.Duration(m.At - o.At) }

// Side is everything one endpoint sent, as far as the verdicts need it.
type Side struct {
	Packets      int
	PayloadBytes int64

	ISN     uint32 // first sequence number seen (the SYN's, or the first packet's midstream)
	HaveISN bool
	HaveAck bool // MaxAck is set (beside HaveISN, in its padding)
	// seqAhead is how far past NextSeq the side's latest segment without sequence
	// space (an ACK) started: bytes it had sent that the capture does not hold
	// (Wireshark's "previous segment not captured"), less any captured since.
	// (Saturates; in the padding before NextSeq.)
	seqAhead uint16
	NextSeq  uint32 // highest sequence number sent plus its length
	MaxAck   uint32 // highest acknowledgment number sent
	// AckAdvances counts the times this side acknowledged new bytes from its peer: proof
	// that the peer sent them, captured or not.
	AckAdvances int
	Window      uint16 // last raw window advertised
	WScale      int8   // window-scale shift from this side's SYN, -1 when none
	// aheadEarly says seqAhead was first seen on a segment sent before the peer's FIN
	// (it acknowledged neither a captured FIN nor one the capture lost): what the
	// capture lost came in the middle of the exchange, not at its end. (In the padding
	// after WScale.)
	aheadEarly bool
	// resentFor is how long, in microseconds, the side had been resending data already
	// sent when it last sent payload (LastData): 0 when that carried new bytes. See
	// LastNewData. (Saturates at 71 minutes; in the padding before SYNs.)
	resentFor uint32

	SYNs int // SYN (client) or SYN-ACK (server) segments, retransmissions included
	// SYNAfter holds when the first maxSYNTimes of them were sent, as the time since
	// the first (FirstSYN): SYNTimes gives the times. (Durations, not times: they take
	// a third of the room, and hold no pointer for the collector to look at.)
	SYNAfter [maxSYNTimes]time.Duration
	FirstSYN Mark
	LastSYN  Mark

	FirstData Mark // first segment carrying payload
	LastData  Mark // last segment carrying payload (retransmissions included)
	// DataAfterAck is the first new data sent after the peer had acknowledged some of
	// this side's data: from then on the exchange was under way, past a first request.
	DataAfterAck Mark
	Last         Mark // last packet of any kind

	FINs   int
	FIN    Mark   // first FIN
	FINSeq uint32 // sequence number of the FIN
	// kaAnswerTSval is the TSval of the peer's last answer to this side's keepalive
	// probe, while kaAnswerPending (below) says this side has not yet sent the probe or
	// RST whose TSecr shows whether that answer reached it. (Here, in the padding
	// after FINSeq.)
	kaAnswerTSval uint32
	// FINAcked is the peer's first ACK covering the FIN. While no FIN was captured it
	// holds the peer's first acknowledgment of one sequence number past all this side
	// was seen to send: a FIN the capture lost, if nothing of this side's comes after it
	// (see settleLostFINs), and FINIdle the flow's silence then.
	FINAcked Mark
	FINIdle  time.Duration // how long the flow had been silent when the first FIN was sent

	RSTs      int
	RST       Mark // first RST
	RSTHasAck bool // the first RST carried the ACK flag (an RST answering data on a dead socket often does not)
	// FINUnseen says the FIN is not in the capture but the peer acknowledged it (see
	// settleLostFINs): FIN and FINAcked are then both that acknowledgment, the time by
	// which the FIN had been sent, and FINs stays 0 (it counts captured FINs). (Next to
	// RSTHasAck, in padding the Side has anyway.)
	FINUnseen bool
	// KeepAliveAnswersLost counts, of this side's last keepalive probes, those whose
	// peer's answer is in the capture but never reached this side: its next probe or
	// its RST still echoed an older timestamp (RFC 7323 TSecr). The answers were lost
	// between the capture point and this side. (Saturates; in the same padding.)
	KeepAliveAnswersLost uint8
	kaAnswerPending      bool
	// headSeq is where the oldest resent data of this run of retransmissions starts
	// (see headRetransAt).
	headSeq uint32

	// Wireshark's tcp.analysis notions, counted.
	Retransmissions int
	OutOfOrder      int
	KeepAlives      int
	KeepAliveACKs   int
	ZeroWindows     int
	// (Two int32, so that runSince fits in Side's allocation.)
	ZeroWindowProbes int32
	WindowFull       int32
	DupAcks          int
	FirstRetrans     Mark
	LastRetrans      Mark
	RetransGap       time.Duration // gap between the last two resends of the oldest unacknowledged data
	RetransRun       int           // retransmissions since the peer last acknowledged new data
	FirstKeepAlive   Mark
	LastKeepAlive    Mark
	KeepAliveUnacked int // keepalive probes since the peer last answered anything
	LastKeepAliveGap time.Duration
	UnackedDataSince Mark // first data segment the peer has not yet acknowledged (zero when all is acked)
	ICMPErrors       int  // ICMP errors about segments this side sent
	ICMP             Mark
	ICMPType         uint8
	ICMPCode         uint8
	ICMPv6           bool
	// SpuriousRun counts the retransmissions of this run that resent only data the
	// peer had acknowledged in the capture (Wireshark's spurious retransmissions): a
	// sender that got the acknowledgment would not resend, so past the first (which
	// may have crossed it) they say the acknowledgments were lost between the capture
	// point and this side (see AcksLost). (Saturates; in the padding after ICMPv6.)
	SpuriousRun uint8
	// kaIdleMs is the silence before the first keepalive probe of this side's run, in
	// milliseconds: its keepalive time. Without TCP timestamps, a probe that follows an
	// answered one by clearly less shows the answer never arrived (an answered probe is
	// followed by the keepalive time of silence, an unanswered one by the interval).
	// (In the padding before ICMPFrom.)
	kaIdleMs          uint32
	ICMPFrom          netip.Addr // who sent the first ICMP error
	lastDupAckValue   uint32
	lastPureAckWindow uint16
	// nextSeqAt is when NextSeq last advanced (Unix ns): Wireshark's nextseqtime, from
	// which it tells an out-of-order segment from a retransmission. dupRun is how many
	// duplicate ACKs this side has sent in a row: the peer's segment at the acknowledged
	// point within 20 ms of the last of two is a fast retransmission, not out of order
	// (Wireshark's dupacknum; its lastacktime is this side's Last, as every packet but
	// a SYN and a bare RST carries an ACK). (dupRun first: it fits in the padding after
	// lastPureAckWindow.)
	dupRun uint8
	// KeepAliveLostByTiming says KeepAliveAnswersLost was read from the probes' timing,
	// the flow having no TCP timestamps (see keepAliveAnswerReached). (Beside dupRun, in
	// its padding.)
	KeepAliveLostByTiming bool
	nextSeqAt             int64
	// headRetransAt is when the oldest unacknowledged data was last resent in this run
	// of retransmissions (0 before its first): RetransGap is measured from it.
	headRetransAt int64
	// runSince is when this run of retransmissions began: the first resend since the
	// peer last acknowledged new data (0 before it). See RetransRunSince.
	runSince int64
}

// Flow is one TCP connection as rebuilt from the capture: the client sent the first SYN
// (or, midstream, is inferred).
type Flow struct {
	ID             int // 1-based, in order of each flow's first packet
	Client, Server netip.AddrPort
	Midstream      bool // no SYN seen: the capture started mid-connection
	// startSeen says a midstream flow's capture began between the client's SYN and the
	// server's SYN-ACK, and the client's first packet starts where the SYN-ACK
	// acknowledged: both byte streams are held from their start (see FromStart). (In
	// the padding after Midstream.)
	startSeen bool
	// Tunnel is the tunnel the flow's segments came in, from the first that came in
	// one (0: none seen; with tcpdump -i any a segment may come bare on the tunnel
	// device and its copy, dropped, inside the tunnel). (In the same padding.)
	Tunnel Tunnel
	// rolesByListener says a SYN-ACK one side sent on another connection named the
	// server of this flow begun mid-connection (RolesFromListeners). (In the same
	// padding.)
	rolesByListener bool
	// peerLost says the connection ended by the RST its own client sent from SYN-SENT
	// (see held.go): a new SYN from it on this tuple drew the other side's challenge
	// ACK, so it had lost this connection without closing it. (In the same padding.)
	peerLost bool
	// probesUnseen counts, for each side, the keepalive probes the capture lost and
	// the peer's answers to them stand in for (see answersLostProbe; saturates). (In
	// the same padding.)
	probesUnseen [2]uint8

	First, Last Mark // first and last packet; Mark.File says which input

	Sides [2]Side // indexed by Direction

	// Handshake: the client's ACK of the server's SYN-ACK (zero when never seen).
	Established Mark
	// Packets is the number of TCP segments (and ICMP errors) in the flow.
	Packets int
	// LastActive is the last packet that was not a keepalive probe or its answer.
	LastActive Mark
	// RST describes the moments before the flow's first RST (zero Packet when none).
	RST RSTContext
	// Replaced is the SYN that reused the tuple for a new connection (zero when none);
	// TupleReused says the tuple carried another connection before or after this one.
	Replaced    Mark
	TupleReused bool
	// newDataGap is the silence, in microseconds, before the flow's last packet with new
	// payload or a new FIN (see Table.track's lastGap). (Saturates at 71 minutes; in
	// the padding after TupleReused.)
	newDataGap uint32
	// EndAt is the end of observation the table handed the flow over with, in Unix
	// nanoseconds (End gives the time): the capture's end, the moment an ended
	// connection's grace ran out, the SYN that replaced it, or the moment it was evicted.
	EndAt int64
	// FinishedEarly says the table handed the flow over before the capture's end (it
	// ended, or was evicted): a later connection may still reuse its tuple.
	FinishedEarly bool
	// Evicted says the table dropped the flow while it was still open, to stay within
	// its --max-flows bound: its verdict describes it as of that moment.
	Evicted bool
	// Seq is the position of the flow's first packet in the input, set by whoever feeds
	// the table (see Table.OnNew), and DueAt the deadline the flow waited for when its end
	// handed it over. When several tables each track a share of the tuples, these put
	// their flows back in the order one table would have handed them over. DueAt is
	// in Unix nanoseconds, as the table's clock.
	Seq   int64
	DueAt int64

	// Ladder keeps a bounded selection of the flow's packets for the report: the first,
	// the last, and the ones verdicts rest on.
	Ladder Ladder

	// App is where the application layer keeps its per-flow state (nil when off).
	App any

	Zeek zeekconn.Conn

	lruPrev, lruNext *Flow
	lastStep         Step // the previous packet, kept when a silence follows it
	lastGap          time.Duration
	key              tupleKey
	// Small fields together, so the struct stays in a smaller allocation size class.
	pendingAt   int32 // index in Table.pending while queued
	order       int32 // creation order within its table: ties in the pending heap
	lastFrom    Direction
	lastHadData bool
	// spuriousLate says, for each side, that its current run of retransmissions began
	// with a spurious one sent more than a round trip after the peer's last packet (see
	// AcksLost).
	spuriousLate [2]bool
	queued       bool
	finished     bool
	firstFromA   bool // the first packet's sender is the client (for Zeek's originator)
	closed       bool // both FINs or an RST: a new SYN on the tuple starts a new flow
}

// RSTContext is what happened just before a flow's first RST, so the analyzer can tell an
// abort after a silence from an RST answering data sent to a socket that is gone.
type RSTContext struct {
	From     Direction // who sent the RST
	Packet   Mark      // the RST itself
	Prev     Mark      // the packet before it (zero when the RST was first)
	PrevFrom Direction
	PrevData bool // the packet before carried payload or a FIN
	// PrevGap is the silence before that previous packet or, when it resent data just
	// sent with nothing from the peer between, before the first send of it.
	PrevGap time.Duration
	Gap     time.Duration // from the previous packet to the RST
	// SinceActive is the time from the last packet that was not a keepalive probe or
	// its answer to the RST.
	SinceActive time.Duration
	BeforeFIN   [2]bool // whether each side had sent a FIN before the RST
}

// SYNTimes appends to b the times the side's first SYNs (or SYN-ACKs) were sent, up to
// maxSYNTimes of them.
func (s *Side) SYNTimes(b []time.Time) []time.Time {
	for _, d := range s.SYNAfter[:min(s.SYNs, maxSYNTimes)] {
		b = append(b, s.FirstSYN.Time().Add(d))
	}
	return b
}

// FINMayBeLost says the side sent no FIN the capture holds, but the capture lost what
// it sent last: its latest segment starts past all the capture holds of it, and it
// first did once the peer had closed (its FIN captured, or acknowledged by that
// segment: one the capture lost too). A FIN is a side's last sequence number, so it
// may be among those lost. Sequence numbers lost in the middle of the exchange, before
// the peer's FIN, are taken for data: a side that closed then would have had the
// peer's FIN long before.
func (s *Side) FINMayBeLost() bool { return s.FIN.IsZero() && s.seqAhead > 0 && !s.aheadEarly }

// RetransRunSince is when the side's current run of retransmissions (RetransRun) began:
// its first resend since the peer last acknowledged new data (zero when none). From
// then to the end, nothing it sent was acknowledged: how long its loss recovery has
// gone without progress.
func (s *Side) RetransRunSince() time.Time {
	if s.runSince == 0 {
		return time.Time{}
	}
	return time.Unix(0, s.runSince)
}

// LostAhead is how many sequence numbers past all the capture holds of this side its
// latest segment without sequence space (an ACK) started: bytes, or a FIN, it had sent
// that the capture lost. 0 when its captured segments reach that far.
func (s *Side) LostAhead() int { return int(s.seqAhead) }

// LastNewData is when the side last sent payload it had not sent before (zero when it
// sent none): what an application's idle timer counts from, as resends of the same
// bytes are its kernel's, not its own. (LastData counts the resends.)
func (s *Side) LastNewData() time.Time {
	if at := s.lastNewAt(); at != 0 {
		return time.Unix(0, at).UTC()
	}
	return time.Time{}
}

// lastNewAt is LastNewData in Unix nanoseconds, 0 when the side sent no payload.
func (s *Side) lastNewAt() int64 {
	if s.LastData.IsZero() {
		return 0
	}
	return s.LastData.At - int64(s.resentFor)*int64(time.Microsecond)
}

// sentLatestNew says side d sent the flow's latest new payload, with no FIN from its
// peer since: what d resends now is what it last sent new, and nothing new came between.
func (f *Flow) sentLatestNew(d Direction) bool {
	first := f.Side(d).lastNewAt()
	p := f.Side(d.Other())
	return first != 0 && p.lastNewAt() <= first && (p.FIN.IsZero() || p.FIN.At <= first)
}

// AcksLost says side d's current run of retransmissions resent data its peer had
// acknowledged in the capture, in a way that shows the acknowledgments never reached
// it (lost between the capture point and the side): more than once, or once, more than
// a round trip after the peer's last packet, with its next resend still to come when
// the flow's observation ended. A single resend soon after the acknowledgment may
// merely have crossed it on the way; one not followed by another when it was due shows
// a later acknowledgment (a duplicate) got through: one lost packet, no lasting loss.
func (f *Flow) AcksLost(d Direction) bool {
	s := &f.Sides[d]
	switch {
	case s.SpuriousRun >= 2:
		return true
	case s.SpuriousRun == 1 && f.spuriousLate[d]:
		return time.Duration(f.EndAt-s.LastRetrans.At) <= NextRetryWithin(s.RetransGap)
	}
	return false
}

// AckedData reports whether this side acknowledged any byte of data from peer p (past
// p's SYN, when p's ISN is known).
func (s *Side) AckedData(p *Side) bool {
	return s.HaveAck && p.HaveISN && seqAfter(s.MaxAck, p.ISN+1)
}

// UnseenBytes is how many bytes side d sent that the capture never saw (capture loss:
// tcpdump's "dropped by kernel"), counted from the handshake: from d's SYN, or, for a
// server whose SYN-ACK the capture lost, from the client's ACK of it; without either
// (a flow begun mid-connection), from d's first segment in the capture, whatever d sent
// before it unknown. Two things show them: the peer's acknowledgments, and d's own
// sequence numbers, which run past the bytes captured when a later segment of d's
// starts beyond them. acked says the peer's acknowledgments show them all. 0 when the
// capture holds nothing of d's.
func (f *Flow) UnseenBytes(d Direction) (n int64, acked bool) {
	s, p := &f.Sides[d], &f.Sides[d.Other()]
	if !s.HaveISN {
		return 0, false
	}
	// Past the SYN, up to where d's latest segment started, less a captured FIN's
	// number (a FIN the capture lost is no byte either, but nothing tells it apart).
	sent := int64(int32(s.NextSeq+uint32(s.seqAhead)-(s.ISN+1))) - s.PayloadBytes
	if !s.FIN.IsZero() && !s.FINUnseen {
		sent--
	}
	var byAck int64
	if p.HaveAck {
		byAck = int64(int32(p.MaxAck-(s.ISN+1))) - s.PayloadBytes
		if !s.FIN.IsZero() && !seqAfter(s.FINSeq+1, p.MaxAck) {
			byAck-- // the FIN's sequence number, no byte
		}
	}
	n = max(sent, byAck, 0)
	return n, n > 0 && byAck >= n
}

// probeFirst moves the side's sequence numbers one on: its first packet in a capture
// begun mid-connection was a keepalive probe, one below its next sequence number (see
// Table.track). Where it has sent nothing since, its first number moves too, so that
// the probe's is no byte of its (UnseenBytes, AckedData): the report numbers the probes
// 0 and their answers' ACK 1, the side's next byte, as tshark does where the peer's ACK
// came first (where the probe did, tshark takes its answer for the ACK of a byte it
// never saw: "ACKed unseen segment").
func (s *Side) probeFirst() {
	if s.SYNs == 0 && s.NextSeq == s.ISN+1 {
		s.ISN++
	}
	s.NextSeq++
}

// settleLostFINs gives each side whose FIN the capture lost the FIN its peer
// acknowledged, once the flow is over. Capture loss (tcpdump's "dropped by kernel") takes
// any packet; when it takes a FIN, the peer's ACK still covers the FIN's sequence
// number, one past everything the side sent (RFC 9293 3.4: a FIN occupies one). Without
// it the flow reads as a side that never closed (CLOSE_WAIT, a leak) when both did.
// Only an acknowledgment of exactly one past the side's last captured byte counts, and
// only if that side sent nothing further (a FIN is its last sequence number): a gap of
// more is lost data, which UnseenBytes counts.
func (f *Flow) settleLostFINs() {
	for d := range f.Sides {
		s, p := &f.Sides[d], &f.Sides[1-d]
		switch {
		case !s.FIN.IsZero():
		case lostFIN(s, p):
			s.FIN, s.FINSeq, s.FINUnseen = s.FINAcked, s.NextSeq, true
			if !p.FIN.IsZero() && p.FIN != s.FIN && p.FINAcked.IsZero() && p.FINs == 1 && !s.FIN.Time().Before(p.FIN.Time()) {
				// The peer's FIN came first and, never sent again, was acknowledged by
				// nothing the capture holds: by the lost segment, as a FIN carries an ACK.
				// (When the peer's FIN is the ACK that stands in, the lost FIN came
				// before it and acknowledged nothing of it.)
				p.FINAcked = s.FIN
			}
		default: // no FIN, or the side went on past the acknowledgment
			s.FINAcked, s.FINIdle = Mark{}, 0
		}
	}
}

// lostFIN reports whether side s, of which no FIN was captured, sent one that its peer
// p acknowledged (as settleLostFINs finds it).
func lostFIN(s, p *Side) bool {
	return s.FIN.IsZero() && !s.FINAcked.IsZero() && p.HaveAck && p.MaxAck == s.NextSeq+1
}

// FirstFIN is the side whose FIN came first (NoDirection when neither sent one): by
// time, then frame. A FIN the capture lost stands at its peer's ACK of it: when that ACK
// is the peer's own FIN, the lost FIN came first.
func (f *Flow) FirstFIN() Direction {
	c, s := &f.Sides[FromClient], &f.Sides[FromServer]
	switch {
	case c.FIN.IsZero() && s.FIN.IsZero():
		return NoDirection
	case c.FIN.IsZero():
		return FromServer
	case s.FIN.IsZero():
		return FromClient
	case c.FIN == s.FIN:
		if s.FINUnseen {
			return FromServer
		}
		return FromClient
	case s.FIN.Time().Before(c.FIN.Time()) || s.FIN.Time().Equal(c.FIN.Time()) && s.FIN.Frame < c.FIN.Frame:
		return FromServer
	}
	return FromClient
}

// finSent reports whether side s has closed: a FIN captured, or one the capture lost.
func finSent(s, p *Side) bool { return !s.FIN.IsZero() || lostFIN(s, p) }

// ProbesUnseen is how many of side d's keepalive probes the capture lost, counted from
// the peer's answers to them (they are not among its KeepAlives, nor the answers among
// the peer's KeepAliveACKs: those count what Wireshark marks).
func (f *Flow) ProbesUnseen(d Direction) int { return int(f.probesUnseen[d]) }

// Side returns the half of the flow sent by d.
func (f *Flow) Side(d Direction) *Side { return &f.Sides[d] }

// OneSided names the side none of whose packets were captured although the other
// side's acknowledgments prove it sent some (a capture filter, asymmetric routing, a
// one-way mirror), or NoDirection when both were captured or nothing proves otherwise.
func (f *Flow) OneSided() Direction {
	for _, d := range []Direction{FromClient, FromServer} {
		seen, other := &f.Sides[d], &f.Sides[d.Other()]
		if seen.Packets == 0 && seen.ICMPErrors == 0 && other.AckAdvances > 0 {
			return d
		}
	}
	return NoDirection
}

// firstRTT is the flow's first round trip in nanoseconds, from the client's last SYN to
// the handshake's last ACK, as Wireshark takes it (its ts_first_rtt); ok is false
// before the handshake is seen.
func (f *Flow) firstRTT() (rtt int64, ok bool) {
	if c := &f.Sides[FromClient]; !f.Established.IsZero() && c.SYNs > 0 {
		if rtt := f.Established.At - c.LastSYN.At; rtt > 0 {
			return rtt, true
		}
	}
	return 0, false
}

// reorderWindow is how soon after a side's furthest segment another that is not new
// counts as out of order rather than retransmitted: the flow's first round trip, or 3 ms
// (Wireshark's default) before the handshake is seen.
func (f *Flow) reorderWindow() int64 {
	if rtt, ok := f.firstRTT(); ok {
		return rtt
	}
	return int64(3 * time.Millisecond)
}

// crossingWindow is how long after one side's packet (in the capture) the other side's
// may still have been sent before that packet reached it, in nanoseconds: two first
// round trips, at least 20 ms; 500 ms when the capture has no handshake to measure one
// from (a long path's round trip, with room).
func (f *Flow) crossingWindow() int64 {
	if rtt, ok := f.firstRTT(); ok {
		return max(2*rtt, int64(20*time.Millisecond))
	}
	return int64(500 * time.Millisecond)
}

// sinceActive is the silence before t: since the last packet that was not a keepalive,
// zero when t is the flow's first packet.
func (f *Flow) sinceActive(t time.Time) time.Duration {
	if f.LastActive.IsZero() {
		return 0
	}
	return t.Sub(f.LastActive.Time())
}

// End is the end of observation the table handed the flow over with (see EndAt).
func (f *Flow) End() time.Time { return time.Unix(0, f.EndAt).UTC() }

// Duration is the time from the first packet to the last.
func (f *Flow) Duration() time.Duration { return f.Last.Sub(f.First) }

// HandshakeDone reports whether the connection got established: the three-way handshake
// completed, or the capture started midway through an established connection.
func (f *Flow) HandshakeDone() bool {
	if !f.Established.IsZero() {
		return true
	}
	if f.Midstream && f.Sides[FromClient].SYNs == 0 && f.Sides[FromServer].SYNs == 0 {
		// Without a handshake in the capture, the connection was there before the
		// capture started: its packets (even a lone RST) belong to an established one.
		return true
	}
	return false
}
