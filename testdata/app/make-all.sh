#!/bin/bash
# Regenerates every capture in testdata/app, one after another. Run as root:
#   bash testdata/app/make-all.sh
# Each run gives new ports, sequence numbers and times: EXPECTED.md describes the
# committed captures and must be brought up to date after regenerating.
set -euo pipefail
cd "$(dirname "$0")"
for s in stale_after_close stale_after_close_rtt stale_after_close_rtt_server stale_pool stale_pool_rtt stale_pool_leak stale_pool_mixed_rtt stale_pool_leak_rtt stale_pool_leak_held stale_pool_resent stale_pool_jitter stale_pool_mixed_lossy http_half_close client_abort http_keepalive http_close lost_response lost_response_midstream lost_response_synack lost_response_keepalive stale_after_close_rst_lost answer_and_fins_lost http_pipelined http_unanswered_rst ssh_banner_hang ssh_banner_hang_midstream \
	tls_silent mysql_greeting_stall misc_protocols bulk many_small_http request_in_flight; do
	echo "== $s"
	bash "./$s.sh"
done
ls -l ./*.pcap
