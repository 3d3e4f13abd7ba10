package report_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tcpmortem/tcpmortem/analyzer"
	"github.com/tcpmortem/tcpmortem/cmd/analyze"
	"github.com/tcpmortem/tcpmortem/cmd/cmdutil"
	"github.com/tcpmortem/tcpmortem/flows"
	"github.com/tcpmortem/tcpmortem/report"
)

const ndDemo = "../testdata/demo/demo.pcapng"

func ndAnalyze(t *testing.T, opts analyzer.Options) *analyzer.Result {
	t.Helper()
	src, err := flows.Open(ndDemo, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	opts.Config = analyzer.DefaultConfig()
	res, err := analyzer.Analyze([]*flows.FileSource{src}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// ndLines splits NDJSON into its lines, each parsed; every line must parse alone.
func ndLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	if !strings.HasSuffix(out, "\n") {
		t.Errorf("output does not end with a newline")
	}
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %d does not parse: %v\n%s", len(lines)+1, err, sc.Text())
		}
		lines = append(lines, m)
	}
	return lines
}

func TestNDJSONLinesMatchJSON(t *testing.T) {
	res := ndAnalyze(t, analyzer.Options{})
	var nd, js bytes.Buffer
	if err := report.Render(&nd, "ndjson", res, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := report.Render(&js, "json", res, report.Options{}); err != nil {
		t.Fatal(err)
	}
	lines := ndLines(t, nd.String())
	if len(lines) != 9 {
		t.Fatalf("%d lines, want 8 flows and the summary", len(lines))
	}
	var doc map[string]any
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	jflows := doc["flows"].([]any)
	for i, l := range lines[:8] {
		if _, ok := l["summary"].(string); !ok || l["verdict"] == nil || l["id"] == nil {
			t.Errorf("line %d is not a flow: %v", i+1, l)
		}
		// the same object as the JSON format's flow
		if !reflect.DeepEqual(l, jflows[i]) {
			t.Errorf("line %d differs from the JSON format's flow %d", i+1, i+1)
		}
	}
	last := lines[8]
	if !reflect.DeepEqual(last["summary"], doc["summary"]) || !reflect.DeepEqual(last["findings"], doc["findings"]) {
		t.Errorf("the last line's summary/findings differ from the JSON format's")
	}
	if last["id"] != nil || last["verdict"] != nil {
		t.Errorf("the last line looks like a flow")
	}
	if n := last["summary"].(map[string]any)["flows"].(float64); n != 8 {
		t.Errorf("summary.flows = %v", n)
	}
}

// ndLog records, in order, which stream each write went to.
type ndLog struct {
	events *[]string
	name   string
	buf    bytes.Buffer
}

func (l *ndLog) Write(p []byte) (int, error) {
	*l.events = append(*l.events, l.name+":"+strings.TrimSpace(string(p))[:min(20, len(strings.TrimSpace(string(p))))])
	return l.buf.Write(p)
}

// TestNDJSONStreamsFromAnalyze runs `analyze --format ndjson` on a capture cut short:
// its warning is printed once the analysis returns, so flow lines written before it
// were streamed, not rendered at the end.
func TestNDJSONStreamsFromAnalyze(t *testing.T) {
	data, err := os.ReadFile(ndDemo)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.pcapng")
	if err := os.WriteFile(cut, data[:len(data)-10], 0o644); err != nil {
		t.Fatal(err)
	}
	var events []string
	out := &ndLog{events: &events, name: "out"}
	errOut := &ndLog{events: &events, name: "err"}
	ios := &cmdutil.IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut}
	cmd := analyze.NewCmdAnalyze(ios, nil)
	cmd.SetArgs([]string{"--format", "ndjson", cut})
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := []string{}
	for i := 0; i < 8; i++ {
		want = append(want, "out:{\"id\":")
	}
	want = append(want, "err:tcpmortem: warning", "out:{\"summary\":")
	if len(events) != len(want) {
		t.Fatalf("writes = %q", events)
	}
	for i, e := range events {
		if !strings.HasPrefix(e, want[i]) {
			t.Errorf("write %d = %q, want %q…", i+1, e, want[i])
		}
	}
	lines := ndLines(t, out.buf.String())
	if tr := lines[len(lines)-1]["summary"].(map[string]any)["truncated"]; tr != true {
		t.Errorf("summary.truncated = %v", tr)
	}
}

func TestNDJSONStreamOnFlow(t *testing.T) {
	var b bytes.Buffer
	s := report.NewNDJSONStream(&b)
	lines := 0
	res := ndAnalyze(t, analyzer.Options{
		Keep: func(f *analyzer.Flow) bool { return f.Severity != analyzer.SevOK },
		OnFlow: func(f *analyzer.Flow) {
			s.Flow(f)
			lines++
			// written at once: the buffer holds exactly the lines so far
			if n := strings.Count(b.String(), "\n"); n != lines {
				t.Errorf("after flow %d: %d lines written, want %d", f.ID, n, lines)
			}
		},
	})
	if err := s.Finish(res); err != nil {
		t.Fatal(err)
	}
	got := ndLines(t, b.String())
	if len(got) != 7 || s.Flows() != 6 {
		t.Fatalf("%d lines (%d flows), want the 6 problem flows and the summary", len(got), s.Flows())
	}
	for _, l := range got[:6] {
		if l["severity"] == "ok" {
			t.Errorf("filtered flow streamed: %v", l["id"])
		}
	}
	// the summary still counts every flow
	if n := got[6]["summary"].(map[string]any)["flows"].(float64); n != 8 {
		t.Errorf("summary.flows = %v, want 8", n)
	}
}

type ndFailing struct{ writes int }

func (f *ndFailing) Write(p []byte) (int, error) {
	f.writes++
	return 0, errors.New("broken pipe")
}

func TestNDJSONWriteErrorStops(t *testing.T) {
	res := ndAnalyze(t, analyzer.Options{})
	w := &ndFailing{}
	err := report.NDJSON(w, res, report.Options{})
	if err == nil || !strings.Contains(err.Error(), "broken pipe") {
		t.Errorf("err = %v, want the write error", err)
	}
	if w.writes != 1 {
		t.Errorf("%d writes after the first failed, want none", w.writes-1)
	}
}
