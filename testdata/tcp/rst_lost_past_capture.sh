#!/bin/bash
# rst_lost_past_capture: a server's RST in the capture that its client never gets. An
# nftables rule on the CLIENT's ingress (input hook) drops RSTs from the servers for a
# while, and tcpdump on the client's veth still sees them (it captures before that hook).
#   41640 -> 9062: ping/pong; 1 s later the server aborts its socket (SO_LINGER 0): its
#                  RST,ACK is in the capture, dropped before the client. The rule goes at
#                  1.5 s. At 2.5 s of idle the client sends its next ping on the
#                  connection it still holds; the server's kernel, with no socket for it,
#                  answers with a bare RST, which gets through: ECONNRESET.
#   41650 -> 9063: HTTP: GET /a answered 200, then the server aborts 0.3 s later (RST
#                  in the capture, dropped before the client); at 0.8 s the client sends
#                  GET /b, answered by a bare RST (the rule is gone by then).
# What the client did shows it never had the first RST: it went on sending, a second
# later, on a connection it would otherwise know was reset.
# Capture on the client side.
#   client 10.77.0.1:41640 -> server 10.77.0.2:9062
#   client 10.77.0.1:41650 -> server 10.77.0.2:9063
. "$(dirname "$0")/common.sh"
tk_start rst_lost_past_capture
tk_capture "$TK_C" veth-c
tk_nft "$TK_C" 'table inet tmt1 {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp sport { 9062, 9063 } tcp flags & rst == rst drop
	}
}'
tk_bg "$TK_S" server 9062 recv 'send:pong\n' sleep:1 abort hold
tk_bg "$TK_S" server 9063 recv 'send:HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' sleep:0.3 abort hold
tk_wait_listen 9062
tk_wait_listen 9063
tk_bg "$TK_C" client 10.77.0.2 9062 41640 'send:ping\n' recv sleep:2.5 'send:ping again\n' recv hold
tk_wait_estab 41640
tk_bg "$TK_C" client 10.77.0.2 9063 41650 'send:GET /a HTTP/1.1\r\nHost: 10.77.0.2:9063\r\n\r\n' recv sleep:0.8 \
	'send:GET /b HTTP/1.1\r\nHost: 10.77.0.2:9063\r\n\r\n' recv hold
tk_wait_estab 41650
sleep 1.4
ip netns exec "$TK_C" nft delete table inet tmt1
echo "nft rule removed"
sleep 2
tk_ss "$TK_C"
tk_done
