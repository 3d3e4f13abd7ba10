#!/bin/bash
# fin_unacked_giveup_rtt: fin_unacked_giveup.sh over a 50 ms round trip (TM_DELAY_MS=25,
# raw IP; see tm_pair in ../lib.sh), the client with an older kernel's loss recovery (no
# tail loss probe, RACK or F-RTO). The longer retransmission timeout makes the orphaned
# client's kernel give up on its FIN after two resends, where the loopback capture has
# four: Linux bounds the orphan's retries in time, not in resends. Two resends and a
# silence past the next one's time are a give-up (--retrans-giveup 2, the default).
dir=$(cd "$(dirname "$0")" && pwd)
TM_DELAY_MS=25 FUG_NAME=fin_unacked_giveup_rtt \
	FUG_SYSCTLS="net.ipv4.tcp_early_retrans=0 net.ipv4.tcp_recovery=0 net.ipv4.tcp_frto=0" \
	exec bash "$dir/fin_unacked_giveup.sh"
