package report

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tcpmortem/tcpmortem/analyzer"
	"github.com/tcpmortem/tcpmortem/analyzer/app"
	"github.com/tcpmortem/tcpmortem/flows/zeekconn"
)

// A flow is most of the JSON document, and encoding/json's reflection (and its
// re-compaction of app.Exchange's MarshalJSON output) was most of the cost of writing
// it. This file writes analyzer.Flow by hand, byte for byte as encoding/json does:
// the same field order, omitempty rules, nil slices as null, float formatting and
// string escaping. Anything it cannot write the way encoding/json would (a NaN or an
// infinity, an exchange time outside RFC 3339) falls back to encoding/json, which also
// gives the error. jsonflow_test.go holds it to encoding/json: every flow of every
// test capture, hand-made awkward flows, a reflective fill of every field (which
// fails when a field is added to one of these types and not here), and a fuzz target.

// appendFlow appends f as one line of JSON, exactly as json.Encoder with
// SetEscapeHTML(false) and no indent writes it (without the trailing newline).
// A flow encoding/json cannot encode (a NaN or an infinite float) leaves b as it was;
// appendFlowErr says why.
func appendFlow(b []byte, f *analyzer.Flow) []byte {
	out, err := appendFlowErr(b, f)
	if err != nil {
		return b
	}
	return out
}

// appendFlowErr is appendFlow with encoding/json's error for a flow it cannot encode.
func appendFlowErr(b []byte, f *analyzer.Flow) ([]byte, error) {
	n := len(b)
	w := jsonWriter{b: b}
	w.flow(f)
	if !w.bad {
		return w.b, nil
	}
	// Something only encoding/json can judge: let it write (or refuse) the flow.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		return w.b[:n], err
	}
	return append(w.b[:n], bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), nil
}

// jsonWriter appends JSON to b; bad says a value needs encoding/json after all.
type jsonWriter struct {
	b   []byte
	bad bool
}

// key starts a member: a comma unless it is the object's first, then "name":.
// name must need no escaping.
func (w *jsonWriter) key(name string) {
	if w.b[len(w.b)-1] != '{' {
		w.b = append(w.b, ',')
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, name...)
	w.b = append(w.b, '"', ':')
}

func (w *jsonWriter) str(s string) { w.b = appendJSONString(w.b, s, false) }

func (w *jsonWriter) int(v int) { w.b = strconv.AppendInt(w.b, int64(v), 10) }

func (w *jsonWriter) int64(v int64) { w.b = strconv.AppendInt(w.b, v, 10) }

func (w *jsonWriter) bool(v bool) {
	if v {
		w.b = append(w.b, "true"...)
	} else {
		w.b = append(w.b, "false"...)
	}
}

// float writes a float64 as encoding/json does (like ES6's number to string).
func (w *jsonWriter) float(f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		w.bad = true
		w.b = append(w.b, '0') // never seen: encoding/json writes the flow instead
		return
	}
	abs := math.Abs(f)
	fmt := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		fmt = 'e'
	}
	w.b = strconv.AppendFloat(w.b, f, fmt, -1, 64)
	if fmt == 'e' {
		// clean up e-09 to e-9
		n := len(w.b)
		if n >= 4 && w.b[n-4] == 'e' && w.b[n-3] == '-' && w.b[n-2] == '0' {
			w.b[n-2] = w.b[n-1]
			w.b = w.b[:n-1]
		}
	}
}

func (w *jsonWriter) floats(fs []float64) {
	if fs == nil {
		w.b = append(w.b, "null"...)
		return
	}
	w.b = append(w.b, '[')
	for i, f := range fs {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.float(f)
	}
	w.b = append(w.b, ']')
}

func (w *jsonWriter) pair64(p [2]int64) {
	w.b = append(w.b, '[')
	w.int64(p[0])
	w.b = append(w.b, ',')
	w.int64(p[1])
	w.b = append(w.b, ']')
}

// The omitempty members: written only when not empty.

