package analyzer

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// linkFlow is one expected flow of a link-type capture (testdata/link/EXPECTED.md).
type linkFlow struct {
	client, server string
	first, last    int // Wireshark frame numbers, from tshark -r
	verdict        Verdict
}

var (
	// Each capture carries a clean request/response and a connect to a closed port:
	// FIN/FIN (SF) and SYN answered by RST,ACK (REJ), over the link type under test.
	cleanAndRefusedLo = []linkFlow{
		{"127.0.0.1:38682", "127.0.0.1:8080", 1, 13, CleanClose},
		{"127.0.0.1:43626", "127.0.0.1:81", 14, 15, Refused},
	}
	cleanAndRefusedBSD = []linkFlow{
		{"127.0.0.1:46292", "127.0.0.1:8080", 1, 13, CleanClose},
		{"127.0.0.1:42176", "127.0.0.1:81", 14, 15, Refused},
		{"[::1]:48754", "[::1]:8080", 16, 28, CleanClose},
		{"[::1]:55484", "[::1]:81", 29, 30, Refused},
	}
	// vxlan.pcap (tshark -r vxlan.pcap -d udp.port==8472,vxlan -Y tcp): the mix inside VXLAN
	// to 10.79.0.2 and fd79::2 (VNI 42 over IPv4, UDP 8472) and to 10.80.0.2 (VNI 43 over
	// IPv6, UDP 4789). The inner addresses are the flows'; each clean flow ends FIN
	// (client), FIN (server), ACK; each SYN to :81 is answered by RST,ACK. gre, ipip,
	// geneve, erspan and erspan3.pcap are the same records with the tunnel headers swapped.
	cleanAndRefusedTunnelled = []linkFlow{
		{"10.79.0.1:46206", "10.79.0.2:8080", 6, 19, CleanClose},
		{"10.79.0.1:40020", "10.79.0.2:81", 21, 22, Refused},
		{"[fd79::1]:36300", "[fd79::2]:8080", 35, 47, CleanClose},
		{"[fd79::1]:49996", "[fd79::2]:81", 51, 52, Refused},
		{"10.80.0.1:52338", "10.80.0.2:8080", 58, 70, CleanClose},
		{"10.80.0.1:44882", "10.80.0.2:81", 74, 75, Refused},
	}
	cleanAndRefusedTwoIfaces = []linkFlow{
		{"10.77.0.1:47466", "10.77.0.2:8080", 4, 16, CleanClose},
		{"10.77.0.1:52200", "10.77.0.2:81", 20, 21, Refused},
		{"10.78.0.1:39882", "10.78.0.2:8080", 22, 34, CleanClose},
		{"10.78.0.1:60044", "10.78.0.2:81", 39, 40, Refused},
	}
)

