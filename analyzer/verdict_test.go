package analyzer

import (
	"encoding/json"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tcpmortem/tcpmortem/flows"
)

// zeroWindowSaid checks a zero_window_stall.pcap flow says the server's zero window
// and the client's 5 probes of it, and does not call them keepalives.
func zeroWindowSaid(t *testing.T, f *Flow) {
	if !strings.Contains(f.Summary, "the server advertises a zero window (5 times): its application stopped reading") ||
		!strings.Contains(f.Summary, "the client's 5 probes of it") || strings.Contains(f.Summary, "keepalive probes seen") {
		t.Errorf("summary %q", f.Summary)
	}
}

// lostFINSaid checks a fin_lost_by_capture.pcap flow: lost's FIN is named by the
// peer's ACK of it at frame ack, first closed first, and the summary says so.
func lostFINSaid(lost, first string, ack int, says string) func(*testing.T, *Flow) {
	return func(t *testing.T, f *Flow) {
		if f.Facts.ClosedFirst != first {
			t.Errorf("closed first %q, want %q", f.Facts.ClosedFirst, first)
		}
		hasEvidence(t, f, ack)
		peer := map[string]string{"client": "server", "server": "client"}[lost]
		for _, want := range []string{says, "[the capture lost the " + lost + "'s FIN: the " + peer + "'s ACK of it (frame " +
			strconv.Itoa(ack) + ") stands in for it"} {
			if !strings.Contains(f.Summary, want) {
				t.Errorf("summary %q\nwant %q", f.Summary, want)
			}
		}
		if f.Analysis.Client.FINs+f.Analysis.Server.FINs != 1 {
			t.Errorf("FINs counted %d + %d: want the one captured", f.Analysis.Client.FINs, f.Analysis.Server.FINs)
		}
	}
}

// rstAnsweredGET checks an http_to_dead_socket.pcap flow: GET /b in frame req never
// answered, after GET /a was; bare says the RST had no ACK (a kernel without the socket).
func rstAnsweredGET(req int, bare bool) func(*testing.T, *Flow) {
	return func(t *testing.T, f *Flow) {
		if f.Facts.AppFacts == nil || f.Facts.AppFacts.Path != "/b" || f.Facts.AppFacts.RequestFrame != req {
			t.Errorf("app facts %+v", f.Facts.AppFacts)
		}
		said := strings.Contains(f.Summary, "its RST carried no ACK, as a kernel answers data for a connection it no longer has")
		if said != bare || !strings.Contains(f.Summary, "1 earlier request on this connection was answered") {
			t.Errorf("summary %q: says the RST had no ACK %v, want %v", f.Summary, said, bare)
		}
	}
}

// summarySays checks that a flow's summary says says and, unless not is "", never not.
func summarySays(t *testing.T, f *Flow, says, not string) {
	t.Helper()
	if !strings.Contains(f.Summary, says) || not != "" && strings.Contains(f.Summary, not) {
		t.Errorf("summary %q\nwant %q, without %q", f.Summary, says, not)
	}
}

// analyzeFiles runs the whole pipeline on captures, as the command line does.
func analyzeFiles(t *testing.T, cfg Config, paths ...string) *Result {
	t.Helper()
	return analyzeWith(t, Options{Config: cfg}, paths...)
}

func analyzeWith(t *testing.T, opts Options, paths ...string) *Result {
	t.Helper()
	var srcs []*flows.FileSource
	for i, p := range paths {
		s, err := flows.Open(p, i)
		if err != nil {
			t.Fatalf("open %s: %v", p, err)
		}
		t.Cleanup(func() { s.Close() })
		srcs = append(srcs, s)
	}
	res, err := Analyze(srcs, opts)
	if err != nil {
		t.Fatalf("analyze %v: %v", paths, err)
	}
	return res
}

func flowByClient(t *testing.T, r *Result, client string) *Flow {
	t.Helper()
	for i := range r.Flows {
		if r.Flows[i].Client == client {
			return &r.Flows[i]
		}
	}
	t.Fatalf("no flow from client %s (have %d flows)", client, len(r.Flows))
	return nil
}

func near(t *testing.T, what string, got *float64, want, tol float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: missing, want %.3f", what, want)
		return
	}
	if math.Abs(*got-want) > tol {
		t.Errorf("%s = %.6f, want %.3f ± %.3f", what, *got, want, tol)
	}
}

func gapsNear(t *testing.T, what string, got []float64, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
		return
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > tol {
			t.Errorf("%s[%d] = %.3f, want %.3f ± %.3f", what, i, got[i], want[i], tol)
		}
	}
}

func hasEvidence(t *testing.T, f *Flow, frame int) {
	t.Helper()
	for _, e := range f.Evidence {
		if e.Frame == frame {
			return
		}
	}
	t.Errorf("no evidence at frame %d: %+v", frame, f.Evidence)
}

// verdictCase is one flow of one capture made by the real kernel (testdata/tcp, whose
// EXPECTED.md quotes the tshark lines each expectation is read from).
type verdictCase struct {
	name    string
	file    string
	client  string
	verdict Verdict
	close   Verdict
	zeek    string // the conn_state Zeek's conn_state() gives these endpoint states
	// why says, from the packets, why this verdict is right.
	why   string
	check func(t *testing.T, f *Flow)
}

// synGiveUpChecks checks a client's unanswered SYNs: one more than the gaps between
// them, the gaps and the first-to-last span (seconds), the tcp_syn_retries inferred, and
// the first and last SYN's frames among the evidence.
func synGiveUpChecks(gaps []float64, span float64, retries, first, last int) func(*testing.T, *Flow) {
	return func(t *testing.T, f *Flow) {
		if f.Facts.SYNCount != len(gaps)+1 {
			t.Errorf("SYN count %d, want %d", f.Facts.SYNCount, len(gaps)+1)
		}
		gapsNear(t, "gaps", f.Facts.SYNGaps, gaps, gapTol)
		near(t, "first→last SYN", f.Facts.SYNSpan, span, 0.1)
		if r := f.Facts.SYNRetries; r == nil {
			t.Errorf("no syn_retries inferred, want %d", retries)
		} else if *r != retries {
			t.Errorf("syn_retries %d, want %d", *r, retries)
		}
		hasEvidence(t, f, first)
		hasEvidence(t, f, last)
	}
}

// Tolerances: the kernels' timers drift by a few ms from run to run; script sleeps by
// tens of ms.
const (
	gapTol  = 0.05
	idleTol = 0.2
)

