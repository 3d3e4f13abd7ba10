#!/bin/bash
# accept_queue_full_rtt: accept_queue_full over a slow link (TM_DELAY_MS=25: a 50 ms
# round trip, see lib.sh's tm_pair). Client B's request is never taken: B resends it on
# its back-off, answering the server's SYN-ACK resends (1 s and 3 s in) with an ACK in
# between, until a resend reaches the bare listener after the server gave up the request:
# RST. The slower round trip stretches B's back-off, so the resend before the last one
# leaves over a second after the ACK before it; the connection was no more idle for
# that: B had been resending the same request since 0.4 s after its handshake.
#   client B 10.77.0.1:41930 -> server 10.77.0.2:9089 (the request never taken)
#   client A 10.77.0.1:41940 -> server 10.77.0.2:9089 (queued, never accepted, idle)
TM_DELAY_MS=25 AQ_NAME=accept_queue_full_rtt AQ_PORT=9089 AQ_B=41930 AQ_A=41940 \
	exec bash "$(dirname "$0")/accept_queue_full.sh"
