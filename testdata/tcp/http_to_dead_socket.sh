#!/bin/bash
# http_to_dead_socket: an HTTP keep-alive connection whose server side is gone without
# the client knowing, as after the server's host restarted. The client's first GET is
# answered; 0.3 s later the server aborts the socket (SO_LINGER 0 + close) while an
# nftables rule in the server namespace drops every outgoing RST, so the abort's RST
# never leaves; the rule is removed 0.2 s later. 0.8 s after the answer (under the 1 s
# idle threshold: the client is no idle one) it sends its second GET on the connection;
# the server's kernel has no socket for it and answers with an RST without the ACK flag.
# Beside it, for contrast, a live server that aborts on the second GET (SO_LINGER 0 on
# its socket, after reading it): its RST carries ACK.
# Capture on the client side (the drop happens before the server's interface).
#   client 10.77.0.1:41460 -> server 10.77.0.2:9046 (the server's socket gone)
#   client 10.77.0.1:41470 -> server 10.77.0.2:9047 (the server aborts)
. "$(dirname "$0")/common.sh"
tk_start http_to_dead_socket
tk_capture "$TK_C" veth-c
tk_nft "$TK_S" 'table inet tmt1 {
	chain output {
		type filter hook output priority 0; policy accept;
		tcp flags & rst == rst drop
	}
}'
tk_bg "$TK_S" server 9046 recv 'send:HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' sleep:0.3 abort hold
tk_wait_listen 9046
tk_bg "$TK_C" client 10.77.0.2 9046 41460 'send:GET /a HTTP/1.1\r\nHost: 10.77.0.2:9046\r\n\r\n' recv sleep:0.8 \
	'send:GET /b HTTP/1.1\r\nHost: 10.77.0.2:9046\r\n\r\n' recv hold
tk_wait_estab 41460
sleep 0.5
ip netns exec "$TK_S" nft delete table inet tmt1
echo "nft rule removed"
tk_ss "$TK_S"
sleep 0.5
tk_bg "$TK_S" server 9047 recv 'send:HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok' recv abort hold
tk_wait_listen 9047
tk_bg "$TK_C" client 10.77.0.2 9047 41470 'send:GET /a HTTP/1.1\r\nHost: 10.77.0.2:9047\r\n\r\n' recv sleep:0.5 \
	'send:GET /b HTTP/1.1\r\nHost: 10.77.0.2:9047\r\n\r\n' recv hold
sleep 1.5
tk_done
