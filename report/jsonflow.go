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
	b    []byte
	bad  bool
	secs secondText // the flow's times mostly share a second
}

// key starts a member: a comma unless it is the object's first, then "name":.
// name must need no escaping.
func (w *jsonWriter) key(name string) {
	if w.b[len(w.b)-1] != '{' {
		w.b = append(w.b, ',')
	}
	w.b = append(w.b, '"')
	w.lit(name)
	w.b = append(w.b, '"', ':')
}

// keep stores b, what an append to w.b returned, in w.b: only its length when the
// array did not move (most of the time). Storing the pointer, through w, takes a GC
// write barrier, and on a big capture the collector runs for much of the writing.
func (w *jsonWriter) keep(b []byte) {
	if cap(b) == cap(w.b) { // append's result: the same array
		w.b = w.b[:len(b)]
	} else {
		w.b = b
	}
}

// lit appends s as it is (JSON's punctuation, a member's name): append's result kept
// with keep, for w.b = append(w.b, s...) stores the pointer back, with its barrier,
// even when the array did not move.
func (w *jsonWriter) lit(s string) { w.keep(append(w.b, s...)) }

func (w *jsonWriter) str(s string) { w.keep(appendJSONString(w.b, s, false)) }

// htmlStr writes s as json.Marshal does, with <, > and & escaped.
func (w *jsonWriter) htmlStr(s string) { w.keep(appendJSONString(w.b, s, true)) }

func (w *jsonWriter) int(v int) { w.keep(strconv.AppendInt(w.b, int64(v), 10)) }

func (w *jsonWriter) int64(v int64) { w.keep(strconv.AppendInt(w.b, v, 10)) }

func (w *jsonWriter) bool(v bool) {
	if v {
		w.lit("true")
	} else {
		w.lit("false")
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
	// Most values are whole millionths: the analyzer rounds durations to the
	// microsecond. The float64 nearest to m millionths (|m| < 10^15) is written by
	// strconv as that decimal, trimmed: no other decimal of 15 digits or fewer is as
	// near (float64 tells 15.9 digits apart), so it is the shortest that reads back.
	// Written from the integer, it skips the float-to-decimal conversion.
	if abs < 1e9 {
		if m := math.Round(f * 1e6); m != 0 && m/1e6 == f {
			w.keep(appendMillionths(w.b, int64(m)))
			return
		}
	}
	fmt := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		fmt = 'e'
	}
	w.keep(strconv.AppendFloat(w.b, f, fmt, -1, 64))
	if fmt == 'e' {
		// clean up e-09 to e-9
		n := len(w.b)
		if n >= 4 && w.b[n-4] == 'e' && w.b[n-3] == '-' && w.b[n-2] == '0' {
			w.b[n-2] = w.b[n-1]
			w.b = w.b[:n-1]
		}
	}
}

// appendMillionths appends m millionths as a decimal: the fraction's trailing zeros
// dropped, and the '.' with them when all are.
func appendMillionths(b []byte, m int64) []byte {
	if m < 0 {
		b = append(b, '-')
		m = -m
	}
	b = strconv.AppendInt(b, m/1e6, 10)
	return appendFraction(b, uint32(m%1e6)*1000, true)
}

func (w *jsonWriter) floats(fs []float64) {
	if fs == nil {
		w.lit("null")
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
		w.lit("true")
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
		b, ok := appendRFC3339(&w.secs, w.b, t.UTC(), false)
		if !ok {
			b = t.UTC().AppendFormat(w.b, "2006-01-02T15:04:05.000000000Z07:00")
		}
		w.keep(b)
	}
	w.b = append(w.b, '"')
}

