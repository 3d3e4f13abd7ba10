#!/bin/bash
# s1_sidecar_close_wait_midstream.pcap: s1_sidecar_close_wait.pcap from its frame 53 on,
# as a capture begun during the incident holds it: the first connections' requests and
# the sidecar's FIN 1 s later are partly before it. For those whose FIN is the first
# packet in the capture, how long they had been idle does not show; the service's late
# 500s, whose requests came before the capture began, are answered by the sidecar's
# kernel with bare RSTs (no ACK: its sockets were gone). Made by hand from a kernel
# capture; needs editcap (Debian's tshark package); no root.
. "$(dirname "$0")/../lib.sh"
tm_cut keep s1_sidecar_close_wait.pcap s1_sidecar_close_wait_midstream.pcap 53-10000
