#!/bin/bash
# stale_pool_leak_rtt.pcap: stale_pool_leak.sh over a link with a 50 ms round trip
# (TM_DELAY_MS=25 each way, raw IP), captured at the client. The three clients that
# reuse their connection after the server's idle timeout now close (FIN) right after
# their late write, before the server's RST comes back: clean closes, each answering
# the server's FIN. The two that take their answer and leave their connection as it is
# stay in CLOSE_WAIT until the capture ends. idle_timeout: five closes after 1 s idle,
# three answered with the client's FIN (the three written on after it), two left in
# CLOSE_WAIT, which nobody wrote on: a leak, and three requests lost.
# Run as root: bash testdata/app/stale_pool_leak_rtt.sh
dir=$(cd "$(dirname "$0")" && pwd)
TM_DELAY_MS=25 POOL_STALE=3 POOL_LEAKS=2 POOL_OUT="$dir/stale_pool_leak_rtt.pcap" exec bash "$dir/stale_pool.sh"
