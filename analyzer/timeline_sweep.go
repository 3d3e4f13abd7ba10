package analyzer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"time"
)

// The timeline's sweep: an endpoint's state counts over time, read off its records in
// ID order without holding all their edges at once.
//
// Records come in the order their flows started, and a flow's states start no earlier
// than its first packet. So once the sweep is past the records that start before some
// time w, every edge earlier than w is known: those are counted, in order, and let go.
// What is held is the edges not yet counted (the states still open at the sweep's
// point: proportional to the sockets open at once, not to the capture's length) and
// the counts themselves, a few bytes an instant, packed, because thinning a series to
// maxSeriesPoints needs the number of its instants before its first point; past a
// bound, those go to a temporary file (see countLog).

// sweepParams set the sweep's pace; tests make them small, to flush often.
type sweepParams struct {
	// block is how many records share one watermark: the least start of those records
	// and all later ones.
	block int
	// flushMin is how many edges wait, at least, before they are sorted and counted:
	// fewer, larger sorts.
	flushMin int
	// atOnce skips the sweep: every endpoint is charted by chartAtOnce.
	atOnce bool
	// logMem is how many bytes of a state's count log stay in memory before they go
	// to a temporary file (see countLog); 0 keeps them all in memory.
	logMem int
}

var defaultSweep = sweepParams{block: 4096, flushMin: 1 << 16, logMem: 128 << 10}

// watermarks are, for each block of records of fl, the earliest start of that
// block's records and all after it: the time before which no later record's state
// can start. Records out of time order (several files not in time order) lower the
// watermarks of the blocks before them, which only holds more edges back.
func watermarks(fl []*record, block int) []int64 {
	n := (len(fl) + block - 1) / block
	wm := make([]int64, n)
	low := int64(math.MaxInt64)
	for b := n - 1; b >= 0; b-- {
		for _, f := range fl[b*block : min(len(fl), (b+1)*block)] {
			low = min(low, f.start)
		}
		wm[b] = low
	}
	return wm
}

// stateSweep is one state's sweep.
type stateSweep struct {
	pend     []int64  // edges not yet counted (appendEdges' form), in no order
	log      countLog // the instants counted so far, in order
	firstT   int64    // the first of them
	instants int
	lastT    int64 // the last instant counted
	n        int   // the count after it
	peakT    int64
	peakN    int
}

// timelineSweep charts one endpoint at a time; its space is kept from one to the next.
type timelineSweep struct {
	sweepParams
	states []stateSweep // by index in SocketStates
	sorter edgeSorter
	buf    []span
	one    [1][]int64 // the edges sortBlocks sorts
	done   int64      // the watermark of the last flush: every edge before it is counted
	gaveUp int        // endpoints the sweep gave up on (see chart)
}

func (s *timelineSweep) reset() {
	if s.states == nil {
		s.states = make([]stateSweep, len(SocketStates))
	}
	for i := range s.states {
		st := &s.states[i]
		*st = stateSweep{pend: st.pend[:0], log: st.log.reuse(s.logMem)}
	}
	s.done = math.MinInt64
}

// close lets go of the count logs' temporary files.
func (s *timelineSweep) close() {
	for i := range s.states {
		s.states[i].log.close()
	}
}

// chart fills ss.States and ss.Peak with endpoint g's states, read off its records
// in fl; wm are fl's watermarks, end the capture's end as edgeEnd gives it. It says
// false, having charted nothing, when a state starts or ends before what it counted
// already (timestamps that go back in a capture): the caller then counts the
// endpoint's edges all at once.
func (s *timelineSweep) chart(rs *records, fl []*record, wm []int64, g *timelineGroup, end int64, ss *StateSeries) bool {
	s.reset()
	// Each flush sorts what came since the one before and looks again at what still
	// waits: flushing no more often than that many edges came keeps every edge's
	// share of the looking constant.
	added, waiting := 0, 0
	read := passRead{mem: &rs.mem}
	for b, w := range wm {
		if added >= max(s.flushMin, waiting) {
			waiting = s.flush(w)
			added = 0
		}
		read.add(s.block)
		for _, f := range fl[b*s.block : min(len(fl), (b+1)*s.block)] {
			if !g.has(f) {
				continue
			}
			s.buf = rs.spansOf(f, g.side, s.buf[:0])
			for _, sp := range s.buf {
				st := &s.states[sp.state]
				k := len(st.pend)
				st.pend = appendEdges(st.pend, sp, end)
				for _, e := range st.pend[k:] {
					if e>>1 < s.done { // before what was counted already
						s.gaveUp++
						return false
					}
				}
				added += len(st.pend) - k
			}
		}
	}
	s.flush(math.MaxInt64)
	for i := range s.states {
		pts, peak, err := s.states[i].series(maxSeriesPoints)
		if err != nil { // the temporary file could not be read back: count at once
			clear(ss.States)
			clear(ss.Peak)
			s.gaveUp++
			return false
		}
		if peak.N > 0 { // else only instants: nothing to chart
			ss.States[SocketStates[i]] = pts
			ss.Peak[SocketStates[i]] = peak
		}
	}
	return true
}

