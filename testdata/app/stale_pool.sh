#!/bin/bash
# stale_pool.pcap: a client pool that reuses connections the server's idle timeout
# closed (the keep-alive race behind a load balancer's 502s when its idle timeout is
# longer than its backend's). Four clients, started 0.1 s apart, each: GET /ok on a
# kept-alive connection to a net/http server with IdleTimeout 1 s, answered; 1 s later
# the server closes the idle connection (FIN), the client's kernel ACKs it; 1.5 s after
# its first request the client writes a second GET /ok on the same connection without
# reading first; the server's socket is gone, its kernel answers RST.
# Each flow is fin_unanswered_then_rst; across the four, idle_timeout finds the server's
# 1 s timeout and says the client wrote on all four after the FIN: four requests lost.
# Run as root: bash testdata/app/stale_pool.sh  (POOL_OUT=FILE writes FILE instead;
# stale_pool_rtt.sh runs it over a slow link; POOL_STALE=N runs N such clients, and
# POOL_LEAKS=M, after them, M clients that take their answer and then neither write nor
# close: stale_pool_leak.sh; POOL_CLOSERS=K, K clients that read until the server's FIN
# and close at once: stale_pool_mixed_rtt.sh; POOL_LOSE_ACKS=1 drops each client's fourth
# packet on the way out, the ACK of its answer, so that the server resends the answer
# before its idle timeout runs: stale_pool_resent.sh; POOL_HOLD=S goes on capturing S
# seconds after the clients are done, default 0.2, and then marks the end with a connect
# to the closed port 81 (refused): stale_pool_leak_held.sh)
. "$(dirname "$0")/common.sh"
app_build httpsrv httpcli
NS=tmt3sp
OUT=${POOL_OUT:-$APP_DIR/stale_pool.pcap}
tm_pair $NS
app_bg $NS-s "$APP_BIN/httpsrv" -addr :8080 -idle 1s
app_wait_port $NS-s 8080
if [ -n "${POOL_LOSE_ACKS:-}" ]; then
	# Packet 4 of each connection from the client (SYN, ACK, request, then the ACK of the
	# answer), counted by conntrack before the filter drops it; the capture on veth-c
	# does not see it (output is filtered before the interface).
	ip netns exec $NS-c sysctl -qw net.netfilter.nf_conntrack_acct=1
	ip netns exec $NS-c nft -f - <<<'table inet tmt3sp {
	chain output {
		type filter hook output priority 0; policy accept;
		tcp dport 8080 ct original packets 4 drop
	}
}'
fi
app_capture $NS-c "$OUT"
pids=()
for _ in $(seq "${POOL_STALE:-4}"); do
	ip netns exec $NS-c "$APP_BIN/httpcli" -mode stale -base http://10.77.0.2:8080 &
	pids+=("$!")
	sleep 0.1
done
for _ in $(seq "${POOL_LEAKS:-0}"); do
	# A connection its owner forgot: answered, then left as it is (CLOSE_WAIT once the
	# server's FIN comes) until the capture ends.
	ip netns exec $NS-c python3 -c '
import socket, time
c = socket.create_connection(("10.77.0.2", 8080))
c.sendall(b"GET /ok HTTP/1.1\r\nHost: 10.77.0.2:8080\r\n\r\n")
c.recv(65536)
time.sleep(30)' &
	TM_PIDS+=("$!")
	sleep 0.1
done
for _ in $(seq "${POOL_CLOSERS:-0}"); do
	# A pool that notices the server's FIN and closes the connection at once.
	ip netns exec $NS-c python3 -c '
import socket
c = socket.create_connection(("10.77.0.2", 8080))
c.sendall(b"GET /ok HTTP/1.1\r\nHost: 10.77.0.2:8080\r\n\r\n")
while c.recv(65536):
    pass
c.close()' &
	pids+=("$!")
	sleep 0.1
done
wait "${pids[@]}" || true
sleep "${POOL_HOLD:-0.2}"
if [ -n "${POOL_HOLD:-}" ]; then
	# The capture holds TCP only, and its last packet is where an analysis sees it end:
	# a connect to a closed port (refused) marks the end of the hold.
	ip netns exec $NS-c python3 -c '
import socket
try:
    socket.create_connection(("10.77.0.2", 81), timeout=1)
except OSError:
    pass'
fi
tm_stop_capture
app_stop_all
echo "wrote $OUT"
