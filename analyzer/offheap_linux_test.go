package analyzer

import (
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
)

// spillDir is a temporary directory the records' file may be in (ext2/3/4 or XFS),
// set as TMPDIR for the test; the test is skipped on other file systems, where the
// records are on the heap.
func spillDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil || !spillFS[int64(st.Type)] {
		t.Skipf("the temporary directory is not ext2/3/4 or XFS (f_type %#x): the records are on the heap", st.Type)
	}
	t.Setenv("TMPDIR", dir)
	return dir
}

// TestRecordsOutsideTheHeap: the records of a run cost the Go heap nothing (so a
// capture twice as long raises the peak memory by their bytes only, issue 5), they come
// zeroed (byID tells a missing record by its zero ID) and hold what is written in them,
// also once their pages are dropped from the process, and release gives every block
// back.
func TestRecordsOutsideTheHeap(t *testing.T) {
	spillDir(t)
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

// TestRecordsInAFile: the records' blocks are a temporary file's, unlinked at once
// (nothing is left behind, even by a run that is killed), and their pages dropped from
// the process keep what was written (a shared mapping: the page cache has it), also
// past the drops while blocks are mapped. Where the file cannot be had, the blocks are
// the heap's.
func TestRecordsInAFile(t *testing.T) {
	dir := spillDir(t)
	var h offHeap
	defer h.release()
	var blocks [][]byte
	for range spillDrop/arenaChunk + 2 { // past a drop of the pages while mapping
		b := h.bytes(arenaChunk)
		for i := range b {
			b[i] = byte(i*7 + len(blocks))
		}
		blocks = append(blocks, b)
	}
	if h.file == nil || h.size != int64(len(blocks))*arenaChunk {
		t.Fatalf("the blocks are not the file's: file %v of %d bytes, for %d blocks", h.file, h.size, len(blocks))
	}
	h.drop()
	for k, b := range blocks {
		for i := range b {
			if b[i] != byte(i*7+k) {
				t.Fatalf("block %d, byte %d: %d after the pages were dropped, want %d", k, i, b[i], byte(i*7+k))
			}
		}
	}
	if left, err := os.ReadDir(dir); err != nil || len(left) != 0 {
		t.Errorf("the temporary directory holds %v (%v): the file should be unlinked", left, err)
	}

	t.Setenv("TMPDIR", "/nonexistent")
	var heap offHeap
	if b := heap.bytes(arenaChunk); len(b) != arenaChunk || heap.mapped != nil || heap.file != nil {
		t.Errorf("no temporary directory: a block of %d bytes, %d mapped, file %v; want the heap's", len(b), len(heap.mapped), heap.file)
	}
	heap.release()
}

// TestAnalyzeGivesRecordsBack: a run's records are released by the time Analyze
// returns, with one worker and with two (the timeline then reads them on a goroutine of
// its own until Analyze waits for it), so that an embedding program running analysis
// after analysis holds no memory for the runs before.
func TestAnalyzeGivesRecordsBack(t *testing.T) {
	spillDir(t)
	path := filepath.Join("..", "testdata", "app", "many_small_http.pcap")
	for _, workers := range []int{1, 2} {
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
