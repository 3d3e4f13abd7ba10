package report_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tcpmortem/tcpmortem/analyzer"
	"github.com/tcpmortem/tcpmortem/flows"
	"github.com/tcpmortem/tcpmortem/report"
)

const td = "../testdata/"

// analyzeFiles reads the captures as one run, as `tcpmortem analyze` does.
func analyzeFiles(t *testing.T, opts analyzer.Options, files ...string) *analyzer.Result {
	t.Helper()
	if opts.Config == (analyzer.Config{}) {
		opts.Config = analyzer.DefaultConfig()
	}
	var srcs []*flows.FileSource
	for i, f := range files {
		s, err := flows.Open(f, i)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		srcs = append(srcs, s)
	}
	res, err := analyzer.Analyze(srcs, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// renderJSON renders the result and decodes it generically, so that the test sees
// JSON types, not Go types.
func renderJSON(t *testing.T, res *analyzer.Result) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	if err := report.Render(&buf, "json", res, report.Options{Color: true}); err != nil {
		t.Fatal(err)
	}
	if bytes.ContainsRune(buf.Bytes(), 0x1b) {
		t.Errorf("JSON contains an escape byte (colour must never reach JSON)")
	}
	dec := json.NewDecoder(&buf)
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if dec.More() {
		t.Errorf("more than one JSON document")
	}
	return doc
}

// closeShapes are the verdicts VERDICTS.md allows in "close".
var closeShapes = map[string]bool{
	"clean_close": true, "fin_unanswered": true, "fin_unanswered_then_rst": true, "rst_after_idle": true,
	"reset": true, "refused": true, "syn_giveup": true, "syn_unanswered": true, "handshake_incomplete": true,
	"open": true, "idle_open": true,
}

// zeekStates are the conn_state values of Zeek's base/protocols/conn/main.zeek.
var zeekStates = map[string]bool{
	"S0": true, "S1": true, "SF": true, "REJ": true, "S2": true, "S3": true, "RSTO": true, "RSTR": true,
	"RSTOS0": true, "RSTRH": true, "SH": true, "SHR": true, "OTH": true,
}

var (
	// Zeek's history letters (upper case: originator), plus ^ for flipped roles.
	zeekHistory = regexp.MustCompile(`^\^?[sShHaAdDfFrRcCgGtTwWiIqQnN]*$`)
	ipv4Port    = regexp.MustCompile(`^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$`)
	ipv6Port    = regexp.MustCompile(`^\[[0-9a-f:.]+\]:\d{1,5}$`)
	// RFC 3339 in UTC with a fractional part.
	rfc3339UTC = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$`)
)

// checker reports contract violations with the path of the offending field.
type checker struct {
	t    *testing.T
	name string
}

func (c checker) fail(path, format string, a ...any) {
	c.t.Helper()
	c.t.Errorf("%s: %s: %s", c.name, path, fmt.Sprintf(format, a...))
}

func (c checker) field(obj map[string]any, path, key string) (any, bool) {
	c.t.Helper()
	v, ok := obj[key]
	if !ok {
		c.fail(path+"."+key, "required field missing")
	}
	return v, ok
}

func (c checker) str(obj map[string]any, path, key string) string {
	c.t.Helper()
	v, ok := c.field(obj, path, key)
	if !ok {
		return ""
	}
	s, isStr := v.(string)
	if !isStr {
		c.fail(path+"."+key, "%v (%T), want a string", v, v)
	}
	return s
}

func (c checker) integer(obj map[string]any, path, key string) int64 {
	c.t.Helper()
	v, ok := c.field(obj, path, key)
	if !ok {
		return 0
	}
	n, isNum := v.(json.Number)
	if !isNum {
		c.fail(path+"."+key, "%v (%T), want a number", v, v)
		return 0
	}
	i, err := n.Int64()
	if err != nil {
		c.fail(path+"."+key, "%s, want an integer", n)
	}
	return i
}

func (c checker) boolean(obj map[string]any, path, key string) bool {
	c.t.Helper()
	v, ok := c.field(obj, path, key)
	if !ok {
		return false
	}
	b, isBool := v.(bool)
	if !isBool {
		c.fail(path+"."+key, "%v (%T), want true or false", v, v)
	}
	return b
}

func (c checker) object(obj map[string]any, path, key string) map[string]any {
	c.t.Helper()
	v, ok := c.field(obj, path, key)
	if !ok {
		return map[string]any{}
	}
	o, isObj := v.(map[string]any)
	if !isObj {
		c.fail(path+"."+key, "%v (%T), want an object", v, v)
		return map[string]any{}
	}
	return o
}

func (c checker) array(obj map[string]any, path, key string) []any {
	c.t.Helper()
	v, ok := c.field(obj, path, key)
	if !ok {
		return nil
	}
	a, isArr := v.([]any)
	if !isArr {
		c.fail(path+"."+key, "%v (%T), want an array (never null)", v, v)
	}
	return a
}

func (c checker) timestamp(obj map[string]any, path, key string) time.Time {
	c.t.Helper()
	s := c.str(obj, path, key)
	if !rfc3339UTC.MatchString(s) {
		c.fail(path+"."+key, "%q is not RFC 3339 in UTC (…Z)", s)
	}
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		c.fail(path+"."+key, "%q: %v", s, err)
	}
	return ts
}

func (c checker) endpoint(obj map[string]any, path, key string) netip.AddrPort {
	c.t.Helper()
	s := c.str(obj, path, key)
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		c.fail(path+"."+key, "%q is not ip:port: %v", s, err)
		return ap
	}
	want := ipv4Port
	if ap.Addr().Is6() {
		want = ipv6Port // "[::1]:38822"
	}
	if !want.MatchString(s) || ap.String() != s {
		c.fail(path+"."+key, "%q is not in the canonical form %q", s, ap.String())
	}
	if ap.Port() == 0 {
		c.fail(path+"."+key, "%q has port 0", s)
	}
	return ap
}

func (c checker) pair(obj map[string]any, path, key string) (client, server int64) {
	c.t.Helper()
	p := c.object(obj, path, key)
	client, server = c.integer(p, path+"."+key, "client"), c.integer(p, path+"."+key, "server")
	if client < 0 || server < 0 {
		c.fail(path+"."+key, "negative count %d/%d", client, server)
	}
	return client, server
}

// checkContract checks every field VERDICTS.md requires, with its JSON type and format.
// inputs are the file names given, in order.
func checkContract(t *testing.T, name string, doc map[string]any, inputs []string, filtered bool) {
	t.Helper()
	c := checker{t: t, name: name}
	fl := c.array(doc, "", "flows")
	c.array(doc, "", "findings")
	sum := c.object(doc, "", "summary")

	known := map[string]bool{}
	for _, v := range analyzer.AllVerdicts {
		known[string(v)] = true
	}
	isInput := map[string]bool{}
	for _, in := range inputs {
		isInput[in] = true
	}
	var prevStart time.Time
	prevID := int64(0)
	lastFrame := map[string]int64{}
	for i, v := range fl {
		f, ok := v.(map[string]any)
		if !ok {
			c.fail(fmt.Sprintf("flows[%d]", i), "%T, want an object", v)
			continue
		}
		p := fmt.Sprintf("flows[%d]", i)
		id := c.integer(f, p, "id")
		if id < 1 || (!filtered && id != int64(i+1)) || id <= prevID {
			c.fail(p+".id", "%d: ids are 1-based and in order (previous %d)", id, prevID)
		}
		prevID = id
		c.endpoint(f, p, "client")
		c.endpoint(f, p, "server")
		file := c.str(f, p, "file")
		if !isInput[file] {
			c.fail(p+".file", "%q is not one of the inputs %v", file, inputs)
		}
		first, last := c.integer(f, p, "first_frame"), c.integer(f, p, "last_frame")
		if first < 1 || last < first && len(inputs) == 1 {
			c.fail(p, "frames %d–%d: 1-based, first <= last", first, last)
		}
		// In order of first packet: within one file, frame order.
		if first <= lastFrame[file] {
			c.fail(p+".first_frame", "%d in %s, but an earlier flow started at frame %d", first, file, lastFrame[file])
		}
		lastFrame[file] = first
		start, end := c.timestamp(f, p, "start"), c.timestamp(f, p, "end")
		if end.Before(start) {
			c.fail(p, "end %s before start %s", end, start)
		}
		if start.Before(prevStart) {
			c.fail(p+".start", "%s before the previous flow's start %s: ids are not in order of first packet", start, prevStart)
		}
		prevStart = start
		verdict, closeShape := c.str(f, p, "verdict"), c.str(f, p, "close")
		if !known[verdict] {
			c.fail(p+".verdict", "%q is not a verdict of VERDICTS.md", verdict)
		}
		if !closeShapes[closeShape] {
			c.fail(p+".close", "%q is not a close shape of VERDICTS.md", closeShape)
		}
		if closeShapes[verdict] && closeShape != verdict {
			c.fail(p+".close", "%q, but the verdict %q is itself a close shape", closeShape, verdict)
		}
		sev := c.str(f, p, "severity")
		if want := string(analyzer.SeverityOf(analyzer.Verdict(verdict))); sev != want {
			c.fail(p+".severity", "%q, want %q for %s (ok, info, warn, error)", sev, want, verdict)
		}
		c.boolean(f, p, "midstream")
		if s := c.str(f, p, "summary"); strings.TrimSpace(s) == "" || strings.Contains(s, "\n") {
			c.fail(p+".summary", "%q: want one non-empty sentence", s)
		}
		pc, ps := c.pair(f, p, "packets")
		if pc+ps < 1 {
			c.fail(p+".packets", "a flow with no packet")
		}
		c.pair(f, p, "payload_bytes")
		if st := c.str(f, p, "zeek_conn_state"); !zeekStates[st] {
			c.fail(p+".zeek_conn_state", "%q is not a Zeek conn_state", st)
		}
		if h := c.str(f, p, "zeek_history"); !zeekHistory.MatchString(h) {
			c.fail(p+".zeek_history", "%q has letters Zeek's history does not use", h)
		}
		if wf := c.str(f, p, "wireshark_filter"); !strings.Contains(wf, "tcp.port==") {
			c.fail(p+".wireshark_filter", "%q does not select by TCP port", wf)
		}
	}

	nFlows := c.integer(sum, "summary", "flows")
	if !filtered && nFlows != int64(len(fl)) {
		c.fail("summary.flows", "%d, but %d flows listed", nFlows, len(fl))
	}
	if c.integer(sum, "summary", "packets") < int64(len(fl)) {
		c.fail("summary.packets", "fewer packets than flows")
	}
	c.boolean(sum, "summary", "truncated")
	total := int64(0)
	for k, v := range c.object(sum, "summary", "verdicts") {
		n, ok := v.(json.Number)
		if !ok {
			c.fail("summary.verdicts."+k, "%v (%T), want a number", v, v)
			continue
		}
		i, _ := n.Int64()
		if !known[k] || i < 1 {
			c.fail("summary.verdicts."+k, "%d: want a known verdict with a positive count", i)
		}
		total += i
	}
	if total != nFlows {
		c.fail("summary.verdicts", "counts add up to %d, want summary.flows %d", total, nFlows)
	}
}

func TestJSONContract(t *testing.T) {
	for _, files := range [][]string{
		{td + "demo/demo.pcapng"},
		{td + "link/ipv6.pcap"},
		{td + "link/port_reuse.pcap"},
		{td + "link/midstream.pcap"},
		{td + "link/two_ifaces.pcapng.gz"},
		{td + "tcp/refused_icmp.pcap"},
		{td + "scenarios/s1_sidecar_close_wait.pcap"},
		{td + "scenarios/s3_syn_drops.pcap"},
		{td + "demo/demo.pcapng", td + "link/ipv6.pcap"}, // merged: each flow names its own file
	} {
		name := strings.Join(files, "+")
		t.Run(strings.ReplaceAll(name, td, ""), func(t *testing.T) {
			doc := renderJSON(t, analyzeFiles(t, analyzer.Options{}, files...))
			checkContract(t, name, doc, files, false)
		})
	}
}

// With --verdict/--host/--port the listed flows shrink; ids stay those of the whole
// run and the summary still counts every flow.
func TestJSONContractFiltered(t *testing.T) {
	demo := td + "demo/demo.pcapng"
	keep := func(f *analyzer.Flow) bool { return f.Verdict != analyzer.CleanClose }
	full := renderJSON(t, analyzeFiles(t, analyzer.Options{}, demo))
	doc := renderJSON(t, analyzeFiles(t, analyzer.Options{Keep: keep}, demo))
	checkContract(t, "filtered demo", doc, []string{demo}, true)
	if got, want := fmt.Sprint(doc["summary"]), fmt.Sprint(full["summary"]); got != want {
		t.Errorf("summary changed by the filter:\n got %s\nwant %s", got, want)
	}
	if n := len(doc["flows"].([]any)); n != 6 {
		t.Errorf("%d flows kept, want the 6 that did not close cleanly", n)
	}
}

// Timestamps have exactly nine fractional digits, as VERDICTS.md shows them
// ("2026-01-02T03:04:05.123456789Z"): encoding/json's time.Time drops trailing zeros
// (".87873624Z", or no fraction at all on a whole second), which makes the field
// variable-width and breaks sorting the strings as times.
func TestJSONTimestampsHaveNineDigits(t *testing.T) {
	nine := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$`)
	for _, file := range []string{td + "demo/demo.pcapng", td + "link/ipv6.pcap"} {
		doc := renderJSON(t, analyzeFiles(t, analyzer.Options{}, file))
		bad := 0
		for _, v := range doc["flows"].([]any) {
			f := v.(map[string]any)
			for _, k := range []string{"start", "end"} {
				if s, _ := f[k].(string); !nine.MatchString(s) {
					if bad++; bad <= 3 {
						t.Errorf("%s flow %v %s = %q, want exactly 9 fractional digits", file, f["id"], k, s)
					}
				}
			}
		}
		if bad > 3 {
			t.Errorf("%s: %d timestamps in all", file, bad)
		}
	}
}

