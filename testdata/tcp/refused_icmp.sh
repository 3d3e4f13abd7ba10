#!/bin/bash
# refused_icmp: the server host rejects the SYN with an ICMP port unreachable (an nftables
# `reject with icmp type port-unreachable` rule in the server namespace, as a host
# firewall would) instead of a TCP RST. The client's kernel treats that ICMP as a hard
# error in SYN_SENT: connect() fails at once with ECONNREFUSED, no SYN retransmission.
# Capture on the server side.
#   client 10.77.0.1:41020 -> server 10.77.0.2:9002
. "$(dirname "$0")/common.sh"
tk_start refused_icmp
tk_nft "$TK_S" 'table ip tmt1 {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 9002 reject with icmp type port-unreachable
	}
}'
tk_capture "$TK_S" veth-s
tk_run "$TK_C" client 10.77.0.2 9002 41020
sleep 1
tk_done
