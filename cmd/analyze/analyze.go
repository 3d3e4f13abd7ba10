// Package analyze is the `tcpmortem analyze` command: read captures, judge every TCP
// connection, render the report.
package analyze

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tcpmortem/tcpmortem/analyzer"
	"github.com/tcpmortem/tcpmortem/cmd/cmdutil"
	"github.com/tcpmortem/tcpmortem/flows"
	"github.com/tcpmortem/tcpmortem/report"
)

// Options are what the command line fills in for one run.
type Options struct {
	IO       *cmdutil.IOStreams
	Files    []string
	Format   string
	Idle     time.Duration
	Hosts    []string
	Ports    []uint16
	Verdicts []string
	All      bool
	NoColor  bool
	NoApp    bool
	MaxFlows int
	Workers  int
	Limit    int
	Config   analyzer.Config
}

// DefaultMaxFlows bounds the live flows to under 1 GiB of tracking state (a live flow
// costs 3 to 8 KB: its two sides, its Zeek and application state, and its 2.5 KB ladder
// when the format draws ladders; TestHostileLiveFlowCost measures it).
const DefaultMaxFlows = 100000

// NewCmdAnalyze builds `tcpmortem analyze`; runF replaces the run in tests.
func NewCmdAnalyze(ios *cmdutil.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: ios, Config: analyzer.DefaultConfig()}
	var ports []uint
	cmd := &cobra.Command{
		Use:   "analyze [flags] FILE...",
		Short: "Judge every TCP connection in one or more captures",
		Long: `Read one or more captures (pcap or pcapng, plain or compressed with gzip, zstd, lz4 or
bzip2; "-" reads stdin) as one incident, merged by time, and say how every TCP connection
ended.

Exit status: 0 when the captures were read (whatever the verdicts), 1 when nothing could
be read, 2 for bad usage.`,
		Example: `  tcpmortem analyze testdata/demo/demo.pcapng
  tcpdump -i any -w - port 8280 | tcpmortem analyze -
  tcpmortem analyze --format json --verdict fin_unanswered a.pcap b.pcapng.gz`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.Usagef(errors.New("analyze needs at least one capture file (or - for stdin)"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			for _, p := range ports {
				if p == 0 || p > 65535 {
					return cmdutil.Usagef(fmt.Errorf("--port %d: not a TCP port", p))
				}
				opts.Ports = append(opts.Ports, uint16(p))
			}
			opts.Config.Idle = opts.Idle
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Format, "format", "f", "text", "output format: "+strings.Join(report.Formats(), ", "))
	f.DurationVar(&opts.Idle, "idle", time.Second, "silence that counts as idle (rst_after_idle, idle_open); also the age at capture end from which an unanswered request counts (http_unanswered, server_silent), and the CLOSE_WAIT that counts towards close_wait_leak")
	f.StringArrayVar(&opts.Hosts, "host", nil, "keep flows with this address (IP or CIDR) on either side; repeatable")
	f.UintSliceVar(&ports, "port", nil, "keep flows with this port on either side; repeatable")
	f.StringArrayVar(&opts.Verdicts, "verdict", nil, "show only flows with this verdict; repeatable")
	f.BoolVar(&opts.All, "all", false, "text: list flows that ended normally too")
	f.IntVar(&opts.Limit, "limit", 50, "text: draw at most this many flows, the most severe first (0: all)")
	f.BoolVar(&opts.NoColor, "no-color", false, "never colour the output (also when NO_COLOR is set)")
	f.BoolVar(&opts.NoApp, "no-app", false, "TCP verdicts only: do not parse HTTP, TLS, SSH and the other protocols")
	f.IntVar(&opts.Workers, "workers", runtime.NumCPU(), "goroutines tracking flows, over which the flow table is sharded by tuple hash; with 2 or more, reading and decoding run on one more and judging on another (with --format json, ordering and writing the flows on a third); the output is the same for any N")
	f.IntVar(&opts.MaxFlows, "max-flows", DefaultMaxFlows, "most flows tracked at once; past it the longest-silent are judged early (0: no limit)")
	f.IntVar(&opts.Config.RetransGiveUp, "retrans-giveup", opts.Config.RetransGiveUp, "retransmissions of the same unacknowledged data that make a give-up")
	f.IntVar(&opts.Config.KeepAliveGiveUp, "keepalive-giveup", opts.Config.KeepAliveGiveUp, "unanswered keepalive probes that make a keepalive timeout")
	f.DurationVar(&opts.Config.SYNRetryWait, "syn-retry-wait", opts.Config.SYNRetryWait, "after a single SYN, how long a client may still retry before it counts as given up")
	f.IntVar(&opts.Config.Findings.MinFlows, "min-flows", opts.Config.Findings.MinFlows, "flows a repeated pattern needs to be a finding (idle_timeout; the client's timeout in client_timeout; retransmit_failures; lost_past_capture)")
	f.Float64Var(&opts.Config.Findings.TimeoutSpread, "timeout-spread", opts.Config.Findings.TimeoutSpread, "widest spread of silences, as a share of their median, that reads as one configured timeout (at least "+opts.Config.Findings.TimeoutSpreadMin.String()+"); more than half of the closes must fall within it")
	return cmd
}

func (o *Options) validate() error {
	if !contains(report.Formats(), o.Format) {
		return cmdutil.Usagef(fmt.Errorf("--format %q: want one of %s", o.Format, strings.Join(report.Formats(), ", ")))
	}
	if o.Idle <= 0 {
		return cmdutil.Usagef(fmt.Errorf("--idle %s: must be positive", o.Idle))
	}
	if o.Limit < 0 {
		return cmdutil.Usagef(fmt.Errorf("--limit %d: must be 0 (all) or more", o.Limit))
	}
	if o.MaxFlows < 0 {
		return cmdutil.Usagef(fmt.Errorf("--max-flows %d: must be 0 (no limit) or more", o.MaxFlows))
	}
	if o.Config.RetransGiveUp < 1 || o.Config.KeepAliveGiveUp < 1 || o.Config.SYNRetryWait <= 0 {
		return cmdutil.Usagef(errors.New("--retrans-giveup, --keepalive-giveup and --syn-retry-wait must be positive"))
	}
	if o.Config.Findings.MinFlows < 1 {
		return cmdutil.Usagef(fmt.Errorf("--min-flows %d: must be 1 or more", o.Config.Findings.MinFlows))
	}
	if s := o.Config.Findings.TimeoutSpread; !(s >= 0 && s <= 1) {
		return cmdutil.Usagef(fmt.Errorf("--timeout-spread %g: must be a share from 0 to 1", s))
	}
	for _, v := range o.Verdicts {
		if !knownVerdict(v) {
			return cmdutil.Usagef(fmt.Errorf("--verdict %q: not a verdict (see VERDICTS in the README)", v))
		}
	}
	for _, h := range o.Hosts {
		if _, err := parseHost(h); err != nil {
			return cmdutil.Usagef(fmt.Errorf("--host %q: not an IP address or CIDR prefix", h))
		}
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func knownVerdict(v string) bool {
	for _, k := range analyzer.AllVerdicts {
		if string(k) == v {
			return true
		}
	}
	return false
}

func parseHost(h string) (netip.Prefix, error) {
	if strings.Contains(h, "/") {
		return netip.ParsePrefix(h)
	}
	a, err := netip.ParseAddr(strings.Trim(h, "[]"))
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// keep builds the filter of --host, --port and --verdict: a flow passes when it
// matches each given kind (any of its values).
func (o *Options) keep() func(*analyzer.Flow) bool {
	if len(o.Hosts) == 0 && len(o.Ports) == 0 && len(o.Verdicts) == 0 {
		return nil
	}
	var prefixes []netip.Prefix
	for _, h := range o.Hosts {
		p, _ := parseHost(h)
		prefixes = append(prefixes, p)
	}
	return func(f *analyzer.Flow) bool {
		c, _ := netip.ParseAddrPort(f.Client)
		s, _ := netip.ParseAddrPort(f.Server)
		if len(prefixes) > 0 {
			ok := false
			for _, p := range prefixes {
				ok = ok || p.Contains(c.Addr().Unmap()) || p.Contains(s.Addr().Unmap())
			}
			if !ok {
				return false
			}
		}
		if len(o.Ports) > 0 {
			ok := false
			for _, p := range o.Ports {
				ok = ok || c.Port() == p || s.Port() == p
			}
			if !ok {
				return false
			}
		}
		if len(o.Verdicts) > 0 && !contains(o.Verdicts, string(f.Verdict)) {
			return false
		}
		return true
	}
}

// ladders says which flows keep their packet ladder: only those the format draws.
func (o *Options) ladders() func(*analyzer.Flow) bool {
	switch o.Format {
	case "json", "ndjson":
		return func(*analyzer.Flow) bool { return false }
	case "html":
		return nil // the page draws a ladder for any flow it lists
	}
	if o.All {
		return nil
	}
	return func(f *analyzer.Flow) bool { return f.Severity != analyzer.SevOK }
}

// Run reads the captures, analyses them and writes the report.
func Run(o *Options) error {
	var srcs []*flows.FileSource
	defer func() {
		for _, s := range srcs {
			s.Close()
		}
	}()
	for i, name := range o.Files {
		var (
			src *flows.FileSource
			err error
		)
		if name == "-" {
			src, err = flows.OpenReader("-", o.IO.In, i)
		} else {
			src, err = flows.Open(name, i)
		}
		if err != nil {
			return err
		}
		srcs = append(srcs, src)
	}
	aopts := analyzer.Options{Config: o.Config, Keep: o.keep(), NoApp: o.NoApp, MaxFlows: o.MaxFlows,
		Workers: o.Workers, Ladders: o.ladders()}
	// Each format keeps only the full results it draws; the rest of every flow lives on
	// as a compact record for the findings, the timeline and the counts.
	var finish func(*analyzer.Result) error
	switch o.Format {
	case "ndjson":
		// one line per flow as soon as it is judged, not the whole run at the end
		stream := report.NewNDJSONStream(o.IO.Out)
		aopts.OnFlow, aopts.Retain, aopts.NoLadders, finish = stream.Flow, -1, true, stream.Finish
	case "json":
		// the document's flows in ID order, written as soon as the order allows
		stream := report.NewJSONStream(o.IO.Out)
		if o.Workers > 1 {
			// The goroutine that judges is a run's busiest: it only encodes the flows,
			// another orders and writes them.
			stream.Background()
		}
		aopts.OnFlow, aopts.OnSkip, aopts.Retain, aopts.NoLadders, finish = stream.Flow, stream.Skip, -1, true, stream.Finish
	default:
		aopts.Retain, aopts.Want = report.Drawn(o.Format, report.Options{All: o.All, Limit: o.Limit})
	}
	stop := func() {}
	if o.IO.ErrTTY && os.Getenv("CI") == "" {
		// A progress line for long reads, on a terminal only: never in pipes or CI logs.
		aopts.Progress = &analyzer.Progress{}
		stop = startProgress(o.IO.ErrOut, srcs, aopts.Progress)
	}
	analyzed := func() {}
	if os.Getenv("GOGC") == "" { // the user's GOGC wins: they asked for it
		stopGC, turns := make(chan struct{}), make(chan bool, 2) // never blocks
		defer close(stopGC)
		go tuneGC(stopGC, turns, gcModeFor(aopts.Retain, os.Getenv("GOMEMLIMIT") != ""))
		aopts.ReadDone = func() {
			releaseAtReadEnd()
			turns <- true
		}
		analyzed = func() {
			collectAtTurn()
			turns <- false
		}
	}
	res, err := analyzer.Analyze(srcs, aopts)
	stop() // cleared before anything else is written
	if err != nil {
		return err
	}
	analyzed()
	for _, w := range res.Summary.Warnings {
		fmt.Fprintf(o.IO.ErrOut, "tcpmortem: warning: %s\n", w)
	}
	if finish != nil {
		return finish(res)
	}
	color := o.IO.OutTTY && !o.NoColor && os.Getenv("NO_COLOR") == ""
	return report.Render(o.IO.Out, o.Format, res, report.Options{Color: color, All: o.All, Limit: o.Limit})
}
