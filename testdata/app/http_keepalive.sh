#!/bin/bash
# http_keepalive.pcap: one keep-alive connection to a net/http server: GET /ok, GET /slow
# (300 ms), then POST /hang that is never answered; the client's http.Client Timeout (1 s)
# fires and it closes the connection (FIN); the server, stuck in its handler, never
# closes (CLOSE_WAIT). Capture runs ~2 s more. Run as root: bash testdata/app/http_keepalive.sh
. "$(dirname "$0")/common.sh"
app_build httpsrv httpcli
NS=tmt3ka
tm_pair $NS
app_bg $NS-s "$APP_BIN/httpsrv" -addr :8080
app_wait_port $NS-s 8080
app_capture $NS-c "$APP_DIR/http_keepalive.pcap"
ip netns exec $NS-c "$APP_BIN/httpcli" -mode keepalive -base http://10.77.0.2:8080
sleep 2
tm_stop_capture
app_stop_all
echo "wrote $APP_DIR/http_keepalive.pcap"
