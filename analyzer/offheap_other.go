//go:build !linux

package analyzer

// spill is nothing here: the blocks come from the Go heap (offHeap.bytes), as they do
// on Linux when no temporary file can hold them (see offheap_linux.go).
type spill struct{}

func (*offHeap) mapBlock(n int) []byte { return nil }

func (*offHeap) drop() {}

func (*spill) closeSpill() {}

func unmapBlock(b []byte) {}
