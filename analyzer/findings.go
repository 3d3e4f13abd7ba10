package analyzer

import (
	"fmt"
	"iter"
	"math"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/tcpmortem/tcpmortem/flows"
)

// Finding kinds: stable names, like the verdicts.
const (
	KindIdleTimeout         = "idle_timeout"
	KindCloseWaitLeak       = "close_wait_leak"
	KindSYNDrops            = "syn_drops"
	KindClientTimeout       = "client_timeout"
	KindAcceptFailure       = "accept_failure"
	KindHalfOpenSuspect     = "half_open_suspect"
	KindDegradationTimeline = "degradation_timeline"
	KindRetransmitFailures  = "retransmit_failures"
	KindLostPastCapture     = "lost_past_capture"
	// KindFlowLimit says flows were evicted to stay within --max-flows.
	KindFlowLimit = "flow_limit"
)

// FindingConfig holds the thresholds behind the findings.
type FindingConfig struct {
	// MinFlows is how many flows a pattern needs before it is a finding (where a
	// pattern is a repetition: idle timeouts, client timeouts).
	MinFlows int
	// TimeoutSpread is the widest spread (max − min) of idle times, as a share of their
	// median, that still reads as one configured timeout rather than chance; at least
	// TimeoutSpreadMin absolute. A timeout needs more than half of the closes (and at
	// least MinFlows) within it, centred on the median (timeoutCluster).
	TimeoutSpread    float64
	TimeoutSpreadMin time.Duration
}

// DefaultFindingConfig is what the command line starts from.
func DefaultFindingConfig() FindingConfig {
	return FindingConfig{MinFlows: 3, TimeoutSpread: 0.05, TimeoutSpreadMin: 50 * time.Millisecond}
}

// findings draws the conclusions across flows from their records: every flow the
// capture shows both sides of (twoSided; not only those the filters keep), in ID
// order; cfg the run's thresholds.
func findings(rs *records, fl []*record, cfg Config) []Finding {
	fc := &findCtx{rs: rs}
	out := []Finding{}
	// Each kind reads the records afresh: the pages the one before read are dropped
	// (offHeap.drop), so the run holds about one pass's.
	add := func(f []Finding) {
		out = append(out, f...)
		rs.mem.drop()
	}
	add(fc.idleTimeouts(fl, cfg))
	add(fc.closeWaitLeaks(fl, cfg.Idle))
	// Several findings look at every flow to one server: group them once.
	byServer := fc.serverFlowsOf(fl)
	add(fc.synDrops(fl, byServer, cfg.Idle))
	add(fc.clientTimeouts(fl, cfg))
	add(fc.acceptFailures(fl, byServer))
	add(fc.halfOpen(fl, byServer))
	add(fc.retransmitFailures(fl, cfg.Findings))
	add(fc.lostPastCapture(fl, cfg.Findings))
	add(fc.degradation(byServer))
	for i := range out {
		if len(out[i].Frames) == 0 {
			out[i].Frames = fc.proofFrames(out[i].Flows)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Severity.Rank() > out[j].Severity.Rank() })
	return out
}

// findCtx is what the findings share: the records' arena and evidence table.
type findCtx struct{ rs *records }

// twoSided says whether the capture shows both sides of a flow: one only half
// captured proves nothing about the missing side, so no finding (or state count) may
// rest on it.
func twoSided(f *record) bool { return f.Verdict() != OneSided }

// maxProofFlows is how many flows lend a finding their decisive frames.
const maxProofFlows = 3

// proofFrames points at the frames that prove a finding: the decisive frame of each of
// its first flows (the last piece of each flow's evidence: the FIN, RST or SYN its
// verdict rests on), named with the flow they belong to. The flows are records'
// (findings cite no other), found by ID.
func (fc *findCtx) proofFrames(flowIDs []int) []Evidence {
	var out []Evidence
	for _, id := range flowIDs {
		f := fc.rs.byID(id)
		if f == nil {
			continue
		}
		e, ok := fc.rs.evidence(f)
		if !ok {
			continue
		}
		e.What = fmt.Sprintf("flow %d: %s", f.id, e.What)
		out = append(out, e)
		if len(out) == maxProofFlows {
			break
		}
	}
	return out
}

// durationStats are the figures of a set of durations.
type durationStats struct {
	n                  int
	min, p50, p90, max time.Duration
}

func statsOf(d []time.Duration) durationStats {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	q := func(p float64) time.Duration { return s[int(math.Ceil(p*float64(len(s))))-1] }
	return durationStats{n: len(s), min: s[0], p50: q(0.5), p90: q(0.9), max: s[len(s)-1]}
}

// pick and pickDur keep the elements at indexes in.
func pick(fl []*record, in []int) []*record {
	out := make([]*record, len(in))
	for i, j := range in {
		out[i] = fl[j]
	}
	return out
}

func pickDur(d []time.Duration, in []int) []time.Duration {
	out := make([]time.Duration, len(in))
	for i, j := range in {
		out[i] = d[j]
	}
	return out
}

func ids(fl []*record) []int {
	out := make([]int, len(fl))
	for i, f := range fl {
		out[i] = int(f.id)
	}
	return out
}

// serverFlows are every flow of fl grouped by server, for the findings that look at
// all of a server's flows. The busiest server's are not copied out but read off fl:
// most captures are of one server or a few, and its group would be nearly as long as
// fl (8 bytes a flow, at the end of a run that should hold little but the records).
type serverFlows struct {
	fl     []*record
	keys   []uint32    // the servers, in order of first appearance
	groups [][]*record // by server index; nil for the busiest
	sizes  []int       // by server index
	big    uint32      // the busiest server (the first of those as busy)
}

func (fc *findCtx) serverFlowsOf(fl []*record) *serverFlows {
	sf := &serverFlows{fl: fl}
	sf.keys, sf.sizes = fc.countByServer(fl, nil)
	for _, k := range sf.keys {
		if sf.sizes[k] > sf.sizes[sf.big] || sf.sizes[sf.big] == 0 {
			sf.big = k
		}
	}
	sf.groups = make([][]*record, len(sf.sizes))
	for _, k := range sf.keys {
		if k != sf.big {
			sf.groups[k] = make([]*record, 0, sf.sizes[k])
		}
	}
	for _, f := range fl {
		if f.srv != sf.big {
			sf.groups[f.srv] = append(sf.groups[f.srv], f)
		}
	}
	return sf
}

// of is server k's flows, in fl's order.
func (sf *serverFlows) of(k uint32) iter.Seq[*record] {
	return func(yield func(*record) bool) {
		if k != sf.big {
			for _, f := range sf.groups[k] {
				if !yield(f) {
					return
				}
			}
			return
		}
		for _, f := range sf.fl {
			if f.srv == k && !yield(f) {
				return
			}
		}
	}
}

// ids are the IDs of server k's flows.
func (sf *serverFlows) ids(k uint32) []int {
	out := make([]int, 0, sf.sizes[k])
	for f := range sf.of(k) {
		out = append(out, int(f.id))
	}
	return out
}

