#!/bin/bash
# stale_pool_leak.pcap: stale_pool.sh with three clients reusing connections after the
# server's idle timeout closed them, then two clients that take their answer and leave
# their connection as it is, in CLOSE_WAIT once the server's FIN comes, until the capture
# ends, 0.2-0.3 s later (under the idle threshold: stale_pool_leak_held.sh holds
# longer). idle_timeout: five connections closed after 1 s idle, none
# answered with a FIN, all five left in CLOSE_WAIT (the local application never closes
# its side), and the client wrote on three of them after the FIN (three requests lost).
# Run as root: bash testdata/app/stale_pool_leak.sh
dir=$(cd "$(dirname "$0")" && pwd)
POOL_STALE=3 POOL_LEAKS=2 POOL_OUT="$dir/stale_pool_leak.pcap" exec bash "$dir/stale_pool.sh"