func TestLinkTypes(t *testing.T) {
	cases := []struct {
		file      string
		format    string
		compress  string
		linkTypes []string
		packets   int
		flows     []linkFlow
		why       string
	}{
		{"lo_ethernet.pcap", "pcap", "", []string{"ETHERNET(1)"}, 15, cleanAndRefusedLo,
			"tcpdump -i lo: Linux loopback has the Ethernet link type with zero MACs"},
		{"lo_ethernet.pcap.gz", "pcap", "gzip", []string{"ETHERNET(1)"}, 15, cleanAndRefusedLo,
			"the same file gzip'd: detected by its magic, not its name"},
		{"lo_ethernet.pcap.bz2", "pcap", "bzip2", []string{"ETHERNET(1)"}, 15, cleanAndRefusedLo,
			"bzip2 -9 (tcpdump -z bzip2)"},
		{"lo_ethernet.pcap.zst", "pcap", "zstd", []string{"ETHERNET(1)"}, 15, cleanAndRefusedLo,
			"zstd -19, which Wireshark reads as it is"},
		{"lo_ethernet.pcap.lz4", "pcap", "lz4", []string{"ETHERNET(1)"}, 15, cleanAndRefusedLo,
			"lz4 -9 (the frame format), which Wireshark reads as it is"},
		{"any_sll2.pcap", "pcap", "", []string{"LINUX_SLL2(276)"}, 24, []linkFlow{
			{"10.77.0.1:38712", "10.77.0.2:8080", 5, 17, CleanClose},
			{"10.77.0.1:57026", "10.77.0.2:81", 18, 19, Refused}},
			"tcpdump -i any writes Linux cooked v2"},
		{"synack_lost_past_capture_any.pcap", "pcap", "", []string{"LINUX_SLL2(276)"}, 22, []linkFlow{
			{"10.77.0.1:41720", "10.77.0.2:9072", 1, 20, HandshakeIncomplete}},
			"cooked v2 names each packet's interface: two identical SYN-ACKs microseconds apart on one (frames 4-5, 15-16) are two packets, not one captured twice, and the flow is one (the SYN at frame 17 joins it)"},
		{"any_sll1.pcap", "pcap", "", []string{"LINUX_SLL(113)"}, 23, []linkFlow{
			{"10.77.0.1:38718", "10.77.0.2:8080", 4, 16, CleanClose},
			{"10.77.0.1:57040", "10.77.0.2:81", 18, 19, Refused}},
			"tcpdump -i any -y LINUX_SLL writes Linux cooked v1"},
		{"null_loop.pcap", "pcap", "", []string{"NULL(0)"}, 30, cleanAndRefusedBSD,
			"BSD Null: 4-byte address family in host order (AF_INET 2, macOS AF_INET6 30)"},
		{"loop.pcap", "pcap", "", []string{"LOOP(108)"}, 30, cleanAndRefusedBSD,
			"OpenBSD Loop: the family in network order (AF_INET6 24)"},
		{"raw_ip.pcap", "pcap", "", []string{"RAW(101)"}, 30, []linkFlow{
			{"10.78.0.1:39898", "10.78.0.2:8080", 1, 13, CleanClose},
			{"10.78.0.1:60046", "10.78.0.2:81", 14, 15, Refused},
			{"[fd78::1]:39426", "[fd78::2]:8080", 16, 28, CleanClose},
			{"[fd78::1]:54268", "[fd78::2]:81", 29, 30, Refused}},
			"a tun device captures raw IP, IPv4 and IPv6 told apart by the version nibble"},
		{"raw_ipv4.pcap", "pcap", "", []string{"IPV4(228)"}, 15, []linkFlow{
			{"10.78.0.1:39898", "10.78.0.2:8080", 1, 13, CleanClose},
			{"10.78.0.1:60046", "10.78.0.2:81", 14, 15, Refused}},
			"link type 228 is IPv4 only"},
		{"raw_ipv6.pcap", "pcap", "", []string{"IPV6(229)"}, 15, []linkFlow{
			{"[fd78::1]:39426", "[fd78::2]:8080", 1, 13, CleanClose},
			{"[fd78::1]:54268", "[fd78::2]:81", 14, 15, Refused}},
			"link type 229 is IPv6 only"},
		{"vlan.pcap", "pcap", "", []string{"ETHERNET(1)"}, 42, []linkFlow{
			{"10.77.0.1:41440", "10.77.0.2:8080", 5, 19, CleanClose},
			{"10.77.0.1:48098", "10.77.0.2:81", 20, 21, Refused},
			{"[fd77::1]:36932", "[fd77::2]:8080", 24, 37, CleanClose},
			{"[fd77::1]:59352", "[fd77::2]:81", 40, 41, Refused}},
			"every frame carries an 802.1Q tag (VLAN 10)"},
		{"qinq.pcap", "pcap", "", []string{"ETHERNET(1)"}, 23, []linkFlow{
			{"10.77.0.1:41548", "10.77.0.2:8080", 5, 17, CleanClose},
			{"10.77.0.1:48106", "10.77.0.2:81", 18, 19, Refused}},
			"802.1ad outer tag 100 around an 802.1Q inner tag 10"},
		{"nanosecond.pcap", "pcap", "", []string{"ETHERNET(1)"}, 25, []linkFlow{
			{"10.77.0.1:56496", "10.77.0.2:8080", 4, 16, CleanClose},
			{"10.77.0.1:52594", "10.77.0.2:81", 19, 20, Refused}},
			"pcap magic a1b23c4d: nanosecond timestamps"},
		{"bigendian.pcap", "pcap", "", []string{"ETHERNET(1)"}, 24, []linkFlow{
			{"10.77.0.1:33852", "10.77.0.2:8080", 4, 16, CleanClose},
			{"10.77.0.1:52602", "10.77.0.2:81", 17, 18, Refused}},
			"pcap headers big-endian (magic a1b2c3d4 read as d4c3b2a1)"},
		{"two_ifaces.pcapng", "pcapng", "", []string{"ETHERNET(1)", "RAW(101)"}, 44, cleanAndRefusedTwoIfaces,
			"one dumpcap run on veth-c (Ethernet) and tun0 (raw IP): both interfaces' packets are read"},
		{"two_ifaces.pcapng.gz", "pcapng", "gzip", []string{"ETHERNET(1)", "RAW(101)"}, 44, cleanAndRefusedTwoIfaces,
			"the same, gzip'd"},
		{"two_ifaces.pcapng.zst", "pcapng", "zstd", []string{"ETHERNET(1)", "RAW(101)"}, 44, cleanAndRefusedTwoIfaces,
			"the same, zstd -19"},
		{"snaplen96.pcap", "pcap", "", []string{"ETHERNET(1)"}, 22, []linkFlow{
			{"10.77.0.1:56482", "10.77.0.2:8080", 3, 16, CleanClose},
			{"10.77.0.1:44826", "10.77.0.2:81", 17, 18, Refused}},
			"tcpdump -s 96 cut the data segments; payload lengths come from the IP header"},
		{"ipv6.pcap", "pcap", "", []string{"ETHERNET(1)"}, 34, []linkFlow{
			{"[fd77::1]:36948", "[fd77::2]:8080", 4, 16, CleanClose},
			{"[fd77::1]:36954", "[fd77::2]:8080", 17, 25, FINUnanswered},
			{"[fd77::1]:53134", "[fd77::2]:81", 33, 34, Refused}},
			"over IPv6: the server's FIN (flow 2) is ACKed and the client never closes"},
		{"port_reuse.pcap", "pcap", "", []string{"ETHERNET(1)"}, 37, []linkFlow{
			{"10.77.0.1:40000", "10.77.0.2:8080", 4, 11, Reset},
			{"10.77.0.1:40000", "10.77.0.2:8080", 13, 22, CleanClose},
			{"10.77.0.1:40000", "10.77.0.2:8080", 24, 33, CleanClose}},
			"one client port, three connections: frames 13 and 24 are SYNs with new ISNs on the same tuple (tshark: Port numbers reused); the first ended with the client's RST 0 s after the response"},
		{"vxlan.pcap", "pcap", "", []string{"ETHERNET(1)"}, 76, cleanAndRefusedTunnelled,
			"captured under two VXLAN devices: the flows are the connections inside (UDP 8472 and 4789)"},
		{"vxlan_any.pcap", "pcap", "", []string{"LINUX_SLL2(276)"}, 147, []linkFlow{
			{"10.79.0.1:46206", "10.79.0.2:8080", 21, 45, CleanClose},
			{"10.79.0.1:40020", "10.79.0.2:81", 48, 50, Refused},
			{"[fd79::1]:36300", "[fd79::2]:8080", 74, 96, CleanClose},
			{"[fd79::1]:49996", "[fd79::2]:81", 102, 104, Refused},
			{"10.80.0.1:52338", "10.80.0.2:8080", 116, 138, CleanClose},
			{"10.80.0.1:44882", "10.80.0.2:81", 143, 145, Refused}},
			"tcpdump -i any sees each packet bare on the VXLAN device and encapsulated on veth-c: one flow each, not two (the same ports as vxlan.pcap: one run made both); each flow's last frame in tshark (46, 51, 97, 105, 139, 146) is the copy of the one before it on the other interface (sll.ifindex), dropped, so the flow ends at that one"},
		{"vxlan_frag.pcap", "pcap", "", []string{"ETHERNET(1)"}, 65, []linkFlow{
			{"10.79.0.1:41830", "10.79.0.2:8080", 3, 52, CleanClose},
			{"10.79.0.1:33506", "10.79.0.2:81", 56, 57, Refused}},
			"VXLAN over a veth with no room for its header: the first five full-sized segments of the response come in two IPv4 fragments each (tshark: frames 8-17, reassembled in 9, 11, 13, 15, 17), the rest shrunk to fit; the client closes first (frames 50-52)"},
		{"gre.pcap", "pcap", "", []string{"ETHERNET(1)"}, 76, cleanAndRefusedTunnelled, "GRE with a key around the inner IP packets"},
		{"ipip.pcap", "pcap", "", []string{"ETHERNET(1)"}, 76, cleanAndRefusedTunnelled, "IPv4 in IPv4, IPv6 in IPv4, IPv4 in IPv6"},
		{"geneve.pcap", "pcap", "", []string{"ETHERNET(1)"}, 76, cleanAndRefusedTunnelled, "Geneve with an option, around the inner frames"},
		{"erspan.pcap", "pcap", "", []string{"ETHERNET(1)"}, 76, cleanAndRefusedTunnelled, "ERSPAN type II in GRE, around the inner frames"},
		{"erspan3.pcap", "pcap", "", []string{"ETHERNET(1)"}, 76, cleanAndRefusedTunnelled, "ERSPAN type III, with and without its platform-specific subheader"},
		{"midstream.pcap", "pcap", "", []string{"ETHERNET(1)"}, 58, []linkFlow{
			{"10.77.0.1:56472", "10.77.0.2:8080", 1, 55, CleanClose},
			{"10.77.0.1:44818", "10.77.0.2:81", 56, 57, Refused}},
			"the capture starts with a GET on an established connection: no SYN, the client inferred from the ephemeral port"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			r := analyzeFiles(t, DefaultConfig(), filepath.Join("..", "testdata", "link", c.file))
			in := r.Inputs[0]
			if in.Format != c.format || in.Compression != c.compress || in.Gzip != (c.compress == "gzip") || in.Packets != c.packets {
				t.Errorf("input %+v, want %s compressed %q, %d packets", in, c.format, c.compress, c.packets)
			}
			if len(in.LinkTypes) != len(c.linkTypes) {
				t.Errorf("link types %v, want %v", in.LinkTypes, c.linkTypes)
			} else {
				for i := range c.linkTypes {
					if in.LinkTypes[i] != c.linkTypes[i] {
						t.Errorf("link types %v, want %v", in.LinkTypes, c.linkTypes)
					}
				}
			}
			if len(r.Flows) != len(c.flows) {
				t.Fatalf("%d flows, want %d (%s)", len(r.Flows), len(c.flows), c.why)
			}
			for i, w := range c.flows {
				f := r.Flows[i]
				if f.ID != i+1 || f.Client != w.client || f.Server != w.server || f.FirstFrame != w.first || f.LastFrame != w.last || f.Verdict != w.verdict {
					t.Errorf("flow %d: #%d %s → %s frames %d–%d %s; want %s → %s frames %d–%d %s (%s)",
						i+1, f.ID, f.Client, f.Server, f.FirstFrame, f.LastFrame, f.Verdict,
						w.client, w.server, w.first, w.last, w.verdict, c.why)
				}
			}
		})
	}
}

