package analyzer

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The captures of testdata/app were made by real net/http, crypto/tls and socket programs
// (testdata/app/cmd); testdata/app/EXPECTED.md quotes the tshark lines behind each number.
var appCases = []verdictCase{
	{
		name: "reset_by_a_client_abort_after_its_answer", file: "client_abort.pcap", client: "10.77.0.1:38428",
		verdict: Reset, close: Reset, zeek: "RSTO",
		why: "GET /ok (frame 4) answered 200 (frame 6) and ACKed (7); 100.4 ms later the client's RST,ACK (frame 8): its own abort (SO_LINGER 0), under the 1 s idle threshold",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.RSTFrom != "client" || len(f.HTTP) != 1 || f.HTTP[0].Status != 200 {
				t.Errorf("rst from %q, exchanges %+v", f.Facts.RSTFrom, f.HTTP)
			}
		},
	},
	{
		name: "http_unanswered_capture_ends_in_close_wait", file: "client_abort.pcap", client: "10.77.0.1:38432",
		verdict: HTTPUnanswered, close: FINUnanswered, zeek: "S2",
		why: "POST /hang (frame 12) gets nothing; the client's FIN 1000.1 ms later (14), the server's ACK (15) 43.2 ms after it is the capture's last packet: a CLOSE_WAIT under the 1 s idle threshold, so the server is not said never to close",
		check: func(t *testing.T, f *Flow) {
			summarySays(t, f, "the server had not closed its side when the capture ended 43.2 ms later (CLOSE_WAIT, for less than the idle threshold)", "never closed")
		},
	},
	{
		name: "http_unanswered_keepalive_third_request", file: "http_keepalive.pcap", client: "10.77.0.1:48030",
		verdict: HTTPUnanswered, close: FINUnanswered, zeek: "S2",
		why: "GET /ok (frame 4) answered in frame 6, GET /slow (8) answered in 10 after 300.8 ms; POST /hang (frame 11) gets nothing, the client's FIN comes 1000.057 ms later and the server only ACKs it (CLOSE_WAIT)",
		check: func(t *testing.T, f *Flow) {
			a := f.Facts.AppFacts
			if a == nil || a.Method != "POST" || a.Path != "/hang" || a.Host != "10.77.0.2:8080" || a.RequestFrame != 11 || a.GaveUpBy != "FIN" {
				t.Fatalf("app facts %+v", a)
			}
			near(t, "wait", a.Wait, 1.000, 0.01)
			if a.EarlierAnswers == nil || *a.EarlierAnswers != 2 {
				t.Errorf("earlier answered %v, want 2", a.EarlierAnswers)
			}
			if len(f.HTTP) != 3 || f.HTTP[0].ResponseFrame != 6 || f.HTTP[1].ResponseFrame != 10 || f.HTTP[1].Status != 200 {
				t.Errorf("exchanges %+v", f.HTTP)
			}
			if f.Protocol != "http" {
				t.Errorf("protocol %q", f.Protocol)
			}
		},
	},
	{
		name: "http_unanswered_pipelined_behind_hang", file: "http_pipelined.pcap", client: "10.77.0.1:35786",
		verdict: HTTPUnanswered, close: FINUnanswered, zeek: "S2",
		why: "frame 18 carries GET /ok, GET /hang, GET /ok in one segment; frame 20 answers the first only; the client's FIN (frame 22) comes 1000.5 ms later",
		check: func(t *testing.T, f *Flow) {
			a := f.Facts.AppFacts
			if a == nil || a.Path != "/hang" || a.Unanswered != 2 || a.EarlierAnswers == nil || *a.EarlierAnswers != 1 {
				t.Fatalf("app facts %+v", a)
			}
			near(t, "wait", a.Wait, 1.0005, 0.01)
		},
	},
	{
		name: "http_unanswered_client_abort_rst", file: "http_unanswered_rst.pcap", client: "10.77.0.1:35802",
		verdict: HTTPUnanswered, close: RSTAfterIdle, zeek: "RSTO",
		why: "POST /hang in frame 4, ACKed by the server's kernel (frame 5); the client's RST,ACK (frame 6) 1000.2 ms later, just over the 1 s idle threshold",
		check: func(t *testing.T, f *Flow) {
			a := f.Facts.AppFacts
			if a == nil || a.Method != "POST" || a.GaveUpBy != "RST" {
				t.Fatalf("app facts %+v", a)
			}
			near(t, "wait", a.Wait, 1.000, 0.01)
		},
	},
	{
		name: "server_silent_ssh_banner", file: "ssh_banner_hang.pcap", client: "10.77.0.1:39644",
		verdict: ServerSilent, close: IdleOpen, zeek: "S1",
		why: "the client's SSH-2.0-Go banner (frame 4) is ACKed by the kernel (frame 5) and nothing else ever comes; the connection is still open 3.04 s later at capture end",
		check: func(t *testing.T, f *Flow) {
			a := f.Facts.AppFacts
			if a == nil || a.Protocol != "ssh" || !a.NoGreeting || a.BytesSent != 12 {
				t.Fatalf("app facts %+v", a)
			}
			near(t, "wait so far", a.Wait, 3.0436, 0.05)
		},
	},
	{
		name: "server_silent_ssh_banner_capture_begun_at_the_synack", file: "ssh_banner_hang_midstream.pcap", client: "10.77.0.1:39644",
		verdict: ServerSilent, close: IdleOpen, zeek: "S1",
		why: "ssh_banner_hang.pcap from its frame 2: the client's SYN is gone, but the server's SYN-ACK (frame 1) acknowledges 843498244, where the client's first packet (2, its handshake ACK) starts, so the client's bytes are held from their first: its SSH-2.0-Go banner (3) is its first message, ACKed (4), and nothing comes back in the 3.04 s to the capture's end. An earlier build took no application verdict on a flow begun mid-connection and said idle_open",
		check: func(t *testing.T, f *Flow) {
			a := f.Facts.AppFacts
			if !f.Midstream || a == nil || a.Protocol != "ssh" || !a.NoGreeting || a.BytesSent != 12 {
				t.Fatalf("midstream %v, app facts %+v", f.Midstream, a)
			}
			near(t, "wait so far", a.Wait, 3.0436, 0.05)
		},
	},
	{
		name: "request_unanswered_ssh_client_gives_up", file: "ssh_banner_hang.pcap", client: "10.77.0.1:39660",
		verdict: RequestUnanswered, close: FINUnanswered, zeek: "S2",
		why: "banner in frame 9, no byte back; the client's FIN (frame 11) 1000.3 ms later",
		check: func(t *testing.T, f *Flow) {
			near(t, "wait", f.Facts.AppFacts.Wait, 1.0003, 0.01)
		},
	},
	{
		name: "ssh_banner_in_flight_at_capture_end", file: "request_in_flight.pcap", client: "10.77.0.1:48856",
		verdict: Open, close: Open, zeek: "S1",
		why:   "the banner (frame 4, t=0.000267) is 705.2 ms old when the capture ends (frame 20, t=0.705479): under the 1 s idle threshold a request not yet answered is in flight, not a silent server",
		check: inFlightAt("705.2 ms"),
	},
	{
		name: "http_request_in_flight_at_capture_end", file: "request_in_flight.pcap", client: "10.77.0.1:37390",
		verdict: Open, close: Open, zeek: "S1",
		why:   "GET /hang (frame 9, t=0.303264) is 402.2 ms old when the capture ends: in flight, as above",
		check: inFlightAt("402.2 ms"),
	},
	{
		name: "request_unanswered_tls_clienthello", file: "tls_silent.pcap", client: "10.77.0.1:54694",
		verdict: RequestUnanswered, close: FINUnanswered, zeek: "S2",
		why: "a 1512-byte ClientHello for api.internal.example (frames 4–5); the server never writes; the client's FIN (frame 8) 1.000 s later",
		check: func(t *testing.T, f *Flow) {
			a := f.Facts.AppFacts
			if a == nil || a.Protocol != "tls" || a.BytesSent != 1512 || f.App == nil || f.App.TLS == nil || f.App.TLS.SNI != "api.internal.example" {
				t.Fatalf("app facts %+v app %+v", a, f.App)
			}
		},
	},
	{
		name: "tls_answered_clean", file: "tls_silent.pcap", client: "10.77.0.1:48930",
		verdict: CleanClose, close: CleanClose, zeek: "SF",
		why: "ServerHello in frame 17; close_notify and FIN both ways",
	},
	{
		name: "request_unanswered_mysql_login_after_greeting", file: "mysql_greeting_stall.pcap", client: "10.77.0.1:45368",
		verdict: RequestUnanswered, close: FINUnanswered, zeek: "S2",
		why: "the server's greeting (frame 4) came before the client's login (frame 6); nothing after it; the client's FIN 1000.5 ms later",
		check: func(t *testing.T, f *Flow) {
			a := f.Facts.AppFacts
			if a == nil || a.Protocol != "mysql" || a.NoGreeting {
				t.Fatalf("app facts %+v", a)
			}
			near(t, "wait", a.Wait, 1.0005, 0.01)
		},
	},
	{
		name: "mysql_no_greeting_no_data", file: "mysql_greeting_stall.pcap", client: "10.77.0.1:54464",
		verdict: FINUnanswered, close: FINUnanswered, zeek: "S2",
		why: "handshake, then no payload either way; the client's FIN 1.0 s later, the server only ACKs: no client data, so no request verdict, but the missing greeting (port 3306) is said. The capture ends 2.5 ms after the FIN: too soon to say the server never closes",
		check: func(t *testing.T, f *Flow) {
			if a := f.Facts.AppFacts; a == nil || !a.NoGreeting {
				t.Errorf("app facts %+v, want no_greeting", a)
			}
			summarySays(t, f, "the server had not sent its FIN when the capture ended 2.5 ms later", "never closed its socket")
		},
	},
	{
		name: "request_unanswered_redis_get", file: "misc_protocols.pcap", client: "10.77.0.1:36702",
		verdict: RequestUnanswered, close: FINUnanswered, zeek: "S2",
		why: "frame 56: *2 $3 GET $10 session:42, no reply; the client's FIN (frame 58) 1000.4 ms later",
		check: func(t *testing.T, f *Flow) {
			if a := f.Facts.AppFacts; a == nil || a.Protocol != "redis" || a.BytesSent != 30 {
				t.Errorf("app facts %+v", a)
			}
		},
	},
	{
		name: "http2_prior_knowledge_answered", file: "misc_protocols.pcap", client: "10.77.0.1:50702",
		verdict: CleanClose, close: CleanClose, zeek: "SF",
		why: "the PRI * HTTP/2.0 preface is HTTP/2, answered by SETTINGS (frame 42): not an unanswered HTTP/1 request",
		check: func(t *testing.T, f *Flow) {
			if f.Protocol != "http2" {
				t.Errorf("protocol %q, want http2", f.Protocol)
			}
		},
	},
	{
		name: "http_request_after_the_servers_fin", file: "stale_after_close.pcap", client: "10.77.0.1:56184",
		verdict: FINUnansweredThenRST, close: FINUnansweredThenRST, zeek: "RSTR",
		why:   "the server's FIN (frame 8) came 1 s after GET /ok was answered; the client wrote a second GET /ok (frame 10) 500.965 ms after that FIN, and the server's kernel answered RST (frame 11): a FIN is a side's last byte, so nothing could answer the request: no http_unanswered, and no negative wait",
		check: sentAfterServerFIN(10, "(HTTP GET /ok)"),
	},
	{
		name: "mysql_login_after_the_servers_fin", file: "stale_after_close.pcap", client: "10.77.0.1:51656",
		verdict: FINUnansweredThenRST, close: FINUnansweredThenRST, zeek: "RSTR",
		why:   "greeting (frame 15), the server's FIN 1.000 s later (17); the login (19) came 500.985 ms after the FIN, RST (20)",
		check: sentAfterServerFIN(19, "(102 bytes of MySQL data)"),
	},
	{
		name: "redis_get_unanswered_then_sent_again_after_the_fin", file: "stale_after_close.pcap", client: "10.77.0.1:33552",
		verdict: RequestUnanswered, close: FINUnansweredThenRST, zeek: "RSTR",
		why: "GET session:42 (frame 24) never answered; the server's FIN (26) 1.000315 s later; the second GET (28) came after the FIN, so the wait runs from the first",
		check: func(t *testing.T, f *Flow) {
			a := f.Facts.AppFacts
			if a == nil || a.Protocol != "redis" || a.RequestFrame != 24 || a.GaveUpBy != "server" {
				t.Fatalf("app facts %+v", a)
			}
			near(t, "wait", a.Wait, 1.000315, 0.001)
		},
	},
	// stale_after_close_rtt.pcap: the same three stories over a 50 ms round trip. The
	// client now closes (FIN) right after its late write, before the server's RST can
	// come back; the server's kernel answers the data and the FIN with one bare RST
	// each (Seq = their ACK, identical, microseconds apart).
	{
		name: "http_request_after_the_servers_fin_then_the_clients_fin", file: "stale_after_close_rtt.pcap", client: "10.77.0.1:38396",
		verdict: CleanClose, close: CleanClose, zeek: "SF",
		why: "server FIN (frame 8) 1.0 s after GET /ok's answer; the second GET /ok (10) 498.9 ms after it and the client's FIN (11) 85 µs later: both sides sent FIN, and the request came after the server's, so it is no unanswered request; RSTs 12 and 13 answer 10 and 11",
		check: func(t *testing.T, f *Flow) {
			sentAfterServerFIN(10, "HTTP GET /ok 498.9 ms after the server's FIN")(t, f)
			twoResets(t, f, 6)
		},
	},
	{
		name: "mysql_login_after_the_servers_fin_then_the_clients_fin", file: "stale_after_close_rtt.pcap", client: "10.77.0.1:55008",
		verdict: CleanClose, close: CleanClose, zeek: "SF",
		why: "greeting (frame 17), the server's FIN 1.000 s later (19); the login (21) 500.7 ms after the FIN, the client's FIN (22); RSTs 23 and 24",
		check: func(t *testing.T, f *Flow) {
			sentAfterServerFIN(21, "102 bytes of MySQL data 500.7 ms after the server's FIN")(t, f)
			twoResets(t, f, 5)
		},
	},
	{
		name: "redis_get_unanswered_then_sent_again_and_closed_after_the_fin", file: "stale_after_close_rtt.pcap", client: "10.77.0.1:37480",
		verdict: RequestUnanswered, close: CleanClose, zeek: "SF",
		why: "GET session:42 (frame 28) never answered; the server's FIN (30) 1.050832 s later ended the wait; the second GET (32) and the client's FIN (33) came after it: the client did not give up after 397 µs, it found the connection closed",
		check: func(t *testing.T, f *Flow) {
			a := f.Facts.AppFacts
			if a == nil || a.Protocol != "redis" || a.RequestFrame != 28 || a.GaveUpBy != "server" {
				t.Fatalf("app facts %+v", a)
			}
			near(t, "wait", a.Wait, 1.050832, 0.001)
			summarySays(t, f, "the server's FIN ended the connection 1.1 s later", "gave up")
			twoResets(t, f, 5)
		},
	},
	// stale_after_close_rtt_server.pcap: the same, captured at the server's end. Each
	// late write arrives, the server's kernel resets at once, and the client's FIN, sent
	// before that RST could reach it, arrives 10-470 µs after the RST: it crossed the RST
	// on the way. The verdicts are the client end's.
	{
		name: "client_fin_crossing_the_rst_still_closes_its_side", file: "stale_after_close_rtt_server.pcap", client: "10.77.0.1:56510",
		verdict: CleanClose, close: CleanClose, zeek: "SF",
		why: "server FIN (frame 8); the client's second GET /ok (10) 550.8 ms later; the server's RST (11) 22 µs after it; the client's FIN (12) 10 µs after the RST, well inside a 50 ms round trip: sent before the RST reached the client, so the client closed its side and both sides sent FIN; not 'the client never sent FIN'",
		check: func(t *testing.T, f *Flow) {
			sentAfterServerFIN(10, "HTTP GET /ok 550.8 ms after the server's FIN")(t, f)
			summarySays(t, f, "the client answered with its FIN 550.8 ms later", "never sent FIN")
		},
	},
	{
		name: "client_fin_crossing_the_rst_mysql", file: "stale_after_close_rtt_server.pcap", client: "10.77.0.1:57454",
		verdict: CleanClose, close: CleanClose, zeek: "SF",
		why:   "greeting (frame 17), the server's FIN (19) 1.000 s later; the login (21) 550.4 ms after it, RST (22), the client's FIN (23) 470 µs after the RST: crossed it",
		check: sentAfterServerFIN(21, "102 bytes of MySQL data 550.4 ms after the server's FIN"),
	},
	{
		name: "redis_unanswered_client_fin_crossing_the_rst", file: "stale_after_close_rtt_server.pcap", client: "10.77.0.1:46194",
		verdict: RequestUnanswered, close: CleanClose, zeek: "SF",
		why: "GET session:42 (frame 28) never answered; the server's FIN (30) 1.000449 s later ended the wait; the second GET (32), RST (33), the client's FIN (34) 29 µs after the RST",
		check: func(t *testing.T, f *Flow) {
			a := f.Facts.AppFacts
			if a == nil || a.RequestFrame != 28 || a.GaveUpBy != "server" {
				t.Fatalf("app facts %+v", a)
			}
			near(t, "wait", a.Wait, 1.000449, 0.001)
		},
	},
	{
		name: "http_answered_after_the_clients_half_close", file: "http_half_close.pcap", client: "10.77.0.1:50070",
		verdict: CleanClose, close: CleanClose, zeek: "SF",
		why: "GET /slow (frame 4), then the client's FIN (frame 6): shutdown(SHUT_WR), one direction only; the 200 comes 301.0 ms after the request (frame 8) and the client ACKs it (frame 9), no RST: the half-closed client read its answer",
		check: func(t *testing.T, f *Flow) {
			if f.Facts.AppFacts != nil || len(f.HTTP) != 1 || f.HTTP[0].Status != 200 || f.HTTP[0].ResponseFrame != 8 {
				t.Errorf("app facts %+v, exchanges %+v", f.Facts.AppFacts, f.HTTP)
			}
		},
	},
	{
		name: "http_request_and_fin_in_one_segment", file: "http_half_close.pcap", client: "10.77.0.1:50076",
		verdict: HTTPUnanswered, close: FINUnansweredThenRST, zeek: "RSTO",
		why: "GET /ok and the client's FIN in one segment (frame 15, flags FPA: corked, then close()); the 200 (frame 16) finds the socket closed and the client's kernel answers RST (frame 17): nobody read it, and no wait shows in the capture",
		check: func(t *testing.T, f *Flow) {
			a := f.Facts.AppFacts
			if a == nil || a.Wait == nil || *a.Wait != 0 || a.GaveUpBy != "FIN" || a.RequestFrame != 15 ||
				!strings.Contains(f.Summary, "the client's FIN came with the request, in the same segment (no wait the capture shows); later an RST from the client ended it") {
				t.Errorf("app facts %+v, summary %q", a, f.Summary)
			}
		},
	},
	{
		name: "http_response_lost_by_the_capture", file: "lost_response.pcap", client: "10.77.0.1:35724",
		verdict: CleanClose, close: CleanClose, zeek: "SF",
		why:   "GET /ok (frame 4); the 200 is not in the file, but the client ACKs 143 server bytes (frame 6: tshark's 'ACKed unseen segment') and the server's FIN has Seq=144 (frame 8): the server sent them, the capture lost them, so the request is not called unanswered",
		check: answerMayBeLost(false, 143),
	},
	{
		name: "http_response_lost_by_a_capture_begun_mid_handshake", file: "lost_response_midstream.pcap", client: "10.77.0.1:35724",
		verdict: CleanClose, close: CleanClose, zeek: "SF",
		why:   "lost_response.pcap from its frame 2: the client's SYN is gone, so the flow begins mid-connection, but the server's SYN-ACK (frame 1: Seq=3782292053) gives its first sequence number; the client ACKs 3782292197 (frame 5: tshark's 'ACKed unseen segment'), 143 server bytes past it that the file lacks, and the server's FIN starts there (frame 7). So the request (frame 3) is not called unanswered, as in the whole capture; an earlier build counted no lost byte on a flow begun mid-connection and said http_unanswered, 'the client gave up after 315 µs'",
		check: answerMayBeLost(true, 143),
	},
	{
		name: "http_response_and_synack_lost_by_the_capture", file: "lost_response_synack.pcap", client: "10.77.0.1:35724",
		verdict: CleanClose, close: CleanClose, zeek: "SF",
		why:   "lost_response.pcap without the server's SYN-ACK (its frame 2): no segment of the server's carries its initial sequence number, but the client's handshake ACK (frame 2: Ack=3782292054, tshark's relative Ack=1) acknowledges it plus one (RFC 9293 3.5); the client then ACKs 3782292197 (frame 5: tshark's 'ACKed unseen segment'), 143 server bytes the file lacks, and the server's FIN starts there (frame 7). So the request (frame 3) is not called unanswered, as in the whole capture; an earlier build counted no lost byte without the SYN-ACK and said http_unanswered, 'the client gave up after 315 µs'",
		check: answerMayBeLost(false, 143),
	},
	{
		name: "http_response_lost_by_the_capture_midstream", file: "lost_response_keepalive.pcap", client: "127.0.0.1:49500",
		verdict: CleanClose, close: CleanClose, zeek: "SF",
		why:   "a keep-alive connection from its second GET (link/rotated_3.pcap) without the third GET's 200 (its frame 5): no SYN of either side's, so the server's bytes count from its first in the file (frame 2, Seq=1, 77 bytes); the client ACKs 155 (frame 5: tshark's 'ACKed unseen segment'), 77 server bytes past them, and the server's FIN starts there (frame 7). So the GET at frame 4 is not called unanswered; an earlier build counted no lost byte on a flow begun mid-connection and said http_unanswered, 'the client gave up after 273 µs'",
		check: answerMayBeLost(true, 77),
	},
	{
		name: "stale_write_rst_lost_by_the_capture", file: "stale_after_close_rst_lost.pcap", client: "10.77.0.1:56184",
		verdict: FINUnanswered, close: FINUnanswered, zeek: "S3",
		why: "stale_after_close.pcap without the server's RST (its frame 11): the server's FIN (frame 8) is ACKed (9); the client's GET (frame 10, 1.502 s) after it is neither ACKed nor resent, and the server sends nothing more, in the 3.42 s to the capture's last packet (4.922 s): a live socket resends unacknowledged data within twice its retransmission timeout (RFC 6298: at least 1 s), so the client's socket was gone (the source shows the RST that reset it). The client sat in CLOSE_WAIT only until its write, 0.50 s: no close_wait_leak (an earlier build said 3.9 s, 'the client application never closed its socket', and raised one)",
		check: func(t *testing.T, f *Flow) {
			near(t, "stuck", f.Facts.Stuck, 0.501, 0.01)
			hasEvidence(t, f, 10)
			summarySays(t, f, "the client sent no FIN, and its data was neither ACKed nor resent in the 3.4 s until the capture ended, which no live socket does: the server most likely answered it with an RST the capture lost", "never closed its socket")
		},
	},
	{
		name: "answer_and_fins_lost_by_the_capture", file: "answer_and_fins_lost.pcap", client: "10.77.0.1:41160",
		verdict: FINUnanswered, close: FINUnanswered, zeek: "S1",
		why: "ping (frame 4), ACKed (5); then only the server's ACK of the client's FIN (frame 6, Seq=7 Ack=7: tshark's 'Previous segment not captured' and 'ACKed unseen segment'). The client's FIN stands at that ACK. The server's sequence numbers run 6 past anything of its in the file: it sent an answer or a FIN or both, lost by the capture, so the request is not unanswered and nothing shows the server in CLOSE_WAIT (the original, tcp/clean_close_server_first, holds its 5-byte answer and its FIN)",
		check: func(t *testing.T, f *Flow) {
			summarySays(t, f, "the server sent no FIN the capture holds, but its sequence numbers run 6 past what the capture holds of it: its FIN may be among what the capture lost, so whether its application closed does not show; an answer may be among it as well", "never closed")
			if f.Facts.AppFacts != nil {
				t.Errorf("app facts %+v", f.Facts.AppFacts)
			}
		},
	},
}