// groupBy collects flows under a key, keeping keys in order of first appearance; a
// flow the key function refuses (ok false) joins no group.
func groupBy[K comparable](fl []*record, key func(*record) (K, bool)) ([]K, map[K][]*record) {
	var keys []K
	m := map[K][]*record{}
	for _, f := range fl {
		k, ok := key(f)
		if !ok {
			continue
		}
		if _, seen := m[k]; !seen {
			keys = append(keys, k)
		}
		m[k] = append(m[k], f)
	}
	return keys, m
}

// groupByServer is groupBy with the flows' server for key, the flows ok refuses left
// out. A server is its index in the records' table of servers (one per endpoint), so
// the groups are a slice by that index and the keys those indexes. The groups are
// counted first and made to size (a capture of a million flows to one server would
// otherwise leave as much again behind in slices outgrown), and a group that is all
// of fl is fl itself.
func (fc *findCtx) groupByServer(fl []*record, ok func(*record) bool) ([]uint32, [][]*record) {
	keys, sizes := fc.countByServer(fl, ok)
	if keys == nil {
		return nil, nil
	}
	groups := make([][]*record, len(sizes))
	if len(keys) == 1 && sizes[keys[0]] == len(fl) {
		groups[keys[0]] = fl
		return keys, groups
	}
	for _, k := range keys {
		groups[k] = make([]*record, 0, sizes[k])
	}
	for _, f := range fl {
		if ok(f) {
			groups[f.srv] = append(groups[f.srv], f)
		}
	}
	return keys, groups
}

// countByServer counts the flows of fl that ok takes (nil: every one) by server: the
// servers in order of first appearance, and the counts by server index (nil when ok
// took none).
func (fc *findCtx) countByServer(fl []*record, ok func(*record) bool) (keys []uint32, sizes []int) {
	for _, f := range fl {
		if ok != nil && !ok(f) {
			continue
		}
		if sizes == nil {
			sizes = make([]int, len(fc.rs.servers))
		}
		if sizes[f.srv] == 0 {
			keys = append(keys, f.srv)
		}
		sizes[f.srv]++
	}
	return keys, sizes
}

func clock(t time.Time) string { return t.UTC().Format("15:04:05.000") }

// spreadLimit is the widest spread (max − min) a timeout's silences may show.
func spreadLimit(st durationStats, cfg FindingConfig) time.Duration {
	return max(time.Duration(cfg.TimeoutSpread*float64(st.p50)), cfg.TimeoutSpreadMin)
}

// timeoutCluster picks, out of d, the durations that sit within the timeout spread
// around their median (at most half the limit either side), when they are at least
// cfg.MinFlows and more than half of d: a configured timeout, seen through a few
// silences measured otherwise (a last segment or a FIN the capture only has as a
// retransmission, a connection closed for another reason). It returns their indexes
// in d, or nil.
func timeoutCluster(d []time.Duration, cfg FindingConfig) []int {
	if len(d) == 0 {
		return nil
	}
	st := statsOf(d)
	half := spreadLimit(st, cfg) / 2
	var in []int
	for i, v := range d {
		if v >= st.p50-half && v <= st.p50+half {
			in = append(in, i)
		}
	}
	if len(in) < cfg.MinFlows || 2*len(in) <= len(d) {
		return nil
	}
	return in
}

// closeKindName is how a record's closeKind is written.
func closeKindName(k uint8) string {
	switch k {
	case closeFIN:
		return "FIN"
	case closeRST:
		return "RST"
	}
	return ""
}

// idleTimeouts: one side closes (FIN or RST) after a consistent silence, across
// several flows to the same server: a configured idle timeout, not chance.
func (fc *findCtx) idleTimeouts(fl []*record, cfg Config) []Finding {
	type key struct {
		srv  uint32 // the server's index in the records' table
		by   int8
		kind uint8
	}
	fcfg := cfg.Findings
	// A timeout of the idle threshold itself shows on both sides of it, by the jitter
	// of the path between the closer and the capture point: a close counts from idle
	// less half the spread a timeout of idle may show (--timeout-spread).
	floor := cfg.Idle - spreadLimit(durationStats{p50: cfg.Idle}, fcfg)/2
	keys, groups := groupBy(fl, func(f *record) (key, bool) {
		if f.closeBy < 0 || f.closeIdleData < floor {
			return key{}, false
		}
		switch f.Verdict() {
		case HTTPUnanswered, RequestUnanswered, ServerSilent:
			return key{}, false // a close while waiting for an answer is a request timeout (client_timeout), not idle
		}
		return key{f.srv, f.closeBy, f.closeKind}, true
	})
	var out []Finding
	for _, k := range keys {
		g := groups[k]
		if len(g) < fcfg.MinFlows {
			continue
		}
		var idles []time.Duration
		for _, f := range g {
			idles = append(idles, f.closeIdleData)
		}
		in := timeoutCluster(idles, fcfg)
		if in == nil {
			continue // closes after varied silences: chance, not a timeout
		}
		others := len(g) - len(in)
		var lo, hi time.Duration // the others' silences
		if others > 0 {
			inCluster := make([]bool, len(g))
			for _, i := range in {
				inCluster[i] = true
			}
			lo, hi = time.Duration(math.MaxInt64), time.Duration(math.MinInt64)
			for i, v := range idles {
				if !inCluster[i] {
					lo, hi = min(lo, v), max(hi, v)
				}
			}
			g, idles = pick(g, in), pickDur(idles, in)
		}
		// wroteOn counts the connections the client wrote on after the FIN; leftWritten
		// those of them it had not answered with its own FIN (a close after the write
		// answers it too, as over a long round trip, where the FIN leaves before the
		// server's RST comes back).
		// young counts the others left in CLOSE_WAIT: still there when the capture
		// ended, for less than idle (as close_wait_leak, no sign of a leak yet).
		answered, wroteOn, leftWritten, young := 0, 0, 0, 0
		var buf []span
		for _, f := range g {
			if f.has(flagCloseAnswered) {
				answered++
			}
			if f.has(flagWroteAfterFIN) {
				wroteOn++
				if !f.has(flagCloseAnswered) {
					leftWritten++
				}
			} else if !f.has(flagCloseAnswered) && f.Close() == FINUnanswered && k.kind == closeFIN {
				var stuck time.Duration
				if stuck, _, buf = fc.closeWaitOf(f, flows.Direction(k.by).Other(), buf[:0]); stuck > 0 && stuck < cfg.Idle {
					young++
				}
			}
		}
		st := statsOf(idles)
		server, kind := fc.rs.servers[k.srv].String(), closeKindName(k.kind)
		by := flows.Direction(k.by)
		who := fmt.Sprintf("server %s closes connections", server)
		if by == flows.FromClient {
			who = fmt.Sprintf("clients of %s close their connections", server)
		}
		spread := (st.max - st.min) / 2
		sum := fmt.Sprintf("%s (%s) after %s idle (%d flows, spread ±%s): an idle timeout",
			who, kind, dur(st.p50), len(g), dur(spread))
		switch {
		case others == 1:
			sum = fmt.Sprintf("%s (%s) after %s idle (%d of %d flows, spread ±%s; the other after %s): an idle timeout",
				who, kind, dur(st.p50), len(g), len(g)+others, dur(spread), dur(lo))
		case others > 1 && dur(lo) == dur(hi):
			sum = fmt.Sprintf("%s (%s) after %s idle (%d of %d flows, spread ±%s; the other %d after %s): an idle timeout",
				who, kind, dur(st.p50), len(g), len(g)+others, dur(spread), others, dur(lo))
		case others > 1:
			sum = fmt.Sprintf("%s (%s) after %s idle (%d of %d flows, spread ±%s; the other %d after silences from %s to %s): an idle timeout",
				who, kind, dur(st.p50), len(g), len(g)+others, dur(spread), others, dur(lo), dur(hi))
		}
		next := fmt.Sprintf("the %s's idle timeout (a load balancer, proxy or server setting such as wait_timeout) is %s: keep the other side's idle connections shorter than that (pool max-idle-time)",
			by, dur(st.p50))
		sev := SevInfo
		// writtenOn names the connections the client wrote on after the server's FIN, if
		// any: a request lost on each, a warning.
		writtenOn := func() {
			if by == flows.FromServer && wroteOn > 0 {
				sev = SevWarn
				sum += wroteOnText(wroteOn)
				next += poolAdvice
			}
		}
		switch {
		case kind == "FIN" && answered < len(g) && by == flows.FromServer && leftWritten == len(g)-answered:
			// Every CLOSE_WAIT ended with the client writing on: no leak, but a pool
			// that holds idle connections without noticing the server's FIN and hands
			// them out again. The request on such a connection is lost (the server's
			// kernel answers RST), a failure the client's user sees (a load balancer's
			// 502 when the server is its backend).
			sev = SevWarn
			sum += fmt.Sprintf("; the client answered %d of them with its FIN and left %d in CLOSE_WAIT until it wrote on %s after the FIN, where nothing could answer",
				answered, len(g)-answered, itThem(len(g)-answered))
			if wroteOn > leftWritten {
				sum += fmt.Sprintf(" (as it did on %d of those it answered, before its FIN)", wroteOn-leftWritten)
			}
			sum += ": a request lost each time (its pool hands out connections the server closed)"
			next += poolAdvice
		case kind == "FIN" && answered < len(g) && young == len(g)-answered-leftWritten:
			// Those never written on were still in CLOSE_WAIT at the capture's end,
			// each for less than idle: nothing shows yet that they would stay.
			sum += fmt.Sprintf("; the %s answered %d of them with its FIN; %d %s still in CLOSE_WAIT when the capture ended, for less than the idle threshold (%s may yet close)",
				by.Other(), answered, young, oneOrMore(young, "was", "were"), oneOrMore(young, "it", "they"))
			writtenOn()
		case kind == "FIN" && answered < len(g):
			sev = SevWarn
			sum += fmt.Sprintf("; the %s answered %d of them with its FIN and left %d in CLOSE_WAIT: the local application never closes its side",
				by.Other(), answered, len(g)-answered)
			next += fmt.Sprintf(", and find why the %s application does not close connections the peer closed (a connection not released on an error path)", by.Other())
			writtenOn()
		case kind == "FIN" && by == flows.FromServer && wroteOn == len(g):
			sev = SevWarn
			sum += "; the client closed each only after writing on it past the FIN, where nothing could answer: a request lost each time (its pool hands out connections the server closed)"
			next += poolAdvice
		case kind == "FIN":
			sum += fmt.Sprintf("; the %s answered every one with its FIN", by.Other())
			writtenOn()
		default:
			sum += fmt.Sprintf("; the %s aborted them with RST", by)
		}
		out = append(out, Finding{Kind: KindIdleTimeout, Severity: sev, Endpoint: server, Summary: sum,
			Flows: ids(g), Frames: []Evidence{{Frame: int(g[0].closeFrame), What: fmt.Sprintf("%s %s of flow %d", by, kind, g[0].id)}},
			Next: next,
			Numbers: map[string]float64{"idle_median_s": secs(st.p50), "idle_min_s": secs(st.min), "idle_max_s": secs(st.max),
				"flows": float64(len(g)), "answered": float64(answered), "written_after_fin": float64(wroteOn)}})
	}
	return out
}