// TestSnaplenPayloadFromIPHeader: with -s 96 only 96 bytes of each frame were kept, yet
// the IP header says how much each segment carried: 397 bytes of request, 1448 + 1448 +
// 171 = 3067 of response (tshark: tcp.len on frames 6, 8, 10, 12).
func TestSnaplenPayloadFromIPHeader(t *testing.T) {
	r := analyzeFiles(t, DefaultConfig(), filepath.Join("..", "testdata", "link", "snaplen96.pcap"))
	f := flowByClient(t, r, "10.77.0.1:56482")
	if f.PayloadBytes != (Pair[int64]{397, 3067}) {
		t.Errorf("payload %+v, want client 397 server 3067", f.PayloadBytes)
	}
	if f.Analysis.Client.Retransmissions+f.Analysis.Server.Retransmissions != 0 {
		t.Errorf("cut segments mistaken for retransmissions: %+v", f.Analysis)
	}
}

// TestSnaplenCutIsSaid: a run says when the snaplen cut TCP payload, since what the
// application layer says rests on the captured bytes only. tshark -r snaplen96.pcap -Y
// 'frame.cap_len < frame.len && tcp.len > 0': frames 6, 8, 10 and 12 (the MLD frames 19-21
// are cut too, but are no TCP); each kept 96 bytes, 66 of them headers (14 Ethernet, 20
// IPv4, 32 TCP with timestamps), so what was not captured is frame.len - 96: 367 of the
// request (463 on the wire) and 1418 + 1418 + 141 of the response (1514, 1514, 237).
func TestSnaplenCutIsSaid(t *testing.T) {
	r := analyzeFiles(t, DefaultConfig(), filepath.Join("..", "testdata", "link", "snaplen96.pcap"))
	var said []string
	for _, w := range r.Summary.Warnings {
		if strings.Contains(w, "snaplen") {
			said = append(said, w)
		}
	}
	if len(said) != 1 || !strings.Contains(said[0], "snaplen96.pcap: frame 6: ") ||
		!strings.Contains(said[0], "payload of 4 TCP segments short (3344 bytes not captured)") {
		t.Errorf("snaplen warnings %q: want one naming frame 6, 4 TCP segments, 3344 bytes", said)
	}
	f := flowByClient(t, r, "10.77.0.1:56482")
	if f.App == nil || f.App.Uncaptured != [2]int64{367, 1418 + 1418 + 141} {
		t.Errorf("application layer's uncaptured bytes %+v, want client 367, server 2977", f.App)
	}

	// The same traffic captured whole (tcpdump's default snaplen): nothing to say.
	r = analyzeFiles(t, DefaultConfig(), filepath.Join("..", "testdata", "link", "lo_ethernet.pcap"))
	for _, w := range r.Summary.Warnings {
		if strings.Contains(w, "snaplen") {
			t.Errorf("warning on a capture of whole packets: %q", w)
		}
	}
}

