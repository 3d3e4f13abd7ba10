package report

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tcpmortem/tcpmortem/analyzer"
	"github.com/tcpmortem/tcpmortem/analyzer/app"
	"github.com/tcpmortem/tcpmortem/flows"
	"github.com/tcpmortem/tcpmortem/flows/zeekconn"
)

// stdFlowJSON is what appendFlow must match: json.Encoder without HTML escaping, no
// indent, minus the newline.
func stdFlowJSON(f *analyzer.Flow) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// checkFlowJSON compares appendFlow (and appendFlowErr) with encoding/json on f, both
// appending after a prefix that must survive; it says whether encoding/json wrote f.
func checkFlowJSON(t testing.TB, name string, f *analyzer.Flow) bool {
	t.Helper()
	const prefix = "prefix,"
	want, wantErr := stdFlowJSON(f)
	got, gotErr := appendFlowErr([]byte(prefix), f)
	plain := appendFlow([]byte(prefix), f)
	if wantErr != nil {
		if gotErr == nil {
			t.Fatalf("%s: encoding/json fails (%v), appendFlowErr does not:\n%s", name, wantErr, got)
		}
		if string(got) != prefix || string(plain) != prefix {
			t.Fatalf("%s: on error appendFlow must leave b as it was, got %q and %q", name, got, plain)
		}
		return false
	}
	if gotErr != nil {
		t.Fatalf("%s: appendFlowErr fails (%v), encoding/json does not:\n%s", name, gotErr, want)
	}
	if !bytes.Equal(got, plain) {
		t.Fatalf("%s: appendFlow and appendFlowErr differ", name)
	}
	if !bytes.HasPrefix(got, []byte(prefix)) || !bytes.Equal(got[len(prefix):], want) {
		t.Fatalf("%s: appendFlow differs from encoding/json\n got: %s\nwant: %s%s\n%s", name, got, prefix, want,
			firstDiff(got, append([]byte(prefix), want...)))
	}
	return true
}

func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-60)
	return "first difference at byte " + itoa(i) + ":\n got: ..." + string(a[lo:min(len(a), i+60)]) +
		"\nwant: ..." + string(b[lo:min(len(b), i+60)])
}

func itoa(i int) string { return string(appendInt(nil, i)) }

func appendInt(b []byte, i int) []byte {
	w := jsonWriter{b: b}
	w.int(i)
	return w.b
}

// captureFiles lists the test captures and the public ones (when present: the shared
// directory is not part of the repository).
func captureFiles(t testing.TB) []string {
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "*", "*.pcap*"))
	if len(paths) == 0 {
		t.Fatal("no capture under ../testdata")
	}
	pub := filepath.Join("..", "..", "shared", "captures", "public")
	if ents, err := os.ReadDir(pub); err == nil {
		for _, e := range ents {
			if !e.IsDir() {
				paths = append(paths, filepath.Join(pub, e.Name()))
			}
		}
	} else {
		t.Logf("%s absent: only ../testdata", pub)
	}
	return paths
}

// analyzeFile returns the flows of one capture, nil when flows.Open refuses the file
// (some files beside the public captures are not captures).
func analyzeFile(t testing.TB, p string) []analyzer.Flow {
	if res := analyzeWith(t, p, analyzer.Options{}); res != nil {
		return res.Flows
	}
	return nil
}

// analyzeWith analyzes one capture with opts (the default configuration when it has
// none); nil when flows.Open refuses the file.
func analyzeWith(t testing.TB, p string, opts analyzer.Options) *analyzer.Result {
	src, err := flows.Open(p, 0)
	if err != nil {
		return nil
	}
	defer src.Close()
	if opts.Config == (analyzer.Config{}) {
		opts.Config = analyzer.DefaultConfig()
	}
	res, err := analyzer.Analyze([]*flows.FileSource{src}, opts)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return res
}

// TestAppendFlowCaptures: every flow of every capture, byte for byte.
func TestAppendFlowCaptures(t *testing.T) {
	files, n := 0, 0
	for _, p := range captureFiles(t) {
		fl := analyzeFile(t, p)
		if fl == nil {
			continue
		}
		files++
		for i := range fl {
			checkFlowJSON(t, p+" flow "+itoa(fl[i].ID), &fl[i])
			n++
		}
	}
	t.Logf("%d flows of %d captures identical", n, files)
	if n == 0 {
		t.Fatal("no flow compared")
	}
}

func fp(f float64) *float64 { return &f }
func ip(i int) *int         { return &i }
func bp(b bool) *bool       { return &b }

