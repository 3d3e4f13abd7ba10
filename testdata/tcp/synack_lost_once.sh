#!/bin/bash
# synack_lost_once: the server's first SYN-ACK is lost (an nftables quota on the server's
# egress drops the first SYN-ACK to port 9023, once). About 1 s later two timers fire
# within the same millisecond: the client's SYN retransmission timer and the server's
# SYN-ACK retransmission timer. The server sends its SYN-ACK again, then answers the
# client's retransmitted SYN with one more, identical to it byte for byte (IP ID 0, the
# same TSval: the same millisecond), after the client's ACK of the first. Then ping and
# pong and a clean close, client first. Capture on the server side.
# The identical SYN-ACKs are two packets, not one packet captured twice: the client
# acknowledged the first before the second was sent (flows.Dedupe must keep both).
#   client 10.77.0.1:41230 -> server 10.77.0.2:9023
. "$(dirname "$0")/common.sh"
tk_start synack_lost_once
tk_nft "$TK_S" 'table inet tmt1 {
	chain output {
		type filter hook output priority 0; policy accept;
		tcp sport 9023 tcp flags & (syn | ack) == syn | ack quota until 60 bytes drop
	}
}'
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server 9023 recv 'send:pong\n' readall close hold
tk_wait_listen 9023
tk_run "$TK_C" client 10.77.0.2 9023 41230 'send:ping\n' recv sleep:0.2 close
sleep 1
tk_done