// wroteOnText says, in an idle_timeout finding, that the client wrote on n of the
// connections after the server's FIN.
func wroteOnText(n int) string {
	return fmt.Sprintf("; the client wrote on %d of them after the FIN, where nothing could answer: a request lost each time (its pool hands out connections the server closed)", n)
}

// poolAdvice is what else to do about a client pool that reuses connections after
// the server's idle timeout closed them.
const poolAdvice = "; a client that retries a request its reused connection lost (an idempotent one) rides out the race too"

// stuckSide is the side a flow left in CLOSE_WAIT, or "". (A FIN never ACKed puts no
// CLOSE_WAIT in the side's socket states, so closeWaitOf finds none: see buildTrace.)
func stuckSide(f *record) string {
	if c := f.Close(); c == FINUnanswered || c == FINUnansweredThenRST {
		return f.sideName()
	}
	return ""
}

// closeWaitOf is how long side sat in CLOSE_WAIT in flow f (a stuckSide flow): from the
// peer's FIN to the RST that ended it (finToRST, -1 when no RST did), else its CLOSE_WAIT
// span to the capture's end. It returns the side's socket states, read into buf.
func (fc *findCtx) closeWaitOf(f *record, side flows.Direction, buf []span) (stuck, finToRST time.Duration, _ []span) {
	buf = fc.rs.spansOf(f, side, buf)
	closeWait := stateIndex("CLOSE_WAIT")
	for _, sp := range buf {
		if sp.state == closeWait {
			stuck += time.Duration(sp.to - sp.from)
		}
	}
	finToRST = -1
	if f.Close() == FINUnansweredThenRST {
		if d := fc.rs.optOf(f).finToRST; !math.IsNaN(d) {
			finToRST = time.Duration(d * float64(time.Second))
			stuck = finToRST
		}
	}
	return stuck, finToRST, buf
}

