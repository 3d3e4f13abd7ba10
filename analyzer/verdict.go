package analyzer

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"time"

	"github.com/tcpmortem/tcpmortem/flows"
)

// judgement is a close-shape verdict with the facts and frames behind it.
type judgement struct {
	verdict  Verdict
	facts    Facts
	app      *AppFacts
	evidence []Evidence
	summary  string
}

func secs(d time.Duration) float64 { return math.Round(d.Seconds()*1e6) / 1e6 }
func psecs(d time.Duration) *float64 {
	v := secs(d)
	return &v
}
func pbool(b bool) *bool { return &b }

// isFalse: a fact that is there, and false.
func isFalse(b *bool) bool { return b != nil && !*b }
func pint(i int) *int      { return &i }

// dur prints a duration for a person: 0.3 ms, 40.1 ms, 1.0 s, 212.4 s.
func dur(d time.Duration) string {
	return string(appendDur(make([]byte, 0, 24), d))
}

// appendDur appends dur(d) to b. strconv's 'f' format is what fmt's %.0f and %.1f
// print; appending spares the allocations of fmt's boxed argument and result.
func appendDur(b []byte, d time.Duration) []byte {
	switch {
	case d < 0:
		// max: -math.MinInt64 is itself, which would recurse for ever.
		return appendDur(append(b, '-'), -max(d, -math.MaxInt64))
	case d < time.Millisecond:
		b = strconv.AppendFloat(b, float64(d)/float64(time.Microsecond), 'f', 0, 64)
		return append(b, " µs"...)
	case d < 995*time.Millisecond: // 999.9 ms reads better as 1.0 s
		b = strconv.AppendFloat(b, float64(d)/float64(time.Millisecond), 'f', 1, 64)
		return append(b, " ms"...)
	default:
		b = strconv.AppendFloat(b, d.Seconds(), 'f', 1, 64)
		return append(b, " s"...)
	}
}

// text builds a summary by appending, for the verdicts most flows of a capture get
// (clean_close above all): fmt.Sprintf allocates for each string argument and for its
// result, text only for the final string when it starts on a buffer of the caller's
// stack:
//
//	var buf [256]byte
//	s := text(buf[:0]).s("after ").d(idle).s(" idle").String()
type text []byte

func (t text) s(x string) text        { return append(t, x...) }
func (t text) d(d time.Duration) text { return appendDur(t, d) }
func (t text) n(n int64) text         { return strconv.AppendInt(t, n, 10) }
func (t text) q(x string) text        { return strconv.AppendQuote(t, x) } // fmt's %q

// plural appends what plural() says.
func (t text) plural(n int, what string) text {
	t = append(strconv.AppendInt(t, int64(n), 10), ' ')
	t = append(t, what...)
	if n != 1 {
		t = append(t, 's')
	}
	return t
}

// times appends what timesWord says.
func (t text) times(n int) text {
	if n == 1 {
		return append(t, "once"...)
	}
	return append(strconv.AppendInt(t, int64(n), 10), " times"...)
}

// gaps appends what gapList says.
func (t text) gaps(g []float64) text {
	for i, x := range g {
		if i > 0 {
			t = append(t, ", "...)
		}
		t = strconv.AppendFloat(t, x, 'f', 1, 64) // fmt's %.1f, for a finite x
	}
	return append(t, " s"...)
}

// addr appends what ap.String() says.
func (t text) addr(ap netip.AddrPort) text { return appendAddrPort(t, ap) }

func (t text) String() string { return string(t) }

// sideText is client's text or server's, as d says: evidence words made once, where
// d.String()+"..." would allocate for every flow.
func sideText(d flows.Direction, client, server string) string {
	if d == flows.FromClient {
		return client
	}
	return server
}

func gapsOf(times []time.Time) []float64 {
	if len(times) < 2 {
		return nil
	}
	g := make([]float64, 0, len(times)-1)
	for i := 1; i < len(times); i++ {
		g = append(g, math.Round(times[i].Sub(times[i-1]).Seconds()*1000)/1000)
	}
	return g
}

func gapList(g []float64) string { return text(nil).gaps(g).String() }

// keepAliveSeen says either side probed with keepalives: the capture holds a probe, or
// an answer to one it lost (flows.Flow.ProbesUnseen).
func keepAliveSeen(f *flows.Flow) bool {
	return f.Side(flows.FromClient).KeepAlives+f.Side(flows.FromServer).KeepAlives+
		f.ProbesUnseen(flows.FromClient)+f.ProbesUnseen(flows.FromServer) > 0
}

// probesSeen says how many keepalive probes each side sent, and of them how many the
// capture lost and the peer's answers stand in for (flows.Flow.ProbesUnseen).
func probesSeen(sum text, f *flows.Flow) text {
	c, s := f.Side(flows.FromClient), f.Side(flows.FromServer)
	sum = sum.s("keepalive probes seen (client ").n(int64(c.KeepAlives)).s(", server ").n(int64(s.KeepAlives))
	for _, d := range []flows.Direction{flows.FromClient, flows.FromServer} {
		if n := f.ProbesUnseen(d); n > 0 {
			sum = sum.s("; the ").s(d.Other().String()).s(" answered ").n(int64(n))
			if f.Side(d).KeepAlives > 0 {
				sum = sum.s(" more")
			}
			sum = sum.s(" of the ").s(d.String()).s("'s, which the capture lost")
		}
	}
	return sum.s(")")
}

// finsCrossed says the second side's FIN left before the first side's FIN reached it:
// it does not acknowledge that FIN, which the second side ACKed only later (RFC 9293
// 3.6, simultaneous close). Both FINs were captured.
func finsCrossed(first, second *flows.Side) bool {
	a, f := first.FINAcked, second.FIN
	if a.IsZero() || a == f || first.FINUnseen || second.FINUnseen {
		return false
	}
	if a.File == f.File {
		return a.Frame > f.Frame
	}
	return a.At > f.At
}

