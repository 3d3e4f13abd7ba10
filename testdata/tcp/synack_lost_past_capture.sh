#!/bin/bash
# synack_lost_past_capture: a client that never gets the SYN-ACKs the capture holds. An
# nftables rule on the CLIENT's ingress (input hook) drops everything from port 9072,
# while tcpdump on the client's veth still sees it (it captures before that hook). The
# server answers every SYN with a SYN-ACK (and retransmits its own, tcp_synack_retries=2);
# the client, which never gets one, retransmits its SYN until its connect fails with
# ETIMEDOUT (tcp_syn_retries=3: 19.4 s on Linux 6.18, whose first retries are 1 s apart).
# Capture on the client side. SLPC_NAME, SLPC_IFACE and SLPC_OUT (default:
# synack_lost_past_capture, veth-c, NAME.pcap here) name the capture, the interface
# tcpdump listens on and the file (testdata/link/synack_lost_past_capture_any.sh: -i any).
#   client 10.77.0.1:41720 -> server 10.77.0.2:9072
. "$(dirname "$0")/common.sh"
tk_start "${SLPC_NAME:-synack_lost_past_capture}"
TK_OUT=${SLPC_OUT:-$TK_OUT}
tk_sysctl "$TK_C" net.ipv4.tcp_syn_retries=3
tk_sysctl "$TK_S" net.ipv4.tcp_synack_retries=2
tk_nft "$TK_C" 'table inet tmt1 {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp sport 9072 drop
	}
}'
tk_capture "$TK_C" "${SLPC_IFACE:-veth-c}"
tk_bg "$TK_S" server 9072 hold
tk_wait_listen 9072
tk_run "$TK_C" client 10.77.0.2 9072 41720
sleep 3
tk_done