// wiresharkCase is one flow whose wireshark_filter was run through
// `tshark -r FILE -Y "<filter>"` while this test was written (tshark 4.0.17); frames is
// the number of frames tshark listed, first and last the first and last frame numbers
// it printed. The test cannot run tshark (CI may not have it): it pins the filter that
// was checked and compares tshark's count with the flow's own packet count. A flow that
// ended before the capture did carries its frame range (its tuple could be reused by a
// later connection); tshark selected the same frames with and without it.
type wiresharkCase struct {
	id                  int
	filter              string
	frames, first, last int
}

var wiresharkCases = map[string][]wiresharkCase{
	// tshark -r demo.pcapng -Y '<filter>' lists frames 8..20 (13 frames) for flow 1,
	// 23..24 for flow 2, and so on: the same frame numbers as `tshark -r demo.pcapng`.
	"demo/demo.pcapng": {
		{1, "ip.addr==10.77.0.1 && ip.addr==10.77.0.2 && tcp.port==33856 && tcp.port==8080 && frame.number>=8 && frame.number<=20", 13, 8, 20},
		{2, "ip.addr==10.77.0.1 && ip.addr==10.77.0.2 && tcp.port==41344 && tcp.port==8081 && frame.number>=23 && frame.number<=24", 2, 23, 24},
		{3, "ip.addr==10.77.0.1 && ip.addr==10.77.0.2 && tcp.port==60784 && tcp.port==8443 && frame.number>=26 && frame.number<=64", 6, 26, 64},
		{4, "ip.addr==10.77.0.1 && ip.addr==10.77.0.2 && tcp.port==33858 && tcp.port==8080", 9, 27, 35},
		{5, "ip.addr==10.77.0.1 && ip.addr==10.77.0.2 && tcp.port==33860 && tcp.port==8080", 7, 37, 58},
		{6, "ip.addr==10.77.0.1 && ip.addr==10.77.0.2 && tcp.port==33870 && tcp.port==8080 && frame.number>=42 && frame.number<=63", 8, 42, 63},
		{7, "ip.addr==10.77.0.1 && ip.addr==10.77.0.2 && tcp.port==33876 && tcp.port==8080", 7, 49, 55},
		{8, "ip.addr==10.77.0.1 && ip.addr==10.77.0.2 && tcp.port==54062 && tcp.port==8080", 10, 66, 75},
	},
	"link/ipv6.pcap": {
		{1, "ipv6.addr==fd77::1 && ipv6.addr==fd77::2 && tcp.port==36948 && tcp.port==8080 && frame.number>=4 && frame.number<=16", 13, 4, 16},
		{2, "ipv6.addr==fd77::1 && ipv6.addr==fd77::2 && tcp.port==36954 && tcp.port==8080", 9, 17, 25},
		{3, "ipv6.addr==fd77::1 && ipv6.addr==fd77::2 && tcp.port==53134 && tcp.port==81", 2, 33, 34},
	},
	// One tuple, three connections: without the frame range tshark would list all 28.
	"link/port_reuse.pcap": {
		{1, "ip.addr==10.77.0.1 && ip.addr==10.77.0.2 && tcp.port==40000 && tcp.port==8080 && frame.number>=4 && frame.number<=11", 8, 4, 11},
		{2, "ip.addr==10.77.0.1 && ip.addr==10.77.0.2 && tcp.port==40000 && tcp.port==8080 && frame.number>=13 && frame.number<=22", 10, 13, 22},
		{3, "ip.addr==10.77.0.1 && ip.addr==10.77.0.2 && tcp.port==40000 && tcp.port==8080 && frame.number>=24 && frame.number<=33", 10, 24, 33},
	},
	"link/midstream.pcap": {
		{1, "ip.addr==10.77.0.1 && ip.addr==10.77.0.2 && tcp.port==56472 && tcp.port==8080", 48, 1, 55},
		{2, "ip.addr==10.77.0.1 && ip.addr==10.77.0.2 && tcp.port==44818 && tcp.port==81", 2, 56, 57},
	},
	// Two interfaces (pcapng): frame numbers count the packets of both.
	"link/two_ifaces.pcapng": {
		{1, "ip.addr==10.77.0.1 && ip.addr==10.77.0.2 && tcp.port==47466 && tcp.port==8080 && frame.number>=4 && frame.number<=16", 13, 4, 16},
		{2, "ip.addr==10.77.0.1 && ip.addr==10.77.0.2 && tcp.port==52200 && tcp.port==81 && frame.number>=20 && frame.number<=21", 2, 20, 21},
		{3, "ip.addr==10.78.0.1 && ip.addr==10.78.0.2 && tcp.port==39882 && tcp.port==8080 && frame.number>=22 && frame.number<=34", 13, 22, 34},
		{4, "ip.addr==10.78.0.1 && ip.addr==10.78.0.2 && tcp.port==60044 && tcp.port==81", 2, 39, 40},
	},
	// Loopback: one address, so ip.addr once. Flows 1 and 4 ended (FIN both ways)
	// long before the capture did: a later connection could have reused their tuples,
	// so their filters carry their frame range (tshark -Y selects the same 10 and 9).
	"scenarios/s1_sidecar_close_wait.pcap": {
		{1, "ip.addr==127.0.0.1 && tcp.port==37960 && tcp.port==8280 && frame.number>=1 && frame.number<=10", 10, 1, 10},
		{4, "ip.addr==127.0.0.1 && tcp.port==38004 && tcp.port==8280 && frame.number>=31 && frame.number<=188", 9, 31, 188},
		{25, "ip.addr==127.0.0.1 && tcp.port==38192 && tcp.port==8280", 7, 172, 184},
	},
}

