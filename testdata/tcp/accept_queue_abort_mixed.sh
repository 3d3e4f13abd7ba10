#!/bin/bash
# accept_queue_abort_mixed: accept_queue_abort (tcp_abort_on_overflow=1, never accepting)
# with both of its kinds of victims at one listener. The listener's backlog is 2, so two
# half-open requests fit (B's and B2's, whose handshake ACKs are each lost once) and
# three clients, A, A+1 and A+2, fill the accept queue (their SYNs, with the two
# requests pending, are answered with SYN cookies). B writes its request 0.4 s in: the
# server's kernel, with no room for it, resets it on its first data. B2 waits 3 s: the
# server resends its SYN-ACK 1 s in, B2 ACKs it, and that ACK meets the full queue and
# the RST, before any data.
#   client B  10.77.0.1:41900 -> server 10.77.0.2:9088 (reset on its first data)
#   client B2 10.77.0.1:41910 -> server 10.77.0.2:9088 (reset at its handshake's ACK)
#   client A  10.77.0.1:41920-41922 -> server 10.77.0.2:9088 (queued, never accepted)
AQA_NAME=accept_queue_abort_mixed AQA_PORT=9088 AQA_B=41900 AQA_B2=41910 AQA_A=41920 \
	AQA_BACKLOG=2 AQA_FILL=3 AQA_TAIL=3.5 exec bash "$(dirname "$0")/accept_queue_abort.sh"
