package analyzer

import (
	"slices"
	"time"

	"github.com/tcpmortem/tcpmortem/analyzer/app"
	"github.com/tcpmortem/tcpmortem/flows"
)

// AppFacts are the application-level facts of http_unanswered, request_unanswered and
// server_silent (and what rst_on_first_data knows of the first request).
type AppFacts struct {
	Protocol       string   `json:"protocol,omitempty"` // recognised from the bytes, else the port's hint
	Method         string   `json:"method,omitempty"`
	Path           string   `json:"path,omitempty"`
	Host           string   `json:"host,omitempty"`
	RequestFrame   int      `json:"request_frame,omitempty"`
	Wait           *float64 `json:"wait_s,omitempty"` // from the request's last byte to the client's FIN or RST, or to capture end
	GaveUpBy       string   `json:"gave_up_by,omitempty"`
	EarlierAnswers *int     `json:"earlier_answered,omitempty"` // requests answered before it on the same connection
	Unanswered     int      `json:"unanswered,omitempty"`       // requests left without a response
	// LateResponse is the frame of a response that came after the client had given up
	// (its FIN or RST): the server did answer, later than the client waited.
	LateResponse  int   `json:"late_response_frame,omitempty"`
	BytesSent     int64 `json:"bytes_sent,omitempty"`
	NoGreeting    bool  `json:"no_greeting,omitempty"` // a server-first protocol whose server never greeted
	FirstComplete *bool `json:"first_request_complete,omitempty"`
}

// protocolName is how a protocol is named in a sentence.
func protocolName(p string) string {
	switch p {
	case app.ProtoHTTP:
		return "HTTP"
	case app.ProtoTLS:
		return "TLS"
	case app.ProtoSSH:
		return "SSH"
	case app.ProtoMySQL:
		return "MySQL"
	case app.ProtoPostgres:
		return "PostgreSQL"
	case app.ProtoRedis:
		return "Redis"
	case app.ProtoSMTP:
		return "SMTP"
	case app.ProtoHTTP2:
		return "HTTP/2"
	}
	return p
}

// clientGaveUp finds when and how the client ended its wait after t: its FIN or RST.
// When the server's FIN or RST came first (after t), the server ended the wait and the
// client only followed: it returns nothing.
func clientGaveUp(f *flows.Flow, after time.Time) (flows.Mark, string) {
	c, s := f.Side(flows.FromClient), f.Side(flows.FromServer)
	var m flows.Mark
	how := ""
	if !c.FIN.IsZero() && !c.FIN.Time().Before(after) {
		m, how = c.FIN, "FIN"
	}
	if !c.RST.IsZero() && !c.RST.Time().Before(after) && (m.IsZero() || c.RST.Time().Before(m.Time())) {
		m, how = c.RST, "RST"
	}
	for _, e := range []flows.Mark{s.FIN, s.RST} {
		if !m.IsZero() && !e.IsZero() && !e.Time().Before(after) && e.Time().Before(m.Time()) {
			return flows.Mark{}, ""
		}
	}
	return m, how
}

// applyApp turns what the application layer saw into the more specific verdicts:
// a request never answered outranks the close shape (VERDICTS.md), and rst_on_first_data
// learns what the first request was.
//
// A request still unanswered when the capture ends, on a flow nobody ended, counts only
// once it has waited idle (--idle): before that it is in flight, as an open flow silent
// for less is active, and the close shape (open) stands.
//
// Nor is a request called unanswered when the client acknowledged server bytes the
// capture does not hold: the answer may be among them.
func applyApp(j judgement, f *flows.Flow, info *app.Info, end time.Time, idle time.Duration, ev *evidenceNamer) judgement {
	if info == nil {
		return j
	}
	out := appVerdict(j, f, info, end, idle, ev)
	switch out.verdict {
	case HTTPUnanswered, RequestUnanswered, ServerSilent:
		if n, acked := f.UnseenBytes(flows.FromServer); acked {
			j.summary = text([]byte(j.summary)).s("; the client acknowledged ").n(n).
				s(" bytes from the server that the capture does not hold (it lost them): an answer may be among them").String()
			return j
		} else if n > 0 {
			sum := text([]byte(j.summary))
			if j.verdict == FINUnanswered && f.Side(flows.FromServer).FINMayBeLost() {
				// The close shape's summary has just said what the capture lost.
				j.summary = sum.s("; an answer may be among it as well").String()
				return j
			}
			j.summary = sum.s("; the server's sequence numbers run ").n(n).
				s(" past what the capture holds of it: an answer may be among what the capture lost").String()
			return j
		}
	}
	return out
}