// classify decides how a flow's TCP connection ended, or stands at capture end.
// end is the end of observation: the capture's last packet, or the SYN that replaced
// this connection on its tuple.
//
// With specific false it gives the close shape alone: how the connection ended or
// stands (FINs, RSTs, silence), without the verdicts that explain why
// (rst_on_first_data, retransmit_giveup, keepalive_timeout).
func classify(f *flows.Flow, end time.Time, cfg Config, ev *evidenceNamer, specific bool) judgement {
	c, s := f.Side(flows.FromClient), f.Side(flows.FromServer)
	if !f.HandshakeDone() || synACKsAfterACK(f) >= 2 {
		return classifyHandshake(f, c, s, end, cfg, ev)
	}
	if j, ok := classifyRSTOnFirstData(f, c, s, ev); ok && specific {
		return j
	}
	// Both FINs before any RST: a clean close, whatever trails it.
	if !c.FIN.IsZero() && !s.FIN.IsZero() && (f.RST.Packet.IsZero() || (f.RST.BeforeFIN[0] && f.RST.BeforeFIN[1])) {
		first := f.FirstFIN()
		firstSide := f.Side(first)
		// Most flows of a capture end here: built without fmt (see text).
		other := first.Other()
		j := judgement{verdict: CleanClose, facts: Facts{ClosedFirst: first.String()}}
		j.evidence = append(j.evidence, finEvidence(ev, firstSide, first, true), finEvidence(ev, f.Side(other), other, false))
		var buf [256]byte
		sum := text(buf[:0]).s("clean close after ").d(f.Duration()).s(": the ").s(first.String()).
			s(" closed first, the ").s(other.String()).s(" answered with its FIN")
		// A FIN the capture lost stands at its peer's ACK: sent then at the latest.
		switch gap := f.Side(other).FIN.Time().Sub(firstSide.FIN.Time()); {
		case f.Side(other).FINUnseen:
			sum = sum.s(" within ").d(gap)
		case firstSide.FINUnseen && gap == 0:
			sum = sum.s(", which ACKed it")
		case firstSide.FINUnseen:
			sum = sum.s(" ").d(gap).s(" or more later")
		case finsCrossed(firstSide, f.Side(other)):
			sum = text(buf[:0]).s("clean close after ").d(f.Duration()).s(": both sides closed on their own; the ").s(other.String()).
				s("'s FIN came ").d(gap).s(" after the ").s(first.String()).s("'s but does not acknowledge it: the ").s(first.String()).
				s("'s FIN had not reached the ").s(other.String()).s(" yet (a simultaneous close)")
		default:
			sum = sum.s(" ").d(gap).s(" later")
		}
		if !f.RST.Packet.IsZero() {
			j.facts.TrailingRST = f.RST.From.String()
			sum = sum.s("; a trailing RST from the ").s(f.RST.From.String()).s(" followed")
		}
		j.summary = sum.String()
		return j
	}
	if !f.RST.Packet.IsZero() {
		return classifyRST(f, end, cfg, ev, specific)
	}
	// A FIN one way only.
	for _, d := range []flows.Direction{flows.FromServer, flows.FromClient} {
		closer := f.Side(d)
		if closer.FIN.IsZero() || !f.Side(d.Other()).FIN.IsZero() {
			continue
		}
		if specific && closer.FINAcked.IsZero() && closer.RetransRun >= cfg.RetransGiveUp &&
			end.Sub(closer.LastRetrans.Time()) > flows.NextRetryWithin(closer.RetransGap) {
			// Its kernel resent the FIN (or the data before it) and then fell silent
			// for longer than its next resend would have taken: it gave up.
			return retransmitGiveUp(f, d, end, ev, "")
		}
		// The other side's own data retransmitted until its kernel gave up: no FIN
		// could follow it (a FIN waits behind unacknowledged data), and its socket
		// is gone, not in CLOSE_WAIT.
		if specific && gaveUpRetransmitting(f, d.Other(), end, cfg) {
			return retransmitGiveUp(f, d.Other(), end, ev, "")
		}
		return finUnanswered(f, d, end, cfg.Idle, ev)
	}
	// No FIN, no RST: still open at the end, or abandoned.
	for _, d := range []flows.Direction{flows.FromClient, flows.FromServer} {
		if !specific {
			break
		}
		side := f.Side(d)
		if gaveUpRetransmitting(f, d, end, cfg) {
			return retransmitGiveUp(f, d, end, ev, "")
		}
		if side.KeepAliveUnacked >= cfg.KeepAliveGiveUp && side.LastKeepAliveGap > 0 &&
			end.Sub(side.LastKeepAlive.Time()) > flows.NextRetryWithin(side.LastKeepAliveGap) {
			return keepAliveTimeout(f, d, ev, "then fell silent")
		}
	}
	silent := end.Sub(f.LastActive.Time())
	kaSeen := keepAliveSeen(f)
	if silent >= cfg.Idle {
		j := judgement{verdict: IdleOpen, facts: Facts{Silent: psecs(silent), KeepAliveSeen: pbool(kaSeen)}}
		j.evidence = append(make([]Evidence, 0, 2), ev.at(f.LastActive, "last activity"))
		var buf [192]byte
		sum := text(buf[:0]).s("established, silent for ")
		if silentBeforeCapture(f) {
			sum = sum.s("at least ").d(silent).s(" at capture end (since its first packet in the capture, which carried nothing); ")
		} else {
			sum = sum.d(silent).s(" at capture end; ")
		}
		if zw, ok := zeroWindow(sum, f); ok {
			sum = zw
		} else if rt, ok := stillRetrying(sum, f, end, ev, &j); ok {
			sum = rt
		} else if kaSeen {
			sum = probesSeen(sum, f).s(" and answered")
			j.evidence = append(j.evidence, ev.at(firstOf(c.FirstKeepAlive, s.FirstKeepAlive), "first keepalive probe"))
			for _, d := range []flows.Direction{flows.FromClient, flows.FromServer} {
				if n := f.Side(d).KeepAliveAnswersLost; n > 0 {
					j.facts.KeepAliveAnswersLost = int(n)
					sum = sum.s(" in the capture, but the last ").plural(int(n), "answer").s(" to the ").s(d.String()).
						s(" never reached it (").s(answersLostWhy(f.Side(d), "its next probes")).s("): lost between the capture point and the ").
						s(d.String()).s(", whose keepalive will time out")
					break
				}
			}
		} else {
			sum = sum.s("no keepalive seen")
		}
		j.summary = sum.String()
		return j
	}
	// Every connection open when the capture ends gets this one.
	var buf [128]byte
	sum := text(buf[:0]).s("established and active at capture end (")
	if quiet := end.Sub(f.Last.Time()); quiet > 0 {
		sum = sum.s("last packet ").d(quiet).s(" before it)")
	} else {
		sum = sum.s("its last packet was the capture's last)")
	}
	j := judgement{verdict: Open}
	j.evidence = append(j.evidence, ev.at(f.Last, "last packet"))
	// Active, but maybe only with resends: say so, as idle_open does; or in the middle of
	// loss recovery, which says nothing of the peer or the path yet.
	// Both sides may be resending (each its own story: told server first).
	for _, d := range []flows.Direction{flows.FromServer, flows.FromClient} {
		if !retrying(f, d) {
			continue
		}
		if resendsFailing(f, d, end, cfg) {
			sum = sideRetrying(sum.s("; "), f, d, end, ev, &j)
		} else {
			since := f.Side(d).RetransRunSince()
			sum = resends(sum.s("; the ").s(d.String()).s(" had been resending data not yet acknowledged for ").d(end.Sub(since)).
				s(": "), f, d, end, ev, &j).s(" (loss recovery under way, for less than the idle threshold: nothing yet says the peer or the path is gone)")
			// Not "never ACKed": an ACK may still come.
			j.evidence[len(j.evidence)-2].What = sideText(d, "client data not yet ACKed", "server data not yet ACKed")
		}
	}
	j.summary = sum.String()
	return j
}

// gaveUpRetransmitting says side retransmitted the same unacknowledged data at least
// cfg.RetransGiveUp times and then fell silent for longer than its next retransmission
// would have taken: its kernel gave up on the connection (tcp_retries2), which sends
// nothing more, not even an RST.
func gaveUpRetransmitting(f *flows.Flow, d flows.Direction, end time.Time, cfg Config) bool {
	side := f.Side(d)
	return retrying(f, d) && side.RetransRun >= cfg.RetransGiveUp &&
		end.Sub(side.LastRetrans.Time()) > flows.NextRetryWithin(side.RetransGap)
}

// retrying says side d had retransmitted data its peer has not acknowledged since: at
// the capture's end, its kernel was still trying (or, past its next retransmission's
// time, had given up: see gaveUpRetransmitting). Resends of data the peer had
// acknowledged in the capture count only where they show the acknowledgments lost past
// the capture point (flows.Flow.AcksLost): a single one that crossed the acknowledgment,
// or one a later (duplicate) acknowledgment answered, leaves nothing to retry.
func retrying(f *flows.Flow, d flows.Direction) bool {
	side := f.Side(d)
	if side.RetransRun == 0 || side.UnackedDataSince.IsZero() {
		return false
	}
	peer := f.Side(d.Other())
	ackedAll := peer.HaveAck && int32(side.NextSeq-peer.MaxAck) <= 0
	return !ackedAll || f.AcksLost(d)
}

// unackedResends says side d was retransmitting data its peer never acknowledged in the
// capture (retrying, but not flows.Flow.AcksLost: resends of data whose acknowledgments
// are in the capture and never reached d are lostPastCapture's).
func unackedResends(f *flows.Flow, d flows.Direction) bool {
	return retrying(f, d) && !f.AcksLost(d)
}

// resendsFailing says side d's resends (see retrying) show a failure rather than loss
// recovery under way: its peer acknowledged nothing new for --idle or longer since they
// began, or the peer's acknowledgments never reached it (flows.Flow.AcksLost). A flow
// active at the capture's end may be in the middle of recovering from a loss, one or a
// few round trips long; that is no sign of a peer or a path gone.
func resendsFailing(f *flows.Flow, d flows.Direction, end time.Time, cfg Config) bool {
	since := f.Side(d).RetransRunSince()
	return f.AcksLost(d) || since.IsZero() || end.Sub(since) >= cfg.Idle
}

// abandoned says side d's last data was neither acknowledged nor resent, and the peer
// sent nothing after it, though the capture went on past the moment a live socket
// would have resent it: RFC 6298's retransmission timeout is at least 1 s (Linux's
// 200 ms, or three round trips before the first sample), and NextRetryWithin allows
// twice that and more. A socket stops resending only once it is gone: reset (by an RST
// the capture lost) or its host gone.
func abandoned(f *flows.Flow, d flows.Direction, end time.Time) bool {
	side, peer := f.Side(d), f.Side(d.Other())
	if side.UnackedDataSince.IsZero() || side.RetransRun > 0 || !side.FIN.IsZero() || !f.RST.Packet.IsZero() ||
		peer.HaveAck && int32(side.NextSeq-peer.MaxAck) <= 0 || peer.Last.At > side.UnackedDataSince.At {
		return false
	}
	rto := time.Second
	if a, ok := rttTo(f, flows.FromClient); ok {
		if b, ok := rttTo(f, flows.FromServer); ok {
			rto = max(rto, 3*(a+b))
		}
	}
	return end.Sub(side.UnackedDataSince.Time()) > flows.NextRetryWithin(rto)
}

// finHeldBack says side sent no FIN while retransmitting its own data that the peer
// never acknowledged: a FIN its application's close() queued would wait behind that
// data (Linux sends it once the congestion window, one segment after a timeout, has
// room), so the capture cannot show whether the side closed: no CLOSE_WAIT is read
// from such a side past the moment its data went unacknowledged.
func finHeldBack(f *flows.Flow, d flows.Direction) bool {
	return f.Side(d).FIN.IsZero() && retrying(f, d)
}

func firstOf(a, b flows.Mark) flows.Mark {
	if a.IsZero() || (!b.IsZero() && b.Time().Before(a.Time())) {
		return b
	}
	return a
}

