#!/bin/bash
# stale_pool_resent.pcap: stale_pool.sh (four clients reusing connections the server's
# 1 s idle timeout closed) with each client's ACK of its answer dropped on the way out
# (POOL_LOSE_ACKS=1: an nftables rule in the client's namespace, which the capture at
# the client does not see). The server resends its answer ~0.2 s later; that resend is
# its kernel's, not its application's, and the server's idle timeout still runs from the
# answer: idle_timeout finds the four closes after 1.0 s idle, not after the ~0.8 s
# since the resend.
# Run as root: bash testdata/app/stale_pool_resent.sh
dir=$(cd "$(dirname "$0")" && pwd)
POOL_LOSE_ACKS=1 POOL_OUT="$dir/stale_pool_resent.pcap" exec bash "$dir/stale_pool.sh"
