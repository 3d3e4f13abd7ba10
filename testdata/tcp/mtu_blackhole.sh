#!/bin/bash
# mtu_blackhole: small segments reach the client, large ones do not (an nftables rule on
# the client's input drops IPv4 packets over 1000 bytes, as a path whose MTU shrank
# without an ICMP "fragmentation needed" does). Handshake and requests get through; each
# server answers with a 3001-byte HTTP response, sent as two full-sized segments and a
# 105-byte tail: the tail arrives (the client's duplicate ACK says so), the full-sized
# ones are retransmitted and never ACKed. tcp_retries2=5 in the server namespace: the
# server's kernel gives up ~6.5 s after the answer and drops the connection silently.
# Capture on the server side.
#   9050: the client gives up after 2 s and closes; its FIN comes while the server is
#         still retransmitting (the client alive); the server application never reads
#         again (it does not close); the server's kernel gives up before capture end.
#   9051: the client waits; the server's kernel gives up before capture end.
#   9052: starts 15 s in; the client gives up after 2 s and closes; the server
#         application reads the EOF and closes, but its FIN waits behind the unACKed
#         answer (one segment of congestion window after a timeout): no FIN is sent (ss:
#         LAST-ACK, Send-Q 3002); the server is still retransmitting when the capture ends.
#   9053: starts with 9052; the client waits; the server is still retransmitting when
#         the capture ends.
#   client 10.77.0.1:41500 -> server 10.77.0.2:9050
#   client 10.77.0.1:41510 -> server 10.77.0.2:9051
#   client 10.77.0.1:41520 -> server 10.77.0.2:9052
#   client 10.77.0.1:41530 -> server 10.77.0.2:9053
# MB_NAME and MB_TAIL (default mtu_blackhole, 5 s) name the capture and how long it runs
# after 9052 and 9053 start (mtu_blackhole_open.sh ends it sooner). MB_LOSE_FIN_ACK=1
# drops the server's small ACKs on 9052 after the first (an nft quota on its output, not
# in the capture), so that only its full-sized resends acknowledge the client's FIN, and
# the black hole drops those (mtu_blackhole_finack.sh).
. "$(dirname "$0")/common.sh"
tk_start "${MB_NAME:-mtu_blackhole}"
if [ -n "${MB_LOSE_FIN_ACK:-}" ]; then
	tk_nft "$TK_S" 'table inet tmt1s {
	chain output {
		type filter hook output priority 0; policy accept;
		tcp sport 9052 tcp flags & (syn | ack | fin | rst | psh) == ack ip length < 100 quota over 52 bytes drop
	}
}'
fi
tk_sysctl "$TK_S" net.ipv4.tcp_retries2=5 net.ipv4.tcp_mtu_probing=0
tk_nft "$TK_C" 'table inet tmt1 {
	chain input {
		type filter hook input priority 0; policy accept;
		ip length > 1000 drop
	}
}'
tk_capture "$TK_S" veth-s
answer="send:HTTP/1.1 200 OK\\r\\nContent-Length: 2960\\r\\n\\r\\n$(printf 'y%.0s' $(seq 2960))"
tk_bg "$TK_S" server 9050 recv "$answer" hold
tk_bg "$TK_S" server 9051 recv "$answer" hold
tk_bg "$TK_S" server 9052 recv "$answer" recv close hold
tk_bg "$TK_S" server 9053 recv "$answer" hold
tk_wait_listen 9050
tk_wait_listen 9051
tk_wait_listen 9052
tk_wait_listen 9053
tk_bg "$TK_C" client 10.77.0.2 9050 41500 'send:GET /big HTTP/1.1\r\nHost: 10.77.0.2:9050\r\n\r\n' drain:2 close hold
tk_wait_estab 41500
sleep 1
tk_bg "$TK_C" client 10.77.0.2 9051 41510 'send:GET /big HTTP/1.1\r\nHost: 10.77.0.2:9051\r\n\r\n' hold
tk_wait_estab 41510
sleep 14
tk_bg "$TK_C" client 10.77.0.2 9052 41520 'send:GET /big HTTP/1.1\r\nHost: 10.77.0.2:9052\r\n\r\n' drain:2 close hold
tk_bg "$TK_C" client 10.77.0.2 9053 41530 'send:GET /big HTTP/1.1\r\nHost: 10.77.0.2:9053\r\n\r\n' hold
tk_wait_estab 41520
tk_wait_estab 41530
sleep "${MB_TAIL:-5}"
tk_ss "$TK_S"
tk_ss "$TK_C"
tk_done
