#!/bin/bash
# rst_after_idle_resent: rst_after_idle_dead_peer, with the client's first send after
# the idle lost on the way. The server aborts its socket during the idle (SO_LINGER 0 +
# close, its RST dropped by an nftables rule for 0.5 s), so the client does not know. After
# 2.5 s of idle the client sends its next request; a second nftables rule in the server
# namespace drops that segment on arrival (the client's 5th packet of the connection:
# SYN, ACK, ping, the ACK of pong, then this one, counted by conntrack), past the
# capture point, as a lossy path would. The client's kernel resends it ~0.2 s later;
# the server's kernel has no socket for it and answers with an RST. The RST answers data
# sent after 2.5 s of silence: the resend is the same data, and ends no silence.
# Capture on the client side.
#   client 10.77.0.1:41800 -> server 10.77.0.2:9080
DP_NAME=rst_after_idle_resent DP_PORT=9080 DP_CPORT=41800 DP_LOSE=1 exec bash "$(dirname "$0")/rst_after_idle_dead_peer.sh"
