#!/bin/bash
# clean_close_v6 (IPv6 twin of clean_close_client_first): request and answer over IPv6,
# then the client closes (FIN) and the server closes too (FIN). Capture on the server side.
#   client [fd77::1]:41210 -> server [fd77::2]:9021
. "$(dirname "$0")/common.sh"
tk_start clean_close_v6
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server 9021 recv 'send:pong\n' readall close hold
tk_wait_listen 9021
tk_run "$TK_C" client fd77::2 9021 41210 'send:ping\n' recv sleep:0.2 close
sleep 1
tk_done -6
