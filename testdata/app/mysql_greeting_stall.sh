#!/bin/bash
# mysql_greeting_stall.pcap: a fake-but-byte-correct MySQL server on 3306.
# Flow 1: server greeting (protocol 10, "8.0.36"), the client's HandshakeResponse41
# (user "app", database "orders"), then nothing: the client waits 1 s and closes.
# Flow 2: the server accepts and never sends the greeting; the client waits 1 s, closes.
# The server never closes either connection. Run as root: bash testdata/app/mysql_greeting_stall.sh
. "$(dirname "$0")/common.sh"
app_build protosrv protocli
NS=tmt3my
tm_pair $NS
app_bg $NS-s "$APP_BIN/protosrv" mysql:3306
app_wait_port $NS-s 3306
app_capture $NS-c "$APP_DIR/mysql_greeting_stall.pcap"
ip netns exec $NS-c "$APP_BIN/protocli" -mode mysql-login -addr 10.77.0.2:3306
sleep 0.3
ip netns exec $NS-c "$APP_BIN/protocli" -mode mysql-nogreet -addr 10.77.0.2:3306
sleep 1
tm_stop_capture
app_stop_all
echo "wrote $APP_DIR/mysql_greeting_stall.pcap"
