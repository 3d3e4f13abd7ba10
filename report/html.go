package report

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/tcpmortem/tcpmortem/analyzer"
	"github.com/tcpmortem/tcpmortem/flows"
)

func init() {
	Register("html", HTML)
}

//go:embed html/report.html.tmpl html/report.css html/report.js
var htmlAssets embed.FS

var htmlTemplate = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"sevClass": func(s analyzer.Severity) string { return "sev-" + string(s) },
}).ParseFS(htmlAssets, "html/report.html.tmpl"))

// Bounds that keep the page usable for captures with very many flows.
const (
	htmlMaxRows    = 20000 // flow table rows
	htmlMaxLadders = 100   // flows drawn as ladders, the most severe first
	htmlMaxCharts  = 12    // socket-state charts, one per endpoint
	htmlAllLadders = 30    // up to this many flows, every flow gets a ladder
	htmlOpenLadder = 10    // ladders shown unfolded
)

// HTML writes one self-contained page that opens offline: inline CSS and vanilla JS, no
// fetch of any kind (its Content-Security-Policy forbids them, and lets no script or
// style run but the page's own, by their hashes), the socket-state
// timeline and the flows' ladders as inline SVG. Everything from the capture goes
// through html/template, which escapes it for where it lands.
func HTML(w io.Writer, r *analyzer.Result, _ Options) error {
	css, err := htmlAssets.ReadFile("html/report.css")
	if err != nil {
		return err
	}
	js, err := htmlAssets.ReadFile("html/report.js")
	if err != nil {
		return err
	}
	page := buildPage(r)
	page.CSS = template.CSS(css)
	page.JS = template.JS(js)
	// the policy lets exactly this style sheet and this script run, nothing else
	page.CSSHash = cspHash(css)
	page.JSHash = cspHash(js)
	return htmlTemplate.Execute(w, page)
}

type htmlPage struct {
	Title      string
	Inputs     []analyzer.Input
	Span       string
	Summary    analyzer.Summary
	Filtered   bool
	Shown      int
	Total      int
	Verdicts   []htmlVerdict
	Findings   []htmlFinding
	Rows       []htmlRow
	RowsCut    int
	Charts     []htmlChart
	ChartsCut  int
	Ladders    []htmlLadder
	Problems   int
	Tunnels    string // TunnelNote
	Reassembly string // ReassemblyNote
	Reproduce  string
	CSS        template.CSS
	JS         template.JS
	CSSHash    string
	JSHash     string
}