func (w *jsonWriter) flow(f *analyzer.Flow) {
	w.lit(`{"id":`)
	w.int(f.ID)
	w.lit(`,"client":`)
	w.str(f.Client)
	w.lit(`,"server":`)
	w.str(f.Server)
	w.lit(`,"file":`)
	w.str(f.File)
	w.lit(`,"first_frame":`)
	w.int(f.FirstFrame)
	w.lit(`,"last_frame":`)
	w.int(f.LastFrame)
	w.optStr("last_file", f.LastFile)
	w.lit(`,"start":`)
	w.timestamp(f.StartAt)
	w.lit(`,"end":`)
	w.timestamp(f.EndAt)
	w.lit(`,"duration_s":`)
	w.float(f.Duration)
	w.lit(`,"verdict":`)
	w.str(string(f.Verdict))
	w.lit(`,"close":`)
	w.str(string(f.Close))
	w.lit(`,"severity":`)
	w.str(string(f.Severity))
	w.lit(`,"midstream":`)
	w.bool(f.Midstream)
	w.optStr("tunnel", f.Tunnel)
	w.lit(`,"summary":`)
	w.str(f.Summary)
	w.lit(`,"facts":`)
	w.facts(&f.Facts)
	w.lit(`,"evidence":`)
	w.evidence(f.Evidence)
	w.lit(`,"packets":{"client":`)
	w.int(f.Packets.Client)
	w.lit(`,"server":`)
	w.int(f.Packets.Server)
	w.lit(`},"payload_bytes":{"client":`)
	w.int64(f.PayloadBytes.Client)
	w.lit(`,"server":`)
	w.int64(f.PayloadBytes.Server)
	w.lit(`},"analysis":{"client":`)
	w.sideStats(&f.Analysis.Client)
	w.lit(`,"server":`)
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
	w.lit(`,"zeek_conn_state":`)
	w.str(f.ZeekConnState)
	w.lit(`,"zeek_history":`)
	w.str(f.ZeekHistory)
	if len(f.ZeekEarlierRows) != 0 {
		w.key("zeek_earlier_rows")
		w.zeekRows(f.ZeekEarlierRows)
	}
	w.lit(`,"wireshark_filter":`)
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
	w.optInt("synack_after_data", x.SYNACKAfterData)
	w.optInt("synack_after_ack", x.SYNACKAfterACK)
	w.optInt("syn_after_synack", x.SYNAfterSYNACK)
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
	w.optBoolPtr("data_acked", x.DataAcked)
	w.optInt("retransmissions", x.Retransmissions)
	w.optFloatPtr("last_retrans_gap_s", x.LastRetransGap)
	w.optInt("spurious_retransmissions", x.SpuriousRetransmissions)
	w.optBool("peer_alive", x.PeerAlive)
	w.optInt("keepalive_probes", x.KeepAlives)
	w.optFloatPtr("keepalive_interval_s", x.KeepAliveEvery)
	w.optBoolPtr("keepalive_seen", x.KeepAliveSeen)
	w.optInt("keepalive_answers_lost", x.KeepAliveAnswersLost)
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
		w.optInt("late_response_frame", a.LateResponse)
		w.optInt64("bytes_sent", a.BytesSent)
		w.optBool("no_greeting", a.NoGreeting)
		w.optBoolPtr("first_request_complete", a.FirstComplete)
	}
	w.b = append(w.b, '}')
}

func (w *jsonWriter) evidence(ev []analyzer.Evidence) {
	if ev == nil {
		w.lit("null")
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
		w.lit(`,"what":`)
		w.str(e.What)
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, ']')
}

func (w *jsonWriter) sideStats(s *analyzer.SideStats) {
	w.lit(`{"retransmissions":`)
	w.int(s.Retransmissions)
	w.lit(`,"out_of_order":`)
	w.int(s.OutOfOrder)
	w.lit(`,"dup_acks":`)
	w.int(s.DupAcks)
	w.lit(`,"keepalives":`)
	w.int(s.KeepAlives)
	w.lit(`,"keepalive_acks":`)
	w.int(s.KeepAliveACKs)
	w.lit(`,"zero_windows":`)
	w.int(s.ZeroWindows)
	w.lit(`,"zero_window_probes":`)
	w.int(s.ZeroWindowProbes)
	w.lit(`,"window_full":`)
	w.int(s.WindowFull)
	w.lit(`,"syns":`)
	w.int(s.SYNs)
	w.lit(`,"fins":`)
	w.int(s.FINs)
	w.lit(`,"rsts":`)
	w.int(s.RSTs)
	w.b = append(w.b, '}')
}

func (w *jsonWriter) zeekRows(rows []zeekconn.Row) {
	w.b = append(w.b, '[')
	for i := range rows {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		w.lit(`{"conn_state":`)
		w.str(rows[i].ConnState)
		w.lit(`,"history":`)
		w.str(rows[i].History)
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, ']')
}

