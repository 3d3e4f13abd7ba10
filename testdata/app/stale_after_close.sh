#!/bin/bash
# stale_after_close.pcap: a client writes on a connection the server has already closed.
# Flow 1: GET /ok on a kept-alive connection to a net/http server with IdleTimeout 1 s,
# answered. 1 s later the server closes the idle connection (FIN); the client's kernel
# ACKs it; the client, 1.5 s after its first request, writes a second GET /ok on the same
# connection without reading first. The server's socket is gone: its kernel answers RST.
# Flow 2: a MySQL server greets, then closes after 1 s with no byte from the client (a
# proxy's idle timeout); the client sends its login 1.5 s after the greeting: RST.
# Neither request went to a server that could still answer: each came after the server's
# FIN, so neither is an unanswered request; each flow ends fin_unanswered_then_rst.
# Flow 3: a Redis GET to a server that reads for 1 s, never answers, and closes; the
# client sends the same GET again 1.5 s after the first: RST. The first GET is the
# unanswered request (the server's FIN came 1 s after it), the second came too late.
# Run as root: bash testdata/app/stale_after_close.sh
# (STALE_OUT=FILE writes FILE instead, STALE_AT=server captures on the server's end;
# stale_after_close_rtt.sh and stale_after_close_rtt_server.sh run it on a slow link.)
. "$(dirname "$0")/common.sh"
OUT=${STALE_OUT:-$APP_DIR/stale_after_close.pcap}
app_build protosrv protocli httpsrv httpcli
NS=tmt3sa
tm_pair $NS
app_bg $NS-s "$APP_BIN/httpsrv" -addr :8080 -idle 1s
app_bg $NS-s "$APP_BIN/protosrv" mysqlidle:3306 closeafter:6379
app_wait_port $NS-s 8080
app_wait_port $NS-s 3306
app_wait_port $NS-s 6379
if [ "${STALE_AT:-client}" = server ]; then
	app_capture $NS-s "$OUT" veth-s
else
	app_capture $NS-c "$OUT"
fi
ip netns exec $NS-c "$APP_BIN/httpcli" -mode stale -base http://10.77.0.2:8080
sleep 0.2
ip netns exec $NS-c "$APP_BIN/protocli" -mode mysql-late -addr 10.77.0.2:3306
sleep 0.2
ip netns exec $NS-c "$APP_BIN/protocli" -mode redis-again -addr 10.77.0.2:6379
tm_stop_capture
app_stop_all
echo "wrote $OUT"