// TestOneWayTransferIsACleanClose: bigtcp6.pcap and icmp_frag.pcap upload to a sink on
// port 8080 that reads to the end and closes (their scripts): the client sends, closes,
// and the server answers its FIN with its own, never having sent a byte (tshark:
// 'tcp.srcport==8080 && tcp.len>0' is empty; the client's FIN comes first, frames 103,
// 166, 69, 145, the server's right after). Bytes no parser names, then a close both
// ways: a transfer that ended normally (as an FTP data connection does), not a request
// left unanswered. (Port 8080 only hints at HTTP: the bytes are not HTTP.)
func TestOneWayTransferIsACleanClose(t *testing.T) {
	for _, c := range []struct {
		file    string
		clients []string
	}{
		{"bigtcp6.pcap", []string{"10.77.0.1:41570", "[fd77::1]:58452"}},
		{"icmp_frag.pcap", []string{"10.78.1.1:50130", "[fd78:1::1]:54134"}},
		// Without the IPv4 client's FIN (EXPECTED.md): the server's FIN acknowledges it.
		{"bigtcp6_fin_lost.pcap", []string{"10.77.0.1:41570", "[fd77::1]:58452"}},
		// Without any of the IPv4 client's data (EXPECTED.md): the server's ACKs cover
		// it all, 3,000,000 bytes, and the closes are as in the whole capture.
		{"bigtcp6_data_lost.pcap", []string{"[fd77::1]:58452"}},
	} {
		r := analyzeFiles(t, DefaultConfig(), filepath.Join("..", "testdata", "link", c.file))
		for _, client := range c.clients {
			f := flowByClient(t, r, client)
			if f.Verdict != CleanClose || f.Facts.ClosedFirst != "client" || f.PayloadBytes.Server != 0 || f.PayloadBytes.Client == 0 {
				t.Errorf("%s %s: %s (closed first %q), payload %+v: want clean_close, the client first, data one way",
					c.file, client, f.Verdict, f.Facts.ClosedFirst, f.PayloadBytes)
			}
		}
		for _, fd := range r.Findings {
			if fd.Kind == KindClientTimeout {
				t.Errorf("%s: %s", c.file, fd.Summary)
			}
		}
	}
	r := analyzeFiles(t, DefaultConfig(), filepath.Join("..", "testdata", "link", "bigtcp6_data_lost.pcap"))
	if f := flowByClient(t, r, "10.77.0.1:41570"); f.Verdict != CleanClose || f.Facts.ClosedFirst != "client" || f.PayloadBytes.Client != 0 {
		t.Errorf("bigtcp6_data_lost.pcap 10.77.0.1:41570: %s (closed first %q), payload %+v: want clean_close, the client first, no payload captured",
			f.Verdict, f.Facts.ClosedFirst, f.PayloadBytes)
	}
}