// flush counts every waiting edge earlier than w (math.MaxInt64: all of them), and
// says how many still wait.
func (s *timelineSweep) flush(w int64) int {
	limit := int64(math.MaxInt64)
	if w < math.MaxInt64/2 {
		limit = w * 2 // an edge is its time doubled, plus one for an open
	}
	waiting := 0
	for i := range s.states {
		st := &s.states[i]
		// Move the edges due to the front, those that wait to the back.
		due := 0
		for j, e := range st.pend {
			if e < limit {
				st.pend[due], st.pend[j] = e, st.pend[due]
				due++
			}
		}
		if due > 0 {
			s.one[0] = st.pend[:due]
			st.count(s.sorter.sortBlocks(s.one[:], due))
			st.pend = append(st.pend[:0], st.pend[due:]...)
		}
		waiting += len(st.pend)
	}
	s.done = w
	return waiting
}

// count adds sorted edges, all later than those counted before, to the log.
func (st *stateSweep) count(edges []int64) {
	n := st.n
	for i, e := range edges {
		n += int(e&1)<<1 - 1
		t := e >> 1
		if i+1 < len(edges) && edges[i+1]>>1 == t {
			continue
		}
		if st.instants == 0 {
			st.firstT, st.lastT = t, t
		}
		st.log.add(uint64(t-st.lastT), n-st.n)
		if n > st.peakN {
			st.peakT, st.peakN = t, n
		}
		st.instants++
		st.lastT, st.n = t, n
	}
}

// series is the logged series (a point per instant where the count changed) and its
// peak (the first instant of the highest count; none when no count was above zero).
// With max > 0 and more instants than that, the series is thinned as it is made, as
// thin does: each run of instants becomes one point at the run's first instant with
// the run's highest count, and the last point is kept. It fails only when the log's
// temporary file cannot be read back.
func (st *stateSweep) series(max int) ([]StatePoint, StatePoint, error) {
	var peak StatePoint
	if st.peakN > 0 {
		peak = StatePoint{T: time.Unix(0, st.peakT).UTC(), N: st.peakN}
	}
	instants := st.instants
	per := 1
	if max > 0 && instants > max {
		per = (instants + max - 1) / max
	}
	pts := make([]StatePoint, 0, min(instants, instants/per+2))
	point := func(t int64, n int) StatePoint { return StatePoint{T: time.Unix(0, t).UTC(), N: n} }
	t, runT := st.firstT, int64(0)
	n, runN, j := 0, 0, 0
	r := st.log.reader()
	for k := 0; k < instants; k++ {
		dt, dn, err := r.next()
		if err != nil {
			return nil, StatePoint{}, err
		}
		t += int64(dt)
		n += dn
		if j == 0 {
			runT, runN = t, n
		} else if n > runN {
			runN = n
		}
		j++
		if j == per || k+1 == instants {
			pts = append(pts, point(runT, runN))
			j = 0
		}
	}
	if per > 1 && len(pts) > 0 && pts[len(pts)-1].T.UnixNano() != t {
		pts = append(pts, point(t, n))
	}
	return pts, peak, nil
}

// countLog is a sweep's instants, packed: each as the time since the one before and
// the change of the count, both varints. A capture's timestamps are most often whole
// microseconds (pcap's), so a time in whole µs is written in µs, its lowest bit
// clear: an instant then takes two or three bytes. The log grows by blocks, which
// appending never copies.
//
// Still, it grows with the capture: the bench capture's server logs 3 million
// instants (7 MB over its states), and its client host as many, charted at the same
// time: 14 MB, and 28 MB on the same traffic twice as long, held at the end of the
// run on top of the records, growing with them. Past mem bytes, the blocks in
// use go to a temporary file, written and read back in order, and memory starts again
// from the first block (defaultSweep's 128 KiB a state: 1.4 MB an endpoint on the
// bench capture). Without a writable temporary directory, the log stays in memory.
type countLog struct {
	blocks [][]byte // in memory, after those in the file: all full but the last
	used   int      // blocks in use
	mem    int      // how many bytes of blocks in use go to the file (0: none ever)
	file   *os.File // the blocks moved out, back to back; nil until the first are
	filed  int64    // their bytes
}

// A log's first block is small (countEdges makes one for a handful of instants, the
// findings once per endpoint); each next one doubles, up to countLogBlock.
const (
	countLogFirst = 256
	countLogBlock = 64 << 10
)

