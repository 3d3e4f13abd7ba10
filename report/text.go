package report

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fatih/color"

	"github.com/tcpmortem/tcpmortem/analyzer"
	"github.com/tcpmortem/tcpmortem/flows"
)

// palette holds the colours of one rendering; all plain when colour is off.
type palette struct {
	sev    map[analyzer.Severity]*color.Color
	bold   *color.Color
	dim    *color.Color
	client *color.Color
	server *color.Color
}

func newPalette(on bool) palette {
	mk := func(a ...color.Attribute) *color.Color {
		c := color.New(a...)
		if on {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	return palette{
		sev: map[analyzer.Severity]*color.Color{
			analyzer.SevError: mk(color.FgRed, color.Bold),
			analyzer.SevWarn:  mk(color.FgYellow),
			analyzer.SevInfo:  mk(color.FgCyan),
			analyzer.SevOK:    mk(color.FgGreen),
		},
		bold:   mk(color.Bold),
		dim:    mk(color.Faint),
		client: mk(color.FgBlue),
		server: mk(color.FgMagenta),
	}
}

// Text writes the report a person reads in the terminal: the header, the findings, the
// verdict table, then one block per problem flow with the packets that prove its verdict.
func Text(w io.Writer, r *analyzer.Result, o Options) error {
	p := newPalette(o.Color)
	tw := &errWriter{w: w}
	textHeader(tw, r, p)
	textFindings(tw, r, p)
	textVerdicts(tw, r, p)
	// The run may have kept only the flows this report draws (report.Drawn): the
	// others are counted from what it says it matched and wanted.
	hidden := matched(r) - wanted(r) // flows that ended well, never kept
	var shown []*analyzer.Flow
	for i := range r.Flows {
		f := &r.Flows[i]
		if !o.All && f.Severity == analyzer.SevOK {
			hidden++
			continue
		}
		shown = append(shown, f)
	}
	over := wanted(r) - len(r.Flows) // problem flows beyond the bound, never kept
	if o.Limit > 0 && len(shown) > o.Limit {
		// A big capture has thousands of problem flows: draw the most severe, in
		// flow order within a severity, and count the rest.
		sort.SliceStable(shown, func(i, j int) bool { return shown[i].Severity.Rank() > shown[j].Severity.Rank() })
		over += len(shown) - o.Limit
		shown = shown[:o.Limit]
		sort.SliceStable(shown, func(i, j int) bool { return shown[i].ID < shown[j].ID })
	}
	for _, f := range shown {
		textFlow(tw, f, r.Idle, p)
	}
	if matched(r) == 0 && r.Total > 0 {
		tw.printf("\nNo flow matches the filters (%d flows in all).\n", r.Total)
	}
	if over > 0 {
		tw.printf("\n%d more flows are not drawn (--limit 0 draws them all; --verdict, --port, --host narrow the list).\n", over)
	}
	if hidden > 0 {
		tw.printf("\n%d flows that ended normally are not listed (--all lists them).\n", hidden)
	}
	return tw.err
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, a ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, a...)
	}
}

func textHeader(w *errWriter, r *analyzer.Result, p palette) {
	s := r.Summary
	span := s.End.Sub(s.Start)
	w.printf("%s %s, %d packets, %d TCP flows", p.bold.Sprint("tcpmortem:"), plural(len(r.Inputs), "file"), s.Packets, s.Flows)
	if !s.Start.IsZero() {
		w.printf(", %s → %s (%s)", s.Start.Format("2006-01-02 15:04:05.000"), s.End.Format("15:04:05.000 MST"), humanDur(span))
	}
	w.printf("\n")
	for _, in := range r.Inputs {
		kind := in.Format
		if in.Compression != "" {
			kind += "+" + in.Compression
		}
		w.printf("  %s  %s  %s  %d packets", in.Name, kind, strings.Join(in.LinkTypes, ", "), in.Packets)
		if in.Truncated {
			w.printf("  %s", p.sev[analyzer.SevWarn].Sprint("(truncated)"))
		}
		w.printf("\n")
	}
	if len(s.Skipped) > 0 {
		w.printf("  not TCP or not analysed: %s\n", countList(s.Skipped))
	}
	if note := TunnelNote(s); note != "" {
		w.printf("  inside tunnels: %s\n", note)
	}
	if note := ReassemblyNote(s); note != "" {
		w.printf("  %s\n", note)
	}
	for _, warn := range s.Warnings {
		w.printf("  %s %s\n", p.sev[analyzer.SevWarn].Sprint("warning:"), warn)
	}
}