var tcpCases = []verdictCase{
	{
		name: "refused_rst", file: "refused.pcap", client: "10.77.0.1:41010",
		verdict: Refused, close: Refused, zeek: "REJ",
		why: "frame 1 SYN to 9001; frame 2 is RST,ACK from the server 19 µs later (Seq=1 Ack=1): nothing listened",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.SYNCount != 1 || f.Facts.RefusedBy != "rst" {
				t.Errorf("facts %+v, want 1 SYN refused by rst", f.Facts)
			}
			hasEvidence(t, f, 2)
			if f.Packets != (Pair[int]{1, 1}) || f.PayloadBytes != (Pair[int64]{0, 0}) {
				t.Errorf("packets %+v payload %+v", f.Packets, f.PayloadBytes)
			}
		},
	},
	{
		name: "refused_icmp_port_unreachable", file: "refused_icmp.pcap", client: "10.77.0.1:41020",
		verdict: Refused, close: Refused, zeek: "S0",
		why: "frames 1 and 3: the same SYN (Seq=0, same ISN) twice 1.0 s apart; frames 2 and 4: ICMP type 3 code 3 from 10.77.0.2 quoting 41020 → 9002; the server never sent TCP",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.SYNCount != 2 || f.Facts.RefusedBy != "icmp" || f.Facts.ICMP != "port unreachable" || f.Facts.ICMPFrom != "10.77.0.2" {
				t.Errorf("facts %+v", f.Facts)
			}
			// 2 TCP segments from the client; the 2 ICMP errors travel server → client.
			if f.Packets != (Pair[int]{2, 2}) {
				t.Errorf("packets %+v, want client 2 server 2", f.Packets)
			}
			hasEvidence(t, f, 2)
		},
	},
	{
		name: "refused_icmp6_port_unreachable", file: "refused_icmp6.pcap", client: "[fd77::1]:41200",
		verdict: Refused, close: Refused, zeek: "S0",
		why: "frames 1, 3: SYN and its retransmission; frames 2, 4: ICMPv6 type 1 code 4 (port unreachable) from fd77::2",
		check: func(t *testing.T, f *Flow) {
			if f.Server != "[fd77::2]:9020" || f.Facts.ICMP != "port unreachable" || f.Facts.SYNCount != 2 {
				t.Errorf("server %s facts %+v", f.Server, f.Facts)
			}
		},
	},
	{
		name: "syn_giveup_accept_queue_full", file: "syn_giveup.pcap", client: "10.77.0.1:41032",
		verdict: SYNGiveUp, close: SYNGiveUp, zeek: "S0",
		why: "frames 7–14: 8 SYNs with the same ISN, gaps 1.03, 1.02 ×4, 2.02, 4.16 s (linear then doubling back-off), never answered (the listener's backlog of 1 was full); the capture runs 13.2 s past the last SYN with no retry, longer than twice the last gap",
		// The script set tcp_syn_retries=3: the give-up budget 1+2+4+8 = 15 s is the
		// first past the last SYN at 11.3 s.
		check: synGiveUpChecks([]float64{1.028, 1.024, 1.024, 1.024, 1.024, 2.016, 4.160}, 11.300, 3, 7, 14),
	},
	{
		name: "syn_giveup_queue_fillers_idle", file: "syn_giveup.pcap", client: "10.77.0.1:41030",
		verdict: IdleOpen, close: IdleOpen, zeek: "S1",
		why: "frames 1–3: a complete handshake into the full accept queue, then nothing for 25.1 s until the capture's last frame",
		check: func(t *testing.T, f *Flow) {
			near(t, "silent", f.Facts.Silent, 25.15, idleTol)
			if f.Facts.KeepAliveSeen == nil || *f.Facts.KeepAliveSeen {
				t.Errorf("keepalive_seen %v, want false", f.Facts.KeepAliveSeen)
			}
		},
	},
	{
		name: "syn_giveup_exponential_backoff", file: "syn_giveup_exponential.pcap", client: "10.77.0.1:41222",
		verdict: SYNGiveUp, close: SYNGiveUp, zeek: "S0",
		why: "frames 7–10: 4 SYNs with the same ISN, gaps 1.02, 2.02, 4.06 s (doubling from the first, as before Linux 6.5's tcp_syn_linear_timeouts), never answered (the accept queue was full); the capture runs 13.2 s past the last SYN with no retry, longer than twice the last gap",
		// The script set tcp_syn_retries=3: 4 SYNs are 3 retries, and the budget
		// 1+2+4+8 = 15 s is the first past the last SYN at 7.1 s.
		check: synGiveUpChecks([]float64{1.021, 2.016, 4.064}, 7.100, 3, 7, 10),
	},
	{
		name: "syn_giveup_exponential_queue_filler_idle", file: "syn_giveup_exponential.pcap", client: "10.77.0.1:41221",
		verdict: IdleOpen, close: IdleOpen, zeek: "S1",
		why: "frames 4–6: a complete handshake into the full accept queue, then nothing for 20.7 s until the capture's last frame",
		check: func(t *testing.T, f *Flow) {
			near(t, "silent", f.Facts.Silent, 20.70, idleTol)
		},
	},
	{
		name: "syn_unanswered_capture_ends_while_retrying", file: "syn_unanswered.pcap", client: "10.77.0.1:41040",
		verdict: SYNUnanswered, close: SYNUnanswered, zeek: "S0",
		why: "frames 1–3: 3 SYNs 1.01 and 1.02 s apart; the capture ends 0.48 s after the last, less than the next retry (≥ 1 s) would take",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.SYNCount != 3 {
				t.Errorf("SYN count %d", f.Facts.SYNCount)
			}
			gapsNear(t, "gaps", f.Facts.SYNGaps, []float64{1.007, 1.024}, gapTol)
		},
	},
	{
		name: "handshake_incomplete_synack_retransmitted", file: "handshake_incomplete.pcap", client: "10.77.0.1:41050",
		verdict: HandshakeIncomplete, close: HandshakeIncomplete, zeek: "S1",
		why: "frame 1 SYN; frames 2, 3, 4 SYN-ACK (1.03 s then 2.02 s apart: tcp_synack_retries=2); the client's final ACK never came (dropped by nft)",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.SYNACKCount != 3 {
				t.Errorf("SYN-ACK count %d", f.Facts.SYNACKCount)
			}
			gapsNear(t, "SYN-ACK gaps", f.Facts.SYNACKGaps, []float64{1.028, 2.016}, gapTol)
		},
	},
	{
		name: "clean_close_after_two_identical_synacks", file: "synack_lost_once.pcap", client: "10.77.0.1:41230",
		verdict: CleanClose, close: CleanClose, zeek: "SF",
		why: "the first SYN-ACK was dropped before the wire; frames 2 and 4 are the server's timer retransmission and its answer to the client's retransmitted SYN (frame 3), identical byte for byte 90 µs apart: two packets, not one captured twice (the client's SYN came between); then ping/pong and FINs both ways, the client's first (frame 11)",
		check: func(t *testing.T, f *Flow) {
			c, s := f.Analysis.Client, f.Analysis.Server
			if s.SYNs != 2 || s.Retransmissions != 1 || c.SYNs != 2 || c.Retransmissions != 1 {
				t.Errorf("client %+v server %+v: want 2 SYNs and 1 retransmission each", c, s)
			}
		},
	},
	{
		name: "http_unanswered_in_a_full_accept_queue", file: "accept_queue_full_waiting.pcap", client: "10.77.0.1:41240",
		verdict: HTTPUnanswered, close: Open, zeek: "S1",
		why: "B's GET (frame 6) is retransmitted 4 times (7, 8, 11, 12, 15: tshark's 'TCP Retransmission') and never acknowledged (the server's segments all carry Ack=1); the server's SYN-ACK comes again after it (9, 13): its kernel never took B's handshake ACK, its accept queue full (ss: B in SYN-RECV, LISTEN Recv-Q 1). The capture ends 0.35 s after the last retransmission, under the 1 s idle threshold: the close shape is open",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.SYNACKAfterData != 2 || !strings.Contains(f.Summary, "the server's kernel never took the connection: it retransmitted its SYN-ACK 2 times after the client's data") ||
				strings.Contains(f.Summary, "the peer or the path is gone") {
				t.Errorf("synack_after_data %d, summary %q", f.Facts.SYNACKAfterData, f.Summary)
			}
		},
	},
	{
		name: "rst_on_first_data_in_a_full_accept_queue", file: "accept_queue_full.pcap", client: "10.77.0.1:41240",
		verdict: RSTOnFirstData, close: Reset, zeek: "RSTR",
		why: "B's GET (frame 6, 0.2 s after the handshake) never taken by a full accept queue, resent 6 times (7, 8, 11, 12, 15, 16) between the server's SYN-ACKs (9, 13) and B's dup ACKs (10, 14); the RST (17) answers the last resend 39 µs after it. B had been resending its request since frame 6: the 3.4 s before frame 16 are its back-off, no idle connection, so the close is a reset, not rst_after_idle",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.SYNACKAfterData != 2 || f.Facts.RSTFrom != "server" {
				t.Errorf("facts %+v", f.Facts)
			}
		},
	},
	{
		name: "handshake_ack_lost_by_the_capture", file: "handshake_ack_lost_by_capture.pcap", client: "10.77.0.1:41250",
		verdict: HandshakeIncomplete, close: HandshakeIncomplete, zeek: "S1",
		why: "accept_queue_full.pcap without A's ACK of the SYN-ACK (its frame 5): the file holds A's SYN (3) and the server's SYN-ACK (4), then nothing of A's connection to the capture's end, 11.9 s later. This server resends a SYN-ACK whose ACK it lacks after 1 s (B's, in the whole capture), a client without the SYN-ACK its SYN: neither did, so the ACK went out and the capture lost it; an earlier build said the client's final ACK never came",
		check: func(t *testing.T, f *Flow) {
			if !strings.Contains(f.Summary, "the client's final ACK is not in the capture, yet neither side sent again in the 4.5 s that followed") ||
				strings.Contains(f.Summary, "never came") {
				t.Errorf("summary %q", f.Summary)
			}
		},
	},
	{
		name: "rst_on_first_data_in_a_full_accept_queue_over_a_slow_link", file: "accept_queue_full_rtt.pcap", client: "10.77.0.1:41930",
		verdict: RSTOnFirstData, close: Reset, zeek: "RSTR",
		why: "accept_queue_full's story over a 50 ms round trip, captured at the server: B's GET (frame 6, 0.45 s after its SYN-ACK) is resent 6 times (7, 8, 11, 12, 15, 16); the server's SYN-ACKs (9, 13) and B's dup ACKs (10, 14) come between, and the slower back-off leaves 1.48 s from the dup ACK (14) to the next resend (15). The RST (17) answers the last resend 22 µs after it. B had been resending its request since frame 6, a new send 0.45 s after the last packet before it: no idle connection, so the close is a reset, not rst_after_idle (the packets between carried nothing new)",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.SYNACKAfterData != 2 || f.Facts.RSTFrom != "server" {
				t.Errorf("facts %+v", f.Facts)
			}
		},
	},
	{
		name: "rst_on_first_data_from_an_aborting_accept_queue", file: "accept_queue_abort.pcap", client: "10.77.0.1:41260",
		verdict: RSTOnFirstData, close: Reset, zeek: "RSTR",
		why: "B's handshake ACK was dropped (frames 1-2 only), A filled the accept queue (frames 3-5); B's GET (frame 6, which carries the ACK) reached a full queue, and with tcp_abort_on_overflow=1 the server's kernel answered it 27 µs later with a bare RST (frame 7: RST alone, Seq=1 the GET's Ack), having acknowledged nothing and sent nothing (nstat: TcpExtListenOverflows 1). No SYN-ACK after the data: no listen-overflow drop, a reset",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.DataAcked == nil || *f.Facts.DataAcked || f.Facts.RSTHasACK == nil || *f.Facts.RSTHasACK ||
				f.Facts.SYNACKAfterData != 0 ||
				!strings.Contains(f.Summary, "never having sent a byte nor acknowledged one") ||
				!strings.Contains(f.Summary, "tcp_abort_on_overflow=1") {
				t.Errorf("data_acked %v, rst_has_ack %v, synack_after_data %d, summary %q",
					f.Facts.DataAcked, f.Facts.RSTHasACK, f.Facts.SYNACKAfterData, f.Summary)
			}
		},
	},
	{
		name: "idle_open_in_a_full_accept_queue", file: "accept_queue_full_waiting.pcap", client: "10.77.0.1:41250",
		verdict: IdleOpen, close: IdleOpen, zeek: "S1",
		why: "A's handshake (frames 3-5) put it in the accept queue, which the process never reads; nothing more until the capture ends 3.9 s later",
	},
	{
		name: "http_unanswered_by_a_kernel_without_the_connection", file: "http_to_dead_socket.pcap", client: "10.77.0.1:41460",
		verdict: HTTPUnanswered, close: Reset, zeek: "RSTR",
		why:   "GET /a (frame 4) is answered 200 (frame 6); GET /b (frame 8) gets only an RST 45 µs later (frame 9) whose flags are RST alone, Seq=41 the GET's Ack: what a kernel with no socket for the segment sends (the server's socket was aborted, its own RST dropped). 0.80 s after the last packet, under the 1 s idle threshold: reset, not rst_after_idle",
		check: rstAnsweredGET(8, true),
	},
	{
		name: "http_unanswered_by_a_live_abort", file: "http_to_dead_socket.pcap", client: "10.77.0.1:41470",
		verdict: HTTPUnanswered, close: Reset, zeek: "RSTR",
		why:   "as above, but the server's socket is alive, reads GET /b (frame 17) and aborts: RST,ACK (frame 18, Ack=83): no word of a kernel without the connection",
		check: rstAnsweredGET(17, false),
	},
	{
		name: "http_unanswered_late_answer_after_close", file: "late_answer_after_close.pcap", client: "10.77.0.1:41480",
		verdict: HTTPUnanswered, close: FINUnansweredThenRST, zeek: "RSTO",
		why:   "GET /slow (frame 4); the client's FIN 200.7 ms later (frame 6) before any byte came back; the server's 500 (frame 8) comes 55 ms after that FIN and the client's kernel answers it with an RST (frame 9): the response came when the client was gone",
		check: func(t *testing.T, f *Flow) { summarySays(t, f, "a late response (500) came in frame 8", "") },
	},
	{
		name: "http_unanswered_server_in_close_wait", file: "late_answer_after_close.pcap", client: "10.77.0.1:41490",
		verdict: HTTPUnanswered, close: FINUnanswered, zeek: "S2",
		why: "GET /slow (frame 13); the client's FIN 200.3 ms later (frame 15), which the server ACKs (frame 16); nothing more from the server in the 1.5 s until the capture ends (ss: CLOSE-WAIT)",
	},
	{
		name: "http_unanswered_fin_never_acked", file: "fin_unacked.pcap", client: "10.77.0.1:41520",
		verdict: HTTPUnanswered, close: FINUnanswered, zeek: "S2",
		why: "GET /report (frame 4) ACKed (5), never answered; the client's FIN 500.6 ms later (13) is never ACKed in the 1.7 s until the capture ends (the servers' answers are dropped): nothing shows the server received it, so the summary must not put it in CLOSE_WAIT",
		check: func(t *testing.T, f *Flow) {
			summarySays(t, f, "the server never ACKed the FIN in the 1.7 s until the capture ended: it may never have received it", "CLOSE_WAIT")
		},
	},
	{
		name: "fin_unanswered_fin_never_acked", file: "fin_unacked.pcap", client: "10.77.0.1:41510",
		verdict: FINUnanswered, close: FINUnanswered, zeek: "S2",
		why: "ping/pong, then the client's FIN (frame 14) 500.4 ms later, never ACKed nor retransmitted (rto_min 3 s) in the 1.6 s until the capture ends: one side's FIN unanswered, but nothing shows the server received it",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.FINAcked == nil || *f.Facts.FINAcked || f.Facts.Side != "server" {
				t.Errorf("facts %+v", f.Facts)
			}
			summarySays(t, f, "the FIN was never ACKed in the 1.6 s until the capture ended: the server may never have received it", "never closed")
		},
	},
	{
		name: "fin_unanswered_fin_resent_until_capture_end", file: "fin_unacked_retrying.pcap", client: "10.77.0.1:41760",
		verdict: FINUnanswered, close: FINUnanswered, zeek: "S2",
		why: "the client's FIN (frame 13), never ACKed, resent 4 times (15, 17, 19, 21: gaps 206, 208, 420, 832 ms); the capture ends 71.4 ms after the last, with the next resend not due for 1.6 s: the kernel is still retrying, so it has not given up (no retransmit_giveup), and what it resends is its FIN, not data",
		check: func(t *testing.T, f *Flow) {
			summarySays(t, f, "the client resent it 4 times, the last 71.4 ms before the capture ended (its kernel still retrying)", "gave up")
		},
	},
	{
		name: "http_unanswered_fin_resent_until_capture_end", file: "fin_unacked_retrying.pcap", client: "10.77.0.1:41770",
		verdict: HTTPUnanswered, close: FINUnanswered, zeek: "S2",
		why: "GET /report (frame 11) ACKed (12), never answered; the client's FIN 503.1 ms later (14), resent 4 times, never ACKed",
	},
	{
		name: "retransmit_giveup_of_a_fin", file: "fin_unacked_giveup.pcap", client: "10.77.0.1:41780",
		verdict: RetransmitGiveUp, close: FINUnanswered, zeek: "S2",
		why: "the client's FIN (frame 8), never ACKed, resent 4 times (9-12, last gap 832 ms), then nothing for 4.05 s, past twice that gap and its slack (ss: the client's socket gone, tcp_orphan_retries=2); its data was all ACKed (frame 5), so what it gave up on is its FIN",
		check: func(t *testing.T, f *Flow) {
			summarySays(t, f, "the client's FIN was retransmitted 4 times without being ACKed (last gap 832.0 ms); then it gave up (nothing more in the 4.1 s until capture end)", "data")
		},
	},
	{
		name: "fin_resent_twice_then_given_up", file: "fin_unacked_giveup_rtt.pcap", client: "10.77.0.1:41780",
		verdict: RetransmitGiveUp, close: FINUnanswered, zeek: "S2",
		why: "the client's FIN (frame 8) resent twice (9, 10; gaps 261 and 512 ms), never ACKed, then nothing from the client for 4.9 s (ss: the client's socket gone): its next resend was due 1.35 s after the last at most (twice the gap, a quarter more, 200 ms), so its kernel gave up. Linux bounds an orphaned FIN's retries (tcp_orphan_retries=2 here) by a time reckoned from the minimum RTO, not by a count (tcp_model_timeout), so over this round trip's longer RTO its kernel gave up after two resends where the loopback capture of the same script (fin_unacked_giveup) has four. Two resends are the default --retrans-giveup; an earlier build asked three and called this fin_unanswered, whose contract asks for an ACKed FIN",
		check: func(t *testing.T, f *Flow) {
			summarySays(t, f, "the client's FIN was retransmitted 2 times without being ACKed (last gap 512.0 ms); then it gave up (nothing more in the 5.0 s until capture end)", "data")
		},
	},
	{
		name: "reset_with_a_crossing_fin", file: "rst_crossing_fin.pcap", client: "10.77.0.1:41790",
		verdict: Reset, close: Reset, zeek: "RSTR",
		why: "the server's RST,ACK (frame 8) 985.0 ms after the last packet, under the 1 s idle threshold; the client's FIN (9) arrives 15.4 ms after it, sent before the RST could reach the client over the 50 ms round trip. The server never closed, so its RST is an abort and the crossing FIN changes nothing: not fin_unanswered_then_rst with a negative FIN-to-RST time",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.RSTFrom != "server" || f.Facts.FINToRST != nil {
				t.Errorf("facts %+v", f.Facts)
			}
		},
	},
	{
		name: "reset_crossing_a_fin_seen_from_the_client", file: "rst_crossing_fin_client.pcap", client: "10.77.0.1:41830",
		verdict: Reset, close: Reset, zeek: "RSTR",
		why: "rst_crossing_fin captured at the client: the client's FIN (frame 8), then the server's RST,ACK (9) 34.8 ms later, sooner than the 50.4 ms the handshake shows between the capture point and the server (SYN 1 to SYN-ACK 2): the RST left the server before the FIN could reach it, so it answers nothing and the server never sat in CLOSE_WAIT (an earlier build said fin_unanswered_then_rst, 'answering client data'). The bare RST (10) 50.4 ms after the FIN is the server's kernel answering the FIN that arrived after the abort. Silence the server saw before its RST: 1.0005 s before the FIN plus 34.8 ms, less the 50.4 ms round trip: 0.985 s, under the 1 s idle threshold, as the server-side capture shows (985.0 ms)",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.RSTFrom != "server" || f.Facts.RSTAnswered != "nothing" || f.Facts.FINToRST != nil {
				t.Errorf("facts %+v", f.Facts)
			}
			near(t, "idle", f.Facts.Idle, 0.985, 0.005)
			summarySays(t, f, "the server reset the connection 34.8 ms after the client's FIN, sooner than the 50.4 ms round trip between the capture point and the server: the RST left before the FIN arrived", "CLOSE_WAIT")
		},
	},
	{
		name: "reset_at_the_handshake_ack_by_a_full_accept_queue", file: "accept_queue_abort_ack.pcap", client: "10.77.0.1:41880",
		verdict: Reset, close: Reset, zeek: "RSTR",
		why: "B's SYN (1) answered (2); its ACK lost once (nft quota on the client's egress, not in the capture); A fills the accept queue (3-5); the server resends its SYN-ACK 1 s later (6), B ACKs it (7) and the server's kernel answers that ACK with a bare RST 8 µs later (8), tcp_abort_on_overflow=1 (nstat: ListenOverflows 1). No byte either way: no exchange to be 'in the middle of' (an earlier build said so); the summary names the refused handshake",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.RSTFrom != "server" {
				t.Errorf("facts %+v", f.Facts)
			}
			summarySays(t, f, "the server reset the connection 8 µs after the client's ACK of its SYN-ACK, before any data either way", "middle of the exchange")
		},
	},
	{
		name: "reset_crossing_a_fin_after_a_lost_syn", file: "rst_crossing_fin_synlost.pcap", client: "10.77.0.1:41850",
		verdict: Reset, close: Reset, zeek: "RSTR",
		why: "the client's first SYN (frame 1) dropped at the server, resent 1.0 s later (2), the SYN-ACK (3) 50.5 ms after that: the round trip to the server; the client's FIN (9), the server's RST,ACK (10) 34.9 ms later: sooner than that round trip, so the RST crossed the FIN (as reset_crossing_a_fin_seen_from_the_client). The resent SYN must not hide the round trip (an earlier build asked for a single SYN, and read fin_unanswered_then_rst here, as it did over a lossy link)",
		check: func(t *testing.T, f *Flow) {
			summarySays(t, f, "the server reset the connection 34.9 ms after the client's FIN, sooner than the 50.5 ms round trip", "CLOSE_WAIT")
		},
	},
	{
		name: "idle_open_after_one_lost_ack", file: "ack_lost_once.pcap", client: "10.77.0.1:41840",
		verdict: IdleOpen, close: IdleOpen, zeek: "S1",
		why: "hello (frame 4) ACKed at once (5, in the capture), that ACK dropped past the capture point; the client resends hello once (6) 206.8 ms later, the server dup-ACKs it (7), which gets through: the server's answer (8) 0.5 s after hello is ACKed (9) and nothing more comes from the client in the 1.3 s to the end, though its next resend was due within 0.7 s (ss: Send-Q 0). One lost ACK, repaired: the hello was ACKed, nothing is being retried (session 15's build said 'the client's data was never ACKed ... its kernel still retrying')",
		check: func(t *testing.T, f *Flow) {
			summarySays(t, f, "established, silent for 1.3 s at capture end; no keepalive seen", "retrying")
		},
	},
	{
		name: "retransmit_giveup_peer_alive", file: "mtu_blackhole.pcap", client: "10.77.0.1:41500",
		verdict: RetransmitGiveUp, close: FINUnanswered, zeek: "S2",
		why: "the server's full-sized segments are resent 7 times (frames 10, 11, 12, 13, 26, 31, 33; tshark counts 7), never ACKed; the last gap 3.39 s (31 to 33), then nothing for 13.9 s, twice that back-off: its kernel gave up (ss: no socket). The client's FIN (28, ACKed by 29) came 2.0 s in, after the resends had begun: the client was alive, the path lost the segments. Its FIN left the server in CLOSE_WAIT only until the kernel dropped the socket: no 'never closed'",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.Side != "server" || f.Facts.Retransmissions != 7 {
				t.Errorf("facts %+v", f.Facts)
			}
			near(t, "last retransmission gap", f.Facts.LastRetransGap, 3.392, 0.01)
			summarySays(t, f, "the client was alive (it sent its FIN while they went on)", "never closed")
			hasEvidence(t, f, 28)
			// The HTTP line shows GET /big answered 200 (frame 6): the summary says that
			// answer is what was resent and never acknowledged.
			summarySays(t, f, "the resent data was (part of) the answer to GET /big (200, from frame 6), which the client never acknowledged in full", "")
		},
	},
	{
		name: "retransmit_giveup_peer_silent", file: "mtu_blackhole.pcap", client: "10.77.0.1:41510",
		verdict: RetransmitGiveUp, close: IdleOpen, zeek: "S1",
		why: "the server's segments are resent 7 times (23 to 34), never ACKed, last gap 3.46 s, then nothing for 12.6 s: given up. The client's last packet, a duplicate ACK (22), came before the first resend (23): nothing shows it alive while they went on",
		check: func(t *testing.T, f *Flow) {
			near(t, "last retransmission gap", f.Facts.LastRetransGap, 3.456, 0.01)
			summarySays(t, f, "the peer or the path was gone", "alive")
		},
	},
	{
		name: "fin_unanswered_fin_held_back", file: "mtu_blackhole.pcap", client: "10.77.0.1:41520",
		verdict: FINUnanswered, close: FINUnanswered, zeek: "S2",
		why: "the client's FIN (63) is ACKed (64); the server sends no FIN, but its data is still unACKed and being resent: 6 times, the last (65) 1.9 s before the capture's end, within its back-off. A FIN waits behind unACKed data (ss: LAST-ACK, Send-Q 3002: the application had closed): the summary must not say it never closed",
		check: func(t *testing.T, f *Flow) {
			summarySays(t, f, "it was retransmitted 6 times, the last 1.9 s before capture end, and a FIN waits behind unacknowledged data", "never closed")
			hasEvidence(t, f, 40)
			if !f.Facts.PeerAlive { // the client's FIN (63) came after the server's resends began (53)
				t.Errorf("peer_alive false")
			}
		},
	},
	{
		name: "idle_open_still_retrying", file: "mtu_blackhole.pcap", client: "10.77.0.1:41530",
		verdict: IdleOpen, close: IdleOpen, zeek: "S1",
		why: "the server's data resent 6 times, the last (66) 1.9 s before the capture's end, within its back-off; no FIN, no RST: open, silent for 1.9 s, and the silence is the server's back-off, not an idle connection",
		check: func(t *testing.T, f *Flow) {
			summarySays(t, f, "the server's data was never ACKed: it was retransmitted 6 times", "no keepalive")
		},
	},
	{
		name: "open_still_retrying_past_loss_recovery", file: "mtu_blackhole_open.pcap", client: "10.77.0.1:41530",
		verdict: Open, close: Open, zeek: "S1",
		why: "mtu_blackhole's 9053 with the capture ending sooner: the server's answer resent 6 times (44, 45, 57, 60, 61, 66 in tshark), nothing acknowledged since the first resend 3.43 s before the end (the echo reply, 68), the last (66) 287 ms before it: active at the end, and past any loss recovery: its data never ACKed",
		check: func(t *testing.T, f *Flow) {
			summarySays(t, f, "the server's data was never ACKed: it was retransmitted 6 times, the last 286.9 ms before capture end (its kernel still retrying: the peer or the path is gone", "loss recovery under way")
		},
	},
	{
		name: "open_in_loss_recovery", file: "retransmit_recovering.pcap", client: "10.77.0.1:41950",
		verdict: Open, close: Open, zeek: "S1",
		why: "the server's TCP output dropped from 0.3 s after its answer (frame 6); the client's 'ping again' (8, t=1.001) resent at 1.207 (11, the tail loss probe) and 1.415 (12, the RTO), the capture's last packet: the client had been resending for 208 ms, nothing of it acknowledged, under the 1 s idle threshold. Loss recovery under way, which one ACK may end: no 'the peer or the path is gone'",
		check: func(t *testing.T, f *Flow) {
			summarySays(t, f, "; the client had been resending data not yet acknowledged for 208.0 ms: it was retransmitted 2 times, the last in the capture's last packet (loss recovery under way", "its kernel still retrying")
			if !slices.Contains(f.Evidence, Evidence{Frame: 8, What: "client data not yet ACKed"}) {
				t.Errorf("evidence %+v", f.Evidence)
			}
		},
	},
	{
		name: "open_both_sides_resending", file: "icmp_unreachable_both_resend.pcap", client: "[fd77::1]:41970",
		verdict: Open, close: Open, zeek: "S1",
		why: "captured on the server's side, before its firewall: the pong (14) left after the rule went in, the client's ACK of it (15) drew an ICMPv6 administratively prohibited (16) and never reached the server's TCP, which resent the pong 5 times (17 ... 62: tshark's 'Spurious Retransmission', the ACK being in the capture); the client's 'ping again' (37) drew one too (38) and was resent 5 times (39 ... 69), never ACKed. Both still resending at the end (the last packet 640 ms before it): the summary tells both, and the client's ICMP errors",
		check: func(t *testing.T, f *Flow) {
			summarySays(t, f, "the server never got the client's acknowledgments of its data, which are in the capture: it was retransmitted 5 times", "")
			summarySays(t, f, "; the client's data was never ACKed: it was retransmitted 5 times, the last 639.9 ms before capture end (its kernel still retrying; 12 ICMP errors came back, the first administratively prohibited from fd77::2 18 µs after the data", "")
			if f.Facts.ICMP != "administratively prohibited" || !slices.Contains(f.Evidence, Evidence{Frame: 38, What: "ICMP administratively prohibited"}) {
				t.Errorf("icmp %q, evidence %+v", f.Facts.ICMP, f.Evidence)
			}
		},
	},
	{
		name: "retransmit_giveup_icmp_host_unreachable", file: "icmp_unreachable_established.pcap", client: "10.77.0.1:41600",
		verdict: RetransmitGiveUp, close: IdleOpen, zeek: "S1",
		why: "'ping again' (frame 17) is never ACKed, resent 13 times (21 to 51; tshark counts 13), each of 12 answered by ICMP host unreachable from 10.77.0.2 (the first, 18, 93 µs after the data); the last gap 0.832 s and 5.3 s of silence to the capture's end: given up (the read failed with EHOSTUNREACH). The ICMP errors say why: no 'the peer or the path was gone'",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.ICMP != "host unreachable" || f.Facts.ICMPFrom != "10.77.0.2" || f.Facts.Retransmissions != 13 {
				t.Errorf("facts %+v", f.Facts)
			}
			summarySays(t, f, "12 ICMP errors came back, the first host unreachable from 10.77.0.2", "was gone")
			hasEvidence(t, f, 18)
		},
	},
	{
		name: "retransmit_giveup_icmpv6_prohibited", file: "icmp_unreachable_established.pcap", client: "[fd77::1]:41610",
		verdict: RetransmitGiveUp, close: IdleOpen, zeek: "S1",
		why: "the same over IPv6: 'ping again' (frame 15) resent 5 times (19, 23, 31, 38, 43), 6 ICMPv6 administratively prohibited from fd77::2 (the first, 16), 8.0 s of silence after the last resend (the read failed with EACCES)",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.ICMP != "administratively prohibited" || f.Facts.ICMPFrom != "fd77::2" || f.Facts.Retransmissions != 5 {
				t.Errorf("facts %+v", f.Facts)
			}
			summarySays(t, f, "6 ICMP errors came back, the first administratively prohibited from fd77::2", "was gone")
			hasEvidence(t, f, 16)
		},
	},
	{
		name: "http_unanswered_server_closed_first", file: "http_server_closes_unanswered.pcap", client: "10.77.0.1:41820",
		verdict: HTTPUnanswered, close: CleanClose, zeek: "SF",
		why: "GET /report (frame 4) gets no byte; the server's FIN (6) comes 1.7 ms after it, before the client's (7): the server ended the wait (its application closed the socket unanswered), the client only followed its EOF. No 'the client gave up'",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.AppFacts == nil || f.Facts.GaveUpBy != "server" {
				t.Errorf("facts %+v", f.Facts)
			}
			near(t, "wait", f.Facts.Wait, 0.0017, 0.0005)
			summarySays(t, f, "the server's FIN ended the connection 1.7 ms later", "gave up")
		},
	},
	{
		name: "http_unanswered_client_gave_up_first", file: "http_server_closes_unanswered.pcap", client: "10.77.0.1:41830",
		verdict: HTTPUnanswered, close: CleanClose, zeek: "SF",
		why: "GET /report (frame 12); the client's FIN (14) comes 300.8 ms after it, the server's (16) 700 ms later: the client's timeout ended the wait",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.AppFacts == nil || f.Facts.GaveUpBy != "FIN" {
				t.Errorf("facts %+v", f.Facts)
			}
			summarySays(t, f, "the client gave up after 300.8 ms and closed (FIN); the server closed too", "")
		},
	},
	{
		name: "server_silent_with_a_zero_window", file: "zero_window_stall.pcap", client: "10.77.0.1:41310",
		verdict: ServerSilent, close: IdleOpen, zeek: "S1",
		why:   "the server never reads: its window goes to 0 (frame 229, Ack=119281 Win=0) and stays there; the client's 5 probes (Seq=119280 Len=0: tshark's 'TCP Keep-Alive') each get the zero window back; no byte ever comes from the server. The probes are no keepalives of an idle client: the summary must say the server stopped reading, not that a client hangs without a timeout",
		check: zeroWindowSaid,
	},
	{
		name: "idle_open_with_a_zero_window", file: "zero_window_stall.pcap", client: "10.77.0.1:41320",
		verdict: IdleOpen, close: IdleOpen, zeek: "S1",
		why:   "as above after the server's 6-byte greeting (frame 4): the server did send, so no server_silent; its window 0 from frame 230",
		check: zeroWindowSaid,
	},
	{
		name: "clean_close_server_fin_lost_client_first", file: "fin_lost_by_capture.pcap", client: "10.77.0.1:41410",
		verdict: CleanClose, close: CleanClose, zeek: "S2",
		why:   "the client's FIN (frame 8, Seq=6 Ack=6) came before anything of the server's close; the server's FIN is not in the capture, but the client's ACK (frame 9) acknowledges 7, one past the server's last byte (Seq 6): the sequence number of a FIN, and the server sends nothing after it. Both sides closed: not a server in CLOSE_WAIT",
		check: lostFINSaid("server", "client", 9, "the server answered with its FIN within 319 µs"),
	},
	{
		name: "clean_close_server_fin_lost_server_first", file: "fin_lost_by_capture.pcap", client: "10.77.0.1:41420",
		verdict: CleanClose, close: CleanClose, zeek: "S2",
		why:   "the server's FIN is not in the capture; the client's own FIN (frame 17) acknowledges it (Ack=7, one past the server's last byte): the server closed first, the client answered",
		check: lostFINSaid("server", "server", 17, "the client answered with its FIN, which ACKed it"),
	},
	{
		name: "clean_close_client_fin_lost_client_first", file: "fin_lost_by_capture.pcap", client: "10.77.0.1:41430",
		verdict: CleanClose, close: CleanClose, zeek: "S3",
		why:   "the client's FIN is not in the capture; the server's FIN (frame 26) acknowledges it (Ack=7, one past the client's last byte): the client closed first",
		check: lostFINSaid("client", "client", 26, "the server answered with its FIN, which ACKed it"),
	},
	{
		name: "clean_close_client_fin_lost_server_first", file: "fin_lost_by_capture.pcap", client: "10.77.0.1:41440",
		verdict: CleanClose, close: CleanClose, zeek: "S3",
		why:   "the server's FIN (frame 35, Ack=6) came first; the client's FIN is not in the capture, but the server's ACK (frame 36) acknowledges 7, one past the client's last byte",
		check: lostFINSaid("client", "server", 36, "the client answered with its FIN within 438 µs"),
	},
	{
		name: "fin_unanswered_server_fin_lost", file: "fin_lost_by_capture.pcap", client: "10.77.0.1:41450",
		verdict: FINUnanswered, close: FINUnanswered, zeek: "S1",
		why: "the server closed after 2 s idle; its FIN is not in the capture, but the client's kernel ACKs it (frame 44, Ack=7, one past the server's last byte) and the client never sends FIN in the 4 s until the capture ends: the client sits in CLOSE_WAIT (ss showed it). Before the FIN's ACK was read as one, this flow read as idle and open",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.Side != "client" || f.Facts.FINAcked == nil || !*f.Facts.FINAcked {
				t.Errorf("facts %+v", f.Facts)
			}
			hasEvidence(t, f, 44)
			for _, want := range []string{"the client's kernel ACKed the FIN, which the capture lost, but the client never sent FIN",
				"[the capture lost the server's FIN: the client's ACK of it (frame 44) stands in for it"} {
				if !strings.Contains(f.Summary, want) {
					t.Errorf("summary %q\nwant %q", f.Summary, want)
				}
			}
		},
	},
	{
		name: "rst_on_first_data_unread_request", file: "rst_on_first_data.pcap", client: "10.77.0.1:41060",
		verdict: RSTOnFirstData, close: Reset, zeek: "RSTR",
		why: "frame 3 completes the handshake, frame 4 is the client's 46-byte GET, frame 6 the server's RST,ACK 0.30 s later; the server never sent a byte (it accepted and closed the socket unread). The close shape is reset: 0.30 s is under the 1 s idle threshold",
		check: func(t *testing.T, f *Flow) {
			near(t, "handshake→RST", f.Facts.HandshakeToRST, 0.300, 0.05)
			near(t, "data→RST", f.Facts.DataToRST, 0.300, 0.05)
			if f.Facts.RSTFrom != "server" || f.Facts.RSTHasACK == nil || !*f.Facts.RSTHasACK || f.Facts.FirstDataBytes != 46 {
				t.Errorf("facts %+v", f.Facts)
			}
			hasEvidence(t, f, 6)
		},
	},
	{
		name: "fin_unanswered_client_stuck_idle_timeout", file: "fin_unanswered_client_stuck.pcap", client: "10.77.0.1:41070",
		verdict: FINUnanswered, close: FINUnanswered, zeek: "S3",
		why: "frame 8: the server's FIN after 2.0 s of silence (frame 7 → 8); frame 9: the client's kernel ACKs it 41.6 ms later (delayed ACK); the client never sends FIN in the 4.0 s until the capture ends: CLOSE_WAIT",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.Side != "client" || f.Facts.FINAcked == nil || !*f.Facts.FINAcked {
				t.Errorf("facts %+v", f.Facts)
			}
			near(t, "idle before FIN", f.Facts.Idle, 2.000, idleTol)
			near(t, "stuck", f.Facts.Stuck, 4.018, idleTol)
			hasEvidence(t, f, 8)
			hasEvidence(t, f, 9)
			if !strings.Contains(f.Summary, "the client's kernel ACKed the FIN 41.6 ms later, but the client never sent FIN (CLOSE_WAIT for 4.0 s until capture end)") {
				t.Errorf("summary %q", f.Summary)
			}
		},
	},
	{
		name: "fin_unanswered_server_stuck", file: "fin_unanswered_server_stuck.pcap", client: "10.77.0.1:41080",
		verdict: FINUnanswered, close: FINUnanswered, zeek: "S2",
		why: "frame 8: the client's FIN 1.0 s after the last packet; frame 9: the server's kernel ACKs it; the server never sends FIN in the 3.0 s until the capture ends",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.Side != "server" {
				t.Errorf("stuck side %q, want server", f.Facts.Side)
			}
			near(t, "idle before FIN", f.Facts.Idle, 1.000, idleTol)
			near(t, "stuck", f.Facts.Stuck, 3.014, idleTol)
		},
	},
	{
		name: "fin_unanswered_then_rst_fin_wait2_expired", file: "fin_unanswered_then_rst.pcap", client: "10.77.0.1:41090",
		verdict: FINUnansweredThenRST, close: FINUnansweredThenRST, zeek: "RSTO",
		why: "frame 8 client FIN, frame 9 server ACK; the server never closes; frame 10: the server writes 10 bytes 4 s later, frame 11: the client's kernel (its FIN_WAIT2 socket expired) answers RST without ACK",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.Side != "server" || f.Facts.RSTFrom != "client" || f.Facts.RSTHasACK == nil || *f.Facts.RSTHasACK || f.Facts.RSTAnswered != "data" {
				t.Errorf("facts %+v", f.Facts)
			}
			near(t, "FIN→RST", f.Facts.FINToRST, 4.000, idleTol)
			near(t, "idle before FIN", f.Facts.Idle, 1.000, idleTol)
			if f.PayloadBytes != (Pair[int64]{5, 15}) {
				t.Errorf("payload %+v, want 5/15", f.PayloadBytes)
			}
		},
	},
	{
		name: "clean_close_simultaneous", file: "simultaneous_close.pcap", client: "10.77.0.1:41510",
		verdict: CleanClose, close: CleanClose, zeek: "SF",
		why: "both sides closed at the same instant over a 50 ms round trip: the server's FIN (frame 8, Seq=6 Ack=6) reached the capture first, the client's FIN (frame 9) 25.6 ms later has Ack=6, not 7: it does not acknowledge the server's FIN, which the client ACKs only in frame 11 (Ack=7), after its own. The FINs crossed; the client did not answer the server's",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.ClosedFirst != "server" {
				t.Errorf("closed first %q", f.Facts.ClosedFirst)
			}
			summarySays(t, f, "both sides closed on their own; the client's FIN came 25.6 ms after the server's but does not acknowledge it: the server's FIN had not reached the client yet (a simultaneous close)", "answered")
		},
	},
	{
		name: "rst_after_idle_abort", file: "rst_after_idle_abort.pcap", client: "10.77.0.1:41100",
		verdict: RSTAfterIdle, close: RSTAfterIdle, zeek: "RSTO",
		why: "frame 8: the client's RST,ACK 2.0 s after frame 7 (its own ACK): nothing to answer, an abort (SO_LINGER 0)",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.RSTFrom != "client" || f.Facts.RSTAnswered != "nothing" {
				t.Errorf("facts %+v", f.Facts)
			}
			near(t, "idle", f.Facts.Idle, 2.000, idleTol)
		},
	},
	{
		name: "rst_after_idle_dead_peer", file: "rst_after_idle_dead_peer.pcap", client: "10.77.0.1:41110",
		verdict: RSTAfterIdle, close: RSTAfterIdle, zeek: "RSTR",
		why: "frame 8: the client sends 11 bytes after 2.5 s of silence; frame 9: the server answers RST (no ACK flag) 34 µs later: its socket was gone",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.RSTFrom != "server" || f.Facts.RSTAnswered != "data" || f.Facts.RSTHasACK == nil || *f.Facts.RSTHasACK {
				t.Errorf("facts %+v", f.Facts)
			}
			near(t, "idle", f.Facts.Idle, 2.500, idleTol)
			hasEvidence(t, f, 9)
		},
	},
	{
		name: "rst_after_idle_answering_a_resend", file: "rst_after_idle_resent.pcap", client: "10.77.0.1:41800",
		verdict: RSTAfterIdle, close: RSTAfterIdle, zeek: "RSTR",
		why: "frame 8: the client sends 11 bytes after 2.5 s of silence; the server's nftables rule drops that segment past the capture point; frame 9: the client's kernel resends the same bytes (Seq=6, Len=11) 207.5 ms later; frame 10: the server answers RST (no ACK flag) 31 µs after the resend: its socket was gone. The resend ends no silence: the RST answers data sent after 2.5 s idle, not 'in the middle of the exchange' 31 µs after a packet. One resend is under --retrans-giveup (2): no retransmit_giveup",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.RSTFrom != "server" || f.Facts.RSTAnswered != "data" || f.Facts.RSTHasACK == nil || *f.Facts.RSTHasACK {
				t.Errorf("facts %+v", f.Facts)
			}
			near(t, "idle", f.Facts.Idle, 2.500, idleTol)
			summarySays(t, f, "after 2.5 s idle the client sent data, resent it once, and the server answered with RST", "middle")
			hasEvidence(t, f, 10)
		},
	},
	{
		name: "http_unanswered_request_never_acked", file: "request_unacked.pcap", client: "10.77.0.1:41810",
		verdict: HTTPUnanswered, close: Open, zeek: "S1",
		why: "GET /report (frame 4) is dropped on arrival at the server (nftables, past the capture point: ss shows the server's socket with nothing received); the client resends it 3 times (8, 9, 10: gaps 206, 208, 412 ms), none ACKed, and the capture ends 632.6 ms after the last, its next resend not yet due: unanswered, and the summary must say the server never even ACKed it, which is no slow application",
		check: func(t *testing.T, f *Flow) {
			summarySays(t, f, "still waiting 1.5 s later when the capture ended; the client's data was never ACKed: it was retransmitted 3 times, the last 632.6 ms before capture end (its kernel still retrying", "gave up")
			hasEvidence(t, f, 10)
		},
	},
	{
		name: "open_one_resend_long_after_the_ack", file: "request_unacked.pcap", client: "10.77.0.1:41820",
		verdict: Open, close: Open, zeek: "S1",
		why: "ping (frame 11) ACKed by the server at once (12, in the capture); the client's nftables input rule drops that ACK past the capture point, and its kernel resends the ping once (13), 205.5 ms after the ACK, more than a round trip (~50 µs) later, so it cannot have crossed it: the ACKs are lost on the client's side, its data was ACKed (ss: 5 bytes still in its send queue). The capture ends 64.6 ms after the resend; the ping went out 270.2 ms before it",
		check: func(t *testing.T, f *Flow) {
			summarySays(t, f, "the client never got the server's acknowledgments of its data, which are in the capture: it was retransmitted once", "never ACKed")
			summarySays(t, f, "a request sent 270.2 ms before the capture ended had no answer yet", "64.6 ms before the capture ended")
		},
	},
	{
		name: "reset_mid_stream", file: "reset_active.pcap", client: "10.77.0.1:41120",
		verdict: Reset, close: Reset, zeek: "RSTR",
		why: "frames 6–44: the client streams 20 × 1000 bytes every 20 ms, each ACKed; frame 46: the server's RST,ACK 0.28 ms after the last data: in the middle of the exchange, not after a first request",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.RSTFrom != "server" {
				t.Errorf("facts %+v", f.Facts)
			}
			if f.PayloadBytes != (Pair[int64]{20000, 6}) || f.Packets != (Pair[int]{23, 23}) {
				t.Errorf("payload %+v packets %+v", f.PayloadBytes, f.Packets)
			}
		},
	},
	{
		name: "retransmit_giveup_silent", file: "retransmit_giveup.pcap", client: "10.77.0.1:41130",
		verdict: RetransmitGiveUp, close: IdleOpen, zeek: "S1",
		why: "frame 8: 11 bytes never ACKed; frames 9–13: 5 retransmissions, gaps 0.21, 0.21, 0.43, 0.83, 1.66 s (tcp_retries2=3); no FIN or RST (Linux sends none on this timeout) and nothing in the 5.6 s to the capture's end: abandoned",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.Side != "client" || f.Facts.Retransmissions != 5 {
				t.Errorf("facts %+v", f.Facts)
			}
			near(t, "last gap", f.Facts.LastRetransGap, 1.664, gapTol)
			if f.Analysis.Client.Retransmissions != 5 {
				t.Errorf("client retransmissions %d", f.Analysis.Client.Retransmissions)
			}
		},
	},
	{
		name: "keepalive_timeout_rst", file: "keepalive_timeout.pcap", client: "10.77.0.1:41140",
		verdict: KeepAliveTimeout, close: RSTAfterIdle, zeek: "RSTO",
		why: "frames 8, 9, 10: zero-length probes with Seq = snd_una−1, 1.02 s apart, never answered (the server's packets are dropped); frame 11: the client's RST,ACK 1.03 s after the 3rd probe (TCP_KEEPCNT=3). The RST comes 4.1 s after the last data: the close shape is rst_after_idle",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.Side != "client" || f.Facts.KeepAlives != 3 {
				t.Errorf("facts %+v", f.Facts)
			}
			near(t, "interval", f.Facts.KeepAliveEvery, 1.020, gapTol)
			if f.Analysis.Client.KeepAlives != 3 {
				t.Errorf("keepalives %d", f.Analysis.Client.KeepAlives)
			}
		},
	},
	{
		name: "keepalive_timeout_with_the_answers_lost_past_the_capture", file: "keepalive_answers_lost.pcap", client: "10.77.0.1:41280",
		verdict: KeepAliveTimeout, close: RSTAfterIdle, zeek: "RSTO",
		why: "probes 15, 17, 21 (Seq = snd_una−1, 1.02 s apart) are each answered by the server's kernel (16, 18, 22: tshark's 'Keep-Alive ACK'), but the client's input drops them past the capture point: its probes and its RST,ACK (frame 25, 1.02 s after the 3rd probe, TCP_KEEPCNT=3; the read fails with ETIMEDOUT) echo TSecr=997903010, the pong's TSval, never an answer's (997904024 ...). A received answer would have started the count again and no RST would have come",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.Side != "client" || f.Facts.KeepAlives != 3 || f.Facts.KeepAliveAnswersLost != 3 || f.Facts.RSTFrom != "client" ||
				!strings.Contains(f.Summary, "the answers never reached the client") {
				t.Errorf("facts %+v, summary %q", f.Facts, f.Summary)
			}
			near(t, "interval", f.Facts.KeepAliveEvery, 1.024, gapTol)
		},
	},
	{
		name: "idle_open_still_probing_with_the_answers_lost", file: "keepalive_answers_lost.pcap", client: "10.77.0.1:41290",
		verdict: IdleOpen, close: IdleOpen, zeek: "S1",
		why: "after the pong (frame 14) the client probes 2 s later (19), then every 1.02 s (23, 26, 28, 30): the interval of unanswered probes (TCP_KEEPINTVL=1), though each is answered in the capture (20, 24, 27, 29, 31): every probe echoes TSecr=2342454495 (the pong's), so the last 4 answers never reached the client (its 5th, frame 31, has no later probe to tell). Still probing, and silent since frame 14, when the capture ends: idle_open",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.KeepAliveAnswersLost != 4 || !strings.Contains(f.Summary, "the last 4 answers to the client never reached it") {
				t.Errorf("facts %+v, summary %q", f.Facts, f.Summary)
			}
		},
	},
	{
		name: "retransmit_giveup_with_the_acks_lost_past_the_capture", file: "retransmit_acks_lost.pcap", client: "10.77.0.1:41540",
		verdict: RetransmitGiveUp, close: IdleOpen, zeek: "S1",
		why: "the client's 'ping again' (frame 15, Seq=6 Len=11) is acknowledged by the server (16, Ack=17), yet resent 5 times on the RTO back-off (17, 19, 21, 23, 25: tshark's 'Spurious Retransmission', each dup-ACKed), every resend echoing TSecr=2119186826, older than the ACK's TSval: the client's input drops the ACKs past the capture point. Its kernel gives up (tcp_retries2=3, ETIMEDOUT in the log, no RST); 5.6 s of silence follow, more than twice the last gap (1.664 s)",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.Side != "client" || f.Facts.Retransmissions != 5 || f.Facts.SpuriousRetransmissions != 5 || f.Facts.PeerAlive ||
				!strings.Contains(f.Summary, "though the server had acknowledged it in the capture") ||
				!strings.Contains(f.Summary, "the acknowledgments never reached the client") || strings.Contains(f.Summary, "never acknowledged the data") {
				t.Errorf("facts %+v, summary %q", f.Facts, f.Summary)
			}
			near(t, "last gap", f.Facts.LastRetransGap, 1.664, gapTol)
		},
	},
	{
		name: "open_still_retrying_with_the_acks_lost", file: "retransmit_acks_lost.pcap", client: "10.77.0.1:41550",
		verdict: Open, close: Open, zeek: "S1",
		why: "the same from 6.09 s (frame 27, acknowledged by 28): resent at 29, 31, 33, 35, 37, the last 0.48 s before the capture ends, under the 1 s idle threshold: still open and active, its kernel still retrying (ss: ESTAB, Send-Q 11)",
		check: func(t *testing.T, f *Flow) {
			if !strings.Contains(f.Summary, "the client never got the server's acknowledgments of its data, which are in the capture: it was retransmitted 5 times") {
				t.Errorf("summary %q", f.Summary)
			}
		},
	},
	{
		name: "handshake_incomplete_with_the_acks_lost_past_the_capture", file: "handshake_ack_lost.pcap", client: "10.77.0.1:41590",
		verdict: HandshakeIncomplete, close: HandshakeIncomplete, zeek: "S1",
		why: "the client ACKs the SYN-ACK (frame 3) and each retransmission of it (8, 12), all in the capture, yet the server retransmits its SYN-ACK after them (7, 11): its kernel never took an ACK (the server's input drops them past the capture point; ss: SYN-RECV, then nothing). Zeek, which sees the ACK, says S1",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.SYNACKCount != 3 || f.Facts.SYNACKAfterACK != 2 ||
				!strings.Contains(f.Summary, "the client's ACK is in the capture, but the server sent its SYN-ACK again after it 2 times") {
				t.Errorf("facts %+v, summary %q", f.Facts, f.Summary)
			}
		},
	},
	{
		name: "idle_open_after_one_handshake_ack_lost", file: "handshake_ack_lost.pcap", client: "10.77.0.1:41620",
		verdict: IdleOpen, close: IdleOpen, zeek: "S1",
		why: "only the first ACK (frame 6) is dropped past the capture: the SYN-ACK comes once more (9), its ACK (10) gets through and no SYN-ACK follows (ss: ESTAB on both sides); one SYN-ACK after the ACK is a loss repaired, not a handshake that never completed. Silent 7 s until the capture ends",
	},
	{
		name: "rst_after_idle_with_an_earlier_rst_lost_past_the_capture", file: "rst_lost_past_capture.pcap", client: "10.77.0.1:41640",
		verdict: RSTAfterIdle, close: RSTAfterIdle, zeek: "RSTR",
		why: "the server's abort (RST,ACK frame 18, 1.0 s) is in the capture but dropped before the client, which sends its next ping 1.5 s later (25) as on a live connection: that RST ended nothing. The bare RST answering the ping (26) ends the flow: after 2.5 s of idle (since frame 7: an RST is no activity), the server no longer had the connection",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.RSTAnswered != "data" || f.Facts.RSTHasACK == nil || *f.Facts.RSTHasACK {
				t.Errorf("facts %+v", f.Facts)
			}
			near(t, "idle", f.Facts.Idle, 2.500, idleTol)
		},
	},
	{
		name: "http_unanswered_with_earlier_rsts_lost_past_the_capture", file: "rst_lost_past_capture.pcap", client: "10.77.0.1:41650",
		verdict: HTTPUnanswered, close: Reset, zeek: "RSTR",
		why: "GET /a answered (13); the server's abort (RST,ACK 15, 0.41 s) and its bare RSTs to GET /b (16) and its first resends (17, 20, 22) are dropped before the client, which resends GET /b (19, 21, 23) as if none came; the RST after the third resend (24) gets through (ECONNRESET in the log). The wait runs from GET /b to that RST: 0.83 s, never negative",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.AppFacts == nil || f.Facts.AppFacts.Wait == nil || *f.Facts.AppFacts.Wait < 0.8 || *f.Facts.AppFacts.Wait > 0.86 ||
				!strings.Contains(f.Summary, "an RST from the server ended the connection 829.9 ms later") {
				t.Errorf("facts %+v, summary %q", f.Facts, f.Summary)
			}
		},
	},
	{
		name: "handshake_incomplete_with_the_synacks_lost_past_the_capture", file: "synack_lost_past_capture.pcap", client: "10.77.0.1:41720",
		verdict: HandshakeIncomplete, close: HandshakeIncomplete, zeek: "S1",
		why: "every SYN is answered by a SYN-ACK in the capture (frames 2, 4, 7 ...), yet the client sends its SYN again 7 times after the first (3, 6, 8, 10, 12, 14, 17), as only a client that never got a SYN-ACK does: its input drops them past the capture point, and its connect fails with ETIMEDOUT after 19.5 s (log). Not the client's final ACK lost: it never sent one",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.SYNAfterSYNACK != 7 || f.Facts.SYNCount != 8 || f.Facts.SYNACKAfterACK != 0 ||
				!strings.Contains(f.Summary, "the client sent its SYN again after it 7 times") || strings.Contains(f.Summary, "final ACK never came") {
				t.Errorf("facts %+v, summary %q", f.Facts, f.Summary)
			}
		},
	},
	{
		name: "idle_open_answers_lost_told_by_timing", file: "keepalive_answers_lost_nots.pcap", client: "10.77.0.1:41290",
		verdict: IdleOpen, close: IdleOpen, zeek: "S1",
		why: "no TCP timestamps: after its first probe 2.0 s into the silence (19, its keepalive time), the client probes again 1.02 s after each answered one (23, 26, 28, 30): its interval, as after no answer (after an answer Linux waits its keepalive time again). So the answers (20, 24, 27, 29) never reached it",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.KeepAliveAnswersLost != 4 || !strings.Contains(f.Summary, "came at its probe interval, not after its keepalive time again") {
				t.Errorf("facts %+v, summary %q", f.Facts, f.Summary)
			}
		},
	},
	{
		name: "rst_after_idle_when_timing_cannot_tell", file: "keepalive_answers_lost_nots.pcap", client: "10.77.0.1:41280",
		verdict: RSTAfterIdle, close: RSTAfterIdle, zeek: "RSTO",
		why: "no TCP timestamps, and keepalive time and interval both 1 s: probes 1.02 s apart (15, 17, 21) read the same answered or not, and so does the RST 1.02 s after the last (25). The file cannot tell a keepalive timeout with lost answers from an abort after 4.1 s of idle; it says the latter, what it can show",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.KeepAliveAnswersLost != 0 {
				t.Errorf("facts %+v", f.Facts)
			}
		},
	},
	{
		name: "syn_giveup_by_an_application_connect_timeout", file: "syn_app_timeout.pcap", client: "10.77.0.1:41730",
		verdict: SYNGiveUp, close: SYNGiveUp, zeek: "S0",
		why: "SYNs at 0, 1.03, 2.05 s (frames 1-3): equal gaps, Linux's linear first retries (tcp_syn_retries=6), whose next would come 1 s after the last; the application's 3 s connect timeout closed the socket (log: timed out after 3.003 s) and none came in the 2.1 s until the capture's end. Doubling the gap (2 s, with slack 2.45 s) would still have read it as retrying",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.SYNCount != 3 || !strings.Contains(f.Summary, "or a connect timeout in the application") {
				t.Errorf("facts %+v, summary %q", f.Facts, f.Summary)
			}
		},
	},
	{
		name: "syn_unanswered_in_the_linear_phase", file: "syn_app_timeout.pcap", client: "10.77.0.1:41740",
		verdict: SYNUnanswered, close: SYNUnanswered, zeek: "S0",
		why: "no application timeout: SYNs 1 s apart (frames 4, 5, 8), the last the capture's last packet: the kernel still retries (ss: SYN-SENT)",
	},
	{
		name: "clean_close_client_first", file: "clean_close_client_first.pcap", client: "10.77.0.1:41150",
		verdict: CleanClose, close: CleanClose, zeek: "SF",
		why: "frame 8 client FIN, frame 9 server FIN,ACK, frame 10 the last ACK",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.ClosedFirst != "client" || f.Packets != (Pair[int]{6, 4}) || f.PayloadBytes != (Pair[int64]{5, 5}) {
				t.Errorf("facts %+v packets %+v payload %+v", f.Facts, f.Packets, f.PayloadBytes)
			}
		},
	},
	{
		name: "clean_close_server_first", file: "clean_close_server_first.pcap", client: "10.77.0.1:41160",
		verdict: CleanClose, close: CleanClose, zeek: "SF",
		why: "frame 8 server FIN, frame 9 client FIN,ACK, frame 10 the last ACK",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.ClosedFirst != "server" || f.Packets != (Pair[int]{5, 5}) {
				t.Errorf("facts %+v packets %+v", f.Facts, f.Packets)
			}
		},
	},
	{
		name: "clean_close_ipv6", file: "clean_close_v6.pcap", client: "[fd77::1]:41210",
		verdict: CleanClose, close: CleanClose, zeek: "SF",
		why: "as clean_close_client_first, over IPv6",
		check: func(t *testing.T, f *Flow) {
			if f.Server != "[fd77::2]:9021" || f.WiresharkFilter != "ipv6.addr==fd77::1 && ipv6.addr==fd77::2 && tcp.port==41210 && tcp.port==9021" {
				t.Errorf("server %s filter %q", f.Server, f.WiresharkFilter)
			}
		},
	},
	{
		name: "idle_open_no_keepalive", file: "idle_open.pcap", client: "10.77.0.1:41170",
		verdict: IdleOpen, close: IdleOpen, zeek: "S1",
		why: "frame 7 is the last TCP packet; the capture ends 3.02 s later with no FIN or RST",
		check: func(t *testing.T, f *Flow) {
			near(t, "silent", f.Facts.Silent, 3.017, idleTol)
			if f.Facts.KeepAliveSeen == nil || *f.Facts.KeepAliveSeen {
				t.Errorf("keepalive_seen %v", f.Facts.KeepAliveSeen)
			}
		},
	},
	{
		name: "idle_open_keepalive_answered", file: "idle_open_keepalive.pcap", client: "10.77.0.1:41180",
		verdict: IdleOpen, close: IdleOpen, zeek: "S1",
		why: "frames 8, 10, 12: keepalive probes answered by frames 9, 11, 13; no payload for 3.51 s until the capture ends: probes are not activity",
		check: func(t *testing.T, f *Flow) {
			near(t, "silent", f.Facts.Silent, 3.51, idleTol)
			if f.Facts.KeepAliveSeen == nil || !*f.Facts.KeepAliveSeen {
				t.Errorf("keepalive_seen %v", f.Facts.KeepAliveSeen)
			}
			if f.Analysis.Client.KeepAlives != 3 || f.Analysis.Server.KeepAliveACKs != 3 {
				t.Errorf("analysis %+v", f.Analysis)
			}
			// The answers reached the client: probes 10 and 12 echo the TSval of answers
			// 9 and 11 (1323109138, 1323110162).
			if f.Facts.KeepAliveAnswersLost != 0 || strings.Contains(f.Summary, "never reached") {
				t.Errorf("answers lost %d, summary %q", f.Facts.KeepAliveAnswersLost, f.Summary)
			}
		},
	},
	{
		name: "idle_open_keepalive_probe_lost_by_capture", file: "keepalive_probe_lost_by_capture.pcap", client: "10.77.0.1:41180",
		verdict: IdleOpen, close: IdleOpen, zeek: "S1",
		why: "idle_open_keepalive.pcap without the client's last probe (its frame 12): the server's answer (frame 12 here, 3.058 s; tshark still calls it 'TCP Keep-Alive ACK') repeats the server's last pure ACK (frame 11: Ack=6, Win=65536) and answers nothing the capture holds. The last exchange is still the client's ACK of the pong (frame 7, 0.0009 s), 3.51 s before the capture's end (frame 14): idle_open, not 'open, active at capture end' as an earlier build said when it took the lone answer for activity",
		check: func(t *testing.T, f *Flow) {
			near(t, "silent", f.Facts.Silent, 3.51, idleTol)
			if f.Analysis.Client.KeepAlives != 2 {
				t.Errorf("client keepalives %d, want the 2 probes in the capture", f.Analysis.Client.KeepAlives)
			}
			summarySays(t, f, "keepalive probes seen (client 2, server 0; the server answered 1 more of the client's, which the capture lost)", "")
		},
	},
	{
		name: "idle_open_keepalive_after_data_lost", file: "keepalive_after_data_lost.pcap", client: "10.77.0.1:41290",
		verdict: IdleOpen, close: IdleOpen, zeek: "S1",
		why: "keepalive_answers_lost.pcap without the client's 5-byte ping (its frame 11): the server's ACK (frame 11 here) acknowledges 6, the client's own ACK (13) already has Seq=6, and its probes (18, 22, 25, 27, 29) have Seq=5, one below what the server acknowledged: keepalive probes, which tshark marks so (frame 18: 'TCP keep-alive segment') though the capture holds none of the client's bytes. So, as in the source: idle_open, 5 probes answered in the capture, the last 4 answers never reaching the client (its probes echo older timestamps); an earlier build said 'no keepalive seen' and raised a half_open_suspect",
		check: func(t *testing.T, f *Flow) {
			if f.Analysis.Client.KeepAlives != 5 {
				t.Errorf("client keepalives %d, want 5", f.Analysis.Client.KeepAlives)
			}
			summarySays(t, f, "keepalive probes seen (client 5, server 0) and answered in the capture, but the last 4 answers to the client never reached it", "no keepalive")
		},
	},
	{
		name: "idle_open_keepalive_probes_lost_by_capture", file: "keepalive_probes_lost_by_capture.pcap", client: "10.77.0.1:41180",
		verdict: IdleOpen, close: IdleOpen, zeek: "S1",
		why: "idle_open_keepalive.pcap without any of the client's probes: the server's pure ACKs at 1.010, 2.034 and 3.058 s (frames 8-10; tshark: 'Duplicate ACK' #1-#3, Seq=6 Ack=6 Win=64, as its ACK in frame 5) each come after a silence of the whole connection of a second or more, acknowledge nothing new, change no window, and the client has nothing unacknowledged: nothing in the capture draws them, so they answer keepalive probes it lost. Silent since the client's ACK of the pong (frame 7, 0.0009 s) for 3.51 s: idle_open, with keepalive seen, so no half_open_suspect (an earlier build said 'no keepalive seen' and raised it)",
		check: func(t *testing.T, f *Flow) {
			near(t, "silent", f.Facts.Silent, 3.51, idleTol)
			if f.Facts.KeepAliveSeen == nil || !*f.Facts.KeepAliveSeen || f.Analysis.Client.KeepAlives != 0 || f.Analysis.Server.KeepAliveACKs != 0 {
				t.Errorf("keepalive seen %v, analysis %+v (the counts are Wireshark's: none marked)", f.Facts.KeepAliveSeen, f.Analysis)
			}
			summarySays(t, f, "keepalive probes seen (client 0, server 0; the server answered 3 of the client's, which the capture lost) and answered", "")
		},
	},
	{
		name: "idle_open_zero_window_probe_lost_by_capture", file: "zero_window_probe_lost_by_capture.pcap", client: "10.77.0.1:41320",
		verdict: IdleOpen, close: IdleOpen, zeek: "S1",
		why: "zero_window_stall.pcap without each connection's last zero-window probe (its frames 245, 247): the server's answers (245, 246 here, 6.943 s) repeat its last pure ACKs (Ack=119281, Win=0: tshark's 'TCP ZeroWindow') and answer nothing the capture holds. 41320 has carried nothing new since the server's zero window at 0.13 s: silent 7.77 s at the capture's end (frame 247), so idle_open as in the source, not open (an earlier build)",
		check: func(t *testing.T, f *Flow) {
			near(t, "silent", f.Facts.Silent, 7.77, idleTol)
			if !strings.Contains(f.Summary, "the client's 4 probes of it") {
				t.Errorf("summary %q", f.Summary)
			}
		},
	},
	{
		name: "server_silent_zero_window_probe_lost_by_capture", file: "zero_window_probe_lost_by_capture.pcap", client: "10.77.0.1:41310",
		verdict: ServerSilent, close: IdleOpen, zeek: "S1",
		why: "as above for 41310, whose server never sent a byte: server_silent with the close shape idle_open, as in the source, not open",
	},
	{
		name: "idle_open_capture_begun_on_keepalive_probes", file: "keepalive_midstream.pcap", client: "10.77.0.1:41980",
		verdict: IdleOpen, close: IdleOpen, zeek: "OTH",
		why: "tcpdump started 0.5 s after ping/pong, so the connection's first frame is the client's keepalive probe (frame 1: Seq=1 relative, Len=0), answered by the server's ACK one past it (frame 2: Ack=2, tshark 'TCP ACKed unseen segment'); the next probe (5) is again at Seq=1 and answered with Ack=2 (6), 2.0 s later, the client's TCP_KEEPIDLE (ss at the end: both sockets ESTAB). A client whose FIN was acknowledged sends on past it: a segment at the same number is another probe, so no FIN was lost and nothing sits in CLOSE_WAIT. An earlier build read frame 2 as the ACK of a FIN the capture lost: fin_unanswered, and a close_wait_leak finding for the server",
		check: func(t *testing.T, f *Flow) {
			near(t, "silent", f.Facts.Silent, 2.779, idleTol)
			if !f.Midstream || f.Analysis.Client.KeepAlives != 2 || f.Analysis.Server.KeepAliveACKs != 2 {
				t.Errorf("midstream %v, analysis %+v", f.Midstream, f.Analysis)
			}
			// Silent since before the capture began: 2.78 s is a lower bound.
			summarySays(t, f, "established, silent for at least 2.8 s at capture end (since its first packet in the capture, which carried nothing)", "CLOSE_WAIT")
		},
	},
	{
		name: "idle_open_capture_begun_on_a_single_keepalive_probe", file: "keepalive_midstream.pcap", client: "10.77.0.1:41990",
		verdict: IdleOpen, close: IdleOpen, zeek: "OTH",
		why: "TCP_KEEPIDLE=3: one probe in the capture (frame 3, 1.184 s: Seq=1 relative, Len=0), answered by the server's first packet, a bare ACK one past it (frame 4: Ack=2); nothing more in the 1.6 s to the capture's end (frame 8). The server acknowledges one more than the client's first number in its very first acknowledgment, with nothing (no FIN, no data) in it: the answer to a keepalive probe, one below the client's next sequence number. A lost FIN needs an earlier acknowledgment of that first number, which a capture begun on an idle connection does not hold. An earlier build said fin_unanswered (FIN lost by the capture) and close_wait_leak",
		check: func(t *testing.T, f *Flow) {
			near(t, "silent", f.Facts.Silent, 1.595, idleTol)
			if f.Analysis.Client.KeepAlives != 1 || f.Facts.KeepAliveSeen == nil || !*f.Facts.KeepAliveSeen {
				t.Errorf("analysis %+v facts %+v", f.Analysis, f.Facts)
			}
		},
	},
	{
		name: "idle_open_capture_begun_on_a_keepalive_answer", file: "keepalive_midstream_answer_first.pcap", client: "10.77.0.1:41980",
		verdict: IdleOpen, close: IdleOpen, zeek: "OTH",
		why: "keepalive_midstream.pcap without the client's first probe: the connection opens with the server's ACK (frame 1: Ack=2494522471, absolute), and the client's first packet (frame 4, 2.016 s) is at Seq=2494522470, one below what the server acknowledges, with no payload: a keepalive probe, answered by frame 5 (Ack=2494522471 again; tshark, with nothing earlier from the client to go by, calls it a Dup ACK). The client's sequence numbers, taken from the probe, are one short; counted so, the probe is no keepalive and the flow reads 'no keepalive seen', which an earlier build said (and, in the finding half_open_suspect, 'enable TCP keepalive')",
		check: func(t *testing.T, f *Flow) {
			if f.Analysis.Client.KeepAlives != 1 || f.Analysis.Server.KeepAliveACKs != 1 || f.Facts.KeepAliveSeen == nil || !*f.Facts.KeepAliveSeen {
				t.Errorf("analysis %+v facts %+v", f.Analysis, f.Facts)
			}
		},
	},
	{
		name: "handshake_incomplete_capture_begun_after_the_ack", file: "handshake_ack_lost_midstream.pcap", client: "10.77.0.1:41590",
		verdict: HandshakeIncomplete, close: HandshakeIncomplete, zeek: "OTH",
		why: "handshake_ack_lost.pcap from its frame 3: the client's ACK (frame 1: Ack=3517123827, absolute) comes before any SYN-ACK, then the server's SYN-ACK (5, 9: Seq=3517123826, one below what the client acknowledged) twice after it, each answered by the client's ACK (6, 10; tshark: Dup ACK 1#1, 1#2): the server's kernel never took the handshake's last ACK. The ACKs are in the capture, so not 'the client's final ACK never came', which an earlier build said of a flow begun mid-connection",
		check: func(t *testing.T, f *Flow) {
			if !f.Midstream || f.Facts.SYNACKAfterACK != 2 || !strings.Contains(f.Summary, "the client's ACK is in the capture, but the server sent its SYN-ACK again after it 2 times") {
				t.Errorf("midstream %v, facts %+v, summary %q", f.Midstream, f.Facts, f.Summary)
			}
		},
	},
	{
		name: "rst_on_first_data_capture_begun_at_the_synack", file: "rst_on_first_data_midstream.pcap", client: "10.77.0.1:41060",
		verdict: RSTOnFirstData, close: Reset, zeek: "RSTR",
		why: "rst_on_first_data.pcap from its frame 2: no client SYN, but the server's SYN-ACK (frame 1: Ack=771700742, absolute) is where the client's handshake ACK (2) starts; the client's GET (3, 46 bytes) is its first data, ACKed (4), and the server's RST,ACK (5) comes 299.7 ms later, the server never having sent a byte: as in the whole capture. An earlier build, with no application verdict or handshake reading on a flow begun mid-connection, said http_unanswered",
		check: func(t *testing.T, f *Flow) {
			if !f.Midstream || !strings.Contains(f.Summary, "handshake completed, the client sent 46 bytes and the server answered with RST 299.7 ms later, never having sent a byte") {
				t.Errorf("midstream %v, summary %q", f.Midstream, f.Summary)
			}
		},
	},
	{
		name: "http_unanswered_capture_begun_on_an_rst", file: "rst_lost_past_capture_midstream.pcap", client: "10.77.0.1:41650",
		verdict: HTTPUnanswered, close: Reset, zeek: "OTH",
		why: "rst_lost_past_capture.pcap from its frame 22: 41650 opens with the server's bare RST (frame 1: Seq=41 relative there), then the client resends GET /b 415.9 ms later (2) and the server's bare RST answers it (3). The first RST came before the request: no wait from the request to it, and not 'ended the connection -415.9 ms later', which an earlier build said",
		check: func(t *testing.T, f *Flow) {
			a := f.Facts.AppFacts
			if a == nil || a.Wait != nil || !strings.Contains(f.Summary, "HTTP GET /b (Host 10.77.0.2:9063) never answered; an RST from the server came 415.9 ms before the request: the client sent it on a connection already ended") {
				t.Errorf("app %+v, summary %q", a, f.Summary)
			}
		},
	},
	{
		name: "open_bulk_at_capture_end", file: "open_active.pcap", client: "10.77.0.1:41190",
		verdict: Open, close: Open, zeek: "S1",
		why: "the server sends 1000 bytes every 10 ms until the last frame: no FIN, no RST, no silence",
		check: func(t *testing.T, f *Flow) {
			if f.PayloadBytes.Client != 9 || f.PayloadBytes.Server < 100000 {
				t.Errorf("payload %+v", f.PayloadBytes)
			}
		},
	},
}

