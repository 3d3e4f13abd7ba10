package flows

import "testing"

// TestTombRingKeepsOrder: the tombstones come out oldest first through the ring's
// wrapping and growing, and the ring grows to the bound (one past it, before the
// caller lets the oldest go) and no further.
func TestTombRingKeepsOrder(t *testing.T) {
	const limit = 300
	var r tombRing
	next, want := int64(0), int64(0)
	for round := range 2000 {
		for range round%7 + 1 {
			r.push(tomb{until: next}, limit)
			next++
			for r.n > limit {
				if got := r.oldest().until; got != want {
					t.Fatalf("oldest %d, want %d", got, want)
				}
				r.pop()
				want++
			}
		}
		for range round % 5 {
			if r.n == 0 {
				break
			}
			if got := r.oldest().until; got != want {
				t.Fatalf("oldest %d, want %d", got, want)
			}
			r.pop()
			want++
		}
		if len(r.buf) > limit+1 {
			t.Fatalf("the ring grew to %d for a bound of %d", len(r.buf), limit)
		}
	}
	if r.n+int(want) != int(next) {
		t.Fatalf("%d in the ring, %d popped, %d pushed", r.n, want, next)
	}
}
