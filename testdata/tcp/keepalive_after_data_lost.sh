#!/bin/bash
# keepalive_after_data_lost.pcap: keepalive_answers_lost.pcap without its frame 11, the
# client 41290's 5-byte ping, as capture loss takes it. The server's ACK (frame 11 here)
# still acknowledges the 5 bytes, and the client's keepalive probes sit one below that
# acknowledgment: they are probes, though one below the client's last byte the capture
# holds they are not. Made by hand from a kernel capture; needs editcap (Debian's tshark
# package); no root.
. "$(dirname "$0")/../lib.sh"
tm_cut drop keepalive_answers_lost.pcap keepalive_after_data_lost.pcap 11