func classifyHandshake(f *flows.Flow, c, s *flows.Side, end time.Time, cfg Config, ev *evidenceNamer) judgement {
	port := f.Server.Port()
	// Refused: an RST from the server, or an ICMP error about the client's SYN.
	if s.SYNs == 0 && (!s.RST.IsZero() || c.ICMPErrors > 0) {
		j := judgement{verdict: Refused, facts: Facts{SYNCount: c.SYNs}}
		if !c.ICMP.IsZero() && (s.RST.IsZero() || c.ICMP.Time().Before(s.RST.Time())) {
			what := icmpText(c.ICMPType, c.ICMPCode, c.ICMPv6)
			j.facts.RefusedBy, j.facts.ICMP, j.facts.ICMPFrom = "icmp", what, c.ICMPFrom.String()
			j.evidence = append(j.evidence, ev.at(c.FirstSYN, "SYN"), ev.at(c.ICMP, "ICMP "+what))
			j.summary = fmt.Sprintf("connection to port %d refused: the SYN was answered by ICMP %s from %s %s later (%s, %s)",
				port, what, c.ICMPFrom, dur(c.ICMP.Time().Sub(c.FirstSYN.Time())), plural(c.SYNs, "SYN"), plural(c.ICMPErrors, "ICMP error"))
			return j
		}
		j.facts.RefusedBy = "rst"
		j.evidence = append(j.evidence, ev.at(c.FirstSYN, "SYN"), ev.at(s.RST, "RST from the server"))
		after := s.RST.Time().Sub(synBefore(c, s.RST.Time()))
		if after < 0 {
			after = 0 // the capture put the RST before the SYN it answers
		}
		var buf [128]byte
		j.summary = text(buf[:0]).s("connection to port ").n(int64(port)).s(" refused: the SYN was answered by RST ").
			d(after).s(" later (").plural(c.SYNs, "SYN").s("); nothing listens there").String()
		return j
	}
	if s.SYNs > 0 {
		times := s.SYNTimes(nil)
		j := judgement{verdict: HandshakeIncomplete, facts: Facts{SYNACKCount: s.SYNs, SYNACKGaps: gapsOf(times), SYNCount: c.SYNs}}
		// A half-open scan makes thousands of these: built without fmt (see text).
		j.evidence = append(make([]Evidence, 0, 4), ev.at(c.FirstSYN, "SYN"), ev.at(s.FirstSYN, "SYN-ACK"))
		if s.SYNs > 1 {
			j.evidence = append(j.evidence, ev.at(s.LastSYN, "last SYN-ACK retransmission"))
		}
		var buf [256]byte
		sum := text(buf[:0]).s("the server sent SYN-ACK ").times(s.SYNs)
		if s.SYNs > 1 {
			sum = sum.s(" (gaps ").gaps(j.facts.SYNACKGaps).s(")")
		}
		if n := synsAfterSYNACK(f); n >= 2 {
			j.facts.SYNAfterSYNACK = n
			j.evidence = append(j.evidence, ev.at(c.LastSYN, "client's SYN again (it never got the SYN-ACK)"))
			sum = sum.s("; the client sent its SYN again after it ").times(n).
				s(", as a client that never got a SYN-ACK does: they were lost between the capture point and the client, whose connect times out")
		} else if n := synACKsAfterACK(f); n >= 2 {
			j.facts.SYNACKAfterACK = n
			j.evidence = append(j.evidence, ev.at(f.Established, "client's ACK (never taken by the server)"))
			sum = sum.s("; the client's ACK is in the capture, but the server sent its SYN-ACK again after it ").times(n).
				s(": its kernel never took the handshake's last ACK, lost between the capture point and the server (or dropped there, as a listener whose accept queue is full does)")
		} else if wait := end.Sub(s.LastSYN.Time()); s.SYNs == 1 && c.RST.IsZero() && s.RST.IsZero() && wait < cfg.Idle {
			// A capture stopped within a round trip or two of the only SYN-ACK (none
			// resent, as a server waiting for the ACK would): the ACK may have been on
			// its way.
			if wait == 0 { // a pcap keeps no end time: the file's last packet was this SYN-ACK
				sum = sum.s("; the capture ended with it")
			} else {
				sum = sum.s("; the capture ended ").d(wait).s(" after it")
			}
			sum = sum.s(", with no final ACK from the client yet")
		} else if s.SYNs == 1 && c.SYNs > 0 && c.RST.IsZero() && s.RST.IsZero() && !c.LastSYN.Time().After(s.FirstSYN.Time()) && wait >= cfg.SYNRetryWait {
			// Neither side sent again for as long as a first retry can take (RFC 6298's
			// initial RTO is 1 s; --syn-retry-wait allows for slower stacks): a client
			// without the SYN-ACK sends its SYN again, a server without the ACK its
			// SYN-ACK. Both were content: the ACK went out, and the capture, which holds
			// the client's SYN, lost it, unless the server answered with a SYN cookie,
			// which keeps no state to resend from.
			sum = sum.s("; the client's final ACK is not in the capture, yet neither side sent again in the ").d(wait).
				s(" that followed, as a client without the SYN-ACK and a server without the ACK would have: the ACK most likely went out and the capture lost it (or the server answered with a SYN cookie, which it never resends)")
		} else {
			sum = sum.s("; the client's final ACK never came")
		}
		if !c.RST.IsZero() {
			j.facts.RSTFrom = "client"
			j.evidence = append(j.evidence, ev.at(c.RST, "RST from the client"))
			sum = sum.s("; the client answered with RST ").d(c.RST.Time().Sub(s.FirstSYN.Time())).
				s(" later (its socket did not expect the SYN-ACK: a half-open scan or an abandoned connect)")
		} else if !s.RST.IsZero() {
			j.facts.RSTFrom = "server"
			j.evidence = append(j.evidence, ev.at(s.RST, "RST from the server"))
			sum = sum.s("; the server then reset it")
		}
		j.summary = sum.String()
		return j
	}
	if c.SYNs == 0 {
		// Only non-SYN packets from the client and no midstream inference: treat as open.
		return judgement{verdict: Open, summary: "no handshake seen"}
	}
	times := c.SYNTimes(nil)
	j := judgement{facts: Facts{SYNCount: c.SYNs, SYNGaps: gapsOf(times), SYNSpan: psecs(c.LastSYN.Time().Sub(c.FirstSYN.Time()))}}
	j.evidence = append(make([]Evidence, 0, 3), ev.at(c.FirstSYN, "first SYN"))
	if c.SYNs > 1 {
		j.evidence = append(j.evidence, ev.at(c.LastSYN, "last SYN retransmission"))
	}
	wait := cfg.SYNRetryWait
	if len(times) > 1 {
		wait = nextSYNWithin(times)
	}
	quiet := end.Sub(c.LastSYN.Time())
	// A listener dropping SYNs makes thousands of these: built without fmt (see text).
	var buf [320]byte
	sum := text(buf[:0]).s("SYN to ").addr(f.Server).s(" sent ").times(c.SYNs)
	if c.SYNs > 1 {
		sum = sum.s(" (gaps ").gaps(j.facts.SYNGaps).s(")")
	}
	gaveUp := quiet > wait || !f.Replaced.IsZero() || !c.RST.IsZero() || s.Packets > 0
	if !gaveUp {
		j.verdict = SYNUnanswered
		// How long the capture went on after the last SYN: a single one it ended with
		// soon after may still have been on its way (see findCtx.synDropped).
		j.facts.Silent = psecs(quiet)
		last := " the last one"
		if c.SYNs == 1 {
			last = " it"
		}
		sum = sum.s(", never answered; the capture ended")
		if quiet == 0 { // a pcap keeps no end time: the file's last packet was this SYN
			sum = sum.s(" with")
		} else {
			sum = sum.s(" ").d(quiet).s(" after")
		}
		j.summary = sum.s(last).s(", while the client could still retry").String()
		return j
	}
	j.verdict = SYNGiveUp
	if c.SYNs > 1 {
		sum = sum.s(" over ").d(c.LastSYN.Time().Sub(c.FirstSYN.Time())) // one SYN spans nothing
	}
	sum = sum.s(", never answered; the client gave up (")
	switch {
	case !c.RST.IsZero():
		sum = sum.s("it then reset the attempt")
		j.evidence = append(j.evidence, ev.at(c.RST, "RST from the client"))
	case !f.Replaced.IsZero():
		sum = sum.s("the port was reused for a new connection ").d(f.Replaced.Time().Sub(c.LastSYN.Time())).s(" later")
	default:
		sum = sum.s("no retry came, though the next was due within ").d(wait).s(" of the last")
	}
	sum = sum.s(")")
	if r, ok := linuxSYNRetries(times); ok && c.RST.IsZero() {
		j.facts.SYNRetries = pint(r)
		// The give-up itself is silence, which a connect timeout in the application
		// (its socket closed) makes just the same.
		sum = sum.s(": consistent with net.ipv4.tcp_syn_retries=").n(int64(r)).s(" on Linux, or a connect timeout in the application")
	}
	j.summary = sum.String()
	return j
}

