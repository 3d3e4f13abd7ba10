#!/bin/bash
# stale_after_close_rtt.pcap: stale_after_close.sh's three stories over a link with a
# 50 ms round trip (TM_DELAY_MS=25 each way: see tm_pair in ../lib.sh; the link is a pair
# of tun devices, so the capture's link type is raw IP). The client writes on each
# connection the server has closed and, finding it closed, closes its own side at once:
# its FIN leaves before the server's RST can come back, where on the veth pair the RST
# came back first. The server's kernel answers the data and the FIN with one RST each,
# identical byte for byte and microseconds apart.
# - Flow 1 (HTTP) and flow 2 (MySQL): both sides sent FIN, so each is a clean close, its
#   summary saying the client wrote after the server's FIN.
# - Flow 3 (Redis): the first GET is still the unanswered request, ended by the server's
#   FIN 1 s later; the client's FIN after its second GET is no give-up of its own.
# - The two RSTs of each flow are two packets, not one captured twice: the client sent
#   two segments (its data and its FIN) before they came.
# Run as root: bash testdata/app/stale_after_close_rtt.sh
dir=$(cd "$(dirname "$0")" && pwd)
TM_DELAY_MS=25 STALE_OUT="$dir/stale_after_close_rtt.pcap" exec bash "$dir/stale_after_close.sh"
