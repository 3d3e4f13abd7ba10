// Package zeekconn computes, for one TCP connection, what Zeek's conn.log
// would say about it: the conn_state (SF, S0, REJ, ...) and the history
// string (ShADadFf, ...).
//
// It is a port, reduced to what those two columns need, of Zeek's TCP
// analysis (zeek/zeek, the 9.x tree used for the baselines in
// /work/shared/captures/public):
//
//   - src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc: Process(),
//     init_endpoint(), get_relative_seq(), update_history(), update_window(),
//     init_peer(), update_ack_seq(), update_last_seq(), UpdateStateMachine()
//     and its UpdateInactiveState/UpdateSYN_SentState/UpdateEstablishedState/
//     UpdateClosedState/UpdateResetState, ConnectionClosed(), IsReuse(),
//     AttemptTimer(), SetPartialStatus(), FlipRoles();
//   - src/analyzer/protocol/tcp/TCP_Endpoint.cc: SetState(), Size(),
//     CheckHistory(), DidRxmit(), ZeroWindow(), Gap();
//   - src/analyzer/protocol/tcp/TCP_Reassembler.cc: AckReceived(),
//     Undelivered(), Gap() (content gaps, approximated without buffering);
//   - src/Conn.cc / Conn.h / session/Session.h: CheckHistory(),
//     ScaledHistoryEntry(), FlipRoles(), DeleteTimer(), InactivityTimer();
//   - src/packet_analysis/protocol/tcp/TCP.cc: WantConnection() (the
//     likely_server_ports role flip); ip/IPBasedAnalyzer.cc: the lookup /
//     IsReuse / NewConn sequence;
//   - scripts/base/protocols/conn/main.zeek: conn_state().
//
// Zeek may log several conn.log rows for one 5-tuple: a new SYN after a close
// (IsReuse), a connection removed by a timer (tcp_attempt_delay for
// unanswered SYNs, tcp_close_delay after a close, the inactivity timeout)
// and then seen again. Conn follows those rules: when a packet would start a
// new Zeek connection, Conn forgets the old one and starts again, so
// ConnState and History always describe the latest row; Rows counts them and
// StartsNew tells a caller, before Add, that a row is about to end.
//
// Not modelled: checksum verification (Zeek drops bad-checksum packets unless
// -C; we never verify, so never emit 'C'), the reassembler's deferral of a
// close while data is pending, timers that only run with script handlers
// (connection_partial_close, connection_reset), and the inconsistent-packet
// letters of the application analyzers. Content gaps are derived from
// sequence and acknowledgement numbers with one out-of-order range per
// direction instead of Zeek's full block list. The flip of a connection that
// began with a SYN-ACK once an ACK or data follows (zeek/zeek#2191) is
// rebuilt from that pull request's description and the btest baselines
// (flip-without-syn, conn-size-flip), its code not being in the stored tree.
package zeekconn

import (
	"time"
)

// TCP header flag bits, as in the TCP header.
const (
	flagFIN = 1 << 0
	flagSYN = 1 << 1
	flagRST = 1 << 2
	flagPSH = 1 << 3
	flagACK = 1 << 4
)

// Packet is what the tracker needs of one TCP segment. Flags use the TCP header bit
// layout (FIN=1, SYN=2, RST=4, PSH=8, ACK=16, URG=32, ECE=64, CWR=128).
type Packet struct {
	FromA    bool // sent by endpoint A, the sender of the flow's first packet
	Time     time.Time
	Flags    uint16
	Seq, Ack uint32
	Len      int // TCP payload length (from the IP header)
	Window   uint16

	// Truncated says the payload was not fully captured (snaplen). Zeek's
	// reassembler skips such payload (TCP_Endpoint::DataSent: caplen < len),
	// so the peer's acks for it later count as content gaps ('G'/'g').
	// The zero value (complete payload) is the common case.
	Truncated bool
}

// Endpoint states, numbered as Zeek's EndpointState (TCP_Endpoint.h) and the
// script-level TCP_INACTIVE ... TCP_RESET constants.
type epState uint8

const (
	stInactive    epState = 0
	stSynSent     epState = 1
	stSynAckSent  epState = 2
	stPartial     epState = 3
	stEstablished epState = 4
	stClosed      epState = 5
	stReset       epState = 6
)

// Zeek's timing constants (scripts/base/init-bare.zeek defaults).
const (
	tcpAttemptDelay      = int64(5 * time.Second) // tcp_attempt_delay
	tcpCloseDelay        = int64(5 * time.Second) // tcp_close_delay
	tcpSYNTimeout        = int64(5 * time.Second) // tcp_SYN_timeout (first ExpireTimer)
	tcpSessionTimer      = int64(6 * time.Second) // tcp_session_timer (ExpireTimer period)
	tcpConnectionLinger  = int64(5 * time.Second) // tcp_connection_linger
	udpInactivityTimeout = int64(1 * time.Minute) // udp_inactivity_timeout (set by TCPAnalyzer::MakeSessionAdapter)
	tcpInactivityTimeout = int64(5 * time.Minute) // tcp_inactivity_timeout (once past the handshake)
	tooLargeSeqDelta     = 1048576                // TOO_LARGE_SEQ_DELTA
)

