package analyzer

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// recordsOf reads a capture and judges its flows as Analyze does (one worker), keeping
// only their records: what the end-of-run phase (findings and timeline) starts from.
// It returns the two-sided records, as Analyze hands them over, and the last packet's
// time.
func recordsOf(tb testing.TB, path string) (*records, []*record, time.Time) {
	tb.Helper()
	rs, last := forEachJudged(tb, path, nil)
	return rs, rs.list(twoSided), last
}

// endInput is what the end-of-run phase reads: a capture's two-sided records and
// its last packet's time.
type endInput struct {
	rs  *records
	fl  []*record
	end time.Time
}

// benchInputs caches the records of the benchmarks' captures: judging the bench
// capture takes seconds, and a benchmark function runs several times.
var benchInputs = map[string][]endInput{}

func endInputs(b *testing.B, name string) []endInput {
	if ins, ok := benchInputs[name]; ok {
		return ins
	}
	var paths []string
	switch name {
	case "testdata":
		paths, _ = filepath.Glob(filepath.Join("..", "testdata", "*", "*.pcap*"))
	case "bench":
		path := filepath.Join("..", "bench", "out", "capture.pcap")
		if _, err := os.Stat(path); err != nil {
			b.Skip("no bench capture (make it with bench/): ", err)
		}
		paths = []string{path}
	}
	var ins []endInput
	for _, p := range paths {
		rs, fl, end := recordsOf(b, p)
		ins = append(ins, endInput{rs, fl, end})
	}
	benchInputs[name] = ins
	return ins
}

// BenchmarkFindingsAndTimeline times the end-of-run phase alone, per run: the findings
// and the timeline drawn from the records of a capture, together and each alone.
// "bench" is the bench capture (bench/out/capture.pcap, 416,666 connections; skipped
// when it has not been made), "testdata" every capture of testdata in turn.
func BenchmarkFindingsAndTimeline(b *testing.B) {
	cfg := DefaultConfig()
	for _, name := range []string{"testdata", "bench"} {
		for _, part := range []string{"both", "findings", "timeline"} {
			b.Run(name+"/"+part, func(b *testing.B) {
				ins := endInputs(b, name)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					for _, in := range ins {
						if part != "timeline" {
							findings(in.rs, in.fl, cfg)
						}
						if part != "findings" {
							buildTimeline(in.rs, in.fl, in.end, 1)
						}
					}
				}
			})
		}
	}
}
