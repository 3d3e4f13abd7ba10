#!/bin/bash
# lost_response_synack.pcap: lost_response.pcap without its frame 2, the server's
# SYN-ACK: capture loss took the SYN-ACK as well as the 200 response. The client's
# handshake ACK (Ack=1 relative) still gives the server's initial sequence number, so the
# client's later ACK of 143 server bytes the capture lacks shows that the server sent
# them. The request must not be called unanswered. Made by hand from a kernel capture;
# needs editcap (Debian's tshark package); no root.
. "$(dirname "$0")/../lib.sh"
tm_cut drop lost_response.pcap lost_response_synack.pcap 2
