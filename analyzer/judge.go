package analyzer

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/tcpmortem/tcpmortem/analyzer/app"
	"github.com/tcpmortem/tcpmortem/flows"
)

// judge builds one flow's result, and fills t with what its record needs.
func judge(f *flows.Flow, end time.Time, cfg Config, ev *evidenceNamer, t *flowTrace) Flow {
	j := classify(f, end, cfg, ev, true)
	closeShape := j.verdict
	switch j.verdict {
	case RSTOnFirstData, RetransmitGiveUp, KeepAliveTimeout:
		closeShape = classify(f, end, cfg, ev, false).verdict
	}
	info := app.InfoOf(f)
	j = applyApp(j, f, info, end, cfg.Idle, ev)
	j.facts.AppFacts = j.app
	j = listenOverflow(j, f, ev)
	if d := f.OneSided(); d != flows.NoDirection {
		j = oneSided(f, d, closeShape, ev)
	}
	c, s := f.Side(flows.FromClient), f.Side(flows.FromServer)
	client, server, filter := endpointTexts(f)
	r := Flow{
		ID:         f.ID,
		Client:     client,
		Server:     server,
		File:       ev.files[f.First.File],
		FirstFrame: f.First.Frame,
		LastFrame:  f.Last.Frame,
		Start:      f.First.Time().UTC(),
		End:        f.Last.Time().UTC(),
		StartAt:    Timestamp(f.First.Time()),
		EndAt:      Timestamp(f.Last.Time()),
		Duration:   secs(f.Duration()),
		Verdict:    j.verdict,
		Close:      closeShape,
		Midstream:  f.Midstream,
		Tunnel:     f.Tunnel.String(),
		Summary:    j.summary,
		Facts:      j.facts,
		Evidence:   j.evidence,
		// An ICMP error about one side's segment travels the other way.
		Packets:         Pair[int]{c.Packets + s.ICMPErrors, s.Packets + c.ICMPErrors},
		PayloadBytes:    Pair[int64]{c.PayloadBytes, s.PayloadBytes},
		Analysis:        Pair[SideStats]{sideStats(c), sideStats(s)},
		ZeekConnState:   f.Zeek.ConnState(),
		ZeekHistory:     f.Zeek.History(),
		ZeekEarlierRows: f.Zeek.EarlierRows(),
		WiresharkFilter: filter,
		Files:           ev.files,
	}
	buildTrace(t, f, end)
	if j.verdict == Open && t.retrying {
		// Resends of an open flow count as failed (resendFailed) only past loss recovery.
		t.retrying = false
		for _, d := range []flows.Direction{flows.FromServer, flows.FromClient} {
			t.retrying = t.retrying || unackedResends(f, d) && resendsFailing(f, d, end, cfg)
		}
	}
	if v := j.verdict; t.retrying && (v == Open || v == IdleOpen || v == FINUnanswered) {
		// Whether the resending side's peer was there while they went on, as
		// retransmit_giveup says: for retransmit_failures, which counts these flows too
		// (resendFailed).
		for _, d := range []flows.Direction{flows.FromServer, flows.FromClient} {
			if unackedResends(f, d) {
				_, what := peerAlive(f, d)
				r.Facts.PeerAlive = what != ""
				break
			}
		}
	}
	if info != nil {
		if len(info.HTTP) > 0 {
			t.waits = t.waits[:0]
			gaveUp := firstOf(c.FIN, c.RST)
			for i := range info.HTTP {
				e := &info.HTTP[i] // by pointer: an Exchange is too big to copy for a look
				late := !gaveUp.IsZero() && e.ResponseStart.After(gaveUp.Time())
				if e.Answered() && !e.RequestEnd.IsZero() && !late {
					t.waits = append(t.waits, timedWait{e.RequestStart, e.Wait})
				}
			}
		}
		r.Protocol = info.Protocol
		if r.Protocol == "" && f.HandshakeDone() {
			// Only the port's hint: worth saying for a connection that was made.
			r.Protocol = info.PortHint
		}
		if len(info.HTTP) > 0 {
			r.HTTP = info.HTTP
		}
		// The rest goes in the trace, reused: whoever keeps the result copies it.
		t.app = *info
		t.app.HTTP = nil
		r.App = &t.app
	}
	if f.Last.File != f.First.File {
		r.LastFile = ev.files[f.Last.File]
	}
	// A mark never set (a SYN the capture missed) is no evidence. (DeleteFunc writes
	// nothing when there is none such, as for most flows.)
	r.Evidence = slices.DeleteFunc(r.Evidence, func(e Evidence) bool { return e.Frame <= 0 })
	if r.Evidence == nil {
		r.Evidence = []Evidence{}
	}
	r.Severity = SeverityOf(r.Verdict)
	for _, d := range []flows.Direction{flows.FromClient, flows.FromServer} {
		if s := f.Side(d); s.FINUnseen {
			at := fmt.Sprintf("frame %d", s.FIN.Frame)
			if len(ev.files) > 1 && s.FIN.File < len(ev.files) { // frames count per input
				at += " of " + ev.files[s.FIN.File]
			}
			r.Summary += fmt.Sprintf(" [the capture lost the %s's FIN: the %s's ACK of it (%s) stands in for it, times included]",
				d, d.Other(), at)
		}
	}
	if f.Midstream {
		r.Summary += " [capture started mid-connection; client inferred from " + f.ClientInferredBy() + "]"
	}
	if f.Evicted {
		r.Summary += fmt.Sprintf(" [judged early, as of %s: dropped from the table when --max-flows was reached]", clock(f.End()))
	}
	return r
}

