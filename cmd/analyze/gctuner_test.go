package analyze

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestTuneGCFor: GOGC lets the heap grow by the headroom over what is live (by its
// default, 100%, while the live heap is under the headroom; never under 10%), and the
// memory limit sits above the heap's goal by a sixteenth of the live heap plus the
// headroom, so that it hands memory back to the OS rather than forcing collections.
// Without limit, or before the first collection has measured the live heap, the limit
// is left alone.
func TestTuneGCFor(t *testing.T) {
	oldPct := debug.SetGCPercent(100)
	oldLimit := debug.SetMemoryLimit(-1)
	defer func() {
		debug.SetGCPercent(oldPct)
		debug.SetMemoryLimit(oldLimit)
	}()
	const mib = 1 << 20
	for _, c := range []struct {
		live       uint64
		pct        int
		limitMiB   float64 // the goal (live + live*pct/100), live/16 and the headroom (32 MiB)
		whyTheGoal string
	}{
		{0, 100, 0, "nothing live yet (no collection yet): Go's default, and no limit"},
		{16 * mib, 100, 16 + 16 + 1 + 32, "under the headroom: Go's default, 32 MiB"},
		{160 * mib, 20, 160 + 32 + 10 + 32, "past it: the goal is live + 32 MiB"},
		{1024 * mib, 10, 1024 + 102.4 + 64 + 32, "a big heap: 10% at least, more than 32 MiB"},
	} {
		debug.SetMemoryLimit(math.MaxInt64)
		if got := tuneGCFor(c.live, -1, true); got != c.pct {
			t.Errorf("live %d MiB (%s): GOGC %d, want %d", c.live/mib, c.whyTheGoal, got, c.pct)
		}
		if set := debug.SetGCPercent(100); set != c.pct {
			t.Errorf("live %d MiB: the runtime's GOGC is %d, want %d", c.live/mib, set, c.pct)
		}
		want := int64(c.limitMiB * mib)
		if c.live == 0 {
			want = math.MaxInt64
		}
		if got := debug.SetMemoryLimit(-1); got-want < -mib || got-want > mib {
			t.Errorf("live %d MiB: memory limit %.1f MiB, want %.1f MiB", c.live/mib, float64(got)/mib, c.limitMiB)
		}
		debug.SetMemoryLimit(math.MaxInt64)
		tuneGCFor(c.live, -1, false)
		if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
			t.Errorf("live %d MiB, no limit asked: memory limit set to %d", c.live/mib, got)
		}
	}
}
