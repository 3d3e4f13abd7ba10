#!/bin/bash
# http_server_closes_unanswered: who ended the wait for an answer. Two HTTP requests,
# neither answered:
#   9082: the server reads the request and closes its socket without a byte (a handler
#         that returns early, a worker that exits): its FIN comes first, 0.1 ms after the
#         request; the client's read sees EOF and it closes too. The server ended it.
#   9083: the client gives up after 300 ms (its timeout) and closes; the server, which
#         read the request, closes 1 s after it. The client ended it.
# Capture on the server side.
#   client 10.77.0.1:41820 -> server 10.77.0.2:9082
#   client 10.77.0.1:41830 -> server 10.77.0.2:9083
. "$(dirname "$0")/common.sh"
tk_start http_server_closes_unanswered
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server 9082 recv close hold
tk_bg "$TK_S" server 9083 recv sleep:1 close hold
tk_wait_listen 9082
tk_wait_listen 9083
tk_bg "$TK_C" client 10.77.0.2 9082 41820 'send:GET /report HTTP/1.1\r\nHost: 10.77.0.2:9082\r\n\r\n' recv close hold
# The exchange is over 0.1 ms after the request, and the client's socket gone with it
# (it closed second: LAST-ACK, then nothing), so there is no client socket to wait for:
# wait for the server's, which closed first and stays in TIME-WAIT.
for _ in $(seq 200); do
	[ -n "$(ip netns exec "$TK_S" ss -Htn state connected "dport = :41820")" ] && break
	sleep 0.01
done
sleep 0.3
tk_bg "$TK_C" client 10.77.0.2 9083 41830 'send:GET /report HTTP/1.1\r\nHost: 10.77.0.2:9083\r\n\r\n' drain:0.3 close hold
tk_wait_estab 41830
sleep 1.5
tk_ss "$TK_S"
tk_done
