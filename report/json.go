package report

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"slices"

	"github.com/tcpmortem/tcpmortem/analyzer"
)

// JSON writes a finished Result as one JSON document: the contract of
// ../shared/VERDICTS.md. The analyze command streams the same bytes with JSONStream.
func JSON(w io.Writer, r *analyzer.Result, _ Options) error {
	s := NewJSONStream(w)
	for i := range r.Flows {
		// already in ID order, and perhaps filtered: no reordering
		s.write(func(b []byte) ([]byte, error) { return appendFlowErr(b, &r.Flows[i]) })
	}
	return s.Finish(r)
}

// JSONStream writes the JSON document while a run goes: the flows first, each the
// moment every flow with a lower ID has been written, then what only the end of the
// run knows (inputs, findings, timeline, summary). Flows finish out of order (a
// long-lived connection is judged long after the short ones that started after it):
// those waiting for an earlier ID are held, up to jsonHoldBytes, then moved to a
// temporary file, so memory stays bounded whatever the capture. Each flow is one line
// (as in NDJSON: grep finds a flow, and a huge capture is not padded with
// indentation); the rest is indented by two spaces.
//
// Nearly every flow of a big capture waits for an earlier one, so a flow's bytes are
// copied as little as they can be: encoded straight into the output buffer, or into
// the hold, which goes to the temporary file as it is and comes back from it straight
// into the output buffer. Nothing is allocated per flow.
type JSONStream struct {
	w       io.Writer
	out     []byte // the document's next bytes, written to w past jsonWriteBytes
	buf     bytes.Buffer
	enc     *json.Encoder
	started bool
	flows   int // flows written
	err     error

	holdBytes int // jsonHoldBytes, smaller in tests
	next      int // the ID the document waits for
	// waiting[first+i] is what became of the flow with ID next+i: the IDs from next
	// to the highest seen so far.
	waiting []heldFlow
	first   int
	// held has the encoded flows waiting in memory, back to back, in the order they
	// came. It is where the temporary file will go on: a flow at held[i] is at offset
	// spillAt+i, there or in the file, so moving held to the file changes no heldFlow.
	held     []byte
	heldLive int      // flows in held not yet written: none, and held starts again
	spill    *os.File // where held goes past holdBytes
	spillAt  int64    // the temporary file's size
	noSpill  bool     // no temporary file: hold in memory

	bg *jsonBackground // see Background
}

// heldFlow is a flow waiting for an earlier ID: n bytes at offset at (in held when
// at >= spillAt, else in the temporary file); n 0: not come yet, skippedFlow: not in the
// document.
type heldFlow struct {
	at int64
	n  int
}

const skippedFlow = -1

const (
	// jsonHoldBytes bounds the encoded flows held in memory for reordering.
	jsonHoldBytes = 2 << 20
	// jsonWriteBytes is how much is written at a time, to w or the temporary file.
	jsonWriteBytes = 1 << 20
)

// NewJSONStream starts a document on w.
func NewJSONStream(w io.Writer) *JSONStream {
	// Room for a write's worth and the flow that tops it: out grows only past a flow
	// of 256 KiB, or for the end's members.
	s := &JSONStream{w: w, out: make([]byte, 0, jsonWriteBytes+jsonWriteBytes/4), next: 1,
		holdBytes: jsonHoldBytes}
	s.enc = json.NewEncoder(&s.buf)
	s.enc.SetEscapeHTML(false) // filters keep their && as typed, ready to paste
	return s
}

// Flow takes a flow as it is judged (fit for analyzer.Options.OnFlow).
func (s *JSONStream) Flow(f *analyzer.Flow) {
	if s.bg != nil {
		s.bg.flow(f)
		return
	}
	s.take(f.ID, func(b []byte) ([]byte, error) { return appendFlowErr(b, f) })
}

// take places the flow with this ID, which add appends as a line of JSON: written at
// once when no earlier ID is missing, else held until they have all come.
func (s *JSONStream) take(id int, add func([]byte) ([]byte, error)) {
	if s.err != nil {
		return
	}
	if id <= s.next { // below: never, unless a flow comes twice; better late than lost
		s.write(add)
		if id == s.next {
			s.advance()
			s.drain()
		}
		return
	}
	n := len(s.held)
	var err error
	if s.held, err = add(s.held); err != nil {
		s.held = s.held[:n]
		s.err = err
		return
	}
	*s.slot(id) = heldFlow{at: s.spillAt + int64(n), n: len(s.held) - n}
	s.heldLive++
	if len(s.held) > s.holdBytes {
		s.spillHeld()
	}
}

// Skip says the flow with this ID is not in the document (fit for
// analyzer.Options.OnSkip): later flows need not wait for it.
func (s *JSONStream) Skip(id int) {
	if s.bg != nil {
		s.bg.skip(id)
		return
	}
	s.skip(id)
}

func (s *JSONStream) skip(id int) {
	switch {
	case id == s.next:
		s.advance()
		s.drain()
	case id > s.next:
		s.slot(id).n = skippedFlow
	}
}

// slot is where the flow with this ID (> s.next) waits.
func (s *JSONStream) slot(id int) *heldFlow {
	i := s.first + id - s.next
	for len(s.waiting) <= i {
		s.waiting = append(s.waiting, heldFlow{})
	}
	return &s.waiting[i]
}

