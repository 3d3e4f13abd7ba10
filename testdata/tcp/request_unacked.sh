#!/bin/bash
# request_unacked: two requests that never reach the server, captured at the client.
# An nftables rule in the server namespace drops, on arrival, every packet of the client
# after its handshake (conntrack's packets 3 on: the request and each resend of it), past
# the capture point, as a dead host's NIC or a broken path would.
#   41810 -> 9081: an HTTP GET, no deadline. The client's kernel resends it on its
#                  retransmission back-off (gaps 0.2, 0.2, 0.4, 0.8 s) and is still
#                  retrying when the capture ends, 1.6 s in (its next resend due 1.6 s
#                  after its last): the request was never answered, never even ACKed.
#   41820 -> 9082: ping on a connection whose server ACKs arrive but never reach the
#                  client: the drop is in the CLIENT namespace (input hook, after the
#                  capture point) for this port. The server ACKs the ping at once (in the
#                  capture); the client resends it once, 0.2 s later, and the capture
#                  ends before its second resend (0.4 s after the first). That single resend came long after the
#                  ACK it could have crossed: the ACKs are lost between the capture point
#                  and the client, not never sent.
# Capture on the client side.
#   client 10.77.0.1:41810 -> server 10.77.0.2:9081
#   client 10.77.0.1:41820 -> server 10.77.0.2:9082
. "$(dirname "$0")/common.sh"
tk_start request_unacked
tk_sysctl "$TK_S" net.netfilter.nf_conntrack_acct=1
tk_capture "$TK_C" veth-c
tk_nft "$TK_S" 'table inet tmt1 {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 9081 ct original packets > 2 drop
	}
}'
tk_bg "$TK_S" server 9081 recv hold
tk_bg "$TK_S" server 9082 recv hold
tk_wait_listen 9081
tk_wait_listen 9082
tk_bg "$TK_C" client 10.77.0.2 9081 41810 'send:GET /report HTTP/1.1\r\nHost: 10.77.0.2:9081\r\n\r\n' recv hold
tk_wait_estab 41810
sleep 0.1
tk_bg "$TK_C" client 10.77.0.2 9082 41820 sleep:1 'send:ping\n' recv hold
tk_wait_estab 41820
tk_nft "$TK_C" 'table inet tmt1c {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp sport 9082 drop
	}
}'
# The ping goes out ~1.0 s from now and is resent ~0.2 s after; its second resend
# would come ~0.2 s after that. End the capture between the two: the end marker
# 0.25 s after the ping, and the capture stopped 0.05 s later (not tk_done's 0.5 s).
sleep 1.25
ip netns exec "$TK_C" ping -n -q -c1 -W1 10.77.0.2 >/dev/null || true
sleep 0.05
kill -INT "$TM_CAPTURE_PID" 2>/dev/null || true
wait "$TM_CAPTURE_PID" 2>/dev/null || true
tk_ss "$TK_C"
tk_ss "$TK_S"
echo "wrote $TK_OUT ($(stat -c %s "$TK_OUT") bytes)"
