#!/bin/bash
# keepalive_answers_lost: keepalive probes answered on the wire, the answers lost before
# the prober. Two clients with SO_KEEPALIVE exchange ping/pong with their servers; then
# an nftables rule in the CLIENT namespace drops everything the servers send (input
# hook), while tcpdump on the client's veth still sees it (it captures before that hook).
# Each client's probes are answered by its server's kernel in the capture, but the
# client's kernel never gets the answers:
#   41280 -> 9027: TCP_KEEPIDLE=1, TCP_KEEPINTVL=1, TCP_KEEPCNT=3: 3 probes, then its
#                  kernel gives up and sends RST,ACK (the read fails with ETIMEDOUT).
#   41290 -> 9028: TCP_KEEPIDLE=2, TCP_KEEPINTVL=1, TCP_KEEPCNT=9: still probing, 1 s
#                  apart (the interval of unanswered probes, not the 2 s idle of
#                  answered ones), when the capture ends.
# What shows the loss in the file: each probe and the RST echo (TSecr) the TSval of the
# server's pong, never that of an answer (RFC 7323).
# Capture on the client side. KAL_NAME and KAL_TIMESTAMPS (default: keepalive_answers_lost,
# 1) name the capture and set net.ipv4.tcp_timestamps in both namespaces
# (keepalive_answers_lost_nots.sh turns them off).
#   client 10.77.0.1:41280 -> server 10.77.0.2:9027
#   client 10.77.0.1:41290 -> server 10.77.0.2:9028
. "$(dirname "$0")/common.sh"
tk_start "${KAL_NAME:-keepalive_answers_lost}"
tk_sysctl "$TK_C" "net.ipv4.tcp_timestamps=${KAL_TIMESTAMPS:-1}"
tk_sysctl "$TK_S" "net.ipv4.tcp_timestamps=${KAL_TIMESTAMPS:-1}"
tk_capture "$TK_C" veth-c
tk_bg "$TK_S" server 9027 recv 'send:pong\n' hold
tk_bg "$TK_S" server 9028 recv 'send:pong\n' hold
tk_wait_listen 9027
tk_wait_listen 9028
tk_bg "$TK_C" client 10.77.0.2 9027 41280 ka:1,1,3 'send:ping\n' recv recv hold
tk_wait_estab 41280
tk_bg "$TK_C" client 10.77.0.2 9028 41290 ka:2,1,9 'send:ping\n' recv recv hold
tk_wait_estab 41290
sleep 0.3
tk_nft "$TK_C" 'table inet tmt1 {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp sport { 9027, 9028 } drop
	}
}'
echo "nft: the client's input from the servers dropped"
sleep 6
tk_ss "$TK_C"
tk_done