// closeWaitLeaks: a side left connections in CLOSE_WAIT; over time their number
// rises when the application leaks them. A CLOSE_WAIT shorter than idle (--idle), until
// an RST or the capture's end, is no sign of one: an application in the middle of
// closing, or answering the peer's FIN with an RST (unread data), looks the same.
func (fc *findCtx) closeWaitLeaks(fl []*record, idle time.Duration) []Finding {
	type key struct {
		role string
		ep   string
	}
	keys, groups := groupBy(fl, func(f *record) (key, bool) {
		switch stuckSide(f) {
		case "server":
			return key{"server", fc.rs.server(f).String()}, true
		case "client":
			return key{"client", f.client.addr().Unmap().String()}, true
		}
		return key{}, false
	})
	closeWait := stateIndex("CLOSE_WAIT")
	var out []Finding
	for _, k := range keys {
		g := groups[k]
		role, ep := k.role, k.ep
		var spans, buf []span
		var waits []time.Duration // FIN to RST, for the flows an RST ended
		still := 0
		kept := g[:0:0]
		for _, f := range g {
			side := flows.FromServer
			if role == "client" {
				side = flows.FromClient
			}
			n := len(spans)
			var stuck, finToRST time.Duration
			stuck, finToRST, buf = fc.closeWaitOf(f, side, buf[:0])
			for _, sp := range buf {
				if sp.state == closeWait {
					spans = append(spans, sp)
				}
			}
			if stuck < idle {
				spans = spans[:n]
				continue
			}
			kept = append(kept, f)
			if finToRST >= 0 {
				waits = append(waits, finToRST)
			}
			if f.Close() == FINUnanswered {
				still++
			}
		}
		if g = kept; len(g) == 0 {
			continue
		}
		pts, peak := countOverTime(spans, time.Time{})
		trend := ""
		if len(pts) > 2 {
			mid := pts[len(pts)/2].N
			if peak.N > 1 && still == peak.N && mid < peak.N {
				trend = fmt.Sprintf("; the count only rose, to a peak of %d at %s: a leak", peak.N, clock(peak.T))
			} else {
				trend = fmt.Sprintf("; at most %d at once (%s)", peak.N, clock(peak.T))
			}
		}
		who := fmt.Sprintf("server %s", ep)
		if role == "client" {
			who = fmt.Sprintf("client host %s", ep)
		}
		sum := fmt.Sprintf("%s left %s in CLOSE_WAIT (%d still there at capture end, %d later reset)%s",
			who, plural(len(g), "connection"), still, len(g)-still, trend)
		sev := SevWarn
		if still == 0 {
			// Every one ended (an RST after the application finally wrote or closed):
			// CLOSE_WAIT that resolved is late closing, not a leak.
			sev = SevInfo
			switch {
			case len(waits) == 1 && len(g) == 1:
				sum = fmt.Sprintf("1 connection sat in CLOSE_WAIT on %s for %s until an RST ended it: the application closed late, it was not left open at capture end",
					who, dur(waits[0]))
			case len(waits) > 0:
				st := statsOf(waits)
				sum = fmt.Sprintf("%s sat in CLOSE_WAIT on %s for %s median (max %s) until an RST ended each: the application closed late, none was left open at capture end",
					plural(len(g), "connection"), who, dur(st.p50), dur(st.max))
			}
		}
		out = append(out, Finding{Kind: KindCloseWaitLeak, Severity: sev, Endpoint: ep, Summary: sum, Flows: ids(g),
			Next:    "CLOSE_WAIT is the local application not calling close() after the peer closed: look for connections not released on an error path (unclosed rows, transactions, response bodies) and for handlers blocked forever",
			Numbers: map[string]float64{"flows": float64(len(g)), "still_open": float64(still), "peak": float64(peak.N)}})
	}
	return out
}

// synDropped says whether a flow's SYNs show them dropped (by the listener or on the
// path): the client gave up, or it was still sending them when the capture ended. A
// single SYN the capture ended less than idle after shows nothing yet: no retry was
// due (a client's first comes after its initial RTO, 1 s on Linux: RFC 6298), and the
// SYN or its answer may still have been on its way. A capture cut in the middle of a
// busy listener's traffic ends with a few of those, one for each connection begun in
// the last round trip, and they are no drops.
func (fc *findCtx) synDropped(f *record, idle time.Duration) bool {
	switch f.Verdict() {
	case SYNGiveUp:
		return true
	case SYNUnanswered:
		if f.synCount > 1 {
			return true
		}
		s := fc.rs.optOf(f).silent
		return math.IsNaN(s) || s >= idle.Seconds()
	}
	return false
}

// synDrops: a listener left SYNs unanswered while (perhaps) accepting others.
func (fc *findCtx) synDrops(fl []*record, byServer *serverFlows, idle time.Duration) []Finding {
	dropped := func(f *record) bool { return fc.synDropped(f, idle) }
	keys, groups := fc.groupByServer(fl, dropped)
	var out []Finding
	for _, k := range keys {
		g := groups[k]
		attempts, served := 0, 0
		var first, last time.Time
		for f := range byServer.of(k) {
			if f.synCount > 0 || f.has(flagClientSYN) {
				attempts++
				if first.IsZero() {
					first = f.Start()
				}
				last = f.Start()
				if f.has(flagServed) && f.Close() != HandshakeIncomplete {
					served++
				}
			}
		}
		syns := 0
		gaps := []float64{}
		retries := map[int]int{}
		for _, f := range g {
			syns += int(f.synCount)
			if n := int(f.synCount) - 1; n > len(gaps) {
				if u := fc.rs.unpack(f); len(u.gaps) > len(gaps) {
					gaps = u.gaps
				}
			}
			if f.synRetries >= 0 {
				retries[int(f.synRetries)]++
			}
		}
		server := fc.rs.servers[k].String()
		backOff := "" // a single SYN each: no gap to show
		if len(gaps) > 0 {
			backOff = "; back-off " + gapList(gaps)
		}
		sum := fmt.Sprintf("listener %s left %d of %s unanswered (%s, %.1f per attempt%s)",
			server, len(g), plural(attempts, "connection attempt"), plural(syns, "SYN"), float64(syns)/float64(len(g)), backOff)
		nums := map[string]float64{"unanswered": float64(len(g)), "attempts": float64(attempts), "syns": float64(syns), "established": float64(served)}
		if r, n := mode(retries); n > 0 {
			budget := float64(int(1)<<(r+1) - 1)
			sum += fmt.Sprintf("; the clients gave up as net.ipv4.tcp_syn_retries=%d does on Linux (about %.0f s per attempt)", r, budget)
			nums["tcp_syn_retries"] = float64(r)
		}
		if served > 0 {
			sum += fmt.Sprintf(", while %s to it were accepted", plural(served, "other connection"))
		}
		if share := failShare(byServer.of(k), first, last, dropped); share != "" {
			sum += "; " + share
		}
		out = append(out, Finding{Kind: KindSYNDrops, Severity: SevError, Endpoint: server, Summary: sum, Flows: ids(g),
			Next:    "the listener's accept queue (ss -lnt: Recv-Q against the backlog; nstat ListenOverflows/ListenDrops) or SYN queue (tcp_max_syn_backlog, syncookies) is overflowing, or a firewall drops SYNs: check the backlog and how fast the process accepts",
			Numbers: nums})
	}
	return out
}

// failShare says how the share of failed attempts to a server moved over the capture.
func failShare(toServer iter.Seq[*record], first, last time.Time, dropped func(*record) bool) string {
	const buckets = 4
	span := last.Sub(first)
	var total, failed [buckets]int
	for f := range toServer {
		if !f.has(flagClientSYN) {
			continue
		}
		b := 0
		if span > 0 {
			b = int(float64(f.Start().Sub(first)) / float64(span) * buckets)
			if b >= buckets {
				b = buckets - 1
			}
		}
		total[b]++
		if dropped(f) {
			failed[b]++
		}
	}
	n := 0
	for _, t := range total {
		n += t
	}
	if n < buckets {
		return "" // fewer attempts than quarters: no trend to show
	}
	var parts []string
	for b := 0; b < buckets; b++ {
		if total[b] > 0 {
			parts = append(parts, fmt.Sprintf("%.0f%%", 100*float64(failed[b])/float64(total[b])))
		} else {
			parts = append(parts, "–") // no attempt began in this quarter
		}
	}
	return fmt.Sprintf("failed share by quarter of the attempts' time span: %s", strings.Join(parts, ", "))
}

func mode(m map[int]int) (int, int) {
	best, n := 0, 0
	for k, v := range m {
		if v > n || v == n && k < best {
			best, n = k, v
		}
	}
	return best, n
}

