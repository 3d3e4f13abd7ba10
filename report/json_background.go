package report

import (
	"github.com/tcpmortem/tcpmortem/analyzer"
)

// jsonBackground is a JSONStream's second goroutine (see Background). The caller's
// goroutine encodes each flow into a batch; when the batch is full it goes to the
// stream's goroutine, which places its flows as a stream without Background would:
// writes them, or holds them for an earlier ID, in memory or in the temporary file.
type jsonBackground struct {
	s          *JSONStream
	cur        *jsonBatch
	free, full chan *jsonBatch
	done       chan struct{} // closed when the stream's goroutine has placed every batch
	started    bool
	err        error // the first flow encoding/json could not encode
	batchBytes int   // jsonBatchBytes, smaller in tests
}

// jsonBatch is encoded flows on their way to the stream's goroutine, back to back.
type jsonBatch struct {
	buf   []byte
	items []jsonItem
}

// jsonItem is a flow in a batch: n bytes of buf, or skippedFlow for a Skip.
type jsonItem struct{ id, n int }

const (
	// jsonBatchBytes is how much encoded JSON a batch carries before it is sent: a few
	// hundred flows, so that the goroutines meet rarely.
	jsonBatchBytes = 512 << 10
	// jsonBatches is how many batches there are: one filling, the others on their way
	// or being placed. More only hold more memory: the two sides take turns.
	jsonBatches = 4
)

// Background moves the placing and writing of the flows (the waiting for earlier IDs,
// the temporary file, the writes to the output) to a goroutine of the stream's own,
// which Finish waits for: Flow then only encodes the flow. The document is the same.
// For a caller whose goroutine is the busiest of a run, with a core to spare: the
// analyzer's merger, with two workers or more. Call it before the first flow.
func (s *JSONStream) Background() *JSONStream {
	bg := &jsonBackground{s: s, free: make(chan *jsonBatch, jsonBatches), full: make(chan *jsonBatch, jsonBatches),
		done: make(chan struct{}), batchBytes: jsonBatchBytes}
	for range jsonBatches {
		bg.free <- &jsonBatch{buf: make([]byte, 0, jsonBatchBytes+jsonBatchBytes/4)}
	}
	bg.cur = <-bg.free
	s.bg = bg
	return s
}

func (bg *jsonBackground) flow(f *analyzer.Flow) {
	if bg.err != nil {
		return
	}
	b := bg.cur
	n := len(b.buf)
	var err error
	if b.buf, err = appendFlowErr(b.buf, f); err != nil {
		b.buf = b.buf[:n]
		bg.err = err
		return
	}
	bg.add(jsonItem{id: f.ID, n: len(b.buf) - n})
}

func (bg *jsonBackground) skip(id int) { bg.add(jsonItem{id: id, n: skippedFlow}) }

func (bg *jsonBackground) add(it jsonItem) {
	bg.cur.items = append(bg.cur.items, it)
	if len(bg.cur.buf) >= bg.batchBytes {
		bg.send()
	}
}

// send hands the batch being filled to the stream's goroutine (started with the first
// batch: a run that fails before its first flow leaves no goroutine behind) and takes
// an empty one.
func (bg *jsonBackground) send() {
	if !bg.started {
		bg.started = true
		go bg.place()
	}
	bg.full <- bg.cur
	bg.cur = <-bg.free
}

// place is the stream's goroutine: it places the batches' flows, in the order they came.
func (bg *jsonBackground) place() {
	defer close(bg.done)
	s := bg.s
	for b := range bg.full {
		off := 0
		for _, it := range b.items {
			if it.n == skippedFlow {
				s.skip(it.id)
				continue
			}
			enc := b.buf[off : off+it.n]
			off += it.n
			s.take(it.id, func(dst []byte) ([]byte, error) { return append(dst, enc...), nil })
		}
		b.buf, b.items = b.buf[:0], b.items[:0]
		bg.free <- b
	}
}

// finish sends what is left, waits until every flow is placed, and hands the stream
// the first error either side met.
func (bg *jsonBackground) finish() {
	if len(bg.cur.items) > 0 {
		bg.send()
	}
	close(bg.full)
	if bg.started {
		<-bg.done
	}
	if bg.s.err == nil {
		bg.s.err = bg.err
	}
	bg.s.bg = nil // a stream finishes once; whatever comes after is its own
}