func TestVerdict(t *testing.T) {
	for _, c := range tcpCases {
		t.Run(c.name, func(t *testing.T) {
			r := analyzeFiles(t, DefaultConfig(), filepath.Join("..", "testdata", "tcp", c.file))
			f := flowByClient(t, r, c.client)
			if f.Verdict != c.verdict || f.Close != c.close {
				t.Fatalf("verdict %s close %s, want %s close %s (%s)\nsummary: %s", f.Verdict, f.Close, c.verdict, c.close, c.why, f.Summary)
			}
			if f.ZeekConnState != c.zeek {
				t.Errorf("zeek_conn_state %s, want %s", f.ZeekConnState, c.zeek)
			}
			if f.Severity != SeverityOf(c.verdict) || f.Summary == "" {
				t.Errorf("severity %s summary %q", f.Severity, f.Summary)
			}
			if c.check != nil {
				c.check(t, f)
			}
		})
	}
}

// TestVerdictIdleThreshold: the same RST is rst_after_idle or reset depending on --idle.
func TestVerdictIdleThreshold(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Idle = 3e9 // 3 s: the 2.0 s silence before the abort no longer counts
	r := analyzeFiles(t, cfg, filepath.Join("..", "testdata", "tcp", "rst_after_idle_abort.pcap"))
	if f := flowByClient(t, r, "10.77.0.1:41100"); f.Verdict != Reset {
		t.Errorf("with --idle 3s: %s, want reset", f.Verdict)
	}
}

