#!/bin/bash
# keepalive_midstream: a capture begun on idle connections that have TCP keepalive on, as
# one taken during an incident starts long after the connections were made. Both clients
# exchange ping/pong, then go quiet; tcpdump starts 0.5 s later, so the first packet of
# each connection in the capture is a keepalive probe: an empty segment one below the
# client's next sequence number, which the capture never saw, answered by an ACK one
# past the probe. Capture on the server side, for 4 s.
#   client 10.77.0.1:41980 -> server 10.77.0.2:9093: TCP_KEEPIDLE=2: a probe every 2 s
#     (each answered, so the next comes after the keepalive time again): 2 in the capture
#   client 10.77.0.1:41990 -> server 10.77.0.2:9094: TCP_KEEPIDLE=3: a single probe in
#     the capture, 3 s after the pong, answered
. "$(dirname "$0")/common.sh"
tk_start keepalive_midstream
tk_bg "$TK_S" server 9093 recv 'send:pong\n' hold
tk_bg "$TK_S" server 9094 recv 'send:pong\n' hold
tk_wait_listen 9093
tk_wait_listen 9094
tk_bg "$TK_C" client 10.77.0.2 9093 41980 ka:2,2,9 'send:ping\n' recv hold
tk_bg "$TK_C" client 10.77.0.2 9094 41990 ka:3,3,9 'send:ping\n' recv hold
tk_wait_estab 41980
tk_wait_estab 41990
sleep 0.5
tk_capture "$TK_S" veth-s
sleep 4
tk_ss "$TK_C"
tk_done
