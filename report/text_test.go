package report_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tcpmortem/tcpmortem/analyzer"
	"github.com/tcpmortem/tcpmortem/report"
)

func renderText(t *testing.T, res *analyzer.Result, o report.Options) string {
	t.Helper()
	var buf bytes.Buffer
	if err := report.Render(&buf, "text", res, o); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// blockHead is the first line of a flow's block: "#4 fin_unanswered  a:p → b:p  frames 27–35".
var blockHead = regexp.MustCompile(`(?m)^#(\d+) (\w+)  (\S+) → (\S+)  frames (\d+)–(\d+)`)

// blocks splits the report into its flow blocks, by flow id.
func blocks(out string) map[int]string {
	m := map[int]string{}
	locs := blockHead.FindAllStringSubmatchIndex(out, -1)
	for i, loc := range locs {
		end := len(out)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		var id int
		fmt.Sscan(out[loc[2]:loc[3]], &id)
		m[id] = out[loc[0]:end]
	}
	return m
}

func TestTextHeader(t *testing.T) {
	res := analyzeFiles(t, analyzer.Options{}, td+"demo/demo.pcapng")
	out := renderText(t, res, report.Options{})
	lines := strings.Split(out, "\n")
	// capinfos demo.pcapng: 76 packets, first 2026-11-21 19:04:51.770610, last 19:05:06.122612.
	want := "tcpmortem: 1 file, 76 packets, 8 TCP flows, 2026-11-21 19:04:51.770 → 19:05:06.122 UTC (14.4 s)"
	if lines[0] != want {
		t.Errorf("first line\n %q\nwant\n %q", lines[0], want)
	}
	if !regexp.MustCompile(`^  \.\./testdata/demo/demo\.pcapng  pcapng  ETHERNET\(1\)  76 packets$`).MatchString(lines[1]) {
		t.Errorf("input line %q: want name, format, link type, packets", lines[1])
	}
	// 12 ICMPv6 (ND, MLD, RS) and 2 ARP frames: tshark -r demo.pcapng -Y 'icmpv6' / 'arp'.
	if !strings.Contains(out, "not TCP or not analysed: 12 icmpv6, 2 arp") {
		t.Errorf("the header does not say what was skipped:\n%s", strings.Join(lines[:4], "\n"))
	}

	two := renderText(t, analyzeFiles(t, analyzer.Options{}, td+"demo/demo.pcapng", td+"link/ipv6.pcap"), report.Options{})
	if !strings.HasPrefix(two, "tcpmortem: 2 files, 110 packets, 11 TCP flows") {
		t.Errorf("header of two files: %q", strings.SplitN(two, "\n", 2)[0])
	}
}

func TestTextVerdictTable(t *testing.T) {
	res := analyzeFiles(t, analyzer.Options{}, td+"scenarios/s5_accept_failure.pcap")
	out := renderText(t, res, report.Options{})
	i := strings.Index(out, "\nVerdicts\n")
	if i < 0 {
		t.Fatalf("no verdict table:\n%s", out)
	}
	row := regexp.MustCompile(`^  (ok|info|warn|error)\s+(\w+)\s+(\d+)$`)
	seen := map[analyzer.Verdict]int{}
	var order []analyzer.Verdict
	for _, l := range strings.Split(out[i+len("\nVerdicts\n"):], "\n") {
		if l == "" {
			break
		}
		m := row.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("verdict table row %q is not \"  severity verdict count\"", l)
			continue
		}
		v := analyzer.Verdict(m[2])
		var n int
		fmt.Sscan(m[3], &n)
		seen[v] = n
		order = append(order, v)
		if string(analyzer.SeverityOf(v)) != m[1] {
			t.Errorf("row %q: severity of %s is %s", l, v, analyzer.SeverityOf(v))
		}
	}
	total := 0
	for v, n := range res.Summary.Verdicts {
		total += n
		if seen[v] != n {
			t.Errorf("table says %d × %s, summary %d", seen[v], v, n)
		}
	}
	if len(seen) != len(res.Summary.Verdicts) || total != res.Summary.Flows {
		t.Errorf("table %v, summary %v (%d flows)", seen, res.Summary.Verdicts, res.Summary.Flows)
	}
	// Most severe first, in the order of analyzer.AllVerdicts.
	rank := map[analyzer.Verdict]int{}
	for i, v := range analyzer.AllVerdicts {
		rank[v] = i
	}
	for i := 1; i < len(order); i++ {
		if rank[order[i-1]] > rank[order[i]] {
			t.Errorf("table order %v is not AllVerdicts' order", order)
			break
		}
	}
}

