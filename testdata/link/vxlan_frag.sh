#!/bin/bash
# vxlan_frag.pcap: connections inside VXLAN whose device MTU is set as high as the veth
# under it (1500, where 1450 would leave room for the 50 bytes of VXLAN over IPv4): the
# overlay misconfiguration that has the kernel fragment the outer packets of the first
# full-sized segments to each peer (the outer header's DF is clear by default), until
# path MTU discovery shrinks the segments. Captured on the client's veth-c, under vx4
# (VNI 42, UDP 8472, 10.77.0.1 -> 10.77.0.2; inner 10.79.0.0/24).
# Traffic: GET /ok?size=20000 twice on one connection, the client closing first (FIN,
# FIN, ACK), then a connect to the closed port 81.
# Run as root: bash testdata/link/vxlan_frag.sh   (namespaces tmt2-vf-*, deleted on exit)
T2_DIR="$(cd "$(dirname "$0")" && pwd)"
. "$T2_DIR/../lib.sh"
. "$T2_DIR/common.sh"
tm_require tcpdump
OUT="$T2_DIR/vxlan_frag.pcap"
C=tmt2-vf-c
S=tmt2-vf-s
tm_pair tmt2-vf
for ns in "$C" "$S"; do
	case $ns in "$C") l=10.77.0.1 r=10.77.0.2 a=10.79.0.1 ;; *) l=10.77.0.2 r=10.77.0.1 a=10.79.0.2 ;; esac
	ip -n "$ns" link add vx4 type vxlan id 42 local "$l" remote "$r" dstport 8472
	ip -n "$ns" link set vx4 mtu 1500 # too high: the kernel sets 1450
	ip -n "$ns" addr add "$a/24" dev vx4
	ip -n "$ns" link set vx4 up
done
t2_serve "$S" 10.79.0.2 8080
tm_capture "$C" "$OUT" -i veth-c
t2_in "$C" $T2_PLAY get 10.79.0.2 8080 "/ok?size=20000" --n 2 --every 0.1
sleep 0.3
t2_in "$C" $T2_PLAY refused 10.79.0.2 81
sleep 0.3
tm_stop_capture
t2_done "$OUT"
