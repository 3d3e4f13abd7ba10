package analyze

import (
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// gcHeadroom is how far past the live heap the run's memory may go: the garbage
// between two collections, and what the runtime holds besides the heap's objects
// (spans partly used, free pages not yet handed back, its own tables, stacks).
//
// Go's default (GOGC=100) lets the heap grow to twice what is live. A run's live heap
// is mostly the compact records of finished flows (no pointers: cheap to collect
// around) and grows with the capture, so doubling it doubles the memory a big capture
// costs for nothing. tuneGC instead sets a memory limit of the live heap plus this
// headroom, and leaves the collector no other trigger (GOGC off): the memory a run
// needs stays what is live plus 48 MiB, whatever the capture's length, and collections
// stay cheap because what they scan (the open flows) does not grow with it.
//
// A goal of live + 32 MiB for the heap alone (GOGC) and a limit above it for the rest
// (a sixteenth of the live heap plus 32 MiB) had one collection in nine fewer on the
// bench capture, but the runtime keeps about a tenth of the heap's goal in pages it
// does not hand back: the same traffic twice as long raised the peak RSS by 77-83 MiB,
// a quarter more than the 62 MiB of records it added, where this raises it by 66-68.
const gcHeadroom = 48 << 20

// gcMinLive stands for the live heap before the first collection has measured it.
const gcMinLive = 16 << 20

// gcOff is GOGC off, as debug.SetGCPercent takes it.
const gcOff = -1

// tuneGC adjusts the collector as the live heap grows, until stop is closed (see
// tuneGCFor). A GOGC or GOMEMLIMIT set in the environment wins: the user asked for it.
func tuneGC(stop <-chan struct{}, limit bool) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	last := 100
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		metrics.Read(sample)
		last = tuneGCFor(sample[0].Value.Uint64(), last, limit)
	}
}

// tuneGCFor tunes the collector for a live heap of live bytes (0: not measured yet),
// given the GOGC set before (last), and returns the GOGC it leaves.
//
// With limit, the memory limit (debug.SetMemoryLimit) is the live heap plus
// gcHeadroom, or plus a tenth of it for a heap past 480 MiB (the open flows are
// scanned at every collection: a headroom that stayed fixed while a huge capture's
// records grow would collect ever more often for ever less), and GOGC is off, so the
// limit alone starts collections. The limit counts all the runtime holds, and the
// runtime hands free pages back to keep under it, so the peak RSS follows.
//
// Without limit (GOMEMLIMIT set by the user), GOGC lets the heap grow by the same
// headroom over what is live (by Go's default, 100%, while the live heap is under it;
// never under 10%), and the user's limit stands.
func tuneGCFor(live uint64, last int, limit bool) int {
	if limit {
		if last != gcOff {
			debug.SetGCPercent(gcOff)
		}
		live = max(live, gcMinLive)
		debug.SetMemoryLimit(int64(live + max(gcHeadroom, live/10)))
		return gcOff
	}
	pct := 100
	if live > 0 && live*100/gcHeadroom > 100 {
		pct = max(10, int(uint64(gcHeadroom)*100/live))
	}
	if pct != last {
		debug.SetGCPercent(pct)
	}
	return pct
}
