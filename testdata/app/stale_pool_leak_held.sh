#!/bin/bash
# stale_pool_leak_held.pcap: stale_pool_leak.sh with the capture going on 1.5 s after the
# reusing clients are done (POOL_HOLD=1.5), so that the two connections their owners
# forgot sit in CLOSE_WAIT for more than the 1 s idle threshold before it ends: a leak
# the packets show. idle_timeout: five closes after 1 s idle, none answered with a FIN,
# all five left in CLOSE_WAIT (the local application never closes its side), and the
# client wrote on three of them after the FIN (three requests lost); close_wait_leak:
# the two left there. A connect to the closed port 81 (refused) marks the end.
# Run as root: bash testdata/app/stale_pool_leak_held.sh
dir=$(cd "$(dirname "$0")" && pwd)
POOL_STALE=3 POOL_LEAKS=2 POOL_HOLD=1.5 POOL_OUT="$dir/stale_pool_leak_held.pcap" exec bash "$dir/stale_pool.sh"