// nextSYNWithin is how long after its last SYN (times: when each was sent) a client
// still trying would send the next. Back-off at most doubles the gap (NextRetryWithin),
// but a Linux client whose gaps so far are equal is in its linear phase
// (net.ipv4.tcp_syn_linear_timeouts, 4 by default: five 1 s gaps on Linux 6.18), and
// while fewer than five gaps are equal its next comes one gap later, not two: a
// client whose app timeout closed the connect is then seen to have stopped as soon as
// that gap, with its timer's slack, has passed. (Older kernels double from the first
// gap, so their gaps are never equal.)
func nextSYNWithin(times []time.Time) time.Duration {
	n := len(times)
	last := times[n-1].Sub(times[n-2])
	equal := 1
	for i := n - 2; i > 0; i-- {
		g := times[i].Sub(times[i-1])
		if d := g - last; d > last/10+50*time.Millisecond || -d > last/10+50*time.Millisecond {
			break
		}
		equal++
	}
	if equal >= 2 && equal < 5 {
		return last + last/8 + 200*time.Millisecond
	}
	return flows.NextRetryWithin(last)
}

// linuxSYNRetries infers the tcp_syn_retries a Linux client ran with. Linux gives up a
// connect when the time since the first SYN exceeds the budget of tcp_syn_retries
// doubling timeouts from a 1 s initial RTO, (2^(r+1) - 1) s, however the SYNs were spaced
// (tcp_syn_linear_timeouts sends the first retries 1 s apart but keeps that budget). So
// r is the smallest whose budget is past the last SYN. Only a first gap near Linux's
// 1 s initial RTO makes the inference apply.
func linuxSYNRetries(times []time.Time) (int, bool) {
	if len(times) < 2 {
		return 0, false
	}
	first := times[1].Sub(times[0])
	if first < 900*time.Millisecond || first > 1500*time.Millisecond {
		return 0, false
	}
	last := times[len(times)-1].Sub(times[0]).Seconds()
	for r := 1; r <= 15; r++ {
		if float64(int(1)<<(r+1)-1) > last {
			return r, true
		}
	}
	return 0, false
}

// synBefore is the time of the last SYN the side sent before t (the one t answers).
func synBefore(side *flows.Side, t time.Time) time.Time {
	last := side.FirstSYN.Time()
	for _, st := range side.SYNTimes(nil) {
		if st.After(t) {
			break
		}
		last = st
	}
	return last
}

func timesWord(n int) string { return text(nil).times(n).String() }

func plural(n int, what string) string { return text(nil).plural(n, what).String() }

// classifyRSTOnFirstData: the handshake completed, the client sent data, and the
// server's only answer was an RST: it never sent a byte. The kernel completed the
// handshake for a listener whose process never took the connection (accept queue, fd
// limit) or closed it unread.
func classifyRSTOnFirstData(f *flows.Flow, c, s *flows.Side, ev *evidenceNamer) (judgement, bool) {
	if !f.FromStart() || f.Established.IsZero() || c.FirstData.IsZero() || !s.FirstData.IsZero() ||
		s.RST.IsZero() || !s.FIN.IsZero() || !s.RST.Time().After(c.FirstData.Time()) ||
		s.RST.Time().Before(f.Established.Time()) {
		// The RST must answer data, from a server that sent none, on a connection the
		// handshake had completed (client data sent before it, a split or reordered
		// handshake, does not make the RST a reset of an established connection).
		return judgement{}, false
	}
	if !c.DataAfterAck.IsZero() && c.DataAfterAck.Time().Before(s.RST.Time()) {
		// The client kept sending after the server acknowledged its first data: the
		// RST came in the middle of an exchange, not in answer to the first request.
		return judgement{}, false
	}
	if (!c.FIN.IsZero() && c.FIN.Time().Before(s.RST.Time())) || (!c.RST.IsZero() && c.RST.Time().Before(s.RST.Time())) {
		return judgement{}, false
	}
	j := judgement{verdict: RSTOnFirstData, facts: Facts{
		RSTFrom: "server", RSTHasACK: pbool(s.RSTHasAck),
		HandshakeToRST: psecs(s.RST.Time().Sub(f.Established.Time())),
		DataToRST:      psecs(s.RST.Time().Sub(c.FirstData.Time())),
		FirstDataBytes: int(c.PayloadBytes), DataAcked: pbool(s.AckedData(c)),
	}}
	j.evidence = append(j.evidence, ev.at(f.Established, "handshake completed"),
		ev.at(c.FirstData, "client's first data"), ev.at(s.RST, "RST from the server"))
	var buf [320]byte
	t := text(buf[:0]).s("handshake completed, the client sent ").n(c.PayloadBytes).
		s(" bytes and the server answered with RST ").d(s.RST.Time().Sub(c.FirstData.Time())).
		s(" later, never having sent a byte")
	// A socket that had the connection, even one its process never accepted,
	// acknowledges the data it queued, and its abort sends RST,ACK: a bare RST that
	// acknowledged nothing is the kernel's answer to a segment no connection takes
	// (RFC 9293 3.10.7.1: the RST for a segment with ACK takes its sequence number from
	// that ACK and carries none).
	unacked := resetUnacked(f)
	if unacked {
		t = t.s(" nor acknowledged one")
	}
	t = t.s(" (").d(s.RST.Time().Sub(f.Established.Time())).s(" after the handshake)")
	if unacked {
		t = t.s(": no connection on the server held the data, as when the listener's accept queue is full and net.ipv4.tcp_abort_on_overflow=1 resets the handshake's last ACK, or the listener had gone, or a firewall resets")
	} else {
		t = t.s(": the listener's process never took the connection, or closed it unread")
	}
	j.summary = t.String()
	return j, true
}

// resetUnacked: on a flow whose first data the server reset (rst_on_first_data), the
// RST carried no ACK and the server never acknowledged the data: its kernel had no
// connection for it.
func resetUnacked(f *flows.Flow) bool {
	c, s := f.Side(flows.FromClient), f.Side(flows.FromServer)
	return !s.RST.IsZero() && !s.RSTHasAck && !s.AckedData(c)
}

// zeroWindow appends to t, when one side advertised a zero window in its last segment,
// that its application stopped reading (a full receive buffer), and how often the peer
// probed it: Linux probes a zero window with a segment one byte below the unacknowledged
// data and no payload, the shape of a keepalive (tshark names them so too), so the
// probes are the keepalives counted on the prober's side.
func zeroWindow(t text, f *flows.Flow) (text, bool) {
	for _, d := range []flows.Direction{flows.FromServer, flows.FromClient} {
		adv, prober := f.Side(d), f.Side(d.Other())
		if adv.Window != 0 || adv.ZeroWindows == 0 {
			continue
		}
		t = t.s("the ").s(d.String()).s(" advertises a zero window (").times(adv.ZeroWindows).
			s("): its application stopped reading, its receive buffer is full")
		if prober.KeepAlives > 0 {
			t = t.s("; the ").s(d.Other().String()).s("'s ").n(int64(prober.KeepAlives)).
				s(" probes of it (keepalive-shaped, as Linux sends them) got no window back")
		}
		return t, true
	}
	return t, false
}

// stillRetrying appends to t, when a side was retransmitting data its peer never
// acknowledged (retrying), how often and how long before the end (resends), and names
// the data and the last retransmission in j's evidence. Its next retransmission was
// not yet due (else the verdict is retransmit_giveup): the silence is its back-off.
func stillRetrying(t text, f *flows.Flow, end time.Time, ev *evidenceNamer, j *judgement) (text, bool) {
	any := false
	for _, d := range []flows.Direction{flows.FromServer, flows.FromClient} {
		if retrying(f, d) {
			if any { // both sides resending: each its own story
				t = t.s("; and ")
			}
			t, any = sideRetrying(t, f, d, end, ev, j), true
		}
	}
	return t, any
}

// sideRetrying is stillRetrying's text for side d, which is retrying.
func sideRetrying(t text, f *flows.Flow, d flows.Direction, end time.Time, ev *evidenceNamer, j *judgement) text {
	if f.AcksLost(d) {
		return resends(t.s("the ").s(d.String()).s(" never got the ").s(d.Other().String()).
			s("'s acknowledgments of its data, which are in the capture: "), f, d, end, ev, j).
			s(" (its kernel still retrying: the acknowledgments are lost between the capture point and the ").
			s(d.String()).s(")")
	}
	t = resends(t.s("the ").s(d.String()).s("'s data was never ACKed: "), f, d, end, ev, j)
	if icmp, ok := icmpAbout(f, d, ev, j); ok {
		return t.s(" (its kernel still retrying; ").s(icmp).s(")")
	}
	return t.s(" (its kernel still retrying: the peer or the path is gone, or drops these segments)")
}

// icmpAbout says what ICMP errors came back about side d's unacknowledged data (false
// when none came after it was sent), and names the first in j's facts and evidence.
func icmpAbout(f *flows.Flow, d flows.Direction, ev *evidenceNamer, j *judgement) (string, bool) {
	side := f.Side(d)
	since := unackedSince(side)
	if side.ICMPErrors == 0 || since.IsZero() || side.ICMP.Time().Before(since.Time()) {
		return "", false
	}
	what := icmpText(side.ICMPType, side.ICMPCode, side.ICMPv6)
	j.facts.ICMP, j.facts.ICMPFrom = what, side.ICMPFrom.String()
	j.evidence = append(j.evidence, ev.at(side.ICMP, "ICMP "+what))
	return fmt.Sprintf("%s came back, the first %s from %s %s after the data: the path or the host refused it",
		plural(side.ICMPErrors, "ICMP error"), what, side.ICMPFrom, dur(side.ICMP.Time().Sub(since.Time()))), true
}