// History masks (TCP_Endpoint::HistoryMasks); shifted by 16 for the responder.
const (
	histSYN      = 0x1
	histFIN      = 0x2
	histRST      = 0x4
	histFINRST   = 0x8
	histData     = 0x10
	histACK      = 0x20
	histMultiFlg = 0x40
)

// endpoint is the part of Zeek's TCP_Endpoint (plus its reassembler) that the
// history and the state need. Sequence fields mirror Zeek's; relative
// sequence numbers are 64-bit as in Zeek, the hist_last_* copies are kept to
// 32 bits (they are only compared for equality).
type endpoint struct {
	startSeq, lastSeq, ackSeq uint32
	seqWraps, ackWraps        uint16
	state, prevState          epState
	finCnt                    uint8 // saturating; Zeek only tests > 0
	didClose                  bool

	histLastSYN, histLastFIN, histLastRST uint32

	finSeq uint64 // relative sequence just past the FIN

	// Reassembler approximation: reassem is last_reassem_seq (everything
	// below was seen or declared a gap); [blkLo, blkHi) is data seen above
	// a hole (blkHi == 0: none).
	reassem, blkLo, blkHi uint64

	rxmt, win0, gaps uint32 // counters for the logarithmic T, W, G letters
}

const histCap = 30

// Conn tracks one TCP 5-tuple the way Zeek does. The zero value is ready to
// use. It is not safe for concurrent use.
type Conn struct {
	ep [2]endpoint // index 0 is endpoint A, 1 is endpoint B

	startNS, lastNS int64    // Connection start_time / last_time
	attemptNS       int64    // pending AttemptTimer (0: none)
	deleteNS        int64    // pending ConnDeleteTimer after a complete close (0: none)
	expireNS        [2]int64 // next ExpireTimer of the two possible chains (0: none)

	histSeen uint32
	hist     [histCap]byte
	histLen  uint8
	bits     uint16
	rows     uint16

	portA, portB uint16

	// earlier are the rows Zeek logged before the current one on this tuple (a restart
	// after a timer or a reuse), oldest first, at most maxEarlier.
	earlier []Row
}

// Row is one conn.log row's state and history.
type Row struct {
	ConnState string `json:"conn_state"`
	History   string `json:"history"`
}

// maxEarlier bounds the earlier rows a Conn remembers.
const maxEarlier = 8

// EarlierRows are the conn.log rows Zeek would have written on this tuple before the
// current one (ConnState and History describe the current one), oldest first.
func (c *Conn) EarlierRows() []Row { return c.earlier }

// bits
const (
	bStarted      = 1 << iota
	bOrigIsB      // Zeek's originator is endpoint B
	bInactive     // TCPSessionAdapter::is_active == 0
	bPartial      // TCPSessionAdapter::is_partial
	bSeenOrig     // first_packet_seen & ORIG
	bSeenResp     // first_packet_seen & RESP
	bLongInact    // inactivity timeout is tcp_inactivity_timeout
	bPortsSet     // SetPorts was called
	bHistOverflow // history longer than histCap
)

func (c *Conn) has(b uint16) bool { return c.bits&b != 0 }
func (c *Conn) set(b uint16, on bool) {
	if on {
		c.bits |= b
	} else {
		c.bits &^= b
	}
}

// SetPorts gives the TCP ports of endpoints A and B. It enables Zeek's
// likely_server_ports heuristic (TCPAnalyzer::WantConnection): a connection
// whose first packet is not a bare SYN is flipped when the sender's port is a
// well-known server port. Call it before the first Add; without it that
// heuristic is skipped (the SYN-ACK-then-ACK flip still applies).
func (c *Conn) SetPorts(portA, portB uint16) {
	c.portA, c.portB = portA, portB
	c.bits |= bPortsSet
}

// OrigIsA reports whether Zeek's originator of the current connection is
// endpoint A (false after a role flip, or when the current Zeek connection
// began with a packet from B).
func (c *Conn) OrigIsA() bool { return !c.has(bOrigIsB) }

// Rows is the number of conn.log rows Zeek would have written for the
// packets added so far (0 before the first packet).
func (c *Conn) Rows() int { return int(c.rows) }

// History returns Zeek's history string of the current connection.
func (c *Conn) History() string {
	return string(c.hist[:c.histLen])
}