func sideStats(s *flows.Side) SideStats {
	return SideStats{
		Retransmissions: s.Retransmissions, OutOfOrder: s.OutOfOrder, DupAcks: s.DupAcks,
		KeepAlives: s.KeepAlives, KeepAliveACKs: s.KeepAliveACKs, ZeroWindows: s.ZeroWindows,
		ZeroWindowProbes: int(s.ZeroWindowProbes), WindowFull: int(s.WindowFull),
		SYNs: s.SYNs, FINs: s.FINs, RSTs: s.RSTs,
	}
}

// endpointTexts are the flow's Client and Server (as netip.AddrPort.String writes
// them) and its Wireshark filter, cut from one string: made for every flow of a
// capture, the three cost one allocation.
func endpointTexts(f *flows.Flow) (client, server, filter string) {
	var buf [192]byte
	b := appendAddrPort(buf[:0], f.Client)
	nc := len(b)
	b = appendAddrPort(b, f.Server)
	ns := len(b)
	s := string(appendWiresharkFilter(b, f))
	return s[:nc], s[nc:ns], s[ns:]
}

// appendAddrPort appends what ap.String() says: AppendTo writes the same, but nothing
// for an invalid address.
func appendAddrPort(b []byte, ap netip.AddrPort) []byte {
	if !ap.Addr().IsValid() {
		return append(b, ap.String()...)
	}
	return ap.AppendTo(b)
}

// appendWiresharkFilter appends a display filter that selects the flow's packets; when
// its tuple carried other connections too, a frame range narrows it to this one. A
// flow handed over before the capture's end gets the range too: a later connection
// may reuse its tuple, and by then its result is out (the filter must not depend on
// how soon).
func appendWiresharkFilter(b []byte, f *flows.Flow) []byte {
	// Built by appending, not fmt: it is made for every flow of a capture.
	ipf := "ip.addr=="
	if f.Client.Addr().Is6() && !f.Client.Addr().Is4In6() {
		ipf = "ipv6.addr=="
	}
	b = append(b, ipf...)
	b = f.Client.Addr().Unmap().AppendTo(b)
	if f.Client.Addr() != f.Server.Addr() {
		b = append(b, " && "...)
		b = append(b, ipf...)
		b = f.Server.Addr().Unmap().AppendTo(b)
	}
	b = append(b, " && tcp.port=="...)
	b = strconv.AppendUint(b, uint64(f.Client.Port()), 10)
	if f.Client.Port() != f.Server.Port() {
		b = append(b, " && tcp.port=="...)
		b = strconv.AppendUint(b, uint64(f.Server.Port()), 10)
	}
	if (f.TupleReused || f.FinishedEarly) && f.First.File == f.Last.File {
		b = append(b, " && frame.number>="...)
		b = strconv.AppendInt(b, int64(f.First.Frame), 10)
		b = append(b, " && frame.number<="...)
		b = strconv.AppendInt(b, int64(f.Last.Frame), 10)
	}
	return b
}
