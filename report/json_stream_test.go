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

// TestJSONStreamReorders: flows reach the stream in the order they finish, not by ID;
// the document lists them by ID all the same, whether the waiting flows are held in
// memory or moved to the spill file (a hold of one byte spills every one), and with
// filtered-out IDs skipped. Every capture of testdata, fed in reverse ID order (the
// worst case: nothing can be written until the last flow comes), must give the bytes
// the one-shot JSON gives.
func TestJSONStreamReorders(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "*", "*.pcap*"))
	for _, p := range paths {
		src, err := flows.Open(p, 0)
		if err != nil {
			t.Fatal(err)
		}
		res, err := analyzer.Analyze([]*flows.FileSource{src}, analyzer.Options{Config: analyzer.DefaultConfig(), NoLadders: true})
		src.Close()
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		if err := JSON(&want, res, Options{}); err != nil {
			t.Fatal(err)
		}
		for _, hold := range []int{1, 1 << 20} {
			var got bytes.Buffer
			s := NewJSONStream(&got)
			s.holdBytes = hold
			for i := len(res.Flows) - 1; i >= 0; i-- {
				s.Flow(&res.Flows[i])
			}
			if err := s.Finish(res); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("%s (hold %d): the reordered document differs from the one-shot one", p, hold)
			}
			// Even IDs filtered out: skipped, the odd ones written in order.
			var filtered analyzer.Result = *res
			filtered.Flows = nil
			for _, f := range res.Flows {
				if f.ID%2 == 1 {
					filtered.Flows = append(filtered.Flows, f)
				}
			}
			var wantOdd bytes.Buffer
			JSON(&wantOdd, &filtered, Options{})
			got.Reset()
			s = NewJSONStream(&got)
			s.holdBytes = hold
			for i := len(res.Flows) - 1; i >= 0; i-- {
				if f := &res.Flows[i]; f.ID%2 == 1 {
					s.Flow(f)
				} else {
					s.Skip(f.ID)
				}
			}
			if err := s.Finish(&filtered); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), wantOdd.Bytes()) {
				t.Errorf("%s (hold %d, odd IDs only): the reordered document differs from the one-shot one", p, hold)
			}
		}
	}
}

// TestJSONStreamWithoutTempDir: with no writable temporary directory the flows waiting
// for an earlier ID stay in memory, and the document is still whole and in order.
func TestJSONStreamWithoutTempDir(t *testing.T) {
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "gone"))
	src, err := flows.Open(filepath.Join("..", "testdata", "scenarios", "s1_sidecar_close_wait.pcap"), 0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := analyzer.Analyze([]*flows.FileSource{src}, analyzer.Options{Config: analyzer.DefaultConfig(), NoLadders: true})
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	var want, got bytes.Buffer
	if err := JSON(&want, res, Options{}); err != nil {
		t.Fatal(err)
	}
	s := NewJSONStream(&got)
	s.holdBytes = 1 // every held flow would spill
	for i := len(res.Flows) - 1; i >= 0; i-- {
		s.Flow(&res.Flows[i])
	}
	if err := s.Finish(res); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if !s.noSpill || s.spill != nil {
		t.Errorf("a temporary file was made in a directory that does not exist")
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Errorf("the document held in memory differs from the one-shot one")
	}
}
