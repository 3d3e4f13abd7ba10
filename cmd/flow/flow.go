// Package flow is the `tcpmortem flow` command: one connection in full, every packet of
// it as a ladder in the terminal (or as JSON), with its verdict on top.
package flow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tcpmortem/tcpmortem/analyzer"
	"github.com/tcpmortem/tcpmortem/cmd/analyze"
	"github.com/tcpmortem/tcpmortem/cmd/cmdutil"
	"github.com/tcpmortem/tcpmortem/flows"
	"github.com/tcpmortem/tcpmortem/report"
)

// Options are what the command line fills in for one run.
type Options struct {
	IO      *cmdutil.IOStreams
	Files   []string
	Format  string
	ID      int
	Client  string
	Idle    time.Duration
	NoColor bool
	// MaxFlows must be analyze's, for the flows to get the same IDs.
	MaxFlows int
	Config   analyzer.Config

	client netip.AddrPort
}

// NewCmdFlow builds `tcpmortem flow`; runF replaces the run in tests.
func NewCmdFlow(ios *cmdutil.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: ios, Config: analyzer.DefaultConfig()}
	cmd := &cobra.Command{
		Use:   "flow [flags] FILE... (--id N | --client IP:PORT)",
		Short: "Show one TCP connection in full: every packet, as a ladder",
		Long: `Find one connection of the captures (by its ID in the analyze report, or the first one
from a client endpoint) and show every packet of it: client and server columns, flags,
relative seq/ack, length, relative time, idle gaps, with its verdict and summary on top
and the frames that prove the verdict starred.

Exit status: 0 when the flow was shown, 1 when nothing could be read, 2 for bad usage
(including an ID or client endpoint that matches no flow).`,
		Example: `  tcpmortem flow testdata/demo/demo.pcapng --id 5
  tcpmortem flow capture.pcap --client 127.0.0.1:38822
  tcpmortem flow --format json a.pcap b.pcapng.gz --id 12`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.Usagef(errors.New("flow needs at least one capture file (or - for stdin)"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			opts.Config.Idle = opts.Idle
			if err := opts.validate(cmd.Flags().Changed("id")); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.ID, "id", 0, "the flow's ID, as tcpmortem analyze numbers them")
	f.StringVar(&opts.Client, "client", "", "the first flow from this client endpoint (ip:port, [ipv6]:port)")
	f.StringVarP(&opts.Format, "format", "f", "text", "output format: text, json")
	f.DurationVar(&opts.Idle, "idle", time.Second, "silence that counts as idle (marked in the ladder; rst_after_idle, idle_open)")
	f.BoolVar(&opts.NoColor, "no-color", false, "never colour the output (also when NO_COLOR is set)")
	f.IntVar(&opts.MaxFlows, "max-flows", analyze.DefaultMaxFlows, "as for analyze (the same value gives the same flow IDs)")
	f.IntVar(&opts.Config.RetransGiveUp, "retrans-giveup", opts.Config.RetransGiveUp, "retransmissions of the same unacknowledged data that make a give-up")
	f.IntVar(&opts.Config.KeepAliveGiveUp, "keepalive-giveup", opts.Config.KeepAliveGiveUp, "unanswered keepalive probes that make a keepalive timeout")
	f.DurationVar(&opts.Config.SYNRetryWait, "syn-retry-wait", opts.Config.SYNRetryWait, "after a single SYN, how long a client may still retry before it counts as given up")
	return cmd
}

func (o *Options) validate(idSet bool) error {
	switch {
	case idSet && o.Client != "":
		return cmdutil.Usagef(errors.New("give either --id or --client, not both"))
	case !idSet && o.Client == "":
		return cmdutil.Usagef(errors.New("which flow? give --id N or --client IP:PORT"))
	case idSet && o.ID < 1:
		return cmdutil.Usagef(fmt.Errorf("--id %d: flow IDs start at 1", o.ID))
	}
	if o.Client != "" {
		ap, err := netip.ParseAddrPort(o.Client)
		if err != nil {
			return cmdutil.Usagef(fmt.Errorf("--client %q: not an ip:port endpoint (IPv6 as [::1]:port)", o.Client))
		}
		o.client = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	if o.Format != "text" && o.Format != "json" {
		return cmdutil.Usagef(fmt.Errorf("--format %q: want one of text, json", o.Format))
	}
	if o.Idle <= 0 {
		return cmdutil.Usagef(fmt.Errorf("--idle %s: must be positive", o.Idle))
	}
	if o.MaxFlows < 0 {
		return cmdutil.Usagef(fmt.Errorf("--max-flows %d: must be 0 (no limit) or more", o.MaxFlows))
	}
	if o.Config.RetransGiveUp < 1 || o.Config.KeepAliveGiveUp < 1 || o.Config.SYNRetryWait <= 0 {
		return cmdutil.Usagef(errors.New("--retrans-giveup, --keepalive-giveup and --syn-retry-wait must be positive"))
	}
	stdin := 0
	for _, f := range o.Files {
		if f == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return cmdutil.Usagef(errors.New("stdin (-) can be read only once"))
	}
	return nil
}

// inputs opens the captures; each call reads them from the start. Stdin is read once
// into a temporary file, since the flow is found in one pass and printed in a second.
type inputs struct {
	names []string
	paths []string // where each is read from: the name, or the spooled stdin
	tmp   string
	open  []io.Closer
}

func newInputs(o *Options) (*inputs, error) {
	in := &inputs{names: o.Files}
	for _, name := range o.Files {
		if name != "-" {
			in.paths = append(in.paths, name)
			continue
		}
		f, err := os.CreateTemp("", "tcpmortem-stdin-*")
		if err != nil {
			return nil, fmt.Errorf("stdin: cannot spool for a second reading: %v", err)
		}
		in.tmp = f.Name()
		_, err = io.Copy(f, o.IO.In)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			in.cleanup()
			return nil, fmt.Errorf("stdin: read: %v", err)
		}
		in.paths = append(in.paths, in.tmp)
	}
	return in, nil
}

func (in *inputs) sources() ([]*flows.FileSource, error) {
	in.close()
	var srcs []*flows.FileSource
	for i, name := range in.names {
		var (
			src *flows.FileSource
			err error
		)
		if name == "-" {
			var f *os.File
			if f, err = os.Open(in.paths[i]); err == nil {
				in.open = append(in.open, f)
				src, err = flows.OpenReader("-", f, i)
			}
		} else {
			src, err = flows.Open(name, i)
		}
		if err != nil {
			return nil, err
		}
		in.open = append(in.open, src)
		srcs = append(srcs, src)
	}
	return srcs, nil
}

func (in *inputs) close() {
	for i := len(in.open) - 1; i >= 0; i-- {
		in.open[i].Close()
	}
	in.open = nil
}

func (in *inputs) cleanup() {
	in.close()
	if in.tmp != "" {
		os.Remove(in.tmp)
	}
}

// Run finds the flow, reads the captures again for every packet of it and shows it.
func Run(o *Options) error {
	in, err := newInputs(o)
	if err != nil {
		return err
	}
	defer in.cleanup()
	srcs, err := in.sources()
	if err != nil {
		return err
	}
	keep := func(f *analyzer.Flow) bool {
		if o.Client == "" {
			return f.ID == o.ID
		}
		ap, err := netip.ParseAddrPort(f.Client)
		return err == nil && netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()) == o.client
	}
	res, err := analyzer.Analyze(srcs, analyzer.Options{Config: o.Config, Keep: keep, Ladders: keep, MaxFlows: o.MaxFlows})
	if err != nil {
		return err
	}
	for _, w := range res.Summary.Warnings {
		fmt.Fprintf(o.IO.ErrOut, "tcpmortem: warning: %s\n", w)
	}
	if note := report.TunnelNote(res.Summary); note != "" {
		// the flow's own lines carry no header: the filter's Decode As must be said here
		fmt.Fprintf(o.IO.ErrOut, "tcpmortem: inside tunnels: %s\n", note)
	}
	if len(res.Flows) == 0 {
		what := fmt.Sprintf("--id %d", o.ID)
		if o.Client != "" {
			what = fmt.Sprintf("--client %s", o.Client)
		}
		return cmdutil.Usagef(fmt.Errorf("%s: no such flow (%s %s; `tcpmortem analyze --all` lists them)",
			what, inputNames(o.Files), plural(res.Summary.Flows, "TCP flow")))
	}
	target := res.Flows[0]
	for _, f := range res.Flows[1:] {
		if f.ID < target.ID {
			target = f
		}
	}
	if srcs, err = in.sources(); err != nil {
		return err
	}
	steps, err := everyPacket(srcs, &target, o.Config.Idle)
	if err != nil {
		return err
	}
	in.close()
	if want := target.Packets.Client + target.Packets.Server; len(steps) != want {
		fmt.Fprintf(o.IO.ErrOut, "tcpmortem: warning: the second reading found %d packets of flow %d, the first %d\n", len(steps), target.ID, want)
	}
	target.Ladder = steps
	if o.Format == "json" {
		return writeJSON(o.IO.Out, &target, o.Config.Idle)
	}
	color := o.IO.OutTTY && !o.NoColor && os.Getenv("NO_COLOR") == ""
	return report.TextFlow(o.IO.Out, &target, o.Config.Idle, report.Options{Color: color})
}

