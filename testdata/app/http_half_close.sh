#!/bin/bash
# http_half_close.pcap: FINs that come with or right after a request.
# Flow 1: a client that half-closes right after its request, as "nc -N"
# does: GET /slow with "Connection: close", then shutdown(SHUT_WR) (its FIN), then it
# reads. The net/http server answers 300 ms later (the /slow handler) and closes. The
# response comes after the client's FIN, and is still an answer: a FIN closes one
# direction only; the client ACKs the response, no RST. Verdict clean_close, the GET
# answered.
# Flow 2: a client that writes GET /ok under TCP_CORK and close()s at once: the request
# and the FIN leave in one segment; the server's answer finds the socket closed and the
# client's kernel answers RST. Nobody read the answer: http_unanswered, with no wait the
# capture can show.
# Run as root: bash testdata/app/http_half_close.sh
. "$(dirname "$0")/common.sh"
app_build httpsrv httpcli
NS=tmt3hc
tm_pair $NS
app_bg $NS-s "$APP_BIN/httpsrv" -addr :8080
app_wait_port $NS-s 8080
app_capture $NS-c "$APP_DIR/http_half_close.pcap"
ip netns exec $NS-c "$APP_BIN/httpcli" -mode halfclose -base http://10.77.0.2:8080
sleep 0.2
ip netns exec $NS-c "$APP_BIN/httpcli" -mode corkclose -base http://10.77.0.2:8080
sleep 0.3
tm_stop_capture
app_stop_all
echo "wrote $APP_DIR/http_half_close.pcap"
