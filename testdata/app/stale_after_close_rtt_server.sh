#!/bin/bash
# stale_after_close_rtt_server.pcap: stale_after_close_rtt.sh captured at the other end,
# on the server's tun device. There each late write arrives, the server's kernel answers
# it with an RST at once, and the client's FIN, sent 85-400 µs after the write and before
# the RST could reach the client (25 ms away), arrives just after that RST: it crossed
# the RST on the way. The client did close: the verdicts must be the client end's (both
# FINs sent, so clean_close for flows 1 and 2; request_unanswered for flow 3), not "the
# client never sent FIN".
# Run as root: bash testdata/app/stale_after_close_rtt_server.sh
dir=$(cd "$(dirname "$0")" && pwd)
TM_DELAY_MS=25 STALE_AT=server STALE_OUT="$dir/stale_after_close_rtt_server.pcap" exec bash "$dir/stale_after_close.sh"
