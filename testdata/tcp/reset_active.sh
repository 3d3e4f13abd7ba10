#!/bin/bash
# reset_active: the server greets the client ("ready", so the flow is not a request that
# never got an answer), the client then streams data (1000 bytes every 20 ms); the server
# reads 20000 bytes (20 segments, ~0.4 s) and then aborts (SO_LINGER 0 + close) in the middle
# of the stream: its kernel sends RST,ACK right after ACKing the 20th segment. The
# client's next send, 20 ms later, fails with ECONNRESET (no segment follows the RST).
# Capture on the server side.
#   client 10.77.0.1:41120 -> server 10.77.0.2:9012
. "$(dirname "$0")/common.sh"
tk_start reset_active
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server 9012 'send:ready\n' readn:20000 abort hold
tk_wait_listen 9012
tk_run "$TK_C" client 10.77.0.2 9012 41120 recv stream:1000,0.02,3 close
sleep 0.5
tk_done
