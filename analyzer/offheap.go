package analyzer

import (
	"sync/atomic"
	"unsafe"
)

// offHeap hands out the large blocks a run's records live in (their fixed part and
// their arena): on Linux a temporary file's pages, outside the Go heap, where one can
// be had (offheap_linux.go), else the heap's; it gives them all back at once when the
// run's analysis is over (release).
//
// Why not the Go heap: the records are the one thing a streaming run keeps that grows
// with the capture (157 B a connection on the bench capture), and on the heap they
// cost more than their bytes: the collector paces itself on the live heap, and the
// pages the runtime keeps grow with it. On the bench capture's traffic twice as long,
// the peak RSS rose by 159-166 B for each extra connection, over the 154 B of records
// they added (issue 5 asks for no more than the records). A temporary file's pages the
// process holds only while it writes or reads them: the read holds the connections
// open at once and the last few megabytes of records, the end of the run the records
// a pass is reading. The same measure then gives 141 B a connection, and the peak RSS
// of the bench capture fell from 173 to 125 MiB (bench/RESULTS.md, session 20).
//
// What goes in a block must hold no Go pointer (the collector does not scan it), and
// nothing may read a block after release: the records' readers all run inside
// Analyze, which releases the blocks as it returns.
type offHeap struct {
	mapped [][]byte
	spill  // the temporary file (offheap_linux.go)
}

// mappedBytes is how much every run in the process holds mapped (tests check that a run
// gives back what it took).
var mappedBytes atomic.Int64

// bytes is a zeroed block of n bytes: the file's, else the heap's.
func (h *offHeap) bytes(n int) []byte {
	if b := h.mapBlock(n); b != nil {
		h.mapped = append(h.mapped, b)
		mappedBytes.Add(int64(len(b)))
		return b[:n:n]
	}
	return make([]byte, n)
}

// records is a zeroed block of n records.
func (h *offHeap) records(n int) []record {
	b := h.bytes(n * int(unsafe.Sizeof(record{})))
	// The block is page-aligned when mapped, and a make([]byte) of this size is
	// aligned to 8 bytes at least: record's alignment. Neither holds pointers.
	return unsafe.Slice((*record)(unsafe.Pointer(unsafe.SliceData(b))), n)
}

// dropRecords is how many records a long pass over them reads between two drops of
// their pages (offHeap.drop): about 10 MB of them.
const dropRecords = 16 * recordChunk

// passRead counts the records one long pass has read, and drops the pages every
// dropRecords of them. One to a pass: the findings and the timeline read at once.
type passRead struct {
	mem *offHeap
	n   int
}

func (p *passRead) add(records int) {
	if p.n += records; p.n >= dropRecords {
		p.mem.drop()
		p.n = 0
	}
}

// release gives every mapped block back. Nothing may read them after.
func (h *offHeap) release() {
	for _, b := range h.mapped {
		unmapBlock(b)
		mappedBytes.Add(-int64(len(b)))
	}
	h.mapped = nil
	h.closeSpill()
}