// resends appends "it was retransmitted N times, the last X before capture end" of
// side d's unacknowledged data, and names the data and its last retransmission in j's
// evidence.
func resends(t text, f *flows.Flow, d flows.Direction, end time.Time, ev *evidenceNamer, j *judgement) text {
	side := f.Side(d)
	what := sideText(d, "client data never ACKed", "server data never ACKed")
	if f.AcksLost(d) {
		what = sideText(d, "client data resent though ACKed", "server data resent though ACKed")
	}
	j.evidence = append(j.evidence, ev.at(side.UnackedDataSince, what), ev.at(side.LastRetrans, "last retransmission"))
	return lastBefore(t.s("it was retransmitted ").times(side.RetransRun).s(", "), side.LastRetrans, end, "capture end")
}

// lastBefore appends "the last X before <endText>", or "the last in the capture's last
// packet" when m was the end.
func lastBefore(t text, m flows.Mark, end time.Time, endText string) text {
	if since := end.Sub(m.Time()); since > 0 {
		return t.s("the last ").d(since).s(" before ").s(endText)
	}
	return t.s("the last in the capture's last packet")
}

// synsAfterSYNACK counts the SYNs the client sent after the server's first SYN-ACK, on a
// flow whose handshake the client never completed: a client that gets a SYN-ACK answers
// it with an ACK and sends no SYN again, so from two on (a first may have crossed the
// SYN-ACK on the way) the SYN-ACKs never reached it.
func synsAfterSYNACK(f *flows.Flow) int {
	c, s := f.Side(flows.FromClient), f.Side(flows.FromServer)
	if f.Midstream || !f.Established.IsZero() || c.SYNs < 2 || s.SYNs == 0 || !c.LastSYN.Time().After(s.FirstSYN.Time()) {
		return 0
	}
	return synsAfter(c, s.FirstSYN.Time())
}

// synsAfter counts the SYNs (or SYN-ACKs) side sent after t, its last one being after t.
// SYNTimes keeps the first few; when the last of those is after t, those it does not keep
// came later still.
func synsAfter(side *flows.Side, t time.Time) int {
	var buf [8]time.Time
	times := side.SYNTimes(buf[:0])
	n := 0
	for _, st := range times {
		if st.After(t) {
			n++
		}
	}
	if n > 0 && len(times) < side.SYNs {
		n += side.SYNs - len(times)
	}
	return max(n, 1) // the last one, at least
}

// synACKsAfterACK counts the SYN-ACKs the server sent after the client's handshake ACK,
// on a flow where the client sent no data and no FIN: each says the server's kernel had
// not taken the ACK before it (a server that has it sends no SYN-ACK again), so the ACK
// was lost between the capture point and the server, or dropped there (a listener
// whose accept queue is full drops it). From two on, the client's ACKs are not getting
// through, and the handshake is incomplete on the server's side whatever the client
// believes; one alone may be a single loss its next ACK repaired.
func synACKsAfterACK(f *flows.Flow) int {
	c, s := f.Side(flows.FromClient), f.Side(flows.FromServer)
	if f.Established.IsZero() || s.SYNs < 2 || c.PayloadBytes > 0 || !c.FIN.IsZero() ||
		s.PayloadBytes > 0 || !s.FIN.IsZero() || !s.LastSYN.Time().After(f.Established.Time()) {
		return 0
	}
	return synsAfter(s, f.Established.Time())
}

// synACKsAfterData counts the SYN-ACKs the server sent after the client's first data,
// on a flow the server never sent payload on and never acknowledged a byte of: the
// server's kernel did not take the handshake's last ACK (the client's data carries it
// too), so it still held the connection as a half-open request and retransmitted its
// SYN-ACK. A listener whose accept queue is full drops that ACK (tcp_abort_on_overflow=0,
// the default) and the data with it. (A SYN-ACK that merely crossed the data would be
// followed by the data's acknowledgment.)
func synACKsAfterData(f *flows.Flow) int {
	c, s := f.Side(flows.FromClient), f.Side(flows.FromServer)
	if !f.FromStart() || c.FirstData.IsZero() || !s.FirstData.IsZero() || s.SYNs < 2 ||
		!s.LastSYN.Time().After(c.FirstData.Time()) || s.AckedData(c) {
		return 0
	}
	return synsAfter(s, c.FirstData.Time())
}

// listenOverflow says, on a flow whose client's data the server's kernel never took
// (synACKsAfterData), why: the verdict stands (the request was still unanswered, the
// RST still came), the summary and the facts tell the listener's accept queue was full.
func listenOverflow(j judgement, f *flows.Flow, ev *evidenceNamer) judgement {
	n := synACKsAfterData(f)
	if n == 0 {
		return j
	}
	c, s := f.Side(flows.FromClient), f.Side(flows.FromServer)
	j.facts.SYNACKAfterData = n
	j.evidence = insertEvidence(j.evidence, ev.at(s.LastSYN, "SYN-ACK retransmitted after the client's data"))
	why := text(nil).s("the server's kernel never took the connection: it retransmitted its SYN-ACK ").times(n).
		s(" after the client's data, as a listener whose accept queue is full does when it drops the handshake's last ACK")
	if j.verdict == RSTOnFirstData {
		// Its usual summary says the handshake completed: here only the client thought so.
		sum := text(nil).s("the client completed the handshake and sent ").n(c.PayloadBytes).s(" bytes, but ").s(string(why)).
			s("; the server's RST came ").d(s.RST.Time().Sub(c.FirstData.Time())).s(" after the client's first data, never having sent a byte")
		if a := j.app; a != nil && a.FirstComplete != nil && *a.FirstComplete && a.Protocol != "" {
			sum = sum.s(" (the first data was a complete ").s(protocolName(a.Protocol)).s(" request)")
		}
		j.summary = sum.String()
		return j
	}
	j.summary = text([]byte(j.summary)).s("; ").s(string(why)).String()
	return j
}

// finUnanswered is a FIN one way, the other side silent until the capture's end. A side
// that has sat in CLOSE_WAIT for less than idle when the capture ends may yet close: the
// verdict is the shape's, the summary does not call it stuck.
func finUnanswered(f *flows.Flow, d flows.Direction, end time.Time, idle time.Duration, ev *evidenceNamer) judgement {
	closer := f.Side(d)
	stuck := d.Other()
	since := closer.FIN.Time()
	j := judgement{verdict: FINUnanswered, facts: Facts{
		Side: stuck.String(), Idle: finIdle(f, closer), Stuck: psecs(end.Sub(since)),
		FINAcked: pbool(!closer.FINAcked.IsZero()),
	}}
	// A CLOSE_WAIT leak makes thousands of these: built without fmt (see text).
	j.evidence = append(make([]Evidence, 0, 2), finEvidence(ev, closer, d, false))
	var buf [320]byte
	sum := closedAfter(text(buf[:0]), f, d).s("; ")
	switch {
	case closer.FINUnseen:
		sum = sum.s("the ").s(stuck.String()).s("'s kernel ACKed the FIN, which the capture lost")
	case closer.FINAcked.IsZero():
		// CLOSE_WAIT is the state of a side that received the FIN: without its ACK
		// nothing shows that it did.
		sum = sum.s("the FIN was never ACKed in the ").d(end.Sub(since)).s(" until the capture ended: the ").s(stuck.String()).
			s(" may never have received it (a dead peer, a broken path) or the capture missed its ACK, so nothing shows it in CLOSE_WAIT")
		if closer.RetransRun > 0 {
			// Resent fewer times than --retrans-giveup, or resent until the capture
			// ended (else the verdict is retransmit_giveup and this its close shape).
			// Which of the two the silence since the last resend tells.
			what := "it"
			if !closer.UnackedDataSince.IsZero() {
				what = "its unacknowledged data"
			}
			since := end.Sub(closer.LastRetrans.Time())
			sum = lastBefore(sum.s("; the ").s(d.String()).s(" resent ").s(what).s(" ").times(closer.RetransRun).s(", "),
				closer.LastRetrans, end, "the capture ended")
			if since > flows.NextRetryWithin(closer.RetransGap) {
				sum = sum.s(", and not again when its next resend was due: its kernel gave up")
			} else {
				sum = sum.s(" (its kernel still retrying)")
			}
		}
		j.summary = sum.String()
		return j
	default:
		j.evidence = append(j.evidence, ev.at(closer.FINAcked, sideText(stuck, "client ACKs the FIN", "server ACKs the FIN")))
		sum = sum.s("the ").s(stuck.String()).s("'s kernel ACKed the FIN ").d(closer.FINAcked.Time().Sub(closer.FIN.Time())).s(" later")
	}
	if abandoned(f, stuck, end) {
		st := f.Side(stuck)
		j.facts.Stuck = psecs(max(st.UnackedDataSince.Time().Sub(since), 0))
		j.evidence = append(j.evidence, ev.at(st.UnackedDataSince, sideText(stuck, "client data never ACKed nor resent", "server data never ACKed nor resent")))
		j.summary = sum.s("; the ").s(stuck.String()).s(" sent no FIN, and its data was neither ACKed nor resent in the ").
			d(end.Sub(st.UnackedDataSince.Time())).s(" until the capture ended, which no live socket does: the ").s(d.String()).
			s(" most likely answered it with an RST the capture lost (a kernel does so for data to a socket it has closed), which ended the ").
			s(stuck.String()).s("'s socket, or the ").s(stuck.String()).s("'s host went away; so no CLOSE_WAIT shows past that data").String()
		return j
	}
	if finHeldBack(f, stuck) {
		sum = resends(sum.s("; the ").s(stuck.String()).s(" sent no FIN, but its own data was never ACKed: "), f, stuck, end, ev, &j)
		j.summary = sum.s(", and a FIN waits behind unacknowledged data, so whether its application closed does not show").String()
		return j
	}
	if st := f.Side(stuck); st.FINMayBeLost() {
		j.summary = sum.s("; the ").s(stuck.String()).s(" sent no FIN the capture holds, but its sequence numbers run ").
			n(int64(st.LostAhead())).s(" past what the capture holds of it: its FIN may be among what the capture lost, so whether its application closed does not show").String()
		return j
	}
	if end.Sub(since) < idle {
		j.summary = sum.s("; the ").s(stuck.String()).s(" had not sent its FIN when the capture ended ").d(end.Sub(since)).
			s(" later (in CLOSE_WAIT, for less than the idle threshold: it may yet close)").String()
		return j
	}
	j.summary = sum.s(", but the ").s(stuck.String()).s(" never sent FIN (CLOSE_WAIT for ").d(end.Sub(since)).
		s(" until capture end): the ").s(stuck.String()).s(" application never closed its socket").String()
	return j
}