// advance moves on to the next ID, dropping the slot of the one just written.
func (s *JSONStream) advance() {
	s.next++
	if s.first >= len(s.waiting) {
		return // nothing waits
	}
	s.waiting[s.first] = heldFlow{}
	s.first++
	// Move the slots down once the dropped ones are half: each is moved about once.
	if s.first == len(s.waiting) || (s.first >= 1024 && 2*s.first >= len(s.waiting)) {
		s.waiting = s.waiting[:copy(s.waiting, s.waiting[s.first:])]
		s.first = 0
	}
}

// spillHeld moves the held flows to the temporary file. When there is no writable
// temporary directory (or it fills up), they stay in memory: a correct document in more
// memory beats an error after hours of reading.
func (s *JSONStream) spillHeld() {
	if s.noSpill {
		return
	}
	if s.spill == nil {
		f, err := os.CreateTemp("", "tcpmortem-flows-*.jsonl")
		if err != nil {
			s.noSpill = true
			return
		}
		os.Remove(f.Name()) // gone when closed, even if the run is killed
		s.spill = f
	}
	// Flows already written go too: held is written as it is, with no copy. A
	// megabyte at a time: here, writes of 4 MiB cost the kernel more per byte.
	for i := 0; i < len(s.held); i += jsonWriteBytes {
		part := s.held[i:min(i+jsonWriteBytes, len(s.held))]
		if _, err := s.spill.WriteAt(part, s.spillAt+int64(i)); err != nil {
			s.noSpill = true // what was written past spillAt is never read
			return
		}
	}
	s.spillAt += int64(len(s.held))
	s.held = s.held[:0]
	s.heldLive = 0
}

// drain writes the flows that waited for the ones just written.
func (s *JSONStream) drain() {
	for s.err == nil && s.first < len(s.waiting) {
		h := s.waiting[s.first]
		if h.n == 0 {
			return
		}
		if h.n > 0 {
			s.writeHeld(h)
		}
		s.advance()
	}
}

// writeHeld writes a flow that waited, from held or the temporary file.
func (s *JSONStream) writeHeld(h heldFlow) {
	s.startLine()
	if h.at >= s.spillAt {
		i := h.at - s.spillAt
		s.out = append(s.out, s.held[i:i+int64(h.n)]...)
		if s.heldLive--; s.heldLive == 0 {
			s.held = s.held[:0]
		}
	} else {
		// Read straight into the output buffer: one read per flow. (Reading a block at a
		// time would read each block many times over: flows finish in an order far from
		// their IDs', so the ones drained one after the other lie all over the file.)
		n := len(s.out)
		s.out = slices.Grow(s.out, h.n)[:n+h.n]
		if _, err := s.spill.ReadAt(s.out[n:], h.at); err != nil {
			s.out = s.out[:n]
			s.err = err
			return
		}
	}
	s.endLine()
}

// encode writes v as JSON, indented as a member at the given depth ("": one line).
func (s *JSONStream) encode(v any, prefix string) ([]byte, error) {
	s.buf.Reset()
	if prefix == "" {
		s.enc.SetIndent("", "")
	} else {
		s.enc.SetIndent(prefix, "  ")
	}
	if err := s.enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(s.buf.Bytes(), "\n"), nil
}

// write writes a flow at once, appended by add straight into the output buffer.
func (s *JSONStream) write(add func([]byte) ([]byte, error)) {
	n := len(s.out)
	s.startLine()
	var err error
	if s.out, err = add(s.out); err != nil {
		s.out = s.out[:n]
		s.err = err
		return
	}
	s.endLine()
}

// startLine starts a flow's line: the document's head before the first.
func (s *JSONStream) startLine() {
	if !s.started {
		s.out = append(s.out, "{\n  \"flows\": [\n    "...)
		s.started = true
	} else {
		s.out = append(s.out, ",\n    "...)
	}
}

// endLine counts the flow just appended and writes the output buffer once it is full.
func (s *JSONStream) endLine() {
	s.flows++
	if len(s.out) >= jsonWriteBytes {
		s.flush()
	}
}

func (s *JSONStream) flush() {
	if s.err == nil {
		_, s.err = s.w.Write(s.out)
	}
	s.out = s.out[:0]
}

// Finish writes the flows still held (those whose earlier IDs never came) and the
// rest of the document from the run's Result.
func (s *JSONStream) Finish(r *analyzer.Result) error {
	if s.bg != nil {
		s.bg.finish()
	}
	defer func() {
		if s.spill != nil {
			s.spill.Close()
		}
	}()
	for ; s.err == nil && s.first < len(s.waiting); s.first++ {
		if h := s.waiting[s.first]; h.n > 0 {
			s.writeHeld(h)
		}
	}
	if s.err != nil {
		return s.err
	}
	if !s.started {
		s.out = append(s.out, "{\n  \"flows\": [],\n"...)
	} else {
		s.out = append(s.out, "\n  ],\n"...)
	}
	member := func(name string, v any, last bool) {
		if s.err != nil {
			return
		}
		b, err := s.encode(v, "  ")
		if err != nil {
			s.err = err
			return
		}
		s.out = append(s.out, "  \""+name+"\": "...)
		s.out = append(s.out, b...)
		if !last {
			s.out = append(s.out, ',')
		}
		s.out = append(s.out, '\n')
	}
	member("inputs", r.Inputs, false)
	member("findings", r.Findings, false)
	member("timeline", r.Timeline, false)
	member("summary", r.Summary, true)
	if s.err != nil {
		return s.err
	}
	s.out = append(s.out, "}\n"...)
	s.flush()
	return s.err
}
