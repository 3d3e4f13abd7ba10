#!/bin/bash
# rst_crossing_fin: an abort and a close that cross on a slow link (TM_DELAY_MS=25: a
# 50 ms round trip through tun devices, see tm_pair in ../lib.sh; raw IP), captured at the
# server. After ping/pong the client closes (FIN) 1.0 s after the pong reached it, and the
# server aborts (SO_LINGER 0: RST) 1.035 s after it sent the pong: 10 ms before the
# client's FIN, sent before the RST could reach the client, arrives. The server never
# closed: its RST is an abort, and the FIN that crossed it changes nothing (no
# fin_unanswered_then_rst "1 s idle then RST -10 ms later", no clean close).
#   client 10.77.0.1:41790 -> server 10.77.0.2:9079
export TM_DELAY_MS=25
. "$(dirname "$0")/common.sh"
tk_start rst_crossing_fin
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server 9079 recv 'send:pong\n' sleep:1.035 abort hold
tk_wait_listen 9079
tk_bg "$TK_C" client 10.77.0.2 9079 41790 'send:ping\n' recv sleep:1.0 close hold
sleep 2.5
tk_ss "$TK_C"
tk_ss "$TK_S"
tk_done
