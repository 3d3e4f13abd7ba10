#!/bin/bash
# clean_close_server_first: request and answer, then the server closes (FIN, as an HTTP/1.0
# server does after the response); the client reads the EOF and closes too (FIN).
# Capture on the server side.
#   client 10.77.0.1:41160 -> server 10.77.0.2:9016
. "$(dirname "$0")/common.sh"
tk_start clean_close_server_first
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server 9016 recv 'send:pong\n' sleep:0.2 close hold
tk_wait_listen 9016
tk_run "$TK_C" client 10.77.0.2 9016 41160 'send:ping\n' readall close
sleep 1
tk_done