// silentBeforeCapture says a flow begun mid-connection has carried nothing since its
// first packet in the capture, itself empty (a keepalive probe or an ACK): its silence
// began before the capture did, and the silence the capture shows is a lower bound.
func silentBeforeCapture(f *flows.Flow) bool {
	c, s := f.Side(flows.FromClient), f.Side(flows.FromServer)
	return f.Midstream && f.LastActive == f.First && c.FirstData != f.First && s.FirstData != f.First &&
		c.FIN != f.First && s.FIN != f.First
}

// finIdle is how long the flow had been silent when side s sent its FIN, nil when the
// capture does not show it: begun mid-connection, it holds nothing of the flow before
// the FIN (which the silence before the capture began may have lasted any time).
func finIdle(f *flows.Flow, s *flows.Side) *float64 {
	if finIdleUnseen(f, s) {
		return nil
	}
	return psecs(s.FINIdle)
}

func finIdleUnseen(f *flows.Flow, s *flows.Side) bool {
	return f.Midstream && s.FINIdle == 0 && !s.FIN.Time().After(f.First.Time())
}

// closedAfter says side d closed, after how long a silence where the capture shows it.
func closedAfter(sum text, f *flows.Flow, d flows.Direction) text {
	sum = sum.s(d.String()).s(" ").addr(sideAddr(f, d)).s(" closed")
	s := f.Side(d)
	if finIdleUnseen(f, s) {
		return sum.s(" (its FIN is the connection's first packet in the capture: how long it had been idle before does not show)")
	}
	return sum.s(" after ").d(s.FINIdle).s(" idle")
}

// finEvidence names side s's FIN (sent by d; first: it closed first) as evidence. A FIN
// the capture lost is named by the peer's ACK of it, which stands in for it.
func finEvidence(ev *evidenceNamer, s *flows.Side, d flows.Direction, first bool) Evidence {
	switch {
	case s.FINUnseen && first:
		return ev.at(s.FIN, sideText(d, "client FIN (closes first; not in the capture: the server's ACK of it)",
			"server FIN (closes first; not in the capture: the client's ACK of it)"))
	case s.FINUnseen:
		return ev.at(s.FIN, sideText(d, "client FIN (not in the capture: the server's ACK of it)",
			"server FIN (not in the capture: the client's ACK of it)"))
	case first:
		return ev.at(s.FIN, sideText(d, "client FIN (closes first)", "server FIN (closes first)"))
	}
	return ev.at(s.FIN, sideText(d, "client FIN", "server FIN"))
}

func sideAddr(f *flows.Flow, d flows.Direction) netip.AddrPort {
	if d == flows.FromClient {
		return f.Client
	}
	return f.Server
}

func retransmitGiveUp(f *flows.Flow, d flows.Direction, end time.Time, ev *evidenceNamer, then string) judgement {
	side := f.Side(d)
	j := judgement{verdict: RetransmitGiveUp, facts: Facts{Side: d.String(), Retransmissions: side.RetransRun, LastRetransGap: psecs(side.RetransGap)}}
	j.evidence = append(j.evidence, ev.at(side.FirstRetrans, "first retransmission"), ev.at(side.LastRetrans, "last retransmission"))
	if then == "" {
		then = fmt.Sprintf("then it gave up (nothing more in the %s until capture end)", dur(end.Sub(side.LastRetrans.Time())))
	}
	why := "the peer or the path was gone"
	if f.AcksLost(d) {
		n := int(side.SpuriousRun)
		j.facts.SpuriousRetransmissions = n
		j.evidence = append(j.evidence, ev.at(f.Side(d.Other()).Last, sideText(d.Other(), "client's last ACK (never reached the server)", "server's last ACK (never reached the client)")))
		j.summary = fmt.Sprintf("the %s's data was retransmitted %s (last gap %s), though the %s had acknowledged it in the capture (%d of the resends %s of data already acknowledged): the acknowledgments never reached the %s, lost between the capture point and it (a firewall on its host, a one-way path); %s",
			d, timesWord(side.RetransRun), dur(side.RetransGap), d.Other(), n, oneOrMore(n, "was", "were"), d, then)
		return j
	}
	if icmp, ok := icmpAbout(f, d, ev, &j); ok {
		// ICMP errors about these segments: a router or the host said why.
		why = icmp
	} else if m, what := peerAlive(f, d); what != "" {
		j.facts.PeerAlive = true
		j.evidence = append(j.evidence, ev.at(m, sideText(d.Other(), "client's last packet", "server's last packet")))
		why = fmt.Sprintf("the %s was alive (it sent %s while they went on) but never acknowledged the data: the path lost those segments one way (a firewall or a route; an MTU black hole when the lost segments are the full-sized ones)",
			d.Other(), what)
	}
	what := "data"
	if side.UnackedDataSince.IsZero() && !side.FIN.IsZero() {
		what = "FIN" // all its data acknowledged: what went unanswered was its FIN
	}
	j.summary = fmt.Sprintf("the %s's %s was retransmitted %s without being ACKed (last gap %s); %s: %s",
		d, what, timesWord(side.RetransRun), dur(side.RetransGap), then, why)
	return j
}

// unackedSince is when what side's retransmissions resent first went out: its first
// unacknowledged data, or else its FIN.
func unackedSince(side *flows.Side) flows.Mark {
	if side.UnackedDataSince.IsZero() {
		return side.FIN
	}
	return side.UnackedDataSince
}

// peerAlive tells whether the peer of side d was alive while d's retransmissions went
// unacknowledged: it sent something after one of them. (Anything it sent before may
// be all it did before it died, or may have crossed the data on the wire.) It returns
// the peer's last packet and what it sent.
func peerAlive(f *flows.Flow, d flows.Direction) (flows.Mark, string) {
	side, peer := f.Side(d), f.Side(d.Other())
	since := unackedSince(side)
	// The first retransmission of it; when the side's first one ever came before (an
	// earlier loss, repaired), only its last is known to be of this data.
	ref := side.FirstRetrans
	if since.IsZero() || ref.IsZero() || ref.Time().Before(since.Time()) {
		ref = side.LastRetrans
	}
	if ref.IsZero() || !peer.Last.Time().After(ref.Time()) {
		return flows.Mark{}, ""
	}
	if !peer.RST.IsZero() && peer.RST.Time().After(ref.Time()) {
		// The peer reset: the resends reached it, or whatever answers in its name (a
		// kernel without the connection); the summary says who reset.
		return flows.Mark{}, ""
	}
	switch at := ref.Time(); {
	case !peer.FIN.IsZero() && peer.FIN.Time().After(at):
		return peer.Last, "its FIN"
	case !peer.LastData.IsZero() && peer.LastData.Time().After(at):
		return peer.Last, "data"
	}
	return peer.Last, "ACKs of nothing new"
}

