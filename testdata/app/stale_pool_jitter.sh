#!/bin/bash
# stale_pool_jitter.pcap: stale_pool.sh over a link that delays each packet 5-25 ms
# (TM_DELAY_MS=5 TM_JITTER_MS=20, raw IP; packets may pass each other), captured at the
# client. The server's idle timeout is 1 s, the idle threshold's default: seen at the
# capture point, through the jitter, the silences before its FINs fall on both sides of
# 1 s, and idle_timeout still finds the timeout in all four.
# Run as root: bash testdata/app/stale_pool_jitter.sh
dir=$(cd "$(dirname "$0")" && pwd)
TM_DELAY_MS=5 TM_JITTER_MS=20 TM_LOSS_SEED=${TM_LOSS_SEED:-1} POOL_OUT="$dir/stale_pool_jitter.pcap" exec bash "$dir/stale_pool.sh"
