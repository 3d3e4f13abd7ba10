#!/bin/bash
# vlan.pcap: 802.1Q-tagged Ethernet (VLAN 10) on a veth pair, captured on the client's veth-c.
# This kernel has no 8021q module (no `ip link add ... type vlan`), so both ends tag and
# untag with vlantag.py (eBPF bpf_skb_vlan_push/pop on tcx egress/ingress); every frame on
# the link, ARP and IPv6 ND included, carries the tag. Traffic: to 10.77.0.2 and to
# fd77::2, each a clean request/response closed FIN/FIN by the client and a connect to the
# closed port 81 answered by RST.
# Run as root: bash testdata/link/vlan.sh   (namespaces tmt2-*, deleted on exit)
T2_DIR="$(cd "$(dirname "$0")" && pwd)"
. "$T2_DIR/../lib.sh"
. "$T2_DIR/common.sh"
tm_require tcpdump
OUT="$T2_DIR/vlan.pcap"
tm_pair tmt2-vl
sleep 1 # let IPv6 on the new links settle before capturing
t2_in tmt2-vl-c $T2_PY "$T2_DIR/vlantag.py" veth-c 10
t2_in tmt2-vl-s $T2_PY "$T2_DIR/vlantag.py" veth-s 10
t2_serve tmt2-vl-s 10.77.0.2 8080
t2_serve tmt2-vl-s fd77::2 8080
tm_capture tmt2-vl-c "$OUT" -i veth-c --immediate-mode
t2_mix tmt2-vl-c 10.77.0.2
t2_mix tmt2-vl-c fd77::2
tm_stop_capture
t2_done "$OUT"
