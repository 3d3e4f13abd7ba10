#!/bin/bash
# syn_giveup_exponential: syn_giveup as kernels before 6.5 send it. The same full accept
# queue (backlog 1, never accept()ed, filled by 41220 and 41221), and the third client
# (41222, tcp_syn_retries=3) retransmitting its dropped SYNs until it gives up, but with
# tcp_syn_linear_timeouts=0 in the client namespace: the sysctl came with Linux 6.5
# (default 4, see syn_giveup.sh); before it, and with it at 0, SYN retransmissions back
# off exponentially from the start: 1, 2, 4 s apart, 4 SYNs in all for 3 retries, and
# the kernel gives up 8 s after the last one (1+2+4+8 = 15 s after the first). The
# capture goes on ~5 s after the give-up (the ICMP echo at the end, see tk_done).
# Capture on the server side.
#   client 10.77.0.1:41220 -> 10.77.0.2:9022  established, idle (accept queue)
#   client 10.77.0.1:41221 -> 10.77.0.2:9022  established, idle (accept queue)
#   client 10.77.0.1:41222 -> 10.77.0.2:9022  SYN x4 unanswered, client gave up
. "$(dirname "$0")/common.sh"
tk_start syn_giveup_exponential
tk_sysctl "$TK_C" net.ipv4.tcp_syn_retries=3 net.ipv4.tcp_syn_linear_timeouts=0
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server 9022 --backlog=1 --no-accept
tk_wait_listen 9022
tk_bg "$TK_C" client 10.77.0.2 9022 41220 hold
tk_wait_estab 41220
sleep 0.2
tk_bg "$TK_C" client 10.77.0.2 9022 41221 hold
tk_wait_estab 41221
sleep 0.2
tk_ss "$TK_S"
tk_run "$TK_C" client 10.77.0.2 9022 41222
ip netns exec "$TK_S" nstat -az TcpExtListenOverflows TcpExtListenDrops | sed 's/^/    /'
sleep 5
tk_done