// TestEarlyFinishChangesNoVerdict: handing ended flows over after a short grace (to keep
// memory in proportion to open connections) gives every flow of every capture the same
// verdict, close and Zeek state as keeping them all to the capture's end.
func TestEarlyFinishChangesNoVerdict(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "*", "*.pcap*"))
	for _, p := range paths {
		early := analyzeWith(t, Options{Config: DefaultConfig()}, p)
		late := analyzeWith(t, Options{Config: DefaultConfig(), Grace: 1e6 * time.Hour}, p)
		if len(early.Flows) != len(late.Flows) {
			t.Errorf("%s: %d flows with early finishing, %d without", p, len(early.Flows), len(late.Flows))
			continue
		}
		for i := range early.Flows {
			a, b := early.Flows[i], late.Flows[i]
			if a.Verdict != b.Verdict || a.Close != b.Close || a.ZeekConnState != b.ZeekConnState || a.LastFrame != b.LastFrame {
				t.Errorf("%s flow %d: early %s/%s/%s last %d, late %s/%s/%s last %d", p, a.ID,
					a.Verdict, a.Close, a.ZeekConnState, a.LastFrame, b.Verdict, b.Close, b.ZeekConnState, b.LastFrame)
			}
		}
	}
}

// TestMaxFlowsEvicts: with room for only 4 live flows, the run completes, every flow is
// still judged, the evictions are counted and a flow_limit finding says so.
func TestMaxFlowsEvicts(t *testing.T) {
	p := filepath.Join("..", "testdata", "scenarios", "s4_ssh_silent.pcap")
	r := analyzeWith(t, Options{Config: DefaultConfig(), MaxFlows: 4}, p)
	if r.Summary.Flows != 24 || r.Summary.Evicted == 0 || r.Summary.PeakLiveFlows > 4 {
		t.Errorf("flows %d evicted %d peak %d", r.Summary.Flows, r.Summary.Evicted, r.Summary.PeakLiveFlows)
	}
	found := false
	for _, f := range r.Findings {
		found = found || f.Kind == KindFlowLimit
	}
	if !found {
		t.Errorf("no flow_limit finding")
	}
}

