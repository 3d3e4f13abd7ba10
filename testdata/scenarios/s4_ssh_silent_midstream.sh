#!/bin/bash
# s4_ssh_silent_midstream.pcap: s4_ssh_silent.pcap from its frame 102 on, as a capture
# begun during the incident holds it. The server listens on 36000, in Linux's ephemeral
# range, so the ports of a connection begun before the capture do not tell its client:
# of the 4 idle connections (opened first, keepalive on the even ones), the first packet
# the capture holds of 34052's is the server's ACK of a keepalive probe the capture
# missed. The server's SYN-ACKs to the clients that connect later in the capture name
# it: 10.77.0.1:34052 is the client, and its keepalive probes are the client's. Made by
# hand from a kernel capture; needs editcap (Debian's tshark package); no root.
. "$(dirname "$0")/../lib.sh"
tm_cut keep s4_ssh_silent.pcap s4_ssh_silent_midstream.pcap 102-10000
