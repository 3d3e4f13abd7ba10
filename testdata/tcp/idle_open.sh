#!/bin/bash
# idle_open: request and answer, then both sides keep the connection open and say
# nothing; the capture ends ~3 s later. No keepalive. Capture on the server side.
#   client 10.77.0.1:41170 -> server 10.77.0.2:9017
. "$(dirname "$0")/common.sh"
tk_start idle_open
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server 9017 recv 'send:pong\n' hold
tk_wait_listen 9017
tk_bg "$TK_C" client 10.77.0.2 9017 41170 'send:ping\n' recv hold
tk_wait_estab 41170
sleep 3
tk_done
