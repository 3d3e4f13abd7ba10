#!/bin/bash
# ack_lost_once: one acknowledgment lost past the capture point, the loss repaired. The
# client sends hello; the server's kernel ACKs it at once (in the capture at the client),
# but an nftables rule in the client namespace drops that ACK on arrival (conntrack's
# reply packet 2: the SYN-ACK, then this ACK), as one lost packet on a path would. The
# client's kernel resends it ~0.2 s later (tshark: "Spurious Retransmission"); the
# server answers with a duplicate ACK, which gets through: the client resends no more.
# The server's application answers 0.5 s after the hello; the capture ends 1.3 s after
# that, the connection idle: nothing is being retried, the hello was acknowledged (ss:
# the client's Send-Q 0).
# Capture on the client side.
#   client 10.77.0.1:41840 -> server 10.77.0.2:9084
. "$(dirname "$0")/common.sh"
tk_start ack_lost_once
tk_sysctl "$TK_C" net.netfilter.nf_conntrack_acct=1
tk_nft "$TK_C" 'table inet tmt1 {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp sport 9084 ct reply packets 2 drop
	}
}'
tk_capture "$TK_C" veth-c
tk_bg "$TK_S" server 9084 recv sleep:0.5 'send:ok\n' hold
tk_wait_listen 9084
tk_bg "$TK_C" client 10.77.0.2 9084 41840 'send:hello\n' recv hold
tk_wait_estab 41840
sleep 1.8
tk_ss "$TK_C"
tk_ss "$TK_S"
tk_done
