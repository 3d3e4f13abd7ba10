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
. "$(dirname "$0")/common.sh"
port=${AQA_PORT:-9026} b=${AQA_B:-41260} a=${AQA_A:-41270}
tk_start "${AQA_NAME:-accept_queue_abort}"
tk_sysctl "$TK_S" net.ipv4.tcp_abort_on_overflow=1
tk_nft "$TK_C" "table inet tmt1 {
	chain output {
		type filter hook output priority 0; policy accept;
		tcp sport $b tcp dport $port tcp flags & (syn | ack | fin | rst | psh) == ack quota until 52 bytes drop
	}
}"
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server "$port" --backlog=0 --no-accept
tk_wait_listen "$port"
tk_bg "$TK_C" client 10.77.0.2 "$port" "$b" "sleep:${AQA_WAIT:-0.4}" 'send:GET /orders HTTP/1.1\r\nHost: 10.77.0.2:'"$port"'\r\n\r\n' recv hold
sleep 0.2
tk_bg "$TK_C" client 10.77.0.2 "$port" "$a" hold
sleep "${AQA_TAIL:-2}"
ip netns exec "$TK_S" nstat -az TcpExtListenOverflows TcpExtListenDrops | sed 's/^/    /'
tk_ss "$TK_S"
tk_ss "$TK_C"
tk_done