// TestMidstream: no SYN in the capture; 10.77.0.1:56472 has the ephemeral port and sent
// the first frame (its GET), so it is the client, and the flow says midstream.
func TestMidstream(t *testing.T) {
	r := analyzeFiles(t, DefaultConfig(), filepath.Join("..", "testdata", "link", "midstream.pcap"))
	f := flowByClient(t, r, "10.77.0.1:56472")
	if !f.Midstream || !strings.HasSuffix(f.Summary, "[capture started mid-connection; client inferred from the ports]") {
		t.Errorf("midstream %v, summary %q", f.Midstream, f.Summary)
	}
	if r.Flows[1].Midstream {
		t.Errorf("the refused connect has its SYN: not midstream")
	}
	// zeek-tcp-missing-syn.pcap (the public corpus) starts with the server's SYN-ACK
	// (tshark: frame 1, flags 0x012, from 125.190.109.199:80): the client is its receiver,
	// whatever the ports.
	path := filepath.Join("..", "..", "shared", "captures", "public", "zeek-tcp-missing-syn.pcap")
	if _, err := os.Stat(path); err == nil {
		r := analyzeFiles(t, DefaultConfig(), path)
		if f := r.Flows[0]; !f.Midstream || !strings.HasSuffix(f.Summary, "client inferred from the SYN-ACK]") {
			t.Errorf("%s: midstream %v, summary %q", path, f.Midstream, f.Summary)
		}
	}
}