func (w *jsonWriter) optStr(name, s string) {
	if s != "" {
		w.key(name)
		w.str(s)
	}
}

func (w *jsonWriter) optInt(name string, v int) {
	if v != 0 {
		w.key(name)
		w.int(v)
	}
}

func (w *jsonWriter) optInt64(name string, v int64) {
	if v != 0 {
		w.key(name)
		w.int64(v)
	}
}

func (w *jsonWriter) optBool(name string, v bool) {
	if v {
		w.key(name)
		w.b = append(w.b, "true"...)
	}
}

func (w *jsonWriter) optFloats(name string, fs []float64) {
	if len(fs) != 0 {
		w.key(name)
		w.floats(fs)
	}
}

func (w *jsonWriter) optFloatPtr(name string, p *float64) {
	if p != nil {
		w.key(name)
		w.float(*p)
	}
}

func (w *jsonWriter) optIntPtr(name string, p *int) {
	if p != nil {
		w.key(name)
		w.int(*p)
	}
}

func (w *jsonWriter) optBoolPtr(name string, p *bool) {
	if p != nil {
		w.key(name)
		w.bool(*p)
	}
}

// timestamp writes analyzer.Timestamp as its MarshalText does, as a JSON string: RFC
// 3339 in UTC with nine fractional digits, "" when unset. The layout's bytes (digits,
// '-', ':', '.', 'T', 'Z', '+') never need escaping.
func (w *jsonWriter) timestamp(ts analyzer.Timestamp) {
	t := time.Time(ts)
	w.b = append(w.b, '"')
	if !t.IsZero() {
		w.b = t.UTC().AppendFormat(w.b, "2006-01-02T15:04:05.000000000Z07:00")
	}
	w.b = append(w.b, '"')
}

func (w *jsonWriter) flow(f *analyzer.Flow) {
	w.b = append(w.b, `{"id":`...)
	w.int(f.ID)
	w.b = append(w.b, `,"client":`...)
	w.str(f.Client)
	w.b = append(w.b, `,"server":`...)
	w.str(f.Server)
	w.b = append(w.b, `,"file":`...)
	w.str(f.File)
	w.b = append(w.b, `,"first_frame":`...)
	w.int(f.FirstFrame)
	w.b = append(w.b, `,"last_frame":`...)
	w.int(f.LastFrame)
	w.optStr("last_file", f.LastFile)
	w.b = append(w.b, `,"start":`...)
	w.timestamp(f.StartAt)
	w.b = append(w.b, `,"end":`...)
	w.timestamp(f.EndAt)
	w.b = append(w.b, `,"duration_s":`...)
	w.float(f.Duration)
	w.b = append(w.b, `,"verdict":`...)
	w.str(string(f.Verdict))
	w.b = append(w.b, `,"close":`...)
	w.str(string(f.Close))
	w.b = append(w.b, `,"severity":`...)
	w.str(string(f.Severity))
	w.b = append(w.b, `,"midstream":`...)
	w.bool(f.Midstream)
	w.b = append(w.b, `,"summary":`...)
	w.str(f.Summary)
	w.b = append(w.b, `,"facts":`...)
	w.facts(&f.Facts)
	w.b = append(w.b, `,"evidence":`...)
	w.evidence(f.Evidence)
	w.b = append(w.b, `,"packets":{"client":`...)
	w.int(f.Packets.Client)
	w.b = append(w.b, `,"server":`...)
	w.int(f.Packets.Server)
	w.b = append(w.b, `},"payload_bytes":{"client":`...)
	w.int64(f.PayloadBytes.Client)
	w.b = append(w.b, `,"server":`...)
	w.int64(f.PayloadBytes.Server)
	w.b = append(w.b, `},"analysis":{"client":`...)
	w.sideStats(&f.Analysis.Client)
	w.b = append(w.b, `,"server":`...)
	w.sideStats(&f.Analysis.Server)
	w.b = append(w.b, '}')
	w.optStr("protocol", f.Protocol)
	if len(f.HTTP) != 0 {
		w.key("http")
		w.exchanges(f.HTTP)
	}
	if f.App != nil {
		w.key("app")
		w.appInfo(f.App)
	}
	w.b = append(w.b, `,"zeek_conn_state":`...)
	w.str(f.ZeekConnState)
	w.b = append(w.b, `,"zeek_history":`...)
	w.str(f.ZeekHistory)
	if len(f.ZeekEarlierRows) != 0 {
		w.key("zeek_earlier_rows")
		w.zeekRows(f.ZeekEarlierRows)
	}
	w.b = append(w.b, `,"wireshark_filter":`...)
	w.str(f.WiresharkFilter)
	w.b = append(w.b, '}')
}

