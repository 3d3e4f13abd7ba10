#!/bin/bash
# any_sll2.pcap: `tcpdump -i any` (LINUX_SLL2, link type 276) in the client namespace of a
# veth pair. Traffic (IPv4): a clean request/response closed FIN/FIN by the client, and a
# connect to the closed port 10.77.0.2:81 answered by RST.
# Run as root: bash testdata/link/any_sll2.sh   (namespaces tmt2-*, deleted on exit)
T2_DIR="$(cd "$(dirname "$0")" && pwd)"
. "$T2_DIR/../lib.sh"
. "$T2_DIR/common.sh"
tm_require tcpdump
OUT="$T2_DIR/any_sll2.pcap"
tm_pair tmt2-s2
t2_serve tmt2-s2-s 10.77.0.2 8080
tm_capture tmt2-s2-c "$OUT" -i any -y LINUX_SLL2 --immediate-mode
t2_mix tmt2-s2-c 10.77.0.2
tm_stop_capture
t2_done "$OUT"
