package analyzer

import (
	"fmt"
	"github.com/tcpmortem/tcpmortem/flows"
	"math"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The five incidents of ../shared/SCENARIOS.md, reproduced at small scale by the real
// kernel (testdata/scenarios/*.sh); testdata/scenarios/EXPECTED.md counts every number
// below with the tshark command printed next to it.

func scenario(t *testing.T, name string) *Result {
	t.Helper()
	return analyzeFiles(t, DefaultConfig(), filepath.Join("..", "testdata", "scenarios", name))
}

func finding(t *testing.T, r *Result, kind, endpoint string) *Finding {
	t.Helper()
	for i := range r.Findings {
		if r.Findings[i].Kind == kind && r.Findings[i].Endpoint == endpoint {
			return &r.Findings[i]
		}
	}
	var have []string
	for _, f := range r.Findings {
		have = append(have, f.Kind+"@"+f.Endpoint)
	}
	t.Fatalf("no %s finding for %s; have %v", kind, endpoint, have)
	return nil
}

func noFinding(t *testing.T, r *Result, kind string) {
	t.Helper()
	for _, f := range r.Findings {
		if f.Kind == kind {
			t.Errorf("unexpected %s finding: %s", kind, f.Summary)
		}
	}
}

func number(t *testing.T, f *Finding, name string, want, tol float64) {
	t.Helper()
	got, ok := f.Numbers[name]
	if !ok {
		t.Errorf("%s: no number %q in %v", f.Kind, name, f.Numbers)
		return
	}
	if math.Abs(got-want) > tol {
		t.Errorf("%s: %s = %v, want %v ± %v", f.Kind, name, got, want, tol)
	}
}

func verdictCounts(t *testing.T, r *Result, want map[Verdict]int) {
	t.Helper()
	for v, n := range want {
		if r.Summary.Verdicts[v] != n {
			t.Errorf("%s: %d flows, want %d (all: %v)", v, r.Summary.Verdicts[v], n, r.Summary.Verdicts)
		}
	}
}

// Incident 1: requests to 127.0.0.1:8280 never answered; the sidecar times out after 1 s
// and closes; the service never closes: CLOSE_WAIT.
func TestScenario1SidecarCloseWait(t *testing.T) {
	r := scenario(t, "s1_sidecar_close_wait.pcap")
	// 25 flows: 3 answered at once (200, 500, 500) and closed by the server; 22 whose
	// client FIN came 1.0 s after the request with no response byte before it (4 of
	// them got a late 500 after the client had gone, and the client's RST).
	verdictCounts(t, r, map[Verdict]int{CleanClose: 3, HTTPUnanswered: 22})
	closes := map[Verdict]int{}
	for _, f := range r.Flows {
		if f.Verdict == HTTPUnanswered {
			closes[f.Close]++
		}
	}
	if closes[FINUnanswered] != 18 || closes[FINUnansweredThenRST] != 4 {
		t.Errorf("closes of the unanswered flows: %v, want 18 fin_unanswered, 4 fin_unanswered_then_rst", closes)
	}
	ct := finding(t, r, KindClientTimeout, "127.0.0.1:8280")
	number(t, ct, "unanswered", 22, 0)
	number(t, ct, "wait_p50_s", 1.0, 0.01)
	number(t, ct, "server_never_closed", 22, 0)
	// The 4 late 500s are a minority: the service is hung, not merely slow, and the
	// summary keeps saying so.
	number(t, ct, "answered_late", 4, 0)
	if !strings.Contains(ct.Summary, "never answered") || !strings.Contains(ct.Summary, "1.0 s") ||
		!strings.Contains(ct.Summary, "4 of them got the server's answer after the client had given up") ||
		!strings.Contains(ct.Summary, "the server never closed 22 of them: the application is not returning and not closing") {
		t.Errorf("summary: %s", ct.Summary)
	}
	cw := finding(t, r, KindCloseWaitLeak, "127.0.0.1:8280")
	number(t, cw, "flows", 22, 0)
	number(t, cw, "still_open", 18, 0)
	// The sidecar's 1 s timeout is a request timeout, not an idle timeout.
	noFinding(t, r, KindIdleTimeout)
}

// Incident 1 with capture loss: s1_sidecar_close_wait.pcap without six frames, among
// them the GETs of 38034, 38052 and 38162 (EXPECTED.md). tshark: the server's ACKs cover
// 126, 126 and 127 bytes the file lacks, no server byte comes before each client's
// FIN, 1.0 s after the ACK (the 500 to 38034 comes 9.64 s after it). Each client sent
// a request, got nothing back and gave up: request_unanswered, counted in
// client_timeout with the 19 GETs the file holds; an earlier build took the three for
// clients closing after 1.0 s idle and found an idle_timeout.
func TestScenario1CaptureLostRequests(t *testing.T) {
	r := scenario(t, "s1_sidecar_close_wait_lossy.pcap")
	verdictCounts(t, r, map[Verdict]int{HTTPUnanswered: 19, RequestUnanswered: 3, CleanClose: 3})
	for client, sent := range map[string]int64{"127.0.0.1:38034": 126, "127.0.0.1:38052": 126, "127.0.0.1:38162": 127} {
		f := flowByClient(t, r, client)
		a := f.Facts.AppFacts
		if f.Verdict != RequestUnanswered || a == nil || a.BytesSent != sent || a.Wait == nil || math.Abs(*a.Wait-1.0) > 0.002 ||
			a.GaveUpBy != "FIN" || !strings.Contains(f.Summary, fmt.Sprintf("the client sent %d bytes the capture lost (the server acknowledged them", sent)) {
			t.Errorf("%s: %s, facts %+v: %s", client, f.Verdict, a, f.Summary)
		}
	}
	if a := flowByClient(t, r, "127.0.0.1:38034").Facts.AppFacts; a == nil || a.LateResponse != 185 {
		t.Errorf("38034: late response %+v, want frame 185", a)
	}
	ct := finding(t, r, KindClientTimeout, "127.0.0.1:8280")
	number(t, ct, "unanswered", 22, 0)
	number(t, ct, "wait_p50_s", 1.0, 0.01)
	if ct.Frames[0].Frame == 0 {
		t.Errorf("client_timeout points at frame 0: %+v", ct.Frames)
	}
	noFinding(t, r, KindIdleTimeout)
}

// Incident 2 captured from the middle: s2_idle_timeout.pcap from its frame 158, as a
// capture begun during the incident holds it. tshark (EXPECTED.md): 10 connections had
// gone quiet before the capture began, and the LB's FIN is the first packet of each in
// it; the 10 others' last payload byte is in it, 3.000153 to 3.001867 s before their
// FIN. The first 10 are still fin_unanswered (the client ACKs the FIN and never closes),
// but how long they had been idle does not show: no idle_s, and no "closed after 0 µs
// idle" (an earlier build's). The idle timeout is read from the 10 others.
func TestScenario2CaptureBegunDuringTheIncident(t *testing.T) {
	r := scenario(t, "s2_idle_timeout_midstream.pcap")
	verdictCounts(t, r, map[Verdict]int{FINUnanswered: 20, CleanClose: 1})
	unseen := 0
	for _, f := range r.Flows {
		if f.Verdict != FINUnanswered {
			continue
		}
		if f.Facts.Idle == nil {
			unseen++
			if !f.Midstream || !strings.Contains(f.Summary, "server 10.77.0.2:3306 closed (its FIN is the connection's first packet in the capture: how long it had been idle before does not show); the client's kernel ACKed the FIN") {
				t.Errorf("flow %d: %s", f.ID, f.Summary)
			}
		} else if *f.Facts.Idle < 2.9 || strings.Contains(f.Summary, "does not show") {
			t.Errorf("flow %d: idle %v: %s", f.ID, *f.Facts.Idle, f.Summary)
		}
	}
	if unseen != 10 {
		t.Errorf("%d flows with the idle unseen, want 10", unseen)
	}
	it := finding(t, r, KindIdleTimeout, "10.77.0.2:3306")
	number(t, it, "flows", 10, 0)
	number(t, it, "idle_min_s", 3.000153, 0.002)
	number(t, it, "idle_max_s", 3.001867, 0.002)
	cw := finding(t, r, KindCloseWaitLeak, "10.77.0.1")
	number(t, cw, "still_open", 20, 0)
}

// Incident 1 captured from the middle: s1_sidecar_close_wait.pcap from its frame 53, as
// a capture begun during the incident holds it (EXPECTED.md). tshark: for 38020, 38022
// and 38034 the sidecar's FIN is the first packet in the capture (38020: frame 6), the
// service ACKs it (7) and answers its request 6.2 s later (500, frame 134), and the
// sidecar's kernel answers with a bare RST (135: no ACK flag): fin_unanswered_then_rst,
// with no idle_s (the idle before the FIN does not show). 38004's first packet is the
// service's late 500 (133), answered by a bare RST (136) 24 µs later: a reset, whose
// summary says the RST carried no ACK, as a kernel answers data for a socket it no
// longer has. The 18 others are whole, as in the full capture.
func TestScenario1CaptureBegunDuringTheIncident(t *testing.T) {
	r := scenario(t, "s1_sidecar_close_wait_midstream.pcap")
	verdictCounts(t, r, map[Verdict]int{HTTPUnanswered: 18, FINUnansweredThenRST: 3, Reset: 1})
	for _, f := range r.Flows {
		switch f.Verdict {
		case FINUnansweredThenRST:
			if !f.Midstream || f.Facts.Idle != nil || !strings.Contains(f.Summary, "closed (its FIN is the connection's first packet in the capture: how long it had been idle before does not show); the server never sent FIN (CLOSE_WAIT)") {
				t.Errorf("flow %d: idle %v: %s", f.ID, f.Facts.Idle, f.Summary)
			}
		case Reset:
			if f.Client != "127.0.0.1:38004" || !strings.Contains(f.Summary, ": its RST carried no ACK, as a kernel answers data for a connection it no longer has") {
				t.Errorf("flow %d %s: %s", f.ID, f.Client, f.Summary)
			}
		}
	}
	cw := finding(t, r, KindCloseWaitLeak, "127.0.0.1:8280")
	number(t, cw, "flows", 21, 0)
}

// Incident 2: the "load balancer" on 3306 closes every connection 3 s after its last
// byte; the client's kernel ACKs and its application never closes.
func TestScenario2IdleTimeout(t *testing.T) {
	r := scenario(t, "s2_idle_timeout.pcap")
	verdictCounts(t, r, map[Verdict]int{FINUnanswered: 20, CleanClose: 1})
	for _, f := range r.Flows {
		if f.Verdict == FINUnanswered && f.Facts.Side != "client" {
			t.Errorf("flow %d: stuck side %s, want client", f.ID, f.Facts.Side)
		}
	}
	it := finding(t, r, KindIdleTimeout, "10.77.0.2:3306")
	// tshark: idle from the last payload byte to each server FIN: min 3.0001, median
	// 3.0006, max 3.0019 s (spread 1.7 ms).
	number(t, it, "flows", 20, 0)
	number(t, it, "idle_median_s", 3.0006, 0.002)
	number(t, it, "idle_min_s", 3.0001, 0.002)
	number(t, it, "idle_max_s", 3.0019, 0.002)
	number(t, it, "answered", 0, 0)
	if it.Severity != SevWarn || !strings.Contains(it.Summary, "after 3.0 s idle") || !strings.Contains(it.Summary, "CLOSE_WAIT") {
		t.Errorf("%s: %s", it.Severity, it.Summary)
	}
	cw := finding(t, r, KindCloseWaitLeak, "10.77.0.1")
	number(t, cw, "still_open", 20, 0)
	number(t, cw, "peak", 20, 0)
	if !strings.Contains(cw.Summary, "a leak") {
		t.Errorf("the CLOSE_WAIT count only rises: %s", cw.Summary)
	}
	// The client host's CLOSE_WAIT series in the timeline peaks at the 20 leaked flows
	// (plus the health check's brief passive close).
	var series *StateSeries
	for i := range r.Timeline {
		if r.Timeline[i].Endpoint == "10.77.0.1" && r.Timeline[i].Role == "client" {
			series = &r.Timeline[i]
		}
	}
	if series == nil || series.Peak["CLOSE_WAIT"].N < 20 {
		t.Errorf("timeline for 10.77.0.1: %+v", series)
	}
}

// Incident 2 with a FIN lost on the way (s2_fin_lost.sh): the first idle connection's
// FIN reaches the client 0.6 s late, as a retransmission. tshark, idle from the last
// payload byte to each server FIN: 19 flows at 3.0001-3.0012 s (median 3.0008), stream
// 0 at 3.6365 s. One late FIN is an outlier, not a reason to miss the timeout: the
// finding stands over the 19 and names the other.
func TestScenario2IdleTimeoutWithALostFIN(t *testing.T) {
	r := scenario(t, "s2_fin_lost.pcap")
	verdictCounts(t, r, map[Verdict]int{FINUnanswered: 20, CleanClose: 1})
	it := finding(t, r, KindIdleTimeout, "10.77.0.2:3306")
	number(t, it, "flows", 19, 0)
	number(t, it, "idle_median_s", 3.0008, 0.002)
	number(t, it, "idle_min_s", 3.0001, 0.002)
	number(t, it, "idle_max_s", 3.0012, 0.002)
	if !strings.Contains(it.Summary, "after 3.0 s idle (19 of 20 flows, spread ±") || !strings.Contains(it.Summary, "the other after 3.6 s)") {
		t.Errorf("%s", it.Summary)
	}
}

// The same over a 50 ms round trip (s2_fin_lost_rtt.sh, raw IP): the quota now takes
// the first FIN of streams 0 and 1 (stream 1's came before stream 0's retransmission),
// and each reaches the capture as one retransmission. tshark, idle from the last payload
// byte to each server FIN: 18 flows at 3.0001-3.0013 s (median 3.0008), streams 0 and 1
// at 3.2818 and 3.2918 s. Two others at one displayed silence are named by it, not as
// "silences from 3.3 s to 3.3 s".
func TestScenario2IdleTimeoutWithLostFINsOverASlowLink(t *testing.T) {
	r := scenario(t, "s2_fin_lost_rtt.pcap")
	verdictCounts(t, r, map[Verdict]int{FINUnanswered: 20, CleanClose: 1})
	it := finding(t, r, KindIdleTimeout, "10.77.0.2:3306")
	number(t, it, "flows", 18, 0)
	number(t, it, "idle_median_s", 3.0008, 0.002)
	number(t, it, "idle_min_s", 3.0001, 0.002)
	number(t, it, "idle_max_s", 3.0013, 0.002)
	if !strings.Contains(it.Summary, "after 3.0 s idle (18 of 20 flows, spread ±") || !strings.Contains(it.Summary, "the other 2 after 3.3 s)") {
		t.Errorf("%s", it.Summary)
	}
}

// Incident 3: SYNs to a listener with a full accept queue are dropped and retransmitted
// until the clients give up.
func TestScenario3SYNDrops(t *testing.T) {
	r := scenario(t, "s3_syn_drops.pcap")
	verdictCounts(t, r, map[Verdict]int{CleanClose: 3, HTTPUnanswered: 5, SYNGiveUp: 17, SYNUnanswered: 1})
	sd := finding(t, r, KindSYNDrops, "127.0.0.1:8085")
	number(t, sd, "unanswered", 18, 0)
	number(t, sd, "attempts", 26, 0)
	// 17 attempts × 8 SYNs + the last attempt's 3 (tshark: tcp.flags==0x002 to 8085).
	number(t, sd, "syns", 17*8+3, 0)
	// 8 SYNs over 11.3 s with a 1 s first gap: the budget of tcp_syn_retries=3 (15 s),
	// which the namespace set.
	number(t, sd, "tcp_syn_retries", 3, 0)
	number(t, sd, "established", 8, 0)
	// 26 attempts: the failed share is given for each of the four quarters of their span.
	if m := regexp.MustCompile(`failed share by quarter of the attempts' time span: ([^;]*)`).FindStringSubmatch(sd.Summary); m == nil ||
		len(strings.Split(m[1], ", ")) != 4 {
		t.Errorf("failed share by quarter: %q", sd.Summary)
	}
	if sd.Severity != SevError {
		t.Errorf("severity %s", sd.Severity)
	}
}

// Incident 4: SSH clients send their banner and the server never answers; half of them
// probe with keepalive.
func TestScenario4SSHSilent(t *testing.T) {
	r := scenario(t, "s4_ssh_silent.pcap")
	verdictCounts(t, r, map[Verdict]int{ServerSilent: 18, RequestUnanswered: 2, IdleOpen: 4})
	ka := 0
	for _, f := range r.Flows {
		if f.Verdict == ServerSilent {
			if f.Protocol != "ssh" || f.Facts.AppFacts == nil || !f.Facts.NoGreeting {
				t.Errorf("flow %d: protocol %q facts %+v", f.ID, f.Protocol, f.Facts.AppFacts)
			}
			if f.Analysis.Client.KeepAlives > 0 {
				ka++
			}
		}
	}
	if ka != 10 {
		t.Errorf("%d server_silent flows with keepalive probes, want 10 (the even-numbered clients)", ka)
	}
	// The two clients that gave up (flows 9 and 19, tshark's tcp.stream 8 and 18) each
	// sent one 12-byte banner, "SSH-2.0-Go\r\n": frames 36 and 94. That is the request
	// their wait runs from, and the frame the client_timeout finding points at (it
	// pointed at frame 0 while only HTTP requests had a frame).
	for id, frame := range map[int]int{9: 36, 19: 94} {
		if f := r.Flows[id-1]; f.Verdict != RequestUnanswered || f.Facts.AppFacts == nil || f.Facts.RequestFrame != frame {
			t.Errorf("flow %d: %s, facts %+v: want request_unanswered, request frame %d", id, f.Verdict, f.Facts.AppFacts, frame)
		}
	}
	ct := finding(t, r, KindClientTimeout, "10.77.0.2:36000")
	if len(ct.Frames) != 1 || ct.Frames[0].Frame != 36 {
		t.Errorf("client_timeout points at %+v, want frame 36 (flow 9's banner)", ct.Frames)
	}
	ho := finding(t, r, KindHalfOpenSuspect, "10.77.0.2:36000")
	// 8 silent SSH flows and 2 idle flows without keepalive.
	number(t, ho, "flows", 10, 0)
	number(t, ho, "with_keepalive", 12, 0)
}

// Incident 4 captured from the middle: s4_ssh_silent.pcap from its frame 102, as a
// capture begun during the incident holds it (EXPECTED.md). The server's port, 36000,
// is in the ephemeral range like the clients', so the ports of the 12 flows begun
// before the capture do not tell their clients, and 34052's opens with the server's ACK
// (frame 1). tshark: 10.77.0.2:36000 sends SYN-ACKs to the clients that connect later
// (frames 3, 8, 17, 22): a listening socket's answers, so it is every flow's server,
// and 34052's six zero-length ACKs one below its next sequence number (frames 39, 66,
// 90, 114, 138, 163) are the client's keepalive probes. An earlier build named
// 10.77.0.2:36000 the client of 34052's flow (its first sender) and its probes the
// server's, and counted 11 connections with keepalive in half_open_suspect: 12 ports
// probe in the file.
func TestScenario4CaptureBegunDuringTheIncident(t *testing.T) {
	r := scenario(t, "s4_ssh_silent_midstream.pcap")
	verdictCounts(t, r, map[Verdict]int{IdleOpen: 10, ServerSilent: 4, FINUnanswered: 2})
	found := false
	for _, f := range r.Flows {
		if f.Server != "10.77.0.2:36000" {
			t.Errorf("flow %d: client %s server %s: want every server 10.77.0.2:36000", f.ID, f.Client, f.Server)
		}
		if f.Client != "10.77.0.1:34052" {
			continue
		}
		found = true
		if !f.Midstream || f.Verdict != IdleOpen || f.Analysis.Client.KeepAlives != 6 || f.Analysis.Server.KeepAlives != 0 ||
			!strings.Contains(f.Summary, "keepalive probes seen (client 6, server 0)") ||
			!strings.Contains(f.Summary, "client inferred from the server's SYN-ACKs on other connections") {
			t.Errorf("flow %d: midstream %v, %s, keepalives client %d server %d: %s", f.ID, f.Midstream, f.Verdict,
				f.Analysis.Client.KeepAlives, f.Analysis.Server.KeepAlives, f.Summary)
		}
		// The ladder's first packet, the server's ACK, comes from the server, and the
		// first probe (frame 39) from the client.
		seen := 0
		for _, st := range f.Ladder {
			if st.Frame != 1 && st.Frame != 39 {
				continue
			}
			seen++
			if want := st.Frame == 39; (st.From == flows.FromClient) != want {
				t.Errorf("flow %d: frame %d from the client %v, want %v", f.ID, st.Frame, st.From == flows.FromClient, want)
			}
		}
		if seen != 2 {
			t.Errorf("flow %d: frames 1 and 39 not both in the ladder", f.ID)
		}
	}
	if !found {
		t.Error("no flow with client 10.77.0.1:34052")
	}
	ho := finding(t, r, KindHalfOpenSuspect, "10.77.0.2:36000")
	number(t, ho, "with_keepalive", 12, 0)
}

// Incident 4 captured from the middle, earlier: s4_ssh_silent.pcap from its frame 83
// (EXPECTED.md). tshark: the only packet of 34028's connection is the server's ACK of
// the banner sent just before the cut (frame 1), and 10.77.0.2:36000 sends the SYN-ACKs
// of the clients that connect later: 34028 is the client, of a connection silent since
// before the capture began, 7.267804 s at least by the capture's end. The
// half_open_suspect finding counts it with 34054 and 34072 (banners at frames 24 and 38,
// keepalive off), and says one silence is a lower bound; an earlier build named
// 10.77.0.2:36000 the client and counted 2 connections to the server.
func TestScenario4SilentSinceBeforeTheCapture(t *testing.T) {
	r := scenario(t, "s4_ssh_silent_midstream_quiet.pcap")
	f := r.Flows[0]
	if f.Client != "10.77.0.1:34028" || f.Server != "10.77.0.2:36000" || f.Verdict != IdleOpen ||
		!strings.Contains(f.Summary, "silent for at least 7.3 s at capture end") {
		t.Errorf("flow 1: %s -> %s, %s: %s", f.Client, f.Server, f.Verdict, f.Summary)
	}
	ho := finding(t, r, KindHalfOpenSuspect, "10.77.0.2:36000")
	number(t, ho, "flows", 3, 0)
	number(t, ho, "silent_since_before_capture", 1, 0)
	number(t, ho, "silent_max_s", 7.267804, 0.001)
	if !strings.Contains(ho.Summary, "silent at capture end for 6.7 s to 7.3 s (1 of them silent since before the capture began, for longer than it shows)") {
		t.Errorf("summary %q", ho.Summary)
	}
	// The whole capture holds each flow from its SYN: no silence there is a lower bound.
	whole := finding(t, scenario(t, "s4_ssh_silent.pcap"), KindHalfOpenSuspect, "10.77.0.2:36000")
	if _, ok := whole.Numbers["silent_since_before_capture"]; ok || strings.Contains(whole.Summary, "before the capture") {
		t.Errorf("whole capture: %+v %q", whole.Numbers, whole.Summary)
	}
}

// Incident 5: the service runs out of fds: responses slow down, then requests go
// unanswered, then queued connections are reset on their first request, then refused.
func TestScenario5AcceptFailure(t *testing.T) {
	r := scenario(t, "s5_accept_failure.pcap")
	verdictCounts(t, r, map[Verdict]int{CleanClose: 10, HTTPUnanswered: 5, RSTOnFirstData: 10, Refused: 11})
	af := finding(t, r, KindAcceptFailure, "10.77.0.2:8080")
	number(t, af, "reset", 10, 0)
	number(t, af, "served", 10, 0)
	dt := finding(t, r, KindDegradationTimeline, "10.77.0.2:8080")
	// By request time (tshark): first slow response requested at 1.001 s, first
	// unanswered request at 2.510 s, first request later reset at 3.764 s.
	slow, un, rst := dt.Numbers["slow_from"], dt.Numbers["unanswered_from"], dt.Numbers["resets_from"]
	if !(slow > 0 && slow < un && un < rst) {
		t.Errorf("order slow %v < unanswered %v < resets %v broken: %s", slow, un, rst, dt.Summary)
	}
	start := float64(r.Summary.Start.UnixNano()) / 1e9
	for name, want := range map[string]float64{"slow_from": 1.001, "unanswered_from": 2.510, "resets_from": 3.764} {
		if got := dt.Numbers[name] - start; math.Abs(got-want) > 0.05 {
			t.Errorf("%s at +%.3f s, want +%.3f", name, got, want)
		}
	}
	i1 := strings.Index(dt.Summary, "slowed")
	i2 := strings.Index(dt.Summary, "unanswered")
	i3 := strings.Index(dt.Summary, "reset")
	if !(i1 >= 0 && i1 < i2 && i2 < i3) {
		t.Errorf("summary order: %s", dt.Summary)
	}
	ct := finding(t, r, KindClientTimeout, "10.77.0.2:8080")
	number(t, ct, "wait_p50_s", 4.0, 0.01)
}
