package analyzer

import (
	"fmt"
	"sync"
	"time"

	"github.com/tcpmortem/tcpmortem/analyzer/app"
	"github.com/tcpmortem/tcpmortem/flows"
)

// Options say what to read and how to judge it.
type Options struct {
	Config Config
	// Keep, when set, decides which flows the result lists (--host, --port, --verdict).
	// Summary counts cover every flow either way.
	Keep func(*Flow) bool
	// NoApp turns the application layer off (TCP verdicts only).
	NoApp bool
	// MaxFlows bounds the flows tracked at once (0: no bound); see flows.Table.
	MaxFlows int
	// Grace is how long an ended connection waits for trailing packets before it is
	// judged (0: flows.DefaultGrace).
	Grace time.Duration
	// Progress, when set, is kept up to date while the captures are read.
	Progress *Progress
	// Workers is how many goroutines track flows. The flow table is split into shards by
	// tuple hash and the shards are spread over the workers; with more than one, reading
	// and decoding run on a goroutine of their own and judging on the caller's. The
	// output is the same whatever the count (see pipeline.go).
	Workers int
	// Ladders says which flows keep their packet ladder for rendering; nil keeps every
	// flow's. A ladder is a few KB: formats that never draw one should keep none, and
	// say so with NoLadders, which keeps live flows from recording them at all.
	Ladders   func(*Flow) bool
	NoLadders bool
	// OnFlow, when set, sees each kept flow's result as soon as it is judged, in the
	// order flows finish (for streaming output); the result is valid only during the
	// call. OnSkip sees the ID of each flow Keep refused, so a consumer that puts flows
	// back in ID order knows not to wait for it.
	OnFlow func(*Flow)
	OnSkip func(id int)
	// Retain bounds the full results the Result lists in Flows, for formats that draw
	// only some flows: 0 lists every flow Keep keeps and Want wants; n > 0 only the n
	// most severe of those (then the lowest IDs); < 0 none (they went to OnFlow).
	// Findings, the timeline and the counts cover every flow either way: they are drawn
	// from a compact record of each flow, not from the full results.
	Retain int
	Want   func(*Flow) bool
	// ReadDone, when set, is called once every input has been read and every flow
	// judged, before the findings and the timeline are drawn from the records: the
	// moment the flows still open at the capture's end have all just been let go.
	ReadDone func()
}

// shareNote says, when the flow table is sharded, that the limit is reached shard by shard.
func shareNote(shards, maxFlows int) string {
	if shards == 1 {
		return ""
	}
	return fmt.Sprintf(" (in one of the table's %d shards by tuple hash, each holding %d)", shards, maxFlows/shards)
}

// evidenceNamer turns flow marks into Evidence, naming the file when there are several.
type evidenceNamer struct{ files []string }

func (e *evidenceNamer) at(m flows.Mark, what string) Evidence {
	ev := Evidence{Frame: m.Frame, What: what}
	if len(e.files) > 1 && m.File < len(e.files) {
		ev.File = e.files[m.File]
	}
	return ev
}

