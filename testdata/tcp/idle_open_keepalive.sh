#!/bin/bash
# idle_open_keepalive: as idle_open, but the client has TCP keepalive on
# (TCP_KEEPIDLE=1, TCP_KEEPINTVL=1, TCP_KEEPCNT=3): after 1 s idle its kernel probes
# once a second and the server's kernel answers every probe. The capture ends ~3.5 s
# after the answer. Capture on the server side.
#   client 10.77.0.1:41180 -> server 10.77.0.2:9018
. "$(dirname "$0")/common.sh"
tk_start idle_open_keepalive
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server 9018 recv 'send:pong\n' hold
tk_wait_listen 9018
tk_bg "$TK_C" client 10.77.0.2 9018 41180 ka:1,1,3 'send:ping\n' recv hold
tk_wait_estab 41180
sleep 3.5
tk_done
