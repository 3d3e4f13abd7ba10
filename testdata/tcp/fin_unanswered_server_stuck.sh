#!/bin/bash
# fin_unanswered_server_stuck (the mirror): the client sends a request, the server
# answers, the client waits 1 s and closes (FIN). The server's kernel ACKs the FIN, but
# the server application never reads the EOF and never closes: the server sits in
# CLOSE_WAIT (the client in FIN_WAIT2) until the capture ends ~3 s later.
# Capture on the server side.
#   client 10.77.0.1:41080 -> server 10.77.0.2:9008
. "$(dirname "$0")/common.sh"
tk_start fin_unanswered_server_stuck
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server 9008 recv 'send:pong\n' hold
tk_wait_listen 9008
tk_bg "$TK_C" client 10.77.0.2 9008 41080 'send:ping\n' recv sleep:1 close hold
tk_wait_estab 41080
sleep 1.5
tk_ss "$TK_S"
sleep 2.5
tk_done