func TestTextFlowBlocks(t *testing.T) {
	res := analyzeFiles(t, analyzer.Options{}, td+"demo/demo.pcapng")
	out := renderText(t, res, report.Options{})
	all := renderText(t, res, report.Options{All: true})
	got, gotAll := blocks(out), blocks(all)
	ladderHead := regexp.MustCompile(`(?m)^\s+frame\s+time\s+.*flags\s+seq\s+ack\s+len$`)
	for _, f := range res.Flows {
		b, listed := got[f.ID]
		if f.Severity == analyzer.SevOK {
			if listed {
				t.Errorf("flow %d (%s) listed without --all", f.ID, f.Verdict)
			}
			if _, ok := gotAll[f.ID]; !ok {
				t.Errorf("flow %d (%s) not listed with --all", f.ID, f.Verdict)
			}
			continue
		}
		if !listed {
			t.Errorf("problem flow %d (%s) has no block", f.ID, f.Verdict)
			continue
		}
		head := fmt.Sprintf("#%d %s  %s → %s  frames %d–%d", f.ID, f.Verdict, f.Client, f.Server, f.FirstFrame, f.LastFrame)
		if !strings.HasPrefix(b, head) {
			t.Errorf("flow %d block starts %q, want %q", f.ID, strings.SplitN(b, "\n", 2)[0], head)
		}
		if !strings.Contains(b, f.Summary) || !strings.Contains(b, f.WiresharkFilter) {
			t.Errorf("flow %d block lacks its summary or wireshark filter:\n%s", f.ID, b)
		}
		if f.Close != f.Verdict && !strings.Contains(b, "close: "+string(f.Close)) {
			t.Errorf("flow %d: verdict %s, close %s not shown:\n%s", f.ID, f.Verdict, f.Close, b)
		}
		// The ladder: a column head, then one line per kept packet starting with its
		// frame number; the first frame is always there.
		if !ladderHead.MatchString(b) {
			t.Errorf("flow %d block has no ladder head:\n%s", f.ID, b)
		}
		if !regexp.MustCompile(fmt.Sprintf(`(?m)^\s+%d\s+\+0\.000000\s`, f.FirstFrame)).MatchString(b) {
			t.Errorf("flow %d ladder does not start with frame %d at +0.000000:\n%s", f.ID, f.FirstFrame, b)
		}
	}
	if !strings.Contains(out, "2 flows that ended normally are not listed (--all lists them).") {
		t.Errorf("the hidden clean flows are not counted")
	}

	// syn_giveup (flow 3): frames 26, 36, 56, 60, 62, 64, each a SYN from the client.
	b := got[3]
	for _, fr := range []int{26, 36, 56, 60, 62, 64} {
		if !regexp.MustCompile(fmt.Sprintf(`(?m)^\s+%d\s+\+\d+\.\d{6}\s+client ─+▶\s+S\s`, fr)).MatchString(b) {
			t.Errorf("syn_giveup ladder lacks the client SYN in frame %d:\n%s", fr, b)
		}
	}
	// refused (flow 2): the server's RST comes back.
	if !regexp.MustCompile(`(?m)^\s+24\s+\+0\.000024\s+◀─+\s+R\.`).MatchString(got[2]) {
		t.Errorf("refused ladder lacks the server's RST in frame 24:\n%s", got[2])
	}
}

