#!/bin/bash
# open_active: the client asks for a big download; the server streams 1000 bytes every
# 10 ms (about 100 KB/s, for up to 30 s); tcpdump is stopped ~1.2 s after the handshake,
# in the middle of the transfer. Capture on the server side.
#   client 10.77.0.1:41190 -> server 10.77.0.2:9019
. "$(dirname "$0")/common.sh"
tk_start open_active
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server 9019 recv stream:1000,0.01,30 hold
tk_wait_listen 9019
tk_bg "$TK_C" client 10.77.0.2 9019 41190 'send:GET /big\n' drain:60 hold
tk_wait_estab 41190
sleep 0.7
tk_done