// oneWayTransfer: bytes no parser recognised (or none the capture holds), then the
// client's FIN, answered by the server's: a one-way transfer (an FTP data connection,
// an upload, a log stream) whose receiver read to the end and closed, not a request
// left unanswered. A protocol that expects an answer (HTTP, TLS, SSH, ...) is only ever
// named from its bytes. (A client FIN the capture lost stands at the server's ACK of
// it, which may be the server's own FIN: FirstFIN tells which came first.)
func oneWayTransfer(j judgement, f *flows.Flow, info *app.Info) bool {
	return info.Protocol == "" && j.verdict == CleanClose && f.FirstFIN() == flows.FromClient
}

// lostRequest: the capture holds no byte of the client's, but the server acknowledged
// bytes from it the capture lost (flows.Flow.UnseenBytes: capture loss took the whole
// request), sent nothing back before the client closed (FIN) or reset, and never
// closed first: the client sent data, never got a byte back, and gave up, as a
// request_unanswered is. What the bytes were does not show, nor exactly when they were
// sent: before the server's ACK of them, so the wait is at least the flow's silence
// before the client's close, which ends no earlier than that ACK.
func lostRequest(j judgement, f *flows.Flow, info *app.Info, proto string, end time.Time, idle time.Duration, ev *evidenceNamer) (judgement, bool) {
	c, s := f.Side(flows.FromClient), f.Side(flows.FromServer)
	n, acked := f.UnseenBytes(flows.FromClient)
	if !acked || n <= 0 {
		return j, false
	}
	m, how := clientGaveUp(f, f.First.Time())
	if m.IsZero() || !s.FirstData.IsZero() && s.FirstData.Time().Before(m.Time()) {
		return j, false // the server answered, or closed first
	}
	if oneWayTransfer(j, f, info) {
		return j, false
	}
	wait := c.FINIdle
	if how == "RST" {
		wait = f.RST.SinceActive
	}
	if wait <= 0 {
		return j, false
	}
	a := &AppFacts{Protocol: proto, BytesSent: n, Wait: psecs(wait), GaveUpBy: how}
	var buf [320]byte
	sum := text(buf[:0]).s("the client sent ").n(n).s(" bytes the capture lost (the server acknowledged them")
	if proto != "" {
		sum = sum.s("; ").s(protocolName(proto))
		if info.Protocol == "" {
			sum = sum.s(" by the port only")
		} else {
			sum = sum.s(" by the server's bytes")
		}
	}
	sum = gaveUpBy(sum.s(") and no byte came back; the client gave up at least ").d(wait).s(" later and "), f, how, end, idle)
	if !s.FirstData.IsZero() {
		a.LateResponse = s.FirstData.Frame
		sum = sum.s("; the server's first bytes came in frame ").n(int64(s.FirstData.Frame)).s(", ").
			d(s.FirstData.Time().Sub(m.Time())).s(" after the client had given up")
		j.evidence = append(j.evidence, ev.at(s.FirstData, "server's first data, after the client gave up"))
	}
	j.verdict, j.app, j.summary = RequestUnanswered, a, sum.String()
	return j, true
}

