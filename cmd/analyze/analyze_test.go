package analyze_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tcpmortem/tcpmortem/analyzer"
	"github.com/tcpmortem/tcpmortem/cmd/analyze"
	"github.com/tcpmortem/tcpmortem/cmd/cmdutil"
	"github.com/tcpmortem/tcpmortem/cmd/root"
	"github.com/tcpmortem/tcpmortem/flows"
	"github.com/tcpmortem/tcpmortem/report"
)

const (
	demo = "../../testdata/demo/demo.pcapng" // 76 frames, 8 TCP flows (testdata/demo/EXPECTED.md)
	ipv6 = "../../testdata/link/ipv6.pcap"   // 34 frames, 3 TCP flows between fd77::1 and fd77::2
	gzpc = "../../testdata/link/lo_ethernet.pcap.gz"
)

// result is the part of the JSON document these tests look at.
type result struct {
	Inputs []struct {
		Name    string `json:"name"`
		Packets int    `json:"packets"`
	} `json:"inputs"`
	Flows []struct {
		ID         int    `json:"id"`
		Client     string `json:"client"`
		Server     string `json:"server"`
		File       string `json:"file"`
		FirstFrame int    `json:"first_frame"`
		LastFrame  int    `json:"last_frame"`
		Start      string `json:"start"`
		Verdict    string `json:"verdict"`
	} `json:"flows"`
	Findings []json.RawMessage `json:"findings"`
	Summary  struct {
		Flows     int            `json:"flows"`
		Packets   int            `json:"packets"`
		Verdicts  map[string]int `json:"verdicts"`
		Truncated bool           `json:"truncated"`
	} `json:"summary"`
}

type run struct {
	in  io.Reader
	tty bool
}

// execute runs `tcpmortem ARGS` through the cobra command tree with buffers. A panic
// fails the test (with its stack) instead of killing the test binary.
func (r run) execute(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	in := r.in
	if in == nil {
		in = strings.NewReader("")
	}
	ios := &cmdutil.IOStreams{In: in, Out: &out, ErrOut: &errOut, OutTTY: r.tty, ErrTTY: r.tty}
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("tcpmortem %s panicked: %v\n%s", strings.Join(args, " "), p, debug.Stack())
			}
		}()
		code = root.Execute(args, ios)
	}()
	stdout, stderr = out.String(), errOut.String()
	if strings.Contains(stdout+stderr, "goroutine ") {
		t.Errorf("tcpmortem %s printed a goroutine dump:\n%s%s", strings.Join(args, " "), stdout, stderr)
	}
	return code, stdout, stderr
}

func execute(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return run{}.execute(t, args...)
}

// analyzeJSON runs analyze --format json and decodes the document.
func analyzeJSON(t *testing.T, r run, args ...string) result {
	t.Helper()
	code, out, errOut := r.execute(t, append([]string{"analyze", "--format", "json"}, args...)...)
	if code != cmdutil.ExitOK {
		t.Fatalf("analyze %v: exit %d, stderr %q", args, code, errOut)
	}
	var res result
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("analyze %v: stdout is not JSON: %v\n%s", args, err, out)
	}
	if dec.More() {
		t.Errorf("analyze %v: more than one JSON document on stdout", args)
	}
	return res
}

// errorLine checks that stderr is one error line ("tcpmortem: ..."), plus the
// usage hint that usage errors add, and returns the error line.
func errorLine(t *testing.T, stderr string) string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if !strings.HasPrefix(lines[0], "tcpmortem: ") {
		t.Fatalf("stderr does not start with a \"tcpmortem: \" error line:\n%s", stderr)
	}
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "Run 'tcpmortem") || !strings.HasSuffix(l, "--help' for usage.") {
			t.Errorf("stderr has more than one error line (and the usage hint):\n%s", stderr)
		}
	}
	return lines[0]
}