func (w *jsonWriter) facts(x *analyzer.Facts) {
	w.b = append(w.b, '{')
	w.optStr("side", x.Side)
	w.optStr("closed_first", x.ClosedFirst)
	w.optInt("syn_count", x.SYNCount)
	w.optFloats("syn_gaps_s", x.SYNGaps)
	w.optFloatPtr("syn_span_s", x.SYNSpan)
	w.optIntPtr("syn_retries", x.SYNRetries)
	w.optInt("synack_count", x.SYNACKCount)
	w.optFloats("synack_gaps_s", x.SYNACKGaps)
	w.optStr("refused_by", x.RefusedBy)
	w.optStr("icmp", x.ICMP)
	w.optStr("icmp_from", x.ICMPFrom)
	w.optStr("rst_from", x.RSTFrom)
	w.optBoolPtr("rst_has_ack", x.RSTHasACK)
	w.optStr("rst_answered", x.RSTAnswered)
	w.optFloatPtr("idle_s", x.Idle)
	w.optFloatPtr("stuck_s", x.Stuck)
	w.optFloatPtr("fin_to_rst_s", x.FINToRST)
	w.optBoolPtr("fin_acked", x.FINAcked)
	w.optFloatPtr("handshake_to_rst_s", x.HandshakeToRST)
	w.optFloatPtr("data_to_rst_s", x.DataToRST)
	w.optInt("first_data_bytes", x.FirstDataBytes)
	w.optInt("retransmissions", x.Retransmissions)
	w.optFloatPtr("last_retrans_gap_s", x.LastRetransGap)
	w.optInt("keepalive_probes", x.KeepAlives)
	w.optFloatPtr("keepalive_interval_s", x.KeepAliveEvery)
	w.optBoolPtr("keepalive_seen", x.KeepAliveSeen)
	w.optFloatPtr("silent_s", x.Silent)
	w.optStr("trailing_rst_from", x.TrailingRST)
	w.optStr("not_captured", x.NotCaptured)
	// The embedded *AppFacts: its members are promoted into facts; nil adds none.
	if a := x.AppFacts; a != nil {
		w.optStr("protocol", a.Protocol)
		w.optStr("method", a.Method)
		w.optStr("path", a.Path)
		w.optStr("host", a.Host)
		w.optInt("request_frame", a.RequestFrame)
		w.optFloatPtr("wait_s", a.Wait)
		w.optStr("gave_up_by", a.GaveUpBy)
		w.optIntPtr("earlier_answered", a.EarlierAnswers)
		w.optInt("unanswered", a.Unanswered)
		w.optInt64("bytes_sent", a.BytesSent)
		w.optBool("no_greeting", a.NoGreeting)
		w.optBoolPtr("first_request_complete", a.FirstComplete)
	}
	w.b = append(w.b, '}')
}

func (w *jsonWriter) evidence(ev []analyzer.Evidence) {
	if ev == nil {
		w.b = append(w.b, "null"...)
		return
	}
	w.b = append(w.b, '[')
	for i := range ev {
		e := &ev[i]
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = append(w.b, '{')
		w.optStr("file", e.File)
		w.key("frame")
		w.int(e.Frame)
		w.b = append(w.b, `,"what":`...)
		w.str(e.What)
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, ']')
}

