#!/bin/bash
# clean_close_client_first: request and answer, then the client closes (FIN); the server
# reads the EOF and closes too (FIN). Capture on the server side.
#   client 10.77.0.1:41150 -> server 10.77.0.2:9015
. "$(dirname "$0")/common.sh"
tk_start clean_close_client_first
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server 9015 recv 'send:pong\n' readall close hold
tk_wait_listen 9015
tk_run "$TK_C" client 10.77.0.2 9015 41150 'send:ping\n' recv sleep:0.2 close
sleep 1
tk_done
