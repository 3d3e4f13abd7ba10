#!/bin/bash
# rst_after_idle_resent: rst_after_idle_dead_peer, with the client's first send after
# the idle lost on the way. The server aborts its socket during the idle (SO_LINGER 0 +
# close, its RST dropped by an nftables rule for 0.5 s), so the client does not know. After
# 2.5 s of idle the client sends its next request; a second nftables rule in the server
# namespace drops that segment on arrival (the client's 5th packet of the connection:
# SYN, ACK, ping, the ACK of pong, then this one, counted by conntrack), past the
# capture point, as a lossy path would. The client's kernel resends it ~0.2 s later;
# the server's kernel has no socket for it and answers with an RST. The RST answers data
# sent after 2.5 s of silence: the resend is the same data, and ends no silence.
# Capture on the client side.
#   client 10.77.0.1:41800 -> server 10.77.0.2:9080
. "$(dirname "$0")/common.sh"
tk_start rst_after_idle_resent
tk_sysctl "$TK_S" net.netfilter.nf_conntrack_acct=1
tk_capture "$TK_C" veth-c
tk_nft "$TK_S" 'table inet tmt1 {
	chain output {
		type filter hook output priority 0; policy accept;
		tcp flags & rst == rst drop
	}
}'
tk_nft "$TK_S" 'table inet tmt1lose {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 9080 ct original packets 5 drop
	}
}'
tk_bg "$TK_S" server 9080 recv 'send:pong\n' sleep:1 abort hold
tk_wait_listen 9080
tk_bg "$TK_C" client 10.77.0.2 9080 41800 'send:ping\n' recv sleep:2.5 'send:ping again\n' recv hold
tk_wait_estab 41800
sleep 1.5
ip netns exec "$TK_S" nft delete table inet tmt1
echo "nft rule removed"
tk_ss "$TK_S"
sleep 2
tk_done