func appVerdict(j judgement, f *flows.Flow, info *app.Info, end time.Time, idle time.Duration, ev *evidenceNamer) judgement {
	proto := info.Protocol
	if proto == "" {
		proto = info.PortHint
	}
	if j.verdict == RSTOnFirstData {
		j.app = &AppFacts{Protocol: proto, FirstComplete: pbool(info.FirstRequestComplete)}
		if info.FirstRequestComplete && proto != "" {
			j.summary += " (the first data was a complete " + protocolName(proto) + " request)"
		}
		return j
	}
	if !f.HandshakeDone() {
		return j
	}
	c, s := f.Side(flows.FromClient), f.Side(flows.FromServer)
	if un := unansweredHTTP(info, c, s); len(un) > 0 {
		if since := requestEnd(&un[0]); inFlight(f, since, end, idle) {
			return inFlightNote(j, since, end)
		}
		return httpUnanswered(j, f, info, un, end, idle, ev)
	}
	if j.verdict == RetransmitGiveUp {
		return unackedExchange(j, f, info)
	}
	if e := httpAfterFIN(info, s); e != nil {
		late := ev.at(flows.Mark{File: e.RequestFile, Frame: e.RequestFrame}, "HTTP "+e.Method+" "+e.Path+", sent after the server's FIN")
		return afterServerFIN(j, f, "HTTP "+e.Method+" "+e.Path, e.RequestStart, late)
	}
	if c.FirstData.IsZero() && f.FromStart() {
		if lj, ok := lostRequest(j, f, info, proto, end, idle, ev); ok {
			return lj
		}
	}
	if !f.FromStart() || c.FirstData.IsZero() || info.Protocol == app.ProtoHTTP {
		if info.ServerSpeaksFirst && s.FirstData.IsZero() && f.FromStart() && c.FirstData.IsZero() {
			j.app = &AppFacts{Protocol: proto, NoGreeting: true}
			j.summary += "; the server never sent its " + protocolName(proto) + " greeting"
		}
		return j
	}
	// The client spoke and got nothing back: no byte at all, or, where the server
	// greets first, nothing after the client's first message.
	greetedOnly := info.ServerSpeaksFirst && !s.LastData.IsZero() && s.LastData.Time().Before(c.FirstData.Time())
	if !s.FirstData.IsZero() && !greetedOnly {
		return j
	}
	if !s.FIN.IsZero() && !c.FirstData.Time().Before(s.FIN.Time()) {
		// Every byte the client sent came after the server had closed: nothing was
		// left to answer it (a FIN is the last byte a side sends).
		what := string(text(nil).n(c.PayloadBytes).s(" bytes of data"))
		if proto != "" {
			what = string(text(nil).n(c.PayloadBytes).s(" bytes of ").s(protocolName(proto)).s(" data"))
		}
		return afterServerFIN(j, f, what, c.FirstData.Time(), ev.at(c.FirstData, "client data after the server's FIN"))
	}
	// Waits run from when the client last sent new bytes: its kernel's resends of them
	// (a request lost on the way, or its ACK) are no new request.
	lastSent := c.LastNewData()
	if inFlight(f, lastSent, end, idle) {
		return inFlightNote(j, lastSent, end)
	}
	if oneWayTransfer(j, f, info) {
		return j
	}
	// The request is the client's last data: the wait runs from it, and a finding over
	// such flows points at it.
	a := &AppFacts{Protocol: proto, BytesSent: c.PayloadBytes, RequestFrame: c.LastData.Frame}
	// A hung SSH or TLS service makes thousands of these: built without fmt (see text).
	var buf [384]byte
	sum := text(buf[:0]).s("the client sent ")
	switch {
	case info.SSH != nil && info.SSH.ClientBanner != "":
		sum = sum.s("its SSH banner ").q(info.SSH.ClientBanner)
	case info.TLS != nil && info.TLS.SNI != "":
		sum = sum.s("a TLS ClientHello for ").s(info.TLS.SNI)
	case info.Protocol != "":
		sum = sum.s(protocolName(proto)).s(" data")
	default:
		sum = sum.s("data")
	}
	sum = sum.s(" (").n(c.PayloadBytes).s(" bytes")
	if info.Protocol == "" && proto != "" {
		// Bytes no parser recognised: the port is all that names the protocol.
		sum = sum.s("; ").s(protocolName(proto)).s(" by the port only")
	}
	sum = sum.s(") and ")
	if greetedOnly {
		sum = sum.s("after the server's ").s(protocolName(proto)).s(" greeting, nothing more came back")
	} else if info.ServerSpeaksFirst {
		a.NoGreeting = true
		sum = sum.s("the server never sent its ").s(protocolName(proto)).s(" greeting")
	} else {
		sum = sum.s("no byte ever came back")
	}
	j.evidence = slices.Insert(j.evidence, 0, ev.at(c.LastData, "client's last data, never answered"))
	// A client that wrote on after the server's FIN did not give up on its data: the
	// FIN ended the wait. What the client did once it found the connection closed (its
	// own FIN, sent before the server's RST could reach it over a longer round trip) is
	// no timeout of its own.
	if m, how := clientGaveUp(f, lastSent); !m.IsZero() && !wroteAfterFIN(f) {
		a.Wait, a.GaveUpBy = psecs(m.Time().Sub(lastSent)), how
		j.verdict, j.app = RequestUnanswered, a
		j.summary = gaveUpAfter(sum.s("; "), f, m.Time().Sub(lastSent), how, end, idle).String()
		return j
	}
	if !f.RST.Packet.IsZero() || !s.FIN.IsZero() {
		// The server (or someone) ended it without a word. The wait runs from the
		// client's last data, or, where the client went on writing after the server's
		// FIN, from its first: the data the server closed on.
		m, who := endedBy(f)
		since := lastSent
		if m.Time().Before(since) {
			since = c.FirstData.Time()
			a.RequestFrame = c.FirstData.Frame
			j.evidence[0] = ev.at(c.FirstData, "client's first data, never answered")
		}
		a.GaveUpBy = "server"
		j.verdict, j.app = RequestUnanswered, a
		sum, a.Wait = serverEnded(sum.s("; "), f, m, who, since, "the data")
		j.summary = sum.String()
		return j
	}
	a.Wait = psecs(end.Sub(lastSent))
	j.verdict, j.app = ServerSilent, a
	if zw, ok := zeroWindow(nil, f); ok {
		// Not a server that never answers but one that stopped reading: the client is
		// blocked sending, and its "keepalives" are probes of the closed window.
		j.summary = sum.s(": still open at capture end, ").d(end.Sub(lastSent)).s(" after the client's last data; ").
			s(string(zw)).String()
		return j
	}
	sum = sum.s(": still open and waiting ").d(end.Sub(lastSent)).s(" later at capture end (")
	if keepAliveSeen(f) {
		sum = probesSeen(sum, f)
	} else {
		sum = sum.s("no keepalive probes seen")
	}
	j.summary = sum.s("); a client without an application timeout hangs here").String()
	return j
}

