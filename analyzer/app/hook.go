// Package app is tcpmortem's application layer: it puts each flow's payload back in order
// (flows/stream) and recognises what the two sides were saying, so the analyzer can say
// "POST /hang was never answered" or "the client sent its SSH banner and nothing came
// back" instead of "12 bytes went one way".
//
// It watches flows through flows.AppHook: Hook keeps its state in Flow.App and InfoOf
// turns it into an Info once the flow is finished. Parsers look at message heads only
// (capped at 16 KiB) and count bodies without keeping them; once a protocol has said what
// it has to say, its directions are stopped and only counted.
package app

import (
	"github.com/tcpmortem/tcpmortem/flows"
	"github.com/tcpmortem/tcpmortem/flows/stream"
)

// MaxHead bounds the bytes a parser accumulates for one message head (an HTTP head, a
// TLS ClientHello, a MySQL login packet, ...). Beyond it a message is oversize.
const MaxHead = 16 << 10

// Hook is the application layer as the flow table sees it (flows.AppHook). One Hook
// serves a whole run; all per-flow state lives in Flow.App.
type Hook struct{}

// New returns the application layer's hook, to set as flows.Table.App.
func New() *Hook { return &Hook{} }

var _ flows.AppHook = (*Hook)(nil)

// protocol ids while parsing
const (
	pUndecided uint8 = iota
	pUnknown
	pHTTP
	pTLS
	pSSH
	pMySQL
	pPostgres
	pRedis
	pSMTP
	pHTTP2
)

var protoNames = [...]string{pUndecided: "", pUnknown: "", pHTTP: ProtoHTTP, pTLS: ProtoTLS,
	pSSH: ProtoSSH, pMySQL: ProtoMySQL, pPostgres: ProtoPostgres, pRedis: ProtoRedis,
	pSMTP: ProtoSMTP, pHTTP2: ProtoHTTP2}

// sink delivers one direction's in-order bytes to the flow's parsers.
type sink struct {
	st *flowState
	d  flows.Direction
}

func (s *sink) Data(b []byte, n int, m stream.Meta) { s.st.data(s.d, b, n, m) }
func (s *sink) Gap(n int, m stream.Meta)            { s.st.gap(s.d, n, m) }

// flowState is one flow's application-layer state, kept in Flow.App. (Together with an
// httpState it fits the runtime's 1 KiB size class, malloc header included: see
// TestStateSize.)
type flowState struct {
	info      Info
	half      [2]stream.Half
	sink      [2]sink
	det       *detector // while the protocol is undecided
	last      [2]stream.Meta
	proto     uint8
	replay    bool // feeding bytes kept during detection: stream offsets do not apply
	midstream bool // the capture started inside the connection: first bytes may be mid-message
	finished  bool

	// http is the HTTP parser, in use once proto is pHTTP. It may be set before: by
	// newState, when the flow's first segment looked like HTTP.
	http  *httpState
	other *msgState // the protocols other than HTTP

	// made is the httpFlowState this state was made in, nil when made alone: only
	// those are recycled (see Release).
	made *httpFlowState
}

// httpFlowState is a flow's state made together with its HTTP parser: one allocation
// instead of two for what is, in most captures, the most common protocol.
type httpFlowState struct {
	flowState
	hs httpState
}

// newState makes a flow's state. withHTTP guesses that the flow will be HTTP (its first
// segment says so): the HTTP parser is then allocated along with it. A wrong guess
// costs only memory; the protocol is decided as for any flow.
func newState(withHTTP bool) *flowState {
	var st *flowState
	if withHTTP {
		var both *httpFlowState
		select {
		case both = <-recycledStates:
		default:
			both = &httpFlowState{}
		}
		st = &both.flowState
		st.http = &both.hs
		st.made = both
	} else {
		st = &flowState{}
	}
	st.sink[0] = sink{st, flows.FromClient}
	st.sink[1] = sink{st, flows.FromServer}
	return st
}

// recycledStates holds HTTP flows' states the caller is done with (see Release), for
// new flows to reuse: with its exchanges, an HTTP flow's state is one to a few KB, and a
// busy capture ends hundreds of thousands of them, which the collector would otherwise
// have to find and free. Bounded, like flows' free list, and shared by all hooks.
var recycledStates = make(chan *httpFlowState, 256)

// maxReusedExchanges bounds the exchanges' room a recycled state keeps: that of a few
// keep-alive requests, not that of a connection that carried hundreds.
//
// A state keeps the largest room any of its flows needed, so as a run goes on, more of
// the states in use carry room for 4 or 8 exchanges (280 bytes each) that a
// one-request flow does not need: in heap profiles of the bench traffic, the exchanges
// took 13 MB after 100,000 flows and 24 MB after 800,000. Keeping room for one only was
// measured (five runs alternating on each bench capture): the live heap at the doubled
// capture's end was 194 MB against 201, but the keep-alive flows' new room cost 59
// collections against 48, and the peak RSS moved by 2-3 MiB, within the runs' spread.
const maxReusedExchanges = 8

