#!/bin/bash
# bigtcp6_data_lost.pcap: bigtcp6.pcap without every segment of the IPv4 client's
# payload (its 55 data frames), as heavy capture loss takes them. The server's ACKs
# still cover the 3,000,000 bytes, the client closes first and the server answers with
# its FIN: a one-way transfer that ended normally, as in the whole capture, not a
# request never answered. Made by hand from a kernel capture; needs editcap (Debian's
# tshark package); no root.
. "$(dirname "$0")/../lib.sh"
tm_cut drop bigtcp6.pcap bigtcp6_data_lost.pcap 7 9 11 13 15-17 19-20 22 24 26 28 30 32 34 36 38 40 42 44 46 48 50 52 54 56 58 60 62 64 66 68 70 72 74 76 78 80 82 84 86-94 96-100