// TestAnswerLostByTheCaptureMakesNoFinding: answer_and_fins_lost.pcap,
// lost_response_synack.pcap, lost_response_keepalive.pcap and
// stale_after_close_rst_lost.pcap (above) show no request left unanswered and no side
// in CLOSE_WAIT, so no finding says so (an earlier build found a client_timeout in the
// second and third: "the client gave up after 315 µs", "273 µs"; and a close_wait_leak
// in the last).
func TestAnswerLostByTheCaptureMakesNoFinding(t *testing.T) {
	for _, name := range []string{"answer_and_fins_lost.pcap", "lost_response_synack.pcap", "lost_response_keepalive.pcap", "stale_after_close_rst_lost.pcap"} {
		r := analyzeFiles(t, DefaultConfig(), filepath.Join("..", "testdata", "app", name))
		for _, f := range r.Findings {
			t.Errorf("%s: finding %s: %s", name, f.Kind, f.Summary)
		}
	}
}

// answerMayBeLost checks a flow whose request is not called unanswered because the
// client acknowledged n server bytes the capture lacks: no application facts, the
// summary says so, and the flow begins mid-connection or not, as the file holds it.
func answerMayBeLost(midstream bool, n int) func(*testing.T, *Flow) {
	return func(t *testing.T, f *Flow) {
		want := fmt.Sprintf("the client acknowledged %d bytes from the server that the capture does not hold", n)
		if f.Midstream != midstream || f.Facts.AppFacts != nil || !strings.Contains(f.Summary, want) {
			t.Errorf("midstream %v, app facts %+v, summary %q", f.Midstream, f.Facts.AppFacts, f.Summary)
		}
	}
}