// awkward are strings encoding/json must escape, or must not.
var awkward = []string{
	"",
	`say "hi"`,
	`C:\path\to`,
	"tab\there\nnew\rline\bback\fform",
	"\x00\x01\x1f\x7f ctrl",
	"bad \xff\xfe utf8 \xc3",
	"cut rune \xe2\x80",
	"line\u2028para\u2029sep",
	"<script>&amp;</script>",
	"tcp.stream eq 3 && ip.addr==10.0.0.1",
	"héllo wörld ☃ 🎉",
	"\u00a0\u200b\ufeff",
	"\\u2028 literally",
}

func awkwardExchange(s string, seconds int64) app.Exchange {
	t0 := time.Unix(seconds, 123456789)
	return app.Exchange{Method: s, Path: "/a?b=<c>&d=" + s, Host: s + ".example", Proto: "HTTP/1.1",
		Status: 200, RequestFrame: 4, ResponseFrame: 6, RequestFile: 1, ResponseFile: 2,
		RequestStart: t0.UTC(), RequestEnd: t0.Add(time.Microsecond).In(time.FixedZone("X", 5*3600+30*60)),
		ResponseStart: t0.Add(1500 * time.Microsecond).In(time.FixedZone("Y", -8*3600)),
		ResponseEnd:   t0.Add(time.Second),
		Wait:          1499 * time.Microsecond, Total: time.Second + 1234567, Complete: true,
		Interim: []int{100, 103}, RequestComplete: true, RequestBytes: 1 << 40, ResponseBytes: -1,
		Oversize: true, Gap: true}
}

func baseFlow() analyzer.Flow {
	t0 := time.Date(2024, 3, 1, 12, 0, 0, 5000, time.UTC)
	return analyzer.Flow{ID: 7, Client: "10.0.0.1:40000", Server: "[2001:db8::1]:443", File: "a.pcap",
		FirstFrame: 1, LastFrame: 9, Start: t0, StartAt: analyzer.Timestamp(t0), End: t0.Add(time.Second),
		EndAt: analyzer.Timestamp(t0.Add(time.Second)), Duration: 1, Verdict: analyzer.CleanClose,
		Close: analyzer.CleanClose, Severity: analyzer.SevOK, Summary: "fine",
		Evidence:      []analyzer.Evidence{{File: "a.pcap", Frame: 1, What: "SYN"}, {Frame: 2, What: "ACK"}},
		ZeekConnState: "SF", ZeekHistory: "ShADadFf", WiresharkFilter: "tcp.stream eq 0"}
}

