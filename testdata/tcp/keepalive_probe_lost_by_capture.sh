#!/bin/bash
# keepalive_probe_lost_by_capture.pcap: a keepalive probe the capture lost. tcpdump under
# load drops packets ("N packets dropped by kernel"); here the loss is made by hand, from
# a kernel capture: idle_open_keepalive.pcap without its frame 12, the client's last
# keepalive probe (Seq=5, one below its next sequence number). The server's answer to it
# (frame 13 there, 12 here) stays: a pure ACK that repeats the server's last one (Ack=6,
# the same window), which tells of no exchange. The connection has been silent since the
# pong 3.5 s before the capture's end, as in the source, so it must stay idle_open, not
# become "open, active at capture end" because of an answer whose probe is missing.
# Needs editcap (Debian's tshark package); no root.
. "$(dirname "$0")/../lib.sh"
tm_cut drop idle_open_keepalive.pcap keepalive_probe_lost_by_capture.pcap 12
