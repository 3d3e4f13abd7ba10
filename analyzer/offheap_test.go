package analyzer

import (
	"path/filepath"
	"runtime"
	"testing"
)

// TestRecordsOutsideTheHeap: the records of a run cost the Go heap nothing (so a
// capture twice as long raises the peak memory by their bytes only, issue 5), they come
// zeroed (byID tells a missing record by its zero ID) and hold what is written in them,
// also once their pages are dropped from the process, and release gives every block
// back. Run with the temporary directory where the test's own are (a file's pages on
// Linux's ext4 or XFS, anonymous memory elsewhere).
func TestRecordsOutsideTheHeap(t *testing.T) {
	if !mapsBlocks {
		t.Skip("no anonymous mappings on this OS: the records live on the Go heap")
	}
	t.Setenv("TMPDIR", t.TempDir())
	rs := newRecords([]string{"x"})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const n = 5 * recordChunk // five chunks: 1.7 MiB of records
	for id := 1; id <= n; id++ {
		c := (id - 1) / recordChunk
		for len(rs.chunks) <= c {
			rs.chunks = append(rs.chunks, rs.mem.records(recordChunk))
		}
		rec := &rs.chunks[c][(id-1)%recordChunk]
		if rec.id != 0 || rec.start != 0 || rec.flags != 0 {
			t.Fatalf("record %d: not zeroed: %+v", id, *rec)
		}
		rec.id, rec.start = uint32(id), int64(id)*1e9
		rec.packed = rs.arena.add([]byte{byte(id), byte(id >> 8), 1, 2, 3})
	}
	rs.n = n
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 256<<10 {
		t.Errorf("the heap grew by %d bytes for %d records: they should be outside it", grew, n)
	}
	runtime.GC()  // the records must not be reachable through anything the collector frees
	rs.mem.drop() // the pages dropped from the process, the records are still there
	for _, id := range []int{1, recordChunk, recordChunk + 1, n} {
		rec := rs.byID(id)
		if rec == nil || rec.id != uint32(id) || rec.start != int64(id)*1e9 {
			t.Fatalf("record %d: %+v", id, rec)
		}
		if b := rs.arena.get(rec.packed); len(b) != 5 || b[0] != byte(id) || b[1] != byte(id>>8) || b[4] != 3 {
			t.Fatalf("record %d: packed part %v", id, b)
		}
	}
	if len(rs.mem.mapped) != 5+1 { // five chunks of records, one of the arena
		t.Errorf("%d blocks mapped, want 6", len(rs.mem.mapped))
	}
	rs.release()
	if rs.mem.mapped != nil || rs.chunks != nil || rs.byID(1) != nil {
		t.Error("release kept blocks")
	}
}

// TestAnalyzeGivesRecordsBack: a run's records are released by the time Analyze
// returns, with one worker and with two (the timeline then reads them on a goroutine of
// its own until Analyze waits for it), in a temporary file's pages or, where none can
// be made, in anonymous memory, so that an embedding program running analysis after
// analysis holds no memory for the runs before.
func TestAnalyzeGivesRecordsBack(t *testing.T) {
	if !mapsBlocks {
		t.Skip("no anonymous mappings on this OS: the records live on the Go heap")
	}
	path := filepath.Join("..", "testdata", "app", "many_small_http.pcap")
	for _, c := range []struct {
		workers int
		tmp     string
	}{{1, t.TempDir()}, {2, t.TempDir()}, {2, "/nonexistent"}} { // no file: anonymous memory
		workers := c.workers
		t.Setenv("TMPDIR", c.tmp)
		before := mappedBytes.Load()
		var during int64
		res := analyzeWith(t, Options{Config: DefaultConfig(), Workers: workers, Retain: -1,
			OnFlow: func(*Flow) { during = max(during, mappedBytes.Load()-before) }}, path)
		if res.Summary.Flows == 0 || during == 0 {
			t.Fatalf("%d workers: %d flows, %d bytes mapped during the run: the capture holds flows, their records mapped",
				workers, res.Summary.Flows, during)
		}
		if after := mappedBytes.Load(); after != before {
			t.Errorf("%d workers: %d bytes still mapped after the run", workers, after-before)
		}
	}
}