func inputNames(files []string) string {
	if len(files) == 1 {
		if files[0] == "-" {
			return "stdin has"
		}
		return files[0] + " has"
	}
	return fmt.Sprintf("%d captures have", len(files))
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// grab remembers the flow a fresh table builds (the table hands it to its AppHook).
type grab struct{ f *flows.Flow }

func (g *grab) NewFlow(f *flows.Flow)                                             { g.f = f }
func (g *grab) Segment(*flows.Flow, flows.Direction, *flows.Segment, *flows.Step) {}

// everyPacket reads the captures again and rebuilds the flow from its first frame to its
// last in a table of its own, keeping every step: the same relative seq/ack and the
// same Wireshark notes as the first pass, but no packet left out.
func everyPacket(srcs []*flows.FileSource, f *analyzer.Flow, idle time.Duration) ([]flows.Step, error) {
	if len(f.Ladder) == 0 {
		return nil, fmt.Errorf("flow %d: no packets kept", f.ID)
	}
	first, last := f.Ladder[0], f.Ladder[len(f.Ladder)-1]
	client, err1 := netip.ParseAddrPort(f.Client)
	server, err2 := netip.ParseAddrPort(f.Server)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("flow %d: bad endpoints %q, %q", f.ID, f.Client, f.Server)
	}
	table := flows.NewTable(func(*flows.Flow) {})
	table.Idle = idle
	// Within the flow's frames nothing may hand it over early: the second reading
	// wants every packet of it in its one flow.
	table.Grace = 100 * 365 * 24 * time.Hour
	g := &grab{}
	table.App = g
	dec := flows.NewDecoder()
	src := flows.Merge(srcs)
	var (
		seg   flows.Segment
		steps []flows.Step
		in    bool
	)
	for {
		p, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if !in {
			if p.File != first.File || p.Frame != first.Frame {
				continue
			}
			in = true
		}
		if dec.Decode(p, &seg) && ((seg.Src == client && seg.Dst == server) || (seg.Src == server && seg.Dst == client)) {
			prev, before := g.f, 0
			if prev != nil {
				before = prev.Ladder.Total
			}
			table.Add(&seg)
			if g.f != prev {
				before = 0 // the table started a new flow (it should not, within the range)
			}
			if g.f != nil && g.f.Ladder.Total > before {
				kept := g.f.Ladder.Steps()
				steps = append(steps, kept[len(kept)-1])
			}
		}
		if p.File == last.File && p.Frame == last.Frame {
			break
		}
	}
	return steps, nil
}

