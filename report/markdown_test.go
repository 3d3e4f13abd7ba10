package report

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/tcpmortem/tcpmortem/analyzer"
	"github.com/tcpmortem/tcpmortem/flows"
)

// pmDemoPath is the README's demo capture: eight flows, seven endings.
const pmDemoPath = "../testdata/demo/demo.pcapng"

// pmDemo analyses the demo capture as the command line does.
func pmDemo(t *testing.T) *analyzer.Result {
	t.Helper()
	src, err := flows.Open(pmDemoPath, 0)
	if err != nil {
		t.Fatalf("open demo: %v", err)
	}
	defer src.Close()
	res, err := analyzer.Analyze([]*flows.FileSource{src}, analyzer.Options{Config: analyzer.DefaultConfig()})
	if err != nil {
		t.Fatalf("analyze demo: %v", err)
	}
	if len(res.Flows) != 8 {
		t.Fatalf("demo: %d flows, want 8", len(res.Flows))
	}
	return res
}

// pmHostile is what an attacker controls in a capture: HTTP paths, banners, hosts.
const pmHostile = "<script>alert(1)</script> <img src=x onerror=\"document.title='pwned'\"> **bold** | cell | `tick` ``` [link](http://evil.example/) &amp;"

// pmHand is a Result made by hand: findings and a timeline whatever the analyzer
// does today, a hostile string wherever the capture's bytes can reach, and more
// problem flows than the reports draw.
func pmHand() *analyzer.Result {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	r := &analyzer.Result{
		Inputs: []analyzer.Input{{Name: "in<b>cident</b>.pcap", Format: "pcap", LinkTypes: []string{"LINUX_SLL2(276)"}, Packets: 300}},
		Idle:   time.Second,
	}
	r.Summary = analyzer.Summary{Packets: 300, TCPSegments: 290, Start: t0, End: at(120), Verdicts: map[analyzer.Verdict]int{}}
	mk := func(id int, v analyzer.Verdict, dur float64) analyzer.Flow {
		f := analyzer.Flow{ID: id, Client: fmt.Sprintf("127.0.0.1:%d", 40000+id), Server: "127.0.0.1:8280",
			File: r.Inputs[0].Name, FirstFrame: id * 10, LastFrame: id*10 + 5, Start: at(float64(id)), End: at(float64(id) + dur),
			Duration: dur, Verdict: v, Close: v, Severity: analyzer.SeverityOf(v),
			Summary:         fmt.Sprintf("flow %d: HTTP GET /x?q=%s never answered", id, pmHostile),
			Packets:         analyzer.Pair[int]{Client: 3, Server: 2},
			PayloadBytes:    analyzer.Pair[int64]{Client: 100 + int64(id), Server: 0},
			ZeekConnState:   "S3",
			ZeekHistory:     "ShADaf",
			WiresharkFilter: fmt.Sprintf("ip.addr==127.0.0.1 && tcp.port==%d && tcp.port==8280", 40000+id),
			Files:           []string{r.Inputs[0].Name},
			Evidence:        []analyzer.Evidence{{Frame: id*10 + 3, What: "request " + pmHostile}, {Frame: id*10 + 5, What: "client FIN"}},
		}
		base := at(float64(id))
		f.Ladder = []flows.Step{
			{Index: 0, Frame: id * 10, At: base.UnixNano(), From: flows.FromClient, Flags: flows.FlagSYN},
			{Index: 1, Frame: id*10 + 1, At: base.Add(20 * time.Microsecond).UnixNano(), From: flows.FromServer, Flags: flows.FlagSYN | flows.FlagACK, Ack: 1},
			{Index: 2, Frame: id*10 + 2, At: base.Add(40 * time.Microsecond).UnixNano(), From: flows.FromClient, Flags: flows.FlagACK, Seq: 1, Ack: 1},
			{Index: 3, Frame: id*10 + 3, At: base.Add(90 * time.Microsecond).UnixNano(), From: flows.FromClient, Flags: flows.FlagACK | flows.FlagPSH, Seq: 1, Ack: 1, Len: 100},
			{Index: 5, Frame: id*10 + 5, At: at(float64(id) + dur).UnixNano(), From: flows.FromClient, Flags: flows.FlagACK | flows.FlagFIN, Seq: 101, Ack: 1},
		}
		r.Summary.Flows++
		r.Summary.Verdicts[v]++
		return f
	}
	for i := 1; i <= 14; i++ {
		v := analyzer.HTTPUnanswered
		switch {
		case i%3 == 0:
			v = analyzer.FINUnanswered
		case i%4 == 0:
			v = analyzer.IdleOpen
		case i%5 == 0:
			v = analyzer.CleanClose
		}
		r.Flows = append(r.Flows, mk(i, v, 1+float64(i)/10))
	}
	r.Total = len(r.Flows)
	r.Findings = []analyzer.Finding{{
		Kind: "close_wait_leak", Severity: analyzer.SevWarn, Endpoint: "127.0.0.1:8280",
		Summary: "server 127.0.0.1:8280 left 9 connections in CLOSE_WAIT, peak 9 at +14.0 s " + pmHostile,
		Flows:   []int{1, 2, 4, 5}, Frames: []analyzer.Evidence{{Frame: 13, What: "first FIN left unanswered"}},
		Next:    "CLOSE_WAIT is the local application not calling close: look for connections not released on an error path",
		Numbers: map[string]float64{"flows": 9, "peak": 9, "wait_p50_s": 1.000408},
	}, {
		Kind: "client_timeout", Severity: analyzer.SevError, Endpoint: "127.0.0.1:8280",
		Summary: "9 HTTP requests to 127.0.0.1:8280 never answered; the client gave up after 1.0 s",
		Flows:   []int{1, 2}, Next: "look for handlers blocked on a resource",
	}}
	// CLOSE_WAIT rises step by step (a leak); ESTABLISHED comes and goes; TIME_WAIT never
	// happens (all zero: no series drawn).
	var cw, est []analyzer.StatePoint
	for i := 1; i <= 9; i++ {
		cw = append(cw, analyzer.StatePoint{T: at(float64(i) + 1.5), N: i})
		est = append(est, analyzer.StatePoint{T: at(float64(i)), N: 1}, analyzer.StatePoint{T: at(float64(i) + 1.5), N: 0})
	}
	cw = append(cw, analyzer.StatePoint{T: at(120), N: 0})
	r.Timeline = []analyzer.StateSeries{{
		Endpoint: "127.0.0.1:8280", Role: "server", Flows: 14,
		States: map[analyzer.SocketState][]analyzer.StatePoint{
			"CLOSE_WAIT": cw, "ESTABLISHED": est, "TIME_WAIT": {{T: at(3), N: 0}},
		},
		Peak: map[analyzer.SocketState]analyzer.StatePoint{"CLOSE_WAIT": {T: at(10.5), N: 9}, "ESTABLISHED": {T: at(1), N: 1}},
	}}
	return r
}

