package flow_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tcpmortem/tcpmortem/analyzer"
	"github.com/tcpmortem/tcpmortem/cmd/cmdutil"
	"github.com/tcpmortem/tcpmortem/cmd/root"
	"github.com/tcpmortem/tcpmortem/flows"
)

const (
	demo      = "../../testdata/demo/demo.pcapng"
	manySmall = "../../testdata/app/many_small_http.pcap" // flow 2: 208 packets, far more than a kept ladder
)

// run executes the command line with buffers for stdin, stdout and stderr, as the
// binary would, and returns the exit status.
func run(t *testing.T, stdin []byte, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	ios := &cmdutil.IOStreams{In: bytes.NewReader(stdin), Out: &out, ErrOut: &errOut}
	code = root.Execute(args, ios)
	return code, out.String(), errOut.String()
}

// ladderLine matches a packet row of the text ladder: frame, relative time, arrow, flags.
var ladderLine = regexp.MustCompile(`^([* ]) +(\d+) +\+(\d+\.\d{6})  (client ──────▶ |       ◀────── )  (\S+)`)

type row struct {
	star   bool
	frame  int
	client bool
	flags  string
	line   string
}

func ladderRows(out string) []row {
	var rows []row
	for _, l := range strings.Split(out, "\n") {
		m := ladderLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		f, _ := strconv.Atoi(m[2])
		rows = append(rows, row{star: m[1] == "*", frame: f, client: strings.HasPrefix(m[4], "client"), flags: m[5], line: l})
	}
	return rows
}

func TestFlowByID(t *testing.T) {
	code, out, errOut := run(t, nil, "flow", demo, "--id", "5")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[1], "#5 http_unanswered  10.77.0.1:33860 → 10.77.0.2:8080  frames 37–58") {
		t.Errorf("verdict not on top: %q", lines[1])
	}
	for _, want := range []string{
		"HTTP GET /hang (Host 10.77.0.2:8080) never answered; the client gave up after 1.0 s",
		"close: fin_unanswered",
		"wireshark: ip.addr==10.77.0.1 && ip.addr==10.77.0.2 && tcp.port==33860 && tcp.port==8080",
		"client 10.77.0.1:33860 ──▶ server 10.77.0.2:8080",
		"frame        time  client    server  flags",
		"… 1.0 s idle …",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q\n%s", want, out)
		}
	}
	rows := ladderRows(out)
	var got []string
	for _, r := range rows {
		s := strconv.Itoa(r.frame) + r.flags
		if r.star {
			s = "*" + s
		}
		if !r.client {
			s += "<"
		}
		got = append(got, s)
	}
	// every packet of the flow, the server's with arrows pointing left, the evidence starred
	want := "37S 38S.< 39. *40P. 41.< *57F. *58.<"
	if strings.Join(got, " ") != want {
		t.Errorf("ladder = %s\nwant     %s\n%s", strings.Join(got, " "), want, out)
	}
	if !strings.Contains(rows[3].line, "1          1     80  [HTTP GET /hang, never answered]") {
		t.Errorf("seq/ack/len or evidence of frame 40: %q", rows[3].line)
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colour on a buffer")
	}
}

func TestFlowByClient(t *testing.T) {
	code, out, _ := run(t, nil, "flow", "--client", "10.77.0.1:33870", demo)
	if code != 0 || !strings.Contains(out, "#6 rst_after_idle  10.77.0.1:33870 → 10.77.0.2:8080") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	rows := ladderRows(out)
	if len(rows) != 8 || rows[7].flags != "R." || !rows[7].star || !strings.Contains(out, "… 3.0 s idle …") {
		t.Errorf("ladder of flow 6:\n%s", out)
	}
}