// cspHash is a Content-Security-Policy source for an inline element's exact text.
func cspHash(b []byte) string {
	sum := sha256.Sum256(b)
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

type htmlVerdict struct {
	Name     analyzer.Verdict
	Severity analyzer.Severity
	N        int
	Pct      float64
}

type htmlFinding struct {
	analyzer.Finding
	Numbers []htmlNumber
	Flows   []htmlFlowRef
	More    int
}

type htmlNumber struct{ Name, Value string }

type htmlFlowRef struct {
	ID     int
	Ladder bool
}

type htmlRow struct {
	*analyzer.Flow
	Rank      int
	StartRel  float64
	StartText string
	DurText   string
	Pkts      int
	Bytes     int64
	Ladder    bool
}

func buildPage(r *analyzer.Result) *htmlPage {
	s := r.Summary
	p := &htmlPage{Inputs: r.Inputs, Summary: s, Shown: matched(r), Total: r.Total,
		Filtered: matched(r) != r.Total, Reproduce: reproduce(r, "html") + " > report.html",
		Tunnels: TunnelNote(s), Reassembly: ReassemblyNote(s)}
	var names []string
	for _, in := range r.Inputs {
		names = append(names, in.Name)
	}
	p.Title = "tcpmortem: " + strings.Join(names, ", ")
	if !s.Start.IsZero() {
		p.Span = fmt.Sprintf("%s → %s (%s)", s.Start.Format("2006-01-02 15:04:05.000"),
			s.End.Format("15:04:05.000 MST"), humanDur(s.End.Sub(s.Start)))
	}
	for _, v := range analyzer.AllVerdicts {
		if n := s.Verdicts[v]; n > 0 {
			p.Verdicts = append(p.Verdicts, htmlVerdict{Name: v, Severity: analyzer.SeverityOf(v), N: n,
				Pct: math.Round(1000*float64(n)/float64(s.Flows)) / 10})
		}
	}

	// the flows drawn as ladders
	var drawn []*analyzer.Flow
	if matched(r) <= htmlAllLadders {
		for i := range r.Flows {
			drawn = append(drawn, &r.Flows[i])
		}
		sort.SliceStable(drawn, func(i, j int) bool { return drawn[i].Severity.Rank() > drawn[j].Severity.Rank() })
	} else {
		drawn = worstFlows(r, htmlMaxLadders)
	}
	for i := range r.Flows {
		if r.Flows[i].Severity != analyzer.SevOK {
			p.Problems++
		}
	}
	hasLadder := map[int]bool{}
	for i, f := range drawn {
		l := buildLadder(f, r.Idle)
		l.Open = i < htmlOpenLadder && f.Severity != analyzer.SevOK
		p.Ladders = append(p.Ladders, l)
		hasLadder[f.ID] = true
	}

	for _, f := range r.Findings {
		hf := htmlFinding{Finding: f}
		keys := make([]string, 0, len(f.Numbers))
		for k := range f.Numbers {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			hf.Numbers = append(hf.Numbers, htmlNumber{k, fmtNumber(f.Numbers[k])})
		}
		for i, id := range f.Flows {
			if i == 40 {
				hf.More = len(f.Flows) - i
				break
			}
			hf.Flows = append(hf.Flows, htmlFlowRef{ID: id, Ladder: hasLadder[id]})
		}
		p.Findings = append(p.Findings, hf)
	}

	// The table lists the most severe flows when there are too many for a page (a run
	// for this format keeps only those: report.Drawn).
	rows := make([]*analyzer.Flow, len(r.Flows))
	for i := range r.Flows {
		rows[i] = &r.Flows[i]
	}
	if len(rows) > htmlMaxRows {
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Severity.Rank() > rows[j].Severity.Rank() })
		rows = rows[:htmlMaxRows]
		sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	}
	p.RowsCut = matched(r) - len(rows)
	for _, f := range rows {
		row := htmlRow{Flow: f, Rank: f.Severity.Rank(), Pkts: f.Packets.Client + f.Packets.Server,
			Bytes: f.PayloadBytes.Client + f.PayloadBytes.Server, Ladder: hasLadder[f.ID],
			DurText: humanDur(time.Duration(f.Duration * float64(time.Second)))}
		if !s.Start.IsZero() {
			row.StartRel = round3(f.Start.Sub(s.Start).Seconds())
			row.StartText = fmt.Sprintf("+%.3f", row.StartRel)
		}
		p.Rows = append(p.Rows, row)
	}

	for i, ser := range r.Timeline {
		if i == htmlMaxCharts {
			p.ChartsCut = len(r.Timeline) - i
			break
		}
		if c, ok := buildChart(ser, s.Start, s.End); ok {
			p.Charts = append(p.Charts, c)
		}
	}
	return p
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// --- socket-state timeline ---------------------------------------------------------

type htmlChart struct {
	Endpoint string
	Role     string
	Flows    int
	W, H     int
	PlotX    int // left edge of the plot area
	PlotY    int // top edge
	PlotW    int
	PlotH    int
	PlotR    int // right edge
	PlotB    int // bottom edge
	Series   []htmlSeries
	XTicks   []htmlTick
	YTicks   []htmlTick
}

type htmlSeries struct {
	State  analyzer.SocketState
	Color  string
	Path   string
	Peak   int
	PeakAt string
	Last   int
}

type htmlTick struct {
	Pos   float64
	Label string
}

var stateColors = map[analyzer.SocketState]string{
	"SYN_SENT": "#7b4fc9", "SYN_RECV": "#b39ddb", "ESTABLISHED": "#2e9d46", "FIN_WAIT_1": "#f08c00",
	"FIN_WAIT_2": "#e8b04a", "CLOSING": "#8d6e63", "TIME_WAIT": "#8a8f98", "CLOSE_WAIT": "#d9363e",
	"LAST_ACK": "#d6559d",
}

