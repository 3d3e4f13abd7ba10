#!/bin/bash
# rst_on_first_data: the handshake completes in the kernel, the server process accepts
# but never reads; the client sends its first request (an HTTP GET); 0.3 s later the
# server process closes the socket with the request still unread, so the server's kernel
# sends RST instead of FIN (RFC 2525 / tcp_close: unread data -> reset). The server never
# sent a byte of payload. The client's read fails with ECONNRESET.
# Capture on the server side.
#   client 10.77.0.1:41060 -> server 10.77.0.2:9006
. "$(dirname "$0")/common.sh"
tk_start rst_on_first_data
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server 9006 sleep:0.3 close hold
tk_wait_listen 9006
tk_run "$TK_C" client 10.77.0.2 9006 41060 \
	'send:GET /orders HTTP/1.1\r\nHost: 10.77.0.2:9006\r\n\r\n' recv close
sleep 1
tk_done
