#!/bin/bash
# peer_restart: the client host "restarts" while its connection is idle: its socket
# vanishes without a FIN or an RST reaching the server (here: an nftables rule drops
# the client's RST of SO_LINGER {1,0} + close()), so the server's socket stays
# ESTABLISHED. The restarted client connects again from the same port. The server
# answers the SYN on its established 4-tuple with a challenge ACK (RFC 5961 4.2); the
# client, in SYN-SENT, answers that ACK (which does not acknowledge its SYN) with an RST
# whose sequence number is the ACK's acknowledgment number (RFC 9293 3.10.7.3); the RST
# is exactly in the server's window, so the server drops the old connection. The
# client's SYN is resent 1 s later and the new connection completes, asks and closes.
# Capture on the server side.
#   client 10.77.0.1:41400 -> server 10.77.0.2:9040
. "$(dirname "$0")/common.sh"
tk_start peer_restart
tk_capture "$TK_S" veth-s
ip netns exec "$TK_S" python3 -c '
import socket, threading
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", 9040)); ls.listen(16)
def serve(c):
    while True:
        try:
            d = c.recv(65536)
        except OSError:
            return
        if not d:
            c.close(); return
        c.sendall(b"pong\n")
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
' &
TM_PIDS+=("$!")
tk_wait_listen 9040
tk_bg "$TK_C" client 10.77.0.2 9040 41400 'send:ping\n' recv sleep:2 abort
tk_wait_estab 41400
sleep 1
tk_nft "$TK_C" 'table inet restart {
	chain output {
		type filter hook output priority 0; policy accept;
		tcp dport 9040 tcp flags & rst == rst drop
	}
}'
wait "$TK_BG_PID" || true
ip netns exec "$TK_C" nft delete table inet restart
sleep 1
tk_ss "$TK_S"
tk_run "$TK_C" client 10.77.0.2 9040 41400 'send:hello\n' recv close
sleep 0.5
tk_ss "$TK_S"
tk_done