// TestFlowEveryPacket: a flow of 208 packets (the kept ladder holds at most 40) is
// shown packet by packet, the frames Wireshark's filter selects, with the same
// relative seq/ack as the analyzer's kept ladder.
func TestFlowEveryPacket(t *testing.T) {
	code, out, errOut := run(t, nil, "flow", manySmall, "--id", "2", "--format", "json")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var f struct {
		ID              int    `json:"id"`
		FirstFrame      int    `json:"first_frame"`
		LastFrame       int    `json:"last_frame"`
		WiresharkFilter string `json:"wireshark_filter"`
		Packets         struct{ Client, Server int }
		Ladder          []struct {
			Index    int      `json:"index"`
			Frame    int      `json:"frame"`
			From     string   `json:"from"`
			Flags    string   `json:"flags"`
			Seq      *uint32  `json:"seq"`
			Ack      *uint32  `json:"ack"`
			Len      int      `json:"len"`
			Rel      float64  `json:"rel_s"`
			Notes    []string `json:"notes"`
			Evidence string   `json:"evidence"`
		} `json:"ladder"`
	}
	if err := json.Unmarshal([]byte(out), &f); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	total := f.Packets.Client + f.Packets.Server
	if total != 208 || len(f.Ladder) != total {
		t.Fatalf("ladder has %d packets, the flow %d (want 208)", len(f.Ladder), total)
	}
	for i, s := range f.Ladder {
		if s.Index != i {
			t.Fatalf("packet %d has index %d", i, s.Index)
		}
	}
	if f.Ladder[0].Frame != f.FirstFrame || f.Ladder[len(f.Ladder)-1].Frame != f.LastFrame {
		t.Errorf("frames %d–%d, flow %d–%d", f.Ladder[0].Frame, f.Ladder[len(f.Ladder)-1].Frame, f.FirstFrame, f.LastFrame)
	}
	// the same packets and relative numbers as the analyzer's kept ladder, where it has them
	src, err := flows.Open(manySmall, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	res, err := analyzer.Analyze([]*flows.FileSource{src}, analyzer.Options{Config: analyzer.DefaultConfig(),
		Keep: func(x *analyzer.Flow) bool { return x.ID == 2 }})
	if err != nil || len(res.Flows) != 1 {
		t.Fatalf("analyze: %v", err)
	}
	kept := res.Flows[0].Ladder
	if len(kept) >= total {
		t.Fatalf("the kept ladder has every packet (%d): this test needs a longer flow", len(kept))
	}
	for _, k := range kept {
		s := f.Ladder[k.Index]
		if s.Frame != k.Frame || *s.Seq != k.Seq || s.Len != k.Len || s.Flags != flows.FlagString(k.Flags) ||
			(s.Ack != nil && *s.Ack != k.Ack) || s.From != k.From.String() {
			t.Errorf("packet %d: second pass %+v, kept %+v", k.Index, s, k)
		}
	}
	// the frames are those Wireshark's display filter selects
	if _, err := exec.LookPath("tshark"); err == nil {
		cmd := exec.Command("tshark", "-r", manySmall, "-Y", f.WiresharkFilter, "-T", "fields", "-e", "frame.number")
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("tshark: %v", err)
		}
		var want []string
		for _, l := range strings.Fields(string(b)) {
			want = append(want, l)
		}
		var got []string
		for _, s := range f.Ladder {
			got = append(got, strconv.Itoa(s.Frame))
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("frames differ from tshark -Y %q:\n got %v\nwant %v", f.WiresharkFilter, got, want)
		}
	}
	// and the text form has one row per packet, none left out
	code, text, _ := run(t, nil, "flow", manySmall, "--id", "2")
	if code != 0 {
		t.Fatalf("text: exit %d", code)
	}
	if n := len(ladderRows(text)); n != 208 {
		t.Errorf("text ladder has %d rows, want 208", n)
	}
	if strings.Contains(text, "packets …") || strings.Contains(text, "up to frame") {
		t.Errorf("text ladder leaves packets out")
	}
}

func TestFlowJSONDemo(t *testing.T) {
	code, out, _ := run(t, nil, "flow", demo, "--id", "3", "-f", "json", "--idle", "500ms")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var f map[string]any
	if err := json.Unmarshal([]byte(out), &f); err != nil {
		t.Fatal(err)
	}
	if f["verdict"] != "syn_giveup" || f["wireshark_filter"] == nil || f["summary"] == nil {
		t.Errorf("flow fields missing: %v", f)
	}
	ladder := f["ladder"].([]any)
	if len(ladder) != 6 {
		t.Fatalf("%d packets, want 6 SYNs", len(ladder))
	}
	for i, x := range ladder {
		s := x.(map[string]any)
		if s["from"] != "client" || s["flags"] != "S" || s["ack"] != nil {
			t.Errorf("packet %d: %v", i, s)
		}
		if idle := s["idle"] == true; idle != (i > 0) {
			t.Errorf("packet %d: idle=%v (gap %v)", i, s["idle"], s["gap_s"])
		}
		if ev := s["evidence"]; (i == 0 || i == 5) != (ev != nil) {
			t.Errorf("packet %d: evidence %v", i, ev)
		}
	}
	if n := ladder[1].(map[string]any)["notes"].([]any); len(n) != 1 || n[0] != "retransmission" {
		t.Errorf("notes of the second SYN = %v", n)
	}
}

func TestFlowStdinAndIPv6(t *testing.T) {
	data, err := os.ReadFile(demo)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, data, "flow", "-", "--id", "4")
	if code != 0 || !strings.Contains(out, "#4 fin_unanswered") || len(ladderRows(out)) != 9 {
		t.Errorf("stdin: exit %d %s\n%s", code, errOut, out)
	}
	// IPv6 endpoints, as the JSON format writes them
	v6 := "../../testdata/tcp/clean_close_v6.pcap"
	src, err := flows.Open(v6, 0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := analyzer.Analyze([]*flows.FileSource{src}, analyzer.Options{Config: analyzer.DefaultConfig()})
	src.Close()
	if err != nil || len(res.Flows) == 0 {
		t.Fatalf("analyze %s: %v", v6, err)
	}
	c := res.Flows[0].Client
	if !strings.HasPrefix(c, "[") {
		t.Fatalf("client %q is not IPv6", c)
	}
	code, out, errOut = run(t, nil, "flow", v6, "--client", c)
	if code != 0 || !strings.Contains(out, "#1 "+string(res.Flows[0].Verdict)+"  "+c) {
		t.Errorf("--client %s: exit %d %s\n%s", c, code, errOut, out)
	}
	if n := len(ladderRows(out)); n != res.Flows[0].Packets.Client+res.Flows[0].Packets.Server {
		t.Errorf("IPv6 ladder: %d rows", n)
	}
}

