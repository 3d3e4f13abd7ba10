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
# IU_NAME, IU_PORTS ("9060 41600 9061 41610": the IPv4 and IPv6 server and client
# ports) name the capture and its ports; IU_AT=server captures on the server's side;
# IU_PONG_WAIT=S has the servers wait S seconds before their pong, so that it leaves
# after the rule is in and the clients' ACKs of it are refused too; IU_TAIL (12 s) is how
# long the capture runs after the rule (icmp_unreachable_both_resend.sh).
. "$(dirname "$0")/common.sh"
read -r p4 c4 p6 c6 <<<"${IU_PORTS:-9060 41600 9061 41610}"
tk_start "${IU_NAME:-icmp_unreachable_established}"
tk_sysctl "$TK_C" net.ipv4.tcp_retries2=4
if [ "${IU_AT:-client}" = server ]; then
	tk_capture "$TK_S" veth-s
else
	tk_capture "$TK_C" veth-c
fi
pong="send:pong\n"
[ -n "${IU_PONG_WAIT:-}" ] && pong="sleep:$IU_PONG_WAIT $pong"
# shellcheck disable=SC2086 # $pong is one or two steps
tk_bg "$TK_S" server "$p4" recv $pong recv hold
# shellcheck disable=SC2086
tk_bg "$TK_S" server "$p6" recv $pong recv hold
tk_wait_listen "$p4"
tk_wait_listen "$p6"
tk_bg "$TK_C" client 10.77.0.2 "$p4" "$c4" 'send:ping\n' recv sleep:1 'send:ping again\n' recv hold
tk_bg "$TK_C" client fd77::2 "$p6" "$c6" 'send:ping\n' recv sleep:1 'send:ping again\n' recv hold
tk_wait_estab "$c4"
tk_wait_estab "$c6"
sleep 0.3
tk_nft "$TK_S" "table inet tmt1 {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport $p4 reject with icmp type host-unreachable
		tcp dport $p6 reject with icmpv6 type admin-prohibited
	}
}"
sleep "${IU_TAIL:-12}"
tk_ss "$TK_C"
tk_done