// buildChart draws one endpoint's state counts as step lines over the capture's span.
func buildChart(ser analyzer.StateSeries, start, end time.Time) (htmlChart, bool) {
	c := htmlChart{Endpoint: ser.Endpoint, Role: ser.Role, Flows: ser.Flows, W: 900, H: 230,
		PlotX: 48, PlotY: 12, PlotW: 830, PlotH: 180}
	c.PlotR, c.PlotB = c.PlotX+c.PlotW, c.PlotY+c.PlotH
	// the states in the order a connection passes them, then any others by name
	var states []analyzer.SocketState
	known := map[analyzer.SocketState]bool{}
	for _, st := range analyzer.SocketStates {
		known[st] = true
		states = append(states, st)
	}
	var extra []analyzer.SocketState
	for st := range ser.States {
		if !known[st] {
			extra = append(extra, st)
		}
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i] < extra[j] })
	states = append(states, extra...)

	maxN := 0
	for _, st := range states {
		for _, pt := range ser.States[st] {
			if pt.N > maxN {
				maxN = pt.N
			}
			if start.IsZero() || pt.T.Before(start) {
				start = pt.T
			}
			if pt.T.After(end) {
				end = pt.T
			}
		}
	}
	if maxN == 0 {
		return c, false
	}
	span := end.Sub(start).Seconds()
	if span <= 0 {
		span = 1
	}
	yTop := niceCeil(maxN)
	x := func(t time.Time) float64 {
		return float64(c.PlotX) + float64(c.PlotW)*t.Sub(start).Seconds()/span
	}
	y := func(n int) float64 {
		return float64(c.PlotY) + float64(c.PlotH)*(1-float64(n)/float64(yTop))
	}
	for _, st := range states {
		pts := ser.States[st]
		peak := 0
		for _, pt := range pts {
			if pt.N > peak {
				peak = pt.N
			}
		}
		if peak == 0 {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "M%.1f %.1f", x(pts[0].T), y(0))
		for _, pt := range pts {
			fmt.Fprintf(&b, "H%.1f V%.1f", x(pt.T), y(pt.N))
		}
		fmt.Fprintf(&b, "H%.1f", x(end))
		color := stateColors[st]
		if color == "" {
			color = "#17a2b8"
		}
		hs := htmlSeries{State: st, Color: color, Path: b.String(), Peak: peak, Last: pts[len(pts)-1].N}
		if pk, ok := ser.Peak[st]; ok && pk.N > 0 {
			hs.Peak = pk.N
			hs.PeakAt = fmt.Sprintf("+%.3f s", pk.T.Sub(start).Seconds())
		} else {
			for _, pt := range pts {
				if pt.N == peak {
					hs.PeakAt = fmt.Sprintf("+%.3f s", pt.T.Sub(start).Seconds())
					break
				}
			}
		}
		c.Series = append(c.Series, hs)
	}
	for _, v := range niceTicks(float64(yTop), 5) {
		c.YTicks = append(c.YTicks, htmlTick{Pos: y(int(v)), Label: fmt.Sprint(int(v))})
	}
	for _, v := range niceTicks(span, 8) {
		c.XTicks = append(c.XTicks, htmlTick{Pos: float64(c.PlotX) + float64(c.PlotW)*v/span, Label: tickLabel(v)})
	}
	return c, true
}

// niceCeil rounds a count up to 1, 2 or 5 times a power of ten (at least 1).
func niceCeil(n int) int {
	if n <= 1 {
		return 1
	}
	step := niceStep(float64(n), 5)
	return int(math.Ceil(float64(n)/step) * step)
}

// niceStep is a 1-2-5 step that divides [0, max] into about n parts.
func niceStep(max float64, n int) float64 {
	raw := max / float64(n)
	if raw <= 0 {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			return m * mag
		}
	}
	return 10 * mag
}

// niceTicks are the multiples of a 1-2-5 step from 0 to max; counts keep integer steps.
func niceTicks(max float64, n int) []float64 {
	step := niceStep(max, n)
	var out []float64
	for v := 0.0; v <= max*1.0000001; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	return out
}

func tickLabel(sec float64) string {
	switch {
	case sec == 0:
		return "0"
	case sec < 1:
		return fmt.Sprintf("%g ms", math.Round(sec*1e6)/1e3)
	case sec < 600:
		return fmt.Sprintf("%g s", math.Round(sec*1e3)/1e3)
	case sec < 3*3600:
		return fmt.Sprintf("%g min", math.Round(sec/6)/10)
	default:
		return fmt.Sprintf("%g h", math.Round(sec/360)/10)
	}
}

// --- per-flow ladders ----------------------------------------------------------------

type htmlLadder struct {
	*analyzer.Flow
	Open    bool
	W, H    int
	CX, SX  int // the client's and the server's column
	NoteX   int
	HW      int // width of an evidence row's highlight
	Rows    []htmlLadderRow
	Truncd  int // the flow's frames after the last kept one: "up to frame N"
	DurText string
	Span    string // frameSpan's
}