// StartsNew reports whether Zeek would log the connection tracked so far
// and start a new one with p: a timer removed it before p arrived
// (tcp_attempt_delay for an unanswered SYN, tcp_close_delay after a close,
// the inactivity timeout), or p is a SYN reusing the tuple (IsReuse). It is
// false before the first packet. Add makes the same decision by itself.
func (c *Conn) StartsNew(p Packet) bool {
	if !c.has(bStarted) {
		return false
	}
	t := p.Time.UnixNano()
	return c.removedBefore(t) || c.isReuse(p)
}

// Add feeds the next packet of the 5-tuple, in capture order.
func (c *Conn) Add(p Packet) {
	if p.Len < 0 {
		p.Len = 0
	}
	t := p.Time.UnixNano()
	if c.has(bStarted) {
		if c.removedBefore(t) || c.isReuse(p) {
			c.restart()
		} else {
			if c.attemptNS != 0 && t >= c.attemptNS {
				c.attemptNS = 0 // AttemptTimer ran and found the connection answered
			}
			for k, h := range c.expireNS {
				if h != 0 && t >= h {
					if c.has(bInactive) {
						c.expireNS[k] = 0 // ExpireTimer stops once !is_active
					} else {
						c.expireNS[k] = lastTick(h, t) + tcpSessionTimer
					}
				}
			}
		}
	}
	if !c.has(bStarted) {
		c.start(p, t)
	}
	c.process(p, t)
}

func (c *Conn) restart() {
	earlier := c.earlier
	if len(earlier) < maxEarlier {
		// Rare (a timer or a reuse ended Zeek's connection): the allocation is fine.
		earlier = append(earlier, Row{c.ConnState(), c.History()})
	}
	rows, pa, pb, ports := c.rows, c.portA, c.portB, c.bits&bPortsSet
	*c = Conn{}
	c.rows, c.portA, c.portB, c.bits, c.earlier = rows, pa, pb, ports, earlier
}

// origIdx is the index of Zeek's originator endpoint.
func (c *Conn) origIdx() int {
	if c.has(bOrigIsB) {
		return 1
	}
	return 0
}

func (c *Conn) isOrig(i int) bool { return i == c.origIdx() }

// removedBefore reports whether one of Zeek's timers removed the connection
// before time t (timers are dispatched before the packet that advances
// network time past them).
func (c *Conn) removedBefore(t int64) bool {
	// TCPSessionAdapter::ConnDeleteTimer/DeleteTimer, scheduled by
	// ConnectionClosed() at LastTime() + tcp_close_delay once the close is
	// complete.
	if c.deleteNS != 0 && t >= c.deleteNS {
		return true
	}
	// TCPSessionAdapter::AttemptTimer: still an unanswered attempt after
	// tcp_attempt_delay.
	if c.attemptNS != 0 && t >= c.attemptNS && !c.has(bInactive) {
		o, r := &c.ep[c.origIdx()], &c.ep[1-c.origIdx()]
		if (o.state == stSynSent || o.state == stSynAckSent) && r.state == stInactive {
			return true
		}
	}
	// TCPSessionAdapter::ExpireTimer.
	for _, h := range c.expireNS {
		if h != 0 && t >= h && c.expireRemoves(lastTick(h, t)) {
			return true
		}
	}
	// Connection::InactivityTimer.
	timeout := udpInactivityTimeout
	if c.has(bLongInact) {
		timeout = tcpInactivityTimeout
	}
	return t-c.lastNS >= timeout
}

// lastTick is the last run, at or before t, of an ExpireTimer chain whose
// next run is h (it reschedules itself every tcp_session_timer).
func lastTick(h, t int64) int64 {
	return h + (t-h)/tcpSessionTimer*tcpSessionTimer
}

// expireRemoves is the test in TCPSessionAdapter::ExpireTimer: after
// tcp_connection_linger of silence, a connection that is closed on one side
// and finished, reset or one-sided on the other is removed, and so is one
// where neither side did anything. The state cannot change between packets,
// so the test at the last tick before a packet decides.
func (c *Conn) expireRemoves(tick int64) bool {
	if c.has(bInactive) || c.lastNS+tcpConnectionLinger >= tick {
		return false
	}
	o, r := &c.ep[c.origIdx()], &c.ep[1-c.origIdx()]
	if o.didClose || r.didClose {
		if (o.didClose && r.didClose) || o.state == stReset || r.state == stReset ||
			o.state == stInactive || r.state == stInactive {
			return true
		}
	}
	return o.state == stInactive && r.state == stInactive
}

// isReuse follows TCPSessionAdapter::IsReuse: a SYN starts a new connection
// on a closed tuple, or on an open one when its sequence number is not the
// originator's initial one.
func (c *Conn) isReuse(p Packet) bool {
	if p.Flags&flagSYN == 0 {
		return false
	}
	oi := c.origIdx()
	o, r := &c.ep[oi], &c.ep[1-oi]
	connOrig := o
	if p.Flags&flagACK != 0 {
		if o.state != stInactive {
			return false // not a half connection
		}
		connOrig = r
	}
	if !o.didClose && !r.didClose { // ! IsClosed()
		if p.Seq == connOrig.startSeq {
			return false
		}
		if p.Flags&flagACK == 0 && connOrig.state == stSynAckSent &&
			r.state == stInactive && p.Seq == r.startSeq {
			return false // SYN/SYN-ACK reversal, handled by UpdateInactiveState
		}
	}
	return true
}

