#!/bin/bash
# accept_queue_full: a listener (backlog 0: one connection fits in its accept queue, and
# it never accepts) and two clients. Client B's handshake ACK is lost once (an nftables
# quota on the client's egress), so B believes it is connected while the server still
# holds it as a half-open request; then client A connects and fills the accept queue.
# B's request arrives with the queue full: the server's kernel drops it (a listen
# overflow) and goes on retransmitting its SYN-ACK (tcp_synack_retries=2); B answers
# each with an ACK that is dropped too, and retransmits its request. Once the server gave
# up the request, B's next retransmission reaches the bare listener: RST.
# Capture on the server side. AQ_NAME and AQ_SECS (default: accept_queue_full, 12) name
# the capture and how long it runs after A connects (accept_queue_full_waiting.sh ends
# it before the RST); AQ_PORT, AQ_B and AQ_A its ports (accept_queue_full_rtt.sh runs it
# over a slow link).
#   client B 10.77.0.1:41240 -> server 10.77.0.2:9024 (the request never taken)
#   client A 10.77.0.1:41250 -> server 10.77.0.2:9024 (queued, never accepted, idle)
. "$(dirname "$0")/common.sh"
port=${AQ_PORT:-9024} b=${AQ_B:-41240} a=${AQ_A:-41250}
tk_start "${AQ_NAME:-accept_queue_full}"
tk_sysctl "$TK_S" net.ipv4.tcp_synack_retries=2
tk_nft "$TK_C" "table inet tmt1 {
	chain output {
		type filter hook output priority 0; policy accept;
		tcp sport $b tcp dport $port tcp flags & (syn | ack | fin | rst | psh) == ack quota until 52 bytes drop
	}
}"
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server "$port" --backlog=0 --no-accept
tk_wait_listen "$port"
tk_bg "$TK_C" client 10.77.0.2 "$port" "$b" sleep:0.4 'send:GET /orders HTTP/1.1\r\nHost: 10.77.0.2:'"$port"'\r\n\r\n' recv hold
sleep 0.2
tk_bg "$TK_C" client 10.77.0.2 "$port" "$a" hold
sleep "${AQ_SECS:-12}"
tk_ss "$TK_S"
tk_ss "$TK_C"
tk_done