// clientTimeouts: requests never answered, and how long their clients waited.
func (fc *findCtx) clientTimeouts(fl []*record, cfg Config) []Finding {
	keys, groups := fc.groupByServer(fl, func(f *record) bool {
		v := f.Verdict()
		// A wait of 0 is a close in the request's own segment: no timeout shows.
		return (v == HTTPUnanswered || v == RequestUnanswered) && f.has(flagApp) &&
			(f.gaveUpBy == gaveUpFIN || f.gaveUpBy == gaveUpRST) && fc.rs.optOf(f).wait > 0
	})
	var out []Finding
	for _, k := range keys {
		g := groups[k]
		server := fc.rs.servers[k].String()
		var waits []time.Duration
		var buf []span
		// The server never closed: it sat in CLOSE_WAIT after the client's FIN for at
		// least --idle, as closeWaitLeaks counts it. A late response the client's RST
		// answered at once is an application that did return.
		serverNeverClosed, late := 0, 0
		// The evidence is the first flow whose request the capture holds (a request it
		// lost whole has no frame); the requests are HTTP ones when all of them are.
		what, first := "HTTP requests", g[0]
		firstFound := false
		for _, f := range g {
			o := fc.rs.optOf(f)
			waits = append(waits, time.Duration(o.wait*float64(time.Second)))
			if !firstFound && o.requestFrame != 0 {
				first, firstFound = f, true
			}
			if f.Verdict() != HTTPUnanswered {
				what = "requests"
			}
			if f.has(flagLateAnswer) {
				late++
			}
			if stuckSide(f) == "server" {
				var stuck time.Duration
				if stuck, _, buf = fc.closeWaitOf(f, flows.FromServer, buf[:0]); stuck >= cfg.Idle {
					serverNeverClosed++
				}
			}
		}
		st := statsOf(waits)
		sum := fmt.Sprintf("%d %s to %s never answered; the client gave up after %s median (p90 %s, max %s)",
			len(g), what, server, dur(st.p50), dur(st.p90), dur(st.max))
		if len(g) == 1 {
			sum = fmt.Sprintf("1 %s to %s never answered; the client gave up after %s", strings.TrimSuffix(what, "s"), server, dur(st.p50))
		}
		if in := timeoutCluster(waits, cfg.Findings); len(in) == len(g) {
			sum += fmt.Sprintf(": the client's timeout is %s", dur(st.p50))
		} else if in != nil {
			sum += fmt.Sprintf(": the client's timeout is %s (%d of them)", dur(statsOf(pickDur(waits, in)).p50), len(in))
		}
		next := "the server accepted the connections and read the requests but its application never answered: look for handlers blocked on a resource (a DB pool, a lock, a downstream call)"
		// Answers that came after the client gave up: most of them, and the server is
		// slower than the client waits rather than hung.
		switch {
		case late == 1 && len(g) == 1:
			sum += "; the server's answer came after the client had given up: it answers, slower than the client waits"
		case 2*late > len(g):
			sum += fmt.Sprintf("; the server's answer to %d of them came after the client had given up: it answers, slower than the client waits", late)
		case late > 0:
			sum += fmt.Sprintf("; %d of them got the server's answer after the client had given up", late)
		}
		if 2*late > len(g) {
			next = "the server answers, but later than the client waits: compare the client's timeout with the server's response times (degradation_timeline's slow responses), and find what slows the handler (a pool, a lock, a downstream call) or raise the timeout"
		}
		switch {
		case serverNeverClosed > 0 && len(g) == 1:
			sum += "; the server never closed it: the application is not returning and not closing"
		case serverNeverClosed > 0:
			sum += fmt.Sprintf("; the server never closed %d of them: the application is not returning and not closing", serverNeverClosed)
		}
		out = append(out, Finding{Kind: KindClientTimeout, Severity: SevError, Endpoint: server, Summary: sum, Flows: ids(g),
			Frames: []Evidence{{Frame: int(fc.rs.optOf(first).requestFrame), What: fmt.Sprintf("first unanswered request (flow %d)", first.id)}},
			Next:   next,
			Numbers: map[string]float64{"unanswered": float64(len(g)), "wait_p50_s": secs(st.p50), "wait_p90_s": secs(st.p90),
				"wait_max_s": secs(st.max), "server_never_closed": float64(serverNeverClosed), "answered_late": float64(late)}})
	}
	return out
}

// itThem, itsTheir and wasWere are the words for one flow or more.
func itThem(n int) string   { return oneOrMore(n, "it", "them") }
func itsTheir(n int) string { return oneOrMore(n, "its", "their") }
func wasWere(n int) string  { return oneOrMore(n, "was", "were") }

func oneOrMore(n int, one, more string) string {
	if n == 1 {
		return one
	}
	return more
}

// clockSpan is "at T" for one time, "from T1 to T2" for two.
func clockSpan(a, b time.Time) string {
	if a.Equal(b) {
		return "at " + clock(a)
	}
	return "from " + clock(a) + " to " + clock(b)
}

// What to check, and to do, for a listener whose accept queue overflows (acceptFailures).
const (
	queueCheck = "the accept queue overflowing: ss -lnt (Recv-Q against Send-Q, the backlog), nstat -az TcpExtListenOverflows TcpExtListenDrops"
	queueFix   = "raise the listen() backlog (capped by net.core.somaxconn) or make the process accept faster"
)

