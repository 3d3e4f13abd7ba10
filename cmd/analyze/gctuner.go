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

// tuneGC adjusts GOGC as the live heap grows, until stop is closed. A GOGC set in the
// environment wins: the user asked for it.
func tuneGC(stop <-chan struct{}) {
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
		live := sample[0].Value.Uint64()
		pct := 100
		if live > 0 && live*100/gcHeadroom > 100 {
			pct = max(10, int(uint64(gcHeadroom)*100/live))
		}
		if pct != last {
			debug.SetGCPercent(pct)
			last = pct
		}
	}
}