// TestWorkersSameOutput: one goroutine or a read/track pipeline, the JSON is the same
// byte for byte, on a capture with port reuse and on the scenarios.
func TestWorkersSameOutput(t *testing.T) {
	for _, p := range []string{
		filepath.Join("..", "testdata", "link", "port_reuse.pcap"),
		filepath.Join("..", "testdata", "scenarios", "s3_syn_drops.pcap"),
		filepath.Join("..", "testdata", "scenarios", "s5_accept_failure.pcap"),
		filepath.Join("..", "testdata", "app", "many_small_http.pcap"),
	} {
		one := analyzeWith(t, Options{Config: DefaultConfig(), Workers: 1}, p)
		two := analyzeWith(t, Options{Config: DefaultConfig(), Workers: 2}, p)
		a, _ := json.Marshal(one)
		b, _ := json.Marshal(two)
		if string(a) != string(b) {
			t.Errorf("%s: output differs between 1 and 2 workers", p)
		}
	}
}

// TestPeerRestart: a client that lost its connection without the server knowing
// reconnects from the same port (testdata/tcp/peer_restart.sh). tshark shows frames
// 1-7 a request and its answer on 41400, then 3.15 s of silence; frame 8 the client's
// SYN with a new ISN, 3788468543 ("TCP Port numbers reused"); frame 9 the server's
// bare ACK in the old connection's numbers (-o tcp.relative_sequence_numbers:FALSE:
// Ack=3739180190, the client's next byte there, frame 7's Seq; not the new ISN + 1):
// the challenge ACK of RFC 5961 4.2, as ss showed the server's socket still
// ESTABLISHED; frame 10 the client's RST with Seq=3739180190, the ACK's acknowledgment
// number (RFC 9293 3.10.7.3), which resets the old connection (the second ss shows it
// gone); frame 11 the same SYN again (ISN 3788468543; tshark: "TCP Retransmission"), then a handshake,
// ping and pong and FINs both ways (12-20). So: two connections, not three. The old one
// ends at frame 10 by the client's RST after 3.15 s idle, and it was half-open; the new
// one has both SYNs and closes cleanly. An earlier build split frames 8-10 off as a
// connect the client gave up (and a syn_drops finding), and left the old connection
// idle and open (and a half_open_suspect finding).
func TestPeerRestart(t *testing.T) {
	r := analyzeFiles(t, DefaultConfig(), filepath.Join("..", "testdata", "tcp", "peer_restart.pcap"))
	if len(r.Flows) != 2 {
		t.Fatalf("%d flows, want 2", len(r.Flows))
	}
	old, fresh := &r.Flows[0], &r.Flows[1]
	if old.Verdict != RSTAfterIdle || old.FirstFrame != 1 || old.LastFrame != 10 {
		t.Errorf("old connection: %s, frames %d-%d; want rst_after_idle, frames 1-10\n%s", old.Verdict, old.FirstFrame, old.LastFrame, old.Summary)
	}
	if old.Facts.RSTFrom != "client" || old.Facts.RSTAnswered != "challenge_ack" {
		t.Errorf("old connection's facts %+v", old.Facts)
	}
	near(t, "idle", old.Facts.Idle, 3.154, idleTol)
	for _, fr := range []int{8, 9, 10} {
		hasEvidence(t, old, fr)
	}
	summarySays(t, old, "the client connected again from the same port 3.2 s after this connection's last activity; the server, still holding it, answered with a challenge ACK", "abort")
	summarySays(t, old, "so it sat half-open until then", "")
	if fresh.Verdict != CleanClose || fresh.FirstFrame != 8 || fresh.LastFrame != 20 || fresh.Analysis.Client.SYNs != 2 {
		t.Errorf("new connection: %s, frames %d-%d, %d SYNs; want clean_close, frames 8-20, 2 SYNs",
			fresh.Verdict, fresh.FirstFrame, fresh.LastFrame, fresh.Analysis.Client.SYNs)
	}
	for _, fd := range r.Findings {
		t.Errorf("finding %s: %s", fd.Kind, fd.Summary)
	}
}

