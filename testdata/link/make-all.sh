#!/bin/bash
# Re-make every capture in testdata/link (as root): bash testdata/link/make-all.sh
# Each script makes its own namespaces (prefix tmt2-) and deletes them on exit.
set -euo pipefail
cd "$(dirname "$0")"
for s in lo_ethernet any_sll2 any_sll1 two_ifaces null_loop raw_ip vlan qinq ipv6 \
	midstream port_reuse snaplen96 nanosecond bigendian synack_lost_past_capture_any rotated vxlan vxlan_frag; do
	echo "== $s"
	bash "./$s.sh"
done
