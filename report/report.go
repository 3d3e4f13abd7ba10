// Package report renders an analyzer.Result: text for the terminal, JSON for scripts.
// It only renders; every verdict and number comes from the analyzer.
package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/tcpmortem/tcpmortem/analyzer"
)

// Options are the rendering choices the command line makes.
type Options struct {
	Color bool // ANSI colour (only on a terminal, never with NO_COLOR)
	All   bool // text: list every flow, not only the problems
	// Limit bounds the flow blocks the text report draws (0: no bound); the most
	// severe come first, the rest are counted.
	Limit int
}

// Renderer writes one Result in one format.
type Renderer func(w io.Writer, r *analyzer.Result, o Options) error

var renderers = map[string]Renderer{
	"text": Text,
	"json": JSON,
}

// Register adds a format (later formats plug in here without touching the rest).
func Register(name string, r Renderer) { renderers[name] = r }

// Formats lists the registered format names, sorted.
func Formats() []string {
	var names []string
	for n := range renderers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Render writes r in the named format.
func Render(w io.Writer, format string, r *analyzer.Result, o Options) error {
	fn, ok := renderers[format]
	if !ok {
		return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats(), ", "))
	}
	return fn(w, r, o)
}
