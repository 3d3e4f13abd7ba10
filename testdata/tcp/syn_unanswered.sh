#!/bin/bash
# syn_unanswered: the server host silently drops the SYNs (nftables drop rule in the
# server namespace, like a firewall). The client (tcp_syn_retries=6, the default) keeps
# retransmitting; tcpdump is stopped ~0.5 s after the 2nd retransmission, while the client
# is still trying. Capture on the server side (tcpdump sees the SYNs before nftables
# drops them).
#   client 10.77.0.1:41040 -> server 10.77.0.2:9004
. "$(dirname "$0")/common.sh"
tk_start syn_unanswered
tk_sysctl "$TK_C" net.ipv4.tcp_syn_retries=6
tk_nft "$TK_S" 'table inet tmt1 {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 9004 drop
	}
}'
tk_capture "$TK_S" veth-s
tk_bg "$TK_C" client 10.77.0.2 9004 41040
tk_wait_sock syn-sent 41040
sleep 2.5   # SYN at 0 s, retransmissions at 1 s and 2 s; the next would come at 3 s
tk_done
