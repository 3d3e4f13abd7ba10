#!/bin/bash
# accept_queue_abort_ack: accept_queue_abort (tcp_abort_on_overflow=1, the accept queue
# full) with client B waiting 3 s before its request. B's handshake ACK is lost once, A
# fills the queue; 1 s after its first SYN-ACK the server resends it, B answers with its
# ACK again, and that ACK, arriving with the queue full, gets the server's RST at once:
# no data either way. B's request never leaves (its connection is reset before it
# writes). The RST answers the handshake's last ACK: the listener's kernel refused the
# connection.
#   client B 10.77.0.1:41880 -> server 10.77.0.2:9087 (reset at its handshake's ACK)
#   client A 10.77.0.1:41890 -> server 10.77.0.2:9087 (queued, never accepted, idle)
AQA_NAME=accept_queue_abort_ack AQA_PORT=9087 AQA_B=41880 AQA_A=41890 AQA_WAIT=3 AQA_TAIL=3.5 \
	exec bash "$(dirname "$0")/accept_queue_abort.sh"