// TestAppendFlowTable: hand-made flows with the awkward values.
func TestAppendFlowTable(t *testing.T) {
	type tc struct {
		name string
		mod  func(f *analyzer.Flow)
	}
	cases := []tc{
		{"base", func(f *analyzer.Flow) {}},
		{"zero flow", func(f *analyzer.Flow) { *f = analyzer.Flow{} }},
		{"nil evidence", func(f *analyzer.Flow) { f.Evidence = nil }},
		{"empty evidence", func(f *analyzer.Flow) { f.Evidence = []analyzer.Evidence{} }},
		{"empty http, app, rows", func(f *analyzer.Flow) {
			f.HTTP = []app.Exchange{}
			f.ZeekEarlierRows = []zeekconn.Row{}
			f.App = &app.Info{HTTP: []app.Exchange{}, TLS: &app.TLSInfo{ALPN: []string{}}}
		}},
		{"empty facts slices", func(f *analyzer.Flow) {
			f.Facts.SYNGaps, f.Facts.SYNACKGaps = []float64{}, []float64{}
		}},
		{"empty app facts", func(f *analyzer.Flow) { f.Facts.AppFacts = &analyzer.AppFacts{} }},
		{"zeek earlier rows", func(f *analyzer.Flow) {
			f.ZeekEarlierRows = []zeekconn.Row{{ConnState: "S0", History: "S"}, {ConnState: "REJ", History: "Sr<>"}}
		}},
		{"last file", func(f *analyzer.Flow) { f.LastFile = "b.pcapng.gz" }},
		{"zero times", func(f *analyzer.Flow) { f.StartAt, f.EndAt = analyzer.Timestamp{}, analyzer.Timestamp{} }},
		{"odd times", func(f *analyzer.Flow) {
			f.StartAt = analyzer.Timestamp(time.Date(12345, 1, 1, 0, 0, 0, 0, time.FixedZone("Z", 3600)))
			f.EndAt = analyzer.Timestamp(time.Date(-5, 1, 1, 0, 0, 0, 1, time.Local))
		}},
		{"every fact", func(f *analyzer.Flow) {
			f.Facts = analyzer.Facts{Side: "server", ClosedFirst: "client", SYNCount: 6,
				SYNGaps: []float64{1, 2, 4.000001, 1e-7}, SYNSpan: fp(0), SYNRetries: ip(0), SYNACKCount: 2,
				SYNACKGaps: []float64{0.5}, RefusedBy: "icmp", ICMP: "port unreachable", ICMPFrom: "10.0.0.9",
				RSTFrom: "server", RSTHasACK: bp(false), RSTAnswered: "data", Idle: fp(123456.789),
				Stuck: fp(1e21), FINToRST: fp(-3.5), FINAcked: bp(true), HandshakeToRST: fp(1e-6),
				DataToRST: fp(9.999999e-7), FirstDataBytes: -1, Retransmissions: 3, LastRetransGap: fp(1e20),
				KeepAlives: 2, KeepAliveEvery: fp(75), KeepAliveSeen: bp(false), Silent: fp(math.MaxFloat64),
				TrailingRST: "client", NotCaptured: "server",
				AppFacts: &analyzer.AppFacts{Protocol: "http", Method: "GET", Path: "/<x>&y", Host: "h",
					RequestFrame: 4, Wait: fp(0.000001), GaveUpBy: "FIN", EarlierAnswers: ip(0), Unanswered: 1,
					BytesSent: math.MaxInt64, NoGreeting: true, FirstComplete: bp(false)}}
		}},
		{"every app field", func(f *analyzer.Flow) {
			f.Protocol = "http"
			f.HTTP = []app.Exchange{awkwardExchange("GET", 1700000000), {Method: "POST"}, {}}
			f.App = &app.Info{Protocol: "http", PortHint: "mysql", HTTP: f.HTTP, HTTPRequests: 3,
				HTTPAnswered: 1, HTTPOmitted: 9,
				TLS: &app.TLSInfo{SNI: "a<b>", Version: "TLS 1.3", ALPN: []string{"h2", "http/1.1"},
					ClientHello: true, ClientHelloComplete: true, ClientHelloFrame: 4, ServerHello: true,
					ServerHelloFrame: 6, ServerVersion: "TLS 1.2", Alert: "handshake_failure"},
				SSH: &app.SSHInfo{ClientBanner: "SSH-2.0-x\r", ServerBanner: "SSH-2.0-y", ClientBannerFrame: 4,
					ServerBannerFrame: 5},
				MySQL: &app.MySQLInfo{Greeting: true, GreetingFrame: 4, ProtocolVer: 10, ServerVersion: "8.0",
					ConnectionID: math.MaxUint32, AuthPlugin: "caching_sha2_password", GreetingError: "Too many",
					Login: true, LoginFrame: 6, User: "root", Database: "db", SSL: true, LoginReply: "error",
					LoginError: "Access denied"},
				Postgres: &app.PostgresInfo{SSLRequest: true, SSLResponse: "N", GSSENCRequest: true,
					CancelRequest: true, Startup: true, StartupFrame: 5, Version: "3.0", User: "u",
					Database: "d", Application: "psql", Auth: "error", Error: "no"},
				Redis: &app.RedisInfo{Command: "GET", Key: "k\x00", Inline: true, Reply: "-ERR", ReplyFrame: 7},
				SMTP: &app.SMTPInfo{Greeting: "220 mx", GreetingFrame: 4, Hello: "EHLO c", HelloFrame: 5,
					HelloReply: 250},
				HTTP2: &app.HTTP2Info{Preface: true, PrefaceFrame: 4, ServerFrame: "GOAWAY", ServerFrameFrame: 5},
				Bytes: [2]int64{1, -2}, Gaps: [2]int64{3, 4}, Uncaptured: [2]int64{math.MinInt64, 6},
				FirstRequestComplete: true, ServerSpeaksFirst: true}
		}},
		{"empty app structs", func(f *analyzer.Flow) {
			f.App = &app.Info{TLS: &app.TLSInfo{}, SSH: &app.SSHInfo{}, MySQL: &app.MySQLInfo{},
				Postgres: &app.PostgresInfo{}, Redis: &app.RedisInfo{}, SMTP: &app.SMTPInfo{}, HTTP2: &app.HTTP2Info{}}
		}},
		{"exchange unanswered, incomplete", func(f *analyzer.Flow) {
			e := awkwardExchange("PUT", 1)
			e.Status, e.ResponseStart, e.Complete = 0, time.Time{}, false
			e.Interim = []int{}
			f.HTTP = []app.Exchange{e}
		}},
		{"exchange answered before its end", func(f *analyzer.Flow) {
			e := awkwardExchange("GET", 1)
			e.RequestEnd, e.RequestStart = time.Time{}, time.Time{}
			f.HTTP = []app.Exchange{e}
		}},
		{"exchange odd zones", func(f *analyzer.Flow) {
			e := awkwardExchange("GET", 1)
			e.RequestStart = e.RequestStart.In(time.FixedZone("S", 23*3600+59*60+59))
			e.RequestEnd = e.RequestEnd.In(time.FixedZone("S", -(3600 + 1)))
			e.ResponseEnd = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
			f.HTTP = []app.Exchange{e}
		}},
		// What encoding/json refuses: appendFlowErr must refuse it too.
		{"NaN duration", func(f *analyzer.Flow) { f.Duration = math.NaN() }},
		{"Inf fact", func(f *analyzer.Flow) { f.Facts.Idle = fp(math.Inf(-1)) }},
		{"Inf gap", func(f *analyzer.Flow) { f.Facts.SYNGaps = []float64{1, math.Inf(1)} }},
		{"exchange year 10000", func(f *analyzer.Flow) {
			e := awkwardExchange("GET", 1)
			e.ResponseEnd = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
			f.HTTP = []app.Exchange{e}
		}},
		{"exchange year -1", func(f *analyzer.Flow) {
			e := awkwardExchange("GET", 1)
			e.RequestStart = time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)
			f.App = &app.Info{HTTP: []app.Exchange{e}}
		}},
		{"exchange zone 24h", func(f *analyzer.Flow) {
			e := awkwardExchange("GET", 1)
			e.RequestStart = e.RequestStart.In(time.FixedZone("S", 24*3600))
			f.HTTP = []app.Exchange{e}
		}},
		{"exchange zone 100h", func(f *analyzer.Flow) {
			e := awkwardExchange("GET", 1)
			e.RequestStart = e.RequestStart.In(time.FixedZone("S", -100*3600))
			f.HTTP = []app.Exchange{e}
		}},
	}
	for _, v := range []float64{0, math.Copysign(0, -1), 1e-7, 1e-6, 123456.789, 1e21, 999999999999999999999,
		-1e21, -123.456, 5e-324, math.MaxFloat64, -math.SmallestNonzeroFloat64, 1e-10, 1.5e-300, 1e100, 0.1} {
		cases = append(cases, tc{"float " + string(appendFloatG(v)), func(f *analyzer.Flow) {
			f.Duration = v
			f.Facts.SYNGaps = []float64{v, -v}
			f.Facts.Idle = &v
			f.HTTP = []app.Exchange{{Status: 200, RequestEnd: time.Unix(1, 0), Wait: time.Duration(v),
				Complete: true, RequestStart: time.Unix(1, 0), Total: time.Duration(-v)}}
		}})
	}
	for _, s := range awkward {
		cases = append(cases, tc{"string " + s, func(f *analyzer.Flow) {
			f.Client, f.Server, f.File, f.LastFile, f.Summary = s, s, s, s, s
			f.Verdict, f.Close, f.Severity = analyzer.Verdict(s), analyzer.Verdict(s), analyzer.Severity(s)
			f.Protocol, f.ZeekConnState, f.ZeekHistory, f.WiresharkFilter = s, s, s, s
			f.Evidence = []analyzer.Evidence{{File: s, What: s}}
			f.Facts.Side, f.Facts.ICMP = s, s
			f.Facts.AppFacts = &analyzer.AppFacts{Path: s, Host: s}
			f.ZeekEarlierRows = []zeekconn.Row{{ConnState: s, History: s}}
			f.HTTP = []app.Exchange{awkwardExchange(s, 2)}
			f.App = &app.Info{Protocol: s, PortHint: s, HTTP: f.HTTP, TLS: &app.TLSInfo{SNI: s, ALPN: []string{s}},
				Redis: &app.RedisInfo{Key: s}}
		}})
	}
	for _, c := range cases {
		f := baseFlow()
		c.mod(&f)
		checkFlowJSON(t, c.name, &f)
	}
}

