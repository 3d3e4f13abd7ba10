package analyzer

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tcpmortem/tcpmortem/analyzer/app"
	"github.com/tcpmortem/tcpmortem/flows"
)

// Benchmarks per stage of a run, to catch regressions (issue #5): reading and decoding
// are in flows (BenchmarkRead, BenchmarkDecode), the JSON of a flow in report
// (BenchmarkFlowJSON). Here: the read-decode-track loop, per packet, whose allocations
// per packet must stay at zero (what it allocates is per flow: the flow itself and its
// application state, spread over the flow's packets), and judging, per flow.
//
// many_small_http.pcap: 100 short HTTP connections (≈10 packets each), the shape of
// the bench capture; bulk.pcap: one long transfer, the application layer's worst case.

func benchCapture(b *testing.B, name string) []byte {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "app", name))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkReadDecodeTrack runs the whole per-packet loop on a capture held in memory,
// per packet; at the capture's end the table is flushed (its flows judged by no one)
// and the capture read again.
func BenchmarkReadDecodeTrack(b *testing.B) {
	for _, name := range []string{"many_small_http.pcap", "bulk.pcap"} {
		for _, withApp := range []bool{true, false} {
			label := name
			if !withApp {
				label += "/no-app"
			}
			b.Run(label, func(b *testing.B) {
				data := benchCapture(b, name)
				r := bytes.NewReader(data)
				var src *flows.FileSource
				var table *flows.Table
				dec := flows.NewDecoder()
				start := func() {
					r.Reset(data)
					var err error
					if src, err = flows.OpenReader(name, r, 0); err != nil {
						b.Fatal(err)
					}
					table = flows.NewTable(func(*flows.Flow) {})
					table.NoLadders = true
					if withApp {
						table.App = app.New()
					}
				}
				start()
				var seg flows.Segment
				b.SetBytes(int64(len(data)) / int64(max(1, countOf(b, data))))
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					p, err := src.Next()
					if errors.Is(err, io.EOF) {
						b.StopTimer() // a new reader and table: not the loop's cost
						table.Flush()
						start()
						b.StartTimer()
						p, err = src.Next()
					}
					if err != nil {
						b.Fatal(err)
					}
					table.Tick(p.Time)
					if dec.Decode(p, &seg) {
						table.Add(&seg)
					}
				}
			})
		}
	}
}

func countOf(b *testing.B, data []byte) int {
	src, err := flows.OpenReader("x", bytes.NewReader(data), 0)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for {
		if _, err := src.Next(); err != nil {
			return n
		}
		n++
	}
}

// BenchmarkJudge judges the flows of a capture, per flow: the verdict, its facts,
// summary and evidence, and the compact record kept of it.
func BenchmarkJudge(b *testing.B) {
	data := benchCapture(b, "many_small_http.pcap")
	benchJudge(b, finishedFlows(b, "x", data))
}

// benchJudge judges the flows in turn, b.N of them, each with its record.
func benchJudge(b *testing.B, all []*flows.Flow) {
	ev := &evidenceNamer{files: []string{"x"}}
	cfg := DefaultConfig()
	var t flowTrace
	rs := newRecords(ev.files) // the same IDs again each pass: records overwrite theirs
	defer rs.release()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := all[i%len(all)]
		r := judge(f, f.End(), cfg, ev, &t)
		rs.add(&r, f, &t)
	}
}

// finishedFlows tracks a capture's bytes through one table (the application layer on, no
// ladders) and returns every flow it hands over, in order.
func finishedFlows(tb testing.TB, name string, data []byte) []*flows.Flow {
	tb.Helper()
	src, err := flows.OpenReader(name, bytes.NewReader(data), 0)
	if err != nil {
		tb.Fatal(err)
	}
	var all []*flows.Flow
	table := flows.NewTable(func(f *flows.Flow) { all = append(all, f) })
	table.NoLadders = true
	table.App = app.New()
	feedTable(tb, src, table)
	return all
}

// feedTable reads src to its end into table, ticking it with every packet as Analyze
// does, then flushes it; it returns the last packet's time.
func feedTable(tb testing.TB, src flows.PacketSource, table *flows.Table) time.Time {
	tb.Helper()
	dec := flows.NewDecoder()
	var seg flows.Segment
	var last time.Time
	for {
		p, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		last = p.Time
		table.Tick(p.Time)
		if dec.Decode(p, &seg) {
			table.Add(&seg)
		}
	}
	table.Flush()
	return last
}
