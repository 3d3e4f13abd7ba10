#!/bin/bash
# icmp_unreachable_established: an established connection whose peer becomes
# unreachable, and the path says so: after ping/pong, an nftables rule in the server
# namespace answers the client's segments with ICMP errors (as a router does for a host
# gone from its network, or a firewall that rejects). 1 s later the client sends data; each
# transmission draws an ICMP error (Linux rate-limits them: not every one). The client's
# kernel keeps retransmitting: on an established connection these errors are soft, so
# only the timeout ends it (tcp_retries2=4 in the client namespace); the client's read
# then fails with EHOSTUNREACH, and the kernel sends nothing more, no RST.
# Capture on the client side.
#   client 10.77.0.1:41600 -> server 10.77.0.2:9060   ICMP host unreachable
#   client [fd77::1]:41610 -> server [fd77::2]:9061   ICMPv6 administratively prohibited
. "$(dirname "$0")/common.sh"
tk_start icmp_unreachable_established
tk_sysctl "$TK_C" net.ipv4.tcp_retries2=4
tk_capture "$TK_C" veth-c
tk_bg "$TK_S" server 9060 recv 'send:pong\n' recv hold
tk_bg "$TK_S" server 9061 recv 'send:pong\n' recv hold
tk_wait_listen 9060
tk_wait_listen 9061
tk_bg "$TK_C" client 10.77.0.2 9060 41600 'send:ping\n' recv sleep:1 'send:ping again\n' recv hold
tk_bg "$TK_C" client fd77::2 9061 41610 'send:ping\n' recv sleep:1 'send:ping again\n' recv hold
tk_wait_estab 41600
tk_wait_estab 41610
sleep 0.3
tk_nft "$TK_S" 'table inet tmt1 {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 9060 reject with icmp type host-unreachable
		tcp dport 9061 reject with icmpv6 type admin-prohibited
	}
}'
sleep 12
tk_ss "$TK_C"
tk_done
