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
# RG_NAME, RG_PORT and RG_CPORT name the capture and its ports; RG_WAIT and RG_TAIL (6
# and 3.6 s) how long it runs after the drop starts, before and after `ss`; RG_TCP_ONLY=1
# drops only the server's TCP, so the echo at the end is answered at once and the capture
# stops 0.5 s after it (retransmit_recovering.sh).
. "$(dirname "$0")/common.sh"
port=${RG_PORT:-9013} cport=${RG_CPORT:-41130}
tk_start "${RG_NAME:-retransmit_giveup}"
tk_sysctl "$TK_C" net.ipv4.tcp_retries2=3
tk_capture "$TK_C" veth-c
tk_bg "$TK_S" server "$port" recv 'send:pong\n' hold
tk_wait_listen "$port"
tk_bg "$TK_C" client 10.77.0.2 "$port" "$cport" 'send:ping\n' recv sleep:1 'send:ping again\n' recv hold
tk_wait_estab "$cport"
sleep 0.3
if [ -n "${RG_TCP_ONLY:-}" ]; then
	tk_nft "$TK_S" 'table inet tmt1 {
	chain output {
		type filter hook output priority 0; policy accept;
		meta l4proto tcp drop
	}
}'
else
	tk_nft "$TK_S" 'table inet tmt1 {
	chain output {
		type filter hook output priority 0; policy drop;
	}
}'
fi
echo "nft: server output dropped"
sleep "${RG_WAIT:-6}"
tk_ss "$TK_C"
sleep "${RG_TAIL:-3.6}"
# TCPLossProbes 1 + TCPTimeouts: the first retransmission is a tail loss probe.
ip netns exec "$TK_C" nstat -az TcpExtTCPLossProbes TcpExtTCPTimeouts TcpExtTCPAbortOnTimeout | sed 1d
tk_done
