#!/bin/bash
# vxlan.pcap: connections inside VXLAN, captured on the underlay, as on a Kubernetes node
# whose overlay (flannel, Cilium, Calico in VXLAN mode) carries pod traffic in UDP: the
# client namespace's veth-c, under two VXLAN devices the kernel encapsulates for:
#   vx4: VNI 42 over IPv4 (10.77.0.1 -> 10.77.0.2), UDP port 8472 (Linux's default and
#        flannel's; Wireshark 4.0 shows it as plain UDP unless told Decode As VXLAN),
#        carrying inner IPv4 10.79.0.0/24 and IPv6 fd79::/64;
#   vx6: VNI 43 over IPv6 (fd77::1 -> fd77::2), UDP port 4789 (IANA's), carrying inner
#        IPv4 10.80.0.0/24.
# Traffic: the standard mix (a clean request/response closed by the client, a connect to
# the closed port 81) to 10.79.0.2, fd79::2 and 10.80.0.2: 6 flows.
# vxlan_any.pcap: the same traffic captured at the same time with `tcpdump -i any` in the
# client namespace (Linux cooked v2): each inner packet is there twice, bare on vx4/vx6
# and encapsulated on veth-c, as a node capture on "any" shows it.
# tunnels.py then makes gre.pcap, ipip.pcap, geneve.pcap, erspan.pcap and erspan3.pcap from vxlan.pcap
# (this kernel has no GRE, IP-in-IP or Geneve): see that script.
# Run as root: bash testdata/link/vxlan.sh   (namespaces tmt2-vx-*, deleted on exit)
T2_DIR="$(cd "$(dirname "$0")" && pwd)"
. "$T2_DIR/../lib.sh"
. "$T2_DIR/common.sh"
tm_require tcpdump
OUT="$T2_DIR/vxlan.pcap"
ANY="$T2_DIR/vxlan_any.pcap"
C=tmt2-vx-c
S=tmt2-vx-s
tm_pair tmt2-vx
# vxdev NS NAME VNI LOCAL REMOTE PORT ADDRS... : a VXLAN device to one fixed peer
vxdev() {
	local ns=$1 name=$2 vni=$3 local=$4 remote=$5 port=$6 a
	shift 6
	ip -n "$ns" link add "$name" type vxlan id "$vni" local "$local" remote "$remote" dstport "$port"
	for a in "$@"; do
		case $a in
		*:*) ip -n "$ns" -6 addr add "$a" dev "$name" nodad ;;
		*) ip -n "$ns" addr add "$a" dev "$name" ;;
		esac
	done
	ip -n "$ns" link set "$name" up
}
vxdev "$C" vx4 42 10.77.0.1 10.77.0.2 8472 10.79.0.1/24 fd79::1/64
vxdev "$S" vx4 42 10.77.0.2 10.77.0.1 8472 10.79.0.2/24 fd79::2/64
vxdev "$C" vx6 43 fd77::1 fd77::2 4789 10.80.0.1/24
vxdev "$S" vx6 43 fd77::2 fd77::1 4789 10.80.0.2/24
for a in 10.79.0.2 fd79::2 10.80.0.2; do
	t2_serve "$S" "$a" 8080
done
tm_capture "$C" "$ANY" -i any
ANY_PID=$TM_CAPTURE_PID
tm_capture "$C" "$OUT" -i veth-c
for a in 10.79.0.2 fd79::2 10.80.0.2; do
	t2_mix "$C" "$a"
done
tm_stop_capture
TM_CAPTURE_PID=$ANY_PID
tm_stop_capture
"$T2_PY" "$T2_DIR/tunnels.py" "$OUT" "$T2_DIR"
t2_done "$OUT" "$ANY" "$T2_DIR/gre.pcap" "$T2_DIR/ipip.pcap" "$T2_DIR/geneve.pcap" "$T2_DIR/erspan.pcap" "$T2_DIR/erspan3.pcap"
