#!/bin/bash
# nanosecond.pcap: `tcpdump --time-stamp-precision=nano -i veth-c`: a pcap with nanosecond
# timestamps (magic a1b23c4d, little-endian). Traffic (IPv4): a clean request/response
# closed FIN/FIN by the client and a connect to the closed port 81 answered by RST.
# Run as root: bash testdata/link/nanosecond.sh   (namespaces tmt2-*, deleted on exit)
T2_DIR="$(cd "$(dirname "$0")" && pwd)"
. "$T2_DIR/../lib.sh"
. "$T2_DIR/common.sh"
tm_require tcpdump
OUT="$T2_DIR/nanosecond.pcap"
tm_pair tmt2-ns
t2_serve tmt2-ns-s 10.77.0.2 8080
tm_capture tmt2-ns-c "$OUT" -i veth-c --time-stamp-precision=nano --immediate-mode
t2_mix tmt2-ns-c 10.77.0.2
tm_stop_capture
t2_done "$OUT"
