#!/bin/bash
# request_in_flight.pcap: requests still in flight when the capture ends.
# Flow 1: the client sends its SSH banner to a listener on port 22 that accepts and
# never writes, and waits with no timeout.
# Flow 2, ~0.3 s later: GET /hang to a net/http server whose handler never answers; the
# client waits.
# Flow 3, ~0.4 s after that: GET /ok, answered, closed by both sides. Its last packets
# are the capture's last (a pcap records no capture end time): flow 1's banner is then
# ~0.7 s old and flow 2's request ~0.4 s, both under the default --idle of 1 s.
# The capture stops before the clients exit, so flows 1 and 2 are still open in it.
# Run as root: bash testdata/app/request_in_flight.sh
. "$(dirname "$0")/common.sh"
app_build protosrv protocli httpsrv httpcli
NS=tmt3if
tm_pair $NS
app_bg $NS-s "$APP_BIN/protosrv" silent:22
app_bg $NS-s "$APP_BIN/httpsrv" -addr :8080
app_wait_port $NS-s 22
app_wait_port $NS-s 8080
app_capture $NS-c "$APP_DIR/request_in_flight.pcap"
app_bg $NS-c "$APP_BIN/protocli" -mode ssh-hang -addr 10.77.0.2:22
sleep 0.3
app_bg $NS-c "$APP_BIN/httpcli" -mode inflight -base http://10.77.0.2:8080
sleep 2
tm_stop_capture
app_stop_all
echo "wrote $APP_DIR/request_in_flight.pcap"