// sentAfterServerFIN checks a flow whose client wrote only after the server's FIN: no
// request verdict's facts, the late data named in the summary and in the evidence.
func sentAfterServerFIN(frame int, what string) func(*testing.T, *Flow) {
	return func(t *testing.T, f *Flow) {
		if f.Facts.AppFacts != nil || !strings.Contains(f.Summary, what+": the client used a connection the server had closed") {
			t.Errorf("app facts %+v, summary %q", f.Facts.AppFacts, f.Summary)
		}
		for _, e := range f.Evidence {
			if e.Frame == frame {
				return
			}
		}
		t.Errorf("no evidence at frame %d: %+v", frame, f.Evidence)
	}
}

// twoResets checks that both of the server's identical bare RSTs were kept (server
// packets in all, with them): the client sent its data and its FIN before the first
// came back, so each answers one of them; neither is a copy of the other.
func twoResets(t *testing.T, f *Flow, server int) {
	t.Helper()
	if f.Packets.Server != server {
		t.Errorf("server packets %d, want %d (both RSTs)", f.Packets.Server, server)
	}
}

// inFlightAt checks an open flow whose request, age old at capture end, is in flight:
// no application facts, and the summary says how old the request was.
func inFlightAt(age string) func(*testing.T, *Flow) {
	return func(t *testing.T, f *Flow) {
		if f.Facts.AppFacts != nil || !strings.Contains(f.Summary, "a request sent "+age+" before the capture ended had no answer yet") {
			t.Errorf("app facts %+v, summary %q", f.Facts.AppFacts, f.Summary)
		}
	}
}

