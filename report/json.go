package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"

	"github.com/tcpmortem/tcpmortem/analyzer"
)

// JSON writes the Result as one JSON document: the contract of ../shared/VERDICTS.md.
// The document is written piece by piece, one flow at a time, so a capture of hundreds
// of thousands of flows never needs the whole text in memory at once. Each flow is one
// line (as in NDJSON: grep finds a flow, and a huge capture is not padded with
// indentation); the rest is indented by two spaces.
func JSON(w io.Writer, r *analyzer.Result, _ Options) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // filters keep their && as typed, ready to paste
	// value writes v indented as a member at the given depth (no trailing newline).
	value := func(v any, prefix string) error {
		buf.Reset()
		if prefix == "" {
			enc.SetIndent("", "") // one line
		} else {
			enc.SetIndent(prefix, "  ")
		}
		if err := enc.Encode(v); err != nil {
			return err
		}
		_, err := bw.Write(bytes.TrimRight(buf.Bytes(), "\n"))
		return err
	}
	member := func(name string, v any, last bool) error {
		bw.WriteString("  \"" + name + "\": ")
		if err := value(v, "  "); err != nil {
			return err
		}
		if !last {
			bw.WriteByte(',')
		}
		return bw.WriteByte('\n')
	}
	bw.WriteString("{\n")
	if err := member("inputs", r.Inputs, false); err != nil {
		return err
	}
	if len(r.Flows) == 0 {
		bw.WriteString("  \"flows\": [],\n")
	} else {
		bw.WriteString("  \"flows\": [\n")
		for i := range r.Flows {
			bw.WriteString("    ")
			if err := value(&r.Flows[i], ""); err != nil {
				return err
			}
			if i < len(r.Flows)-1 {
				bw.WriteByte(',')
			}
			bw.WriteByte('\n')
		}
		bw.WriteString("  ],\n")
	}
	if err := member("findings", r.Findings, false); err != nil {
		return err
	}
	if err := member("timeline", r.Timeline, false); err != nil {
		return err
	}
	if err := member("summary", r.Summary, true); err != nil {
		return err
	}
	bw.WriteString("}\n")
	return bw.Flush()
}
