#!/bin/bash
# accept_queue_abort: as accept_queue_full, but the listener's namespace has
# net.ipv4.tcp_abort_on_overflow=1: a connection that completes its handshake while the
# accept queue is full is reset instead of dropped. A listener (backlog 0: one
# connection fits in its accept queue, and it never accepts) and two clients. Client B's
# handshake ACK is lost once (an nftables quota on the client's egress), so B believes it
# is connected while the server still holds it as a half-open request; then client A
# connects and fills the accept queue. B's request, which carries the handshake's ACK,
# arrives with the queue full: the server's kernel answers it with RST at once (the
# listener's LISTENOVERFLOWS count goes up, as with the default, but nothing is
# retransmitted). The client's read fails with ECONNRESET on a connection the server
# application never saw.
# Capture on the server side.
#   client B 10.77.0.1:41260 -> server 10.77.0.2:9026 (reset on its first data)
#   client A 10.77.0.1:41270 -> server 10.77.0.2:9026 (queued, never accepted, idle)
# AQA_WAIT=S: client B waits S seconds (default 0.4) before its request, so that the
# server's SYN-ACK resend (1 s) and B's ACK of it come first (accept_queue_abort_ack.sh,
# with AQA_NAME, AQA_PORT, AQA_B and AQA_A naming the capture and the ports).
# AQA_B2=PORT: one more client, B2 from that port, whose handshake ACK is lost as B's and
# which waits AQA_WAIT2 seconds (default 3) before its request: with the queue full, the
# server's SYN-ACK resend and B2's ACK of it meet the RST (accept_queue_abort_mixed.sh).
# It needs AQA_BACKLOG=2: with a backlog of N the kernel holds at most N half-open
# requests and answers later SYNs with SYN cookies, which it never resends; and with
# AQA_FILL=3 clients from port AQA_A on (A, A+1, A+2) the accept queue is full (N+1).
. "$(dirname "$0")/common.sh"
port=${AQA_PORT:-9026} b=${AQA_B:-41260} a=${AQA_A:-41270} b2=${AQA_B2:-}
backlog=${AQA_BACKLOG:-0} fill=${AQA_FILL:-1}
tk_start "${AQA_NAME:-accept_queue_abort}"
tk_sysctl "$TK_S" net.ipv4.tcp_abort_on_overflow=1
# A quota per client: each one's first bare ACK (52 bytes with timestamps) is dropped.
lose_ack() {
	echo "tcp sport $1 tcp dport $port tcp flags & (syn | ack | fin | rst | psh) == ack quota until 52 bytes drop"
}
tk_nft "$TK_C" "table inet tmt1 {
	chain output {
		type filter hook output priority 0; policy accept;
		$(lose_ack "$b")
		${b2:+$(lose_ack "$b2")}
	}
}"
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server "$port" --backlog="$backlog" --no-accept
tk_wait_listen "$port"
tk_bg "$TK_C" client 10.77.0.2 "$port" "$b" "sleep:${AQA_WAIT:-0.4}" 'send:GET /orders HTTP/1.1\r\nHost: 10.77.0.2:'"$port"'\r\n\r\n' recv hold
if [ -n "$b2" ]; then
	sleep 0.05
	tk_bg "$TK_C" client 10.77.0.2 "$port" "$b2" "sleep:${AQA_WAIT2:-3}" 'send:GET /orders HTTP/1.1\r\nHost: 10.77.0.2:'"$port"'\r\n\r\n' recv hold
fi
sleep 0.2
for k in $(seq 0 $((fill - 1))); do
	tk_bg "$TK_C" client 10.77.0.2 "$port" $((a + k)) hold
done
sleep "${AQA_TAIL:-2}"
ip netns exec "$TK_S" nstat -az TcpExtListenOverflows TcpExtListenDrops | sed 's/^/    /'
tk_ss "$TK_S"
tk_ss "$TK_C"
tk_done
