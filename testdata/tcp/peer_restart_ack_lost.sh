#!/bin/bash
# peer_restart_ack_lost.pcap: peer_restart.pcap without its frame 9, the server's
# challenge ACK, as capture loss takes it. The client's RST (frame 10 there, 9 here) is
# still at the old connection's next byte, a number only that ACK gave the client's
# socket in SYN-SENT: it still ends the old connection, and the new one still has both
# SYNs. Made by hand from a kernel capture; needs editcap (Debian's tshark package); no
# root.
. "$(dirname "$0")/../lib.sh"
tm_cut drop peer_restart.pcap peer_restart_ack_lost.pcap 9