func (w *jsonWriter) sideStats(s *analyzer.SideStats) {
	w.b = append(w.b, `{"retransmissions":`...)
	w.int(s.Retransmissions)
	w.b = append(w.b, `,"out_of_order":`...)
	w.int(s.OutOfOrder)
	w.b = append(w.b, `,"dup_acks":`...)
	w.int(s.DupAcks)
	w.b = append(w.b, `,"keepalives":`...)
	w.int(s.KeepAlives)
	w.b = append(w.b, `,"keepalive_acks":`...)
	w.int(s.KeepAliveACKs)
	w.b = append(w.b, `,"zero_windows":`...)
	w.int(s.ZeroWindows)
	w.b = append(w.b, `,"zero_window_probes":`...)
	w.int(s.ZeroWindowProbes)
	w.b = append(w.b, `,"window_full":`...)
	w.int(s.WindowFull)
	w.b = append(w.b, `,"syns":`...)
	w.int(s.SYNs)
	w.b = append(w.b, `,"fins":`...)
	w.int(s.FINs)
	w.b = append(w.b, `,"rsts":`...)
	w.int(s.RSTs)
	w.b = append(w.b, '}')
}

func (w *jsonWriter) zeekRows(rows []zeekconn.Row) {
	w.b = append(w.b, '[')
	for i := range rows {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.b = append(w.b, `{"conn_state":`...)
		w.str(rows[i].ConnState)
		w.b = append(w.b, `,"history":`...)
		w.str(rows[i].History)
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, ']')
}

func (w *jsonWriter) exchanges(xs []app.Exchange) {
	if xs == nil {
		w.b = append(w.b, "null"...)
		return
	}
	w.b = append(w.b, '[')
	for i := range xs {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.exchange(&xs[i])
	}
	w.b = append(w.b, ']')
}

// exchange writes what app.Exchange.MarshalJSON returns, as encoding/json copies it
// into the flow: MarshalJSON calls json.Marshal, which escapes HTML (<, >, & as
// \u003c...), and the copy's compaction changes nothing of json.Marshal's output.
// The times are time.Time's MarshalJSON (RFC 3339 with the time's own offset, trailing
// zeros of the fraction dropped).
func (w *jsonWriter) exchange(e *app.Exchange) {
	w.b = append(w.b, `{"method":`...)
	w.b = appendJSONString(w.b, e.Method, true)
	w.b = append(w.b, `,"path":`...)
	w.b = appendJSONString(w.b, e.Path, true)
	w.b = append(w.b, `,"host":`...)
	w.b = appendJSONString(w.b, e.Host, true)
	if e.Proto != "" {
		w.b = append(w.b, `,"proto":`...)
		w.b = appendJSONString(w.b, e.Proto, true)
	}
	w.b = append(w.b, `,"status":`...)
	w.int(e.Status)
	w.b = append(w.b, `,"request_frame":`...)
	w.int(e.RequestFrame)
	w.b = append(w.b, `,"response_frame":`...)
	w.int(e.ResponseFrame)
	if e.Answered() && !e.RequestEnd.IsZero() {
		w.b = append(w.b, `,"wait_ms":`...)
		w.float(durationMS(e.Wait))
	}
	if e.Complete && !e.RequestStart.IsZero() {
		w.b = append(w.b, `,"total_ms":`...)
		w.float(durationMS(e.Total))
	}
	w.b = append(w.b, `,"complete":`...)
	w.bool(e.Complete)
	w.b = append(w.b, `,"request_complete":`...)
	w.bool(e.RequestComplete)
	if len(e.Interim) != 0 {
		w.b = append(w.b, `,"interim":[`...)
		for i, s := range e.Interim {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.int(s)
		}
		w.b = append(w.b, ']')
	}
	w.b = append(w.b, `,"request_bytes":`...)
	w.int64(e.RequestBytes)
	w.b = append(w.b, `,"response_bytes":`...)
	w.int64(e.ResponseBytes)
	if e.Oversize {
		w.b = append(w.b, `,"oversize":true`...)
	}
	if e.Gap {
		w.b = append(w.b, `,"gap":true`...)
	}
	w.exchangeTime(`,"request_start":`, e.RequestStart)
	w.exchangeTime(`,"request_end":`, e.RequestEnd)
	w.exchangeTime(`,"response_start":`, e.ResponseStart)
	w.exchangeTime(`,"response_end":`, e.ResponseEnd)
	w.b = append(w.b, '}')
}

