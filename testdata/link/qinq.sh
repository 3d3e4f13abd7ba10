#!/bin/bash
# qinq.pcap: QinQ Ethernet, outer 802.1ad S-tag 100 + inner 802.1Q C-tag 10, on a veth pair,
# captured on the client's veth-c. Tags pushed/popped by vlantag.py (eBPF; this kernel
# has no 8021q module). Traffic (IPv4): a clean request/response closed FIN/FIN by the
# client and a connect to the closed port 10.77.0.2:81 answered by RST.
# Run as root: bash testdata/link/qinq.sh   (namespaces tmt2-*, deleted on exit)
T2_DIR="$(cd "$(dirname "$0")" && pwd)"
. "$T2_DIR/../lib.sh"
. "$T2_DIR/common.sh"
tm_require tcpdump
OUT="$T2_DIR/qinq.pcap"
tm_pair tmt2-qq
t2_in tmt2-qq-c $T2_PY "$T2_DIR/vlantag.py" veth-c 10 100
t2_in tmt2-qq-s $T2_PY "$T2_DIR/vlantag.py" veth-s 10 100
t2_serve tmt2-qq-s 10.77.0.2 8080
tm_capture tmt2-qq-c "$OUT" -i veth-c --immediate-mode
t2_mix tmt2-qq-c 10.77.0.2
tm_stop_capture
t2_done "$OUT"
