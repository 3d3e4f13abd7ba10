#!/bin/bash
# Rebuilds every capture of testdata/tcp, one script after the other (they all use the
# namespaces tmt1-c/tmt1-s, so they cannot run in parallel). Needs root. Takes ~2 min.
#   bash testdata/tcp/make-all.sh [NAME...]     (default: all of them)
set -uo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
names=(
	refused refused_icmp refused_icmp6 syn_giveup syn_giveup_exponential syn_unanswered
	handshake_incomplete
	rst_on_first_data fin_unanswered_client_stuck fin_unanswered_server_stuck
	fin_unanswered_then_rst rst_after_idle_abort rst_after_idle_dead_peer reset_active
	retransmit_giveup keepalive_timeout clean_close_client_first clean_close_server_first
	clean_close_v6 idle_open idle_open_keepalive open_active synack_lost_once accept_queue_full accept_queue_full_waiting
	zero_window_stall fin_lost_by_capture http_to_dead_socket late_answer_after_close fin_unacked
	mtu_blackhole icmp_unreachable_established http_server_closes_unanswered accept_queue_abort
	keepalive_answers_lost retransmit_acks_lost handshake_ack_lost rst_lost_past_capture fin_unacked_retrying fin_unacked_giveup fin_unacked_giveup_rtt rst_crossing_fin rst_after_idle_resent request_unacked rst_crossing_fin_client ack_lost_once rst_crossing_fin_synlost accept_queue_abort_ack accept_queue_abort_mixed accept_queue_full_rtt
	retransmit_recovering mtu_blackhole_open mtu_blackhole_finack icmp_unreachable_both_resend
	synack_lost_past_capture keepalive_answers_lost_nots syn_app_timeout
	keepalive_probe_lost_by_capture zero_window_probe_lost_by_capture keepalive_midstream keepalive_midstream_answer_first
	handshake_ack_lost_midstream rst_on_first_data_midstream rst_lost_past_capture_midstream handshake_ack_lost_by_capture
	peer_restart peer_restart_ack_lost simultaneous_close keepalive_probes_lost_by_capture keepalive_after_data_lost
)
[ $# -gt 0 ] && names=("$@")
failed=()
for n in "${names[@]}"; do
	echo "=== $n"
	bash "$dir/$n.sh" 2>&1 || failed+=("$n")
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "FAILED: ${failed[*]}" >&2
	exit 1
fi
echo "all ${#names[@]} captures rebuilt"