// start begins a new Zeek connection with p (IPBasedAnalyzer::NewConn).
func (c *Conn) start(p Packet, t int64) {
	c.bits |= bStarted
	c.rows++
	c.startNS, c.lastNS = t, t
	c.expireNS[0] = t + tcpSYNTimeout       // TCPSessionAdapter constructor
	c.ep[0].reassem, c.ep[1].reassem = 1, 1 // Reassembler(1, ...)
	if !p.FromA {
		c.bits |= bOrigIsB
	}
	// TCPAnalyzer::WantConnection: a connection starting without a SYN, or
	// with a SYN-ACK, is flipped when the source port is a likely server
	// port (if both are, only for non-SYN packets with src port < dst port).
	if c.has(bPortsSet) && (p.Flags&flagSYN == 0 || p.Flags&flagACK != 0) {
		src, dst := c.portA, c.portB
		if !p.FromA {
			src, dst = dst, src
		}
		flip := false
		if LikelyServerPort(src) {
			if LikelyServerPort(dst) {
				flip = p.Flags&flagSYN == 0 && src < dst
			} else {
				flip = true
			}
		}
		if flip {
			c.flipRoles()
		}
	}
}

// flipRoles is Connection::FlipRoles + TCPSessionAdapter::FlipRoles: the
// endpoints swap roles, first_packet_seen is swapped, is_partial is reset and
// '^' is appended to the history. hist_seen is not touched (as in Zeek).
func (c *Conn) flipRoles() {
	c.bits ^= bOrigIsB
	so, sr := c.has(bSeenOrig), c.has(bSeenResp)
	c.set(bSeenOrig, sr)
	c.set(bSeenResp, so)
	c.set(bPartial, false)
	c.addHistory('^')
}

// flipAfterSynAck implements the flip added by zeek/zeek#2191: a connection
// whose first packet was a SYN-ACK (so its "originator" is in SYN_ACK_SENT
// and the responder silent) is flipped as soon as an ACK or data segment
// follows, in either direction, since a stealth scan would not produce one.
// The history recorded so far changes case and gets the '^' in front (the
// baselines show "^h..." for such connections); the SYN-ACK sender becomes
// an established responder.
func (c *Conn) flipAfterSynAck() {
	oi := c.origIdx()
	c.bits ^= bOrigIsB
	so, sr := c.has(bSeenOrig), c.has(bSeenResp)
	c.set(bSeenOrig, sr)
	c.set(bSeenResp, so)
	c.set(bPartial, false)
	c.histSeen = c.histSeen>>16 | c.histSeen<<16
	n := int(c.histLen)
	if n == histCap {
		n--
		c.bits |= bHistOverflow
	}
	copy(c.hist[1:n+1], c.hist[:n])
	c.hist[0] = '^'
	for i := 1; i <= n; i++ {
		b := c.hist[i]
		switch {
		case b >= 'a' && b <= 'z':
			c.hist[i] = b - 'a' + 'A'
		case b >= 'A' && b <= 'Z':
			c.hist[i] = b - 'A' + 'a'
		}
	}
	c.histLen = uint8(n + 1)
	c.setState(oi, stEstablished) // the former originator, now responder
}

func (c *Conn) addHistory(b byte) {
	if int(c.histLen) >= histCap {
		c.bits |= bHistOverflow
		return
	}
	c.hist[c.histLen] = b
	c.histLen++
}

func lower(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b - 'A' + 'a'
	}
	return b
}

// checkHistory is TCP_Endpoint::CheckHistory + Connection::CheckHistory:
// records code the first time mask is seen for this side and returns true if
// it had been seen already.
func (c *Conn) checkHistory(i int, mask uint32, code byte) bool {
	if !c.isOrig(i) {
		mask <<= 16
		code = lower(code)
	}
	if c.histSeen&mask == 0 {
		c.histSeen |= mask
		c.addHistory(code)
		return false
	}
	return true
}

func (c *Conn) addEndpointHistory(i int, code byte) {
	if !c.isOrig(i) {
		code = lower(code)
	}
	c.addHistory(code)
}

// scaled is Connection::ScaledHistoryEntry with base 10: the letter is
// recorded at the 1st, 10th, 100th, ... occurrence.
func (c *Conn) scaled(i int, code byte, counter *uint32) {
	*counter++
	n := *counter
	for n >= 10 && n%10 == 0 {
		n /= 10
	}
	if n == 1 {
		c.addEndpointHistory(i, code)
	}
}

func seqDelta(a, b uint32) int32 { return int32(a - b) }