// TestFloatMillionths: a float that is a whole number of millionths (as the analyzer's
// rounded durations are) is written from the integer; the bytes must be encoding/json's
// for every magnitude the shortcut takes (under 10^9), both signs, the boundaries, and
// floats it must not take: near those values but not whole millionths, or millionths
// with more digits than a float64 tells apart (written the long way).
func TestFloatMillionths(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	var vs []float64
	for digits := 1; digits <= 18; digits++ { // past 15, too many digits for the shortcut
		top := int64(math.Pow10(digits))
		for range 2000 {
			m := top/10 + rng.Int63n(top-top/10)
			if digits == 1 {
				m = rng.Int63n(10)
			}
			v := float64(m) / 1e6
			vs = append(vs, v, -v, math.Nextafter(v, 2e9), math.Nextafter(v, -2e9))
		}
	}
	for _, d := range []time.Duration{1, 999, 1000, 1001, 123456789, time.Second, 59 * time.Minute, 1<<53 - 1} {
		vs = append(vs, math.Round(d.Seconds()*1e6)/1e6, durationMS(d), 0.1+0.2, 1e9-1e-6, 1e9, 1e9+1, 999999999.999999)
	}
	for _, v := range vs {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendFloatG(v); !bytes.Equal(got, want) {
			t.Fatalf("%v (bits %#x): wrote %s, encoding/json %s", v, math.Float64bits(v), got, want)
		}
	}
}