func TestAnalyzeText(t *testing.T) {
	code, out, errOut := execute(t, "analyze", demo)
	if code != cmdutil.ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if errOut != "" {
		t.Errorf("stderr %q, want nothing for a clean capture", errOut)
	}
	for _, want := range []string{"1 file, 76 packets, 8 TCP flows", "Verdicts", "syn_giveup", "fin_unanswered",
		"2 flows that ended normally are not listed"} {
		if !strings.Contains(out, want) {
			t.Errorf("text report lacks %q:\n%s", want, out)
		}
	}
}

func TestAnalyzeJSON(t *testing.T) {
	res := analyzeJSON(t, run{}, demo)
	if len(res.Flows) != 8 || res.Summary.Flows != 8 || res.Summary.Packets != 76 {
		t.Errorf("%d flows listed, summary %d flows / %d packets; want 8, 8, 76", len(res.Flows), res.Summary.Flows, res.Summary.Packets)
	}
	if res.Findings == nil {
		t.Errorf("findings missing or null, want an array")
	}
	// -f is the short form of --format.
	code, out, _ := execute(t, "analyze", "-f", "json", demo)
	if code != 0 || !json.Valid([]byte(out)) {
		t.Errorf("analyze -f json: exit %d, valid JSON %v", code, json.Valid([]byte(out)))
	}
}

func TestAnalyzeUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string // in the error line
	}{
		{"no file", []string{"analyze"}, "at least one capture"},
		{"unknown format", []string{"analyze", "--format", "xml", demo}, `"xml"`},
		{"unknown flag", []string{"analyze", "--bogus", demo}, "unknown flag: --bogus"},
		{"unknown short flag", []string{"analyze", "-z", demo}, "unknown shorthand flag"},
		{"idle not a duration", []string{"analyze", "--idle", "xyz", demo}, "--idle"},
		{"idle without unit", []string{"analyze", "--idle", "5", demo}, "--idle"},
		{"idle zero", []string{"analyze", "--idle", "0s", demo}, "--idle"},
		{"idle negative", []string{"analyze", "--idle=-1s", demo}, "--idle"},
		{"unknown verdict", []string{"analyze", "--verdict", "nope", demo}, `"nope"`},
		{"verdict in capitals", []string{"analyze", "--verdict", "REFUSED", demo}, `"REFUSED"`},
		{"port zero", []string{"analyze", "--port", "0", demo}, "--port"},
		{"port too big", []string{"analyze", "--port", "70000", demo}, "--port"},
		{"port not a number", []string{"analyze", "--port", "http", demo}, "--port"},
		{"host not an address", []string{"analyze", "--host", "example", demo}, `"example"`},
		{"host bad prefix", []string{"analyze", "--host", "10.0.0.0/40", demo}, "10.0.0.0/40"},
		{"stdin twice", []string{"analyze", "-", "-"}, "stdin"},
		{"retrans-giveup zero", []string{"analyze", "--retrans-giveup", "0", demo}, "--retrans-giveup"},
		{"min-flows zero", []string{"analyze", "--min-flows", "0", demo}, "--min-flows"},
		{"timeout-spread over 1", []string{"analyze", "--timeout-spread", "2", demo}, "--timeout-spread"},
		{"timeout-spread negative", []string{"analyze", "--timeout-spread=-0.1", demo}, "--timeout-spread"},
		{"timeout-spread not a number", []string{"analyze", "--timeout-spread", "abc", demo}, "--timeout-spread"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := execute(t, tc.args...)
			if code != cmdutil.ExitUsage {
				t.Errorf("exit %d, want %d (bad usage); stderr %q", code, cmdutil.ExitUsage, errOut)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if line := errorLine(t, errOut); !strings.Contains(line, tc.want) {
				t.Errorf("error %q does not mention %q", line, tc.want)
			}
		})
	}
}