// insertEvidence puts e among a verdict's evidence in frame order (the last one stays
// the decisive one a finding points at, unless e comes after it).
func insertEvidence(evs []Evidence, e Evidence) []Evidence {
	i := 0
	for i < len(evs) && (evs[i].File != e.File || evs[i].Frame < e.Frame) {
		i++
	}
	return slices.Insert(evs, i, e)
}

// wroteAfterFIN says the client sent data after the server's FIN: on a connection the
// server had closed, where nothing could answer it.
func wroteAfterFIN(f *flows.Flow) bool {
	c, s := f.Side(flows.FromClient), f.Side(flows.FromServer)
	return !s.FIN.IsZero() && !c.LastData.IsZero() && c.LastData.At > s.FIN.At
}

// httpAfterFIN is the first request the client sent after the server's FIN, or nil.
func httpAfterFIN(info *app.Info, s *flows.Side) *app.Exchange {
	if info.Protocol != app.ProtoHTTP || s.FIN.IsZero() {
		return nil
	}
	for i := range info.HTTP {
		if e := &info.HTTP[i]; e.Method != "" && e.RequestStart.After(s.FIN.Time()) {
			return e
		}
	}
	return nil
}

// afterServerFIN says, on the close shape, that the client wrote what (at, evidence e)
// on a connection the server had already closed. A FIN is the last byte a side sends,
// so no answer could come: this is no unanswered request but a client using a
// connection after its peer closed it (a pool handing out a connection the server's
// idle timeout had closed), and an RST is what the server's kernel answers.
func afterServerFIN(j judgement, f *flows.Flow, what string, at time.Time, e Evidence) judgement {
	j.evidence = insertEvidence(j.evidence, e)
	sum := text([]byte(j.summary))
	if j.facts.RSTAnswered == "data" {
		// The close shape already says an RST answered data sent after the FIN.
		sum = sum.s(" (").s(what).s(")")
	} else {
		sum = sum.s("; the client sent ").s(what).s(" ").d(at.Sub(f.Side(flows.FromServer).FIN.Time())).s(" after the server's FIN")
	}
	j.summary = sum.s(": the client used a connection the server had closed, so nothing could answer it").String()
	return j
}

