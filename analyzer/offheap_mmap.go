//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package analyzer

import (
	"os"
	"syscall"
)

// mapsBlocks: this OS has anonymous mappings (mapBlock).
const mapsBlocks = true

// spill is nothing here: the blocks are anonymous memory (see offheap_linux.go for a
// temporary file's).
type spill struct{}

// mapBlock maps n bytes (rounded up to pages) of anonymous memory, zeroed: the OS gives
// them pages only as they are written. nil when the OS refuses; the caller then takes
// them from the heap.
func (*spill) mapBlock(n int) []byte { return mapAnonymous(n) }

func (*spill) closeSpill() {}

func (*spill) drop() {}

func mapAnonymous(n int) []byte {
	n = (n + os.Getpagesize() - 1) &^ (os.Getpagesize() - 1)
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil
	}
	return b
}

func unmapBlock(b []byte) { _ = syscall.Munmap(b) }
