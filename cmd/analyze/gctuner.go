package analyze

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// gcHeadroom is how far past the live heap the garbage collector lets the heap grow.
//
// Go's default (GOGC=100) lets it grow to twice the live heap. A run's live heap is
// mostly compact records of finished flows (no pointers: cheap to collect around) and
// grows with the capture, so doubling it doubles the memory a big capture costs for
// nothing. The tuner instead sets GOGC so that the heap may grow by a fixed headroom
// over what is live: the memory a run needs stays live + headroom, and collections stay
// cheap because what they scan (the open flows) does not grow with the capture.
// 32 MiB costs about a tenth more CPU than 64 MiB on the bench capture (the judged flows
// are recycled and little else is allocated per flow) for 40 MiB less memory.
const gcHeadroom = 32 << 20

// gcLimitHeadroom is how far past the live heap all the memory of a streaming run may
// go (see gcLimited): the garbage between two collections, and what the runtime holds
// besides the heap's objects (spans partly used, free pages not yet handed back, its
// own tables, stacks).
//
// Paced by GOGC (a goal of live + 32 MiB, under a limit a sixteenth of the live heap
// and 32 MiB higher), the runtime keeps about a tenth of the heap's goal in pages it
// does not hand back: on the same traffic twice as long, the peak RSS rose by 77-83 MiB,
// a quarter more than the 62 MiB of records it added. Under the limit alone it rises by
// 63-74 MiB, with about a tenth more collections.
const gcLimitHeadroom = 48 << 20

// gcEndHeadroom is gcLimitHeadroom while the findings and the timeline are drawn
// (gcLimitedEnd). They allocate little, and read the records, which are outside the
// heap (analyzer's offHeap) and whose pages come back into the process as they are
// read: on a long capture that is the run's peak, and the read's headroom would add its
// 32 MiB more to it.
const gcEndHeadroom = 16 << 20

// gcMinLive stands for the live heap before the first collection has measured it.
const gcMinLive = 16 << 20

// gcOff is GOGC off, as debug.SetGCPercent takes it.
const gcOff = -1

// tuneGC paces the collector in mode as the live heap grows, until stop is closed.
// turns says when the records are read back (true: the read is over) and when that is
// done (false: the analysis is over): in between, gcLimited is gcLimitedEnd.
func tuneGC(stop <-chan struct{}, turns <-chan bool, mode gcMode) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/cycles/total:gc-cycles"},
		{Name: "/gc/heap/allocs:bytes"}}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	last := 100 // Go's default, as GOGC is unset
	// The collections and the bytes allocated by the end of each of the last looks.
	var cycles, allocs [gcThrashLooks]uint64
	ending := false
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case ending = <-turns:
		case <-t.C:
		}
		metrics.Read(sample)
		k := i % gcThrashLooks // the oldest look, about to be replaced
		c, a := sample[1].Value.Uint64(), sample[2].Value.Uint64()
		if mode == gcLimited && i >= gcThrashLooks && thrashing(c-cycles[k], a-allocs[k]) {
			mode = gcPaced // for the rest of the run
		}
		cycles[k], allocs[k] = c, a
		m := mode
		if m == gcLimited && ending {
			m = gcLimitedEnd
		}
		last = tuneGCFor(sample[0].Value.Uint64(), last, m)
	}
}

// releaseAtReadEnd is collectAtTurn at the read's end, and gives the OS back every page
// the heap no longer uses: the open flows, just let go, were most of the heap, and the
// pages the runtime kept of them would otherwise stay under the records' pages read
// back in (analyzer's offHeap) at the end of the run.
func releaseAtReadEnd() { debug.FreeOSMemory() }

// collectAtTurn collects the garbage at the two turns of a run where much is let go at
// once and what comes next allocates at once: once the read is over
// (analyzer.Options.ReadDone), and once the analysis is (before the document's end, or
// the report, is written). Left to the memory limit, the collection starts only once
// the heap reaches the limit, and what comes next keeps allocating on top while it
// marks.
//   - At the end of the read, the flows still open at the capture's end (10,600 of
//     them, 50 MB, on the doubled bench capture) have just been judged and let go,
//     and the findings and the timeline start drawing from the records. On the doubled
//     bench capture, whose traffic runs at full rate to its last packet, the RSS went
//     12 MiB past the read's peak, to 258 MiB; collected first, 5 alternating runs
//     gave 242-248 MiB against 246-256 (the 1 GB capture, whose peak comes earlier,
//     179-182 either way).
//   - At the end of the analysis, the records (157 B a flow) and the findings' and the
//     timeline's working space are let go, and the document's end is encoded (the
//     findings list their flows: 400,000 IDs in one of the bench capture's). On the
//     bench capture's traffic four times over (1.67 M flows), the RSS went 29 MiB past
//     the end of the run's, to 423 MiB.
//
// Each is a collection the limit would have started a few milliseconds later anyway.
func collectAtTurn() { runtime.GC() }

