#!/bin/bash
# ssh_banner_hang.pcap: a listener on port 22 that accepts and never writes.
# Flow 1: the client sends "SSH-2.0-Go\r\n" and waits with no timeout: still open,
# silent, ~3 s later when the capture ends (server_silent).
# Flow 2, started 2 s later: the client sends its banner, gives up after 1 s and closes
# (request_unanswered). Its FIN and the server's ACK are the last packets, ~3 s after
# flow 1's banner: a pcap records no capture end time, so they are what shows flow 1
# still open and silent ~3 s later.
# Run as root: bash testdata/app/ssh_banner_hang.sh
. "$(dirname "$0")/common.sh"
app_build protosrv protocli
NS=tmt3ss
tm_pair $NS
app_bg $NS-s "$APP_BIN/protosrv" silent:22
app_wait_port $NS-s 22
app_capture $NS-c "$APP_DIR/ssh_banner_hang.pcap"
app_bg $NS-c "$APP_BIN/protocli" -mode ssh-hang -addr 10.77.0.2:22
sleep 2
ip netns exec $NS-c "$APP_BIN/protocli" -mode ssh-giveup -addr 10.77.0.2:22
tm_stop_capture
app_stop_all
echo "wrote $APP_DIR/ssh_banner_hang.pcap"
