package report

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tcpmortem/tcpmortem/analyzer"
	"github.com/tcpmortem/tcpmortem/flows"
)

// TestJSONStreamsTheSameDocument: writing the document flow by flow, a flow per line,
// gives the same document as encoding the whole Result at once.
func TestJSONStreamsTheSameDocument(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "*", "*.pcap*"))
	for _, p := range paths {
		src, err := flows.Open(p, 0)
		if err != nil {
			t.Fatal(err)
		}
		res, err := analyzer.Analyze([]*flows.FileSource{src}, analyzer.Options{Config: analyzer.DefaultConfig()})
		src.Close()
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(res); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := JSON(&got, res, Options{}); err != nil {
			t.Fatal(err)
		}
		var a, b any
		if err := json.Unmarshal(got.Bytes(), &a); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		json.Unmarshal(want.Bytes(), &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: streamed JSON differs from the one-shot encoding", p)
		}
		for i, line := range strings.Split(got.String(), "\n") {
			if strings.HasPrefix(line, "    {\"id\":") && !strings.HasSuffix(strings.TrimSuffix(line, ","), "}") {
				t.Errorf("%s: line %d: a flow spans lines", p, i+1)
			}
		}
	}
}
