package analyze

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestTuneGCFor: with the limit ours to set, GOGC is off and the memory limit is the
// live heap plus 48 MiB (a tenth of it past 480 MiB; 16 MiB stands for a live heap not
// measured yet). With GOMEMLIMIT set by the user, the limit is left alone and GOGC
// lets the heap grow by the headroom over what is live (Go's default, 100%, while the
// live heap is under the headroom; never under 10%).
func TestTuneGCFor(t *testing.T) {
	oldPct := debug.SetGCPercent(100)
	oldLimit := debug.SetMemoryLimit(-1)
	defer func() {
		debug.SetGCPercent(oldPct)
		debug.SetMemoryLimit(oldLimit)
	}()
	const mib = 1 << 20
	for _, c := range []struct {
		live     uint64
		limitMiB float64 // with the limit ours: live + 48 MiB, or + live/10
		pct      int     // with the user's limit: GOGC
		why      string
	}{
		{0, 16 + 48, 100, "nothing live yet (no collection yet): Go's default GOGC"},
		{16 * mib, 16 + 48, 100, "under the headroom: Go's default GOGC"},
		{160 * mib, 160 + 48, 30, "past it: the goal is live + 48 MiB"},
		{1024 * mib, 1024 + 102.4, 10, "a big heap: a tenth of it, more than 48 MiB"},
	} {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
		if got := tuneGCFor(c.live, 100, true); got != gcOff {
			t.Errorf("live %d MiB, limit ours: GOGC %d, want off", c.live/mib, got)
		}
		if set := debug.SetGCPercent(100); set != gcOff {
			t.Errorf("live %d MiB, limit ours: the runtime's GOGC is %d, want off", c.live/mib, set)
		}
		want := int64(c.limitMiB * mib)
		if got := debug.SetMemoryLimit(-1); got-want < -mib || got-want > mib {
			t.Errorf("live %d MiB (%s): memory limit %.1f MiB, want %.1f MiB", c.live/mib, c.why, float64(got)/mib, c.limitMiB)
		}

		debug.SetMemoryLimit(math.MaxInt64)
		if got := tuneGCFor(c.live, -2, false); got != c.pct {
			t.Errorf("live %d MiB (%s), the user's limit: GOGC %d, want %d", c.live/mib, c.why, got, c.pct)
		}
		if set := debug.SetGCPercent(100); set != c.pct {
			t.Errorf("live %d MiB, the user's limit: the runtime's GOGC is %d, want %d", c.live/mib, set, c.pct)
		}
		if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
			t.Errorf("live %d MiB, the user's limit: memory limit set to %d", c.live/mib, got)
		}
	}
}