func TestJSONWiresharkFilterSelectsTheFlow(t *testing.T) {
	for file, cases := range wiresharkCases {
		doc := renderJSON(t, analyzeFiles(t, analyzer.Options{}, td+file))
		byID := map[int]map[string]any{}
		for _, v := range doc["flows"].([]any) {
			f := v.(map[string]any)
			id, _ := f["id"].(json.Number).Int64()
			byID[int(id)] = f
		}
		for _, tc := range cases {
			f := byID[tc.id]
			if f == nil {
				t.Errorf("%s: no flow %d", file, tc.id)
				continue
			}
			if f["wireshark_filter"] != tc.filter {
				t.Errorf("%s flow %d: filter %q, but the one checked with tshark is %q", file, tc.id, f["wireshark_filter"], tc.filter)
			}
			pk := f["packets"].(map[string]any)
			c, _ := pk["client"].(json.Number).Int64()
			s, _ := pk["server"].(json.Number).Int64()
			first, _ := f["first_frame"].(json.Number).Int64()
			last, _ := f["last_frame"].(json.Number).Int64()
			if int(c+s) != tc.frames || int(first) != tc.first || int(last) != tc.last {
				t.Errorf("%s flow %d: %d packets in frames %d–%d; tshark selected %d frames, %d–%d",
					file, tc.id, c+s, first, last, tc.frames, tc.first, tc.last)
			}
		}
	}
}

