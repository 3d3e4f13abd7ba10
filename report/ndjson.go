package report

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/tcpmortem/tcpmortem/analyzer"
)

func init() {
	Register("ndjson", NDJSON)
}

// NDJSONStream writes newline-delimited JSON as a run goes: one line per flow (the same
// object as a flow of the JSON format), written the moment the flow is judged, then one
// final line {"summary": ..., "findings": [...], "inputs": [...]}. Nothing is held back:
// each line is one Write, so a pipe into jq sees flows while the capture is still read.
type NDJSONStream struct {
	w     io.Writer
	err   error
	flows int
	buf   []byte
}

// NewNDJSONStream starts a stream on w.
func NewNDJSONStream(w io.Writer) *NDJSONStream { return &NDJSONStream{w: w} }

// Flow writes one flow's line; fit for analyzer.Options.OnFlow. After the first write
// error (a closed pipe) it writes nothing more; Err and Finish report that error.
func (s *NDJSONStream) Flow(f *analyzer.Flow) {
	if s.err != nil {
		return
	}
	// The same encoder as the JSON document's flows: the same bytes (filters keep
	// their && as typed), without reflection.
	b, err := appendFlowErr(s.buf[:0], f)
	if err != nil {
		s.err = err
		return
	}
	s.buf = append(b, '\n')
	_, s.err = s.w.Write(s.buf)
	s.flows++
}

// Flows is how many flow lines were written.
func (s *NDJSONStream) Flows() int { return s.flows }

// Err is the first write error, if any.
func (s *NDJSONStream) Err() error { return s.err }

// ndjsonTail is the last line: what a run knows only at its end.
type ndjsonTail struct {
	Summary  analyzer.Summary   `json:"summary"`
	Findings []analyzer.Finding `json:"findings"`
	Inputs   []analyzer.Input   `json:"inputs"`
}

// Finish writes the final line from the run's Result (its flows were streamed already).
func (s *NDJSONStream) Finish(r *analyzer.Result) error {
	t := ndjsonTail{Summary: r.Summary, Findings: r.Findings, Inputs: r.Inputs}
	if t.Findings == nil {
		t.Findings = []analyzer.Finding{}
	}
	if t.Inputs == nil {
		t.Inputs = []analyzer.Input{}
	}
	s.line(t)
	return s.err
}

func (s *NDJSONStream) line(v any) {
	if s.err != nil {
		return
	}
	b, err := marshalNoEscape(v)
	if err != nil {
		s.err = err
		return
	}
	_, s.err = s.w.Write(append(b, '\n'))
}

// marshalNoEscape is json.Marshal without HTML escaping, as the JSON document writes.
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// NDJSON renders a finished Result as the stream would have: every flow's line, then
// the final line. (The analyze command streams instead, through NDJSONStream.)
func NDJSON(w io.Writer, r *analyzer.Result, _ Options) error {
	s := NewNDJSONStream(w)
	for i := range r.Flows {
		s.Flow(&r.Flows[i])
	}
	return s.Finish(r)
}
