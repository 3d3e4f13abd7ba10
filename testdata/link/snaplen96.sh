#!/bin/bash
# snaplen96.pcap: `tcpdump -s 96 -i veth-c`: every frame is cut to 96 bytes (incl_len 96,
# orig_len the real size). Flows: a request with a 300-byte X-Pad header answered by a
# 3000-byte body (3 data segments), closed FIN/FIN by the client; and a connect to the
# closed port 81 answered by RST.
# Run as root: bash testdata/link/snaplen96.sh   (namespaces tmt2-*, deleted on exit)
T2_DIR="$(cd "$(dirname "$0")" && pwd)"
. "$T2_DIR/../lib.sh"
. "$T2_DIR/common.sh"
tm_require tcpdump
OUT="$T2_DIR/snaplen96.pcap"
tm_pair tmt2-sn
t2_serve tmt2-sn-s 10.77.0.2 8080
tm_capture tmt2-sn-c "$OUT" -i veth-c -s 96 --immediate-mode
t2_in tmt2-sn-c $T2_PLAY get 10.77.0.2 8080 '/ok?size=3000' --pad 300
sleep 0.3
t2_in tmt2-sn-c $T2_PLAY refused 10.77.0.2 81
tm_stop_capture
t2_done "$OUT"
