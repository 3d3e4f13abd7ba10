#!/bin/bash
# misc_protocols.pcap: short real exchanges, each answered, one flow each:
# PostgreSQL (SSLRequest -> 'N', StartupMessage -> AuthenticationOk + ReadyForQuery,
# Terminate), Redis PING -> +PONG, SMTP (220, EHLO -> 250, QUIT -> 221), HTTP/2 with
# prior knowledge (stdlib h2c client and server: preface, SETTINGS, GET /ping, 200);
# then one Redis GET the server never answers: the client closes after 1 s.
# Run as root: bash testdata/app/misc_protocols.sh
. "$(dirname "$0")/common.sh"
app_build protosrv protocli
NS=tmt3mi
tm_pair $NS
app_bg $NS-s "$APP_BIN/protosrv" pg:5432 redis:6379 smtp:25 h2c:8080
for p in 5432 6379 25 8080; do app_wait_port $NS-s $p; done
app_capture $NS-c "$APP_DIR/misc_protocols.pcap"
for m in pg:5432 redis-ping:6379 smtp:25 h2c:8080 redis-hang:6379; do
	ip netns exec $NS-c "$APP_BIN/protocli" -mode "${m%%:*}" -addr "10.77.0.2:${m##*:}"
	sleep 0.3
done
sleep 1
tm_stop_capture
app_stop_all
echo "wrote $APP_DIR/misc_protocols.pcap"