func textVerdicts(w *errWriter, r *analyzer.Result, p palette) {
	if r.Summary.Flows == 0 {
		w.printf("\nNo TCP connection in the capture.\n")
		return
	}
	w.printf("\n%s\n", p.bold.Sprint("Verdicts"))
	for _, v := range analyzer.AllVerdicts {
		n := r.Summary.Verdicts[v]
		if n == 0 {
			continue
		}
		sev := analyzer.SeverityOf(v)
		w.printf("  %s  %-24s %6d\n", p.sev[sev].Sprintf("%-5s", sev), v, n)
	}
}

func textFindings(w *errWriter, r *analyzer.Result, p palette) {
	if len(r.Findings) == 0 {
		return
	}
	w.printf("\n%s\n", p.bold.Sprint("Findings"))
	for _, f := range r.Findings {
		w.printf("  %s %s\n", p.sev[f.Severity].Sprintf("[%s]", f.Kind), f.Summary)
		if len(f.Frames) > 0 {
			var fr []string
			for _, e := range f.Frames {
				at := fmt.Sprintf("frame %d", e.Frame)
				if e.File != "" {
					at = e.File + " " + at
				}
				fr = append(fr, fmt.Sprintf("%s (%s)", at, e.What))
			}
			w.printf("      %s %s\n", p.dim.Sprint("see:"), strings.Join(fr, "; "))
		}
		if f.Next != "" {
			w.printf("      check next: %s\n", f.Next)
		}
	}
}

func textFlow(w *errWriter, f *analyzer.Flow, idle time.Duration, p palette) {
	textFlowBlock(w, f, idle, p, false)
}

// textFlowBlock draws one flow; full is `tcpmortem flow`'s form (column heads naming
// the endpoints, evidence frames starred).
func textFlowBlock(w *errWriter, f *analyzer.Flow, idle time.Duration, p palette, full bool) {
	sev := p.sev[f.Severity]
	w.printf("\n%s %s  %s → %s  %s",
		p.bold.Sprintf("#%d", f.ID), sev.Sprint(f.Verdict), f.Client, f.Server, frameSpan(f))
	w.printf("  %s\n", p.dim.Sprintf("(%s, %s)", f.Severity, humanDur(time.Duration(f.Duration*float64(time.Second)))))
	w.printf("  %s\n", f.Summary)
	if f.Close != f.Verdict {
		w.printf("  close: %s\n", f.Close)
	}
	w.printf("  %s %s   %s %s %s\n", p.dim.Sprint("wireshark:"), f.WiresharkFilter, p.dim.Sprint("zeek:"), f.ZeekConnState, f.ZeekHistory)
	if f.Tunnel != "" {
		w.printf("  %s %s\n", p.dim.Sprint("inside:"), f.Tunnel)
	}
	textApp(w, f, p)
	textLadder(w, f, idle, p, full)
}

// TextFlow writes one flow as `tcpmortem flow` shows it: the verdict and summary on
// top, then f.Ladder (there: every packet of the flow) under client and server
// columns, the evidence frames marked with a star.
func TextFlow(w io.Writer, f *analyzer.Flow, idle time.Duration, o Options) error {
	p := newPalette(o.Color)
	tw := &errWriter{w: w}
	textFlowBlock(tw, f, idle, p, true)
	return tw.err
}

// maxExchanges bounds the HTTP exchanges a flow block lists (the first and the last).
const maxExchanges = 6

