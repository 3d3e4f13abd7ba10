package analyzer

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
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
				edges = appendEdges(edges, s, end)
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