// TestAnalyzeFindingThresholds: the flags reach the findings. s2_idle_timeout.pcap's 20
// leaked connections close after 3.0 s of silence (testdata/scenarios/EXPECTED.md), and
// the health check right after its answer: idle_timeout needs --min-flows 20 or fewer.
func TestAnalyzeFindingThresholds(t *testing.T) {
	s2 := filepath.Join("..", "..", "testdata", "scenarios", "s2_idle_timeout.pcap")
	for _, tc := range []struct {
		min  string
		want bool
	}{{"20", true}, {"21", false}} {
		code, out, errOut := execute(t, "analyze", "--format", "json", "--min-flows", tc.min, s2)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if got := strings.Contains(out, `"kind": "idle_timeout"`); got != tc.want {
			t.Errorf("--min-flows %s: idle_timeout found %v, want %v", tc.min, got, tc.want)
		}
	}
}

func TestAnalyzeUnreadableInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("just some text, gzip'd\n"))
	zw.Close()
	for _, tc := range []struct {
		name string
		file string
		want string
	}{
		{"missing file", filepath.Join(dir, "nonexistent.pcap"), "no such file"},
		{"text file", write("notes.txt", []byte("tcpdump -i any -w x.pcap\nthen look at it\n")), "not a pcap or pcapng file"},
		{"JSON file", write("report.json", []byte(`{"flows": []}`+"\n")), "not a pcap or pcapng file"},
		{"empty file", write("empty.pcap", nil), "empty"},
		{"gzip'd text", write("notes.txt.gz", gz.Bytes()), "not a pcap or pcapng file"},
		{"three bytes", write("short.pcap", []byte{0xd4, 0xc3, 0xb2}), "short.pcap"},
		{"directory", dir, "directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := execute(t, "analyze", tc.file)
			if code != cmdutil.ExitNoInput {
				t.Errorf("exit %d, want %d (nothing could be read); stderr %q", code, cmdutil.ExitNoInput, errOut)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			lines := strings.Split(strings.TrimRight(errOut, "\n"), "\n")
			if len(lines) != 1 {
				t.Errorf("stderr has %d lines, want one:\n%s", len(lines), errOut)
			}
			if !strings.Contains(lines[0], tc.file) {
				t.Errorf("error %q does not name the file %s", lines[0], tc.file)
			}
			if !strings.Contains(lines[0], tc.want) {
				t.Errorf("error %q does not say %q", lines[0], tc.want)
			}
		})
	}
}

func TestAnalyzeStdin(t *testing.T) {
	data, err := os.ReadFile(demo)
	if err != nil {
		t.Fatal(err)
	}
	fromFile := analyzeJSON(t, run{}, demo)
	fromStdin := analyzeJSON(t, run{in: bytes.NewReader(data)}, "-")
	if len(fromStdin.Flows) != len(fromFile.Flows) || !reflect.DeepEqual(fromStdin.Summary, fromFile.Summary) {
		t.Fatalf("stdin gave %d flows %+v, the file %d flows %+v", len(fromStdin.Flows), fromStdin.Summary, len(fromFile.Flows), fromFile.Summary)
	}
	for i, f := range fromStdin.Flows {
		g := fromFile.Flows[i]
		if f.File != "-" {
			t.Errorf("flow %d: file %q, want \"-\" for stdin", f.ID, f.File)
		}
		if f.Client != g.Client || f.Server != g.Server || f.FirstFrame != g.FirstFrame || f.LastFrame != g.LastFrame || f.Verdict != g.Verdict {
			t.Errorf("flow %d differs read from stdin: %+v, from the file %+v", f.ID, f, g)
		}
	}

	// A gzip'd capture through a pipe (zcat-less: tcpmortem detects the gzip magic).
	gzData, err := os.ReadFile(gzpc)
	if err != nil {
		t.Fatal(err)
	}
	if res := analyzeJSON(t, run{in: bytes.NewReader(gzData)}, "-"); res.Summary.Flows != 2 {
		t.Errorf("gzip'd capture on stdin: %d flows, want 2", res.Summary.Flows)
	}

	// Nothing on stdin is an empty input, not a hang and not a success.
	code, _, errOut := run{in: strings.NewReader("")}.execute(t, "analyze", "-")
	if code != cmdutil.ExitNoInput || !strings.Contains(errOut, "stdin") {
		t.Errorf("empty stdin: exit %d, stderr %q; want 1 and a message naming stdin", code, errOut)
	}
}