// reuse is an empty log on l's blocks and temporary file, which moves out past mem.
func (l *countLog) reuse(mem int) countLog {
	for i := range l.blocks[:l.used] {
		l.blocks[i] = l.blocks[i][:0]
	}
	return countLog{blocks: l.blocks, mem: mem, file: l.file}
}

func (l *countLog) close() {
	if l.file != nil {
		l.file.Close()
		l.file = nil
	}
}

func (l *countLog) add(dt uint64, dn int) {
	k := l.used - 1
	if k < 0 || cap(l.blocks[k])-len(l.blocks[k]) < 2*binary.MaxVarintLen64 {
		if l.moveOut() {
			k = -1
		}
		if l.used == len(l.blocks) {
			size := countLogFirst
			if k >= 0 {
				size = min(countLogBlock, 2*cap(l.blocks[k]))
			}
			l.blocks = append(l.blocks, make([]byte, 0, size))
		}
		l.used++
		k++
	}
	// Edges are times doubled (see appendEdges): dt < 1<<63, the shift loses nothing.
	if dt%1000 == 0 {
		dt = dt / 1000 << 1
	} else {
		dt = dt<<1 | 1
	}
	b := binary.AppendUvarint(l.blocks[k], dt)
	l.blocks[k] = binary.AppendVarint(b, int64(dn))
}

// moveOut writes the blocks in use to the temporary file once they hold mem bytes or
// more, and says whether it did: the log then starts again from its first block.
func (l *countLog) moveOut() bool {
	if l.mem <= 0 {
		return false
	}
	size := 0
	for _, b := range l.blocks[:l.used] {
		size += len(b)
	}
	if size < l.mem {
		return false
	}
	if l.file == nil {
		f, err := os.CreateTemp("", "tcpmortem-timeline-*")
		if err != nil {
			l.mem = 0 // stays in memory
			return false
		}
		os.Remove(f.Name()) // gone when closed, even if the run is killed
		l.file = f
	}
	at := l.filed
	for _, b := range l.blocks[:l.used] {
		if _, err := l.file.WriteAt(b, at); err != nil {
			l.mem = 0 // what was written past filed is never read
			return false
		}
		at += int64(len(b))
	}
	for i := range l.blocks[:l.used] {
		l.blocks[i] = l.blocks[i][:0]
	}
	l.filed, l.used = at, 0
	return true
}

// countLogReader reads a countLog from its start: the temporary file's part, a block
// at a time, then the blocks in memory.
type countLogReader struct {
	file    *os.File // nil once its part is read (or when there is none)
	at, end int64    // what is left of it to read
	space   []byte   // room for a block of it
	read    []byte   // read from it, not yet decoded
	blocks  [][]byte
	b       []byte
}

func (l *countLog) reader() countLogReader {
	r := countLogReader{blocks: l.blocks[:l.used]}
	if l.filed > 0 {
		r.file, r.end, r.space = l.file, l.filed, make([]byte, countLogBlock)
	}
	return r
}

// next is the next instant; it fails only when the temporary file cannot be read.
func (r *countLogReader) next() (dt uint64, dn int, err error) {
	if r.file != nil {
		// An instant may straddle two reads: refill while less than the longest is left.
		if len(r.read) < 2*binary.MaxVarintLen64 && r.at < r.end {
			n := copy(r.space, r.read)
			k := int(min(int64(len(r.space)-n), r.end-r.at))
			if _, err := r.file.ReadAt(r.space[n:n+k], r.at); err != nil {
				return 0, 0, fmt.Errorf("reading the timeline's temporary file back: %w", err)
			}
			r.at += int64(k)
			r.read = r.space[:n+k]
		}
		if len(r.read) > 0 {
			v, w := binary.Uvarint(r.read)
			if w > 0 {
				d, w2 := binary.Varint(r.read[w:])
				if w2 > 0 {
					r.read = r.read[w+w2:]
					return decodeInstant(v, d)
				}
			}
			return 0, 0, errors.New("reading the timeline's temporary file back: half an instant at its end")
		}
		r.file = nil // read to its end: on to the blocks
	}
	for len(r.b) == 0 {
		r.b, r.blocks = r.blocks[0], r.blocks[1:]
	}
	v, w := binary.Uvarint(r.b)
	d, w2 := binary.Varint(r.b[w:])
	r.b = r.b[w+w2:]
	return decodeInstant(v, d)
}

// decodeInstant undoes add's packing of an instant.
func decodeInstant(v uint64, d int64) (dt uint64, dn int, err error) {
	if v&1 == 0 {
		return v >> 1 * 1000, int(d), nil
	}
	return v >> 1, int(d), nil
}
