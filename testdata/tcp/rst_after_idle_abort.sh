#!/bin/bash
# rst_after_idle_abort: request and answer, then 2 s idle, then the client aborts the
# connection (SO_LINGER {1,0} + close(), as connection pools do with idle connections):
# its kernel sends RST,ACK. The server's pending read fails with ECONNRESET.
# Capture on the server side.
#   client 10.77.0.1:41100 -> server 10.77.0.2:9010
. "$(dirname "$0")/common.sh"
tk_start rst_after_idle_abort
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server 9010 recv 'send:pong\n' recv hold
tk_wait_listen 9010
tk_run "$TK_C" client 10.77.0.2 9010 41100 'send:ping\n' recv sleep:2 abort
sleep 1
tk_done