// jsonStep is one packet of the flow in the JSON output.
type jsonStep struct {
	Index    int      `json:"index"`
	File     string   `json:"file,omitempty"` // with several inputs
	Frame    int      `json:"frame"`
	Time     string   `json:"time"`
	Rel      float64  `json:"rel_s"` // since the flow's first packet
	Gap      float64  `json:"gap_s"` // since the flow's previous packet
	Idle     bool     `json:"idle,omitempty"`
	From     string   `json:"from"`
	Flags    string   `json:"flags"`
	Seq      *uint32  `json:"seq,omitempty"`
	Ack      *uint32  `json:"ack,omitempty"`
	Len      int      `json:"len"`
	Window   uint16   `json:"window"`
	Notes    []string `json:"notes,omitempty"`
	ICMP     *icmp    `json:"icmp,omitempty"`
	Evidence string   `json:"evidence,omitempty"`
}

type icmp struct {
	Type uint8 `json:"type"`
	Code uint8 `json:"code"`
}

// writeJSON writes the flow as the JSON format does, plus "ladder": every packet.
func writeJSON(w io.Writer, f *analyzer.Flow, idle time.Duration) error {
	type key struct {
		file  string
		frame int
	}
	ev := map[key]string{}
	for _, e := range f.Evidence {
		k := key{e.File, e.Frame}
		if ev[k] != "" {
			ev[k] += "; "
		}
		ev[k] += e.What
	}
	several := len(f.Files) > 1
	var out struct{ Ladder []jsonStep }
	out.Ladder = make([]jsonStep, 0, len(f.Ladder))
	for i, s := range f.Ladder {
		j := jsonStep{Index: s.Index, Frame: s.Frame, Time: s.Time().UTC().Format(time.RFC3339Nano),
			Rel: round6(s.Time().Sub(f.Start).Seconds()), From: s.From.String(), Len: s.Len, Window: s.Window}
		if i > 0 {
			gap := s.Time().Sub(f.Ladder[i-1].Time())
			j.Gap = round6(gap.Seconds())
			j.Idle = gap >= idle
		}
		file := ""
		if several && s.File < len(f.Files) {
			file = f.Files[s.File]
			j.File = file
		}
		if s.Notes&flows.NoteICMP != 0 {
			j.Flags = "ICMP"
			j.ICMP = &icmp{Type: s.ICMPType, Code: s.ICMPCode}
		} else {
			j.Flags = flows.FlagString(s.Flags)
			seq := s.Seq
			j.Seq = &seq
			if s.Flags&flows.FlagACK != 0 {
				ack := s.Ack
				j.Ack = &ack
			}
		}
		if s.Notes != 0 {
			j.Notes = strings.Split(flows.NoteString(s.Notes), ", ")
		}
		j.Evidence = ev[key{file, s.Frame}]
		out.Ladder = append(out.Ladder, j)
	}
	// The flow is written by its own MarshalJSON (the contract's fields and formats);
	// the ladder goes in as one more field at the end.
	var fb, lb bytes.Buffer
	for _, x := range []struct {
		b *bytes.Buffer
		v any
	}{{&fb, f}, {&lb, out.Ladder}} {
		enc := json.NewEncoder(x.b)
		enc.SetEscapeHTML(false) // filters keep their && as typed
		if err := enc.Encode(x.v); err != nil {
			return err
		}
	}
	flow, ladder := bytes.TrimSpace(fb.Bytes()), bytes.TrimSpace(lb.Bytes())
	doc := make([]byte, 0, len(flow)+len(ladder)+16)
	doc = append(doc, flow[:len(flow)-1]...)
	doc = append(doc, `,"ladder":`...)
	doc = append(doc, ladder...)
	doc = append(doc, '}')
	var buf bytes.Buffer
	if err := json.Indent(&buf, doc, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

func round6(x float64) float64 {
	return float64(int64(x*1e6+0.5)) / 1e6
}
