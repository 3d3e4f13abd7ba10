#!/bin/bash
# handshake_incomplete: the server's SYN-ACK is never acknowledged. The client's kernel
# does answer it, but an nftables rule on the client's egress drops every pure ACK to port
# 9005 (an asymmetric path/firewall problem), so the server never sees the final ACK of
# the handshake. The server (tcp_synack_retries=2) retransmits the SYN-ACK twice, the
# client's answers (duplicate ACKs) are dropped too, and the server drops the request
# silently. The client believes it is connected and stays idle (sends no data).
# Capture on the server side.
#   client 10.77.0.1:41050 -> server 10.77.0.2:9005
. "$(dirname "$0")/common.sh"
tk_start handshake_incomplete
tk_sysctl "$TK_S" net.ipv4.tcp_synack_retries=2
tk_nft "$TK_C" 'table inet tmt1 {
	chain output {
		type filter hook output priority 0; policy accept;
		tcp dport 9005 tcp flags & (syn | ack | fin | rst) == ack drop
	}
}'
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server 9005 hold
tk_wait_listen 9005
tk_bg "$TK_C" client 10.77.0.2 9005 41050 hold
tk_wait_estab 41050
sleep 1
tk_ss "$TK_S"
sleep 7
tk_ss "$TK_S"
tk_ss "$TK_C"
tk_done