// TestPortReuseFilters: the reused tuple's flows each get a filter narrowed to their frames.
func TestPortReuseFilters(t *testing.T) {
	r := analyzeFiles(t, DefaultConfig(), filepath.Join("..", "testdata", "link", "port_reuse.pcap"))
	want := "ip.addr==10.77.0.1 && ip.addr==10.77.0.2 && tcp.port==40000 && tcp.port==8080 && frame.number>=13 && frame.number<=22"
	if got := r.Flows[1].WiresharkFilter; got != want {
		t.Errorf("filter %q, want %q", got, want)
	}
}

// TestMergeTwoFiles: two captures as one incident; each flow keeps its own file and the
// frame numbers Wireshark shows in that file.
func TestMergeTwoFiles(t *testing.T) {
	a := filepath.Join("..", "testdata", "tcp", "refused.pcap")
	b := filepath.Join("..", "testdata", "tcp", "clean_close_client_first.pcap")
	r := analyzeFiles(t, DefaultConfig(), a, b)
	if len(r.Flows) != 2 || len(r.Inputs) != 2 {
		t.Fatalf("%d flows from %d inputs, want 2 and 2", len(r.Flows), len(r.Inputs))
	}
	seen := map[string]Flow{}
	for _, f := range r.Flows {
		seen[f.File] = f
	}
	if f := seen[a]; f.Verdict != Refused || f.FirstFrame != 1 || f.LastFrame != 2 {
		t.Errorf("refused flow: %+v", f)
	}
	if f := seen[b]; f.Verdict != CleanClose || f.FirstFrame != 1 || f.LastFrame != 10 {
		t.Errorf("clean flow: file %s frames %d–%d %s", f.File, f.FirstFrame, f.LastFrame, f.Verdict)
	}
	// Merged by time: the flows are numbered by their first packet across both files.
	if r.Flows[0].Start.After(r.Flows[1].Start) {
		t.Errorf("flows not in order of first packet")
	}
}

