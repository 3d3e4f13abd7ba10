#!/bin/bash
# refused_icmp6 (IPv6 twin of refused_icmp): the server host rejects the SYN with an
# ICMPv6 destination unreachable / port unreachable (nftables `reject with icmpv6 type
# port-unreachable`). The client's kernel maps it to ECONNREFUSED and connect() fails at
# once. Capture on the server side.
#   client [fd77::1]:41200 -> server [fd77::2]:9020
. "$(dirname "$0")/common.sh"
tk_start refused_icmp6
tk_nft "$TK_S" 'table ip6 tmt1 {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 9020 reject with icmpv6 type port-unreachable
	}
}'
tk_capture "$TK_S" veth-s
tk_run "$TK_C" client fd77::2 9020 41200
sleep 1
tk_done -6
