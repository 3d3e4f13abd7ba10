package analyze

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestTuneGCFor: paced, GOGC lets the heap grow by the headroom over what is live (by
// its default, 100%, while the live heap is under the headroom; never under 10%), and
// the memory limit sits above the heap's goal by a sixteenth of the live heap plus the
// headroom (none before the first collection has measured the live heap); limited (a
// streaming run), GOGC is off and the limit is the live heap plus 48 MiB (a tenth of it
// past 480 MiB; 16 MiB stands for a live heap not measured yet), plus 16 MiB while the
// records are read back (a tenth of it past 160 MiB); with the user's limit,
// GOGC paces and the limit is left alone.
func TestTuneGCFor(t *testing.T) {
	oldPct := debug.SetGCPercent(100)
	oldLimit := debug.SetMemoryLimit(-1)
	defer func() {
		debug.SetGCPercent(oldPct)
		debug.SetMemoryLimit(oldLimit)
	}()
	const mib = 1 << 20
	for _, c := range []struct {
		live                    uint64
		pct                     int
		pacedMiB, limitedMiB    float64 // the memory limits: 0 for none
		endMiB                  float64 // limited, while the records are read back
		whyTheGoal, whyTheLimit string
	}{
		{0, 100, 0, 16 + 48, 16 + 16, "nothing live yet (no collection yet): Go's default", "16 MiB stands for it"},
		{16 * mib, 100, 16 + 16 + 1 + 32, 16 + 48, 16 + 16, "under the headroom: Go's default, 32 MiB", "live + 48 MiB"},
		{160 * mib, 20, 160 + 32 + 10 + 32, 160 + 48, 160 + 16, "past it: the goal is live + 32 MiB", "live + 48 MiB"},
		{1024 * mib, 10, 1024 + 102.4 + 64 + 32, 1024 + 102.4, 1024 + 102.4, "a big heap: 10% at least, more than 32 MiB", "a tenth of it, more than 48 MiB"},
	} {
		limitIs := func(mode string, wantMiB float64) {
			t.Helper()
			want := int64(wantMiB * mib)
			if wantMiB == 0 {
				want = math.MaxInt64
			}
			if got := debug.SetMemoryLimit(-1); got-want < -mib || got-want > mib {
				t.Errorf("live %d MiB, %s: memory limit %.1f MiB, want %.1f MiB", c.live/mib, mode, float64(got)/mib, wantMiB)
			}
		}
		gogcIs := func(mode string, got, want int) {
			t.Helper()
			if got != want {
				t.Errorf("live %d MiB, %s (%s): GOGC %d, want %d", c.live/mib, mode, c.whyTheGoal, got, want)
			}
			if set := debug.SetGCPercent(100); set != want {
				t.Errorf("live %d MiB, %s: the runtime's GOGC is %d, want %d", c.live/mib, mode, set, want)
			}
		}

		debug.SetMemoryLimit(math.MaxInt64)
		gogcIs("paced", tuneGCFor(c.live, -2, gcPaced), c.pct)
		limitIs("paced", c.pacedMiB)

		debug.SetMemoryLimit(math.MaxInt64)
		gogcIs("limited", tuneGCFor(c.live, 100, gcLimited), gcOff)
		limitIs("limited ("+c.whyTheLimit+")", c.limitedMiB)

		debug.SetMemoryLimit(math.MaxInt64)
		gogcIs("limited, the records read back", tuneGCFor(c.live, 100, gcLimitedEnd), gcOff)
		limitIs("limited, the records read back (16 MiB where it was 48)", c.endMiB)

		debug.SetMemoryLimit(math.MaxInt64)
		gogcIs("the user's limit", tuneGCFor(c.live, -2, gcUsersLimit), c.pct)
		limitIs("the user's limit", 0)
	}
}

// TestGCModeFor: the limit alone paces a run whose flows stream out (json, ndjson: no
// full result kept), GOGC the formats that keep results to draw (text's 50 by default,
// every one with --all: 0); the user's GOMEMLIMIT is never replaced.
func TestGCModeFor(t *testing.T) {
	for _, c := range []struct {
		retain     int
		usersLimit bool
		want       gcMode
	}{
		{-1, false, gcLimited},
		{50, false, gcPaced},
		{0, false, gcPaced},
		{-1, true, gcUsersLimit},
		{50, true, gcUsersLimit},
	} {
		if got := gcModeFor(c.retain, c.usersLimit); got != c.want {
			t.Errorf("retain %d, the user's limit %v: mode %d, want %d", c.retain, c.usersLimit, got, c.want)
		}
	}
}

// TestThrashing: collections a second that free less than an eighth of the limit's
// headroom each (6 MiB) are thrashing; a few, or further apart, are the limit at work.
func TestThrashing(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		cycles, allocMiB uint64
		want             bool
		why              string
	}{
		{17, 93, true, "an HTML report under the limit: 5.5 MiB a collection"},
		{20, 40, true, "2 MiB a collection"},
		{4, 24, true, "a few, 6 MiB apart: just enough to tell"},
		{15, 178, false, "the doubled capture's closest: 12 MiB a collection"},
		{3, 3, false, "three collections are too few to tell"},
		{0, 500, false, "none"},
		{2, 52, false, "the bench capture's usual pace"},
	} {
		if got := thrashing(c.cycles, c.allocMiB*mib); got != c.want {
			t.Errorf("%d collections, %d MiB (%s): thrashing %v, want %v", c.cycles, c.allocMiB, c.why, got, c.want)
		}
	}
}