// TestRotatedFiles: one capture cut into files by time (testdata/link/rotated.sh:
// tcpdump -G 1, a file a second), read together. Its connection runs through the first
// three files: handshake and the first two GETs in rotated_1.pcap (frames 1-10), two more
// in rotated_2.pcap, the last two and the FINs in rotated_3.pcap (client FIN frame 7,
// server FIN 8, last ACK 9), as tshark shows each file. Read together it is one flow,
// a clean close by the client, starting at frame 1 of the first file and ending at frame
// 9 of the third (each file numbers from 1), with all 6 GETs answered; not three
// midstream pieces. The refused connect is rotated_4.pcap's frames 1-2.
func TestRotatedFiles(t *testing.T) {
	var files []string
	for i := 1; i <= 4; i++ {
		files = append(files, filepath.Join("..", "testdata", "link", fmt.Sprintf("rotated_%d.pcap", i)))
	}
	r := analyzeFiles(t, DefaultConfig(), files...)
	if len(r.Flows) != 2 {
		t.Fatalf("%d flows, want 2", len(r.Flows))
	}
	f := r.Flows[0]
	if f.Verdict != CleanClose || f.Midstream || f.File != files[0] || f.FirstFrame != 1 ||
		f.LastFile != files[2] || f.LastFrame != 9 || f.Packets.Client+f.Packets.Server != 25 {
		t.Errorf("the connection: %s midstream %v, %s frame %d to %s frame %d, %d packets", f.Verdict, f.Midstream,
			f.File, f.FirstFrame, f.LastFile, f.LastFrame, f.Packets.Client+f.Packets.Server)
	}
	if f.App == nil || f.App.HTTPRequests != 6 || f.App.HTTPAnswered != 6 {
		t.Errorf("app: %+v", f.App)
	}
	if g := r.Flows[1]; g.Verdict != Refused || g.File != files[3] || g.FirstFrame != 1 || g.LastFrame != 2 || g.LastFile != "" {
		t.Errorf("the refused connect: %s, %s frames %d-%d (last file %q)", g.Verdict, g.File, g.FirstFrame, g.LastFrame, g.LastFile)
	}
}

// TestDemo: the README's capture (testdata/demo/EXPECTED.md).
func TestDemo(t *testing.T) {
	r := analyzeFiles(t, DefaultConfig(), filepath.Join("..", "testdata", "demo", "demo.pcapng"))
	want := []struct {
		client  string
		verdict Verdict
		why     string
	}{
		{"10.77.0.1:33856", CleanClose, "two GET /ok answered, client FIN frame 18, server FIN frame 19"},
		{"10.77.0.1:41344", Refused, "SYN frame 23 answered by RST,ACK frame 24"},
		{"10.77.0.1:60784", SYNGiveUp, "6 SYNs frames 26–64 ~1 s apart, none answered, 7.6 s of silence after"},
		{"10.77.0.1:33858", FINUnanswered, "server FIN frame 34 ACKed by frame 35, the client never closes (12.2 s)"},
		{"10.77.0.1:33870", RSTAfterIdle, "client RST,ACK frame 63 after 3.0 s without a packet"},
		{"10.77.0.1:33876", IdleOpen, "answered GET, then 10.7 s silent to the capture's end"},
	}
	for _, w := range want {
		if f := flowByClient(t, r, w.client); f.Verdict != w.verdict {
			t.Errorf("%s: %s, want %s (%s)", w.client, f.Verdict, w.verdict, w.why)
		}
	}
	// Frame 40: POST /slow never answered; the client closes 1.0 s later (frame 57) and the
	// server only ACKs: the close shape is fin_unanswered with the server stuck.
	if f := flowByClient(t, r, "10.77.0.1:33860"); f.Close != FINUnanswered || f.Facts.Side != "server" {
		t.Errorf("unanswered POST: close %s side %s, want fin_unanswered, server", f.Close, f.Facts.Side)
	}
}