// setState is TCP_Endpoint::SetState, including the switch to
// tcp_inactivity_timeout when the transition finishes the handshake.
func (c *Conn) setState(i int, s epState) {
	ep, peer := &c.ep[i], &c.ep[1-i]
	if s == ep.state {
		return
	}
	if !isHandshake(s) && isHandshake(ep.state) && isHandshake(peer.state) {
		c.bits |= bLongInact
	}
	ep.prevState = ep.state
	ep.state = s
}

func isHandshake(s epState) bool {
	return s == stInactive || s == stSynSent || s == stSynAckSent
}

func (e *endpoint) updateLastSeq(seq uint32) { // TCP_Endpoint::UpdateLastSeq
	if seq < e.lastSeq && seqDelta(seq, e.lastSeq) > 0 {
		e.seqWraps++
	}
	e.lastSeq = seq
}

func (e *endpoint) updateAckSeq(seq uint32) { // TCP_Endpoint::UpdateAckSeq
	if seq < e.ackSeq && seqDelta(seq, e.ackSeq) > 0 {
		e.ackWraps++
	}
	e.ackSeq = seq
}

func (e *endpoint) toRelative(seq uint32, wraps uint16) uint64 {
	return (uint64(wraps)<<32 | uint64(seq)) - uint64(e.startSeq)
}

// relativeSeq is get_relative_seq(): the 64-bit relative sequence number, and
// whether it lies before the endpoint's start (underflow).
func (e *endpoint) relativeSeq(cur, last uint32, wraps uint16) (uint64, bool) {
	delta := seqDelta(cur, last)
	if delta < 0 {
		if wraps > 0 && cur > last {
			wraps--
		}
	} else if delta > 0 {
		if cur < last {
			wraps++
		}
	}
	if wraps == 0 {
		d := seqDelta(cur, e.startSeq)
		return uint64(int64(d)), d < 0
	}
	return e.toRelative(cur, wraps), false
}

// size is TCP_Endpoint::Size(), the payload bytes implied by sequence numbers.
func (e *endpoint) size(peer *endpoint) uint64 {
	if e.prevState == stSynSent && e.state == stReset && peer.state == stInactive && !e.noDataAcked() {
		return 0
	}
	last := uint64(e.seqWraps)<<32 | uint64(e.lastSeq)
	ack := uint64(e.ackWraps)<<32 | uint64(e.ackSeq)
	var size uint64
	if last > ack {
		size = last - uint64(e.startSeq)
	} else {
		size = ack - uint64(e.startSeq)
	}
	if size != 0 {
		size--
	}
	if e.finCnt > 0 && size != 0 {
		size--
	}
	return size
}

func (e *endpoint) noDataAcked() bool {
	ack := uint64(e.ackWraps)<<32 | uint64(e.ackSeq)
	start := uint64(e.startSeq)
	return ack == start || ack == start+1
}

// process is TCPSessionAdapter::Process for one packet.
func (c *Conn) process(p Packet, t int64) {
	syn := p.Flags&flagSYN != 0
	fin := p.Flags&flagFIN != 0
	rst := p.Flags&flagRST != 0
	ack := p.Flags&flagACK != 0

	// zeek/zeek#2191: flip a connection that began with a SYN-ACK once an
	// ACK or data segment follows.
	{
		oi := c.origIdx()
		if c.ep[oi].state == stSynAckSent && c.ep[1-oi].state == stInactive &&
			!syn && !rst && (ack || p.Len > 0) {
			c.flipAfterSynAck()
		}
	}

	i := 0
	if !p.FromA {
		i = 1
	}
	ep, peer := &c.ep[i], &c.ep[1-i]
	isOrig := c.isOrig(i)
	c.setPartialStatus(syn, ack, isOrig)

	segLen := p.Len
	if syn {
		segLen++
	}
	if fin {
		segLen++
	}
	if rst {
		segLen -= p.Len
	}
	seqOnePast := p.Seq + uint32(segLen)

	initEndpoint(ep, syn, p.Seq, seqOnePast)

	relSeq, underflow := ep.relativeSeq(p.Seq, ep.lastSeq, ep.seqWraps)

	c.updateHistory(i, syn, fin, rst, ack, relSeq, p.Len)

	// update_window(): zero windows count unless they come with/after a RST
	// or after the peer's FIN.
	if p.Window == 0 && !rst && peer.state != stClosed && ep.state != stReset {
		c.scaled(i, 'W', &ep.win0)
	}

	if !c.ep[0].didClose || !c.ep[1].didClose {
		c.lastNS = t
	}

	if fin {
		if ep.finCnt < 255 {
			ep.finCnt++
		}
		ep.finSeq = relSeq + uint64(segLen)
	}

	var relAck uint64
	if ack {
		if peer.state == stInactive {
			relAck = 1
			// init_peer(): number the peer as though its SYN was seen.
			peer.startSeq = p.Ack - 1
			peer.ackSeq = p.Ack - 1
			peer.lastSeq = p.Ack - 1
		} else {
			r, under := peer.relativeSeq(p.Ack, peer.ackSeq, peer.ackWraps)
			if under {
				relAck = 0
			} else {
				relAck = r
				if !rst { // update_ack_seq(); acks in RSTs are not trusted
					d := seqDelta(p.Ack, peer.ackSeq)
					if p.Ack == 0 && d > tooLargeSeqDelta {
						// a broken ack, not a wrap
					} else if d > 0 {
						peer.updateAckSeq(p.Ack)
					}
				}
			}
		}
	}

	c.updateLastSeq(i, seqOnePast, syn, fin, rst, p.Len)

	doClose, genEvent := c.stateMachine(i, isOrig, p, t)

	if ack {
		c.ackReceived(1-i, relAck)
	}

	// DataSent(): payload goes to the reassembler (not for RSTs, not before
	// the start of the sequence space).
	if p.Len > 0 && !rst && !underflow && !p.Truncated {
		rel := relSeq
		if syn {
			rel++
		}
		c.dataSent(i, rel, uint64(p.Len))
	}

	// CheckPIA_FirstPacket()
	if isOrig {
		c.bits |= bSeenOrig
	} else {
		c.bits |= bSeenResp
	}

	if doClose {
		c.connectionClosed(i, genEvent)
	}
}

