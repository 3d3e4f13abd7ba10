#!/bin/bash
# null_loop.pcap and loop.pcap: BSD/macOS loopback link types, converted from a real Linux
# loopback capture (no BSD host at hand). `tcpdump -i lo` in one namespace (Ethernet),
# then relink.py drops the 14-byte Ethernet header and prepends the 4-byte address family:
#   null_loop.pcap  DLT_NULL (0), family in host (= file, little-endian) byte order,
#                   AF_INET 2, AF_INET6 30 (macOS lo0)
#   loop.pcap       DLT_LOOP (108), family in network byte order, AF_INET 2,
#                   AF_INET6 24 (OpenBSD lo0)
# Traffic: on 127.0.0.1 and on ::1, each a clean request/response closed FIN/FIN by the
# client and a connect to the closed port 81 answered by RST.
# Run as root: bash testdata/link/null_loop.sh   (namespaces tmt2-*, deleted on exit)
T2_DIR="$(cd "$(dirname "$0")" && pwd)"
. "$T2_DIR/../lib.sh"
. "$T2_DIR/common.sh"
tm_require tcpdump
TMP=$(mktemp --suffix=.pcap)
tm_ns tmt2-nl
t2_serve tmt2-nl 127.0.0.1 8080
t2_serve tmt2-nl ::1 8080
tm_capture tmt2-nl "$TMP" -i lo --immediate-mode
t2_mix tmt2-nl 127.0.0.1
t2_mix tmt2-nl ::1
tm_stop_capture
$T2_PY "$T2_DIR/relink.py" null "$TMP" "$T2_DIR/null_loop.pcap"
$T2_PY "$T2_DIR/relink.py" loop "$TMP" "$T2_DIR/loop.pcap"
rm -f "$TMP"
t2_done "$T2_DIR/null_loop.pcap"
t2_done "$T2_DIR/loop.pcap"
