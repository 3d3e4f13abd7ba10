#!/bin/bash
# bulk.pcap (benchmark): one keep-alive HTTP GET /bulk whose response body is 2,000,000
# bytes (Content-Length), from a net/http server. Run as root: bash testdata/app/bulk.sh
. "$(dirname "$0")/common.sh"
app_build httpsrv httpcli
NS=tmt3bu
tm_pair $NS
app_bg $NS-s "$APP_BIN/httpsrv" -addr :8080
app_wait_port $NS-s 8080
app_capture $NS-c "$APP_DIR/bulk.pcap"
ip netns exec $NS-c "$APP_BIN/httpcli" -mode bulk -base http://10.77.0.2:8080
sleep 0.5
tm_stop_capture
app_stop_all
echo "wrote $APP_DIR/bulk.pcap"
