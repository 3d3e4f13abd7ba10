#!/bin/bash
# stale_pool_rtt.pcap: stale_pool.sh over a link with a 50 ms round trip (TM_DELAY_MS=25
# each way, see tm_pair in ../lib.sh; link type raw IP), captured at the client. Each
# client now closes (FIN) right after its late write, before the server's RST can come
# back: every flow is a clean close (both sides sent FIN) whose client wrote after the
# server's FIN, and idle_timeout still says the four requests were lost.
# Run as root: bash testdata/app/stale_pool_rtt.sh
dir=$(cd "$(dirname "$0")" && pwd)
TM_DELAY_MS=25 POOL_OUT="$dir/stale_pool_rtt.pcap" exec bash "$dir/stale_pool.sh"