type htmlLadderRow struct {
	Y        int
	Kind     string // "pkt", "gap", "skip"
	Text     string // gap/skip text
	Frame    string
	Rel      string
	Label    string
	Note     string
	Evidence bool
	Class    string // flags class: syn, fin, rst, data, ack, icmp
	X1, X2   int
	Head     string // arrowhead polygon points
	LabelX   int
	HY       int // top of the row's highlight or band
	BW, BH   int // a gap's or skip's band
}

const ladderRowH = 30

func buildLadder(f *analyzer.Flow, idle time.Duration) htmlLadder {
	l := htmlLadder{Flow: f, W: 960, HW: 956, CX: 190, SX: 590, NoteX: 608,
		DurText: humanDur(time.Duration(f.Duration * float64(time.Second))), Span: frameSpan(f)}
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
	y := 46 // below the column heads
	var prev flows.Step
	for i, s := range f.Ladder {
		if i > 0 {
			if skipped := s.Index - prev.Index - 1; skipped > 0 {
				l.Rows = append(l.Rows, l.band(y, "skip", fmt.Sprintf("… %s not kept …", plural(skipped, "packet"))))
				y += ladderRowH
			}
			if gap := s.Time().Sub(prev.Time()); idle > 0 && gap >= idle {
				l.Rows = append(l.Rows, l.band(y, "gap", humanDur(gap)+" idle"))
				y += ladderRowH
			}
		}
		row := htmlLadderRow{Y: y, HY: y - 16, Kind: "pkt", Rel: "+" + relTime(s.Time().Sub(f.Start))}
		row.Frame = fmt.Sprint(s.Frame)
		if len(f.Files) > 1 {
			row.Frame = fmt.Sprintf("%d:%d", s.File+1, s.Frame)
		}
		var tags []string
		if s.Notes != 0 {
			tags = append(tags, flows.NoteString(s.Notes))
		}
		file := ""
		if len(f.Files) > 1 && s.File < len(f.Files) {
			file = f.Files[s.File]
		}
		if n := notes[at{file, s.Frame}]; n != "" {
			tags = append(tags, n)
			row.Evidence = true
		}
		row.Note = strings.Join(tags, "; ")
		if s.Notes&flows.NoteICMP != 0 {
			row.Label = fmt.Sprintf("ICMP type %d code %d", s.ICMPType, s.ICMPCode)
			row.Class = "icmp"
		} else {
			row.Label = flows.FlagString(s.Flags) + " seq " + fmt.Sprint(s.Seq)
			if s.Flags&flows.FlagACK != 0 {
				row.Label += " ack " + fmt.Sprint(s.Ack)
			}
			row.Label += " len " + fmt.Sprint(s.Len)
			switch {
			case s.Flags&flows.FlagRST != 0:
				row.Class = "rst"
			case s.Flags&flows.FlagSYN != 0:
				row.Class = "syn"
			case s.Flags&flows.FlagFIN != 0:
				row.Class = "fin"
			case s.Len > 0:
				row.Class = "data"
			default:
				row.Class = "ack"
			}
		}
		if s.From == flows.FromClient {
			row.X1, row.X2 = l.CX, l.SX-2
			row.Head = fmt.Sprintf("%d,%d %d,%d %d,%d", l.SX-2, y, l.SX-12, y-5, l.SX-12, y+5)
		} else {
			row.X1, row.X2 = l.SX, l.CX+2
			row.Head = fmt.Sprintf("%d,%d %d,%d %d,%d", l.CX+2, y, l.CX+12, y-5, l.CX+12, y+5)
		}
		row.LabelX = (l.CX + l.SX) / 2
		l.Rows = append(l.Rows, row)
		y += ladderRowH
		prev = s
	}
	if n := len(f.Ladder); n > 0 && f.Ladder[n-1].Frame != f.LastFrame {
		l.Rows = append(l.Rows, l.band(y, "skip", fmt.Sprintf("… up to frame %d", f.LastFrame)))
		y += ladderRowH
	}
	l.H = y
	return l
}

// band is a row that marks a silence or packets left out, across both columns.
func (l *htmlLadder) band(y int, kind, text string) htmlLadderRow {
	return htmlLadderRow{Y: y, Kind: kind, Text: text, LabelX: (l.CX + l.SX) / 2,
		HY: y - 10, BW: l.SX - l.CX, BH: 20}
}
