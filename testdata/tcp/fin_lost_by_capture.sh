#!/bin/bash
# fin_lost_by_capture: FINs that were sent but that the capture does not hold. tcpdump on
# a busy host drops packets ("N packets dropped by kernel"); when it drops a FIN, the
# peer's ACK of it (one past the side's last byte: a FIN occupies a sequence number)
# still shows it was sent. Here the loss is tcpdump's own filter, which leaves out the
# FINs of some sides; the connections themselves all close normally. Capture on the
# server side.
#   9041: the client closes first; the server's FIN is not captured
#   9042: the server closes first; the server's FIN is not captured
#   9043: the client closes first; the client's FIN is not captured
#   9044: the server closes first; the client's FIN is not captured
#   9045: the server closes after 2 s idle, the client never does (CLOSE_WAIT); the
#         server's FIN is not captured
#   client 10.77.0.1:414N0 -> server 10.77.0.2:904N
. "$(dirname "$0")/common.sh"
tk_start fin_lost_by_capture
TK_FILTER="($TK_FILTER) and not (tcp[tcpflags] & tcp-fin != 0 and
	(src port 9041 or src port 9042 or src port 41430 or src port 41440 or src port 9045))"
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server 9041 recv 'send:pong\n' readall close hold
tk_bg "$TK_S" server 9042 recv 'send:pong\n' sleep:0.2 close hold
tk_bg "$TK_S" server 9043 recv 'send:pong\n' readall close hold
tk_bg "$TK_S" server 9044 recv 'send:pong\n' sleep:0.2 close hold
tk_bg "$TK_S" server 9045 recv 'send:pong\n' sleep:2 close hold
for p in 9041 9042 9043 9044 9045; do tk_wait_listen $p; done
tk_run "$TK_C" client 10.77.0.2 9041 41410 'send:ping\n' recv sleep:0.2 close
tk_run "$TK_C" client 10.77.0.2 9042 41420 'send:ping\n' readall close
tk_run "$TK_C" client 10.77.0.2 9043 41430 'send:ping\n' recv sleep:0.2 close
tk_run "$TK_C" client 10.77.0.2 9044 41440 'send:ping\n' readall close
tk_bg "$TK_C" client 10.77.0.2 9045 41450 'send:ping\n' recv hold
tk_wait_estab 41450
sleep 2.5
tk_ss "$TK_C"
sleep 3.5
tk_done
