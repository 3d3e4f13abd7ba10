package analyzer

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// plainSlowdown is slowdown as first written, its oracle: every response time read
// twice, once for the earliest three (those a stable sort by time puts first), once
// for the first past their limit.
func plainSlowdown(rs *records, g []*record) slowdown {
	type read struct {
		w timedWait
		f *record
	}
	var all []read
	for _, f := range g {
		for _, w := range rs.waitsOf(f, nil) {
			all = append(all, read{w, f})
		}
	}
	if len(all) < 4 {
		return slowdown{}
	}
	byTime := slices.Clone(all)
	slices.SortStableFunc(byTime, func(a, b read) int { return a.w.at.Compare(b.w.at) })
	base := min(byTime[0].w.wait, byTime[1].w.wait, byTime[2].w.wait)
	limit := 4 * base
	if limit < base+50*time.Millisecond {
		limit = base + 50*time.Millisecond
	}
	var s slowdown
	for _, r := range all {
		if r.w.wait > limit && (s.at.IsZero() || r.w.at.Before(s.at)) {
			s.at, s.f = r.w.at, r.f
		}
		s.worst = max(s.worst, r.w.wait)
	}
	if s.f == nil {
		return slowdown{}
	}
	s.base = base
	return s
}

// TestSlowdownAsPlain: finding where responses slowed in one pass (and a second look
// at the flows before the earliest three were known) gives what reading every
// response twice gives, with flows in the order they started, shuffled, reversed;
// with response times that share instants; and with few responses.
func TestSlowdownAsPlain(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano()
	nan := math.NaN()
	found := 0
	for round := 0; round < 400; round++ {
		rs := newRecords([]string{"x"})
		n := r.IntN(60)
		coarse := int64(1 + r.IntN(2)*999_999) // 1 ns or 1 ms: many shared instants
		var g []*record
		for i := 0; i < n; i++ {
			rec := &record{id: uint32(i + 1), start: base + int64(i)*int64(time.Millisecond)}
			var tr flowTrace
			for k := r.IntN(4); k > 0; k-- {
				at := rec.start + r.Int64N(50)*coarse
				wait := time.Duration(r.Int64N(int64(20 * time.Millisecond)))
				if r.IntN(8) == 0 {
					wait = time.Duration(r.Int64N(int64(2 * time.Second))) // slow
				}
				tr.waits = append(tr.waits, timedWait{time.Unix(0, at), wait})
			}
			rec.packed = rs.pack(&tr, rec, nil, optFacts{wait: nan, silent: nan, finToRST: nan})
			g = append(g, rec)
		}
		switch round % 3 {
		case 1:
			r.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
		case 2:
			slices.Reverse(g)
		}
		fc := &findCtx{rs: rs}
		got, want := fc.slowdown(slices.Values(g)), plainSlowdown(rs, g)
		if got.f != want.f || !got.at.Equal(want.at) || got.base != want.base || got.worst != want.worst {
			t.Fatalf("round %d (%d flows): slowdown %v of flow %v, want %v of flow %v", round, n, got, got.f, want, want.f)
		}
		if want.f != nil {
			found++
		}
	}
	if found < 100 {
		t.Errorf("a slowdown in only %d rounds of 400", found)
	}
}

// TestServerFlowsGroupsEveryFlow: each server's group is its flows, all of them, in
// the list's order, whether it was copied out or (the busiest's) is read off the list;
// only the others' are copied.
func TestServerFlowsGroupsEveryFlow(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for round := range 50 {
		nServers := 1 + r.IntN(5)
		rs := &records{servers: make([]endpoint, nServers+1)} // one server with no flow
		var fl []*record
		for i := range r.IntN(300) {
			fl = append(fl, &record{id: uint32(i + 1), srv: uint32(r.IntN(nServers))})
		}
		sf := (&findCtx{rs: rs}).serverFlowsOf(fl)
		seen := 0
		for _, k := range sf.keys {
			var want []int
			for _, f := range fl {
				if f.srv == k {
					want = append(want, int(f.id))
				}
			}
			var got []int
			for f := range sf.of(k) {
				got = append(got, int(f.id))
			}
			if !slices.Equal(got, want) || !slices.Equal(sf.ids(k), want) {
				t.Fatalf("round %d, server %d: %v (ids %v), want %v", round, k, got, sf.ids(k), want)
			}
			if (sf.groups[k] == nil) != (k == sf.big) || len(want) > sf.sizes[sf.big] {
				t.Fatalf("round %d: server %d of %d flows copied out (%v), the busiest %d of %d", round, k, len(want), sf.groups[k] != nil, sf.big, sf.sizes[sf.big])
			}
			seen += len(want)
		}
		if seen != len(fl) {
			t.Fatalf("round %d: %d flows in the groups of %d", round, seen, len(fl))
		}
	}
}