// Gaps of at least the idle threshold are drawn as "… N s idle …" lines.
func TestTextIdleGaps(t *testing.T) {
	demo := td + "demo/demo.pcapng"
	out := renderText(t, analyzeFiles(t, analyzer.Options{}, demo), report.Options{})
	b := blocks(out)
	// The SYN retransmissions of flow 3 are ~1.02 s apart (EXPECTED.md): five gaps.
	if n := strings.Count(b[3], "… 1.0 s idle …"); n != 5 {
		t.Errorf("syn_giveup ladder shows %d gaps of 1.0 s, want 5:\n%s", n, b[3])
	}
	// Flow 6: the client's RST (frame 63) after 3.0 s of silence.
	if !regexp.MustCompile(`… 3\.0 s idle …\n\s+63\s`).MatchString(b[6]) {
		t.Errorf("rst_after_idle ladder lacks the 3.0 s gap before frame 63:\n%s", b[6])
	}
	// With --idle 5s the 1 s and 3 s silences are no longer idle gaps.
	cfg := analyzer.DefaultConfig()
	cfg.Idle = 5 * time.Second
	out5 := renderText(t, analyzeFiles(t, analyzer.Options{Config: cfg}, demo), report.Options{})
	if strings.Contains(out5, " idle …") {
		t.Errorf("--idle 5s still marks shorter gaps:\n%s", out5)
	}
}

// Ports are printed as numbers, never as service names: scenario 1's netstat showed
// 8280 as "synapse-nhttp", scenario 2's 3306 is "mysql" in /etc/services.
func TestTextNumericPorts(t *testing.T) {
	endpoint := regexp.MustCompile(`^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\]):\d+$`)
	for _, file := range []string{"scenarios/s1_sidecar_close_wait.pcap", "scenarios/s2_idle_timeout.pcap",
		"scenarios/s4_ssh_silent.pcap", "link/ipv6.pcap"} {
		res := analyzeFiles(t, analyzer.Options{}, td+file)
		out := renderText(t, res, report.Options{All: true})
		heads := blockHead.FindAllStringSubmatch(out, -1)
		if len(heads) != len(res.Flows) {
			t.Errorf("%s: %d flow blocks with --all, want %d", file, len(heads), len(res.Flows))
		}
		for _, h := range heads {
			for _, ep := range h[3:5] {
				if !endpoint.MatchString(ep) {
					t.Errorf("%s: endpoint %q is not ip:port with a numeric port", file, ep)
				}
			}
		}
		for _, name := range []string{"synapse", ":mysql", ":ssh", ":http", ":webcache", ":tproxy"} {
			if strings.Contains(out, name) {
				t.Errorf("%s: the report names a service %q", file, name)
			}
		}
	}
	out := renderText(t, analyzeFiles(t, analyzer.Options{}, td+"scenarios/s1_sidecar_close_wait.pcap"), report.Options{})
	if !strings.Contains(out, "→ 127.0.0.1:8280  frames") {
		t.Errorf("scenario 1: no flow to 127.0.0.1:8280 shown")
	}
}

func TestTextColour(t *testing.T) {
	res := analyzeFiles(t, analyzer.Options{}, td+"demo/demo.pcapng")
	if out := renderText(t, res, report.Options{Color: true, All: true}); !strings.Contains(out, "\x1b[") {
		t.Errorf("Color: true gives no escape sequence (the control case)")
	}
	if out := renderText(t, res, report.Options{All: true}); strings.ContainsRune(out, 0x1b) {
		t.Errorf("Color: false still writes escape bytes")
	}
}

func TestTextNoFlowMatches(t *testing.T) {
	res := analyzeFiles(t, analyzer.Options{Keep: func(*analyzer.Flow) bool { return false }}, td+"demo/demo.pcapng")
	out := renderText(t, res, report.Options{})
	if !strings.Contains(out, "No flow matches the filters (8 flows in all).") {
		t.Errorf("no word about the filters:\n%s", out)
	}
	if !strings.Contains(out, "syn_giveup") || len(blocks(out)) != 0 {
		t.Errorf("the verdict table must still count every flow, and no block be drawn:\n%s", out)
	}
}

