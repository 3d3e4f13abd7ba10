#!/bin/bash
# keepalive_answers_lost_nots: keepalive_answers_lost.sh's story without TCP timestamps
# (net.ipv4.tcp_timestamps=0 on both sides, as Windows has by default): no echo tells
# whether an answer arrived, only the timing. Client 41290 (TCP_KEEPIDLE=2,
# TCP_KEEPINTVL=1) probes 1 s apart after answers, where answered probes would come 2 s
# apart: its answers never arrived. Client 41280 (1 and 1) probes 1 s apart either way:
# nothing in the file tells, and its RST reads as an abort after idle.
#   client 10.77.0.1:41280 -> server 10.77.0.2:9027
#   client 10.77.0.1:41290 -> server 10.77.0.2:9028
KAL_NAME=keepalive_answers_lost_nots KAL_TIMESTAMPS=0 exec bash "$(dirname "$0")/keepalive_answers_lost.sh"
