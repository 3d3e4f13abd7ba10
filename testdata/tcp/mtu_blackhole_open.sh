#!/bin/bash
# mtu_blackhole_open: mtu_blackhole's story with the capture ending 3.4 s after 9052 and
# 9053 start instead of 5 s, a few tenths of a second after the server's resend at about
# 3.1 s: 9053, whose client waits, is still active at the end, its server resending the
# answer's first segment for over 3 s with nothing acknowledged.
# Capture on the server side.
#   client 10.77.0.1:41500 -> server 10.77.0.2:9050
#   client 10.77.0.1:41510 -> server 10.77.0.2:9051
#   client 10.77.0.1:41520 -> server 10.77.0.2:9052
#   client 10.77.0.1:41530 -> server 10.77.0.2:9053
MB_NAME=mtu_blackhole_open MB_TAIL=3.4 exec bash "$(dirname "$0")/mtu_blackhole.sh"