func TestAppVerdict(t *testing.T) {
	for _, c := range appCases {
		t.Run(c.name, func(t *testing.T) {
			r := analyzeFiles(t, DefaultConfig(), filepath.Join("..", "testdata", "app", c.file))
			f := flowByClient(t, r, c.client)
			if f.Verdict != c.verdict || f.Close != c.close {
				t.Fatalf("verdict %s close %s, want %s close %s (%s)\nsummary: %s", f.Verdict, f.Close, c.verdict, c.close, c.why, f.Summary)
			}
			if f.ZeekConnState != c.zeek {
				t.Errorf("zeek_conn_state %s, want %s", f.ZeekConnState, c.zeek)
			}
			if c.check != nil {
				c.check(t, f)
			}
		})
	}
}

// TestRequestInFlightCountsPastIdle: what tells a request in flight at capture end
// from one never answered is --idle, the line between an active and an idle flow. In
// request_in_flight.pcap the SSH banner is 0.705212 s old at capture end and GET /hang
// 0.402215 s (tshark: frames 4 and 9 against frame 20; EXPECTED.md).
func TestRequestInFlightCountsPastIdle(t *testing.T) {
	file := filepath.Join("..", "testdata", "app", "request_in_flight.pcap")
	for _, c := range []struct {
		idle     time.Duration
		ssh, web Verdict
	}{
		{time.Second, Open, Open},
		{500 * time.Millisecond, ServerSilent, Open},
		{300 * time.Millisecond, ServerSilent, HTTPUnanswered},
	} {
		cfg := DefaultConfig()
		cfg.Idle = c.idle
		r := analyzeFiles(t, cfg, file)
		ssh, web := flowByClient(t, r, "10.77.0.1:48856"), flowByClient(t, r, "10.77.0.1:37390")
		if ssh.Verdict != c.ssh || web.Verdict != c.web {
			t.Errorf("--idle %v: banner %s, GET /hang %s; want %s and %s", c.idle, ssh.Verdict, web.Verdict, c.ssh, c.web)
			continue
		}
		if a := ssh.Facts.AppFacts; c.ssh == ServerSilent && (a == nil || a.RequestFrame != 4) {
			t.Errorf("--idle %v: banner facts %+v, want request frame 4", c.idle, a)
		} else if c.ssh == ServerSilent {
			near(t, "banner's wait", a.Wait, 0.705212, 0.000001)
		}
		if a := web.Facts.AppFacts; c.web == HTTPUnanswered && (a == nil || a.RequestFrame != 9 || a.GaveUpBy != "capture end") {
			t.Errorf("--idle %v: GET /hang facts %+v, want request frame 9, given up by capture end", c.idle, a)
		} else if c.web == HTTPUnanswered {
			near(t, "GET /hang's wait", a.Wait, 0.402215, 0.000001)
		}
	}
}

