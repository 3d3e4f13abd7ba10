#!/bin/bash
# handshake_ack_lost_midstream.pcap: handshake_ack_lost.pcap from its frame 3 on, as a
# capture begun during 41590's handshake holds it: the client's ACK of the SYN-ACK
# (frame 3 there, 1 here) comes first, then the server's SYN-ACK again (7, 11 there) after
# it, twice, each answered by the client's ACK: the server's kernel never took the ACKs
# (dropped behind the capture point by handshake_ack_lost.sh's nftables rule, as a full
# accept queue drops them). The ACKs are in the capture: the summary must not say the
# client's final ACK never came. Made by hand from a kernel capture (a capture started
# late); needs editcap (Debian's tshark package); no root.
. "$(dirname "$0")/../lib.sh"
tm_cut keep handshake_ack_lost.pcap handshake_ack_lost_midstream.pcap 3-1000