func appendFloatG(v float64) []byte {
	w := jsonWriter{b: nil}
	w.float(v)
	return w.b
}

// TestAppendJSONStringBytes: every byte and every two-byte sequence, escaped as
// encoding/json escapes a string, with and without HTML escaping.
func TestAppendJSONStringBytes(t *testing.T) {
	check := func(s string) {
		for _, html := range []bool{false, true} {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(html)
			enc.Encode(s)
			want := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
			if got := appendJSONString(nil, s, html); !bytes.Equal(got, want) {
				t.Fatalf("%q (html %v): got %s, want %s", s, html, got, want)
			}
		}
	}
	for i := 0; i < 256; i++ {
		for j := 0; j < 256; j++ {
			check(string([]byte{byte(i), byte(j)}))
		}
	}
	for _, s := range awkward {
		check(s)
	}
	for r := rune(0x2000); r < 0x2100; r++ {
		check("a" + string(r) + "b")
	}
	// Every byte at every place of a longer string: the words of eight bytes skipped
	// at once must end at the first byte to escape, whatever its place.
	const plain = "0123456789abcdefghij"
	for c := 0; c < 256; c++ {
		for at := range len(plain) {
			check(plain[:at] + string([]byte{byte(c)}) + plain[at+1:])
		}
	}
	check(plain + "\u2028" + plain)
	check(plain + "é<>&" + plain)
	// Every byte at every place after a rune of several bytes: the scan goes back to
	// eight bytes at a time after one, and must still stop at the byte to escape.
	for _, r := range []string{"µ", "é", "€", "😀", "\u2029", "\xff", "\xe2\x80"} {
		for c := 0; c < 256; c++ {
			for at := range len(plain) {
				check("x" + r + plain[:at] + string([]byte{byte(c)}) + plain[at+1:] + r + plain)
			}
		}
	}
}

// TestAppendRFC3339: the hand-made RFC 3339 writer gives time.AppendFormat's bytes for
// every time it takes, and takes those MarshalJSON writes (years 0 to 9999, offsets
// within a day) but for offsets with seconds; from its cache of the last second too.
func TestAppendRFC3339(t *testing.T) {
	layouts := map[bool]string{true: time.RFC3339Nano, false: "2006-01-02T15:04:05.000000000Z07:00"}
	// One cache for every time, as for a flow's: the same second again (the other
	// trim, another fraction) is written from it, any other second or zone is not.
	var c secondText
	check := func(tm time.Time) {
		_, offset := tm.Zone()
		for _, trim := range []bool{true, false} {
			got, ok := appendRFC3339(&c, []byte("x"), tm, trim)
			if !ok {
				if tm.Year() >= 0 && tm.Year() <= 9999 && offset%60 == 0 && offset > -86400 && offset < 86400 {
					t.Fatalf("%v: not taken", tm)
				}
				if string(got) != "x" {
					t.Fatalf("%v: not taken, yet %q appended", tm, got)
				}
				continue
			}
			if want := tm.AppendFormat([]byte("x"), layouts[trim]); !bytes.Equal(got, want) {
				t.Fatalf("%v (trim %v): got %s, want %s", tm, trim, got, want)
			}
		}
	}
	zones := []*time.Location{time.UTC, time.Local, time.FixedZone("", 0), time.FixedZone("", 5*3600+30*60),
		time.FixedZone("", -(24*3600 - 60)), time.FixedZone("", 24*3600-60), time.FixedZone("", 24*3600),
		time.FixedZone("", -24*3600), time.FixedZone("", 3600+1), time.FixedZone("", -30)}
	for _, z := range zones {
		for _, ns := range []int{0, 1, 10, 120000000, 999999999, 123456789, 100} {
			for _, tm := range []time.Time{
				time.Date(0, 1, 1, 0, 0, 0, ns, z), time.Date(-1, 12, 31, 23, 59, 59, ns, z),
				time.Date(9999, 12, 31, 23, 59, 59, ns, z), time.Date(10000, 1, 1, 0, 0, 0, ns, z),
				time.Date(2000, 2, 29, 12, 34, 56, ns, z), time.Date(1970, 1, 1, 0, 0, 0, ns, z),
				time.Date(2024, 12, 31, 9, 5, 7, ns, z), time.Date(1900, 3, 1, 0, 0, 0, ns, z),
			} {
				check(tm)
				check(tm.UTC())
			}
		}
	}
	rng := rand.New(rand.NewSource(4))
	for range 200000 {
		sec := rng.Int63n(400*365*86400*26) - 400*365*86400*13 // years -3200 to 7200 from 1970
		tm := time.Unix(sec, rng.Int63n(1e9))
		if rng.Intn(4) == 0 {
			tm = tm.Truncate(time.Duration(rng.Intn(7)+1) * time.Millisecond)
		}
		z := zones[rng.Intn(len(zones))]
		check(tm.In(z))
		check(time.Unix(sec, rng.Int63n(1e9)).In(z)) // the same second
		check(time.Unix(sec, 0).In(zones[rng.Intn(len(zones))]))
	}
}

