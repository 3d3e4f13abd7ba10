#!/bin/bash
# syn_app_timeout: the client's application gives up a connect before its kernel does.
# The server namespace drops SYNs to ports 9073 and 9074 (nftables, input hook; the
# capture on the server side still sees them). Client tcp_syn_retries=6 (Linux's
# default), with 6.18's linear first retries (1 s apart).
#   41730 -> 9073: connect timeout 3 s in the application (Python's settimeout, as
#                  curl --connect-timeout 3): SYNs at 0, 1, 2 s; at 3 s the socket is
#                  closed and the kernel sends no more. The capture ends ~1 s later.
#   41740 -> 9074: no application timeout, started 2.5 s in: SYNs 1 s apart, the third
#                  the capture's last packet (tcpdump stops 0.3 s after the end marker),
#                  while the kernel still retries.
# Capture on the server side.
#   client 10.77.0.1:41730 -> server 10.77.0.2:9073
#   client 10.77.0.1:41740 -> server 10.77.0.2:9074
. "$(dirname "$0")/common.sh"
tk_start syn_app_timeout
tk_sysctl "$TK_C" net.ipv4.tcp_syn_retries=6
tk_nft "$TK_S" 'table inet tmt1 {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport { 9073, 9074 } drop
	}
}'
tk_capture "$TK_S" veth-s
tk_bg "$TK_C" client --connect-timeout=3 10.77.0.2 9073 41730
tk_wait_sock syn-sent 41730
sleep 2.4
tk_bg "$TK_C" client 10.77.0.2 9074 41740
tk_wait_sock syn-sent 41740
sleep 1.6   # 41730 gave up at 3.0 s; 41740's next SYN would come at 4.4 s
tk_ss "$TK_C"
tk_done
