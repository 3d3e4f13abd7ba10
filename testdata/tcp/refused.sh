#!/bin/bash
# refused: connect to a port nobody listens on. The server's kernel answers the SYN with
# RST,ACK and connect() fails at once with ECONNREFUSED. Capture on the server side.
#   client 10.77.0.1:41010 -> server 10.77.0.2:9001
. "$(dirname "$0")/common.sh"
tk_start refused
tk_capture "$TK_S" veth-s
tk_run "$TK_C" client 10.77.0.2 9001 41010
tk_done
