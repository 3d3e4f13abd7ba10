#!/bin/bash
# rst_on_first_data_midstream.pcap: rst_on_first_data.pcap from its frame 2 on, as a
# capture begun between the client's SYN and the server's SYN-ACK holds it: the flow
# starts mid-connection (no SYN from the client), but with the server's SYN-ACK, whose
# acknowledgment number is where the client's first packet starts. The handshake's end,
# the client's first data and the server's RST answering it are all held, so the verdict
# is rst_on_first_data as in the whole capture, not http_unanswered. Made by hand from a
# kernel capture; needs editcap (Debian's tshark package); no root.
. "$(dirname "$0")/../lib.sh"
tm_cut keep rst_on_first_data.pcap rst_on_first_data_midstream.pcap 2-1000
