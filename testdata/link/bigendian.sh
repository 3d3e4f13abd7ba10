#!/bin/bash
# bigendian.pcap: a big-endian pcap (magic a1b2c3d4 stored as bytes a1 b2 c3 d4, microsecond
# timestamps), as a big-endian host writes it: a real little-endian `tcpdump -i veth-c`
# capture converted by relink.py swap (only the global and record headers are
# byte-swapped; packet bytes unchanged). Traffic (IPv4): a clean request/response closed
# FIN/FIN by the client and a connect to the closed port 81 answered by RST.
# Run as root: bash testdata/link/bigendian.sh   (namespaces tmt2-*, deleted on exit)
T2_DIR="$(cd "$(dirname "$0")" && pwd)"
. "$T2_DIR/../lib.sh"
. "$T2_DIR/common.sh"
tm_require tcpdump
TMP=$(mktemp --suffix=.pcap)
tm_pair tmt2-be
t2_serve tmt2-be-s 10.77.0.2 8080
tm_capture tmt2-be-c "$TMP" -i veth-c --immediate-mode
t2_mix tmt2-be-c 10.77.0.2
tm_stop_capture
$T2_PY "$T2_DIR/relink.py" swap "$TMP" "$T2_DIR/bigendian.pcap"
rm -f "$TMP"
t2_done "$T2_DIR/bigendian.pcap"
