#!/bin/bash
# keepalive_timeout: the client turns TCP keepalive on (TCP_KEEPIDLE=1, TCP_KEEPINTVL=1,
# TCP_KEEPCNT=3), sends a request and gets the answer; then everything the server sends
# is dropped (nftables output drop in the server namespace). After 1 s idle the client's
# kernel sends keepalive probes 1 s apart; none is answered, and after the 3rd
# unanswered probe it gives up: it sends an RST,ACK and the client's blocked read fails
# with ETIMEDOUT. The echo request at the end gets no reply (server output dropped).
# Capture on the client side.
#   client 10.77.0.1:41140 -> server 10.77.0.2:9014
. "$(dirname "$0")/common.sh"
tk_start keepalive_timeout
tk_capture "$TK_C" veth-c
tk_bg "$TK_S" server 9014 recv 'send:pong\n' hold
tk_wait_listen 9014
tk_bg "$TK_C" client 10.77.0.2 9014 41140 ka:1,1,3 'send:ping\n' recv recv hold
tk_wait_estab 41140
sleep 0.3
tk_nft "$TK_S" 'table inet tmt1 {
	chain output {
		type filter hook output priority 0; policy drop;
	}
}'
echo "nft: server output dropped"
sleep 6
tk_ss "$TK_C"
tk_done
