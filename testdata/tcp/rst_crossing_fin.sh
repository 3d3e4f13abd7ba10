#!/bin/bash
# rst_crossing_fin: an abort and a close that cross on a slow link (TM_DELAY_MS=25: a
# 50 ms round trip through tun devices, see tm_pair in ../lib.sh; raw IP), captured at the
# server. After ping/pong the client closes (FIN) 1.0 s after the pong reached it, and the
# server aborts (SO_LINGER 0: RST) 1.035 s after it sent the pong: 10 ms before the
# client's FIN, sent before the RST could reach the client, arrives. The server never
# closed: its RST is an abort, and the FIN that crossed it changes nothing (no
# fin_unanswered_then_rst "1 s idle then RST -10 ms later", no clean close).
#   client 10.77.0.1:41790 -> server 10.77.0.2:9079
# RC_AT=client captures at the client instead (rst_crossing_fin_client.sh, with RC_NAME,
# RC_PORT and RC_CPORT); RC_LOSE_SYN=1 drops the client's first SYN on arrival at the
# server (rst_crossing_fin_synlost.sh).
export TM_DELAY_MS=25
. "$(dirname "$0")/common.sh"
port=${RC_PORT:-9079} cport=${RC_CPORT:-41790}
tk_start "${RC_NAME:-rst_crossing_fin}"
if [ -n "${RC_LOSE_SYN:-}" ]; then
	# The first SYN only: a quota of one SYN's length (60 bytes).
	tk_nft "$TK_S" "table inet tmt1lose {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport $port tcp flags & (syn | ack) == syn quota until 60 bytes drop
	}
}"
fi
if [ "${RC_AT:-server}" = client ]; then
	tk_capture "$TK_C" veth-c
else
	tk_capture "$TK_S" veth-s
fi
tk_bg "$TK_S" server "$port" recv 'send:pong\n' sleep:1.035 abort hold
tk_wait_listen "$port"
tk_bg "$TK_C" client 10.77.0.2 "$port" "$cport" 'send:ping\n' recv sleep:1.0 close hold
sleep 2.5
tk_ss "$TK_C"
tk_ss "$TK_S"
tk_done
