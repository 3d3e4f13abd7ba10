package analyzer

import (
	"errors"
	"io"
	"sync/atomic"
	"time"

	"github.com/tcpmortem/tcpmortem/flows"
)

// The read loop runs in one of two shapes. With one worker, one goroutine reads,
// decodes and tracks. With more, reading and decoding run on one goroutine and the flow
// table on another, joined by a small ring of reusable batches: the table sees exactly
// the same segments in exactly the same order, so the output is byte-identical whatever
// the worker count. Two stages fit the two cores this tool is sized for; sharding the
// table by tuple would cost a merge of flow IDs for little more on two cores.

const (
	batchSegments = 512
	batchArena    = batchSegments * 1600 // payload bytes a batch holds before it is sent early
	batchesInRing = 4
)

// tickOnly marks a batch entry that only advances the clock (a packet that is not TCP).
type entry struct {
	seg  flows.Segment
	tick bool
}

type batch struct {
	entries []entry
	arena   []byte
	err     error // the reader's error, on the last batch
}

// Progress is what a long read has done so far, for a progress line; its counters are
// updated by the read loop and safe to read from another goroutine.
type Progress struct {
	Packets   atomic.Int64
	LiveFlows atomic.Int64
}

// progressEvery is how many packets pass between two updates of Progress.
const progressEvery = 1 << 14

// readStats are what the read loop learns besides the segments.
type readStats struct {
	first, last time.Time
	dec         *flows.Decoder
	// dedupe drops a segment captured twice (tcpdump -i any sees a packet on a bridge
	// and on its port): the table must not take copies for retransmissions.
	dedupe *flows.Dedupe
}

func newReadStats() readStats {
	return readStats{dec: flows.NewDecoder(), dedupe: flows.NewDedupe(flows.DefaultDedupeWindow)}
}

func (r *readStats) see(t time.Time) {
	if r.first.IsZero() || t.Before(r.first) {
		r.first = t
	}
	if t.After(r.last) {
		r.last = t
	}
}

// readSequential reads, decodes and tracks on the calling goroutine.
func readSequential(src flows.PacketSource, table *flows.Table, pr *Progress) (readStats, error) {
	st := newReadStats()
	var seg flows.Segment
	for {
		p, err := src.Next()
		if errors.Is(err, io.EOF) {
			return st, nil
		}
		if err != nil {
			return st, err
		}
		st.see(p.Time)
		table.Tick(p.Time)
		if st.dec.Decode(p, &seg) && st.dedupe.Keep(&seg) {
			table.Add(&seg)
		}
		if pr != nil && p.Frame%progressEvery == 0 {
			pr.Packets.Store(int64(st.dec.Stats().Total()))
			pr.LiveFlows.Store(int64(table.Live()))
		}
	}
}

// readPipelined reads and decodes on a second goroutine and tracks on this one.
func readPipelined(src flows.PacketSource, table *flows.Table, pr *Progress) (readStats, error) {
	st := newReadStats()
	free := make(chan *batch, batchesInRing)
	full := make(chan *batch, batchesInRing)
	for i := 0; i < batchesInRing; i++ {
		free <- &batch{entries: make([]entry, 0, batchSegments), arena: make([]byte, 0, batchArena)}
	}
	go func() {
		defer close(full)
		b := <-free
		send := func() {
			full <- b
			b = <-free
			b.entries, b.arena, b.err = b.entries[:0], b.arena[:0], nil
		}
		for {
			p, err := src.Next()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					b.err = err
				}
				full <- b
				return
			}
			st.see(p.Time)
			e := entry{tick: true}
			e.seg.Time = p.Time
			if st.dec.Decode(p, &e.seg) && st.dedupe.Keep(&e.seg) {
				e.tick = false
				// The payload aliases the reader's buffer: copy it into the batch.
				if n := len(e.seg.Payload); n > 0 {
					if len(b.arena)+n > cap(b.arena) && len(b.entries) > 0 {
						send()
					}
					start := len(b.arena)
					b.arena = append(b.arena, e.seg.Payload...)
					e.seg.Payload = b.arena[start:len(b.arena):len(b.arena)]
				}
			}
			b.entries = append(b.entries, e)
			if len(b.entries) == cap(b.entries) {
				send()
			}
		}
	}()
	var err error
	packets := int64(0)
	for b := range full {
		if pr != nil {
			packets += int64(len(b.entries))
			pr.Packets.Store(packets)
			pr.LiveFlows.Store(int64(table.Live()))
		}
		for i := range b.entries {
			e := &b.entries[i]
			table.Tick(e.seg.Time)
			if !e.tick {
				table.Add(&e.seg)
			}
		}
		if b.err != nil {
			err = b.err
		}
		free <- b
	}
	return st, err
}