// Two files are one incident: flows from both, merged by time, each keeping its own
// file and the frame numbers Wireshark shows in that file.
func TestAnalyzeTwoFilesMerged(t *testing.T) {
	a, b := analyzeJSON(t, run{}, demo), analyzeJSON(t, run{}, ipv6)
	both := analyzeJSON(t, run{}, demo, ipv6)
	if len(both.Inputs) != 2 || both.Inputs[0].Name != demo || both.Inputs[1].Name != ipv6 {
		t.Errorf("inputs %+v, want %s and %s", both.Inputs, demo, ipv6)
	}
	if both.Summary.Flows != a.Summary.Flows+b.Summary.Flows || both.Summary.Packets != a.Summary.Packets+b.Summary.Packets {
		t.Errorf("merged summary %+v, want the sums of %+v and %+v", both.Summary, a.Summary, b.Summary)
	}
	type key struct {
		file, client, server, verdict string
		first, last                   int
	}
	var want, got []key
	for _, f := range a.Flows {
		want = append(want, key{demo, f.Client, f.Server, f.Verdict, f.FirstFrame, f.LastFrame})
	}
	for _, f := range b.Flows {
		want = append(want, key{ipv6, f.Client, f.Server, f.Verdict, f.FirstFrame, f.LastFrame})
	}
	files := map[string]int{}
	prevStart := ""
	for i, f := range both.Flows {
		got = append(got, key{f.File, f.Client, f.Server, f.Verdict, f.FirstFrame, f.LastFrame})
		files[f.File]++
		if f.ID != i+1 {
			t.Errorf("flow at %d has id %d, want %d", i, f.ID, i+1)
		}
		if v6 := strings.HasPrefix(f.Client, "["); v6 != (f.File == ipv6) {
			t.Errorf("flow %d %s -> %s attributed to %s", f.ID, f.Client, f.Server, f.File)
		}
		start, err := time.Parse(time.RFC3339Nano, f.Start)
		if err != nil {
			t.Fatalf("flow %d start %q: %v", f.ID, f.Start, err)
		}
		if prevStart != "" {
			if p, _ := time.Parse(time.RFC3339Nano, prevStart); start.Before(p) {
				t.Errorf("flow %d starts %s, before flow %d (%s): ids are not in time order", f.ID, f.Start, f.ID-1, prevStart)
			}
		}
		prevStart = f.Start
	}
	if files[demo] != 8 || files[ipv6] != 3 {
		t.Errorf("flows per file %v, want 8 from %s and 3 from %s", files, demo, ipv6)
	}
	less := func(s []key) func(i, j int) bool {
		return func(i, j int) bool {
			if s[i].file != s[j].file {
				return s[i].file < s[j].file
			}
			return s[i].first < s[j].first
		}
	}
	sort.Slice(want, less(want))
	sort.Slice(got, less(got))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merged flows differ from the files read alone:\n got %+v\nwant %+v", got, want)
	}
}

