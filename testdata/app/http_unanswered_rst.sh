#!/bin/bash
# http_unanswered_rst.pcap: the client sends POST /hang (with a JSON body) to a net/http
# server whose handler never answers; after 1 s it aborts with RST (SO_LINGER 0).
# Run as root: bash testdata/app/http_unanswered_rst.sh
. "$(dirname "$0")/common.sh"
app_build httpsrv httpcli
NS=tmt3rs
tm_pair $NS
app_bg $NS-s "$APP_BIN/httpsrv" -addr :8080
app_wait_port $NS-s 8080
app_capture $NS-c "$APP_DIR/http_unanswered_rst.pcap"
ip netns exec $NS-c "$APP_BIN/httpcli" -mode rst -base http://10.77.0.2:8080
sleep 1
tm_stop_capture
app_stop_all
echo "wrote $APP_DIR/http_unanswered_rst.pcap"