// setPartialStatus is TCPSessionAdapter::SetPartialStatus.
func (c *Conn) setPartialStatus(syn, ack, isOrig bool) {
	if isOrig {
		if !c.has(bSeenOrig) {
			c.set(bPartial, !syn || ack)
		}
	} else if !c.has(bSeenResp) && !c.has(bPartial) {
		c.set(bPartial, !syn)
	}
}

// initEndpoint is init_endpoint().
func initEndpoint(ep *endpoint, syn bool, seq, last uint32) {
	switch ep.state {
	case stInactive:
		if syn {
			ep.ackSeq = seq
			ep.startSeq = seq
		} else {
			// A partial connection: number it as though a SYN was seen.
			ep.ackSeq = seq - 1
			ep.startSeq = seq - 1
			last = seq // but don't mark the first packet a duplicate
		}
		ep.lastSeq = last
	case stSynSent, stSynAckSent:
		if syn && seq != ep.startSeq { // SYN_seq_jump
			ep.startSeq, ep.ackSeq, ep.lastSeq = seq, seq, last
		}
	case stEstablished, stPartial:
		if syn {
			ep.startSeq, ep.ackSeq, ep.lastSeq = seq, seq, last
		}
	case stReset:
		if syn && ep.prevState == stInactive {
			// Seq numbers came from a (maybe injected) RST; re-initialize.
			ep.startSeq, ep.ackSeq, ep.lastSeq = seq, seq, last
		}
	}
}

// updateHistory is update_history().
func (c *Conn) updateHistory(i int, syn, fin, rst, ack bool, relSeq uint64, length int) {
	ep := &c.ep[i]
	n := 0
	if syn {
		n++
	}
	if fin {
		n++
	}
	if rst {
		n++
	}
	switch {
	case n > 1:
		if fin && rst {
			c.checkHistory(i, histFINRST, 'I')
		} else {
			c.checkHistory(i, histMultiFlg, 'Q')
		}
	case n == 1:
		// S/H, F and R are recorded again when the sequence number
		// differs from the last one of the same kind.
		if syn {
			code := byte('S')
			if ack {
				code = 'H'
			}
			if c.checkHistory(i, histSYN, code) && uint32(relSeq) != ep.histLastSYN {
				c.addEndpointHistory(i, code)
			}
			ep.histLastSYN = uint32(relSeq)
		}
		if fin {
			// For FINs the sequence number is at the end of the data.
			s := uint32(relSeq + uint64(length))
			if c.checkHistory(i, histFIN, 'F') && s != ep.histLastFIN {
				c.addEndpointHistory(i, 'F')
			}
			ep.histLastFIN = s
		}
		if rst {
			if c.checkHistory(i, histRST, 'R') && uint32(relSeq) != ep.histLastRST {
				c.addEndpointHistory(i, 'R')
			}
			ep.histLastRST = uint32(relSeq)
		}
	default:
		if length > 0 {
			c.checkHistory(i, histData, 'D')
		} else if ack {
			c.checkHistory(i, histACK, 'A')
		}
	}
}

// updateLastSeq is update_last_seq(), which also detects retransmissions
// (payload at or below the highest sequence already seen: 'T').
func (c *Conn) updateLastSeq(i int, last uint32, syn, fin, rst bool, length int) {
	ep := &c.ep[i]
	delta := seqDelta(last, ep.lastSeq)
	switch {
	case (syn || rst) && (delta > tooLargeSeqDelta || delta < -tooLargeSeqDelta):
		// don't trust outlandish SYN/RST sequence numbers
	case fin && ep.lastSeq == ep.startSeq+1:
		ep.updateLastSeq(last)
	case ep.state == stReset:
		// don't trust anything after a RST
	case delta > 0:
		ep.updateLastSeq(last)
	case length > 0:
		c.scaled(i, 'T', &ep.rxmt)
	}
}