// TestPeerRestartChallengeLost: peer_restart.pcap without the server's challenge ACK
// (frame 9 there), as capture loss takes it. The client's RST (frame 9 here) has
// Seq=3739180190, the old connection's next byte (the Seq of the client's last ACK,
// frame 7), not one of the new ISN's (3788468543): a socket in SYN-SENT
// only learns that number from the ACK the capture lost. So it still ends the old
// connection, and the new one (8, 10-19) still has both SYNs.
func TestPeerRestartChallengeLost(t *testing.T) {
	r := analyzeFiles(t, DefaultConfig(), filepath.Join("..", "testdata", "tcp", "peer_restart_ack_lost.pcap"))
	if len(r.Flows) != 2 {
		t.Fatalf("%d flows, want 2", len(r.Flows))
	}
	old, fresh := &r.Flows[0], &r.Flows[1]
	if old.Verdict != RSTAfterIdle || old.LastFrame != 9 || old.Facts.RSTAnswered != "challenge_ack" {
		t.Errorf("old connection: %s, last frame %d, facts %+v", old.Verdict, old.LastFrame, old.Facts)
	}
	summarySays(t, old, "(RFC 5961; the capture lost it, but the RST is at this connection's next byte, which only that ACK gave the client)", "")
	if fresh.Verdict != CleanClose || fresh.FirstFrame != 8 || fresh.Analysis.Client.SYNs != 2 {
		t.Errorf("new connection: %s, first frame %d, %d SYNs", fresh.Verdict, fresh.FirstFrame, fresh.Analysis.Client.SYNs)
	}
	if len(r.Findings) != 0 {
		t.Errorf("findings %+v", r.Findings)
	}
}

// TestLostProbesNoHalfOpen: a connection whose keepalive probes the capture lost, and
// whose peer's answers it holds, is no half-open suspect: keepalive was at work on it
// (keepalive_probes_lost_by_capture.pcap, see its TestVerdict case).
func TestLostProbesNoHalfOpen(t *testing.T) {
	r := analyzeFiles(t, DefaultConfig(), filepath.Join("..", "testdata", "tcp", "keepalive_probes_lost_by_capture.pcap"))
	for _, fd := range r.Findings {
		t.Errorf("finding %s: %s", fd.Kind, fd.Summary)
	}
}
