#!/bin/bash
# ipv6.pcap: IPv6 over a veth pair (fd77::1 -> fd77::2), `tcpdump -i veth-c` (Ethernet).
# Flows: (1) /ok, a clean request/response closed FIN/FIN by the client;
# (2) /bye, the server answers and closes (FIN); the client reads it and never closes:
#     it sits in CLOSE_WAIT for ~2 s until the capture ends (fin_unanswered, client stuck);
# (3) ~2 s later a connect to the closed port 81, answered by RST (refused), the last
#     packets of the file.
# Run as root: bash testdata/link/ipv6.sh   (namespaces tmt2-*, deleted on exit)
T2_DIR="$(cd "$(dirname "$0")" && pwd)"
. "$T2_DIR/../lib.sh"
. "$T2_DIR/common.sh"
tm_require tcpdump
OUT="$T2_DIR/ipv6.pcap"
tm_pair tmt2-v6
sleep 1 # let IPv6 on the new links settle (DAD is off; MLD/RS chatter) before capturing
t2_serve tmt2-v6-s fd77::2 8080
tm_capture tmt2-v6-c "$OUT" -i veth-c --immediate-mode
t2_in tmt2-v6-c $T2_PLAY get fd77::2 8080 /ok --n 2 --every 0.1
sleep 0.3
t2_bg tmt2-v6-c $T2_PLAY get fd77::2 8080 /bye --hold inf
HOLDER=$T2_LAST_PID
sleep 2
# a last, unrelated connect (to the closed port 81: RST) marks the end of the capture, so
# the CLOSE_WAIT above visibly lasts ~2 s in the file
t2_in tmt2-v6-c $T2_PLAY refused fd77::2 81
tm_stop_capture
t2_stop_pids "$HOLDER"
t2_done "$OUT"