// acceptFailures: connections reset on their first request at a listener that
// served others (the kernel completed handshakes the process never took), and
// connections the listener's kernel never took at all (its SYN-ACK retransmitted after
// the client's data: a full accept queue), whatever became of them: reset, or still
// waiting at the capture's end; and connections reset at the handshake's last ACK,
// before any data (a full accept queue with tcp_abort_on_overflow=1, met by a client
// that waits for the server to speak first).
func (fc *findCtx) acceptFailures(fl []*record, byServer *serverFlows) []Finding {
	keys, groups := fc.groupByServer(fl, func(f *record) bool {
		return f.Verdict() == RSTOnFirstData || f.has(flagListenOverflow) || f.has(flagResetAtHandshake)
	})
	var out []Finding
	for _, k := range keys {
		all := groups[k]
		server := fc.rs.servers[k].String()
		served := 0
		for f := range byServer.of(k) {
			if f.has(flagServerPayload) {
				served++
			}
		}
		// Those reset at the handshake had no request: said apart, after the others.
		var g, atHandshake []*record
		for _, f := range all {
			if f.has(flagResetAtHandshake) {
				atHandshake = append(atHandshake, f)
			} else {
				g = append(g, f)
			}
		}
		if len(g) == 0 {
			sum := fmt.Sprintf("%s to %s %s reset by the server as %s handshake completed, before any data (%s)",
				plural(len(all), "connection"), server, wasWere(len(all)), itsTheir(len(all)), clockSpan(all[0].Start(), all[len(all)-1].Start()))
			if served > 0 {
				sum += fmt.Sprintf(", while %d others were served", served)
			}
			sum += ": the listener's kernel refused " + itThem(len(all)) + " at the handshake's last ACK, as when its accept queue is full and net.ipv4.tcp_abort_on_overflow=1 resets it, or its process reset " + itThem(len(all)) + " as it accepted " + itThem(len(all))
			out = append(out, Finding{Kind: KindAcceptFailure, Severity: SevError, Endpoint: server, Summary: sum, Flows: ids(all),
				Next:    queueCheck + ", sysctl net.ipv4.tcp_abort_on_overflow; " + queueFix,
				Numbers: map[string]float64{"reset": 0, "served": float64(served), "reset_at_handshake": float64(len(all))}})
			continue
		}
		// overflow: the kernel dropped their handshake's last ACK; reset: reset on the
		// first request (all that are not overflow, and overflow ones the listener
		// reset once it had given up their handshake).
		// unacked: reset by the kernel with the request unacknowledged (resetUnacked), on
		// a connection it had never held half-open (not overflow).
		overflow, reset, unacked := 0, 0, 0
		for _, f := range g {
			if f.has(flagListenOverflow) {
				overflow++
			} else if f.has(flagResetUnacked) {
				unacked++
			}
			if f.Verdict() == RSTOnFirstData {
				reset++
			}
		}
		sum := fmt.Sprintf("%s to %s completed the handshake and were reset on their first request (from %s to %s)",
			plural(len(g), "connection"), server, clock(g[0].Start()), clock(g[len(g)-1].Start()))
		if len(g) == 1 {
			sum = fmt.Sprintf("1 connection to %s completed the handshake and was reset on its first request (at %s)",
				server, clock(g[0].Start()))
		}
		if reset < len(g) && overflow < len(g) { // mixed: say the resets apart
			sum = fmt.Sprintf("%s to %s completed the handshake and %s reset on %s first request, %s (%s)",
				plural(reset, "connection"), server, wasWere(reset), itsTheir(reset),
				plural(len(g)-reset, "other")+" never had "+itsTheir(len(g)-reset)+" request acknowledged",
				clockSpan(g[0].Start(), g[len(g)-1].Start()))
		}
		if served > 0 {
			sum += fmt.Sprintf(", while %d others were served", served)
		} else if overflow == 0 {
			sum += ": no connection to it was served"
		} else {
			sum += "; no connection to it was served"
		}
		next := "accept() failing (the fd limit: EMFILE in the logs, ulimit -n, ls /proc/PID/fd | wc -l) or the listener closed with connections queued; check what holds the fds (a pool too small, requests queueing)"
		switch {
		case overflow == len(g):
			// The server's SYN-ACKs after the client's data: its kernel held every one
			// of them half-open, so accept() never had them to fail on, and the
			// handshake completed on the client's side only.
			what := fmt.Sprintf("%s reset on %s first request", wasWere(len(g)), itsTheir(len(g)))
			switch {
			case reset == 0:
				what = "never had " + itsTheir(len(g)) + " first request acknowledged"
			case reset < len(g):
				what = fmt.Sprintf("never had their first request acknowledged (%d of them reset on it)", reset)
			}
			sum = fmt.Sprintf("%s to %s, connected on the client's side, %s (%s)",
				plural(len(g), "connection"), server, what, clockSpan(g[0].Start(), g[len(g)-1].Start()))
			if served > 0 {
				sum += fmt.Sprintf(", while %d others were served", served)
			}
			sum += ": the listener's kernel never took " + itThem(len(g)) + " (its SYN-ACK retransmitted after the client's data): its accept queue was full and dropped the handshake's last ACK"
			next = queueCheck + "; " + queueFix
		case unacked == len(g):
			// No socket ever had them: a socket, even one never accepted, acknowledges
			// the request it queues, and its abort carries an ACK.
			sum = fmt.Sprintf("%s to %s, connected on the client's side, %s reset on %s first request, which the server never acknowledged (%s)",
				plural(len(g), "connection"), server, wasWere(len(g)), itsTheir(len(g)), clockSpan(g[0].Start(), g[len(g)-1].Start()))
			if served > 0 {
				sum += fmt.Sprintf(", while %d others were served", served)
			}
			sum += ": the listener's kernel had no connection for " + itThem(len(g)) + " (an RST without ACK), as when its accept queue is full and net.ipv4.tcp_abort_on_overflow=1 resets the handshake's last ACK, or the listener had gone"
			next = queueCheck + ", sysctl net.ipv4.tcp_abort_on_overflow; " + queueFix + "; else whether the listener restarted, or a firewall resets"
		case overflow > 0:
			sum += fmt.Sprintf(": the listener's kernel never took %d of them (its SYN-ACK retransmitted after the client's data: a full accept queue); the others its process never took from the queue (accept failing), or its handler aborted them unanswered", overflow)
			next = "the accept queue overflowing (ss -lnt: Recv-Q against the backlog; nstat TcpExtListenOverflows) and " + next
		case served > 0:
			sum += ": the listener's process is not taking them from its accept queue (accept failing), or its handler aborts them unanswered"
		}
		if unacked > 0 && unacked < len(g) {
			sum += fmt.Sprintf("; %d of them reset with the request unacknowledged (an RST without ACK: the kernel had no connection for %s, as with a full accept queue and net.ipv4.tcp_abort_on_overflow=1)",
				unacked, itThem(unacked))
			next = "the accept queue overflowing (ss -lnt: Recv-Q against the backlog; nstat TcpExtListenOverflows; tcp_abort_on_overflow=1 resets) and " + next
		}
		nums := map[string]float64{"reset": float64(reset), "served": float64(served)}
		if overflow > 0 {
			nums["listen_overflow"] = float64(overflow)
		}
		if unacked > 0 {
			nums["reset_unacked"] = float64(unacked)
		}
		if n := len(atHandshake); n > 0 {
			sum += fmt.Sprintf("; %d more %s reset as %s handshake completed, before any data (reset at the handshake's last ACK: a full accept queue with net.ipv4.tcp_abort_on_overflow=1)",
				n, wasWere(n), itsTheir(n))
			nums["reset_at_handshake"] = float64(n)
		}
		out = append(out, Finding{Kind: KindAcceptFailure, Severity: SevError, Endpoint: server, Summary: sum, Flows: ids(all),
			Next: next, Numbers: nums})
	}
	return out
}

