#!/bin/bash
# synack_lost_past_capture_any: testdata/tcp/synack_lost_past_capture.sh's story captured
# with `tcpdump -i any` (Linux cooked v2: each packet carries the index of its
# interface). Twice the server sends two SYN-ACKs identical byte for byte microseconds
# apart (its answer to a retransmitted SYN, and its own timer's): on one interface
# (veth-c), so two packets, where a packet captured twice shows on two interfaces.
#   client 10.77.0.1:41720 -> server 10.77.0.2:9072
here=$(cd "$(dirname "$0")" && pwd)
SLPC_NAME=synack_lost_past_capture_any SLPC_IFACE=any SLPC_OUT=$here/synack_lost_past_capture_any.pcap \
	exec bash "$here/../tcp/synack_lost_past_capture.sh"
