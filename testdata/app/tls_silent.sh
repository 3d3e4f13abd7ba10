#!/bin/bash
# tls_silent.pcap: flow 1: a crypto/tls client (SNI api.internal.example) handshakes with
# a listener on 443 that accepts and never writes; 1 s deadline, then it closes (FIN).
# Flow 2: the same client against a real crypto/tls server on 8443 (self-signed):
# full handshake, one line each way, close_notify and FIN from both sides.
# Run as root: bash testdata/app/tls_silent.sh
. "$(dirname "$0")/common.sh"
app_build protosrv protocli
NS=tmt3tl
tm_pair $NS
app_bg $NS-s "$APP_BIN/protosrv" silent:443 tls:8443
app_wait_port $NS-s 443
app_wait_port $NS-s 8443
app_capture $NS-c "$APP_DIR/tls_silent.pcap"
ip netns exec $NS-c "$APP_BIN/protocli" -mode tls-silent -addr 10.77.0.2:443
sleep 0.3
ip netns exec $NS-c "$APP_BIN/protocli" -mode tls-ok -addr 10.77.0.2:8443
sleep 1
tm_stop_capture
app_stop_all
echo "wrote $APP_DIR/tls_silent.pcap"
