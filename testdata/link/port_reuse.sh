#!/bin/bash
# port_reuse.pcap: one client address 10.77.0.1:40000 (bound with SO_REUSEADDR) makes three
# successive connections to 10.77.0.2:8080, so the 5-tuple repeats with a new ISN each time:
#   1. /ok, then the client aborts with SO_LINGER 0: RST (no TIME_WAIT left behind)
#   2. /bye, the server closes first (FIN), the client answers FIN: clean close, server
#      first (the server's socket goes to TIME_WAIT)
#   3. /ok, the new SYN lands on the server's TIME_WAIT and is accepted (higher ISN and
#      timestamp); clean close, client first.
# Run as root: bash testdata/link/port_reuse.sh   (namespaces tmt2-*, deleted on exit)
T2_DIR="$(cd "$(dirname "$0")" && pwd)"
. "$T2_DIR/../lib.sh"
. "$T2_DIR/common.sh"
tm_require tcpdump
OUT="$T2_DIR/port_reuse.pcap"
tm_pair tmt2-pr
t2_serve tmt2-pr-s 10.77.0.2 8080
tm_capture tmt2-pr-c "$OUT" -i veth-c --immediate-mode
t2_in tmt2-pr-c $T2_PLAY get 10.77.0.2 8080 /ok --bind 40000 --linger0
sleep 0.5
t2_in tmt2-pr-c $T2_PLAY get 10.77.0.2 8080 /bye --bind 40000
sleep 0.5
t2_in tmt2-pr-c $T2_PLAY get 10.77.0.2 8080 /ok --bind 40000
tm_stop_capture
t2_done "$OUT"