// textApp says what the application layer saw: the protocol's facts and the HTTP
// exchanges with their waits.
func textApp(w *errWriter, f *analyzer.Flow, p palette) {
	if f.Protocol == "" || f.App == nil {
		return
	}
	a := f.App
	var facts []string
	if a.Protocol == "" {
		facts = append(facts, "by port only")
	}
	if t := a.TLS; t != nil {
		if t.SNI != "" {
			facts = append(facts, "SNI "+t.SNI)
		}
		if t.Version != "" {
			facts = append(facts, "offers "+t.Version)
		}
		if t.ServerHello {
			facts = append(facts, fmt.Sprintf("ServerHello in frame %d", t.ServerHelloFrame))
		} else if t.ClientHello {
			facts = append(facts, "no ServerHello")
		}
	}
	if s := a.SSH; s != nil {
		if s.ClientBanner != "" {
			facts = append(facts, fmt.Sprintf("client %q", s.ClientBanner))
		}
		if s.ServerBanner != "" {
			facts = append(facts, fmt.Sprintf("server %q", s.ServerBanner))
		} else {
			facts = append(facts, "no server banner")
		}
	}
	if m := a.MySQL; m != nil {
		if m.Greeting {
			facts = append(facts, fmt.Sprintf("greeting in frame %d, server %s", m.GreetingFrame, m.ServerVersion))
		} else {
			facts = append(facts, "no greeting")
		}
		if m.Login {
			facts = append(facts, fmt.Sprintf("login in frame %d", m.LoginFrame))
		}
	}
	if u := a.Uncaptured[0] + a.Uncaptured[1]; u > 0 {
		// What follows rests on the captured bytes only: a request past the cut is
		// missing from the exchanges, not unanswered.
		facts = append(facts, fmt.Sprintf("snaplen cut %d of its %d payload bytes", u, a.Bytes[0]+a.Bytes[1]))
	}
	line := "protocol: " + f.Protocol
	if len(facts) > 0 {
		line += " (" + strings.Join(facts, ", ") + ")"
	}
	w.printf("  %s\n", p.dim.Sprint(line))
	for i, e := range f.HTTP {
		if len(f.HTTP) > maxExchanges && i == maxExchanges/2 {
			w.printf("  %s\n", p.dim.Sprintf("    … %d exchanges …", len(f.HTTP)-maxExchanges))
		}
		if len(f.HTTP) > maxExchanges && i >= maxExchanges/2 && i < len(f.HTTP)-maxExchanges/2 {
			continue
		}
		req := strings.TrimSpace(e.Method + " " + e.Path)
		switch {
		case e.Answered() && e.RequestFrame == 0:
			// A response whose request came before the capture began (a flow begun
			// mid-connection): no request frame, no wait to tell.
			status := "body, no status line (HTTP/0.9)"
			if e.Status != 0 {
				status = strconv.Itoa(e.Status)
			}
			w.printf("    %-40s → %s  (frame %d)\n", "(its request is not in the capture)", status, e.ResponseFrame)
		case e.Answered() && e.Status == 0: // an HTTP/0.9 answer: the body alone
			w.printf("    %-40s → body, no status line (HTTP/0.9) after %s  (frames %d → %d)\n", clip(req, 40), humanDur(e.Wait), e.RequestFrame, e.ResponseFrame)
		case e.Answered():
			w.printf("    %-40s → %d after %s  (frames %d → %d)\n", clip(req, 40), e.Status, humanDur(e.Wait), e.RequestFrame, e.ResponseFrame)
		default:
			w.printf("    %-40s → %s  (frame %d)\n", clip(req, 40), p.sev[analyzer.SevError].Sprint("no response"), e.RequestFrame)
		}
	}
}