// The document decodes back into the analyzer's types: what a Go consumer would do.
func TestJSONRoundTrip(t *testing.T) {
	res := analyzeFiles(t, analyzer.Options{}, td+"demo/demo.pcapng")
	var buf bytes.Buffer
	if err := report.JSON(&buf, res, report.Options{}); err != nil {
		t.Fatal(err)
	}
	var back analyzer.Result
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Flows) != len(res.Flows) || back.Summary.Flows != res.Summary.Flows {
		t.Fatalf("round trip: %d flows, summary %d; want %d, %d", len(back.Flows), back.Summary.Flows, len(res.Flows), res.Summary.Flows)
	}
	for i, f := range back.Flows {
		g := res.Flows[i]
		if f.ID != g.ID || f.Verdict != g.Verdict || f.Close != g.Close || !f.Start.Equal(g.Start) || !f.End.Equal(g.End) ||
			f.Packets != g.Packets || f.PayloadBytes != g.PayloadBytes || f.WiresharkFilter != g.WiresharkFilter {
			t.Errorf("flow %d changed in the round trip:\n got %+v\nwant %+v", g.ID, f, g)
		}
	}
}

// A capture with no packet at all (a real capture's file header alone) is still a
// whole document: empty arrays, not null.
func TestJSONNoFlows(t *testing.T) {
	data, err := os.ReadFile(td + "link/ipv6.pcap")
	if err != nil {
		t.Fatal(err)
	}
	src, err := flows.OpenReader("header-only.pcap", bytes.NewReader(data[:24]), 0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := analyzer.Analyze([]*flows.FileSource{src}, analyzer.Options{Config: analyzer.DefaultConfig()})
	if err != nil {
		t.Fatal(err)
	}
	doc := renderJSON(t, res)
	checkContract(t, "no flows", doc, nil, false)
	for _, k := range []string{"flows", "findings"} {
		if a, ok := doc[k].([]any); !ok || len(a) != 0 {
			t.Errorf("%s = %v, want []", k, doc[k])
		}
	}
}