func keepAliveTimeout(f *flows.Flow, d flows.Direction, ev *evidenceNamer, then string) judgement {
	side := f.Side(d)
	j := judgement{verdict: KeepAliveTimeout, facts: Facts{Side: d.String(), KeepAlives: side.KeepAliveUnacked, KeepAliveEvery: psecs(side.LastKeepAliveGap)}}
	j.evidence = append(j.evidence, ev.at(side.LastKeepAlive, "last unanswered keepalive probe"))
	j.summary = fmt.Sprintf("the %s's last %d keepalive probes (every %s) went unanswered and it %s: the peer was gone",
		d, side.KeepAliveUnacked, dur(side.LastKeepAliveGap), then)
	return j
}

// keepAliveAnswersLost: side d probed, its peer's kernel answered every probe in the
// capture, and d reset the connection as a prober whose probes went unanswered does:
// its probes and its RST echo a timestamp older than the answers' (Side.
// KeepAliveAnswersLost), so the answers never reached it. Linux resets only once
// tcp_keepalive_probes probes in a row went unanswered; an answer it receives starts
// the count again.
func keepAliveAnswersLost(f *flows.Flow, d flows.Direction, ev *evidenceNamer) judgement {
	side, peer := f.Side(d), f.Side(d.Other())
	n := int(side.KeepAliveAnswersLost)
	j := judgement{verdict: KeepAliveTimeout, facts: Facts{Side: d.String(), KeepAlives: n,
		KeepAliveEvery: psecs(side.LastKeepAliveGap), KeepAliveAnswersLost: n}}
	j.evidence = append(j.evidence, ev.at(side.LastKeepAlive, "last keepalive probe"),
		ev.at(peer.Last, sideText(d.Other(), "client's last answer (never reached the server)", "server's last answer (never reached the client)")))
	j.summary = fmt.Sprintf("the %s's last %d keepalive probes (every %s) were each answered by the %s in the capture, but the answers never reached the %s (%s), so it reset the connection as a keepalive timeout: the answers were lost between the capture point and the %s (a firewall on its host, a one-way path)",
		d, n, dur(side.LastKeepAliveGap), d.Other(), d, answersLostWhy(side, "its later probes and its RST"), d)
	return j
}

// lostPastCapture says, by direction bit (1<<d for side d), which side never got
// packets its peer sent that the capture holds, as what that side did next shows: it
// resent data its peer had acknowledged (Flow.AcksLost), probed on as if its keepalive
// answers never came (KeepAliveAnswersLost), sent its SYN again after SYN-ACKs
// (synsAfterSYNACK), or, the server, sent its SYN-ACK again after the client's ACKs
// (synACKsAfterACK). They were lost between the capture point and that side.
func lostPastCapture(f *flows.Flow) uint8 {
	var lost uint8
	for _, d := range []flows.Direction{flows.FromClient, flows.FromServer} {
		if side := f.Side(d); side.KeepAliveAnswersLost > 0 || f.AcksLost(d) {
			lost |= 1 << d
		}
	}
	if synsAfterSYNACK(f) >= 2 {
		lost |= 1 << flows.FromClient
	}
	if synACKsAfterACK(f) >= 2 {
		lost |= 1 << flows.FromServer
	}
	return lost
}

// answersLostWhy says how what (a prober's later segments) shows its keepalive
// answers never arrived: by their TCP timestamps, or, without any, by their timing.
func answersLostWhy(side *flows.Side, what string) string {
	if side.KeepAliveLostByTiming {
		return what + " came at its probe interval, not after its keepalive time again, as they would after an answer"
	}
	return what + " still echo an older timestamp than the answers'"
}

// rttTo is the round trip between the capture point and side d, read off the
// handshake: from the client's last SYN to the server's SYN-ACK for the server, from the
// SYN-ACK to the client's ACK for the client. ok is false without a handshake that
// shows it. A SYN-ACK that answers an earlier SYN than the last only makes it shorter;
// but the first SYN-ACK the capture holds may be a resend of one lost before the
// capture point, which makes it longer: so one SYN-ACK only, and under the 1 s a
// kernel waits before resending one (RFC 6298's initial timeout).
func rttTo(f *flows.Flow, d flows.Direction) (rtt time.Duration, ok bool) {
	c, s := f.Side(flows.FromClient), f.Side(flows.FromServer)
	if f.Midstream || c.SYNs == 0 || s.SYNs != 1 || f.Established.IsZero() ||
		c.LastSYN.Time().After(s.FirstSYN.Time()) {
		return 0, false
	}
	if d == flows.FromServer {
		rtt = s.FirstSYN.Sub(c.LastSYN)
	} else {
		rtt = f.Established.Sub(s.LastSYN)
	}
	return rtt, rtt > 0 && rtt < time.Second
}

// rstCrossed says the RST reached the capture point sooner after the other side's last
// packet than that packet could have reached the RST's sender and an answer come back
// (three quarters of the round trip between the capture point and the sender, at least
// 1 ms of it, the rest being the path's jitter): the RST left before that packet
// arrived, they crossed on the way, and the RST answers nothing of it. rtt is that
// round trip.
func rstCrossed(f *flows.Flow) (rtt time.Duration, crossed bool) {
	r := f.RST
	if r.Prev.IsZero() || r.PrevFrom == r.From {
		return 0, false
	}
	rtt, ok := rttTo(f, r.From)
	return rtt, ok && rtt >= time.Millisecond && r.Gap < rtt*3/4
}

