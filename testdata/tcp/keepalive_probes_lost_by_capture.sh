#!/bin/bash
# keepalive_probes_lost_by_capture.pcap: idle_open_keepalive.pcap without any of the
# client's keepalive probes (its frames 8, 10 and 12), as tcpdump under load drops
# packets: only the server's three answers are left, pure ACKs that repeat its last one
# after 1 s silences of the whole connection. Nothing the capture holds draws them: they
# answer probes it lost, and show the client's keepalive at work (no half_open_suspect).
# Made by hand from a kernel capture; needs editcap (Debian's tshark package); no root.
. "$(dirname "$0")/../lib.sh"
tm_cut drop idle_open_keepalive.pcap keepalive_probes_lost_by_capture.pcap 8 10 12
