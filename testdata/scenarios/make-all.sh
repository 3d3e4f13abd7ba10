#!/usr/bin/env bash
# Re-makes the five incident captures (SCENARIOS.md) with the real Linux kernel.
# Run as root: bash testdata/scenarios/make-all.sh   (about 1 min 40 s in all)
# Each script builds its Go programs (cmd/*) to /tmp, works in its own network
# namespaces (prefix tmt4-) and deletes them when done. Check the results against
# EXPECTED.md: the exact ports and times change from run to run, the shapes do not.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for s in s1_sidecar_close_wait s2_idle_timeout s2_fin_lost s2_fin_lost_rtt s3_syn_drops s4_ssh_silent s5_accept_failure; do
	echo "=== $s"
	bash "$here/$s.sh" >/tmp/tmt4-$s.log 2>&1 || { echo "$s failed, see /tmp/tmt4-$s.log" >&2; exit 1; }
	tail -1 /tmp/tmt4-$s.log
done
# Cut from a capture above (editcap, no namespaces).
bash "$here/s1_sidecar_close_wait_midstream.sh"
bash "$here/s1_sidecar_close_wait_lossy.sh"
bash "$here/s2_idle_timeout_midstream.sh"
bash "$here/s4_ssh_silent_midstream.sh"
bash "$here/s4_ssh_silent_midstream_quiet.sh"
