#!/bin/bash
# zero_window_probe_lost_by_capture.pcap: zero-window probes the capture lost. tcpdump
# under load drops packets ("N packets dropped by kernel"); here the loss is made by hand,
# from a kernel capture: zero_window_stall.pcap without its frames 245 and 247, the last
# zero-window probe of each connection (keepalive-shaped, as Linux sends them: Seq one
# below the next sequence number, no payload). The server's answers (246 and 248 there,
# 245 and 246 here) stay: pure ACKs that repeat the server's last ones (the same Ack and
# a zero window), which tell of no exchange. Both connections have carried nothing new
# since their windows closed, so they must stay idle at the capture's end.
# Needs editcap (Debian's tshark package); no root.
. "$(dirname "$0")/../lib.sh"
tm_cut drop zero_window_stall.pcap zero_window_probe_lost_by_capture.pcap 245 247
