package analyzer

import (
	"fmt"
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
	BytesSent      int64    `json:"bytes_sent,omitempty"`
	NoGreeting     bool     `json:"no_greeting,omitempty"` // a server-first protocol whose server never greeted
	FirstComplete  *bool    `json:"first_request_complete,omitempty"`
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
func clientGaveUp(f *flows.Flow, after time.Time) (flows.Mark, string) {
	c := f.Side(flows.FromClient)
	var m flows.Mark
	how := ""
	if !c.FIN.IsZero() && !c.FIN.Time.Before(after) {
		m, how = c.FIN, "FIN"
	}
	if !c.RST.IsZero() && !c.RST.Time.Before(after) && (m.IsZero() || c.RST.Time.Before(m.Time)) {
		m, how = c.RST, "RST"
	}
	return m, how
}

// applyApp turns what the application layer saw into the more specific verdicts:
// a request never answered outranks the close shape (VERDICTS.md), and rst_on_first_data
// learns what the first request was.
func applyApp(j judgement, f *flows.Flow, info *app.Info, end time.Time, ev *evidenceNamer) judgement {
	if info == nil {
		return j
	}
	proto := info.Protocol
	if proto == "" {
		proto = info.PortHint
	}
	if j.verdict == RSTOnFirstData {
		j.app = &AppFacts{Protocol: proto, FirstComplete: pbool(info.FirstRequestComplete)}
		if info.FirstRequestComplete && proto != "" {
			j.summary += fmt.Sprintf(" (the first data was a complete %s request)", protocolName(proto))
		}
		return j
	}
	if !f.HandshakeDone() {
		return j
	}
	c, s := f.Side(flows.FromClient), f.Side(flows.FromServer)
	if un := unansweredHTTP(info, c, s); len(un) > 0 {
		return httpUnanswered(j, f, info, un, end, ev)
	}
	if f.Midstream || c.FirstData.IsZero() || info.Protocol == app.ProtoHTTP {
		if info.ServerSpeaksFirst && s.FirstData.IsZero() && !f.Midstream && c.FirstData.IsZero() {
			j.app = &AppFacts{Protocol: proto, NoGreeting: true}
			j.summary += fmt.Sprintf("; the server never sent its %s greeting", protocolName(proto))
		}
		return j
	}
	// The client spoke and got nothing back: no byte at all, or, where the server
	// greets first, nothing after the client's first message.
	greetedOnly := info.ServerSpeaksFirst && !s.LastData.IsZero() && s.LastData.Time.Before(c.FirstData.Time)
	if !s.FirstData.IsZero() && !greetedOnly {
		return j
	}
	a := &AppFacts{Protocol: proto, BytesSent: c.PayloadBytes}
	what := "data"
	if proto != "" {
		what = protocolName(proto) + " data"
	}
	if info.TLS != nil && info.TLS.SNI != "" {
		what = fmt.Sprintf("a TLS ClientHello for %s", info.TLS.SNI)
	}
	if info.SSH != nil && info.SSH.ClientBanner != "" {
		what = fmt.Sprintf("its SSH banner %q", info.SSH.ClientBanner)
	}
	answer := "no byte ever came back"
	if greetedOnly {
		answer = fmt.Sprintf("after the server's %s greeting, nothing more came back", protocolName(proto))
	} else if info.ServerSpeaksFirst {
		a.NoGreeting = true
		answer = fmt.Sprintf("the server never sent its %s greeting", protocolName(proto))
	}
	sent := fmt.Sprintf("the client sent %s (%d bytes)", what, c.PayloadBytes)
	j.evidence = append([]Evidence{ev.at(c.LastData, "client's last data, never answered")}, j.evidence...)
	if m, how := clientGaveUp(f, c.LastData.Time); !m.IsZero() {
		a.Wait, a.GaveUpBy = psecs(m.Time.Sub(c.LastData.Time)), how
		j.verdict, j.app = RequestUnanswered, a
		j.summary = fmt.Sprintf("%s and %s; the client gave up after %s and %s",
			sent, answer, dur(m.Time.Sub(c.LastData.Time)), gaveUpClause(f, how))
		return j
	}
	if !f.RST.Packet.IsZero() || !s.FIN.IsZero() {
		// The server (or someone) ended it without a word.
		m, who := endedBy(f)
		a.Wait, a.GaveUpBy = psecs(m.Time.Sub(c.LastData.Time)), "server"
		j.verdict, j.app = RequestUnanswered, a
		j.summary = fmt.Sprintf("%s and %s; %s ended the connection %s later", sent, answer, who, dur(m.Time.Sub(c.LastData.Time)))
		return j
	}
	a.Wait = psecs(end.Sub(c.LastData.Time))
	j.verdict, j.app = ServerSilent, a
	ka := "no keepalive probes seen"
	if c.KeepAlives+s.KeepAlives > 0 {
		ka = fmt.Sprintf("keepalive probes seen (client %d, server %d)", c.KeepAlives, s.KeepAlives)
	}
	j.summary = fmt.Sprintf("%s and %s: still open and waiting %s later at capture end (%s); a client without an application timeout hangs here",
		sent, answer, dur(end.Sub(c.LastData.Time)), ka)
	return j
}

// endedBy is what ended a flow the client did not close: the server's FIN or an RST,
// whichever came first, and how to name it.
func endedBy(f *flows.Flow) (flows.Mark, string) {
	s := f.Side(flows.FromServer)
	m, who := f.RST.Packet, "an RST from the "+f.RST.From.String()
	if m.IsZero() || (!s.FIN.IsZero() && s.FIN.Time.Before(m.Time)) {
		m, who = s.FIN, "the server's FIN"
	}
	return m, who
}

// gaveUpClause says how the client ended its wait and how the connection stands after.
func gaveUpClause(f *flows.Flow, how string) string {
	if how == "RST" {
		return "reset the connection (RST)"
	}
	s := f.Side(flows.FromServer)
	switch {
	case !s.FIN.IsZero():
		return "closed (FIN); the server closed too"
	case !f.RST.Packet.IsZero():
		return fmt.Sprintf("closed (FIN); later an RST from the %s ended it", f.RST.From)
	}
	return "closed (FIN); the server never closed its side (CLOSE_WAIT): the application is not answering and not closing"
}

// unansweredHTTP lists the requests that got no response byte. A request the parser
// never saw end (no blank line: HTTP/0.9 style, or not HTTP at all) followed by server
// bytes that parse as no response was answered in some other form: not claimed.
//
// A response that began only after the client had closed or reset came too late: the
// requester had given up, so its request counts as unanswered too.
func unansweredHTTP(info *app.Info, c, s *flows.Side) []app.Exchange {
	if info.Protocol != app.ProtoHTTP {
		return nil
	}
	gaveUp := firstOf(c.FIN, c.RST)
	var out []app.Exchange
	for _, e := range info.HTTP {
		if e.Method == "" {
			continue // a response whose request was not captured
		}
		if e.Answered() {
			if gaveUp.IsZero() || !e.ResponseStart.After(gaveUp.Time) || e.RequestStart.After(gaveUp.Time) {
				continue
			}
		} else if !e.RequestComplete && !s.LastData.IsZero() && s.LastData.Time.After(e.RequestStart) {
			continue
		}
		out = append(out, e)
	}
	return out
}

func httpUnanswered(j judgement, f *flows.Flow, info *app.Info, un []app.Exchange, end time.Time, ev *evidenceNamer) judgement {
	u := un[0]
	earlier := 0
	for _, e := range info.HTTP {
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
	reqEnd := u.RequestEnd
	if reqEnd.IsZero() {
		reqEnd = u.RequestStart
	}
	j.evidence = append([]Evidence{{Frame: u.RequestFrame, What: fmt.Sprintf("HTTP %s %s, never answered", u.Method, u.Path)}}, j.evidence...)
	if len(ev.files) > 1 {
		j.evidence[0].File = ev.files[u.RequestFile]
	}
	req := fmt.Sprintf("HTTP %s %s", u.Method, u.Path)
	if u.Host != "" {
		req += " (Host " + u.Host + ")"
	}
	var tail string
	switch {
	case earlier == 1:
		tail = "; 1 earlier request on this connection was answered"
	case earlier > 1:
		tail = fmt.Sprintf("; %d earlier requests on this connection were answered", earlier)
	}
	if len(un) > 1 {
		tail += fmt.Sprintf("; %d more requests behind it went unanswered too", len(un)-1)
	}
	if u.Answered() {
		tail += fmt.Sprintf("; a late response (%d) came in frame %d, %s after the request, when the client was gone",
			u.Status, u.ResponseFrame, dur(u.ResponseStart.Sub(reqEnd)))
	}
	if m, how := clientGaveUp(f, reqEnd); !m.IsZero() {
		a.Wait, a.GaveUpBy = psecs(m.Time.Sub(reqEnd)), how
		j.summary = fmt.Sprintf("%s never answered; the client gave up after %s and %s%s",
			req, dur(m.Time.Sub(reqEnd)), gaveUpClause(f, how), tail)
	} else if s := f.Side(flows.FromServer); !s.FIN.IsZero() || !f.RST.Packet.IsZero() {
		m, who := endedBy(f)
		a.Wait, a.GaveUpBy = psecs(m.Time.Sub(reqEnd)), "server"
		j.summary = fmt.Sprintf("%s never answered; %s ended the connection %s later%s", req, who, dur(m.Time.Sub(reqEnd)), tail)
	} else {
		a.Wait, a.GaveUpBy = psecs(end.Sub(reqEnd)), "capture end"
		j.summary = fmt.Sprintf("%s never answered; still waiting %s later when the capture ended%s", req, dur(end.Sub(reqEnd)), tail)
	}
	j.verdict, j.app = HTTPUnanswered, a
	return j
}
