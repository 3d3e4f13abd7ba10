package report

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/tcpmortem/tcpmortem/analyzer"
)

func init() {
	Register("markdown", Markdown)
}

// mdWorstFlows bounds how many flows the Markdown report draws in full.
const mdWorstFlows = 10

// Markdown writes a section to paste into a postmortem: a summary paragraph, the
// findings with their numbers and what to check next, the verdict table, the worst
// flows with their Wireshark filters and packet ladders, and how to reproduce it.
// Never coloured. Text from the capture is escaped, so it cannot turn into markup.
func Markdown(w io.Writer, r *analyzer.Result, _ Options) error {
	mw := &errWriter{w: w}
	p := newPalette(false)
	mw.printf("## TCP postmortem: how the connections ended\n\n")
	mdSummary(mw, r)
	mdFindings(mw, r)
	mdVerdicts(mw, r)
	mdFlows(mw, r, p)
	mdReproduce(mw, r)
	return mw.err
}

func mdSummary(w *errWriter, r *analyzer.Result) {
	s := r.Summary
	var files []string
	for _, in := range r.Inputs {
		kind := in.Format
		if in.Compression != "" {
			kind += "+" + in.Compression
		}
		desc := fmt.Sprintf("%s (%s, %s, %s", mdCode(in.Name), kind, mdText(strings.Join(in.LinkTypes, ", ")), plural(in.Packets, "packet"))
		if in.Truncated {
			desc += ", **truncated**"
		}
		files = append(files, desc+")")
	}
	w.printf("**Captures:** %s.", strings.Join(files, "; "))
	if !s.Start.IsZero() {
		w.printf(" **Time span:** %s → %s (%s).", s.Start.Format("2006-01-02 15:04:05.000"),
			s.End.Format("15:04:05.000 MST"), humanDur(s.End.Sub(s.Start)))
	}
	w.printf(" **Flows:** %s", plural(s.Flows, "TCP connection"))
	if matched(r) != r.Total {
		w.printf(" (%d shown: the others do not match the --host, --port or --verdict filters)", matched(r))
	}
	w.printf(".")
	// the worst verdicts: those of the two highest severities present
	bySev := map[analyzer.Severity][]string{}
	var sevs []analyzer.Severity
	for _, v := range analyzer.AllVerdicts {
		n := s.Verdicts[v]
		sev := analyzer.SeverityOf(v)
		if n == 0 || sev == analyzer.SevOK {
			continue
		}
		if bySev[sev] == nil {
			sevs = append(sevs, sev)
		}
		bySev[sev] = append(bySev[sev], fmt.Sprintf("%d `%s`", n, v))
	}
	sort.SliceStable(sevs, func(i, j int) bool { return sevs[i].Rank() > sevs[j].Rank() })
	if len(sevs) > 2 {
		sevs = sevs[:2]
	}
	if len(sevs) == 0 && s.Flows > 0 {
		w.printf(" Every connection ended normally or is still open and active.")
	}
	for i, sev := range sevs {
		lead := " Worst:"
		if i > 0 {
			lead = ";"
		}
		w.printf("%s %s (%s)", lead, strings.Join(bySev[sev], ", "), sev)
	}
	if len(sevs) > 0 {
		w.printf(".")
	}
	if len(r.Findings) > 0 {
		w.printf(" %s across flows, below.", plural(len(r.Findings), "finding"))
	}
	w.printf("\n\n")
	if note := TunnelNote(s); note != "" {
		w.printf("**Inside tunnels:** %s\n\n", mdText(note))
	}
	if note := ReassemblyNote(s); note != "" {
		w.printf("%s\n\n", mdText(note))
	}
	for _, warn := range s.Warnings {
		w.printf("> **Warning:** %s\n\n", mdText(warn))
	}
}

