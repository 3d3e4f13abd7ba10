#!/bin/bash
# s4_ssh_silent_midstream_quiet.pcap: s4_ssh_silent.pcap from its frame 83 on, as a
# capture begun during the incident holds it. Client 34028 (keepalive off) had sent its
# banner just before (the original's frame 82): the first and only packet the capture
# holds of its connection is the server's ACK of it. The server's port, 36000, is in the
# ephemeral range like the clients', so the ports do not tell the client; the server's
# SYN-ACKs to the clients that connect later do. The connection has been silent since
# before the capture began, so its silence at the capture's end is a lower bound, in the
# half_open_suspect finding as in its own summary. Made by hand from a kernel capture;
# needs editcap (Debian's tshark package); no root.
. "$(dirname "$0")/../lib.sh"
tm_cut keep s4_ssh_silent.pcap s4_ssh_silent_midstream_quiet.pcap 83-10000