// stateMachine is UpdateStateMachine(); it returns do_close and gen_event.
func (c *Conn) stateMachine(i int, isOrig bool, p Packet, t int64) (doClose, genEvent bool) {
	ep, peer := &c.ep[i], &c.ep[1-i]
	syn := p.Flags&flagSYN != 0
	fin := p.Flags&flagFIN != 0
	rst := p.Flags&flagRST != 0
	ack := p.Flags&flagACK != 0

	switch ep.state {
	case stInactive: // UpdateInactiveState
		if syn {
			if isOrig {
				if ack {
					c.setState(i, stSynAckSent) // connection_originator_SYN_ack
				} else {
					c.setState(i, stSynSent)
				}
				c.attemptNS = t + tcpAttemptDelay
			} else {
				if !ack && peer.state == stSynAckSent && p.Seq == ep.startSeq {
					// SYN/SYN-ACK reversal: flip and establish.
					c.set(bPartial, false)
					c.flipRoles()
					c.setState(1-i, stEstablished)
					c.bits |= bSeenOrig // SetFirstPacketSeen(true)
				}
				if peer.state == stSynSent {
					c.setState(1-i, stEstablished)
				}
				c.setState(i, stEstablished)
			}
		}
		if fin {
			c.setState(i, stClosed)
			doClose, genEvent = true, true
		}
		if rst {
			c.setState(i, stReset)
			isReject := false
			if isOrig {
				// SYN-ACK seen but no SYN: a reverse scan, a reject.
				isReject = peer.state == stEstablished
			} else {
				isReject = peer.state == stSynSent || peer.state == stSynAckSent
			}
			doClose = true
			genEvent = !isReject
		}
		if ep.state == stInactive { // no control flags changed the state
			o := &c.ep[c.origIdx()]
			switch {
			case !isOrig && p.Len == 0 && o.state == stSynSent:
				// an ack of the initial SYN before the SYN-ACK
			case ack && peer.state == stEstablished:
				// missed the SYN, saw the SYN-ACK and now a pure ACK
				c.setState(i, stEstablished)
				c.set(bPartial, false)
				if isOrig {
					c.bits |= bSeenOrig
				} else {
					c.bits |= bSeenResp
				}
			default:
				c.setState(i, stPartial)
			}
		}

	case stSynSent, stSynAckSent: // UpdateSYN_SentState
		if fin {
			c.setState(i, stClosed)
			doClose, genEvent = true, true
		}
		if rst {
			c.setState(i, stReset)
			c.bits |= bInactive // ConnectionReset()
			doClose = true
		}

	case stEstablished, stPartial: // UpdateEstablishedState
		if syn && ep.state == stPartial && peer.state == stInactive && !ack {
			c.setState(i, stSynSent) // SYN_after_partial
		}
		if fin && !rst {
			c.setState(i, stClosed)
			if peer.state == stReset && peer.prevState == stClosed {
				// FIN then RST from the peer: a normal termination.
				c.setState(1-i, stClosed)
			}
			doClose, genEvent = true, true
		}
		if rst {
			prevPeer, prevPeerPrev := peer.state, peer.prevState
			c.setState(i, stReset)
			doClose = true
			if prevPeer != stReset || prevPeerPrev != stEstablished {
				c.bits |= bInactive // ConnectionReset()
			}
		}

	case stClosed: // UpdateClosedState
		// A RST after our FIN counts unless the peer closed too.
		if rst && peer.state != stClosed {
			c.setState(i, stReset)
			if !ep.didClose {
				doClose = true
			}
		}

	case stReset: // UpdateResetState: nothing changes
	}
	return doClose, genEvent
}

// connectionClosed is TCPSessionAdapter::ConnectionClosed (without the
// deferral while reassembled data is pending).
func (c *Conn) connectionClosed(i int, genEvent bool) {
	ep, peer := &c.ep[i], &c.ep[1-i]
	if ep.didClose {
		return
	}
	ep.didClose = true
	if ep.state == stReset || peer.didClose || peer.state == stInactive {
		if (ep.prevState != stInactive || peer.state != stInactive) && genEvent {
			c.bits |= bInactive // ConnectionFinished()
		}
		c.attemptNS, c.expireNS = 0, [2]int64{} // CancelTimers()
		c.deleteNS = c.lastNS + tcpCloseDelay
	} else if ep.prevState != stInactive {
		// Look for the other side closing, too.
		c.expireNS[1] = c.lastNS + tcpSessionTimer
	}
}