// TestHTTPCloseVariantsAllAnswered: Content-Length, chunked, close-delimited, HEAD, 204,
// 304 and 100-continue responses each end their exchange: no request is unanswered.
func TestHTTPCloseVariantsAllAnswered(t *testing.T) {
	r := analyzeFiles(t, DefaultConfig(), filepath.Join("..", "testdata", "app", "http_close.pcap"))
	for _, f := range r.Flows {
		if f.Verdict != CleanClose || len(f.HTTP) != 1 || f.HTTP[0].Status == 0 {
			t.Errorf("%s: %s, exchanges %+v", f.Client, f.Verdict, f.HTTP)
		}
	}
}

// TestRSTOnFirstDataKnowsTheRequest: the request the server reset was a complete HTTP GET.
func TestRSTOnFirstDataKnowsTheRequest(t *testing.T) {
	r := analyzeFiles(t, DefaultConfig(), filepath.Join("..", "testdata", "tcp", "rst_on_first_data.pcap"))
	f := flowByClient(t, r, "10.77.0.1:41060")
	a := f.Facts.AppFacts
	if f.Verdict != RSTOnFirstData || a == nil || a.Protocol != "http" || a.FirstComplete == nil || !*a.FirstComplete {
		t.Errorf("%s facts %+v", f.Verdict, a)
	}
}

