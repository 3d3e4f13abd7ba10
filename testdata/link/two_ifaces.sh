#!/bin/bash
# two_ifaces.pcapng (+ .gz, .zst): one dumpcap capture (pcapng) on two interfaces of different link
# types in the client namespace: veth-c (Ethernet, 1) to the server namespace, and tun0
# (Raw IP, 101), a point-to-point link to the same server namespace (see tunrelay.py).
# Different flows on each interface, no packet on both. Traffic (IPv4): on veth-c to
# 10.77.0.2 a clean request/response + a refused connect to :81; then the same on tun0 to
# 10.78.0.2. Carries a capture comment (SHB opt_comment).
# Run as root: bash testdata/link/two_ifaces.sh   (namespaces tmt2-*, deleted on exit)
T2_DIR="$(cd "$(dirname "$0")" && pwd)"
. "$T2_DIR/../lib.sh"
. "$T2_DIR/common.sh"
tm_require dumpcap capinfos gzip zstd
OUT="$T2_DIR/two_ifaces.pcapng"
tm_pair tmt2-2i
t2_tunpair tmt2-2i-c tmt2-2i-s
t2_serve tmt2-2i-s 10.77.0.2 8080
t2_serve tmt2-2i-s 10.78.0.2 8080
rm -f "$OUT"
t2_dumpcap tmt2-2i-c "$OUT" -i veth-c -i tun0 \
	--capture-comment "tcpmortem testdata: veth-c (Ethernet) + tun0 (raw IP) in one pcapng"
t2_mix tmt2-2i-c 10.77.0.2
t2_mix tmt2-2i-c 10.78.0.2
t2_stop_dumpcap
gzip -9 -n -c "$OUT" >"$OUT.gz"
zstd -q -19 -c "$OUT" >"$OUT.zst"
t2_done "$OUT"
