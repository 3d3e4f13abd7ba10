#!/bin/bash
# lost_response.pcap: a response the capture lost. tcpdump under load drops packets ("N
# packets dropped by kernel"); here the loss is made by hand, from a kernel capture: the
# first connection of http_close.pcap (frames 1-10: GET /ok answered 200, FINs both ways)
# without its frame 6, the 200 response (143 bytes). The client's ACK (frame 7: Ack=144)
# and the server's FIN (frame 9: Seq=144) still show that the server sent those bytes,
# so the request must not be called unanswered.
# Needs editcap (Debian's tshark package); no root.
. "$(dirname "$0")/../lib.sh"
tm_cut keep http_close.pcap lost_response.pcap 1-5 7-10