func classifyRST(f *flows.Flow, end time.Time, cfg Config, ev *evidenceNamer, specific bool) judgement {
	r := f.RST
	rs := f.Side(r.From)
	rstEv := ev.at(r.Packet, sideText(r.From, "RST from the client", "RST from the server"))
	rtt, crossed := rstCrossed(f)

	// A FIN one way, then an RST: the other side had sat in CLOSE_WAIT.
	for _, d := range []flows.Direction{flows.FromServer, flows.FromClient} {
		if r.BeforeFIN[d] && !r.BeforeFIN[d.Other()] {
			closer := f.Side(d)
			stuck := d.Other()
			if crossed && r.From == stuck && closer.FIN == r.Prev {
				continue // the FIN had not reached the RST's sender: no CLOSE_WAIT
			}
			j := judgement{verdict: FINUnansweredThenRST, facts: Facts{
				Side: stuck.String(), Idle: finIdle(f, closer), FINToRST: psecs(r.Packet.Time().Sub(closer.FIN.Time())),
				RSTFrom: r.From.String(), RSTHasACK: pbool(rs.RSTHasAck), FINAcked: pbool(!closer.FINAcked.IsZero()),
			}}
			// Built without fmt, as finUnanswered's are.
			j.evidence = append(make([]Evidence, 0, 3), finEvidence(ev, closer, d, false))
			if !closer.FINAcked.IsZero() && !closer.FINUnseen {
				j.evidence = append(j.evidence, ev.at(closer.FINAcked, sideText(stuck, "client ACKs the FIN", "server ACKs the FIN")))
			}
			j.evidence = append(j.evidence, rstEv)
			var buf [320]byte
			sum := closedAfter(text(buf[:0]), f, d).s("; the ").s(stuck.String()).s(" never sent FIN (CLOSE_WAIT); ").d(r.Packet.Time().Sub(closer.FIN.Time())).
				s(" later an RST from the ").s(r.From.String()).s(" ended the flow")
			if r.PrevFrom != r.From && r.PrevData && !r.Prev.IsZero() {
				j.facts.RSTAnswered = "data"
				sum = sum.s(", answering ").s(r.PrevFrom.String()).s(" data sent on the half-closed connection")
			}
			j.summary = sum.String()
			return j
		}
	}
	// The RST ended repeated retransmissions or unanswered keepalives.
	for _, d := range []flows.Direction{flows.FromClient, flows.FromServer} {
		if !specific {
			break
		}
		side := f.Side(d)
		if side.RetransRun >= cfg.RetransGiveUp && !side.UnackedDataSince.IsZero() {
			return retransmitGiveUp(f, d, end, ev, fmt.Sprintf("then the %s reset the connection", r.From))
		}
		if side.KeepAliveUnacked >= cfg.KeepAliveGiveUp && r.From == d {
			j := keepAliveTimeout(f, d, ev, "reset the connection")
			j.evidence = append(j.evidence, rstEv)
			j.facts.RSTFrom = r.From.String()
			return j
		}
		if int(side.KeepAliveAnswersLost) >= cfg.KeepAliveGiveUp && r.From == d {
			j := keepAliveAnswersLost(f, d, ev)
			j.evidence = append(j.evidence, rstEv)
			j.facts.RSTFrom = r.From.String()
			return j
		}
	}
	if f.PeerLost() {
		return peerLost(f, cfg, ev, rstEv)
	}
	// After a silence, or in the middle of an exchange?
	answeredData := !r.Prev.IsZero() && r.PrevFrom != r.From && r.PrevData && r.Gap < cfg.Idle && !crossed
	// Keepalive probes and their answers are no activity: an RST after them still
	// comes after the silence they filled.
	idle := r.SinceActive
	switch {
	case answeredData:
		idle = r.PrevGap
	case crossed:
		// The packet it crossed never reached the RST's sender: the silence that one saw
		// runs from the packet before it, less the round trip between it and the capture
		// point (each packet's way there and the RST's way back).
		idle = max(r.PrevGap+r.Gap-rtt, 0)
	}
	facts := Facts{Side: r.From.String(), RSTFrom: r.From.String(), RSTHasACK: pbool(rs.RSTHasAck), Idle: psecs(idle)}
	if answeredData {
		facts.RSTAnswered = "data"
	} else {
		facts.RSTAnswered = "nothing"
	}
	if idle >= cfg.Idle {
		// An idle-connection reaper makes thousands of these: built without fmt (see text).
		j := judgement{verdict: RSTAfterIdle, facts: facts}
		var buf [320]byte
		sum := text(buf[:0]).s("after ").d(idle).s(" idle the ")
		if answeredData {
			j.evidence = append(j.evidence, ev.at(r.Prev, sideText(r.PrevFrom, "client sends after the silence", "server sends after the silence")), rstEv)
			sum = sum.s(r.PrevFrom.String()).s(" sent data")
			if ps := f.Side(r.PrevFrom); ps.RetransRun > 0 && ps.LastRetrans == r.Prev {
				// The silence counts to the first send (see flows.RSTContext.PrevGap).
				sum = sum.s(", resent it ").times(ps.RetransRun).s(",")
			}
			sum = sum.s(" and the ").s(r.From.String()).s(" answered with RST ").d(r.Gap).
				s(" later: the ").s(r.From.String()).s(" no longer had the connection (a dead peer, or a socket closed without telling), or a firewall or NAT on the way answered for it (one that forgot the connection, or rejects it)")
		} else {
			j.evidence = append(j.evidence, rstEv)
			sum = sum.s(r.From.String()).s(" reset the connection: an abort (SO_LINGER 0 close, an idle-connection reaper, or a killed process)")
		}
		j.summary = sum.String()
		return j
	}
	j := judgement{verdict: Reset, facts: facts}
	j.evidence = append(j.evidence, rstEv)
	if r.Prev.IsZero() {
		j.summary = fmt.Sprintf("the %s reset the connection; the RST is the first packet of it in the capture, so what came before is unknown", r.From)
		return j
	}
	if crossed {
		what := "packet"
		switch p := f.Side(r.PrevFrom); {
		case p.FIN == r.Prev:
			what = "FIN"
		case r.PrevData:
			what = "data"
		}
		var buf [320]byte
		j.summary = text(buf[:0]).s("the ").s(r.From.String()).s(" reset the connection ").d(r.Gap).s(" after the ").
			s(r.PrevFrom.String()).s("'s ").s(what).s(", sooner than the ").d(rtt).s(" round trip between the capture point and the ").
			s(r.From.String()).s(": the RST left before the ").s(what).s(" arrived (they crossed on the way), an abort, not an answer to it").String()
		return j
	}
	if c, sv := f.Side(flows.FromClient), f.Side(flows.FromServer); r.From == flows.FromServer &&
		r.PrevFrom == flows.FromClient && !r.PrevData && c.PayloadBytes == 0 && sv.PayloadBytes == 0 &&
		sv.SYNs > 0 && !f.Established.IsZero() && !r.Prev.Time().Before(f.Established.Time()) {
		// Nothing but the handshake, and the RST answers the client's ACK of the
		// SYN-ACK: the listener's kernel would not take the connection it had just
		// completed (Linux resets it so when the accept queue is full and
		// tcp_abort_on_overflow is set), or an application aborted it at once; "in the
		// middle of the exchange" would say an exchange there was.
		j.facts.HandshakeToRST = psecs(r.Packet.Time().Sub(f.Established.Time()))
		var buf [320]byte
		j.summary = text(buf[:0]).s("the server reset the connection ").d(r.Gap).
			s(" after the client's ACK of its SYN-ACK, before any data either way: its kernel refused the connection the handshake had just completed (as a listener whose accept queue is full does with net.ipv4.tcp_abort_on_overflow=1), or its application reset it as it accepted it").String()
		return j
	}
	var buf [384]byte
	sum := text(buf[:0]).s("the ").s(r.From.String()).s(" reset the connection in the middle of the exchange, ").
		d(r.Gap).s(" after the previous packet (client sent ").n(f.Side(flows.FromClient).PayloadBytes).
		s(" bytes, server sent ").n(f.Side(flows.FromServer).PayloadBytes).s(" bytes before it)")
	if r.PrevFrom != r.From && r.PrevData && !f.Side(r.From).RSTHasAck {
		// A bare RST answering the peer's data: see endedText.
		sum = sum.s(": its RST carried no ACK, as a kernel answers data for a connection it no longer has (a socket its application closed, or a host restarted), or a firewall on the way answers for it")
	}
	j.summary = sum.String()
	return j
}

// peerLost judges a connection its client lost without closing it, ended when the
// client connected again from the same port (see flows.Flow.PeerLost): the server's
// challenge ACK for this connection, then the client's RST in answer from SYN-SENT.
func peerLost(f *flows.Flow, cfg Config, ev *evidenceNamer, rstEv Evidence) judgement {
	r := f.RST
	lost := r.From.Other()
	idle := r.SinceActive
	facts := Facts{Side: r.From.String(), RSTFrom: r.From.String(), RSTHasACK: pbool(f.Side(r.From).RSTHasAck),
		Idle: psecs(idle), RSTAnswered: "challenge_ack"}
	j := judgement{verdict: Reset, facts: facts}
	if idle >= cfg.Idle {
		j.verdict = RSTAfterIdle
	}
	j.evidence = append(make([]Evidence, 0, 3), ev.at(f.Replaced, sideText(r.From, "client's new SYN from the same port", "server's new SYN from the same port")))
	challenge := !r.Prev.IsZero() && r.PrevFrom == lost
	if challenge {
		j.evidence = append(j.evidence, ev.at(r.Prev, sideText(lost, "client's challenge ACK for this connection", "server's challenge ACK for this connection")))
	}
	j.evidence = append(j.evidence, rstEv)
	var buf [560]byte
	sum := text(buf[:0]).s("the ").s(r.From.String()).s(" connected again from the same port ").d(f.Replaced.Time().Sub(f.LastActive.Time())).
		s(" after this connection's last activity; the ").s(lost.String()).s(", still holding it, answered with a challenge ACK for it (RFC 5961")
	if !challenge {
		sum = sum.s("; the capture lost it, but the RST is at this connection's next byte, which only that ACK gave the ").s(r.From.String())
	}
	j.summary = sum.s("), and the ").s(r.From.String()).s("'s RST in answer ended it: the ").s(r.From.String()).
		s(" had lost the connection without a FIN or an RST reaching the ").s(lost.String()).
		s(" (a restarted host or process, or a NAT or firewall that dropped it), so it sat half-open until then").String()
	return j
}

// icmpText names an ICMP destination-unreachable (or ICMPv6) error.
func icmpText(typ, code uint8, v6 bool) string {
	if v6 {
		switch typ {
		case 1:
			switch code {
			case 0:
				return "no route to destination"
			case 1:
				return "administratively prohibited"
			case 3:
				return "address unreachable"
			case 4:
				return "port unreachable"
			case 5:
				return "source address failed policy"
			case 6:
				return "reject route"
			}
			return fmt.Sprintf("destination unreachable (code %d)", code)
		case 2:
			return "packet too big"
		}
		return fmt.Sprintf("ICMPv6 type %d code %d", typ, code)
	}
	if typ == 3 {
		switch code {
		case 0:
			return "net unreachable"
		case 1:
			return "host unreachable"
		case 2:
			return "protocol unreachable"
		case 3:
			return "port unreachable"
		case 4:
			return "fragmentation needed"
		case 9, 10, 13:
			return "administratively prohibited"
		}
		return fmt.Sprintf("destination unreachable (code %d)", code)
	}
	return fmt.Sprintf("ICMP type %d code %d", typ, code)
}

// oneSided is the verdict of a flow only half of which was captured: the captured side's
// acknowledgments prove the other sent packets, none of which is in the file. What the
// missing side did (answer, close, stay in CLOSE_WAIT) is unknown, so nothing is claimed
// about it; the close shape still describes the packets that were seen.
func oneSided(f *flows.Flow, missing flows.Direction, close Verdict, ev *evidenceNamer) judgement {
	seen := missing.Other()
	s := f.Side(seen)
	j := judgement{verdict: OneSided, facts: Facts{NotCaptured: missing.String()}}
	j.evidence = append(j.evidence, ev.at(f.First, "first packet captured"), ev.at(f.Last, "last packet captured"))
	what := "sent no FIN or RST"
	switch {
	case !s.RST.IsZero():
		what = fmt.Sprintf("reset it %s after the first packet", dur(s.RST.Time().Sub(f.First.Time())))
	case !s.FIN.IsZero():
		what = fmt.Sprintf("closed it (FIN) %s after the first packet", dur(s.FIN.Time().Sub(f.First.Time())))
	}
	j.summary = fmt.Sprintf("only the %s's half of this connection was captured (%s, %d bytes; its acknowledgments show the %s sent data that is not in the file: a capture filter, asymmetric routing or a one-way mirror); the %s %s; what the %s did is unknown",
		seen, plural(s.Packets, "packet"), s.PayloadBytes, missing, seen, what, missing)
	return j
}