// Analyze reads every input (merged by time, as one incident), rebuilds the flows and
// judges each. It fails only when nothing could be read; damage after the first packet
// becomes a warning and "truncated".
func Analyze(srcs []*flows.FileSource, opts Options) (*Result, error) {
	names := make([]string, len(srcs))
	for i, s := range srcs {
		names[i] = s.Input().Name
	}
	ev := &evidenceNamer{files: names}
	res := &Result{Idle: opts.Config.Idle}
	res.Summary.Verdicts = map[Verdict]int{}

	// Each flow is judged the moment the table hands it over; what is kept of it is a
	// compact record (for the findings, the timeline and the counts) and, for as many
	// flows as the output draws, the full result: memory follows the connections open
	// at once, not the size of the capture.
	recs := newRecords(names)
	// Every reader of the records (the findings, the timeline) is done by the time
	// Analyze returns; what it returns holds none of them.
	defer recs.release()
	kept := newRetainer(opts.Retain)
	var t flowTrace // reused: one flow is judged at a time
	// r is reused too: OnFlow and the filters see it only during their call, and the
	// retainer keeps a copy.
	r := new(Flow)
	// judgeOne judges a flow the table handed over and reports whether its result was
	// kept: the result then still points into the flow's application state (its HTTP
	// exchanges), which is otherwise recycled.
	judgeOne := func(f *flows.Flow) bool {
		*r = judge(f, f.End(), opts.Config, ev, &t)
		recs.add(r, f, &t)
		res.Summary.Verdicts[r.Verdict]++
		if opts.Keep != nil && !opts.Keep(r) {
			if opts.OnSkip != nil {
				opts.OnSkip(r.ID)
			}
			return false
		}
		res.Matched++
		if opts.OnFlow != nil {
			opts.OnFlow(r)
		}
		if opts.Want != nil && !opts.Want(r) {
			return false
		}
		res.Wanted++
		if opts.Retain < 0 {
			return false
		}
		if !opts.NoLadders && (opts.Ladders == nil || opts.Ladders(r)) {
			r.Ladder = f.Ladder.Steps()
		}
		if r.App != nil {
			a := *r.App // judge's copy is reused
			r.App = &a
		}
		kept.add(*r)
		return true
	}
	shards := newShardSet(opts, opts.Workers)
	m := &merger{listeners: flows.NewListeners(), judge: func(f *flows.Flow) {
		if !judgeOne(f) {
			app.Release(f)
		}
	}}
	src := flows.Merge(srcs)
	read := readSequential
	if opts.Workers > 1 {
		read = readPipelined
	}
	rs, err := read(src, shards, m, opts.Progress)
	if err != nil {
		return nil, err
	}
	if opts.ReadDone != nil {
		opts.ReadDone()
	}
	first, last, dec := rs.first, rs.last, rs.dec
	st := dec.Stats()
	if d := rs.dedupe; d.Dropped > 0 {
		res.Summary.Warnings = append(res.Summary.Warnings, fmt.Sprintf(
			"%s: frame %d: %s captured twice (on two interfaces, as tcpdump -i any does on a bridge, a veth pair or a tunnel): the copies were dropped",
			names[d.FirstFile], d.FirstFrame, plural(d.Dropped, "segment")))
	}
	if c := rs.cut; c.segments > 0 {
		res.Summary.Warnings = append(res.Summary.Warnings, fmt.Sprintf(
			"%s: frame %d: the capture's snaplen cut the payload of %s short (%s not captured): the application layer reads only what was captured, so it may miss requests and responses (tcpdump -s 0 keeps whole packets)",
			names[c.file], c.frame, plural(c.segments, "TCP segment"), plural(int(c.bytes), "byte")))
	}
	if st := dec.Stats(); st.Malformed > 0 {
		m := st.FirstMalformed
		res.Summary.Warnings = append(res.Summary.Warnings, fmt.Sprintf(
			"%s: frame %d: malformed packet (%s): skipped (%d malformed in all)", names[m.File], m.Frame, m.Why, st.Malformed))
	}

	for _, s := range srcs {
		in := s.Input()
		out := Input{Name: in.Name, Format: in.Format, Gzip: in.Gzip, Compression: in.Compression, Packets: in.Packets,
			Truncated: in.Truncated, Warnings: in.Warnings}
		for _, lt := range in.LinkTypes {
			out.LinkTypes = append(out.LinkTypes, linkTypeName(int(lt), lt.String()))
		}
		res.Inputs = append(res.Inputs, out)
		res.Summary.Packets += in.Packets
		res.Summary.Truncated = res.Summary.Truncated || in.Truncated
		res.Summary.Warnings = append(res.Summary.Warnings, in.Warnings...)
	}
	res.Summary.Start, res.Summary.End = first.UTC(), last.UTC()
	res.Summary.Skipped = skipped(st)
	res.Summary.Tunnelled = st.Tunnelled
	res.Summary.ReassembledPackets, res.Summary.ReassembledFragments = st.Reassembled, st.Reassembled+st.FragmentsJoined
	if d := rs.dedupe.Dropped; d > 0 {
		res.Summary.Skipped["captured twice"] = d
	}
	if rs.table.ICMPOrphans > 0 {
		res.Summary.Skipped["icmp error for no known flow"] = rs.table.ICMPOrphans
	}
	res.Summary.TCPSegments = rs.table.Segments - rs.table.Trailing
	res.Summary.Evicted = rs.table.Evicted
	res.Summary.TrailingPackets = rs.table.Trailing
	res.Summary.PeakLiveFlows = rs.table.PeakLive

	res.Summary.Flows, res.Total = recs.n, recs.n
	res.Flows = kept.byID()
	seen := recs.list(twoSided) // a half-captured flow proves nothing about the missing side
	recs.mem.drop()
	// The findings and the timeline only read the records: with workers to spare, the
	// timeline is charted while the findings are drawn.
	var charted sync.WaitGroup
	if opts.Workers > 1 {
		charted.Go(func() { res.Timeline = buildTimeline(recs, seen, last, opts.Workers) })
	} else {
		res.Timeline = buildTimeline(recs, seen, last, 1)
	}
	res.Findings = findings(recs, seen, opts.Config)
	if n := rs.table.Evicted; n > 0 {
		res.Findings = append(res.Findings, Finding{Kind: KindFlowLimit, Severity: SevWarn, Endpoint: "",
			Summary: fmt.Sprintf("%s still open when the limit of %d live flows was reached%s were judged early, as of the moment they were dropped (the longest-silent first)",
				plural(n, "flow"), opts.MaxFlows, shareNote(len(shards.tables), opts.MaxFlows)),
			Flows:   []int{},
			Next:    "raise --max-flows (each live flow costs a few KB) for exact verdicts on long-lived connections; a SYN flood or a port scan fills the table with one-packet flows",
			Numbers: map[string]float64{"evicted": float64(n), "max_flows": float64(opts.MaxFlows)}})
	}
	charted.Wait()
	return res, nil
}

// linkTypeName is a link type as people know it, with its number.
func linkTypeName(n int, fallback string) string {
	names := map[int]string{0: "NULL", 1: "ETHERNET", 12: "RAW", 14: "RAW", 101: "RAW", 108: "LOOP",
		113: "LINUX_SLL", 228: "IPV4", 229: "IPV6", 239: "NFLOG", 276: "LINUX_SLL2"}
	if s, ok := names[n]; ok {
		return fmt.Sprintf("%s(%d)", s, n)
	}
	return fmt.Sprintf("%s(%d)", fallback, n)
}

// skipped names the frames that were not analysed, by reason, for the report header.
func skipped(st flows.DecodeStats) map[string]int {
	m := map[string]int{}
	for k, v := range st.NonTCP {
		m[k] += v
	}
	if st.IPFragments > 0 {
		m["ip fragments"] = st.IPFragments
	}
	if st.Malformed > 0 {
		m["malformed"] = st.Malformed
	}
	for k, v := range st.UnsupportedLink {
		m["unsupported link type "+k] += v
	}
	return m
}