// Several files: a block names its file, ladder frames are file:frame.
func TestTextMergedFiles(t *testing.T) {
	res := analyzeFiles(t, analyzer.Options{}, td+"demo/demo.pcapng", td+"link/ipv6.pcap")
	out := renderText(t, res, report.Options{})
	// ipv6.pcap's refused flow is frames 33–34 of the second file (tshark -r ipv6.pcap).
	if !regexp.MustCompile(`refused  \[fd77::1\]:53134 → \[fd77::2\]:81  frames 33–34 of \.\./testdata/link/ipv6\.pcap`).MatchString(out) {
		t.Errorf("the IPv6 refused flow does not name its file:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^\s+2:33\s+\+0\.000000\s`).MatchString(out) {
		t.Errorf("ladder frames of the second file are not shown as 2:N")
	}
	if !regexp.MustCompile(`(?m)^\s+1:23\s+\+0\.000000\s`).MatchString(out) {
		t.Errorf("ladder frames of the first file are not shown as 1:N")
	}
}

// TestReportsRotatedFiles: a connection that runs from one file of a rotated capture
// into a later one (testdata/link/rotated.sh; analyzer's TestRotatedFiles has its frames
// from tshark: frame 1 of rotated_1.pcap to frame 9 of rotated_3.pcap) names both ends
// in every report: "frames 1–9 of rotated_1.pcap" would send the reader to the wrong
// packets, each file numbering from 1.
func TestReportsRotatedFiles(t *testing.T) {
	var files []string
	for i := 1; i <= 4; i++ {
		files = append(files, fmt.Sprintf("%slink/rotated_%d.pcap", td, i))
	}
	res := analyzeFiles(t, analyzer.Options{}, files...)
	span := "frame 1 of ../testdata/link/rotated_1.pcap to frame 9 of ../testdata/link/rotated_3.pcap"
	for _, c := range []struct {
		format string
		opts   report.Options
		want   string
	}{
		{"text", report.Options{All: true}, "#1 clean_close  127.0.0.1:49500 → 127.0.0.1:8080  " + span + "  ("},
		{"html", report.Options{}, "<span class=\"dim\">" + span + " · 2.5 s</span>"},
		// The refused connect, in one file of several: that file is named.
		{"markdown", report.Options{}, "- Severity: warn; frames 1–2 of ../testdata/link/rotated_4.pcap; "},
	} {
		var buf bytes.Buffer
		if err := report.Render(&buf, c.format, res, c.opts); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), c.want) {
			t.Errorf("%s: no %q", c.format, c.want)
		}
	}
}

// TestTextSnaplenCut: a flow whose payload the snaplen cut says how much of it the
// application layer did not see (3344 of 397 + 3067 bytes: see analyzer's
// TestSnaplenCutIsSaid for the count from tshark), and the header warns once.
func TestTextSnaplenCut(t *testing.T) {
	out := renderText(t, analyzeFiles(t, analyzer.Options{}, td+"link/snaplen96.pcap"), report.Options{All: true})
	if !strings.Contains(out, "protocol: http (snaplen cut 3344 of its 3464 payload bytes)") {
		t.Errorf("the HTTP flow does not say what the snaplen cut:\n%s", out)
	}
	if n := strings.Count(out, "warning: ../testdata/link/snaplen96.pcap: frame 6: the capture's snaplen cut"); n != 1 {
		t.Errorf("snaplen warning %d times in the header, want once:\n%s", n, out)
	}
}

// TestTextResponseWithoutRequest: in s1_sidecar_close_wait_midstream.pcap (a capture
// begun during incident 1) the service's late 500 to 127.0.0.1:38020 (tshark: frame 134)
// answers a request sent before the capture began: the exchange is told as a response
// whose request is not in the capture, not as one with a request in frame 0 answered
// "after 0 µs" (an earlier build's).
func TestTextResponseWithoutRequest(t *testing.T) {
	out := renderText(t, analyzeFiles(t, analyzer.Options{}, td+"scenarios/s1_sidecar_close_wait_midstream.pcap"), report.Options{All: true})
	if !strings.Contains(out, "    (its request is not in the capture)      → 500  (frame 134)\n") ||
		strings.Contains(out, "frames 0 →") {
		t.Errorf("a response without its request:\n%s", out)
	}
}

