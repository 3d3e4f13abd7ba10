#!/bin/bash
# stale_pool_mixed_lossy.pcap: stale_pool_mixed_rtt.sh (three clients reusing
# connections the server's 1 s idle timeout closed, two closing at once on its FIN,
# 50 ms round trip) over a link that also drops 3% of the packets each way
# (TM_LOSS_PCT=3, seeded draws: TM_LOSS_SEED, default 1; which packets a run loses
# still depends on its timing). In the committed capture, on 34288: the client's ACK
# of the server's FIN (frame 33) was lost, so the server resent its FIN (47) just as the
# client's late GET and its FIN (45, 46) were on their way; the server's kernel, its
# orphaned socket dropped at the GET, answers the GET, the FIN and the client's ACK of
# the resent FIN (48) with three identical bare RSTs (50-52; the first two 24 µs
# apart). Those are three answers, not an RST captured twice: the GET and the FIN hold
# bytes the server had not acknowledged when it resent its FIN, so they crossed it.
# Run as root: bash testdata/app/stale_pool_mixed_lossy.sh
dir=$(cd "$(dirname "$0")" && pwd)
TM_DELAY_MS=25 TM_LOSS_PCT=3 TM_LOSS_SEED=${TM_LOSS_SEED:-1} POOL_STALE=3 POOL_CLOSERS=2 \
	POOL_OUT="${POOL_OUT:-$dir/stale_pool_mixed_lossy.pcap}" exec bash "$dir/stale_pool.sh"
