#!/bin/bash
# many_small_http.pcap (benchmark): 300 small keep-alive HTTP exchanges (GET /small?i=..),
# 100 on each of three connections, each connection closed by the client when done.
# Run as root: bash testdata/app/many_small_http.sh
. "$(dirname "$0")/common.sh"
app_build httpsrv httpcli
NS=tmt3ma
tm_pair $NS
app_bg $NS-s "$APP_BIN/httpsrv" -addr :8080
app_wait_port $NS-s 8080
app_capture $NS-c "$APP_DIR/many_small_http.pcap"
ip netns exec $NS-c "$APP_BIN/httpcli" -mode many -base http://10.77.0.2:8080
sleep 0.5
tm_stop_capture
app_stop_all
echo "wrote $APP_DIR/many_small_http.pcap"
