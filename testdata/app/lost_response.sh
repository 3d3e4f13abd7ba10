#!/bin/bash
# lost_response.pcap: a response the capture lost. tcpdump under load drops packets ("N
# packets dropped by kernel"); here the loss is made by hand, from a kernel capture: the
# first connection of http_close.pcap (frames 1-10: GET /ok answered 200, FINs both ways)
# without its frame 6, the 200 response (143 bytes). The client's ACK (frame 7: Ack=144)
# and the server's FIN (frame 9: Seq=144) still show that the server sent those bytes,
# so the request must not be called unanswered.
# Needs editcap (Debian's tshark package); no root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v editcap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tshark >/dev/null; }
editcap -F pcap -r "$here/http_close.pcap" "$here/lost_response.pcap" 1-5 7-10
echo "wrote $here/lost_response.pcap"