// dataSent feeds payload [seq, seq+n) of endpoint i to the reassembler model.
func (c *Conn) dataSent(i int, seq, n uint64) {
	ep := &c.ep[i]
	hi := seq + n
	if hi <= ep.reassem {
		return // old data
	}
	if seq <= ep.reassem {
		ep.reassem = hi
		if ep.blkHi != 0 && ep.blkLo <= ep.reassem {
			if ep.blkHi > ep.reassem {
				ep.reassem = ep.blkHi
			}
			ep.blkLo, ep.blkHi = 0, 0
		}
		return
	}
	// Above a hole: remember it.
	if ep.blkHi == 0 {
		ep.blkLo, ep.blkHi = seq, hi
		return
	}
	if seq < ep.blkLo {
		ep.blkLo = seq
	}
	if hi > ep.blkHi {
		ep.blkHi = hi
	}
}

// ackReceived is TCP_Reassembler::AckReceived for endpoint i's data: an ack
// beyond what was seen declares a content gap (Undelivered/Gap), recorded
// as 'G' only while both sides are established or cleanly closing.
func (c *Conn) ackReceived(i int, seq uint64) {
	ep := &c.ep[i]
	if ep.finCnt > 0 && seq >= ep.finSeq {
		seq = ep.finSeq - 1
	}
	if seq <= ep.reassem {
		return
	}
	if seq <= 2 && c.has(bPartial) {
		return // the faked-up initial sequence of a partial connection
	}
	if ep.blkHi != 0 && ep.blkLo < seq {
		c.gap(i)
		ep.reassem = ep.blkHi
		ep.blkLo, ep.blkHi = 0, 0
	}
	if seq > ep.reassem {
		c.gap(i)
		ep.reassem = seq
	}
	if ep.blkHi != 0 && ep.blkLo <= ep.reassem {
		if ep.blkHi > ep.reassem {
			ep.reassem = ep.blkHi
		}
		ep.blkLo, ep.blkHi = 0, 0
	}
}

func isClean(e *endpoint) bool {
	return e.state == stEstablished || (e.state == stClosed && e.prevState == stEstablished)
}

func (c *Conn) gap(i int) {
	if isClean(&c.ep[i]) && isClean(&c.ep[1-i]) {
		c.scaled(i, 'G', &c.ep[i].gaps)
	}
}

// ConnState returns Zeek's conn_state for the current connection, as
// computed by conn_state() in scripts/base/protocols/conn/main.zeek. It is
// "" before the first packet.
func (c *Conn) ConnState() string {
	if !c.has(bStarted) {
		return ""
	}
	oi := c.origIdx()
	o, r := &c.ep[oi], &c.ep[1-oi]
	os, rs := o.state, r.state
	oInactive := os == stInactive || os == stPartial
	rInactive := rs == stInactive || rs == stPartial
	switch {
	case rs == stReset:
		if os == stSynSent || os == stSynAckSent ||
			(os == stReset && o.size(r) == 0 && r.size(o) == 0) {
			return "REJ"
		}
		if oInactive {
			return "RSTRH"
		}
		return "RSTR"
	case os == stReset:
		if rInactive {
			if rstos0History(c.hist[:c.histLen]) {
				return "RSTOS0"
			}
			return "OTH"
		}
		return "RSTO"
	case rs == stClosed && os == stClosed:
		return "SF"
	case os == stClosed:
		if rInactive {
			return "SH"
		}
		return "S2"
	case rs == stClosed:
		if oInactive {
			return "SHR"
		}
		return "S3"
	case os == stSynSent && rs == stInactive:
		return "S0"
	case os == stEstablished && rs == stEstablished:
		return "S1"
	}
	return "OTH"
}

// rstos0History matches the history against /\^?S[^HAFGIQ]*R.*/ (an exact
// match in Zeek's pattern == string comparison).
func rstos0History(h []byte) bool {
	if len(h) > 0 && h[0] == '^' {
		h = h[1:]
	}
	if len(h) == 0 || h[0] != 'S' {
		return false
	}
	for _, b := range h[1:] {
		switch b {
		case 'R':
			return true
		case 'H', 'A', 'F', 'G', 'I', 'Q':
			return false
		}
	}
	return false
}

// LikelyServerPort reports whether Zeek's default scripts put port/tcp in
// likely_server_ports (each base/protocols script does
// "redef likely_server_ports += { ports }" for the ports it registers).
func LikelyServerPort(port uint16) bool {
	switch port {
	case 21, 22, 23, 25, 53, 80, 81, 88, 110, 135, 137, 138, 139, 143,
		389, 443, 445, 502, 563, 585, 587, 614, 631, 636, 989, 990, 992,
		993, 995, 1080, 1434, 1883, 2811, 3128, 3268, 3306, 3389,
		5222, 5223, 5269, 5432, 6379, 6666, 6667, 6668, 6669, 8000, 8080,
		8888, 20000:
		return true
	}
	return false
}