func pmRender(t *testing.T, fn Renderer, r *analyzer.Result, o Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := fn(&b, r, o); err != nil {
		t.Fatalf("render: %v", err)
	}
	return b.String()
}

func pmGoldmark(t *testing.T, md string) string {
	t.Helper()
	var out bytes.Buffer
	if err := goldmark.New(goldmark.WithExtensions(extension.GFM)).Convert([]byte(md), &out); err != nil {
		t.Fatalf("goldmark: %v", err)
	}
	return out.String()
}

func TestMarkdownDemoSections(t *testing.T) {
	md := pmRender(t, Markdown, pmDemo(t), Options{Color: true})
	if strings.Contains(md, "\x1b") {
		t.Errorf("ANSI escape in Markdown (colour asked for; Markdown never has it)")
	}
	for _, want := range []string{
		"## TCP postmortem",
		"**Captures:** `../testdata/demo/demo.pcapng` (pcapng, ETHERNET(1), 76 packets)",
		"**Flows:** 8 TCP connections",
		"Worst: 1 `syn_giveup`, 1 `http_unanswered` (error)",
		"### Findings", "**Check next:**",
		"### Verdicts", "| `clean_close` | ok | 2 | 25% |",
		"### Worst flows",
		"#### #5 `http_unanswered`: `10.77.0.1:33860` → `10.77.0.2:8080`",
		"- Wireshark filter: `ip.addr==10.77.0.1 && ip.addr==10.77.0.2 && tcp.port==33860 && tcp.port==8080`",
		"### How to reproduce",
		"`tcpmortem analyze --format markdown ../testdata/demo/demo.pcapng`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	// the sections in order: summary, findings, verdicts, flows, reproduce
	last := -1
	for _, h := range []string{"**Captures:**", "### Findings", "### Verdicts", "### Worst flows", "### How to reproduce"} {
		i := strings.Index(md, h)
		if i < last {
			t.Errorf("section %q out of order", h)
		}
		last = i
	}
	// the worst flows: the six that did not end well, errors first; clean closes left out
	var ids []string
	for _, m := range regexp.MustCompile("(?m)^#### #(\\d+) `([a-z_]+)`").FindAllStringSubmatch(md, -1) {
		ids = append(ids, m[1]+" "+m[2])
	}
	want := []string{"3 syn_giveup", "5 http_unanswered", "2 refused", "4 fin_unanswered", "6 rst_after_idle", "7 idle_open"}
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Errorf("worst flows = %v, want %v", ids, want)
	}
}