func TestFlowErrors(t *testing.T) {
	notCapture := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notCapture, []byte("not a capture at all\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"flow", demo, "--id", "99"}, 2, "tcpmortem: --id 99: no such flow (../../testdata/demo/demo.pcapng has 8 TCP flows; `tcpmortem analyze --all` lists them)"},
		{[]string{"flow", demo, "--client", "10.77.0.9:1"}, 2, "tcpmortem: --client 10.77.0.9:1: no such flow"},
		{[]string{"flow", demo}, 2, "tcpmortem: which flow? give --id N or --client IP:PORT"},
		{[]string{"flow", demo, "--id", "1", "--client", "10.77.0.1:33856"}, 2, "tcpmortem: give either --id or --client, not both"},
		{[]string{"flow", demo, "--id", "0"}, 2, "tcpmortem: --id 0: flow IDs start at 1"},
		{[]string{"flow", demo, "--id", "x"}, 2, "tcpmortem: invalid argument \"x\" for \"--id\""},
		{[]string{"flow", demo, "--client", "10.77.0.1"}, 2, "tcpmortem: --client \"10.77.0.1\": not an ip:port endpoint"},
		{[]string{"flow", demo, "--id", "1", "--format", "xml"}, 2, "tcpmortem: --format \"xml\": want one of text, json"},
		{[]string{"flow", demo, "--id", "1", "--idle", "0s"}, 2, "tcpmortem: --idle 0s: must be positive"},
		{[]string{"flow", "--id", "1"}, 2, "tcpmortem: flow needs at least one capture file"},
		{[]string{"flow", "-", "-", "--id", "1"}, 2, "tcpmortem: stdin (-) can be read only once"},
		{[]string{"flow", "/nonexistent/x.pcap", "--id", "1"}, 1, "tcpmortem: /nonexistent/x.pcap: open: no such file or directory"},
		{[]string{"flow", notCapture, "--id", "1"}, 1, "tcpmortem: " + notCapture + ": "},
	} {
		code, out, errOut := run(t, nil, tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d (%s)", tc.args, code, tc.code, errOut)
		}
		if out != "" {
			t.Errorf("%v: stdout %q", tc.args, out)
		}
		first, _, _ := strings.Cut(errOut, "\n")
		if !strings.HasPrefix(first, tc.msg) {
			t.Errorf("%v: stderr %q, want %q…", tc.args, first, tc.msg)
		}
	}
}

func TestFlowHelpListed(t *testing.T) {
	code, out, _ := run(t, nil, "--help")
	if code != 0 || !regexp.MustCompile(`(?m)^\s+flow\s+Show one TCP connection in full`).MatchString(out) {
		t.Errorf("flow not in the command list:\n%s", out)
	}
	code, out, _ = run(t, nil, "flow", "--help")
	for _, f := range []string{"--id", "--client", "--format", "--idle", "--no-color"} {
		if code != 0 || !strings.Contains(out, f) {
			t.Errorf("flow --help lacks %s", f)
		}
	}
}

// TestFlowSaysTunnels: a flow of a capture taken under VXLAN on Linux's port
// (testdata/link/vxlan.pcap: flow 3, [fd79::1]:36300, frames 35-47 as tshark -d
// udp.port==8472,vxlan shows it) is shown by its inner addresses, and stderr says the
// Wireshark filter needs UDP 8472 decoded as VXLAN.
func TestFlowSaysTunnels(t *testing.T) {
	code, out, errOut := run(t, nil, "flow", "../../testdata/link/vxlan.pcap", "--id", "3")
	if code != 0 || !strings.Contains(out, "#3 clean_close  [fd79::1]:36300 → [fd79::2]:8080  frames 35–47") {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "tcpmortem: inside tunnels: 30 TCP packets in VXLAN (UDP 8472), 15 in VXLAN (UDP 4789); the flows are the inner connections; where Wireshark shows UDP port 8472 as plain UDP, Decode As VXLAN makes the filters below match\n") {
		t.Errorf("stderr:\n%s", errOut)
	}
	if _, _, errOut := run(t, nil, "flow", demo, "--id", "1"); strings.Contains(errOut, "tunnel") {
		t.Errorf("the demo speaks of tunnels:\n%s", errOut)
	}
}
