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
. "$(dirname "$0")/common.sh"
tk_start rst_after_idle_dead_peer
tk_capture "$TK_C" veth-c
tk_nft "$TK_S" 'table inet tmt1 {
	chain output {
		type filter hook output priority 0; policy accept;
		tcp flags & rst == rst drop
	}
}'
tk_bg "$TK_S" server 9011 recv 'send:pong\n' sleep:1 abort hold
tk_wait_listen 9011
tk_bg "$TK_C" client 10.77.0.2 9011 41110 'send:ping\n' recv sleep:2.5 'send:ping again\n' recv hold
tk_wait_estab 41110
sleep 1.5
ip netns exec "$TK_S" nft delete table inet tmt1
echo "nft rule removed"
tk_ss "$TK_S"
sleep 2
tk_done
