#!/bin/bash
# http_close.pcap: seven requests to a net/http server, each on its own connection with
# "Connection: close": GET /ok (Content-Length), GET /chunked (chunked, 4 flushed chunks),
# GET /raw10 (hijacked HTTP/1.0 response without Content-Length, ended by close),
# HEAD /ok (Content-Length header, no body), GET /nocontent (204),
# GET /notmod with If-None-Match (304), POST /upload with Expect: 100-continue
# (100 Continue, then the body, then 201). Run as root: bash testdata/app/http_close.sh
. "$(dirname "$0")/common.sh"
app_build httpsrv httpcli
NS=tmt3cl
tm_pair $NS
app_bg $NS-s "$APP_BIN/httpsrv" -addr :8080
app_wait_port $NS-s 8080
app_capture $NS-c "$APP_DIR/http_close.pcap"
ip netns exec $NS-c "$APP_BIN/httpcli" -mode close -base http://10.77.0.2:8080
sleep 1
tm_stop_capture
app_stop_all
echo "wrote $APP_DIR/http_close.pcap"
