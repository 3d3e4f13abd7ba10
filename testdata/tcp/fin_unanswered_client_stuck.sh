#!/bin/bash
# fin_unanswered_client_stuck (the MySQL load-balancer case): the client connects, sends
# a request, gets an answer, then goes idle. After 2 s of idle the server closes (FIN).
# The client's kernel ACKs the FIN, but the client application never reads the EOF and
# never closes: the client sits in CLOSE_WAIT (and the server in FIN_WAIT2) until the
# capture ends ~4 s later. Capture on the server side.
#   client 10.77.0.1:41070 -> server 10.77.0.2:9007
. "$(dirname "$0")/common.sh"
tk_start fin_unanswered_client_stuck
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server 9007 recv 'send:pong\n' sleep:2 close hold
tk_wait_listen 9007
tk_bg "$TK_C" client 10.77.0.2 9007 41070 'send:ping\n' recv hold
tk_wait_estab 41070
sleep 2.5
tk_ss "$TK_C"
sleep 3.5
tk_done