// filler builds values from bytes: each choice and each number is drawn from the
// input, read round and round (so that a short input still fills every field). full
// fills everything (no nil, no empty, no zero).
type filler struct {
	data []byte
	pos  int
	full bool
}

func (g *filler) byte() byte {
	if len(g.data) == 0 {
		return 0
	}
	b := g.data[g.pos%len(g.data)]
	g.pos++
	return b
}

func (g *filler) uint64() uint64 {
	var v uint64
	for range 8 {
		v = v<<8 | uint64(g.byte())
	}
	return v
}

var awkwardFloats = []float64{0, 1, -1, 1e-7, 1e-6, 9.99999e-7, 123456.789, 1e20, 1e21, -1e21, 0.1,
	5e-324, math.MaxFloat64, 1.5, 1e-300}

func (g *filler) float() float64 {
	c := g.byte()
	switch {
	case g.full && c%4 == 0:
		return 1.25
	case c < 100:
		return awkwardFloats[int(c)%len(awkwardFloats)]
	case c < 250:
		return float64(int64(g.uint64())) / 1e6
	case c == 255:
		return []float64{math.NaN(), math.Inf(1), math.Inf(-1)}[g.byte()%3] // both must refuse them
	}
	return math.Float64frombits(g.uint64())
}

func (g *filler) int() int64 {
	c := g.byte()
	switch {
	case c < 128 && !(g.full && c == 0):
		return int64(c)
	case c < 192:
		return int64(int16(g.uint64()))
	}
	return int64(g.uint64())
}

func (g *filler) string() string {
	c := g.byte()
	if c < 64 {
		s := awkward[int(c)%len(awkward)]
		if g.full && s == "" {
			s = "x"
		}
		return s
	}
	n := int(c-64) % 24
	if g.full && n == 0 {
		n = 1
	}
	var buf [24]byte
	for i := range n {
		buf[i] = g.byte()
	}
	s := string(buf[:n])
	if g.full && s == "" {
		s = "y"
	}
	return s
}

// time draws a time: mostly ones time.Time's MarshalJSON writes, seldom (a draw in
// 32, a zone in 32) ones it refuses: years outside [0,9999], offsets of a day or more.
func (g *filler) time() time.Time {
	c := g.byte()
	if c < 16 && !g.full {
		return time.Time{}
	}
	var t time.Time
	switch c % 32 {
	default:
		t = time.Unix(int64(g.uint64()%(1<<34)), int64(g.uint64()%1e9)) // years 1970 to 2514
	case 5, 6, 7, 8:
		t = time.Date(int(g.uint64()%10000), time.Month(g.byte()%12+1), int(g.byte()%28+1), int(g.byte()%24),
			int(g.byte()%60), int(g.byte()%60), int(g.uint64()%1e9), time.UTC) // years 0 to 9999
	case 31:
		switch g.byte() % 3 {
		case 0:
			t = time.Unix(int64(g.uint64()>>1)%(1<<40)-(1<<39), int64(g.uint64()%1e9)) // any year, 4 digits or not
		case 1:
			t = time.Unix(int64(g.uint64()), int64(g.uint64())) // anything
		default:
			t = time.Date(int(int16(g.uint64())), time.Month(g.byte()%12+1), int(g.byte()%28+1), 0, 0, 0, 0, time.UTC)
		}
	}
	switch z := g.byte(); z % 32 {
	case 0, 1, 2, 3, 4, 5, 6, 7:
		return t.In(time.FixedZone("F", int(int32(g.uint64()))%(24*3600))) // to the second, within a day
	case 8, 9, 10, 11:
		return t.In(time.FixedZone("H", int(int8(g.byte())%48)*1800))
	case 12, 13:
		return t.Local()
	case 14, 15:
		return t // as it came
	case 31:
		return t.In(time.FixedZone("O", int(int32(g.uint64()))%(200*3600))) // a day or more, mostly
	}
	return t.UTC()
}

