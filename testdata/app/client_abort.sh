#!/bin/bash
# client_abort.pcap: what a client does is not the server degrading. On a net/http server:
# connection 1, GET /ok answered, then the client aborts it 100 ms later (SO_LINGER 0:
# RST); connection 2, POST /hang, never answered, the client's 1 s timeout closes it
# (FIN); the server, stuck in its handler, never closes. Capture runs ~2 s more.
# Run as root: bash testdata/app/client_abort.sh
. "$(dirname "$0")/common.sh"
app_build httpsrv httpcli
NS=tmt3ab
tm_pair $NS
app_bg $NS-s "$APP_BIN/httpsrv" -addr :8080
app_wait_port $NS-s 8080
app_capture $NS-c "$APP_DIR/client_abort.pcap"
ip netns exec $NS-c "$APP_BIN/httpcli" -mode abort -base http://10.77.0.2:8080
sleep 2
tm_stop_capture
app_stop_all
echo "wrote $APP_DIR/client_abort.pcap"