// Release gives the flow's application state back for reuse by a new flow. Only for a
// caller done with the flow's Info: nothing may point into it any more (its HTTP
// exchanges included). The flow has no application state afterwards.
func Release(f *flows.Flow) {
	st, _ := f.App.(*flowState)
	if st == nil || st.made == nil {
		return
	}
	f.App = nil
	both := st.made
	ex := both.info.HTTP
	if cap(ex) > maxReusedExchanges {
		ex = nil
	} else {
		clear(ex[:cap(ex)]) // their strings are garbage now
		ex = ex[:0]
	}
	var lines [2][]byte
	for d := range lines {
		if l := both.hs.dir[d].line; cap(l) <= 1<<10 {
			lines[d] = l[:0]
		}
	}
	*both = httpFlowState{}
	both.info.HTTP = ex
	both.hs.dir[0].line, both.hs.dir[1].line = lines[0], lines[1]
	select {
	case recycledStates <- both:
	default: // enough in reserve: let the collector have it
	}
}

// looksHTTP reports whether a flow's first payload segment starts an HTTP/1.x message.
func looksHTTP(d flows.Direction, seg *flows.Segment) bool {
	b := seg.Payload
	r, p := recognise(d, b[:min(len(b), detMax)])
	return r == yes && p == pHTTP
}

// watched marks a flow the hook has seen but that carried no payload yet: state is made
// on the first payload, so flows that never carry any (port scans, refused SYNs) cost no
// memory here, and InfoOf can still tell them from flows of a run without the hook.
type watched struct{}

var watchedMark = &watched{}

// NewFlow marks the flow as watched.
func (h *Hook) NewFlow(f *flows.Flow) { f.App = watchedMark }

// Segment feeds one payload-bearing segment to its direction's reassembler.
func (h *Hook) Segment(f *flows.Flow, d flows.Direction, seg *flows.Segment, step *flows.Step) {
	st, _ := f.App.(*flowState)
	if st == nil {
		if _, done := f.App.(*Info); done {
			return // finished (InfoOf) before it carried any payload
		}
		st = newState(looksHTTP(d, seg))
		st.midstream = !f.FromStart()
		f.App = st
	}
	if st.finished {
		return
	}
	hf := &st.half[d]
	if !hf.Started() {
		if s := f.Side(d); s.HaveISN {
			hf.Init(s.ISN + 1)
		}
	}
	seq := seg.Seq
	if seg.Flags&flows.FlagSYN != 0 {
		seq++ // data on a SYN (TCP Fast Open) starts after it
	}
	// The other direction's bytes waiting behind a hole were captured before this
	// segment: once this side speaks, they are not going to be filled in order before
	// it, so deliver them now (a request must be parsed before its response).
	if o := &st.half[d.Other()]; o.Pending() {
		o.Flush(&st.sink[d.Other()])
	}
	m := stream.Meta{File: seg.File, Frame: seg.Frame, Time: seg.Time}
	hf.Add(seq, seg.Payload, seg.PayloadLen, m, &st.sink[d])
}

// InfoOf finishes the flow's application layer and returns what it saw; nil when the
// application layer was off. Call it once the table has handed the flow over (finished):
// holes still pending are then skipped, close-delimited bodies end at the server's FIN.
// Calling it again returns the same Info.
func InfoOf(f *flows.Flow) *Info {
	if f == nil || f.App == nil {
		return nil
	}
	switch a := f.App.(type) {
	case *flowState:
		a.finish(f)
		return &a.info
	case *Info:
		return a // a flow without payload, finished before
	}
	if f.App != watchedMark {
		return nil // someone else's state
	}
	// The flow carried no payload: all there is to say is the port's hint, and no parser
	// state is needed for that.
	info := &Info{}
	setHints(info, f)
	f.App = info
	return info
}

func (st *flowState) data(d flows.Direction, b []byte, n int, m stream.Meta) {
	st.last[d] = m
	switch st.proto {
	case pUndecided:
		st.detect(d, b, n, m)
	case pHTTP:
		st.http.dir[d].data(b, n, m)
	case pUnknown:
	default:
		st.other.data(d, b, n, m)
	}
}

func (st *flowState) gap(d flows.Direction, n int, m stream.Meta) {
	switch st.proto {
	case pUndecided:
		st.det.lost(st, d)
	case pHTTP:
		st.http.dir[d].gap(n, m)
	case pUnknown:
	default:
		st.other.gap(d, n, m)
	}
}

