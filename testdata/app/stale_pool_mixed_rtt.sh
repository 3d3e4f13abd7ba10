#!/bin/bash
# stale_pool_mixed_rtt.pcap: over a 50 ms round trip (TM_DELAY_MS=25, raw IP), three
# clients that reuse their connection 0.5 s after the server's idle timeout closed it
# (each then closes, its FIN leaving before the server's RST comes back), and two that
# read until the server's FIN and close at once. Every close is answered with the
# client's FIN; idle_timeout says so, and that the client wrote on three of them after
# the FIN: three requests lost.
# Run as root: bash testdata/app/stale_pool_mixed_rtt.sh
dir=$(cd "$(dirname "$0")" && pwd)
TM_DELAY_MS=25 POOL_STALE=3 POOL_CLOSERS=2 POOL_OUT="$dir/stale_pool_mixed_rtt.pcap" exec bash "$dir/stale_pool.sh"
