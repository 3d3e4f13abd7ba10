#!/bin/bash
# rst_crossing_fin_client: rst_crossing_fin (an abort and a close crossing on a 50 ms
# round trip) captured at the client. There the client's FIN comes first and the server's
# RST,ACK 35 ms after it: sooner than the 50 ms the FIN needs to reach the server and an
# answer to come back, so the RST left the server before the FIN arrived. It is the
# server's abort, not its answer to the close: a reset, as the server-side capture says,
# not fin_unanswered_then_rst with the server in CLOSE_WAIT. The FIN, arriving after the
# abort, gets a second, bare RST from the server's kernel, a round trip after it.
#   client 10.77.0.1:41830 -> server 10.77.0.2:9083
RC_AT=client RC_NAME=rst_crossing_fin_client RC_PORT=9083 RC_CPORT=41830 exec bash "$(dirname "$0")/rst_crossing_fin.sh"