// serverEnded says how m, the FIN or RST that ended a flow (endedBy: who), came after
// what the client sent at since (what), and the wait between them. It may have come
// first: the client wrote on a connection already ended, the RST not (yet) reaching it.
// Over a long path the two cross on the way (a server resetting just after the
// handshake, the client's request in flight); a flow begun mid-connection whose first
// packet is the RST shows it too. There is no wait then (it would be negative).
func serverEnded(sum text, f *flows.Flow, m flows.Mark, who string, since time.Time, what string) (text, *float64) {
	if d := m.Time().Sub(since); d >= 0 {
		return sum.s(who).s(" ended the connection ").d(d).s(" later").s(endedText(f, m)), psecs(d)
	}
	return sum.s(who).s(" came ").d(since.Sub(m.Time())).s(" before ").s(what).
		s(": the client sent it on a connection already ended, which it had not learnt of"), nil
}

// endedBy is what ended a flow the client did not close: the server's FIN or an RST,
// whichever came first, and how to name it.
func endedBy(f *flows.Flow) (flows.Mark, string) {
	s := f.Side(flows.FromServer)
	m, who := f.RST.Packet, sideText(f.RST.From, "an RST from the client", "an RST from the server")
	if m.IsZero() || (!s.FIN.IsZero() && s.FIN.Time().Before(m.Time())) {
		m, who = s.FIN, "the server's FIN"
	}
	return m, who
}

// endedText is what endedBy's end (m) adds to a summary: nothing, unless it is the
// server's RST answering the client's data without the ACK flag. A kernel resets so
// when the segment finds no connection (RFC 9293 3.10.7.1: the RST takes its sequence
// number from the segment's ACK and carries none): the socket was closed, or the server
// restarted; an application's abort on a live socket sends RST,ACK.
func endedText(f *flows.Flow, m flows.Mark) string {
	r := f.RST
	if m != r.Packet || r.From != flows.FromServer || f.Side(flows.FromServer).RSTHasAck ||
		r.PrevFrom != flows.FromClient || !r.PrevData || r.Prev.IsZero() {
		return ""
	}
	return ": its RST carried no ACK, as a kernel answers data for a connection it no longer has (a socket closed, or a server restarted), or a firewall on the way answers for it"
}

// gaveUpAfter says how long the client waited before its FIN or RST (how), and how the
// connection stands after (as of end, the end of observation). A FIN in the very
// segment that carried the request is no wait the capture can show: a client that
// closed as soon as it wrote, or a request whose first transmission the capture missed,
// sent again with the FIN.
func gaveUpAfter(t text, f *flows.Flow, wait time.Duration, how string, end time.Time, idle time.Duration) text {
	if wait == 0 {
		t = t.s("the client's ").s(how).s(" came with the request, in the same segment (no wait the capture shows)")
		if how == "FIN" {
			t = afterClientFIN(t.s("; "), f, end, idle)
		}
		return t
	}
	return gaveUpBy(t.s("the client gave up after ").d(wait).s(" and "), f, how, end, idle)
}

// gaveUpBy says how the client gave up (how: "FIN" or "RST"), and after a FIN how the
// connection stood.
func gaveUpBy(t text, f *flows.Flow, how string, end time.Time, idle time.Duration) text {
	if how == "RST" {
		return t.s("reset the connection (RST)")
	}
	return afterClientFIN(t.s("closed (FIN); "), f, end, idle)
}

// afterClientFIN says how the connection stood after the client's FIN. A server that
// has sat in CLOSE_WAIT for less than idle when the capture ends may yet close: it is
// not called one that never closes (as finUnanswered does not).
func afterClientFIN(t text, f *flows.Flow, end time.Time, idle time.Duration) text {
	switch {
	case !f.Side(flows.FromServer).FIN.IsZero():
		return t.s("the server closed too")
	case !f.RST.Packet.IsZero():
		return t.s(sideText(f.RST.From, "later an RST from the client ended it", "later an RST from the server ended it"))
	}
	since := end.Sub(f.Side(flows.FromClient).FIN.Time())
	if f.Side(flows.FromClient).FINAcked.IsZero() {
		return t.s("the server never ACKed the FIN in the ").d(since).s(" until the capture ended: it may never have received it")
	}
	if since < idle {
		return t.s("the server had not closed its side when the capture ended ").d(since).s(" later (CLOSE_WAIT, for less than the idle threshold)")
	}
	return t.s("the server never closed its side (CLOSE_WAIT): the application is not answering and not closing")
}

