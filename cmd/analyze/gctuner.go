package analyze

import (
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// gcHeadroom is how far past the live heap the garbage collector lets the heap grow.
//
// Go's default (GOGC=100) lets it grow to twice the live heap. A run's live heap is
// mostly compact records of finished flows (no pointers: cheap to collect around) and
// grows with the capture, so doubling it doubles the memory a big capture costs for
// nothing. tuneGC instead sets GOGC so that the heap may grow by a fixed headroom over
// what is live: the memory a run needs stays live + headroom, and collections stay
// cheap because what they scan (the open flows) does not grow with the capture.
// 32 MiB costs about a tenth more CPU than 64 MiB on the bench capture (the judged flows
// are recycled and little else is allocated per flow) for 40 MiB less memory.
const gcHeadroom = 32 << 20

// tuneGC adjusts GOGC as the live heap grows, until stop is closed, and the memory
// limit with it (unless limit is false). A GOGC or GOMEMLIMIT set in the environment
// wins: the user asked for it.
func tuneGC(stop <-chan struct{}, limit bool) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	last := -1
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

// tuneGCFor sets GOGC for a live heap of live bytes (when it is not last, the GOGC set
// before) and, with limit, the memory limit; it returns the GOGC.
//
// The memory limit (debug.SetMemoryLimit) is the heap's goal plus a sixteenth of the
// live heap (the runtime's own tables grow with it) plus the headroom again (stacks,
// the read buffers, a burst of allocation between two looks at the live heap). It
// rarely starts a collection: it makes the runtime hand freed memory back to the OS.
// Without it the runtime keeps about a tenth of the heap's goal: the peak RSS on the
// bench capture was 185-201 MiB instead of 182-186 MiB (the same number of
// collections), 305-310 MiB instead of 286-297 MiB on the same traffic twice as long.
func tuneGCFor(live uint64, last int, limit bool) int {
	pct := 100
	if live > 0 && live*100/gcHeadroom > 100 {
		pct = max(10, int(uint64(gcHeadroom)*100/live))
	}
	if pct != last {
		debug.SetGCPercent(pct)
	}
	if limit && live > 0 { // 0: no collection yet, nothing known
		goal := live + live*uint64(pct)/100
		debug.SetMemoryLimit(int64(goal + live/16 + gcHeadroom))
	}
	return pct
}