// The empty case: no TCP at all.
func TestTextNoTCP(t *testing.T) {
	res := &analyzer.Result{Flows: []analyzer.Flow{}, Summary: analyzer.Summary{Verdicts: map[analyzer.Verdict]int{}}}
	out := renderText(t, res, report.Options{})
	if !strings.Contains(out, "No TCP connection in the capture.") {
		t.Errorf("empty result:\n%s", out)
	}
}

// TestReportsSayTunnels: a capture taken under VXLAN (testdata/link/vxlan.pcap: tshark
// -d udp.port==8472,vxlan counts 30 TCP packets in UDP 8472 and 15 in UDP 4789) says in
// every format that its flows are the connections inside, and that the filters need
// Wireshark to decode UDP 8472 as VXLAN; gre.pcap (45 in GRE, which Wireshark decodes
// unasked) says the first only, and a capture with no tunnel says neither.
func TestReportsSayTunnels(t *testing.T) {
	const inside = "30 TCP packets in VXLAN (UDP 8472), 15 in VXLAN (UDP 4789); the flows are the inner connections; " +
		"where Wireshark shows UDP port 8472 as plain UDP, Decode As VXLAN makes the filters below match"
	vx := analyzeFiles(t, analyzer.Options{}, td+"link/vxlan.pcap")
	for _, c := range []struct{ format, want string }{
		{"text", "\n  inside tunnels: " + inside + "\n"},
		{"markdown", "\n**Inside tunnels:** " + inside + "\n"},
		{"html", "<p class=\"tunnels\">inside tunnels: " + inside + "</p>"},
		{"json", `"tunnelled": {` + "\n" + `      "VXLAN (UDP 4789)": 15,` + "\n" + `      "VXLAN (UDP 8472)": 30` + "\n    }"},
		{"json", `"midstream":false,"tunnel":"VXLAN (UDP 4789)",`},
		{"markdown", "\n- Inside: VXLAN (UDP 8472)\n"},
	} {
		var buf bytes.Buffer
		if err := report.Render(&buf, c.format, vx, report.Options{}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), c.want) {
			t.Errorf("%s: no %q in:\n%s", c.format, c.want, buf.String())
		}
	}
	// Each flow says its tunnel: vxlan.pcap's flow 1 (10.79.0.1:46206) came in UDP 8472.
	all := renderText(t, vx, report.Options{All: true})
	if !strings.Contains(all, "#1 clean_close  10.79.0.1:46206 → 10.79.0.2:8080") || strings.Count(all, "\n  inside: VXLAN (UDP 8472)\n") != 4 ||
		strings.Count(all, "\n  inside: VXLAN (UDP 4789)\n") != 2 {
		t.Errorf("flows' tunnels:\n%s", all)
	}
	gre := renderText(t, analyzeFiles(t, analyzer.Options{}, td+"link/gre.pcap"), report.Options{})
	if !strings.Contains(gre, "\n  inside tunnels: 45 TCP packets in GRE; the flows are the inner connections\n") {
		t.Errorf("gre.pcap:\n%s", gre)
	}
	if plain := renderText(t, analyzeFiles(t, analyzer.Options{}, td+"link/vlan.pcap"), report.Options{}); strings.Contains(plain, "tunnel") || strings.Contains(plain, "reassembled") {
		t.Errorf("vlan.pcap speaks of tunnels or reassembly:\n%s", plain)
	}
	// vxlan_frag.pcap: tshark shows frames 8-17 as five datagrams in two IPv4 fragments
	// each, reassembled in frames 9, 11, 13, 15 and 17.
	frag := renderText(t, analyzeFiles(t, analyzer.Options{}, td+"link/vxlan_frag.pcap"), report.Options{})
	if !strings.Contains(frag, "\n  IP fragments reassembled: 10 into 5 packets, each at the frame of its last fragment (as Wireshark shows it)\n") ||
		strings.Contains(frag, "ip fragments") {
		t.Errorf("vxlan_frag.pcap:\n%s", frag)
	}
}
