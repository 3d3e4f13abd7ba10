#!/bin/bash
# fin_unacked: the client closes (FIN) when its peer is already gone: after ping/pong, an
# nftables rule in the server namespace drops everything the server sends, as a dead
# host or a broken path would; the client's FIN is never ACKed. The client's route has
# rto_min 3 s (a slow path's retransmission timer), so its FIN is not retransmitted
# before the capture ends 1.5 s later. Here the server's kernel did get the FIN (ss shows
# it in CLOSE-WAIT: only its answers are dropped), as a dead host's would not have; the
# packets cannot tell the two apart, so they show no CLOSE_WAIT.
# Beside it, the same for an HTTP request the server never answered (9052): the client
# gives up with a FIN that is never ACKed either.
# Capture on the client side.
#   client 10.77.0.1:41510 -> server 10.77.0.2:9051
#   client 10.77.0.1:41520 -> server 10.77.0.2:9052
. "$(dirname "$0")/common.sh"
tk_start fin_unacked
ip netns exec "$TK_C" ip route replace 10.77.0.2/32 dev veth-c rto_min 3000ms
tk_capture "$TK_C" veth-c
tk_bg "$TK_S" server 9051 recv 'send:pong\n' hold
tk_bg "$TK_S" server 9052 recv hold
tk_wait_listen 9051
tk_wait_listen 9052
tk_bg "$TK_C" client 10.77.0.2 9051 41510 'send:ping\n' recv sleep:0.5 close hold
tk_bg "$TK_C" client 10.77.0.2 9052 41520 'send:GET /report HTTP/1.1\r\nHost: 10.77.0.2:9052\r\n\r\n' sleep:0.5 close hold
tk_wait_estab 41510
tk_wait_estab 41520
sleep 0.2
tk_nft "$TK_S" 'table inet tmt1 {
	chain output {
		type filter hook output priority 0; policy accept;
		tcp sport { 9051, 9052 } drop
	}
}'
sleep 1.8
tk_ss "$TK_C"
tk_ss "$TK_S"
tk_done
