#!/bin/bash
# fin_unacked_giveup: fin_unacked_retrying.sh's first flow with a client that gives up on
# its FIN: the client's socket is closed (an orphan, with no process behind it), and the
# client namespace has tcp_orphan_retries=2, so its kernel resends the unACKed FIN a few
# times at RTO 200 ms, doubling, then drops the socket silently (no RST). The capture
# runs 4 s past the last resend: a kernel that had given up. retransmit_giveup, and what
# was resent is the FIN, the data all ACKed before.
# Capture on the client side.
#   client 10.77.0.1:41780 -> server 10.77.0.2:9078
# (FUG_NAME=NAME writes NAME.pcap, FUG_SYSCTLS adds client sysctls:
# fin_unacked_giveup_rtt.sh runs it over a slow link.)
. "$(dirname "$0")/common.sh"
tk_start "${FUG_NAME:-fin_unacked_giveup}"
tk_sysctl "$TK_C" net.ipv4.tcp_orphan_retries=2 ${FUG_SYSCTLS:-}
tk_capture "$TK_C" veth-c
tk_bg "$TK_S" server 9078 recv 'send:pong\n' hold
tk_wait_listen 9078
tk_bg "$TK_C" client 10.77.0.2 9078 41780 'send:ping\n' recv sleep:0.5 close hold
tk_wait_estab 41780
sleep 0.2
tk_nft "$TK_S" 'table inet tmt1 {
	chain output {
		type filter hook output priority 0; policy accept;
		tcp sport 9078 drop
	}
}'
sleep 6
tk_ss "$TK_C"
tk_ss "$TK_S"
tk_done
