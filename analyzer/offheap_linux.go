package analyzer

import (
	"os"
	"syscall"
)

// spill keeps the blocks in an unlinked temporary file, mapped shared: the records of a
// capture twice as long take the kernel's page cache, which it can write to disk and
// reclaim, rather than memory of the process's own. During the read the records are
// only written, each page about once: every spillDrop bytes of new blocks, the pages of
// all the blocks are dropped from the process (madvise DONTNEED, which for a shared
// file mapping keeps the data in the file), so the process holds the pages written
// since. The findings and the timeline, at the end of the run, fault back in the pages
// they read, and drop them after each pass (offHeap.drop).
//
// The blocks are on the Go heap instead where no file can be made, where the disk has
// no room for them, and where the temporary directory is not ext2/3/4 or XFS: tmpfs's
// pages are memory that cannot be reclaimed without swap, only moved out of the
// process's count, and on a copy-on-write file system (btrfs) writing a page again
// takes new disk space, which a full disk would refuse with SIGBUS. (Anonymous mappings
// were tried there: the peak RSS of the bench capture was 5 MiB higher than with the
// heap, its traffic twice as long no better.)
type spill struct {
	file   *os.File
	size   int64 // the file's length: where the next block goes
	noFile bool  // no more blocks from the file
	fresh  int   // bytes of blocks mapped since their pages were dropped
}

// spillDrop is how many bytes of new blocks come between two drops of the pages: the
// most the records hold of the process's memory during the read, besides the pages of
// records written late into older blocks (a long connection's, whose ID is old).
const spillDrop = 8 << 20

// spillFS are the statfs f_type of the file systems the blocks may be in: ext2/3/4
// and XFS, which write a page again where its first write reserved its disk space.
var spillFS = map[int64]bool{0xEF53: true, 0x58465342: true}

// zeros is what mapFile writes a new block with.
var zeros [256 << 10]byte // in the binary's zeroed data: no page until read

// mapBlock maps a block of n bytes (rounded up to pages) of the file, or nil when
// there is no file; every spillDrop bytes of new blocks, it drops the pages of those
// before.
func (h *offHeap) mapBlock(n int) []byte {
	n = (n + os.Getpagesize() - 1) &^ (os.Getpagesize() - 1)
	b := h.mapFile(n)
	if b == nil {
		return nil
	}
	if h.fresh += n; h.fresh >= spillDrop {
		h.drop()
		h.fresh = 0
	}
	return b
}

// drop drops the pages of every block from the process (the file keeps them): a long
// pass over every record, done, need not hold its pages while the next one runs. Safe
// while other goroutines read the records: they fault the pages back in, from the page
// cache.
func (h *offHeap) drop() {
	for _, b := range h.mapped {
		_ = syscall.Madvise(b, syscall.MADV_DONTNEED)
	}
}

// mapFile maps n more bytes of the file, or nil (and never again) when it cannot.
func (s *spill) mapFile(n int) []byte {
	if s.noFile {
		return nil
	}
	if s.file == nil {
		f, err := os.CreateTemp("", "tcpmortem-records-*")
		if err != nil {
			s.noFile = true
			return nil
		}
		os.Remove(f.Name()) // gone when closed, even if the run is killed
		var st syscall.Statfs_t
		if err := syscall.Fstatfs(int(f.Fd()), &st); err != nil || !spillFS[int64(st.Type)] {
			f.Close()
			s.noFile = true
			return nil
		}
		s.file = f
	}
	fd := int(s.file.Fd())
	// Write the block's zeros first. The file system then reserves its disk space: a
	// page of a sparse file the disk has no room for would end the run with SIGBUS when
	// first written through the mapping. And its pages are in the page cache, dirty,
	// when the mapping writes them: with fallocate instead, each page written took a
	// fault into ext4 (21,000 more faults on the bench capture, a third more than the
	// whole run's otherwise).
	for off := 0; off < n; off += len(zeros) {
		if _, err := s.file.WriteAt(zeros[:min(len(zeros), n-off)], s.size+int64(off)); err != nil {
			s.noFile = true
			return nil
		}
	}
	b, err := syscall.Mmap(fd, s.size, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		s.noFile = true
		return nil
	}
	s.size += int64(n)
	return b
}

// closeSpill closes the file once its blocks are unmapped: its pages are freed, never
// written to disk if they were not yet.
func (s *spill) closeSpill() {
	if s.file != nil {
		s.file.Close()
	}
	*s = spill{}
}

func unmapBlock(b []byte) { _ = syscall.Munmap(b) }
