#!/bin/bash
# raw_ip.pcap: a real capture with link type RAW (101): `tcpdump -i tun0`, tun0 being a
# point-to-point raw-IP link between two namespaces (see tunrelay.py). IPv4 and IPv6.
# raw_ipv4.pcap / raw_ipv6.pcap: its IPv4-only / IPv6-only packets relabelled with
# `editcap -F pcap -T rawip4` (LINKTYPE_IPV4, 228) / `editcap -T rawip6` (LINKTYPE_IPV6, 229):
# Linux never captures those link types, the packet bytes are the same raw IP.
# Traffic: to 10.78.0.2 and to fd78::2, each a clean request/response closed FIN/FIN by
# the client and a connect to the closed port 81 answered by RST.
# Run as root: bash testdata/link/raw_ip.sh   (namespaces tmt2-*, deleted on exit)
T2_DIR="$(cd "$(dirname "$0")" && pwd)"
. "$T2_DIR/../lib.sh"
. "$T2_DIR/common.sh"
tm_require tcpdump editcap
OUT="$T2_DIR/raw_ip.pcap"
tm_ns tmt2-rw-c
tm_ns tmt2-rw-s
t2_tunpair tmt2-rw-c tmt2-rw-s
t2_serve tmt2-rw-s 10.78.0.2 8080
t2_serve tmt2-rw-s fd78::2 8080
tm_capture tmt2-rw-c "$OUT" -i tun0 --immediate-mode
t2_mix tmt2-rw-c 10.78.0.2
t2_mix tmt2-rw-c fd78::2
tm_stop_capture
TMP=$(mktemp --suffix=.pcap)
tcpdump -r "$OUT" -w "$TMP" ip 2>/dev/null
editcap -F pcap -T rawip4 "$TMP" "$T2_DIR/raw_ipv4.pcap"
tcpdump -r "$OUT" -w "$TMP" ip6 2>/dev/null
editcap -F pcap -T rawip6 "$TMP" "$T2_DIR/raw_ipv6.pcap"
rm -f "$TMP"
t2_done "$OUT"
t2_done "$T2_DIR/raw_ipv4.pcap"
t2_done "$T2_DIR/raw_ipv6.pcap"
