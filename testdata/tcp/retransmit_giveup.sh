#!/bin/bash
# retransmit_giveup: request and answer, then everything the server sends is dropped
# (nftables output drop in the server namespace: the server "vanishes" from the path).
# 1 s later the client sends data; it is never ACKed and the client's kernel retransmits
# it with exponential back-off (RTO from 200 ms) until tcp_retries2=3 (client namespace)
# says it is enough: the connection is dropped and the client's read fails with
# ETIMEDOUT. The capture goes on ~5.5 s after the last retransmission (~2 s after the
# give-up); the echo request at the end gets no reply, the server's output being dropped.
# Capture on the client side.
#   client 10.77.0.1:41130 -> server 10.77.0.2:9013
. "$(dirname "$0")/common.sh"
tk_start retransmit_giveup
tk_sysctl "$TK_C" net.ipv4.tcp_retries2=3
tk_capture "$TK_C" veth-c
tk_bg "$TK_S" server 9013 recv 'send:pong\n' hold
tk_wait_listen 9013
tk_bg "$TK_C" client 10.77.0.2 9013 41130 'send:ping\n' recv sleep:1 'send:ping again\n' recv hold
tk_wait_estab 41130
sleep 0.3
tk_nft "$TK_S" 'table inet tmt1 {
	chain output {
		type filter hook output priority 0; policy drop;
	}
}'
echo "nft: server output dropped"
sleep 6
tk_ss "$TK_C"
sleep 3.6
# TCPLossProbes 1 + TCPTimeouts: the first retransmission is a tail loss probe.
ip netns exec "$TK_C" nstat -az TcpExtTCPLossProbes TcpExtTCPTimeouts TcpExtTCPAbortOnTimeout | sed 1d
tk_done
