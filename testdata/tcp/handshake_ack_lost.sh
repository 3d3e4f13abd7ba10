#!/bin/bash
# handshake_ack_lost: handshake_incomplete seen from where the ACKs do show. An nftables
# rule on the SERVER's ingress (input hook) drops the client's handshake ACKs, while
# tcpdump on the server's veth still sees them (it captures before that hook): a host
# firewall behind the capture point. The server (tcp_synack_retries=2) retransmits its
# SYN-ACK, the client answers each with an ACK that is in the capture and never reaches
# the server, and the server drops the request silently; the client believes it is
# connected and stays idle.
#   41590 -> 9038: every ACK dropped: SYN-ACK sent 3 times, ACKed 3 times on the wire.
#   41620 -> 9039: only the first ACK dropped (a quota): the SYN-ACK comes once more, its
#                  ACK gets through, and the connection is established on both sides
#                  (ss: ESTAB in the server namespace), then idle.
# Capture on the server side.
#   client 10.77.0.1:41590 -> server 10.77.0.2:9038
#   client 10.77.0.1:41620 -> server 10.77.0.2:9039
. "$(dirname "$0")/common.sh"
tk_start handshake_ack_lost
tk_sysctl "$TK_S" net.ipv4.tcp_synack_retries=2
tk_nft "$TK_S" 'table inet tmt1 {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 9038 tcp flags & (syn | ack | fin | rst) == ack drop
		tcp dport 9039 tcp flags & (syn | ack | fin | rst) == ack quota until 52 bytes drop
	}
}'
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server 9038 hold
tk_bg "$TK_S" server 9039 hold
tk_wait_listen 9038
tk_wait_listen 9039
tk_bg "$TK_C" client 10.77.0.2 9038 41590 hold
tk_wait_estab 41590
tk_bg "$TK_C" client 10.77.0.2 9039 41620 hold
tk_wait_estab 41620
sleep 1.5
tk_ss "$TK_S"
sleep 6.5
tk_ss "$TK_S"
tk_ss "$TK_C"
tk_done