func TestAnalyzeFilters(t *testing.T) {
	all := analyzeJSON(t, run{}, demo)
	ids := func(r result) []int {
		out := []int{}
		for _, f := range r.Flows {
			out = append(out, f.ID)
		}
		return out
	}
	// Flow ids of demo.pcapng (testdata/demo/EXPECTED.md): 1 clean_close, 2 refused
	// (port 8081), 3 syn_giveup (port 8443), 4 fin_unanswered, 5 http_unanswered (close
	// fin_unanswered), 6 rst_after_idle, 7 idle_open, 8 clean_close; the others all go to
	// port 8080. --verdict matches the verdict, not the close shape.
	for _, tc := range []struct {
		name string
		args []string
		want []int
	}{
		{"host server", []string{"--host", "10.77.0.2"}, []int{1, 2, 3, 4, 5, 6, 7, 8}},
		{"host prefix", []string{"--host", "10.77.0.0/30"}, []int{1, 2, 3, 4, 5, 6, 7, 8}},
		{"host elsewhere", []string{"--host", "192.0.2.1"}, []int{}},
		{"host v6 prefix", []string{"--host", "fd77::/16"}, []int{}},
		{"port", []string{"--port", "8081"}, []int{2}},
		{"port repeated", []string{"--port", "8081", "--port", "8443"}, []int{2, 3}},
		{"port list", []string{"--port", "8081,8443"}, []int{2, 3}},
		{"client port", []string{"--port", "41344"}, []int{2}},
		{"verdict", []string{"--verdict", "fin_unanswered"}, []int{4}},
		{"application verdict", []string{"--verdict", "http_unanswered"}, []int{5}},
		{"verdicts", []string{"--verdict", "refused", "--verdict", "syn_giveup"}, []int{2, 3}},
		{"port and verdict", []string{"--port", "8080", "--verdict", "clean_close"}, []int{1, 8}},
		{"host and port", []string{"--host", "10.77.0.1", "--port", "8443"}, []int{3}},
		{"verdict absent", []string{"--verdict", "keepalive_timeout"}, []int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := analyzeJSON(t, run{}, append(tc.args, demo)...)
			if got := ids(res); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("kept flows %v, want %v", got, tc.want)
			}
			if !reflect.DeepEqual(res.Summary, all.Summary) {
				t.Errorf("summary %+v changed by the filter, want %+v", res.Summary, all.Summary)
			}
		})
	}
	// The text report says so when nothing matches, and still counts every verdict.
	code, out, _ := execute(t, "analyze", "--verdict", "keepalive_timeout", demo)
	if code != 0 || !strings.Contains(out, "No flow matches the filters (8 flows in all)") || !strings.Contains(out, "syn_giveup") {
		t.Errorf("text with a filter that matches nothing (exit %d):\n%s", code, out)
	}
}

func TestAnalyzeAll(t *testing.T) {
	_, problems, _ := execute(t, "analyze", demo)
	_, all, _ := execute(t, "analyze", "--all", demo)
	for _, clean := range []string{"#1 clean_close", "#8 clean_close"} {
		if strings.Contains(problems, clean) {
			t.Errorf("without --all the clean flow %q is listed", clean)
		}
		if !strings.Contains(all, clean) {
			t.Errorf("--all does not list %q:\n%s", clean, all)
		}
	}
	if !strings.Contains(problems, "2 flows that ended normally are not listed (--all lists them)") {
		t.Errorf("without --all, the hidden clean flows are not counted:\n%s", problems)
	}
	if strings.Contains(all, "not listed") {
		t.Errorf("--all still says flows are not listed")
	}
	for _, p := range []string{"#2 refused", "#3 syn_giveup", "#7 idle_open"} {
		if !strings.Contains(problems, p) || !strings.Contains(all, p) {
			t.Errorf("problem flow %q missing from one of the reports", p)
		}
	}
}

func TestAnalyzeIdleThreshold(t *testing.T) {
	// demo flow 6: an RST after 3.0 s of silence; flow 7: silent for 10.7 s at capture end.
	for _, tc := range []struct {
		idle         string
		flow6, flow7 string
	}{
		{"1s", "rst_after_idle", "idle_open"},
		{"5s", "reset", "idle_open"},
		{"20s", "reset", "open"},
	} {
		res := analyzeJSON(t, run{}, "--idle", tc.idle, demo)
		if got6, got7 := res.Flows[5].Verdict, res.Flows[6].Verdict; got6 != tc.flow6 || got7 != tc.flow7 {
			t.Errorf("--idle %s: flows 6 and 7 are %s and %s, want %s and %s", tc.idle, got6, got7, tc.flow6, tc.flow7)
		}
	}
}

