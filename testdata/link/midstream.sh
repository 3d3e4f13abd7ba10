#!/bin/bash
# midstream.pcap: the capture starts while a connection is established and busy: the client
# (10.77.0.1, ephemeral port) sends 25 keep-alive requests 0.1 s apart to 10.77.0.2:8080;
# tcpdump starts ~1 s after the handshake, so the file holds no SYN of that flow; the
# client then closes FIN/FIN. Then a connect to the closed port 81 answered by RST.
# Run as root: bash testdata/link/midstream.sh   (namespaces tmt2-*, deleted on exit)
T2_DIR="$(cd "$(dirname "$0")" && pwd)"
. "$T2_DIR/../lib.sh"
. "$T2_DIR/common.sh"
tm_require tcpdump
OUT="$T2_DIR/midstream.pcap"
tm_pair tmt2-ms
t2_serve tmt2-ms-s 10.77.0.2 8080
t2_bg tmt2-ms-c $T2_PLAY get 10.77.0.2 8080 /ok --n 25 --every 0.1
CLIENT=$T2_LAST_PID
sleep 1
tm_capture tmt2-ms-c "$OUT" -i veth-c --immediate-mode
wait "$CLIENT"
sleep 0.3
t2_in tmt2-ms-c $T2_PLAY refused 10.77.0.2 81
tm_stop_capture
t2_done "$OUT"