func (w *jsonWriter) exchanges(xs []app.Exchange) {
	if xs == nil {
		w.lit("null")
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
	w.lit(`{"method":`)
	w.htmlStr(e.Method)
	w.lit(`,"path":`)
	w.htmlStr(e.Path)
	w.lit(`,"host":`)
	w.htmlStr(e.Host)
	if e.Proto != "" {
		w.lit(`,"proto":`)
		w.htmlStr(e.Proto)
	}
	w.lit(`,"status":`)
	w.int(e.Status)
	w.lit(`,"request_frame":`)
	w.int(e.RequestFrame)
	w.lit(`,"response_frame":`)
	w.int(e.ResponseFrame)
	if e.Answered() && !e.RequestEnd.IsZero() {
		w.lit(`,"wait_ms":`)
		w.float(durationMS(e.Wait))
	}
	if e.Complete && !e.RequestStart.IsZero() {
		w.lit(`,"total_ms":`)
		w.float(durationMS(e.Total))
	}
	w.lit(`,"complete":`)
	w.bool(e.Complete)
	w.lit(`,"request_complete":`)
	w.bool(e.RequestComplete)
	if len(e.Interim) != 0 {
		w.lit(`,"interim":[`)
		for i, s := range e.Interim {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.int(s)
		}
		w.b = append(w.b, ']')
	}
	w.lit(`,"request_bytes":`)
	w.int64(e.RequestBytes)
	w.lit(`,"response_bytes":`)
	w.int64(e.ResponseBytes)
	if e.Oversize {
		w.lit(`,"oversize":true`)
	}
	if e.Gap {
		w.lit(`,"gap":true`)
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
	w.lit(member)
	w.b = append(w.b, '"')
	if b, ok := appendRFC3339(&w.secs, w.b, t, true); ok {
		w.keep(b)
	} else {
		w.exchangeTimeSlow(t)
	}
	w.b = append(w.b, '"')
}

// exchangeTimeSlow is exchangeTime for the times appendRFC3339 leaves to
// time.AppendFormat: it writes them, and says which MarshalJSON refuses.
func (w *jsonWriter) exchangeTimeSlow(t time.Time) {
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
}

// secondText is the text of the last whole second appendRFC3339 wrote, and of which
// second and zone: a flow's times mostly fall within one second, and working out the
// date, the clock and the zone's offset is most of the cost of writing a time. (A zone's
// offset changes only on a whole second.) The zero value knows no second.
type secondText struct {
	unix  int64
	loc   *time.Location
	known bool
	ok    bool     // the second is one appendRFC3339 takes
	date  [19]byte // "2006-01-02T15:04:05"
	zone  [6]byte  // "Z", or "+07:00"
	zoneN uint8
}

// appendRFC3339 appends t as t.AppendFormat does with the layout time.RFC3339Nano
// (trim: trailing zeros of the fraction dropped, and the '.' with them when all are)
// or "2006-01-02T15:04:05.000000000Z07:00" (nine digits always), without parsing a
// layout: most of the cost of writing a time. It takes the times MarshalJSON writes
// (years 0 to 9999, offsets of less than a day) but for offsets with seconds (which
// Z07:00 drops): for those, and any other, it appends nothing and says !ok. c holds
// the text of t's second when the last time c saw was in the same one.
func appendRFC3339(c *secondText, b []byte, t time.Time, trim bool) ([]byte, bool) {
	if sec := t.Unix(); !c.known || sec != c.unix || t.Location() != c.loc {
		c.set(t, sec)
	}
	if !c.ok {
		return b, false
	}
	b = append(b, c.date[:]...)
	b = appendFraction(b, uint32(t.Nanosecond()), trim)
	return append(b, c.zone[:c.zoneN]...), true
}

// appendFraction appends ns nanoseconds as a second's fraction: '.' and nine digits,
// or (trim) with the trailing zeros dropped, and nothing at all for 0.
func appendFraction(b []byte, ns uint32, trim bool) []byte {
	if ns == 0 && trim {
		return b
	}
	// Each digit on its own (no chain of divisions, each waiting for the last).
	frac := [10]byte{'.', byte('0' + ns/1e8), byte('0' + ns/1e7%10), byte('0' + ns/1e6%10),
		byte('0' + ns/1e5%10), byte('0' + ns/1e4%10), byte('0' + ns/1e3%10),
		byte('0' + ns/100%10), byte('0' + ns/10%10), byte('0' + ns%10)}
	n := len(frac)
	for trim && frac[n-1] == '0' {
		n-- // stops at a digit: ns is not 0
	}
	return append(b, frac[:n]...)
}

// set works out the text of t's second, unix.
func (c *secondText) set(t time.Time, unix int64) {
	c.unix, c.loc, c.known = unix, t.Location(), true
	_, offset := t.Zone()
	year, month, day := t.Date()
	c.ok = year >= 0 && year <= 9999 && offset%60 == 0 && offset > -24*3600 && offset < 24*3600
	if !c.ok {
		return
	}
	hour, minute, second := t.Clock()
	c.date = [19]byte{
		byte('0' + year/1000), byte('0' + year/100%10), byte('0' + year/10%10), byte('0' + year%10), '-',
		byte('0' + month/10), byte('0' + month%10), '-', byte('0' + day/10), byte('0' + day%10), 'T',
		byte('0' + hour/10), byte('0' + hour%10), ':', byte('0' + minute/10), byte('0' + minute%10), ':',
		byte('0' + second/10), byte('0' + second%10)}
	if offset == 0 {
		c.zone[0], c.zoneN = 'Z', 1
		return
	}
	sign := byte('+')
	if offset < 0 {
		sign, offset = '-', -offset
	}
	hh, mm := offset/3600, offset/60%60
	c.zone = [6]byte{sign, byte('0' + hh/10), byte('0' + hh%10), ':', byte('0' + mm/10), byte('0' + mm%10)}
	c.zoneN = 6
}

func (w *jsonWriter) appInfo(a *app.Info) {
	w.lit(`{"protocol":`)
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
		w.lit(`,"client_hello_complete":`)
		w.bool(t.ClientHelloComplete)
		w.optInt("client_hello_frame", t.ClientHelloFrame)
		w.lit(`,"server_hello":`)
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
		w.lit(`{"greeting":`)
		w.bool(m.Greeting)
		w.optInt("greeting_frame", m.GreetingFrame)
		w.optInt("protocol_version", m.ProtocolVer)
		w.optStr("server_version", m.ServerVersion)
		w.optInt64("connection_id", int64(m.ConnectionID))
		w.optStr("auth_plugin", m.AuthPlugin)
		w.optStr("greeting_error", m.GreetingError)
		w.lit(`,"login":`)
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
		w.lit(`{"preface":`)
		w.bool(h.Preface)
		w.optInt("preface_frame", h.PrefaceFrame)
		w.optStr("server_frame", h.ServerFrame)
		w.optInt("server_frame_frame", h.ServerFrameFrame)
		w.b = append(w.b, '}')
	}
	w.lit(`,"bytes":`)
	w.pair64(a.Bytes)
	w.lit(`,"gaps":`)
	w.pair64(a.Gaps)
	w.lit(`,"uncaptured":`)
	w.pair64(a.Uncaptured)
	w.lit(`,"first_request_complete":`)
	w.bool(a.FirstRequestComplete)
	w.lit(`,"server_speaks_first":`)
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
	// Most strings (addresses, sentences, filters) are copied as they are: skip what
	// needs no escaping eight bytes at a time, then go byte by byte from there.
	i := plainPrefix(s, escapeHTML)
	start := 0
	for i < len(s) {
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
		// A rune of several bytes (a sentence's "µs"), most often followed by plain
		// ASCII again: back to eight bytes at a time.
		i += size
		i += plainPrefix(s[i:], escapeHTML)
	}
	dst = append(dst, s[start:]...)
	dst = append(dst, '"')
	return dst
}

// plainPrefix is how many of s's first bytes, a multiple of eight, are ASCII that a
// JSON string holds as it is (jsonSafe, or jsonHTMLSafe with escapeHTML): each word of
// eight is tested at once, with the bit tricks of "Bit Twiddling Hacks" (hasless,
// haszero), which never miss a byte (they may see one that is not there: the byte loop
// then looks again).
func plainPrefix(s string, escapeHTML bool) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	// hasZero: some byte of x is 0; below: some byte of x is < n (n <= 0x80).
	hasZero := func(x uint64) uint64 { return (x - ones) &^ x & highs }
	below := func(x, n uint64) uint64 { return (x - ones*n) &^ x & highs }
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		m := x&highs | below(x, 0x20) | hasZero(x^(ones*'"')) | hasZero(x^(ones*'\\'))
		if escapeHTML {
			m |= hasZero(x^(ones*'<')) | hasZero(x^(ones*'>')) | hasZero(x^(ones*'&'))
		}
		if m != 0 {
			break
		}
	}
	return i
}
