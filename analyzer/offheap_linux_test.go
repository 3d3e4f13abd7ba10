package analyzer

import (
	"os"
	"syscall"
	"testing"
)

// TestRecordsInAFile: on ext2/3/4 or XFS the records' blocks are a temporary file's,
// unlinked at once (nothing is left behind, even by a run that is killed), and their
// pages dropped from the process keep what was written (a shared mapping: the page
// cache has it). Elsewhere they are anonymous memory, which TestRecordsOutsideTheHeap
// covers.
func TestRecordsInAFile(t *testing.T) {
	dir := t.TempDir()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil || !spillFS[int64(st.Type)] {
		t.Skipf("the temporary directory is not ext2/3/4 or XFS (f_type %#x)", st.Type)
	}
	t.Setenv("TMPDIR", dir)
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
	if h.file == nil || len(h.spill.blocks) != len(blocks) {
		t.Fatalf("the blocks are not the file's: file %v, %d of %d blocks", h.file, len(h.spill.blocks), len(blocks))
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
}
