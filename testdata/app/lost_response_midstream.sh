#!/bin/bash
# lost_response_midstream.pcap: lost_response.pcap from its frame 2 on, as a capture
# begun between the client's SYN and the server's SYN-ACK holds it: the flow starts
# mid-connection (no SYN from the client), but the server's SYN-ACK gives its initial
# sequence number, so the client's ACK of 143 server bytes the capture lacks still shows
# that the server sent them (the 200 response lost_response.pcap is without). The
# request must not be called unanswered. Made by hand from a kernel capture; needs
# editcap (Debian's tshark package); no root.
. "$(dirname "$0")/../lib.sh"
tm_cut keep lost_response.pcap lost_response_midstream.pcap 2-1000
