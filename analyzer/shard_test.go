package analyzer

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"
)

// shardCaptures are the captures the sharding tests run on: every capture of testdata and
// of the public set, and two of them read together (merged by time, as one incident).
func shardCaptures(t *testing.T) [][]string {
	t.Helper()
	own, _ := filepath.Glob(filepath.Join("..", "testdata", "*", "*.pcap*"))
	public, _ := filepath.Glob(filepath.Join("..", "..", "shared", "captures", "public", "*.pcap"))
	publicNG, _ := filepath.Glob(filepath.Join("..", "..", "shared", "captures", "public", "*.pcapng"))
	public = append(public, publicNG...)
	if len(own) == 0 {
		t.Fatal("no captures in testdata")
	}
	var sets [][]string
	for _, p := range append(own, public...) {
		sets = append(sets, []string{p})
	}
	return append(sets, []string{filepath.Join("..", "testdata", "link", "port_reuse.pcap"),
		filepath.Join("..", "testdata", "app", "many_small_http.pcap")})
}

// resultJSON is the whole result, and the IDs of the flows in the order they were judged
// (the order --format ndjson writes them in).
func resultJSON(t *testing.T, opts Options, paths []string) []byte {
	t.Helper()
	var order []int
	opts.OnFlow = func(f *Flow) { order = append(order, f.ID) }
	b, err := json.Marshal(analyzeWith(t, opts, paths...))
	if err != nil {
		t.Fatal(err)
	}
	o, _ := json.Marshal(order)
	return append(b, o...)
}

func withShards(t *testing.T, most, perShard int) {
	oldMost, oldPer := maxShards, flowsPerShard
	maxShards, flowsPerShard = most, perShard
	t.Cleanup(func() { maxShards, flowsPerShard = oldMost, oldPer })
}

// TestShardsGiveOneTablesResult: splitting the flows over 16 tables by tuple hash changes
// nothing without a --max-flows bound: each table sees its tuples' segments in order and
// its clock moves at the same packets as one table's, and the merge numbers and hands
// over the flows in one table's order. So the whole result (IDs, verdicts, the peak of
// live flows, findings, timeline) must equal the one-table run's, byte for byte.
func TestShardsGiveOneTablesResult(t *testing.T) {
	for _, paths := range shardCaptures(t) {
		withShards(t, 1, 4096)
		one := resultJSON(t, Options{Config: DefaultConfig()}, paths)
		withShards(t, 16, 4096)
		for _, w := range []int{1, 3} {
			if got := resultJSON(t, Options{Config: DefaultConfig(), Workers: w}, paths); !bytes.Equal(got, one) {
				t.Errorf("%v: 16 shards on %d workers give another result than one table", paths, w)
			}
		}
	}
}

// TestShardsSameWithAnyWorkers: under a --max-flows bound each shard evicts on its own,
// so the result may differ from one table's, but never with the worker count: the shards
// depend on --max-flows alone. With one flow per shard, eviction is everywhere.
func TestShardsSameWithAnyWorkers(t *testing.T) {
	withShards(t, 16, 1)
	evicted := 0
	for _, paths := range shardCaptures(t) {
		for _, limit := range []int{2, 5} {
			opts := Options{Config: DefaultConfig(), MaxFlows: limit, Workers: 1}
			one := resultJSON(t, opts, paths)
			evicted += analyzeWith(t, opts, paths...).Summary.Evicted
			for _, w := range []int{2, 4} {
				opts.Workers = w
				if got := resultJSON(t, opts, paths); !bytes.Equal(got, one) {
					t.Errorf("%v --max-flows %d: %d workers give another result than one", paths, limit, w)
				}
			}
		}
	}
	if evicted == 0 {
		t.Fatal("no flow was evicted: the test does not exercise per-shard bounds")
	}
}

// TestKeptResultsOutliveRecycling: the application state of a flow whose result is not
// kept is recycled for later flows (app.Release), so a kept result must own what it
// shows. With every other flow kept, each kept result at the end of the run must still be
// what OnFlow saw when the flow was judged, HTTP exchanges and application facts
// included, although later flows reused the states of the flows in between.
func TestKeptResultsOutliveRecycling(t *testing.T) {
	for _, paths := range shardCaptures(t) {
		for _, w := range []int{1, 2} {
			seen := map[int]string{}
			opts := Options{Config: DefaultConfig(), Workers: w, NoLadders: true,
				Want: func(f *Flow) bool { return f.ID%2 == 0 }}
			opts.OnFlow = func(f *Flow) {
				if f.ID%2 == 0 {
					b, _ := json.Marshal(f)
					seen[f.ID] = string(b)
				}
			}
			res := analyzeWith(t, opts, paths...)
			if len(res.Flows) != len(seen) {
				t.Fatalf("%v: %d flows kept, OnFlow saw %d to keep", paths, len(res.Flows), len(seen))
			}
			for i := range res.Flows {
				f := &res.Flows[i]
				if b, _ := json.Marshal(f); string(b) != seen[f.ID] {
					t.Errorf("%v, %d workers: flow %d changed after it was judged:\nthen: %s\nnow:  %s",
						paths, w, f.ID, seen[f.ID], b)
				}
			}
		}
	}
}

// TestReadDoneAfterEveryFlow: ReadDone marks the turn from the read to the end of the
// run (cmd/analyze collects the garbage there), so it must come once, after the last
// flow was judged (OnFlow saw them all), with one worker and with several.
func TestReadDoneAfterEveryFlow(t *testing.T) {
	path := filepath.Join("..", "testdata", "link", "port_reuse.pcap")
	for _, w := range []int{1, 2} {
		judged, calls, judgedAtCall := 0, 0, -1
		opts := Options{Config: DefaultConfig(), Workers: w, Retain: -1,
			OnFlow:   func(*Flow) { judged++ },
			ReadDone: func() { calls++; judgedAtCall = judged }}
		res := analyzeWith(t, opts, path)
		if calls != 1 || judgedAtCall != res.Summary.Flows || judged != res.Summary.Flows {
			t.Errorf("workers %d: ReadDone called %d times, after %d flows of %d", w, calls, judgedAtCall, res.Summary.Flows)
		}
	}
}