func mdFindings(w *errWriter, r *analyzer.Result) {
	if len(r.Findings) == 0 {
		return
	}
	w.printf("### Findings\n\n")
	for i, f := range r.Findings {
		w.printf("%d. **%s** `%s`", i+1, f.Severity, f.Kind)
		if f.Endpoint != "" {
			w.printf(" at %s", mdCode(f.Endpoint))
		}
		w.printf(": %s\n", mdText(f.Summary))
		if len(f.Numbers) > 0 {
			keys := make([]string, 0, len(f.Numbers))
			for k := range f.Numbers {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			parts := make([]string, len(keys))
			for j, k := range keys {
				parts[j] = fmt.Sprintf("%s=%s", k, fmtNumber(f.Numbers[k]))
			}
			w.printf("   - Numbers: %s\n", mdCode(strings.Join(parts, " ")))
		}
		if len(f.Flows) > 0 {
			w.printf("   - Flows: %s\n", idList(f.Flows, 12))
		}
		if len(f.Frames) > 0 {
			var frames []string
			for j, e := range f.Frames {
				if j == 8 {
					frames = append(frames, fmt.Sprintf("… %d more", len(f.Frames)-j))
					break
				}
				at := fmt.Sprint(e.Frame)
				if e.File != "" {
					at = e.File + ":" + at
				}
				frames = append(frames, mdText(at+" "+e.What))
			}
			w.printf("   - Frames: %s\n", strings.Join(frames, "; "))
		}
		if f.Next != "" {
			w.printf("   - **Check next:** %s\n", mdText(f.Next))
		}
	}
	w.printf("\n")
}

// fmtNumber prints a finding's figure without float noise.
func fmtNumber(x float64) string {
	if x == float64(int64(x)) {
		return fmt.Sprint(int64(x))
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.6f", x), "0"), ".")
}

// idList prints flow IDs as #1, #2, … with at most max of them.
func idList(ids []int, max int) string {
	var parts []string
	for i, id := range ids {
		if i == max {
			parts = append(parts, fmt.Sprintf("… %d more", len(ids)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("#%d", id))
	}
	return strings.Join(parts, ", ")
}

func mdVerdicts(w *errWriter, r *analyzer.Result) {
	w.printf("### Verdicts\n\n")
	if r.Summary.Flows == 0 {
		w.printf("No TCP connection in the capture.\n\n")
		return
	}
	w.printf("| Verdict | Severity | Flows | Share |\n| --- | --- | ---: | ---: |\n")
	for _, v := range analyzer.AllVerdicts {
		n := r.Summary.Verdicts[v]
		if n == 0 {
			continue
		}
		w.printf("| `%s` | %s | %d | %.0f%% |\n", v, analyzer.SeverityOf(v), n, 100*float64(n)/float64(r.Summary.Flows))
	}
	w.printf("| **all** | | **%d** | |\n\n", r.Summary.Flows)
}

// worstFlows are the flows that did not end well, the most severe first (then by ID),
// at most max of them.
func worstFlows(r *analyzer.Result, max int) []*analyzer.Flow {
	var out []*analyzer.Flow
	for i := range r.Flows {
		if r.Flows[i].Severity != analyzer.SevOK {
			out = append(out, &r.Flows[i])
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Severity.Rank() > out[j].Severity.Rank() })
	if max > 0 && len(out) > max {
		out = out[:max]
	}
	return out
}

func mdFlows(w *errWriter, r *analyzer.Result, p palette) {
	worst := worstFlows(r, mdWorstFlows)
	problems := wanted(r) - len(r.Flows) // problem flows the run did not keep in full
	for i := range r.Flows {
		if r.Flows[i].Severity != analyzer.SevOK {
			problems++
		}
	}
	if len(worst) == 0 {
		return
	}
	w.printf("### Worst flows\n\n")
	if problems > len(worst) {
		w.printf("The %d most severe of %d flows that did not end well.\n\n", len(worst), problems)
	}
	for _, f := range worst {
		w.printf("#### #%d `%s`: %s → %s\n\n", f.ID, f.Verdict, mdCode(f.Client), mdCode(f.Server))
		w.printf("%s\n\n", mdText(f.Summary))
		where := frameSpan(f)
		w.printf("- Severity: %s; %s; %s; %d packets (%d from the client, %d from the server)\n", f.Severity,
			mdText(where), humanDur(time.Duration(f.Duration*float64(time.Second))),
			f.Packets.Client+f.Packets.Server, f.Packets.Client, f.Packets.Server)
		if f.Close != f.Verdict {
			w.printf("- TCP close: `%s`\n", f.Close)
		}
		w.printf("- Wireshark filter: %s\n", mdCode(f.WiresharkFilter))
		if f.Tunnel != "" {
			w.printf("- Inside: %s\n", mdText(f.Tunnel))
		}
		w.printf("- Zeek: conn_state %s, history %s\n\n", mdCode(f.ZeekConnState), mdCode(f.ZeekHistory))
		var b bytes.Buffer
		bw := &errWriter{w: &b}
		textApp(bw, f, p)
		textLadder(bw, f, r.Idle, p, false)
		if b.Len() > 0 {
			body := b.String()
			fence := "```"
			for strings.Contains(body, fence) {
				fence += "`"
			}
			w.printf("%s\n%s%s\n\n", fence, body, fence)
		}
	}
}

func mdReproduce(w *errWriter, r *analyzer.Result) {
	w.printf("### How to reproduce\n\n%s", mdCode(reproduce(r, "markdown")))
	if matched(r) != r.Total {
		w.printf(" with the same --host, --port and --verdict filters")
	}
	w.printf("; every packet of one flow: %s.\n", mdCode("tcpmortem flow FILE... --id N"))
}

// reproduce is the command line that renders r again in format (the filters that
// made r, if any, are not in the Result: callers say so).
func reproduce(r *analyzer.Result, format string) string {
	args := []string{"tcpmortem", "analyze", "--format", format}
	if r.Idle > 0 && r.Idle != time.Second {
		args = append(args, "--idle", r.Idle.String())
	}
	for _, in := range r.Inputs {
		args = append(args, shellQuote(in.Name))
	}
	return strings.Join(args, " ")
}

// shellQuote quotes a word for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_./:=@%+,", r)))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// mdText escapes text from the capture (paths, hosts, banners) so Markdown shows it as
// written: no emphasis, links (autolinks included), HTML or table cells come out of it. Underscores inside
// words (CLOSE_WAIT) stay as they are: they never make emphasis.
func mdText(s string) string {
	var b strings.Builder
	rs := []rune(s)
	word := func(i int) bool {
		return i >= 0 && i < len(rs) && (unicode.IsLetter(rs[i]) || unicode.IsDigit(rs[i]))
	}
	for i, r := range rs {
		switch {
		case r == '\n' || r == '\r':
			b.WriteRune(' ')
			continue
		case r == '_' && word(i-1) && word(i+1):
		case r == ':' && i+2 < len(rs) && rs[i+1] == '/' && rs[i+2] == '/':
			// http://… would become a link (GFM autolinks)
			b.WriteByte('\\')
		case r == '.' && i >= 3 && strings.EqualFold(string(rs[i-3:i]), "www") && !word(i-4):
			b.WriteByte('\\')
		case strings.ContainsRune("\\`*_[]<>|#!~&", r):
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdCode puts s in a code span, with a run of backticks longer than any inside it.
func mdCode(s string) string {
	s = strings.NewReplacer("\n", " ", "\r", " ").Replace(s)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}