var (
	timeType      = reflect.TypeFor[time.Time]()
	timestampType = reflect.TypeFor[analyzer.Timestamp]()
)

// fill sets v (settable) from the input, every exported member encoding/json writes.
func (g *filler) fill(v reflect.Value, depth int) {
	if depth > 12 {
		return
	}
	switch v.Type() {
	case timeType:
		v.Set(reflect.ValueOf(g.time()))
		return
	case timestampType:
		v.Set(reflect.ValueOf(analyzer.Timestamp(g.time())))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			sf := v.Type().Field(i)
			if !sf.IsExported() || sf.Tag.Get("json") == "-" {
				continue
			}
			g.fill(v.Field(i), depth+1)
		}
	case reflect.Pointer:
		if !g.full && g.byte()%3 == 0 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		g.fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		c := g.byte()
		if g.full {
			c = 2 + c%2
		}
		switch c % 5 {
		case 0:
			v.SetZero()
			return
		case 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			return
		}
		n := int(c%5) - 1
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			g.fill(s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Array:
		for i := range v.Len() {
			g.fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		n := int(g.byte() % 3)
		if g.full {
			n = 2
		}
		m := reflect.MakeMap(v.Type())
		for range n {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			g.fill(k, depth+1)
			g.fill(e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.String:
		v.SetString(g.string())
	case reflect.Bool:
		v.SetBool(g.full || g.byte()&1 == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(g.int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(uint64(g.int()))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(g.float())
	}
}

func flowFromBytes(data []byte, full bool) *analyzer.Flow {
	var f analyzer.Flow
	g := &filler{data: data, full: full}
	g.fill(reflect.ValueOf(&f).Elem(), 0)
	return &f
}

// TestAppendFlowEveryField: a flow with every member encoding/json writes set (no nil,
// no empty, no zero), so a field added to Flow or to anything in it, and not to
// appendFlow, fails here whatever the captures hold; then random flows.
func TestAppendFlowEveryField(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	written, withHTTP, full := 0, 0, 0
	for i := range 3000 {
		data := make([]byte, 64+rng.Intn(4096))
		rng.Read(data)
		f := flowFromBytes(data, i%3 == 0)
		if i%3 == 0 && (f.App == nil || f.App.HTTP2 == nil || f.Facts.AppFacts == nil) {
			t.Fatal("full fill left a pointer nil")
		}
		if checkFlowJSON(t, "random flow "+itoa(i), f) {
			written++
			if len(f.HTTP) > 0 || f.App != nil && len(f.App.HTTP) > 0 {
				withHTTP++
			}
			if i%3 == 0 {
				full++
			}
		}
	}
	// Most must be flows encoding/json writes (not refusals), exchanges included.
	t.Logf("%d of 3000 random flows written (%d with exchanges, %d full), the rest refused by both", written, withHTTP, full)
	if written < 1000 || withHTTP < 300 || full < 300 {
		t.Errorf("too few random flows written: %d (%d with exchanges, %d full)", written, withHTTP, full)
	}
}

// TestAppendFlowNoAllocs: the common path (the HTTP flows of a capture) allocates
// nothing once the buffer is large enough.
func TestAppendFlowNoAllocs(t *testing.T) {
	fl := analyzeFile(t, filepath.Join("..", "testdata", "app", "many_small_http.pcap"))
	kinds := map[string]bool{}
	for i := range fl {
		f := &fl[i]
		if len(f.HTTP) > 0 {
			kinds["http"] = true
		}
		if f.App != nil {
			kinds["app"] = true
		}
		if len(f.Evidence) > 0 {
			kinds["evidence"] = true
		}
	}
	for _, k := range []string{"http", "app", "evidence"} {
		if !kinds[k] {
			t.Fatalf("no flow with %s in many_small_http.pcap", k)
		}
	}
	buf := make([]byte, 0, 1<<16)
	allocs := testing.AllocsPerRun(10, func() {
		for i := range fl {
			buf = appendFlow(buf[:0], &fl[i])
		}
	})
	if allocs != 0 {
		t.Errorf("appendFlow allocates %v times per %d flows", allocs, len(fl))
	}
	// And flows with every member set: facts, app facts, every app.Info member.
	rng := rand.New(rand.NewSource(3))
	for n := 0; n < 20; {
		data := make([]byte, 2048)
		rng.Read(data)
		f := flowFromBytes(data, true)
		if _, err := appendFlowErr(nil, f); err != nil {
			continue // encoding/json's to refuse, and that may allocate
		}
		n++
		if allocs := testing.AllocsPerRun(10, func() { buf = appendFlow(buf[:0], f) }); allocs != 0 {
			t.Fatalf("appendFlow allocates %v times for a full flow", allocs)
		}
	}
}

// TestJSONStreamFlowError: a flow encoding/json refuses stops the stream with its
// error, as it did before appendFlow; in the background too, where the flow is encoded
// on the caller's goroutine and the error must still reach Finish.
func TestJSONStreamFlowError(t *testing.T) {
	for _, bg := range []bool{false, true} {
		for _, id := range []int{1, 2} { // written at once, and held
			var out bytes.Buffer
			s := NewJSONStream(&out)
			if bg {
				s.Background()
			}
			good := baseFlow()
			good.ID = 3 - id
			f := baseFlow()
			f.ID = id
			f.Duration = math.NaN()
			s.Flow(&good)
			s.Flow(&f)
			if err := s.Finish(&analyzer.Result{}); err == nil || !strings.Contains(err.Error(), "NaN") {
				t.Errorf("id %d, background %v: Finish = %v, want encoding/json's NaN error", id, bg, err)
			}
		}
	}
}

// FuzzAppendFlow: a flow built from the fuzz input, every member drawn from it.
func FuzzAppendFlow(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Add([]byte("\x05\x06\x07hello world\x00\xff\xfe"))
	f.Add([]byte{0xc8, 0x01, 0x42, 0x99, 0x03, 0x4f})
	f.Add([]byte("\x41\xe2\x80\xa8<>&\"\\\x01\x80"))
	rng := rand.New(rand.NewSource(2))
	for range 8 {
		data := make([]byte, 16+rng.Intn(100))
		rng.Read(data)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// The input is read round and round: a long one adds little but makes each
		// new input slow to minimize.
		if len(data) > 256 {
			data = data[:256]
		}
		checkFlowJSON(t, "fuzz", flowFromBytes(data, false))
		checkFlowJSON(t, "fuzz full", flowFromBytes(data, true))
	})
}

// BenchmarkFlowJSON: one flow of many_small_http.pcap per op (3 flows of 100
// exchanges each), by hand and by encoding/json; then the same flows cut to their
// first two exchanges (the typical HTTP flow).
func BenchmarkFlowJSON(b *testing.B) {
	fl := analyzeFile(b, filepath.Join("..", "testdata", "app", "many_small_http.pcap"))
	if len(fl) == 0 {
		b.Fatal("no flows")
	}
	short := make([]analyzer.Flow, len(fl))
	for i, f := range fl {
		if len(f.HTTP) > 2 {
			f.HTTP = f.HTTP[:2]
		}
		if f.App != nil {
			a := *f.App
			if len(a.HTTP) > 2 {
				a.HTTP = a.HTTP[:2]
			}
			f.App = &a
		}
		short[i] = f
	}
	for _, set := range []struct {
		name string
		fl   []analyzer.Flow
	}{{"", fl}, {"2exchanges_", short}} {
		size := 0
		for i := range set.fl {
			line, _ := stdFlowJSON(&set.fl[i])
			size += len(line)
		}
		b.Run(set.name+"appendFlow", func(b *testing.B) {
			b.SetBytes(int64(size / len(set.fl)))
			b.ReportAllocs()
			var buf []byte
			for i := 0; b.Loop(); i++ {
				buf = appendFlow(buf[:0], &set.fl[i%len(set.fl)])
			}
		})
		b.Run(set.name+"encoding_json", func(b *testing.B) {
			b.SetBytes(int64(size / len(set.fl)))
			b.ReportAllocs()
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			for i := 0; b.Loop(); i++ {
				buf.Reset()
				if err := enc.Encode(&set.fl[i%len(set.fl)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