// TestTunnelledCounts: the summary says how many TCP packets were found inside each
// kind of tunnel, as tshark counts them: in vxlan.pcap, tshark -d udp.port==8472,vxlan
// -Y 'tcp && udp.port==8472' finds 30 and -Y 'tcp && udp.port==4789' 15; in
// vxlan_any.pcap 28 and 14, plus 42 bare copies (-Y 'tcp && !vxlan') on the VXLAN
// devices, dropped as captured twice (tcpdump -i any lost 3 client ACKs on both devices:
// each connection's handshake ACK on the IPv6 and 4789 flows, so 42 of 45). The other
// files are vxlan.pcap's 45 tunnelled packets re-wrapped.
func TestTunnelledCounts(t *testing.T) {
	// Each flow says its tunnel: in vxlan.pcap flows 1-4 (10.79.0.0/24 and fd79::/64)
	// came in vx4 (UDP 8472), 5-6 (10.80.0.0/24) in vx6 (UDP 4789).
	vx := []string{"VXLAN (UDP 8472)", "VXLAN (UDP 8472)", "VXLAN (UDP 8472)", "VXLAN (UDP 8472)", "VXLAN (UDP 4789)", "VXLAN (UDP 4789)"}
	six := func(s string) []string { return []string{s, s, s, s, s, s} }
	cases := []struct {
		file    string
		want    map[string]int
		twice   int
		tunnels []string // by flow
	}{
		{"vxlan.pcap", map[string]int{"VXLAN (UDP 8472)": 30, "VXLAN (UDP 4789)": 15}, 0, vx},
		{"vxlan_any.pcap", map[string]int{"VXLAN (UDP 8472)": 28, "VXLAN (UDP 4789)": 14}, 42, vx},
		{"vxlan_frag.pcap", map[string]int{"VXLAN (UDP 8472)": 46}, 0, []string{"VXLAN (UDP 8472)", "VXLAN (UDP 8472)"}},
		{"gre.pcap", map[string]int{"GRE": 45}, 0, six("GRE")},
		{"ipip.pcap", map[string]int{"IP in IP": 45}, 0, six("IP in IP")},
		{"geneve.pcap", map[string]int{"Geneve (UDP 6081)": 45}, 0, six("Geneve (UDP 6081)")},
		{"erspan.pcap", map[string]int{"ERSPAN (GRE)": 45}, 0, six("ERSPAN (GRE)")},
		{"erspan3.pcap", map[string]int{"ERSPAN (GRE)": 45}, 0, six("ERSPAN (GRE)")},
		{"vlan.pcap", nil, 0, []string{"", "", "", ""}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			r := analyzeFiles(t, DefaultConfig(), filepath.Join("..", "testdata", "link", c.file))
			if fmt.Sprint(r.Summary.Tunnelled) != fmt.Sprint(c.want) {
				t.Errorf("tunnelled %v, want %v", r.Summary.Tunnelled, c.want)
			}
			if got := r.Summary.Skipped["captured twice"]; got != c.twice {
				t.Errorf("captured twice: %d, want %d", got, c.twice)
			}
			var got []string
			for _, f := range r.Flows {
				got = append(got, f.Tunnel)
			}
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", c.tunnels) {
				t.Errorf("flows' tunnels %q, want %q", got, c.tunnels)
			}
		})
	}
}

// TestFragmentedTunnelIsWhole: in vxlan_frag.pcap the kernel fragmented the outer IPv4
// packets of the first five full-sized segments of the first response (tshark -d
// udp.port==8472,vxlan: frames 8-17 are fragments, reassembled in 9, 11, 13, 15 and 17,
// 1448 bytes of TCP payload each). Read as lost, those 7240 bytes had the exchange say
// "no response" and "the capture does not hold" them. Put together, the capture holds
// the whole exchange: the server sent 40136 bytes (the sum of tcp.len from port 8080),
// both GETs (frames 6 and 32) were answered, the first at frame 9, and the summary
// says 10 fragments were reassembled into 5 packets.
func TestFragmentedTunnelIsWhole(t *testing.T) {
	r := analyzeFiles(t, DefaultConfig(), filepath.Join("..", "testdata", "link", "vxlan_frag.pcap"))
	f := flowByClient(t, r, "10.79.0.1:41830")
	if f.PayloadBytes.Server != 40136 || f.PayloadBytes.Client != 178 {
		t.Errorf("payload %+v, want client 178 server 40136", f.PayloadBytes)
	}
	if len(f.HTTP) != 2 || f.HTTP[0].Status != 200 || f.HTTP[0].ResponseFrame != 9 || f.HTTP[1].Status != 200 || f.HTTP[1].ResponseFrame != 33 {
		t.Errorf("HTTP %+v", f.HTTP)
	}
	if strings.Contains(f.Summary, "does not hold") {
		t.Errorf("summary: %s", f.Summary)
	}
	if r.Summary.ReassembledPackets != 5 || r.Summary.ReassembledFragments != 10 || r.Summary.Skipped["ip fragments"] != 0 {
		t.Errorf("summary %+v", r.Summary)
	}
}