// TestNoApp: with the application layer off, the TCP close shape is the verdict.
func TestNoApp(t *testing.T) {
	src := filepath.Join("..", "testdata", "app", "http_keepalive.pcap")
	var opts Options
	opts.Config = DefaultConfig()
	opts.NoApp = true
	r := analyzeWith(t, opts, src)
	if f := r.Flows[0]; f.Verdict != FINUnanswered || f.HTTP != nil {
		t.Errorf("no-app: %s, http %v", f.Verdict, f.HTTP)
	}
}

// TestAnswerLostByTheCaptureIsNotUnanswered: zeek-tcp-miss_end_data.pcap (the public
// corpus) holds a GET whose answer the capture lost: Zeek's conn.log gives resp_bytes
// 2902 and missed_bytes 2902 (the server sent 2902 bytes, none captured; the client's
// ACKs cover them). The packets do not show the request unanswered.
func TestAnswerLostByTheCaptureIsNotUnanswered(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "captures", "public", "zeek-tcp-miss_end_data.pcap")
	if _, err := os.Stat(path); err != nil {
		t.Skip("public corpus not present")
	}
	r := analyzeFiles(t, DefaultConfig(), path)
	f := flowByClient(t, r, "192.168.122.230:60648")
	if f.Verdict == HTTPUnanswered || !strings.Contains(f.Summary, "the client acknowledged 2902 bytes from the server that the capture does not hold") {
		t.Errorf("%s: %s", f.Verdict, f.Summary)
	}
	if hasFinding(r, KindClientTimeout, "77.238.160.184:80") != nil {
		t.Error("a client_timeout finding over a request whose answer the capture lost")
	}
}

