package analyzer

import (
	"cmp"
	"math"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/tcpmortem/tcpmortem/flows"
)

// thin is the plain form of countEdges' thinning: all points first, then each run
// of per points as its first instant with its highest count, and the last point.
func thin(pts []StatePoint, max int) []StatePoint {
	if len(pts) <= max {
		return pts
	}
	out := make([]StatePoint, 0, max+1)
	per := (len(pts) + max - 1) / max
	for i := 0; i < len(pts); i += per {
		best := pts[i]
		for j := i; j < i+per && j < len(pts); j++ {
			if pts[j].N > best.N {
				best = pts[j]
			}
		}
		best.T = pts[i].T
		out = append(out, best)
	}
	if last := pts[len(pts)-1]; out[len(out)-1].T != last.T {
		out = append(out, last)
	}
	return out
}

// TestCountEdgesThinsAsThin: thinning while counting (what the timeline does, so a
// capture of millions of connections never holds every point) gives exactly the
// points of counting everything and then thinning, and the same peak, on random spans
// with many shared instants.
func TestCountEdgesThinsAsThin(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano()
	for _, n := range []int{0, 1, 5, 399, 400, 401, 1000, 20000} {
		for _, end := range []time.Time{{}, time.Unix(0, base+int64(n/2)*1000)} {
			var spans []span
			for i := 0; i < n; i++ {
				from := base + int64(r.IntN(n+1))*1000 // coarse: many edges share an instant
				spans = append(spans, span{from: from, to: from + int64(r.IntN(50))*1000})
			}
			edges := make([]int64, 0, 2*n)
			for _, s := range spans {
				edges = appendEdges(edges, s, edgeEnd(end))
			}
			slices.Sort(edges)
			all, peakAll := countEdges(edges, 0)
			got, peak := countEdges(edges, maxSeriesPoints)
			if want := thin(all, maxSeriesPoints); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("n=%d: thinned while counting: %d points, want %d", n, len(got), len(want))
			}
			if peak != peakAll {
				t.Errorf("n=%d: peak %v, want %v", n, peak, peakAll)
			}
		}
	}
}

// TestEdgeSorterSorts: the bucket sort gives what slices.Sort gives, on edges as close
// together as a capture's and as far apart as int64 allows, negative ones included,
// with many equal, crowded into few buckets, and on lengths around the cut to
// slices.Sort.
func TestEdgeSorterSorts(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var s edgeSorter
	var l edgeList
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano() * 2
	for _, n := range []int{0, 1, 2, 63, 64, 65, 5000, 100000} {
		for _, spread := range []int64{1, 2048, 1 << 22, 1 << 38, math.MaxInt64} {
			for _, from := range []int64{0, base, -base, math.MinInt64} {
				for _, crowd := range []bool{false, true} {
					edges := make([]int64, n)
					for i := range edges {
						edges[i] = from + r.Int64N(spread)
						switch {
						case crowd && i%100 != 0:
							edges[i] = from + r.Int64N(1000) // all but a few in one bucket
						case spread == math.MaxInt64 && r.IntN(2) == 0:
							edges[i] = math.MaxInt64 - r.Int64N(spread) // across zero
						}
					}
					l.reset()
					for _, e := range edges {
						l.add(e)
					}
					want := slices.Clone(edges)
					slices.Sort(want)
					if got := s.sort(&l); !slices.Equal(got, want) {
						t.Fatalf("n=%d spread=%d from=%d crowd=%v: not sorted as slices.Sort sorts", n, spread, from, crowd)
					}
				}
			}
		}
	}
}

