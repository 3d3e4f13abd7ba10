#!/bin/bash
# zero_window_stall: the server accepts and never reads; the client streams 64 KiB every
# 10 ms. The server's receive buffer fills, its kernel advertises a zero window, and the
# client's kernel probes it (Linux's persist timer: a segment one byte below the
# unacknowledged data, no payload, the shape tshark calls "TCP Keep-Alive"), backing off
# (0.22, 0.46, 0.90, 1.76, 3.58 s); the server's kernel answers each with its zero window.
# No byte ever comes back; the capture ends ~8 s in. Capture on the server side.
# A second connection does the same after the server's greeting ("hello\n"): the server
# did answer, so that flow is idle_open, and says the zero window too.
#   client 10.77.0.1:41310 -> server 10.77.0.2:9031
#   client 10.77.0.1:41320 -> server 10.77.0.2:9032 (greeted first)
. "$(dirname "$0")/common.sh"
tk_start zero_window_stall
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server 9031 hold
tk_wait_listen 9031
tk_bg "$TK_S" server 9032 'send:hello\n' hold
tk_wait_listen 9032
tk_bg "$TK_C" client 10.77.0.2 9031 41310 stream:65536,0.01,30 hold
tk_bg "$TK_C" client 10.77.0.2 9032 41320 recv stream:65536,0.01,30 hold
sleep 8
tk_done
