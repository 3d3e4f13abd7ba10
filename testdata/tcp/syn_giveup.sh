#!/bin/bash
# syn_giveup: a listener whose accept queue is full. The server listens with backlog 1
# and never calls accept(). Two clients (41030, 41031) connect and stay idle: Linux keeps
# backlog+1 = 2 established connections in the accept queue, which is now full. A third
# client (41032) connects: the server's kernel drops its SYNs (ListenOverflows), the
# client's kernel retransmits them and then gives up: connect() fails with ETIMEDOUT.
# tcp_syn_retries=3 in the client namespace, but with this kernel's
# tcp_syn_linear_timeouts=4 (left at its default) that gives 8 SYNs, not 4: the first
# retransmissions come 1 s apart, then 2 s, 4 s, and the kernel gives up when the time
# since the first SYN passes what 3 exponential retries would take (1+2+4+8 = 15 s),
# i.e. at the next timer after 15 s: ~19.5 s after the first SYN. The capture goes on
# ~5 s after the give-up (the ICMP echo at the end, see tk_done in common.sh, shows it).
# Capture on the server side.
#   client 10.77.0.1:41030 -> 10.77.0.2:9003  established, idle (accept queue)
#   client 10.77.0.1:41031 -> 10.77.0.2:9003  established, idle (accept queue)
#   client 10.77.0.1:41032 -> 10.77.0.2:9003  SYN x8 unanswered, client gave up
. "$(dirname "$0")/common.sh"
tk_start syn_giveup
tk_sysctl "$TK_C" net.ipv4.tcp_syn_retries=3
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server 9003 --backlog=1 --no-accept
tk_wait_listen 9003
tk_bg "$TK_C" client 10.77.0.2 9003 41030 hold
tk_wait_estab 41030
sleep 0.2
tk_bg "$TK_C" client 10.77.0.2 9003 41031 hold
tk_wait_estab 41031
sleep 0.2
tk_ss "$TK_S"
tk_run "$TK_C" client 10.77.0.2 9003 41032
ip netns exec "$TK_S" nstat -az TcpExtListenOverflows TcpExtListenDrops | sed 's/^/    /'
sleep 5
tk_done