// plainTimeline is buildTimeline as it was first written, the oracle of
// TestTimelineAsPlain: the endpoints grouped by their keys in a map, each charted
// endpoint's edges collected by reading every record's both sides, sorted by
// slices.Sort, turned into points with nothing thinned until the end.
func plainTimeline(rs *records, fl []*record, end time.Time) []StateSeries {
	type gkey struct {
		role string
		ep   endpoint
	}
	type group struct {
		gkey
		key   string
		flows int
		spans bool
	}
	keyOf := func(f *record, role string) gkey {
		if role == "server" {
			return gkey{role, rs.server(f)}
		}
		return gkey{role, endpointOf(netip.AddrPortFrom(f.client.addr().Unmap(), 0))}
	}
	sideOf := map[string]int{"server": 1, "client": 0}
	groups := map[gkey]*group{}
	for _, f := range fl {
		u := rs.unpack(f)
		for role, side := range sideOf {
			k := keyOf(f, role)
			g := groups[k]
			if g == nil {
				g = &group{gkey: k, key: k.ep.addr().String()}
				if role == "server" {
					g.key = k.ep.String()
				}
				groups[k] = g
			}
			g.flows++
			g.spans = g.spans || len(u.spans[side]) > 0
		}
	}
	var list []*group
	for _, g := range groups {
		if g.spans {
			list = append(list, g)
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].flows != list[j].flows {
			return list[i].flows > list[j].flows
		}
		if list[i].role != list[j].role {
			return list[i].role > list[j].role
		}
		return list[i].key < list[j].key
	})
	list = list[:min(len(list), maxTimelineEndpoints)]
	out := []StateSeries{}
	for _, g := range list {
		edges := make([][]int64, len(SocketStates))
		for _, f := range fl {
			if keyOf(f, g.role) != g.gkey {
				continue
			}
			for _, sp := range rs.unpack(f).spans[sideOf[g.role]] {
				edges[sp.state] = append(edges[sp.state], sp.from*2+1)
				if end.IsZero() || sp.to < end.UnixNano() {
					edges[sp.state] = append(edges[sp.state], sp.to*2)
				}
			}
		}
		ss := StateSeries{Endpoint: g.key, Role: g.role, Flows: g.flows,
			States: map[SocketState][]StatePoint{}, Peak: map[SocketState]StatePoint{}}
		for st, e := range edges {
			slices.Sort(e)
			var all []StatePoint
			var peak StatePoint
			n := 0
			for i := range e {
				if e[i]&1 == 1 {
					n++
				} else {
					n--
				}
				if i+1 < len(e) && e[i+1]>>1 == e[i]>>1 {
					continue
				}
				p := StatePoint{T: time.Unix(0, e[i]>>1).UTC(), N: n}
				if n > peak.N {
					peak = p
				}
				all = append(all, p)
			}
			if peak.N == 0 {
				continue
			}
			ss.States[SocketStates[st]] = thin(all, maxSeriesPoints)
			ss.Peak[SocketStates[st]] = peak
		}
		out = append(out, ss)
	}
	return out
}

// TestTimelineAsPlain: the timeline of every capture of testdata, and of the bench
// capture when it has been made (not with -short), is the plain one's.
func TestTimelineAsPlain(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "*", "*.pcap*"))
	if big := filepath.Join("..", "bench", "out", "capture.pcap"); !testing.Short() {
		if _, err := os.Stat(big); err == nil {
			paths = append(paths, big)
		}
	}
	charted := 0
	for _, p := range paths {
		rs, fl, end := recordsOf(t, p)
		for _, end := range []time.Time{end, {}} {
			got, want := buildTimeline(rs, fl, end, 3), plainTimeline(rs, fl, end)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s (end %v): timeline differs from the plain one", p, end)
			}
			charted += len(got)
		}
	}
	if charted == 0 {
		t.Fatal("no endpoint charted")
	}
}

// TestTimelineSweepPaces: the sweep's result does not depend on its pace. Blocks of a
// few records and a flush after every one of them make the small captures of
// testdata flush edges hundreds of times, as the bench capture does; charting every
// endpoint at once (the sweep's fallback) gives the same; all as the plain oracle.
// The records in reverse order too: the watermarks then hold every edge back to the
// end, and the sweep never gives up (it would if they were taken block by block).
func TestTimelineSweepPaces(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "*", "*.pcap*"))
	paces := []sweepParams{{block: 1, flushMin: 1}, {block: 3, flushMin: 1}, {block: 2, flushMin: 7},
		{block: 64, flushMin: 1}, {atOnce: true, block: 1},
		// the count logs moved out to their temporary files at every new block, and
		// at every few
		{block: 1, flushMin: 1, logMem: 1}, {block: 3, flushMin: 7, logMem: 600}}
	flushes := 0
	for _, p := range paths {
		rs, fl, end := recordsOf(t, p)
		want := plainTimeline(rs, fl, end)
		back := slices.Clone(fl)
		slices.Reverse(back)
		for _, pace := range paces {
			for _, order := range [][]*record{fl, back} {
				got, gaveUp := buildTimelineWith(rs, order, end, pace, 1)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s at pace %+v: timeline differs from the plain one", p, pace)
				}
				if gaveUp > 0 {
					t.Errorf("%s at pace %+v: the sweep gave up on %d endpoints", p, pace, gaveUp)
				}
			}
		}
		if len(fl) > 1 && len(want) > 0 {
			flushes++
		}
	}
	if flushes < 10 {
		t.Fatalf("only %d captures with more than one record charted", flushes)
	}
}

