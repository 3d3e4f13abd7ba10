#!/bin/bash
# lo_ethernet.pcap: `tcpdump -i lo` inside one namespace (Linux lo has the Ethernet link
# type, DLT_EN10MB = 1, with all-zero MACs), IPv4 only. Also writes it compressed as
# Wireshark reads and tcpdump -z writes: lo_ethernet.pcap.gz, .bz2, .zst and .lz4.
# Traffic: a server on 127.0.0.1:8080; one clean request/response closed FIN/FIN by the
# client; one connect to the closed port 127.0.0.1:81, answered by RST.
# Run as root: bash testdata/link/lo_ethernet.sh
T2_DIR="$(cd "$(dirname "$0")" && pwd)"
. "$T2_DIR/../lib.sh"
. "$T2_DIR/common.sh"
tm_require tcpdump gzip bzip2 zstd lz4

OUT="$T2_DIR/lo_ethernet.pcap"
tm_ns tmt2-lo
t2_serve tmt2-lo 127.0.0.1 8080
tm_capture tmt2-lo "$OUT" -i lo --immediate-mode
t2_mix tmt2-lo 127.0.0.1
tm_stop_capture
gzip -9 -n -c "$OUT" >"$OUT.gz"
bzip2 -9 -c "$OUT" >"$OUT.bz2"
zstd -q -19 -c "$OUT" >"$OUT.zst"
lz4 -q -9 -c "$OUT" >"$OUT.lz4"
t2_done "$OUT"