// halfOpen: long-silent established flows with no keepalive: if the peer vanished
// they hang forever.
func (fc *findCtx) halfOpen(fl []*record, byServer *serverFlows) []Finding {
	keys, groups := fc.groupByServer(fl, func(f *record) bool {
		v := f.Verdict()
		// A side still retransmitting is no silent half-open connection: its kernel
		// knows the peer does not answer, and tcp_retries2 will end it; nor is one whose
		// side resends what the capture shows acknowledged (lostPastCapture's).
		return !f.has(flagKeepSeen) && !f.has(flagRetrying) && !f.has(flagLostToClient) && !f.has(flagLostToServer) &&
			(v == IdleOpen || v == ServerSilent)
	})
	var out []Finding
	for _, k := range keys {
		g := groups[k]
		server := fc.rs.servers[k].String()
		var silent []time.Duration
		before := 0 // silent since before the capture began: their silence is a lower bound
		for _, f := range g {
			if f.silentAtLeast() {
				before++
			}
			o := fc.rs.optOf(f)
			s := o.silent
			if math.IsNaN(s) && f.has(flagApp) {
				s = o.wait
			}
			if !math.IsNaN(s) {
				silent = append(silent, time.Duration(s*float64(time.Second)))
			}
		}
		if len(silent) == 0 {
			continue
		}
		st := statsOf(silent)
		withKA := 0
		for f := range byServer.of(k) {
			if f.has(flagKeepSeen) {
				withKA++
			}
		}
		span := fmt.Sprintf("%s to %s", dur(st.min), dur(st.max))
		if st.max-st.min < 50*time.Millisecond {
			span = dur(st.max)
		}
		// A flow begun mid-connection whose first packet in the capture was its last
		// activity had been silent for longer than the capture shows.
		switch {
		case before == 0:
		case before == len(g):
			span = "at least " + span + " (silent since before the capture began)"
		default:
			span += fmt.Sprintf(" (%d of them silent since before the capture began, for longer than it shows)", before)
		}
		sum := fmt.Sprintf("%s to %s silent at capture end for %s with no TCP keepalive seen",
			plural(len(g), "established connection"), server, span)
		if withKA > 0 {
			sum += fmt.Sprintf(" (%s to it did send keepalives)", plural(withKA, "other connection"))
		}
		if len(g) == 1 {
			sum += ": if the peer rebooted or a middlebox dropped the state it is half-open and will hang until an application timeout"
		} else {
			sum += ": if the peer rebooted or a middlebox dropped the state they are half-open and will hang until an application timeout"
		}
		nums := map[string]float64{"flows": float64(len(g)), "silent_max_s": secs(st.max), "with_keepalive": float64(withKA)}
		if before > 0 {
			nums["silent_since_before_capture"] = float64(before)
		}
		out = append(out, Finding{Kind: KindHalfOpenSuspect, Severity: SevInfo, Endpoint: server, Summary: sum, Flows: ids(g),
			Next:    "enable TCP keepalive on these sockets (SO_KEEPALIVE with TCP_KEEPIDLE/INTVL/CNT) and an application-level timeout on every read",
			Numbers: nums})
	}
	return out
}

// resendFailed says a side of flow f resent data its peer never acknowledged, until it
// gave up (retransmit_giveup) or up to the capture's end, its next resend not yet due
// (the open, idle_open and fin_unanswered that say so; an open flow only past loss
// recovery, see resendsFailing): loss recovery that never recovered.
func resendFailed(f *record) bool {
	switch f.Verdict() {
	case RetransmitGiveUp:
		// Unless what the side gave up on was acknowledged in the capture, the
		// acknowledgments lost on their way to it: lostPastCapture's.
		return !(f.side == sideClient && f.has(flagLostToClient) || f.side == sideServer && f.has(flagLostToServer))
	case Open, IdleOpen, FINUnanswered:
		// Resends of data never acknowledged in the capture (flowTrace.retrying), though
		// the other side may have lost packets too: through an MTU black hole, the
		// server's full-sized resend that acknowledged the client's FIN.
		return f.has(flagRetrying)
	}
	return false
}

// retransmitFailures: connections to one host whose data was resent and never
// acknowledged. Several at once point at the host or the path to it rather than at
// one connection: a host gone, a firewall dropping one direction, or an MTU black hole
// (full-sized segments lost while small ones pass), which the peers seen alive while
// the resends went on single out.
func (fc *findCtx) retransmitFailures(fl []*record, fcfg FindingConfig) []Finding {
	keys, groups := groupBy(fl, func(f *record) (netip.Addr, bool) {
		return fc.rs.server(f).addr().Unmap(), resendFailed(f)
	})
	var out []Finding
	for _, host := range keys {
		g := groups[host]
		if len(g) < fcfg.MinFlows {
			continue
		}
		gaveUp, alive, icmp := 0, 0, 0
		for _, f := range g {
			if f.Verdict() == RetransmitGiveUp {
				gaveUp++
			}
			if f.has(flagPeerAlive) {
				alive++
			}
			if f.has(flagICMPBack) {
				icmp++
			}
		}
		var sum, alivePart, icmpPart string
		if len(g) == 1 { // one connection (--min-flows 1): no counts
			how := "still resent at capture end"
			if gaveUp == 1 {
				how = "until the sender gave up"
			}
			sum = fmt.Sprintf("1 connection to host %s had data resent and never acknowledged, %s", host, how)
		} else {
			var parts []string
			if gaveUp > 0 {
				parts = append(parts, fmt.Sprintf("%d until the sender gave up", gaveUp))
			}
			if still := len(g) - gaveUp; still > 0 {
				parts = append(parts, fmt.Sprintf("%d still resent at capture end", still))
			}
			sum = fmt.Sprintf("%d connections to host %s had data resent and never acknowledged: %s", len(g), host, strings.Join(parts, ", "))
			alivePart, icmpPart = fmt.Sprintf("in %d ", alive), fmt.Sprintf("in %d ", icmp)
		}
		if alive > 0 {
			sum += "; " + alivePart + "the other side was seen alive while the resends went on: the path lost those segments one way"
		}
		if icmp > 0 {
			sum += "; " + icmpPart + "ICMP errors came back about them"
		}
		out = append(out, Finding{Kind: KindRetransmitFailures, Severity: SevWarn, Endpoint: host.String(), Summary: sum, Flows: ids(g),
			Next: "the path to the host, and the host: an MTU black hole (full-sized segments lost while small ones pass, ICMP " +
				"'fragmentation needed' filtered: lower the MTU or clamp the MSS), a firewall or conntrack dropping one direction, " +
				"a route or host gone; where ICMP errors came back, they name who refused",
			Numbers: map[string]float64{"flows": float64(len(g)), "given_up": float64(gaveUp), "still_resending": float64(len(g) - gaveUp),
				"peer_alive": float64(alive), "icmp": float64(icmp)}})
	}
	return out
}

// lostPastCapture: connections whose packets to one host are in the capture but never
// reached it, as what the host did next shows (see the function of that name in
// verdict.go): they were dropped between the capture point and the host. One such
// connection is its verdict's story; --min-flows of them to one host point at that
// host's own input (a firewall, rp_filter) or the last hop to it.
func (fc *findCtx) lostPastCapture(fl []*record, fcfg FindingConfig) []Finding {
	type key struct {
		host netip.Addr
		peer bool // the host is the flows' server
	}
	var keys []key
	groups := map[key][]*record{}
	for _, f := range fl {
		for _, k := range []struct {
			on bool
			k  key
		}{{f.has(flagLostToClient), key{f.client.addr().Unmap(), false}}, {f.has(flagLostToServer), key{fc.rs.server(f).addr().Unmap(), true}}} {
			if !k.on {
				continue
			}
			if _, seen := groups[k.k]; !seen {
				keys = append(keys, k.k)
			}
			groups[k.k] = append(groups[k.k], f)
		}
	}
	var out []Finding
	for _, k := range keys {
		g := groups[k]
		if len(g) < fcfg.MinFlows {
			continue
		}
		role := "client"
		if k.peer {
			role = "server"
		}
		// What the host did that shows it: told apart by the verdict the flow got.
		var handshake, probes, resends int
		for _, f := range g {
			switch v := f.Verdict(); {
			case v == HandshakeIncomplete:
				handshake++
			case f.has(flagKeepSeen) && (v == KeepAliveTimeout || v == IdleOpen):
				probes++
			default:
				resends++
			}
		}
		var how []string
		for _, h := range []struct {
			n    int
			what string
		}{{resends, "resent data already acknowledged"}, {probes, "probed as if its keepalives went unanswered"},
			{handshake, "repeated its part of the handshake"}} {
			if h.n > 0 {
				how = append(how, fmt.Sprintf("in %d it %s", h.n, h.what))
			}
		}
		sum := fmt.Sprintf("%s with %s as the %s: packets to it are in the capture but never reached it (%s): they were dropped between the capture point and %s",
			plural(len(g), "connection"), k.host, role, strings.Join(how, "; "), k.host)
		out = append(out, Finding{Kind: KindLostPastCapture, Severity: SevWarn, Endpoint: k.host.String(), Summary: sum, Flows: ids(g),
			Next: "on " + k.host.String() + ": its firewall's input rules (nft list ruleset, iptables -S INPUT), reverse-path filtering " +
				"(sysctl net.ipv4.conf.all.rp_filter), conntrack dropping invalid packets; else the last hop to it. " +
				"A capture taken on that host sees its input before the firewall does",
			Numbers: map[string]float64{"flows": float64(len(g)), "resends": float64(resends), "keepalives": float64(probes),
				"handshakes": float64(handshake)}})
	}
	return out
}

