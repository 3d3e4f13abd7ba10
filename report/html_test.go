package report

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/tcpmortem/tcpmortem/analyzer"
)

// --- a few DOM helpers over golang.org/x/net/html ------------------------------------

func pmParse(t *testing.T, doc string) *html.Node {
	t.Helper()
	n, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	return n
}

func pmAttr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// pmFind lists the elements named tag (any when "") that have every attribute in
// attrs ("key" to have it, "key=value" for that value), in document order.
func pmFind(root *html.Node, tag string, attrs ...string) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (tag == "" || n.Data == tag) {
			ok := true
			for _, a := range attrs {
				k, v, hasV := strings.Cut(a, "=")
				got, has := pmAttr(n, k)
				if !has || (hasV && got != v) {
					ok = false
					break
				}
			}
			if ok {
				out = append(out, n)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return out
}

func pmText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// pmRows are the flow table's rows, in DOM order: each row's flow ID and whether hidden.
func pmRows(t *testing.T, root *html.Node) (ids []int, hidden map[int]bool) {
	t.Helper()
	tables := pmFind(root, "table", "id=flowtable")
	if len(tables) != 1 {
		t.Fatalf("%d flow tables", len(tables))
	}
	hidden = map[int]bool{}
	for _, tr := range pmFind(tables[0], "tr", "data-id") {
		v, _ := pmAttr(tr, "data-id")
		id, _ := strconv.Atoi(v)
		ids = append(ids, id)
		_, h := pmAttr(tr, "hidden")
		hidden[id] = h
	}
	return ids, hidden
}

// --- the page as Go writes it ---------------------------------------------------------

func TestHTMLSelfContained(t *testing.T) {
	page := pmRender(t, HTML, pmDemo(t), Options{})
	root := pmParse(t, page)
	csp := pmFind(root, "meta", "http-equiv=Content-Security-Policy")
	if len(csp) != 1 {
		t.Fatalf("no Content-Security-Policy")
	}
	if c, _ := pmAttr(csp[0], "content"); !strings.HasPrefix(c, "default-src 'none';") || strings.Contains(c, "http") ||
		strings.Contains(c, "unsafe-inline") || !strings.Contains(c, "script-src 'sha256-") {
		t.Errorf("CSP allows fetching or foreign scripts: %s", c)
	}
	// nothing that fetches: no external script, style, image, font or frame
	for _, tag := range []string{"link", "img", "iframe", "object", "embed", "audio", "video", "source", "base"} {
		if n := len(pmFind(root, tag)); n > 0 {
			t.Errorf("%d <%s> elements: the page must not fetch anything", n, tag)
		}
	}
	for _, n := range pmFind(root, "", "src") {
		t.Errorf("<%s src>: the page must not fetch anything", n.Data)
	}
	for _, n := range pmFind(root, "", "href") {
		if v, _ := pmAttr(n, "href"); !strings.HasPrefix(v, "#") {
			t.Errorf("<%s href=%q>: only in-page links", n.Data, v)
		}
	}
	for _, bad := range []string{"@import", "url(", "@font-face", "fetch(", "XMLHttpRequest", "http://", "https://"} {
		for _, el := range append(pmFind(root, "style"), pmFind(root, "script")...) {
			if strings.Contains(pmText(el), bad) {
				t.Errorf("inline %s contains %q", el.Data, bad)
			}
		}
	}
	if n := len(pmFind(root, "script")); n != 1 {
		t.Errorf("%d <script> elements, want the one inline script", n)
	}
	// the demo's flows, findings, charts and ladders
	ids, _ := pmRows(t, root)
	if len(ids) != 8 {
		t.Errorf("%d table rows, want 8", len(ids))
	}
	if n := len(pmFind(root, "article", "data-kind")); n != 5 {
		t.Errorf("%d findings, want 5", n)
	}
	if n := len(pmFind(root, "details", "id=flow-5")); n != 1 {
		t.Errorf("no ladder for flow 5")
	}
	// every flow of a small capture gets a ladder, the worst first and open
	ladders := pmFind(root, "details", "data-id")
	if len(ladders) != 8 {
		t.Errorf("%d ladders, want 8", len(ladders))
	}
	if v, _ := pmAttr(ladders[0], "data-id"); v != "3" {
		t.Errorf("first ladder is flow %s, want 3 (syn_giveup, an error)", v)
	}
	charts := pmFind(root, "figure", "data-endpoint=10.77.0.2:8080")
	if len(charts) != 1 {
		t.Fatalf("no timeline chart for the server 10.77.0.2:8080")
	}
	for _, st := range []string{"ESTABLISHED", "CLOSE_WAIT", "LAST_ACK"} {
		if len(pmFind(charts[0], "path", "data-state="+st)) != 1 {
			t.Errorf("server chart has no %s series", st)
		}
	}
}

func TestHTMLLadderAndTimelineShapes(t *testing.T) {
	r := pmHand()
	root := pmParse(t, pmRender(t, HTML, r, Options{}))
	// the timeline: one chart, CLOSE_WAIT and ESTABLISHED drawn, the all-zero TIME_WAIT not
	fig := pmFind(root, "figure", "data-endpoint=127.0.0.1:8280", "data-role=server")
	if len(fig) != 1 {
		t.Fatalf("%d charts for 127.0.0.1:8280", len(fig))
	}
	paths := pmFind(fig[0], "path", "data-state")
	var states []string
	for _, p := range paths {
		s, _ := pmAttr(p, "data-state")
		states = append(states, s)
	}
	if strings.Join(states, ",") != "ESTABLISHED,CLOSE_WAIT" {
		t.Errorf("series = %v, want ESTABLISHED,CLOSE_WAIT (in state order, zero series left out)", states)
	}
	// CLOSE_WAIT rises 1..9: its step path climbs nine times (y decreases), then drops at the end
	d, _ := pmAttr(pmFind(fig[0], "path", "data-state=CLOSE_WAIT")[0], "d")
	var ys []float64
	for _, m := range regexp.MustCompile(`V([0-9.]+)`).FindAllStringSubmatch(d, -1) {
		y, _ := strconv.ParseFloat(m[1], 64)
		ys = append(ys, y)
	}
	if len(ys) != 10 {
		t.Fatalf("CLOSE_WAIT path has %d steps, want 10: %s", len(ys), d)
	}
	for i := 1; i < 9; i++ {
		if ys[i] >= ys[i-1] {
			t.Errorf("CLOSE_WAIT does not rise at step %d: %v", i, ys)
		}
	}
	if ys[9] <= ys[8] {
		t.Errorf("CLOSE_WAIT does not fall at capture end: %v", ys)
	}
	legend := pmText(pmFind(fig[0], "ul", "class=legend")[0])
	if !strings.Contains(legend, "CLOSE_WAIT peak 9 at +10.500 s") {
		t.Errorf("legend = %q", legend)
	}
	// a ladder: client and server columns, one arrow per kept packet, evidence starred,
	// the idle gap and the packet left out marked
	l := pmFind(root, "details", "id=flow-1")
	if len(l) != 1 {
		t.Fatalf("no ladder for flow 1")
	}
	svg := pmFind(l[0], "svg")[0]
	txt := pmText(svg)
	for _, want := range []string{"client", "127.0.0.1:40001", "server", "127.0.0.1:8280", "1.1 s idle", "… 1 packet not kept …", "S. seq 0 ack 1 len 0", "P. seq 1 ack 1 len 100"} {
		if !strings.Contains(txt, want) {
			t.Errorf("ladder lacks %q: %s", want, txt)
		}
	}
	if n := len(pmFind(svg, "g", "class=pkt syn")); n != 2 {
		t.Errorf("%d SYN arrows, want 2", n)
	}
	if n := len(pmFind(svg, "line", "class=arrow")); n != 5 {
		t.Errorf("%d arrows, want 5", n)
	}
	ev := pmFind(svg, "g", "class=pkt data evidence")
	if len(ev) != 1 || !strings.Contains(pmText(ev[0]), "★ 13") {
		t.Errorf("the evidence frame 13 is not starred")
	}
	// the server's SYN-ACK points left: from the server column to the client's
	for _, g := range pmFind(svg, "g", "class=pkt syn") {
		ln := pmFind(g, "line")[0]
		x1, _ := pmAttr(ln, "x1")
		x2, _ := pmAttr(ln, "x2")
		a, _ := strconv.Atoi(x1)
		b, _ := strconv.Atoi(x2)
		if strings.Contains(pmText(g), "S. seq") != (a > b) {
			t.Errorf("arrow %s goes %d → %d", pmText(g), a, b)
		}
	}
	// 14 flows, fewer than htmlAllLadders: every flow is drawn, the ok ones too
	if n := len(pmFind(root, "details", "data-id")); n != 14 {
		t.Errorf("%d ladders, want 14", n)
	}
}

func TestHTMLEscapesCapture(t *testing.T) {
	page := pmRender(t, HTML, pmHand(), Options{})
	root := pmParse(t, page)
	if n := len(pmFind(root, "script")); n != 1 {
		t.Errorf("%d <script> elements: capture text became markup", n)
	}
	if n := len(pmFind(root, "img")); n != 0 {
		t.Errorf("capture text became <img> elements (%d)", n)
	}
	for _, b := range pmFind(root, "b") {
		if pmText(b) == "cident" {
			t.Errorf("the file name's <b> became an element")
		}
	}
	for _, n := range pmFind(root, "", "onerror") {
		t.Errorf("<%s onerror>: capture text became an attribute", n.Data)
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("capture text not shown escaped")
	}
	if title := pmText(pmFind(root, "title")[0]); title != "tcpmortem: in<b>cident</b>.pcap" {
		t.Errorf("title = %q", title)
	}
}

func TestHTMLBounds(t *testing.T) {
	r := pmHand()
	base := r.Flows[0]
	for i := len(r.Flows); i < htmlAllLadders+htmlMaxLadders+20; i++ {
		f := base
		f.ID = i + 1
		r.Flows = append(r.Flows, f)
	}
	root := pmParse(t, pmRender(t, HTML, r, Options{}))
	if n := len(pmFind(root, "details", "data-id")); n != htmlMaxLadders {
		t.Errorf("%d ladders, want at most %d", n, htmlMaxLadders)
	}
	if n := len(pmFind(root, "details", "open")); n != htmlOpenLadder {
		t.Errorf("%d ladders open, want %d", n, htmlOpenLadder)
	}
	ids, _ := pmRows(t, root)
	if len(ids) != len(r.Flows) {
		t.Errorf("%d rows, want %d", len(ids), len(r.Flows))
	}
}

// --- the page in a real browser ----------------------------------------------------------

// pmBrowser runs Debian's chromium headless with the network off (every fetch goes to a
// dead proxy, every name fails) and returns the DOM after the page's script ran, and
// chromium's log (console messages included).
func pmBrowser(t *testing.T, page, fragment string) (dom *html.Node, log string) {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not installed (apt-get install chromium; .ci/run installs it)")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--no-first-run", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
		"--enable-logging=stderr", "--v=0", "--dump-dom", "file://"+file+fragment)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	log = stderr.String()
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "CONSOLE") && (strings.Contains(line, "Uncaught") || strings.Contains(line, "Refused") ||
			strings.Contains(line, "Content Security Policy") || strings.Contains(line, "net::ERR")) {
			t.Errorf("browser console: %s", line)
		}
	}
	dom = pmParse(t, string(out))
	if v, _ := pmAttr(pmFind(dom, "html")[0], "data-ready"); v != "1" {
		t.Fatalf("the page's script did not run to its end (no data-ready)\n%s", log)
	}
	return dom, log
}