// TestRequestClosedInItsOwnSegmentIsNoTimeout: in http_half_close.pcap the client's
// FIN came in the very segment of its GET /ok (frame 15): unanswered, but nothing the
// client waited for, so no client_timeout finding ("gave up after 0 µs").
func TestRequestClosedInItsOwnSegmentIsNoTimeout(t *testing.T) {
	r := analyzeFiles(t, DefaultConfig(), filepath.Join("..", "testdata", "app", "http_half_close.pcap"))
	if f := flowByClient(t, r, "10.77.0.1:50076"); f.Verdict != HTTPUnanswered {
		t.Fatalf("%s: %s", f.Verdict, f.Summary)
	}
	if f := hasFinding(r, KindClientTimeout, "10.77.0.2:8080"); f != nil {
		t.Errorf("client_timeout over a request closed in its own segment: %s", f.Summary)
	}
}

// TestPortOnlyProtocolIsSaidSo: suricata-verify-tcp-split-handshake-01-4whs.pcap (the
// public corpus) sends 4 bytes to port 80 that are no HTTP (tshark: frame 5, payload
// "EVIL", hex 4556494c), never answered: the summary may not call them HTTP data; the
// port is all that hints at HTTP.
func TestPortOnlyProtocolIsSaidSo(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "captures", "public", "suricata-verify-tcp-split-handshake-01-4whs.pcap")
	if _, err := os.Stat(path); err != nil {
		t.Skip("public corpus not present")
	}
	r := analyzeFiles(t, DefaultConfig(), path)
	f := flowByClient(t, r, "1.1.1.1:12345")
	if f.Verdict != RequestUnanswered || !strings.HasPrefix(f.Summary, "the client sent data (4 bytes; HTTP by the port only) and no byte ever came back") {
		t.Errorf("%s: %s", f.Verdict, f.Summary)
	}
}

// TestCloseWaitAfterTheClientGaveUp: http_keepalive.pcap's server ACKs the client's FIN
// (frame 13) and the capture ends 42.8 ms later (frame 14, EXPECTED.md). Under --idle
// that server may yet close, and the summary says only that it had not; with --idle 40ms
// it has sat in CLOSE_WAIT long enough to be called one that never closes.
func TestCloseWaitAfterTheClientGaveUp(t *testing.T) {
	p := filepath.Join("..", "testdata", "app", "http_keepalive.pcap")
	for _, c := range []struct {
		idle time.Duration
		says string
	}{
		{time.Second, "the server had not closed its side when the capture ended 42.8 ms later (CLOSE_WAIT, for less than the idle threshold)"},
		{40 * time.Millisecond, "the server never closed its side (CLOSE_WAIT): the application is not answering and not closing"},
	} {
		cfg := DefaultConfig()
		cfg.Idle = c.idle
		f := flowByClient(t, analyzeFiles(t, cfg, p), "10.77.0.1:48030")
		if !strings.Contains(f.Summary, c.says) {
			t.Errorf("--idle %v: summary %q\nwant %q", c.idle, f.Summary, c.says)
		}
	}
}
