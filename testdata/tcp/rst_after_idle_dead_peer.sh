#!/bin/bash
# rst_after_idle_dead_peer: request and answer, then idle. During the idle the server
# "loses" the connection without telling the client, as after a crash or reboot of the
# server host: 1 s after the answer the server aborts the socket (SO_LINGER 0 + close)
# while an nftables rule in the server namespace drops every outgoing RST, so the
# abort's RST never leaves the host; the rule is removed 0.5 s later. The client knows
# nothing. After 2.5 s of idle the client sends its next request; the server's kernel has
# no socket for it and answers with an RST (no ACK flag: it answers a segment that
# carried ACK). The client's read fails with ECONNRESET.
# Capture on the client side (the nftables drop happens before the server's interface,
# so the dropped RST is not in the capture from either side).
#   client 10.77.0.1:41110 -> server 10.77.0.2:9011
# DP_LOSE=1 also drops, on arrival at the server, the client's first send after the idle
# (rst_after_idle_resent.sh sets it, with DP_NAME, DP_PORT and DP_CPORT).
. "$(dirname "$0")/common.sh"
port=${DP_PORT:-9011} cport=${DP_CPORT:-41110}
tk_start "${DP_NAME:-rst_after_idle_dead_peer}"
if [ -n "${DP_LOSE:-}" ]; then
	# The client's 5th packet of the connection (SYN, ACK, ping, the ACK of pong, then
	# this one), counted by conntrack before the filter drops it.
	tk_sysctl "$TK_S" net.netfilter.nf_conntrack_acct=1
	tk_nft "$TK_S" "table inet tmt1lose {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport $port ct original packets 5 drop
	}
}"
fi
tk_capture "$TK_C" veth-c
tk_nft "$TK_S" 'table inet tmt1 {
	chain output {
		type filter hook output priority 0; policy accept;
		tcp flags & rst == rst drop
	}
}'
tk_bg "$TK_S" server "$port" recv 'send:pong\n' sleep:1 abort hold
tk_wait_listen "$port"
tk_bg "$TK_C" client 10.77.0.2 "$port" "$cport" 'send:ping\n' recv sleep:2.5 'send:ping again\n' recv hold
tk_wait_estab "$cport"
sleep 1.5
ip netns exec "$TK_S" nft delete table inet tmt1
echo "nft rule removed"
tk_ss "$TK_S"
sleep 2
tk_done