// Colour only on a terminal, never with --no-color or NO_COLOR, never in JSON.
func TestAnalyzeColour(t *testing.T) {
	const esc = "\x1b"
	t.Setenv("NO_COLOR", "")
	os.Unsetenv("NO_COLOR")
	if _, out, _ := (run{tty: true}).execute(t, "analyze", demo); !strings.Contains(out, esc) {
		t.Fatalf("no colour on a terminal (control case): the checks below would prove nothing")
	}
	if _, out, _ := (run{}).execute(t, "analyze", demo); strings.Contains(out, esc) {
		t.Errorf("escape sequences written to a non-terminal")
	}
	if _, out, _ := (run{tty: true}).execute(t, "analyze", "--no-color", demo); strings.Contains(out, esc) {
		t.Errorf("escape sequences despite --no-color")
	}
	if _, out, _ := (run{tty: true}).execute(t, "analyze", "--format", "json", demo); strings.Contains(out, esc) {
		t.Errorf("escape sequences in JSON on a terminal")
	}
	if _, _, errOut := (run{tty: true}).execute(t, "analyze", "--format", "nope", demo); strings.Contains(errOut, esc) {
		t.Errorf("escape sequences in an error message")
	}
	t.Setenv("NO_COLOR", "1")
	if _, out, _ := (run{tty: true}).execute(t, "analyze", "--all", demo); strings.Contains(out, esc) {
		t.Errorf("escape sequences despite NO_COLOR=1")
	}
}

