#!/bin/bash
# fin_unanswered_then_rst: request and answer, then the client closes (FIN) after 1 s and
# its process exits; the server's kernel ACKs the FIN but the server application does not
# close (CLOSE_WAIT). The client's orphaned socket sits in FIN_WAIT2 only for
# tcp_fin_timeout=2 s (set in the client namespace) and is then gone. 4 s after the
# client's FIN the server application writes again: the client's kernel has no socket
# for it any more and answers with an RST (without the ACK flag: it answers a segment
# that carried ACK, so it takes that ACK number as its sequence number, RFC 793). The
# server's next read fails with ECONNRESET. Capture on the server side.
#   client 10.77.0.1:41090 -> server 10.77.0.2:9009
. "$(dirname "$0")/common.sh"
tk_start fin_unanswered_then_rst
tk_sysctl "$TK_C" net.ipv4.tcp_fin_timeout=2
tk_capture "$TK_S" veth-s
tk_bg "$TK_S" server 9009 recv 'send:pong\n' sleep:5 'send:late news\n' sleep:0.2 recv hold
tk_wait_listen 9009
tk_run "$TK_C" client 10.77.0.2 9009 41090 'send:ping\n' recv sleep:1 close
sleep 1.5
tk_ss "$TK_C"
tk_ss "$TK_S"
sleep 2.7
tk_ss "$TK_C"
sleep 1
tk_done