func clip(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// textLadder draws the kept packets like an annotated tcpdump excerpt; full adds the
// endpoints over the client and server columns and stars the evidence frames.
func textLadder(w *errWriter, f *analyzer.Flow, idle time.Duration, p palette, full bool) {
	if len(f.Ladder) == 0 {
		return
	}
	// Evidence names its file only when there are several inputs; so does the key.
	type at struct {
		file  string
		frame int
	}
	notes := map[at]string{}
	for _, e := range f.Evidence {
		if e.Frame > 0 {
			k := at{e.File, e.Frame}
			if notes[k] != "" {
				notes[k] += "; "
			}
			notes[k] += e.What
		}
	}
	start := f.Start
	cols := ""
	if full {
		w.printf("  %s\n", p.dim.Sprintf("%7s %11s  client %s ──▶ server %s   (* evidence)", "", "", f.Client, f.Server))
		cols = "client    server"
	}
	w.printf("  %s\n", p.dim.Sprintf("%7s %11s  %-17s %-6s %10s %10s %6s", "frame", "time", cols, "flags", "seq", "ack", "len"))
	prev := f.Ladder[0]
	for i, s := range f.Ladder {
		if i > 0 {
			if skipped := s.Index - prev.Index - 1; skipped > 0 {
				w.printf("  %s\n", p.dim.Sprintf("%7s … %d packets …", "", skipped))
			}
			if gap := s.Time().Sub(prev.Time()); idle > 0 && gap >= idle {
				w.printf("  %s\n", p.dim.Sprintf("%7s … %s idle …", "", humanDur(gap)))
			}
		}
		arrow := p.client.Sprint("client ──────▶ ")
		if s.From == flows.FromServer {
			arrow = p.server.Sprint("       ◀────── ")
		}
		arrow += "  "
		flags := flows.FlagString(s.Flags)
		seq, ack, ln := fmt.Sprint(s.Seq), fmt.Sprint(s.Ack), fmt.Sprint(s.Len)
		if s.Notes&flows.NoteICMP != 0 {
			flags, seq, ack, ln = "ICMP", "", "", ""
		}
		if s.Flags&flows.FlagACK == 0 {
			ack = ""
		}
		frame := fmt.Sprint(s.Frame)
		if len(f.Files) > 1 {
			frame = fmt.Sprintf("%d:%d", s.File+1, s.Frame)
		}
		line := fmt.Sprintf("%7s %11s  %s%-6s %10s %10s %6s", frame, "+"+relTime(s.Time().Sub(start)), arrow, flags, seq, ack, ln)
		var tags []string
		if s.Notes != 0 {
			tags = append(tags, flows.NoteString(s.Notes))
		}
		file := ""
		if len(f.Files) > 1 {
			file = f.Files[s.File]
		}
		lead := "  "
		if n := notes[at{file, s.Frame}]; n != "" {
			tags = append(tags, n)
			if full {
				lead = p.bold.Sprint("* ")
			}
		}
		if len(tags) > 0 {
			line += "  " + p.dim.Sprint("["+strings.Join(tags, "; ")+"]")
		}
		w.printf("%s%s\n", lead, line)
		prev = s
	}
	if last := f.Ladder[len(f.Ladder)-1]; last.Frame != f.LastFrame {
		w.printf("  %s\n", p.dim.Sprintf("%7s … up to frame %d", "", f.LastFrame))
	}
}

func relTime(d time.Duration) string {
	return fmt.Sprintf("%.6f", d.Seconds())
}

// humanDur prints a duration with units, to a sensible precision.
func humanDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	case d < 100*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	default:
		return d.Round(time.Second).String()
	}
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func countList(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// most first, then by name, so the line reads the same every run
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", m[k], k)
	}
	return strings.Join(parts, ", ")
}

// TunnelNote says which TCP packets were found inside a tunnel ("" when none): the
// flows are the inner connections, and Wireshark shows them only where it decodes
// the tunnel too, which for Linux's VXLAN port may take a Decode As.
func TunnelNote(s analyzer.Summary) string {
	if len(s.Tunnelled) == 0 {
		return ""
	}
	parts := strings.Split(countList(s.Tunnelled), ", ")
	for i, p := range parts {
		n, kind, _ := strings.Cut(p, " ")
		if i == 0 {
			n += " TCP packets"
		}
		parts[i] = n + " in " + kind
	}
	note := strings.Join(parts, ", ") + "; the flows are the inner connections"
	if s.Tunnelled[flows.VXLANLinux] > 0 {
		note += "; where Wireshark shows UDP port 8472 as plain UDP, Decode As VXLAN makes the filters below match"
	}
	return note
}

// ReassemblyNote says how many IPv4 datagrams were put together from fragments ("" when
// none): their segments sit at the frame of their last fragment, as in Wireshark.
func ReassemblyNote(s analyzer.Summary) string {
	if s.ReassembledPackets == 0 {
		return ""
	}
	return fmt.Sprintf("IP fragments reassembled: %d into %s, each at the frame of its last fragment (as Wireshark shows it)",
		s.ReassembledFragments, plural(s.ReassembledPackets, "packet"))
}