// slowdown is where a server's responses slowed: the first response (in time) past
// the limit its earliest three set (see slowLimit), its flow, and the base and worst
// response times; zero (f nil) when no response was that slow or there were fewer
// than four.
type slowdown struct {
	at          time.Time
	f           *record
	base, worst time.Duration
}

// slowLimit is the response time past which a server's responses count as slow: four
// times the least of its earliest three, and at least 50 ms more.
func slowLimit(early [3]timedWait) time.Duration {
	base := min(early[0].wait, early[1].wait, early[2].wait)
	return max(4*base, base+50*time.Millisecond)
}

// see makes w of flow f the slowdown if it is past limit and earlier than the one
// held (the first read of those at the same instant stays).
func (s *slowdown) see(w timedWait, f *record, limit time.Duration) {
	if w.wait > limit && (s.f == nil || w.at.Before(s.at)) {
		s.at, s.f = w.at, f
	}
}

// slowdown finds where the responses of the flows g (to one server) slowed. It reads
// them as they come instead of sorting them (a capture of a million requests to one
// server would hold them all): the earliest three give the base, and the earliest
// response past the limit that base sets is where responses slowed. Each response is
// checked against the limit of the earliest three read so far; the flows read
// before the last change of those three are read again at the end. A capture's
// flows come in the order they started, so the earliest three are among the first:
// one pass, and a second look at a few flows.
func (fc *findCtx) slowdown(g iter.Seq[*record]) slowdown {
	var early [3]timedWait // the earliest response times, in time order
	nWaits := 0
	var buf []timedWait
	var limit, worst time.Duration
	var late slowdown // the slowdown among the flows after the first recheck
	recheck := 0      // the first recheck flows are read again at the end
	j := -1
	for f := range g {
		j++
		buf = fc.rs.waitsOf(f, buf[:0])
		changed := false
		for _, w := range buf {
			i := min(nWaits, len(early))
			for i > 0 && w.at.Before(early[i-1].at) {
				if i < len(early) {
					early[i] = early[i-1]
				}
				i--
			}
			if i < len(early) {
				early[i] = w
				changed = true
			}
			nWaits++
			worst = max(worst, w.wait)
		}
		switch {
		case changed:
			recheck, late = j+1, slowdown{}
			if nWaits >= len(early) {
				limit = slowLimit(early)
			}
		case len(buf) > 0: // the earliest three were known before this flow's
			for _, w := range buf {
				late.see(w, f, limit)
			}
		}
	}
	if nWaits < 4 {
		return slowdown{}
	}
	var s slowdown
	j = 0
	for f := range g {
		if j == recheck {
			break
		}
		j++
		buf = fc.rs.waitsOf(f, buf[:0])
		for _, w := range buf {
			s.see(w, f, limit)
		}
	}
	// The flows after the first recheck come later in the order: on a tie, the earlier
	// wins.
	if late.f != nil && (s.f == nil || late.at.Before(s.at)) {
		s = late
	}
	if s.f == nil {
		return slowdown{}
	}
	s.base, s.worst = min(early[0].wait, early[1].wait, early[2].wait), worst
	return s
}

// degradation: for one server, the order in which things went wrong: responses
// slowing, then requests unanswered, then resets or refusals. Only the server's resets
// count: a client that aborts (an RST of its own, its timeout or its user's cancel) says
// nothing of the server.
func (fc *findCtx) degradation(byServer *serverFlows) []Finding {
	var out []Finding
	for _, k := range byServer.keys {
		g := byServer.of(k)
		server := fc.rs.servers[k].String()
		nUnanswered, nResets := 0, 0
		var firstUnanswered, firstReset *record
		for f := range g {
			switch f.Verdict() {
			case HTTPUnanswered, RequestUnanswered, ServerSilent:
				nUnanswered++
				if firstUnanswered == nil {
					firstUnanswered = f
				}
			case Reset:
				if f.side != sideServer {
					continue
				}
				fallthrough
			case RSTOnFirstData, Refused:
				nResets++
				if firstReset == nil {
					firstReset = f
				}
			}
		}
		type phase struct {
			at   time.Time
			text string
		}
		var ordered []phase
		nums := map[string]float64{}
		slow := fc.slowdown(g)
		if slow.f != nil {
			ordered = append(ordered, phase{slow.at, fmt.Sprintf("responses slowed from %s to as much as %s from %s",
				dur(slow.base), dur(slow.worst), clock(slow.at))})
			nums["slow_from"] = float64(slow.at.UnixNano()) / 1e9
		}
		if nUnanswered > 0 {
			at := firstUnanswered.Start() // flows are in ID order: the first started first
			ordered = append(ordered, phase{at, fmt.Sprintf("requests went unanswered from %s (%d)", clock(at), nUnanswered)})
			nums["unanswered_from"] = float64(at.UnixNano()) / 1e9
		}
		if nResets > 0 {
			at := firstReset.Start()
			ordered = append(ordered, phase{at, fmt.Sprintf("connections were reset or refused from %s (%d)", clock(at), nResets)})
			nums["resets_from"] = float64(at.UnixNano()) / 1e9
		}
		if len(ordered) < 2 {
			continue
		}
		sort.SliceStable(ordered, func(i, j int) bool { return ordered[i].at.Before(ordered[j].at) })
		var texts []string
		for _, p := range ordered {
			texts = append(texts, p.text)
		}
		// The frames: where each step first shows (the flow that first shows it).
		var frames []Evidence
		for _, p := range []struct {
			f    *record
			what string
		}{{slow.f, "first slow response"}, {firstUnanswered, "first unanswered request"}, {firstReset, "first reset or refusal"}} {
			if p.f != nil {
				frames = append(frames, Evidence{Frame: int(p.f.firstFrame), What: fmt.Sprintf("flow %d: %s", p.f.id, p.what)})
			}
		}
		out = append(out, Finding{Kind: KindDegradationTimeline, Severity: SevWarn, Endpoint: server,
			Summary: fmt.Sprintf("%s degraded in this order: %s", server, strings.Join(texts, "; then ")),
			Frames:  frames,
			Flows:   byServer.ids(k),
			Next:    "read the server's own metrics and logs at these times: the first step is usually the cause (a pool or queue filling), the later ones its consequences",
			Numbers: nums})
	}
	return out
}
