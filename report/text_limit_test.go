package report

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tcpmortem/tcpmortem/analyzer"
	"github.com/tcpmortem/tcpmortem/flows"
)

// TestTextLimit: with thousands of problem flows the text report draws the most severe
// up to --limit and counts the rest. s5 has 26 problem flows: 15 errors (5
// http_unanswered, 10 rst_on_first_data) and 11 refusals (warn).
func TestTextLimit(t *testing.T) {
	src, err := flows.Open(filepath.Join("..", "testdata", "scenarios", "s5_accept_failure.pcap"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	res, err := analyzer.Analyze([]*flows.FileSource{src}, analyzer.Options{Config: analyzer.DefaultConfig()})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Text(&b, res, Options{Limit: 3}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	blocks := 0
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "#") {
			blocks++
			if !strings.Contains(line, "http_unanswered") && !strings.Contains(line, "rst_on_first_data") {
				t.Errorf("a drawn flow is not among the most severe: %s", line)
			}
		}
	}
	problems := 0
	for _, f := range res.Flows {
		if f.Severity != analyzer.SevOK {
			problems++
		}
	}
	if blocks != 3 || !strings.Contains(out, "more flows are not drawn") {
		t.Errorf("%d blocks drawn of %d problem flows; output tail:\n%s", blocks, problems, out[len(out)-300:])
	}
}