// unansweredHTTP lists the requests that got no response byte. A request the parser
// never saw end (no blank line: HTTP/0.9 style, or not HTTP at all) followed by server
// bytes that parse as no response was answered in some other form: not claimed.
//
// A response that began only after the client had gone came too late: the requester had
// given up, so its request counts as unanswered too. The client had gone when it reset,
// or when it closed and then reset (its kernel answers data for a closed socket with
// RST). A FIN alone closes one direction only: a client that half-closes after its
// request ("nc -N", shutdown(SHUT_WR)) still reads, and ACKs the answer.
func unansweredHTTP(info *app.Info, c, s *flows.Side) []app.Exchange {
	if info.Protocol != app.ProtoHTTP {
		return nil
	}
	var gaveUp flows.Mark
	if !c.RST.IsZero() {
		gaveUp = firstOf(c.FIN, c.RST)
	}
	var out []app.Exchange
	for i := range info.HTTP {
		e := &info.HTTP[i] // by pointer: an Exchange is too big to copy for a look
		if e.Method == "" {
			continue // a response whose request was not captured
		}
		if !s.FIN.IsZero() && e.RequestStart.After(s.FIN.Time()) {
			continue // sent after the server closed: see httpAfterFIN
		}
		if e.Answered() {
			if gaveUp.IsZero() || !e.ResponseStart.After(gaveUp.Time()) || e.RequestStart.After(gaveUp.Time()) {
				continue
			}
		} else if !e.RequestComplete && !s.LastData.IsZero() && s.LastData.Time().After(e.RequestStart) {
			continue
		}
		out = append(out, *e)
	}
	return out
}

// inFlightNote adds to an open flow's summary the request it still waited on.
func inFlightNote(j judgement, since, end time.Time) judgement {
	if j.verdict == Open {
		sum := text([]byte(j.summary)).s("; a request sent ")
		if age := end.Sub(since); age > 0 {
			sum = sum.d(age).s(" before the capture ended")
		} else {
			sum = sum.s("in the capture's last packet")
		}
		j.summary = sum.s(" had no answer yet").String()
	}
	return j
}

// unackedExchange names, in a retransmit_giveup's summary, the HTTP message the resent
// data belonged to: the last one the retransmitting side had begun before its last
// resend, the server's answer (the report's HTTP line shows it as given; the summary
// says it was never acknowledged in full) or the client's request.
func unackedExchange(j judgement, f *flows.Flow, info *app.Info) judgement {
	d := flows.FromServer
	if j.facts.Side == "client" {
		d = flows.FromClient
	}
	last := f.Side(d).LastRetrans
	if last.IsZero() {
		return j
	}
	var found *app.Exchange
	for i := range info.HTTP {
		e := &info.HTTP[i]
		switch {
		case e.Method == "":
		case d == flows.FromServer && e.Answered() && !e.ResponseStart.After(last.Time()),
			d == flows.FromClient && !e.RequestStart.IsZero() && !e.RequestStart.After(last.Time()):
			found = e
		}
	}
	if found == nil {
		return j
	}
	sum := text([]byte(j.summary))
	if d == flows.FromServer {
		sum = sum.s("; the resent data was (part of) the answer to ").s(found.Method).s(" ").s(found.Path).s(" (")
		if found.Status != 0 {
			sum = sum.n(int64(found.Status)).s(", ")
		}
		sum = sum.s("from frame ").n(int64(found.ResponseFrame)).s("), which the client never acknowledged in full")
	} else {
		sum = sum.s("; the resent data was (part of) the request ").s(found.Method).s(" ").s(found.Path).
			s(" (from frame ").n(int64(found.RequestFrame)).s("), which the server never acknowledged in full")
	}
	j.summary = sum.String()
	return j
}

// requestEnd is when an exchange's request was sent: its last byte, or its first when
// the end was not seen.
func requestEnd(e *app.Exchange) time.Time {
	if e.RequestEnd.IsZero() {
		return e.RequestStart
	}
	return e.RequestEnd
}