func TestMarkdownRendersInGoldmark(t *testing.T) {
	html := pmGoldmark(t, pmRender(t, Markdown, pmDemo(t), Options{}))
	for _, want := range []string{"<h2>TCP postmortem", "<h3>Findings</h3>", "<h3>Verdicts</h3>", "<h3>Worst flows</h3>", "<h3>How to reproduce</h3>"} {
		if !strings.Contains(html, want) {
			t.Errorf("rendered Markdown lacks %q", want)
		}
	}
	// the verdict table is a real table: a header row and one row per verdict present, plus "all"
	tables := regexp.MustCompile(`(?s)<table>.*?</table>`).FindAllString(html, -1)
	if len(tables) != 1 {
		t.Fatalf("%d tables in the rendered Markdown, want 1", len(tables))
	}
	tbl := tables[0]
	if !strings.Contains(tbl, "<th>Verdict</th>") || !strings.Contains(tbl, `<th style="text-align:right">Flows</th>`) {
		t.Errorf("table head wrong: %s", tbl)
	}
	rows := regexp.MustCompile(`(?s)<tr>(.*?)</tr>`).FindAllStringSubmatch(tbl, -1)
	if len(rows) != 1+7+1 {
		t.Errorf("%d table rows, want 9 (head, 7 verdicts, all)", len(rows))
	}
	if !strings.Contains(tbl, "<td><code>fin_unanswered</code></td>\n<td>warn</td>\n<td style=\"text-align:right\">1</td>") {
		t.Errorf("no fin_unanswered row in the table: %s", tbl)
	}
	// ladders are code blocks, the packets inside them
	pres := regexp.MustCompile(`(?s)<pre><code>(.*?)</code></pre>`).FindAllStringSubmatch(html, -1)
	if len(pres) != 6 {
		t.Fatalf("%d code blocks, want 6 (one ladder per worst flow)", len(pres))
	}
	if !strings.Contains(pres[1][1], "40   +0.000138  client ──────▶   P.") || !strings.Contains(pres[1][1], "… 1.0 s idle …") {
		t.Errorf("flow 5's ladder not in its code block:\n%s", pres[1][1])
	}
}

func TestMarkdownEscapesCapture(t *testing.T) {
	r := pmHand()
	md := pmRender(t, Markdown, r, Options{})
	html := pmGoldmark(t, md)
	for _, bad := range []string{"<script", "<img", "<strong>bold", "<a href", "raw HTML omitted", "<b>cident"} {
		if strings.Contains(html, bad) {
			t.Errorf("capture text became markup: %q in\n%s", bad, html)
		}
	}
	for _, good := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "**bold** | cell |", "[link](http://evil.example/)", "&amp;amp;"} {
		if !strings.Contains(html, good) {
			t.Errorf("capture text not shown as written: want %q", good)
		}
	}
	// a backtick fence in the evidence cannot close the ladder's code block early
	pres := regexp.MustCompile(`(?s)<pre><code>(.*?)</code></pre>`).FindAllStringSubmatch(html, -1)
	if len(pres) != mdWorstFlows {
		t.Fatalf("%d code blocks, want %d", len(pres), mdWorstFlows)
	}
	for _, p := range pres {
		if !strings.Contains(p[1], "``` [link]") || !strings.Contains(p[1], "[client FIN]") {
			t.Errorf("ladder code block cut short:\n%s", p[1])
		}
	}
	// at most mdWorstFlows flows, the errors (http_unanswered) before the warnings
	heads := regexp.MustCompile("(?m)^#### #(\\d+) `([a-z_]+)`").FindAllStringSubmatch(md, -1)
	if len(heads) != mdWorstFlows {
		t.Fatalf("%d flows drawn, want %d", len(heads), mdWorstFlows)
	}
	seenWarn := false
	for _, h := range heads {
		sev := analyzer.SeverityOf(analyzer.Verdict(h[2]))
		if sev == analyzer.SevOK {
			t.Errorf("flow %s drawn although it ended well", h[1])
		}
		if sev != analyzer.SevError {
			seenWarn = true
		} else if seenWarn {
			t.Errorf("error flow %s after a warning", h[1])
		}
	}
	if !strings.Contains(md, "The 10 most severe of 12 flows that did not end well.") {
		t.Errorf("no note of the flows left out")
	}
	// findings carry their numbers and flows
	for _, want := range []string{"- Numbers: `flows=9 peak=9 wait_p50_s=1.000408`", "- Flows: #1, #2, #4, #5", "- Frames: 13 first FIN left unanswered",
		"`tcpmortem analyze --format markdown 'in<b>cident</b>.pcap'`"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
}

func TestMarkdownNoFlows(t *testing.T) {
	r := &analyzer.Result{Inputs: []analyzer.Input{{Name: "empty.pcap", Format: "pcap", Packets: 3}},
		Summary: analyzer.Summary{Packets: 3, Verdicts: map[analyzer.Verdict]int{}}}
	md := pmRender(t, Markdown, r, Options{})
	if !strings.Contains(md, "No TCP connection in the capture.") || strings.Contains(md, "### Worst flows") {
		t.Errorf("empty capture:\n%s", md)
	}
}

func TestMdTextAndCode(t *testing.T) {
	for in, want := range map[string]string{
		"CLOSE_WAIT and _x_": `CLOSE_WAIT and \_x\_`,
		"a|b<c>*d*":          `a\|b\<c\>\*d\*`,
		"two\nlines":         "two lines",
	} {
		if got := mdText(in); got != want {
			t.Errorf("mdText(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"a": "`a`", "a`b": "``a`b``", "`x": "`` `x ``"} {
		if got := mdCode(in); got != want {
			t.Errorf("mdCode(%q) = %q, want %q", in, got, want)
		}
	}
	if got := shellQuote("it's.pcap"); got != `'it'\''s.pcap'` {
		t.Errorf("shellQuote = %s", got)
	}
}
