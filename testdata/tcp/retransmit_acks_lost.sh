#!/bin/bash
# retransmit_acks_lost: a sender that never gets the acknowledgments its peer sends.
# Two clients (tcp_retries2=3 in their namespace) exchange ping/pong with their servers;
# then an nftables rule in the CLIENT namespace drops everything the servers send (input
# hook), while tcpdump on the client's veth still sees it (it captures before that hook):
# a host firewall cutting the path one way, behind the capture point. Each client then
# sends a second ping: its server acknowledges it, and every resend of it (dup ACKs), all
# in the capture; the client's kernel never gets the ACKs and retransmits on its RTO
# back-off, Wireshark's "TCP Spurious Retransmission".
#   41540 -> 9029: sends at 1 s; its kernel gives up (tcp_retries2=3: ETIMEDOUT, no RST)
#                  ~7 s later, before the capture ends.
#   41550 -> 9030: sends at 6 s; still retrying when the capture ends.
# Capture on the client side.
#   client 10.77.0.1:41540 -> server 10.77.0.2:9029
#   client 10.77.0.1:41550 -> server 10.77.0.2:9030
. "$(dirname "$0")/common.sh"
tk_start retransmit_acks_lost
tk_sysctl "$TK_C" net.ipv4.tcp_retries2=3
tk_capture "$TK_C" veth-c
tk_bg "$TK_S" server 9029 recv 'send:pong\n' hold
tk_bg "$TK_S" server 9030 recv 'send:pong\n' hold
tk_wait_listen 9029
tk_wait_listen 9030
tk_bg "$TK_C" client 10.77.0.2 9029 41540 'send:ping\n' recv sleep:1 'send:ping again\n' recv hold
tk_wait_estab 41540
tk_bg "$TK_C" client 10.77.0.2 9030 41550 'send:ping\n' recv sleep:6 'send:ping again\n' recv hold
tk_wait_estab 41550
sleep 0.3
tk_nft "$TK_C" 'table inet tmt1 {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp sport { 9029, 9030 } drop
	}
}'
echo "nft: the client's input from the servers dropped"
sleep 9.5
tk_ss "$TK_C"
ip netns exec "$TK_C" nstat -az TcpExtTCPTimeouts TcpExtTCPAbortOnTimeout | sed 1d
tk_done
