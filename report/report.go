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

// Drawn says which full flow results a format draws, for analyzer.Options.Retain and
// Want: the text report the --limit most severe problem flows (all flows with --all),
// Markdown its worst flows, HTML its table's rows. A run keeps only those in full.
func Drawn(format string, o Options) (retain int, want func(*analyzer.Flow) bool) {
	problem := func(f *analyzer.Flow) bool { return f.Severity != analyzer.SevOK }
	switch format {
	case "markdown":
		return mdWorstFlows, problem
	case "html":
		return htmlMaxRows, nil
	case "text":
		if o.All {
			return o.Limit, nil
		}
		return o.Limit, problem
	}
	return 0, nil
}

// matched is how many flows passed the --host, --port and --verdict filters: the
// Result may list only some of them in full.
func matched(r *analyzer.Result) int { return max(r.Matched, len(r.Flows)) }

// wanted is how many of those the format would draw, were there no bound.
func wanted(r *analyzer.Result) int { return max(r.Wanted, len(r.Flows)) }

// frameSpan is where a flow's packets are, as Wireshark numbers them: "frames 4–17",
// naming the input when there are several, and both inputs when the flow runs from one
// into the next (a capture rotated with tcpdump -C or -G: each file numbers from 1).
func frameSpan(f *analyzer.Flow) string {
	switch {
	case len(f.Files) <= 1:
		return fmt.Sprintf("frames %d–%d", f.FirstFrame, f.LastFrame)
	case f.LastFile == "" || f.LastFile == f.File:
		return fmt.Sprintf("frames %d–%d of %s", f.FirstFrame, f.LastFrame, f.File)
	}
	return fmt.Sprintf("frame %d of %s to frame %d of %s", f.FirstFrame, f.File, f.LastFrame, f.LastFile)
}
