#!/bin/bash
# rst_crossing_fin_synlost: rst_crossing_fin_client (an abort and a close crossing on a
# 50 ms round trip, captured at the client) with the client's first SYN dropped on
# arrival at the server (an nftables quota of one SYN), so the client sends it again
# 1 s later and the SYN-ACK answers that one. The round trip to the server still shows,
# from the last SYN to the SYN-ACK, and the RST that comes sooner than it after the
# client's FIN still crossed the FIN: a reset, not fin_unanswered_then_rst.
#   client 10.77.0.1:41850 -> server 10.77.0.2:9085
RC_AT=client RC_LOSE_SYN=1 RC_NAME=rst_crossing_fin_synlost RC_PORT=9085 RC_CPORT=41850 exec bash "$(dirname "$0")/rst_crossing_fin.sh"
