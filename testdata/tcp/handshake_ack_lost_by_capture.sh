#!/bin/bash
# handshake_ack_lost_by_capture.pcap: accept_queue_full.pcap without its frame 5, client
# A's (41250) ACK of the SYN-ACK, as capture loss takes it. A sends nothing more (it
# waits to be served), the server never sends its SYN-ACK again and A never its SYN: a
# server without the ACK would have resent the SYN-ACK, a client without the SYN-ACK its
# SYN. The summary must not say the client's final ACK never came. Made by hand from a
# kernel capture; needs editcap (Debian's tshark package); no root.
. "$(dirname "$0")/../lib.sh"
tm_cut drop accept_queue_full.pcap handshake_ack_lost_by_capture.pcap 5