func TestHTMLInBrowserSortsAndFilters(t *testing.T) {
	page := pmRender(t, HTML, pmDemo(t), Options{})

	// loads offline, nothing filtered, sorted by ID
	dom, _ := pmBrowser(t, page, "")
	ids, hidden := pmRows(t, dom)
	if got := fmtInts(ids); got != "[1 2 3 4 5 6 7 8]" {
		t.Errorf("rows on load = %s", got)
	}
	for id, h := range hidden {
		if h {
			t.Errorf("flow %d hidden with no filter", id)
		}
	}
	if n := len(pmFind(dom, "path", "data-state=CLOSE_WAIT")); n != 2 {
		t.Errorf("%d CLOSE_WAIT series in the browser's DOM, want 2 (client host and server)", n)
	}

	// the test hook: #sort=duration&dir=desc&filter=fin_unanswered
	dom, _ = pmBrowser(t, page, "#sort=duration&dir=desc&filter=fin_unanswered")
	tbl := pmFind(dom, "table", "id=flowtable")[0]
	if s, _ := pmAttr(tbl, "data-sort"); s != "duration" {
		t.Errorf("data-sort = %q", s)
	}
	if s, _ := pmAttr(tbl, "data-shown"); s != "2" {
		t.Errorf("data-shown = %q, want 2", s)
	}
	ids, hidden = pmRows(t, dom)
	// by duration, longest first: 5.1 s, 3.0 s, 1.0 s, 103.6 ms, 48.2 ms, 3.9 ms, 468 µs, 24 µs
	if got := fmtInts(ids); got != "[3 6 5 1 4 8 7 2]" {
		t.Errorf("rows sorted by duration, longest first = %s", got)
	}
	var shown []int
	for _, id := range ids {
		if !hidden[id] {
			shown = append(shown, id)
		}
	}
	// fin_unanswered is flow 4's verdict and flow 5's close
	if got := fmtInts(shown); got != "[5 4]" {
		t.Errorf("rows shown for fin_unanswered = %s, want [5 4]", got)
	}
	th := pmFind(tbl, "th", "data-key=duration")[0]
	if s, _ := pmAttr(th, "aria-sort"); s != "descending" {
		t.Errorf("duration header aria-sort = %q", s)
	}
	if got := pmText(pmFind(dom, "span", "id=shown")[0]); got != "2" {
		t.Errorf("shown count = %q", got)
	}

	// the selects: verdict and severity, sorted by client descending
	dom, _ = pmBrowser(t, page, "#verdict=clean_close&sort=client&dir=desc")
	ids, hidden = pmRows(t, dom)
	shown = shown[:0]
	for _, id := range ids {
		if !hidden[id] {
			shown = append(shown, id)
		}
	}
	if got := fmtInts(shown); got != "[8 1]" { // 10.77.0.1:54062 > 10.77.0.1:33856
		t.Errorf("clean_close rows by client, descending = %s", got)
	}
	dom, _ = pmBrowser(t, page, "#severity=error")
	_, hidden = pmRows(t, dom)
	for id, h := range hidden {
		if want := id != 3 && id != 5; h != want {
			t.Errorf("severity=error: flow %d hidden=%v", id, h)
		}
	}
}

