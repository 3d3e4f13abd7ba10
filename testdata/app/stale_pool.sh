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
# and close at once: stale_pool_mixed_rtt.sh)
. "$(dirname "$0")/common.sh"
app_build httpsrv httpcli
NS=tmt3sp
OUT=${POOL_OUT:-$APP_DIR/stale_pool.pcap}
tm_pair $NS
app_bg $NS-s "$APP_BIN/httpsrv" -addr :8080 -idle 1s
app_wait_port $NS-s 8080
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
time.sleep(3)' &
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
sleep 0.2
tm_stop_capture
app_stop_all
echo "wrote $OUT"
