//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package analyzer

const mapsBlocks = false

// spill is nothing where anonymous mappings are not at hand: the blocks come from the
// Go heap (offHeap.bytes).
type spill struct{}

func (*spill) mapBlock(n int) []byte { return nil }

func (*spill) closeSpill() {}

func (*spill) drop() {}

func unmapBlock(b []byte) {}