func TestHTMLInBrowserHostile(t *testing.T) {
	page := pmRender(t, HTML, pmHand(), Options{})
	dom, _ := pmBrowser(t, page, "#filter=%3Cscript%3E")
	if title := pmText(pmFind(dom, "title")[0]); title != "tcpmortem: in<b>cident</b>.pcap" {
		t.Errorf("title = %q (a script from the capture ran?)", title)
	}
	if n := len(pmFind(dom, "img")); n != 0 {
		t.Errorf("%d <img> elements in the live DOM", n)
	}
	// the filter matched the summaries' text, not markup: every row has it
	_, hidden := pmRows(t, dom)
	for id, h := range hidden {
		if h {
			t.Errorf("flow %d hidden: its summary contains <script> as text", id)
		}
	}
	fig := pmFind(dom, "figure", "data-endpoint=127.0.0.1:8280")
	if len(fig) != 1 || len(pmFind(fig[0], "path", "data-state=CLOSE_WAIT")) != 1 || len(pmFind(fig[0], "path", "data-state=ESTABLISHED")) != 1 {
		t.Errorf("timeline series missing in the browser")
	}
}

// TestHTMLScreenshot makes sure chromium can paint the page (the PNG is kept in
// $TCPMORTEM_SCREENSHOT when set, to look at).
func TestHTMLScreenshot(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not installed")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, []byte(pmRender(t, HTML, pmDemo(t), Options{})), 0o644); err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(dir, "shot.png")
	if p := os.Getenv("TCPMORTEM_SCREENSHOT"); p != "" {
		png = p
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--no-first-run", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
		"--hide-scrollbars", "--window-size=1300,2400", "--screenshot="+png, "file://"+file).CombinedOutput()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	st, err := os.Stat(png)
	if err != nil || st.Size() < 20000 {
		t.Errorf("screenshot missing or blank: %v %v", st, err)
	}
}

func fmtInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return "[" + strings.Join(s, " ") + "]"
}

func TestHTMLEmptyCapture(t *testing.T) {
	r := &analyzer.Result{Inputs: []analyzer.Input{{Name: "empty.pcap", Format: "pcap", Packets: 3}},
		Summary: analyzer.Summary{Packets: 3, Verdicts: map[analyzer.Verdict]int{}}}
	root := pmParse(t, pmRender(t, HTML, r, Options{}))
	if ids, _ := pmRows(t, root); len(ids) != 0 {
		t.Errorf("%d rows for no flow", len(ids))
	}
	if n := len(pmFind(root, "figure")); n != 0 {
		t.Errorf("%d charts for no flow", n)
	}
}