// durationMS is app's ms: milliseconds, rounded to the microsecond.
func durationMS(d time.Duration) float64 {
	return math.Round(float64(d)/1e3) / 1e3
}

// exchangeTime writes a non-zero time as time.Time's MarshalJSON does. A time that
// method refuses (a year outside [0,9999], an offset of a day or more) makes the
// flow encoding/json's to write, and to refuse.
func (w *jsonWriter) exchangeTime(member string, t time.Time) {
	if t.IsZero() {
		return
	}
	w.b = append(w.b, member...)
	w.b = append(w.b, '"')
	n0 := len(w.b)
	w.b = t.AppendFormat(w.b, time.RFC3339Nano)
	b := w.b
	num2 := func(b []byte) byte { return 10*(b[0]-'0') + (b[1] - '0') }
	switch {
	case b[n0+len("9999")] != '-':
		w.bad = true
	case b[len(b)-1] != 'Z':
		c := b[len(b)-len("Z07:00")]
		if ('0' <= c && c <= '9') || num2(b[len(b)-len("07:00"):]) >= 24 {
			w.bad = true
		}
	}
	w.b = append(w.b, '"')
}

func (w *jsonWriter) appInfo(a *app.Info) {
	w.b = append(w.b, `{"protocol":`...)
	w.str(a.Protocol)
	w.optStr("port_hint", a.PortHint)
	if len(a.HTTP) != 0 {
		w.key("http")
		w.exchanges(a.HTTP)
	}
	w.optInt("http_requests", a.HTTPRequests)
	w.optInt("http_answered", a.HTTPAnswered)
	w.optInt("http_omitted", a.HTTPOmitted)
	if t := a.TLS; t != nil {
		w.key("tls")
		w.b = append(w.b, '{')
		w.optStr("sni", t.SNI)
		w.optStr("version", t.Version)
		if len(t.ALPN) != 0 {
			w.key("alpn")
			w.b = append(w.b, '[')
			for i, s := range t.ALPN {
				if i > 0 {
					w.b = append(w.b, ',')
				}
				w.str(s)
			}
			w.b = append(w.b, ']')
		}
		w.key("client_hello")
		w.bool(t.ClientHello)
		w.b = append(w.b, `,"client_hello_complete":`...)
		w.bool(t.ClientHelloComplete)
		w.optInt("client_hello_frame", t.ClientHelloFrame)
		w.b = append(w.b, `,"server_hello":`...)
		w.bool(t.ServerHello)
		w.optInt("server_hello_frame", t.ServerHelloFrame)
		w.optStr("server_version", t.ServerVersion)
		w.optStr("alert", t.Alert)
		w.b = append(w.b, '}')
	}
	if s := a.SSH; s != nil {
		w.key("ssh")
		w.b = append(w.b, '{')
		w.optStr("client_banner", s.ClientBanner)
		w.optStr("server_banner", s.ServerBanner)
		w.optInt("client_banner_frame", s.ClientBannerFrame)
		w.optInt("server_banner_frame", s.ServerBannerFrame)
		w.b = append(w.b, '}')
	}
	if m := a.MySQL; m != nil {
		w.key("mysql")
		w.b = append(w.b, `{"greeting":`...)
		w.bool(m.Greeting)
		w.optInt("greeting_frame", m.GreetingFrame)
		w.optInt("protocol_version", m.ProtocolVer)
		w.optStr("server_version", m.ServerVersion)
		w.optInt64("connection_id", int64(m.ConnectionID))
		w.optStr("auth_plugin", m.AuthPlugin)
		w.optStr("greeting_error", m.GreetingError)
		w.b = append(w.b, `,"login":`...)
		w.bool(m.Login)
		w.optInt("login_frame", m.LoginFrame)
		w.optStr("user", m.User)
		w.optStr("database", m.Database)
		w.optBool("ssl", m.SSL)
		w.optStr("login_reply", m.LoginReply)
		w.optStr("login_error", m.LoginError)
		w.b = append(w.b, '}')
	}
	if p := a.Postgres; p != nil {
		w.key("postgresql")
		w.b = append(w.b, '{')
		w.optBool("ssl_request", p.SSLRequest)
		w.optStr("ssl_response", p.SSLResponse)
		w.optBool("gssenc_request", p.GSSENCRequest)
		w.optBool("cancel_request", p.CancelRequest)
		w.key("startup")
		w.bool(p.Startup)
		w.optInt("startup_frame", p.StartupFrame)
		w.optStr("protocol_version", p.Version)
		w.optStr("user", p.User)
		w.optStr("database", p.Database)
		w.optStr("application_name", p.Application)
		w.optStr("auth", p.Auth)
		w.optStr("error", p.Error)
		w.b = append(w.b, '}')
	}
	if r := a.Redis; r != nil {
		w.key("redis")
		w.b = append(w.b, '{')
		w.optStr("command", r.Command)
		w.optStr("key", r.Key)
		w.optBool("inline", r.Inline)
		w.optStr("reply", r.Reply)
		w.optInt("reply_frame", r.ReplyFrame)
		w.b = append(w.b, '}')
	}
	if s := a.SMTP; s != nil {
		w.key("smtp")
		w.b = append(w.b, '{')
		w.optStr("greeting", s.Greeting)
		w.optInt("greeting_frame", s.GreetingFrame)
		w.optStr("hello", s.Hello)
		w.optInt("hello_frame", s.HelloFrame)
		w.optInt("hello_reply", s.HelloReply)
		w.b = append(w.b, '}')
	}
	if h := a.HTTP2; h != nil {
		w.key("http2")
		w.b = append(w.b, `{"preface":`...)
		w.bool(h.Preface)
		w.optInt("preface_frame", h.PrefaceFrame)
		w.optStr("server_frame", h.ServerFrame)
		w.optInt("server_frame_frame", h.ServerFrameFrame)
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, `,"bytes":`...)
	w.pair64(a.Bytes)
	w.b = append(w.b, `,"gaps":`...)
	w.pair64(a.Gaps)
	w.b = append(w.b, `,"uncaptured":`...)
	w.pair64(a.Uncaptured)
	w.b = append(w.b, `,"first_request_complete":`...)
	w.bool(a.FirstRequestComplete)
	w.b = append(w.b, `,"server_speaks_first":`...)
	w.bool(a.ServerSpeaksFirst)
	w.b = append(w.b, '}')
}

const jsonHex = "0123456789abcdef"

// jsonSafe marks the ASCII bytes a JSON string holds as they are: encoding/json's
// safeSet (escapeHTML false) and htmlSafeSet (true, which also escapes <, > and &).
var jsonSafe, jsonHTMLSafe = func() (s, h [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		if c != '"' && c != '\\' {
			s[c] = true
			h[c] = c != '<' && c != '>' && c != '&'
		}
	}
	return
}()

// appendJSONString is encoding/json's appendString: s quoted, with '"' and '\\'
// escaped, \b \f \n \r \t as such, other control bytes as \u00XX, invalid UTF-8 as
// \ufffd, U+2028 and U+2029 escaped, and with escapeHTML also <, > and &.
func appendJSONString(dst []byte, s string, escapeHTML bool) []byte {
	safe := &jsonSafe
	if escapeHTML {
		safe = &jsonHTMLSafe
	}
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', jsonHex[c>>4], jsonHex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', jsonHex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	dst = append(dst, '"')
	return dst
}