// TestSweepCountsAsCountEdges: a state's sweep, fed spans in order of their start with
// a watermark at the next block's first start, counts what countEdges counts of all
// the edges sorted: the same points, thinned the same, the same peak. The times are
// coarse, so that many edges fall on a watermark's instant (a third of them off the
// whole µs), and ends come up to 50 µs later, so that many wait through several
// flushes.
func TestSweepCountsAsCountEdges(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano()
	for _, n := range []int{1, 5, 399, 401, 3000} {
		for _, block := range []int{1, 4, 100} {
			// The log in memory, moved out to its file at every new block, and every few.
			logMem := []int{0, 1, 1000}[(n+block)%3]
			end := edgeEnd(time.Unix(0, base+int64(n/2)*1000))
			spans := make([]span, n)
			for i := range spans {
				from := base + int64(r.IntN(n/3+1))*1000
				if i%3 == 0 { // not a whole µs (the log writes those apart)
					from += int64(r.IntN(1000))
				}
				spans[i] = span{from: from, to: from + int64(r.IntN(50))*1000}
			}
			slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.from, b.from) })
			var edges []int64
			s := timelineSweep{sweepParams: sweepParams{block: block, flushMin: 1, logMem: logMem}}
			s.reset()
			st := &s.states[0]
			for i, sp := range spans {
				if i > 0 && i%block == 0 {
					s.flush(sp.from)
				}
				st.pend = appendEdges(st.pend, sp, end)
				edges = appendEdges(edges, sp, end)
			}
			s.flush(math.MaxInt64)
			slices.Sort(edges)
			wantPts, wantPeak := countEdges(edges, maxSeriesPoints)
			pts, peak, err := st.series(maxSeriesPoints)
			if err != nil || !reflect.DeepEqual(pts, wantPts) || peak != wantPeak {
				t.Errorf("n=%d block=%d log in memory up to %d: %d points, peak %v (%v); countEdges: %d points, peak %v", n, block, logMem, len(pts), peak, err, len(wantPts), wantPeak)
			}
			s.close()
		}
	}
}

// TestCountLogMovesOut: a count log past its bytes in memory goes to its temporary
// file and comes back from it whole, in order, then the blocks still in memory; a log
// reused starts again at the file's start. Without a temporary directory it stays in
// memory, the same; a file that cannot be read back is an error, not a short series.
func TestCountLogMovesOut(t *testing.T) {
	type instant struct {
		dt uint64
		dn int
	}
	r := rand.New(rand.NewPCG(5, 6))
	var want []instant
	for range 60000 { // 150 KB: the file is read back in several blocks
		dt := uint64(r.IntN(2000)) * 1000
		if r.IntN(4) == 0 { // not a whole µs
			dt += uint64(r.IntN(1000))
		}
		want = append(want, instant{dt, r.IntN(9) - 4})
	}
	read := func(l *countLog, n int) ([]instant, error) {
		rd := l.reader()
		var got []instant
		for range n {
			dt, dn, err := rd.next()
			if err != nil {
				return got, err
			}
			got = append(got, instant{dt, dn})
		}
		return got, nil
	}
	var l countLog
	for round, part := range [][]instant{want, want[15000:18000]} { // the second reuses the log
		l = l.reuse(4096)
		for _, in := range part {
			l.add(in.dt, in.dn)
		}
		if l.file == nil || l.filed == 0 || l.used == 0 {
			t.Fatalf("round %d: %d bytes in the file, %d blocks in memory: expected both", round, l.filed, l.used)
		}
		held := 0
		for _, b := range l.blocks {
			held += cap(b)
		}
		if held >= 2*4096 {
			t.Errorf("round %d: %d bytes of blocks held for a bound of 4096", round, held)
		}
		if got, err := read(&l, len(part)); err != nil || !slices.Equal(got, part) {
			t.Fatalf("round %d: read back %d instants of %d (%v), or not the same", round, len(got), len(part), err)
		}
	}
	f := l.file
	l.close()
	if f == nil || l.file != nil {
		t.Fatal("close kept the file")
	}
	l.file, l.filed, l.used = f, 100, 0 // as if the file had gone
	if got, err := read(&l, 1); err == nil {
		t.Errorf("a closed file read back as %v", got)
	}

	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "gone"))
	var m countLog
	m = m.reuse(4096)
	for _, in := range want {
		m.add(in.dt, in.dn)
	}
	if m.file != nil || m.filed != 0 {
		t.Fatalf("a log with no temporary directory moved %d bytes out", m.filed)
	}
	if got, err := read(&m, len(want)); err != nil || !slices.Equal(got, want) {
		t.Fatalf("kept in memory: read back %d instants of %d (%v), or not the same", len(got), len(want), err)
	}
}

// TestTimelineSweepGivesUp: a state that starts before what the sweep has counted
// already (timestamps that go back) makes the sweep give up, having charted nothing,
// rather than count it out of order. Watermarks past every record's start stand in
// for such a capture: after the first block, everything seen is counted at once.
func TestTimelineSweepGivesUp(t *testing.T) {
	rs, fl, end := recordsOf(t, filepath.Join("..", "testdata", "demo", "demo.pcapng"))
	if len(fl) < 3 {
		t.Fatalf("%d records", len(fl))
	}
	wm := make([]int64, len(fl))
	for i := range wm {
		wm[i] = end.UnixNano() + 1
	}
	s := timelineSweep{sweepParams: sweepParams{block: 1, flushMin: 1}}
	g := &timelineGroup{role: "server", side: flows.FromServer, srv: fl[len(fl)-1].srv}
	ss := StateSeries{States: map[SocketState][]StatePoint{}, Peak: map[SocketState]StatePoint{}}
	if s.chart(rs, fl, wm, g, edgeEnd(end), &ss) {
		t.Fatal("the sweep went on past states older than what it had counted")
	}
	if len(ss.States) != 0 || len(ss.Peak) != 0 {
		t.Errorf("the sweep gave up but charted %v", ss.States)
	}
}