// inFlight says a request sent at since is still in flight when the capture ends:
// neither side ended the flow after it, and it has waited less than idle.
func inFlight(f *flows.Flow, since, end time.Time, idle time.Duration) bool {
	if m, _ := clientGaveUp(f, since); !m.IsZero() {
		return false
	}
	if !f.Side(flows.FromServer).FIN.IsZero() || !f.RST.Packet.IsZero() {
		return false
	}
	return end.Sub(since) < idle
}

func httpUnanswered(j judgement, f *flows.Flow, info *app.Info, un []app.Exchange, end time.Time, idle time.Duration, ev *evidenceNamer) judgement {
	u := un[0]
	earlier := 0
	for i := range info.HTTP {
		e := &info.HTTP[i]
		if e.RequestFrame == u.RequestFrame && e.RequestStart.Equal(u.RequestStart) && e.Path == u.Path {
			break
		}
		if e.Answered() && e.Method != "" {
			earlier++
		}
	}
	earlier += info.HTTPOmitted
	a := &AppFacts{Protocol: app.ProtoHTTP, Method: u.Method, Path: u.Path, Host: u.Host,
		RequestFrame: u.RequestFrame, EarlierAnswers: pint(earlier), Unanswered: len(un)}
	reqEnd := requestEnd(&u)
	// Inserted first, in one allocation (a literal prepended would be two).
	j.evidence = slices.Insert(j.evidence, 0, Evidence{Frame: u.RequestFrame, What: "HTTP " + u.Method + " " + u.Path + ", never answered"})
	if len(ev.files) > 1 {
		j.evidence[0].File = ev.files[u.RequestFile]
	}
	// Built without fmt, as the clean closes are (see text): a capture of a stalled
	// service has thousands of these.
	var buf [384]byte
	sum := text(buf[:0]).s("HTTP ").s(u.Method).s(" ").s(u.Path)
	if u.Host != "" {
		sum = sum.s(" (Host ").s(u.Host).s(")")
	}
	sum = sum.s(" never answered; ")
	if m, how := clientGaveUp(f, reqEnd); !m.IsZero() {
		a.Wait, a.GaveUpBy = psecs(m.Time().Sub(reqEnd)), how
		sum = gaveUpAfter(sum, f, m.Time().Sub(reqEnd), how, end, idle)
	} else if s := f.Side(flows.FromServer); !s.FIN.IsZero() || !f.RST.Packet.IsZero() {
		m, who := endedBy(f)
		a.GaveUpBy = "server"
		sum, a.Wait = serverEnded(sum, f, m, who, reqEnd, "the request")
	} else {
		a.Wait, a.GaveUpBy = psecs(end.Sub(reqEnd)), "capture end"
		sum = sum.s("still waiting ").d(end.Sub(reqEnd)).s(" later when the capture ended")
		// A request still being resent is no slow application: the server never even
		// acknowledged it, and that is what the reader has to know. (Unless the summary
		// says already why: a listener that never took the connection. The flow's own
		// verdict may also have named the same frames.)
		if retrying(f, flows.FromClient) && synACKsAfterData(f) == 0 {
			var named judgement
			sum = sideRetrying(sum.s("; "), f, flows.FromClient, end, ev, &named)
			for _, e := range named.evidence {
				if !slices.Contains(j.evidence, e) {
					j.evidence = append(j.evidence, e)
				}
			}
		}
	}
	switch {
	case earlier == 1:
		sum = sum.s("; 1 earlier request on this connection was answered")
	case earlier > 1:
		sum = sum.s("; ").n(int64(earlier)).s(" earlier requests on this connection were answered")
	}
	if len(un) > 1 {
		sum = sum.s("; ").n(int64(len(un) - 1)).s(oneOrMore(len(un)-1, " more request behind it went unanswered too", " more requests behind it went unanswered too"))
	}
	if u.Answered() {
		a.LateResponse = u.ResponseFrame
		sum = sum.s("; a late response (")
		if u.Status == 0 {
			sum = sum.s("HTTP/0.9, no status line")
		} else {
			sum = sum.n(int64(u.Status))
		}
		sum = sum.s(") came in frame ").n(int64(u.ResponseFrame)).
			s(", ").d(u.ResponseStart.Sub(reqEnd)).s(" after the request, when the client was gone")
	}
	j.summary = sum.String()
	j.verdict, j.app = HTTPUnanswered, a
	return j
}
