#!/bin/bash
# ssh_banner_hang_midstream.pcap: ssh_banner_hang.pcap from its frame 2 on, as a capture
# begun between the first client's SYN and the server's SYN-ACK holds it. The first
# connection then starts mid-connection (no SYN from the client), but with the server's
# SYN-ACK, whose acknowledgment number (843498244) is where the client's first packet
# starts: both byte streams are held from their start, so the client's banner is its
# first message and the server's silence after it reads as in the whole capture
# (server_silent), not as an idle connection. Made by hand from a kernel capture; needs
# editcap (Debian's tshark package); no root.
. "$(dirname "$0")/../lib.sh"
tm_cut keep ssh_banner_hang.pcap ssh_banner_hang_midstream.pcap 2-1000
