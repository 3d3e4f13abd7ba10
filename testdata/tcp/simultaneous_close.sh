#!/bin/bash
# simultaneous_close: both sides close() at the same moment (each sleeps until the same
# wall-clock time), over a slow link (a 50 ms round trip: TM_DELAY_MS=25, see lib.sh's
# tm_pair), so each FIN leaves before the other's arrives: they cross on the way, and
# each side ACKs the other's FIN only after (RFC 9293 3.6: FIN-WAIT-1 -> CLOSING ->
# TIME-WAIT on both sides). Capture on the server side: the server's FIN first, the
# client's 25 ms later, acknowledging only the server's data, not its FIN.
#   client 10.77.0.1:41510 -> server 10.77.0.2:9051
export TM_DELAY_MS=${TM_DELAY_MS:-25}
. "$(dirname "$0")/common.sh"
tk_start simultaneous_close
tk_capture "$TK_S" veth-s
at=$(python3 -c 'import time; print(time.time() + 2.0)')
ip netns exec "$TK_S" python3 -c '
import socket, sys, time
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", 9051)); ls.listen(16)
c, _ = ls.accept()
c.recv(100); c.sendall(b"pong\n")
time.sleep(max(0, float(sys.argv[1]) - time.time()))
c.close(); time.sleep(2)
' "$at" &
TM_PIDS+=("$!")
tk_wait_listen 9051
ip netns exec "$TK_C" python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("0.0.0.0", 41510)); s.connect(("10.77.0.2", 9051))
s.sendall(b"ping\n"); s.recv(100)
time.sleep(max(0, float(sys.argv[1]) - time.time()))
s.close(); time.sleep(1)
' "$at"
sleep 1
tk_done
