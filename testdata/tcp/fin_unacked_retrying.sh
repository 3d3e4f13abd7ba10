#!/bin/bash
# fin_unacked_retrying: fin_unacked.sh with the kernel's own retransmission timer (no
# rto_min on the route): the client's FIN, never ACKed, is resent after 0.2, 0.6 and
# 1.4 s (RTO 200 ms, doubling), and the capture ends about 2 s after the FIN, with the
# next resend (3.0 s) not yet due. The client's kernel is still retrying when the capture
# ends: that is no give-up (retransmit_giveup), the flow is a FIN never ACKed, resent.
# Beside it the same for an HTTP request the server never answered (9077).
# Capture on the client side.
#   client 10.77.0.1:41760 -> server 10.77.0.2:9076
#   client 10.77.0.1:41770 -> server 10.77.0.2:9077
. "$(dirname "$0")/common.sh"
tk_start fin_unacked_retrying
tk_capture "$TK_C" veth-c
tk_bg "$TK_S" server 9076 recv 'send:pong\n' hold
tk_bg "$TK_S" server 9077 recv hold
tk_wait_listen 9076
tk_wait_listen 9077
tk_bg "$TK_C" client 10.77.0.2 9076 41760 'send:ping\n' recv sleep:0.5 close hold
tk_bg "$TK_C" client 10.77.0.2 9077 41770 'send:GET /report HTTP/1.1\r\nHost: 10.77.0.2:9077\r\n\r\n' sleep:0.5 close hold
tk_wait_estab 41760
tk_wait_estab 41770
sleep 0.2
tk_nft "$TK_S" 'table inet tmt1 {
	chain output {
		type filter hook output priority 0; policy accept;
		tcp sport { 9076, 9077 } drop
	}
}'
sleep 2.0
tk_ss "$TK_C"
tk_ss "$TK_S"
tk_done
