package flows

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestRetransmissionsMatchTshark holds each side's count of retransmissions and of
// out-of-order segments to tshark's (tcp.analysis.retransmission, which its fast and
// spurious retransmissions carry too, and tcp.analysis.out_of_order), flow by flow, on
// captures where the two are easy to confuse:
//   - mtu_blackhole.pcap: a timeout resends two full-sized segments 7 µs apart, within
//     3 ms of each other but long after the data first went out (Wireshark measures
//     from the segment that took the sequence space furthest, not from the side's
//     previous packet);
//   - icmp_frag.pcap: the same, segments resent in bursts after "fragmentation needed";
//   - zeek-http-206_example_b.pcap (public): pairs resent at each back-off of a 56-resend
//     give-up, on a path whose first round trip (72 ms) is the out-of-order window;
//   - zeek-tcp-retransmit-fast009.pcap (public): a fast retransmission within that
//     window, after two duplicate ACKs: a retransmission, not out of order;
//   - retransmit_acks_lost.pcap: resends of data the peer had acknowledged (its ACKs
//     lost past the capture point), Wireshark's spurious retransmissions.
func TestRetransmissionsMatchTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	for _, rel := range []string{
		"tcp/mtu_blackhole.pcap", "tcp/retransmit_giveup.pcap", "tcp/icmp_unreachable_established.pcap", "link/icmp_frag.pcap",
		"tcp/retransmit_acks_lost.pcap",
		"../../shared/captures/public/zeek-http-206_example_b.pcap",
		"../../shared/captures/public/zeek-tcp-retransmit-fast009.pcap",
	} {
		t.Run(rel, func(t *testing.T) {
			fl := flowsOfFile(t, rel)
			out, err := exec.Command("tshark", "-r", "../testdata/"+rel, "-Y", "tcp && !icmp && !icmpv6", "-T", "fields",
				"-e", "frame.number", "-e", "tcp.stream", "-e", "tcp.srcport",
				"-e", "tcp.analysis.retransmission", "-e", "tcp.analysis.out_of_order").Output()
			if err != nil {
				t.Fatalf("tshark: %v", err)
			}
			type key struct {
				stream string
				port   uint16
				ooo    bool
			}
			first := map[int]string{} // a stream's first frame -> the stream
			seen := map[string]bool{}
			count := map[key]int{}
			// Not TrimSpace: the last line's empty fields end in tabs.
			for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
				f := strings.Split(line, "\t")
				if len(f) < 5 {
					continue
				}
				frame, _ := strconv.Atoi(f[0])
				port, _ := strconv.Atoi(f[2])
				if !seen[f[1]] {
					seen[f[1]], first[frame] = true, f[1]
				}
				if f[3] != "" {
					count[key{f[1], uint16(port), false}]++
				}
				if f[4] != "" {
					count[key{f[1], uint16(port), true}]++
				}
			}
			checked := 0
			for _, f := range fl {
				stream, ok := first[f.First.Frame]
				if !ok {
					t.Errorf("flow from frame %d: no tshark stream starts there", f.First.Frame)
					continue
				}
				for _, d := range []Direction{FromClient, FromServer} {
					port := f.Client.Port()
					if d == FromServer {
						port = f.Server.Port()
					}
					s := f.Side(d)
					want, wantOOO := count[key{stream, port, false}], count[key{stream, port, true}]
					if s.Retransmissions != want || s.OutOfOrder != wantOOO {
						t.Errorf("flow from frame %d, %s: %d retransmissions, %d out of order; tshark %d, %d",
							f.First.Frame, d, s.Retransmissions, s.OutOfOrder, want, wantOOO)
					}
					checked += want + wantOOO
				}
			}
			if checked == 0 {
				t.Error("no retransmission in the capture: nothing compared")
			}
		})
	}
}
