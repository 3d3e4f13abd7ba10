package report

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand"
	"path/filepath"
	"reflect"
	"sort"
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
// memory or moved to the spill file (a hold of one byte spills every one; one of 2 KiB
// both), with filtered-out IDs skipped, and with IDs that never come at all. Every
// capture of testdata, fed in reverse ID order (the worst case: nothing can be written
// until the last flow comes) and in the order of a busy capture (each flow a few IDs
// late, or not), must give the bytes the one-shot JSON gives; with the flows placed by a
// goroutine of the stream's own too (Background).
func TestJSONStreamReorders(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "*", "*.pcap*"))
	for _, p := range paths {
		res := analyzeWith(t, p, analyzer.Options{NoLadders: true})
		if res == nil {
			t.Fatalf("%s: not a capture", p)
		}
		reverse := make([]*analyzer.Flow, len(res.Flows))
		for i := range res.Flows {
			reverse[len(res.Flows)-1-i] = &res.Flows[i]
		}
		late := make([]*analyzer.Flow, len(res.Flows))
		finish := map[int]int{}
		rng := rand.New(rand.NewSource(int64(len(res.Flows))))
		for i := range res.Flows {
			late[i] = &res.Flows[i]
			finish[res.Flows[i].ID] = i + 3*rng.Intn(5)
		}
		sort.SliceStable(late, func(i, j int) bool { return finish[late[i].ID] < finish[late[j].ID] })
		for _, order := range []struct {
			name string
			fl   []*analyzer.Flow
		}{{"reverse", reverse}, {"late", late}} {
			for _, hold := range []int{1, 2 << 10, 1 << 20} {
				// keep: written (and in the one-shot Result); skip: Skip; else never seen.
				for _, filter := range []struct {
					name       string
					keep, skip func(id int) bool
				}{
					{"all", func(int) bool { return true }, nil},
					{"odd IDs only", func(id int) bool { return id%2 == 1 }, func(int) bool { return true }},
					{"every 3rd ID never comes", func(id int) bool { return id%3 != 0 }, func(int) bool { return false }},
				} {
					var filtered analyzer.Result = *res
					filtered.Flows = nil
					for _, f := range res.Flows {
						if filter.keep(f.ID) {
							filtered.Flows = append(filtered.Flows, f)
						}
					}
					var want bytes.Buffer
					if err := JSON(&want, &filtered, Options{}); err != nil {
						t.Fatal(err)
					}
					// Placed on the caller's goroutine, and in the background: every
					// flow a batch of its own, or a few in each, or all in one.
					for _, batch := range []int{0, 1, 4 << 10, jsonBatchBytes} {
						var got bytes.Buffer
						s := NewJSONStream(&got)
						s.holdBytes = hold
						if batch > 0 {
							s.Background().bg.batchBytes = batch
						}
						for _, f := range order.fl {
							if filter.keep(f.ID) {
								s.Flow(f)
							} else if filter.skip(f.ID) {
								s.Skip(f.ID)
							}
						}
						if err := s.Finish(&filtered); err != nil {
							t.Fatal(err)
						}
						if !bytes.Equal(got.Bytes(), want.Bytes()) {
							t.Errorf("%s (%s order, hold %d, %s, background batches of %d bytes): the reordered document differs from the one-shot one",
								p, order.name, hold, filter.name, batch)
						}
					}
				}
			}
		}
	}
}

// TestJSONStreamWithoutTempDir: with no writable temporary directory the flows waiting
// for an earlier ID stay in memory, and the document is still whole and in order.
func TestJSONStreamWithoutTempDir(t *testing.T) {
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "gone"))
	p := filepath.Join("..", "testdata", "scenarios", "s1_sidecar_close_wait.pcap")
	res := analyzeWith(t, p, analyzer.Options{NoLadders: true})
	if res == nil {
		t.Fatalf("%s: not a capture", p)
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

// BenchmarkJSONStream: a document of 30,000 flows (the HTTP flows of testdata over and
// over), in ID order, and in the order of a busy capture: each flow finishes 0 to 9
// lags of 2,000 IDs late, so the stream holds up to ~18,000 flows, well past
// jsonHoldBytes, and drains them from memory and from the temporary file. Each on the
// caller's goroutine, and with the placing in the background (Background).
func BenchmarkJSONStream(b *testing.B) {
	var tmpl []analyzer.Flow
	for _, p := range []string{"app/http_close.pcap", "app/http_keepalive.pcap", "demo/demo.pcapng"} {
		tmpl = append(tmpl, analyzeFile(b, filepath.Join("..", "testdata", p))...)
	}
	if len(tmpl) == 0 {
		b.Fatal("no flows")
	}
	const n = 30000
	fl := make([]analyzer.Flow, n)
	size := 0
	for i := range fl {
		fl[i] = tmpl[i%len(tmpl)]
		fl[i].ID = i + 1
		size += len(appendFlow(nil, &fl[i]))
	}
	rng := rand.New(rand.NewSource(1))
	late := make([]int, n)
	for i := range late {
		late[i] = i + 2000*rng.Intn(10)
	}
	reordered := make([]*analyzer.Flow, n)
	for i := range reordered {
		reordered[i] = &fl[i]
	}
	sort.SliceStable(reordered, func(i, j int) bool { return late[reordered[i].ID-1] < late[reordered[j].ID-1] })
	inOrder := make([]*analyzer.Flow, n)
	for i := range inOrder {
		inOrder[i] = &fl[i]
	}
	res := &analyzer.Result{}
	for _, set := range []struct {
		name string
		fl   []*analyzer.Flow
	}{{"in_order", inOrder}, {"reordered", reordered}} {
		for _, bg := range []bool{false, true} {
			name := set.name
			if bg {
				name += "/background"
			}
			b.Run(name, func(b *testing.B) {
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					s := NewJSONStream(io.Discard)
					if bg {
						s.Background()
					}
					for _, f := range set.fl {
						s.Flow(f)
					}
					if err := s.Finish(res); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
