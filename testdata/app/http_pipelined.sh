#!/bin/bash
# http_pipelined.pcap: a raw TCP client pipelines three GETs (/ok, /slow, /ok) in one
# write to a net/http server, reads the three responses and closes; then on a second
# connection pipelines GET /ok, GET /hang, GET /ok: only the first is answered, the
# client gives up 1 s after writing and closes (FIN); the server never closes.
# Run as root: bash testdata/app/http_pipelined.sh
. "$(dirname "$0")/common.sh"
app_build httpsrv httpcli
NS=tmt3pi
tm_pair $NS
app_bg $NS-s "$APP_BIN/httpsrv" -addr :8080
app_wait_port $NS-s 8080
app_capture $NS-c "$APP_DIR/http_pipelined.pcap"
ip netns exec $NS-c "$APP_BIN/httpcli" -mode pipelined -base http://10.77.0.2:8080
sleep 2
tm_stop_capture
app_stop_all
echo "wrote $APP_DIR/http_pipelined.pcap"
