#!/bin/bash
# bigtcp6_fin_lost.pcap: bigtcp6.pcap without its frame 103, the IPv4 client's FIN, as
# capture loss takes it. The server's FIN (the original's frame 104, Ack=3000002)
# acknowledges it: the client closed first, and the upload is still a one-way transfer
# that ended normally, not data left unanswered. Made by hand from a kernel capture;
# needs editcap (Debian's tshark package); no root.
. "$(dirname "$0")/../lib.sh"
tm_cut drop bigtcp6.pcap bigtcp6_fin_lost.pcap 103
