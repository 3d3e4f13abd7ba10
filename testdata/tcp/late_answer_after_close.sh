#!/bin/bash
# late_answer_after_close: two clients that give up on a request 0.2 s after sending it
# (close(): FIN), and what their servers do then.
#   9048: the server answers 0.05 s after the client's FIN (a late 500); the client's
#         kernel, its socket closed, answers that with an RST: the server's application
#         did return, and its CLOSE_WAIT lasted until that RST.
#   9049: the server never answers nor closes; the capture goes on 1.5 s: CLOSE_WAIT.
# Capture on the server side.
#   client 10.77.0.1:41480 -> server 10.77.0.2:9048
#   client 10.77.0.1:41490 -> server 10.77.0.2:9049
. "$(dirname "$0")/common.sh"
tk_start late_answer_after_close
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server 9048 recv sleep:0.25 'send:HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n' hold
tk_bg "$TK_S" server 9049 recv hold
tk_wait_listen 9048
tk_wait_listen 9049
tk_run "$TK_C" client 10.77.0.2 9048 41480 'send:GET /slow HTTP/1.1\r\nHost: 10.77.0.2:9048\r\n\r\n' sleep:0.2 close
sleep 0.3
tk_run "$TK_C" client 10.77.0.2 9049 41490 'send:GET /slow HTTP/1.1\r\nHost: 10.77.0.2:9049\r\n\r\n' sleep:0.2 close
sleep 1.5
tk_ss "$TK_S"
tk_done
