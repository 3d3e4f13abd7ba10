package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"sort"

	"github.com/tcpmortem/tcpmortem/analyzer"
)

// JSON writes a finished Result as one JSON document: the contract of
// ../shared/VERDICTS.md. The analyze command streams the same bytes with JSONStream.
func JSON(w io.Writer, r *analyzer.Result, _ Options) error {
	s := NewJSONStream(w)
	for i := range r.Flows {
		s.write(&r.Flows[i]) // already in ID order, and perhaps filtered: no reordering
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
type JSONStream struct {
	bw      *bufio.Writer
	buf     bytes.Buffer
	enc     *json.Encoder
	flowBuf []byte // one flow's line, reused
	started bool
	flows   int // flows written
	err     error

	holdBytes int            // jsonHoldBytes, smaller in tests
	next      int            // the ID the document waits for
	held      map[int][]byte // encoded flows waiting for an earlier ID
	heldLen   int            // bytes in held
	skipped   []uint64       // IDs not in the document, a bit each
	spill     *os.File       // where held flows go past jsonHoldBytes
	spilled   []spillRef     // and where each is in it, by ID (n 0: not spilled)
	nSpilled  int
	spillAt   int64
	readBuf   []byte // a spilled flow read back
	noSpill   bool   // no temporary file: hold in memory
}

type spillRef struct {
	off int64
	n   int
}

// jsonHoldBytes bounds the encoded flows held in memory for reordering.
const jsonHoldBytes = 4 << 20

// NewJSONStream starts a document on w.
func NewJSONStream(w io.Writer) *JSONStream {
	s := &JSONStream{bw: bufio.NewWriterSize(w, 1<<20), next: 1, held: map[int][]byte{},
		holdBytes: jsonHoldBytes}
	s.enc = json.NewEncoder(&s.buf)
	s.enc.SetEscapeHTML(false) // filters keep their && as typed, ready to paste
	return s
}

// Flow takes a flow as it is judged (fit for analyzer.Options.OnFlow).
func (s *JSONStream) Flow(f *analyzer.Flow) {
	if s.err != nil {
		return
	}
	if f.ID == s.next {
		s.write(f)
		s.next++
		s.drain()
		return
	}
	line, err := s.encodeFlow(f)
	if err != nil {
		s.err = err
		return
	}
	s.hold(f.ID, bytes.Clone(line))
}

// Skip says the flow with this ID is not in the document (fit for
// analyzer.Options.OnSkip): later flows need not wait for it.
func (s *JSONStream) Skip(id int) {
	if id == s.next {
		s.next++
		s.drain()
		return
	}
	for len(s.skipped) <= id/64 {
		s.skipped = append(s.skipped, 0)
	}
	s.skipped[id/64] |= 1 << (id % 64)
}

func (s *JSONStream) isSkipped(id int) bool {
	return id/64 < len(s.skipped) && s.skipped[id/64]&(1<<(id%64)) != 0
}

func (s *JSONStream) hold(id int, line []byte) {
	s.held[id] = line
	s.heldLen += len(line) + 64 // the map entry too
	if s.heldLen > s.holdBytes {
		s.spillHeld()
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
	ids := make([]int, 0, len(s.held))
	for id := range s.held {
		ids = append(ids, id)
	}
	sort.Ints(ids) // read back in this order: sequential on disk
	w := bufio.NewWriterSize(io.NewOffsetWriter(s.spill, s.spillAt), 1<<20)
	at := s.spillAt
	for _, id := range ids {
		w.Write(s.held[id])
	}
	if err := w.Flush(); err != nil {
		s.noSpill = true // what was written past spillAt is never read
		return
	}
	for _, id := range ids {
		line := s.held[id]
		for len(s.spilled) <= id {
			s.spilled = append(s.spilled, spillRef{})
		}
		s.spilled[id] = spillRef{at, len(line)}
		s.nSpilled++
		at += int64(len(line))
		delete(s.held, id)
	}
	s.spillAt = at
	s.heldLen = 0
}

// drain writes the flows that waited for the ones just written.
func (s *JSONStream) drain() {
	for s.err == nil {
		if s.isSkipped(s.next) {
			s.skipped[s.next/64] &^= 1 << (s.next % 64)
		} else if line, ok := s.held[s.next]; ok {
			delete(s.held, s.next)
			s.heldLen -= len(line) + 64
			s.line(line)
		} else if s.next < len(s.spilled) && s.spilled[s.next].n > 0 {
			ref := s.spilled[s.next]
			s.spilled[s.next] = spillRef{}
			s.nSpilled--
			if cap(s.readBuf) < ref.n {
				s.readBuf = make([]byte, ref.n)
			}
			b := s.readBuf[:ref.n]
			if _, err := s.spill.ReadAt(b, ref.off); err != nil {
				s.err = err
				return
			}
			s.line(b)
		} else {
			return
		}
		s.next++
	}
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

func (s *JSONStream) write(f *analyzer.Flow) {
	line, err := s.encodeFlow(f)
	if err != nil {
		s.err = err
		return
	}
	s.line(line)
}

// encodeFlow writes a flow as one line of JSON, the bytes encoding/json would write,
// by hand (jsonflow.go), into a buffer reused from flow to flow: valid until the next call.
func (s *JSONStream) encodeFlow(f *analyzer.Flow) ([]byte, error) {
	var err error
	s.flowBuf, err = appendFlowErr(s.flowBuf[:0], f)
	return s.flowBuf, err
}

func (s *JSONStream) line(b []byte) {
	if !s.started {
		s.bw.WriteString("{\n  \"flows\": [\n    ")
		s.started = true
	} else {
		s.bw.WriteString(",\n    ")
	}
	if _, err := s.bw.Write(b); err != nil && s.err == nil {
		s.err = err
	}
	s.flows++
}

// Finish writes the flows still held (those whose earlier IDs never came) and the
// rest of the document from the run's Result.
func (s *JSONStream) Finish(r *analyzer.Result) error {
	defer func() {
		if s.spill != nil {
			s.spill.Close()
		}
	}()
	for s.err == nil && (len(s.held) > 0 || s.nSpilled > 0) {
		next := -1
		for id := range s.held {
			if next < 0 || id < next {
				next = id
			}
		}
		for id := s.next; id < len(s.spilled) && (next < 0 || id < next); id++ {
			if s.spilled[id].n > 0 {
				next = id
				break
			}
		}
		s.next = next
		s.drain()
	}
	if s.err != nil {
		return s.err
	}
	if !s.started {
		s.bw.WriteString("{\n  \"flows\": [],\n")
	} else {
		s.bw.WriteString("\n  ],\n")
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
		s.bw.WriteString("  \"" + name + "\": ")
		s.bw.Write(b)
		if !last {
			s.bw.WriteByte(',')
		}
		s.bw.WriteByte('\n')
	}
	member("inputs", r.Inputs, false)
	member("findings", r.Findings, false)
	member("timeline", r.Timeline, false)
	member("summary", r.Summary, true)
	if s.err != nil {
		return s.err
	}
	s.bw.WriteString("}\n")
	return s.bw.Flush()
}
