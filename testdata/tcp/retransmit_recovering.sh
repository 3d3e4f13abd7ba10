#!/bin/bash
# retransmit_recovering: retransmit_giveup cut short. The server's TCP output is dropped
# from 0.3 s after the answer (RG_TCP_ONLY: the echo at the end is answered); the
# client's second write, 0.7 s later, is never ACKed and its kernel resends it (a tail
# loss probe about 0.2 s later, then the RTO, doubling), and the capture stops 0.5 s
# after the echo, about 0.55 s after the write: the connection is active, its resends
# under way for well under the 1 s idle threshold. Nothing yet tells a peer or a path
# gone from a loss the next resend repairs.
# Capture on the client side.
#   client 10.77.0.1:41950 -> server 10.77.0.2:9090
RG_NAME=retransmit_recovering RG_PORT=9090 RG_CPORT=41950 RG_WAIT=0.7 RG_TAIL=0 RG_TCP_ONLY=1 \
	exec bash "$(dirname "$0")/retransmit_giveup.sh"
