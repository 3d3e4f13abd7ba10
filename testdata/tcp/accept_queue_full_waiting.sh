#!/bin/bash
# accept_queue_full_waiting: accept_queue_full.sh's story, captured for 4 s only: client
# B's request, dropped by the listener's full accept queue, is still being retransmitted
# when the capture ends (before the RST that ends accept_queue_full.pcap): a client
# waiting on a connection the server's kernel never took.
#   client B 10.77.0.1:41240 -> server 10.77.0.2:9024 (the request never taken)
#   client A 10.77.0.1:41250 -> server 10.77.0.2:9024 (queued, never accepted, idle)
AQ_NAME=accept_queue_full_waiting AQ_SECS=4 exec bash "$(dirname "$0")/accept_queue_full.sh"