// gcThrashLooks is how many looks at the runtime (a second's) thrashing judges.
const gcThrashLooks = 20

// thrashing says whether the collections of the last second (cycles of them, with
// allocs bytes allocated in the while) came too often under gcLimited: several, with an
// eighth of its headroom or less allocated per collection, means what the runtime
// holds past the live heap (fragmented spans, mostly) takes the headroom, and
// collecting cannot give it back. The run is then paced by GOGC, as the formats that
// keep full results are. Forced on an HTML report of the bench capture, the limit had
// the collector run every 2 MiB at the end (248 collections in all, 22 s); with this
// guard it switched there (17 collections in a second, 93 MiB allocated: 189 in all,
// 16.5 s). On the doubled bench capture's JSON, collections come a median 26 MiB
// apart, and a second's about 12 MiB apart at the closest.
//
// It judges gcLimitedEnd's collections against gcLimited's headroom too, so a second or
// so into the records' phase of a big streaming run it takes their closer pace for
// thrashing and leaves the rest of the run to GOGC. Kept so on measurement: judged
// against the end's own headroom instead, the doubled bench capture made 57-66
// collections instead of 43, for 3% more CPU time and the same peak RSS (184.8-185.9
// MiB against 183.2-186.2); paced by GOGC from the read's end, the peak was 187-192 MiB.
func thrashing(cycles, allocs uint64) bool {
	return cycles >= 4 && allocs/cycles <= gcLimitHeadroom/8
}

// gcMode is how tuneGCFor paces the collector.
type gcMode int

const (
	// gcPaced: GOGC lets the heap grow by gcHeadroom over what is live (by Go's
	// default, 100%, while the live heap is under it; never under 10%), and the memory
	// limit sits above the heap's goal by a sixteenth of the live heap plus the headroom
	// again (the runtime's own tables grow with the heap; stacks, read buffers, a burst
	// of allocation between two looks at the live heap). The limit rarely starts a
	// collection: it makes the runtime hand freed memory back to the OS.
	gcPaced gcMode = iota
	// gcLimited: the memory limit is the live heap plus gcLimitHeadroom, or plus a
	// tenth of it past 480 MiB (the open flows are scanned at every collection: a
	// headroom that stayed fixed while a huge capture's records grow would collect ever
	// more often for ever less), and GOGC is off, so the limit alone starts collections.
	// The limit counts all the runtime holds, and the runtime hands free pages back to
	// keep under it, so the peak RSS follows what is live. For a streaming run (its
	// flows go to the output as they are judged), whose live heap is records without
	// pointers, in large blocks: little fragmented. A run that keeps full results for
	// its report holds many small objects with pointers, which leave the heap's spans
	// fragmented well past what is live once they are freed: under this limit an HTML
	// report of the bench capture took 22 s instead of 16, the collector running every
	// few megabytes.
	gcLimited
	// gcUsersLimit: GOGC as gcPaced, and the limit the user set (GOMEMLIMIT) stands.
	gcUsersLimit
	// gcLimitedEnd: gcLimited while the records are read back, once the read is over,
	// with gcEndHeadroom.
	gcLimitedEnd
)

// gcModeFor is the pacing for a run that keeps retain full results (analyzer.Options:
// < 0, none: its flows stream out and what stays is their records), with or without a
// memory limit of the user's (GOMEMLIMIT).
func gcModeFor(retain int, usersLimit bool) gcMode {
	switch {
	case usersLimit:
		return gcUsersLimit
	case retain < 0:
		return gcLimited
	}
	return gcPaced
}

// tuneGCFor paces the collector in mode for a live heap of live bytes (0: not measured
// yet), given the GOGC set before (last), and returns the GOGC it leaves.
func tuneGCFor(live uint64, last int, mode gcMode) int {
	if mode == gcLimited || mode == gcLimitedEnd {
		if last != gcOff {
			debug.SetGCPercent(gcOff)
		}
		live = max(live, gcMinLive)
		headroom := uint64(gcLimitHeadroom)
		if mode == gcLimitedEnd {
			headroom = gcEndHeadroom
		}
		debug.SetMemoryLimit(int64(live + max(headroom, live/10)))
		return gcOff
	}
	pct := 100
	if live > 0 && live*100/gcHeadroom > 100 {
		pct = max(10, int(uint64(gcHeadroom)*100/live))
	}
	if pct != last {
		debug.SetGCPercent(pct)
	}
	if mode == gcPaced && live > 0 { // 0: no collection yet, nothing known
		goal := live + live*uint64(pct)/100
		debug.SetMemoryLimit(int64(goal + live/16 + gcHeadroom))
	}
	return pct
}
