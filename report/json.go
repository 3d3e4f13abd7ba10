package report

import (
	"encoding/json"
	"io"

	"github.com/tcpmortem/tcpmortem/analyzer"
)

// JSON writes the Result as one JSON document: the contract of ../shared/VERDICTS.md.
func JSON(w io.Writer, r *analyzer.Result, _ Options) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // filters keep their && as typed, ready to paste
	return enc.Encode(r)
}