// A capture cut off mid-record is analysed up to the cut: exit 0, a warning on stderr,
// "truncated": true.
func TestAnalyzeTruncated(t *testing.T) {
	data, err := os.ReadFile(demo)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.pcapng")
	// Cut in the middle of the file: demo.pcapng's frames are small, so the cut
	// falls inside some record, and the frames before it must all be analysed.
	if err := os.WriteFile(cut, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := execute(t, "analyze", "--format", "json", cut)
	if code != cmdutil.ExitOK {
		t.Fatalf("exit %d, want 0 (analysed up to the cut); stderr %q", code, errOut)
	}
	if !strings.Contains(errOut, "warning") || !strings.Contains(errOut, cut) || strings.Count(errOut, "\n") != 1 {
		t.Errorf("stderr %q, want one warning line naming %s", errOut, cut)
	}
	var res result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if !res.Summary.Truncated || res.Summary.Flows < 3 || res.Inputs[0].Packets < 20 || res.Inputs[0].Packets >= 76 {
		t.Errorf("summary %+v, %d frames; want truncated, the flows and frames before the cut", res.Summary, res.Inputs[0].Packets)
	}
}

// The flags land in the options Run gets (runF replaces the run).
func TestAnalyzeOptions(t *testing.T) {
	var got *analyze.Options
	ios := &cmdutil.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}
	cmd := analyze.NewCmdAnalyze(ios, func(o *analyze.Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--idle", "2.5s", "--port", "80", "--port", "443", "--host", "::1", "--host", "10.0.0.0/8",
		"--verdict", "refused", "--all", "--no-color", "-f", "json", "a.pcap", "-"})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil {
		t.Fatal("run function not called")
	}
	if got.Idle != 2500*time.Millisecond || got.Config.Idle != got.Idle {
		t.Errorf("idle %v, config idle %v; want 2.5s both", got.Idle, got.Config.Idle)
	}
	if !reflect.DeepEqual(got.Ports, []uint16{80, 443}) || !reflect.DeepEqual(got.Hosts, []string{"::1", "10.0.0.0/8"}) ||
		!reflect.DeepEqual(got.Verdicts, []string{"refused"}) || !got.All || !got.NoColor || got.Format != "json" ||
		!reflect.DeepEqual(got.Files, []string{"a.pcap", "-"}) {
		t.Errorf("options %+v", got)
	}

	// The defaults.
	got = nil
	cmd = analyze.NewCmdAnalyze(ios, func(o *analyze.Options) error { got = o; return nil })
	cmd.SetArgs([]string{"x.pcap"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Format != "text" || got.Idle != time.Second || got.All || got.NoColor || len(got.Ports)+len(got.Hosts)+len(got.Verdicts) != 0 {
		t.Errorf("default options %+v", got)
	}
}

// TestAnalyzeKeepsOnlyWhatItDraws: the command keeps in full only the flows its format
// draws (report.Drawn: the --limit most severe for text, the worst for Markdown, the
// table's rows for HTML) and counts the rest from compact records. Its output must be
// the very bytes the report renders from a run that kept every flow. s5 has 26 problem
// flows of three severities, s1 and s3 dozens of flows: small limits make the bounds bite.
func TestAnalyzeKeepsOnlyWhatItDraws(t *testing.T) {
	caps := []string{"s1_sidecar_close_wait.pcap", "s3_syn_drops.pcap", "s5_accept_failure.pcap"}
	for _, c := range caps {
		path := filepath.Join("..", "..", "testdata", "scenarios", c)
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		for _, args := range [][]string{
			{"--limit", "3"}, {"--limit", "3", "--all"}, {"--limit", "0"}, {"--limit", "7", "--verdict", "refused"},
			{"--format", "markdown"}, {"--format", "html"}, {"--format", "json", "--port", "8080"},
		} {
			full := append([]string{"analyze", "--no-color", "--workers", "1", "--max-flows", "0"}, args...)
			code, got, stderr := execute(t, append(full, path)...)
			if code != 0 {
				t.Fatalf("%s %v: exit %d: %s", c, args, code, stderr)
			}
			want := renderFull(t, path, args)
			if got != want {
				t.Errorf("%s %v: the output differs from the report of a run that kept every flow", c, args)
			}
		}
	}
}

// renderFull renders path as the report package does from a run that kept every flow
// in full, with the options args name (--format, --limit, --all, --verdict, --port).
func renderFull(t *testing.T, path string, args []string) string {
	t.Helper()
	format, o := "text", report.Options{Limit: 50}
	var verdict string
	var port uint16
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "--format":
			format = args[i+1]
			i++
		case "--limit":
			o.Limit, _ = strconv.Atoi(args[i+1])
			i++
		case "--all":
			o.All = true
		case "--verdict":
			verdict = args[i+1]
			i++
		case "--port":
			p, _ := strconv.Atoi(args[i+1])
			port = uint16(p)
			i++
		}
	}
	src, err := flows.Open(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	opts := analyzer.Options{Config: analyzer.DefaultConfig(), Workers: 1}
	if verdict != "" || port != 0 {
		opts.Keep = func(f *analyzer.Flow) bool {
			if verdict != "" && string(f.Verdict) != verdict {
				return false
			}
			return port == 0 || strings.HasSuffix(f.Client, fmt.Sprintf(":%d", port)) || strings.HasSuffix(f.Server, fmt.Sprintf(":%d", port))
		}
	}
	res, err := analyzer.Analyze([]*flows.FileSource{src}, opts)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := report.Render(&b, format, res, o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestAnalyzeWorkersSameBytes: the command's own output paths (the JSON document
// streamed in ID order, NDJSON streamed as flows finish, the text report from the
// flows it keeps) give the same bytes with 1, 2 and 4 workers, on captures with port
// reuse (port_reuse: three connections on one tuple; many_small_http: 100 connections
// reusing ports) and with flows that finish out of order (s5).
func TestAnalyzeWorkersSameBytes(t *testing.T) {
	for _, c := range []string{"link/port_reuse.pcap", "app/many_small_http.pcap", "scenarios/s5_accept_failure.pcap"} {
		path := filepath.Join("..", "..", "testdata", c)
		for _, format := range []string{"json", "ndjson", "text"} {
			var first string
			for _, w := range []string{"1", "2", "4"} {
				code, out, stderr := execute(t, "analyze", "--no-color", "--format", format, "--workers", w, path)
				if code != 0 {
					t.Fatalf("%s %s --workers %s: exit %d: %s", c, format, w, code, stderr)
				}
				if w == "1" {
					first = out
				} else if out != first {
					t.Errorf("%s %s: --workers %s writes other bytes than --workers 1", c, format, w)
				}
			}
		}
	}
}
