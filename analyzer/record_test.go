package analyzer

import (
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/tcpmortem/tcpmortem/analyzer/app"
	"github.com/tcpmortem/tcpmortem/flows"
)

// TestRecordIsCompact: what a run keeps of each finished flow stays within the
// budget of issue #5 (256 bytes): the fixed part is 88 bytes with no pointer, and the
// packed part (socket states, response times, SYN gaps) averages well under 128 bytes
// on every capture of testdata.
func TestRecordIsCompact(t *testing.T) {
	if n := unsafe.Sizeof(record{}); n > 88 {
		t.Errorf("record is %d bytes, want at most 88", n)
	}
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "*", "*.pcap*"))
	total, flowsSeen := 0, 0
	for _, p := range paths {
		forEachJudged(t, p, func(r *Flow, f *flows.Flow, tr *flowTrace, rs *records, rec *record) {
			total += int(rec.packed.n)
			flowsSeen++
		})
	}
	if flowsSeen == 0 {
		t.Fatal("no flows")
	}
	if avg := float64(total) / float64(flowsSeen); avg > 128 {
		t.Errorf("packed part averages %.0f bytes over %d flows, want at most 128", avg, flowsSeen)
	} else {
		t.Logf("packed part: %.0f bytes per flow on average over %d flows", avg, flowsSeen)
	}
}

// TestRecordRoundTrip: a record gives back exactly what the findings and the timeline
// read of the full result: every socket state, response time and SYN gap, to the
// nanosecond, and the facts by value.
func TestRecordRoundTrip(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "*", "*.pcap*"))
	for _, p := range paths {
		forEachJudged(t, p, func(r *Flow, f *flows.Flow, tr *flowTrace, rs *records, rec *record) {
			u := rs.unpack(rec)
			for side := 0; side < 2; side++ {
				want := tr.spans(flows.Direction(side))
				if len(want) == 0 && len(u.spans[side]) == 0 {
					continue
				}
				if !reflect.DeepEqual(u.spans[side], want) {
					t.Errorf("%s flow %d: side %d states %v, want %v", p, r.ID, side, u.spans[side], want)
				}
			}
			// The readers of one part, which start at the offsets the record keeps,
			// read what reading everything in order reads.
			for side := 0; side < 2; side++ {
				if got := rs.spansOf(rec, flows.Direction(side), nil); !reflect.DeepEqual(got, u.spans[side]) {
					t.Errorf("%s flow %d: side %d states read alone %v, in order %v", p, r.ID, side, got, u.spans[side])
				}
			}
			if got := rs.waitsOf(rec, nil); !reflect.DeepEqual(got, u.waits) {
				t.Errorf("%s flow %d: response times read alone %v, in order %v", p, r.ID, got, u.waits)
			}
			if got := rs.optOf(rec); fmt.Sprint(got) != fmt.Sprint(u.opt) { // as text: NaN is not equal to itself
				t.Errorf("%s flow %d: optional facts read alone %v, in order %v", p, r.ID, got, u.opt)
			}
			if len(u.waits) != len(tr.waits) {
				t.Errorf("%s flow %d: %d waits, want %d", p, r.ID, len(u.waits), len(tr.waits))
			}
			for i := range u.waits {
				if i < len(tr.waits) && (!u.waits[i].at.Equal(tr.waits[i].at) || u.waits[i].wait != tr.waits[i].wait) {
					t.Errorf("%s flow %d: wait %d is %v, want %v", p, r.ID, i, u.waits[i], tr.waits[i])
				}
			}
			if len(u.gaps) != len(r.Facts.SYNGaps) || len(u.gaps) > 0 && !reflect.DeepEqual(u.gaps, r.Facts.SYNGaps) {
				t.Errorf("%s flow %d: SYN gaps %v, want %v", p, r.ID, u.gaps, r.Facts.SYNGaps)
			}
			if rec.Verdict() != r.Verdict || rec.Close() != r.Close || rs.server(rec).String() != r.Server || rec.client.String() != r.Client {
				t.Errorf("%s flow %d: record says %s/%s %s→%s, the result %s/%s %s→%s", p, r.ID,
					rec.Verdict(), rec.Close(), rec.client, rs.server(rec), r.Verdict, r.Close, r.Client, r.Server)
			}
			same := func(name string, got float64, want *float64) {
				if want == nil && !math.IsNaN(got) || want != nil && got != *want {
					t.Errorf("%s flow %d: %s %v, want %v", p, r.ID, name, got, want)
				}
			}
			o := rs.optOf(rec)
			same("silent", o.silent, r.Facts.Silent)
			same("fin_to_rst", o.finToRST, r.Facts.FINToRST)
			if r.Facts.AppFacts != nil {
				same("wait", o.wait, r.Facts.Wait)
				if uint32(r.Facts.RequestFrame) != o.requestFrame {
					t.Errorf("%s flow %d: request frame %d, want %d", p, r.ID, o.requestFrame, r.Facts.RequestFrame)
				}
			} else if !math.IsNaN(o.wait) {
				t.Errorf("%s flow %d: a wait without application facts", p, r.ID)
			}
			if e, ok := rs.evidence(rec); ok != (len(r.Evidence) > 0) || ok && e != r.Evidence[len(r.Evidence)-1] {
				t.Errorf("%s flow %d: evidence %v, want the last of %v", p, r.ID, e, r.Evidence)
			}
		})
	}
}

// forEachJudged reads a capture and judges each flow as Analyze does (one worker),
// handing the result, the flow, its trace and its record to fn (nil: none). It returns
// the records and the last packet's time.
func forEachJudged(tb testing.TB, path string, fn func(*Flow, *flows.Flow, *flowTrace, *records, *record)) (*records, time.Time) {
	tb.Helper()
	src, err := flows.Open(path, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer src.Close()
	names := []string{src.Input().Name}
	ev := &evidenceNamer{files: names}
	rs := newRecords(names)
	tb.Cleanup(rs.release)
	cfg := DefaultConfig()
	table := flows.NewTable(func(f *flows.Flow) {
		var tr flowTrace
		r := judge(f, f.End(), cfg, ev, &tr)
		rs.add(&r, f, &tr)
		if fn != nil {
			c := (r.ID - 1) / recordChunk
			fn(&r, f, &tr, rs, &rs.chunks[c][(r.ID-1)%recordChunk])
		}
	})
	table.App = app.New()
	table.NoLadders = true // judging draws no ladder
	return rs, feedTable(tb, src, table)
}