// decide sets the flow's protocol and makes its parsers.
func (st *flowState) decide(p uint8) {
	st.proto = p
	st.info.Protocol = protoNames[p]
	switch p {
	case pUnknown:
		st.stop(flows.FromClient)
		st.stop(flows.FromServer)
	case pHTTP:
		if st.http == nil {
			st.http = new(httpState)
		}
		st.http.init(st)
	default:
		st.other = newMsgState(st, p)
	}
}

// stop says direction d needs no more parsing: its bytes are only counted from now on.
func (st *flowState) stop(d flows.Direction) {
	st.half[d].Stop()
}

// finish ends the flow's streams and parsers (idempotent).
func (st *flowState) finish(f *flows.Flow) {
	if st.finished {
		return
	}
	for d := flows.FromClient; d <= flows.FromServer; d++ {
		hf := &st.half[d]
		if !hf.Started() {
			continue
		}
		s := f.Side(d)
		end := s.NextSeq
		if !s.FIN.IsZero() {
			end = s.FINSeq
		}
		m := st.last[d]
		if !s.Last.IsZero() {
			m = stream.Meta{File: s.Last.File, Frame: s.Last.Frame, Time: s.Last.Time()}
		}
		// A lost tail counts only when the side's highest sequence number is plausibly
		// after what was delivered (not a wrapped or bogus number).
		if gap := int32(end - hf.Next()); gap > 0 && gap < 1<<30 {
			hf.FlushTo(end, m, &st.sink[d])
		} else {
			hf.Flush(&st.sink[d])
		}
	}
	if st.proto == pUndecided && st.det != nil {
		st.det.finish(st)
	}
	serverFIN := !f.Sides[flows.FromServer].FIN.IsZero() &&
		(f.RST.Packet.IsZero() || f.RST.BeforeFIN[flows.FromServer])
	switch st.proto {
	case pHTTP:
		st.http.finish(serverFIN)
	case pUndecided, pUnknown:
	default:
		st.other.finish()
	}
	st.finished = true
	for d := 0; d < 2; d++ {
		st.info.Bytes[d] = st.half[d].Delivered + st.half[d].Uncaptured
		st.info.Gaps[d] = st.half[d].Lost
		st.info.Uncaptured[d] = st.half[d].Uncaptured
	}
	setHints(&st.info, f)
	st.det = nil
}

// setHints fills in what the protocol, or without one the server's port, says about the
// flow: PortHint and ServerSpeaksFirst.
func setHints(info *Info, f *flows.Flow) {
	if info.Protocol == "" {
		info.PortHint = portHint(f.Server.Port())
	}
	switch p := info.Protocol; {
	case p == ProtoSSH || p == ProtoMySQL || p == ProtoSMTP:
		info.ServerSpeaksFirst = true
	case p == "":
		h := info.PortHint
		info.ServerSpeaksFirst = h == ProtoSSH || h == ProtoMySQL || h == ProtoSMTP
	}
}

// portHint names the protocol a server port is registered for, among those this package
// recognises.
func portHint(p uint16) string {
	switch p {
	case 80, 8080, 8000, 8008, 8888, 3128:
		return ProtoHTTP
	case 443, 8443, 993, 995, 636, 990, 5061:
		return ProtoTLS
	case 22, 2222:
		return ProtoSSH
	case 3306, 33060:
		return ProtoMySQL
	case 5432:
		return ProtoPostgres
	case 6379:
		return ProtoRedis
	case 25, 587, 2525:
		return ProtoSMTP
	}
	return ""
}

// Reversed takes a flow's Info, finished with the roles the flow's first packet gave
// it, to the roles it was given once over (flows.Flow.RolesFromListeners; call it after
// SwapRoles). Each direction's byte counts change sides. Nothing the parsers concluded
// stands: they read each side's bytes as the other's, and a protocol is recognised by
// who says what (a request line from the client, a status line from the server), so
// the protocol is left unknown, with the hint of the server's port. (A flow whose
// roles its ports and first packet could not tell began before the capture did: the
// first bytes that name a protocol are rarely in it.)
func Reversed(f *flows.Flow, info *Info) {
	if info == nil {
		return
	}
	b, g, u := info.Bytes, info.Gaps, info.Uncaptured
	ex := info.HTTP[:0] // its room goes back to Release's reuse
	clear(info.HTTP[:cap(info.HTTP)])
	*info = Info{HTTP: ex, Bytes: [2]int64{b[1], b[0]}, Gaps: [2]int64{g[1], g[0]}, Uncaptured: [2]int64{u[1], u[0]}}
	setHints(info, f)
}
