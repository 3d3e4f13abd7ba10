#!/bin/bash
# mtu_blackhole_finack: mtu_blackhole's story with the server's small ACKs on 9052 dropped
# after its first (MB_LOSE_FIN_ACK=1): the client's FIN is acknowledged, in the capture,
# only by the server's next full-sized resend, which the black hole drops too, so the
# client resends its FIN. 9052's client then never got packets of the server's that the
# capture holds (the ACK of its FIN), while the server's own data was never acknowledged:
# both at once, as a black hole makes them.
# Capture on the server side.
#   client 10.77.0.1:41500 -> server 10.77.0.2:9050
#   client 10.77.0.1:41510 -> server 10.77.0.2:9051
#   client 10.77.0.1:41520 -> server 10.77.0.2:9052
#   client 10.77.0.1:41530 -> server 10.77.0.2:9053
MB_NAME=mtu_blackhole_finack MB_LOSE_FIN_ACK=1 exec bash "$(dirname "$0")/mtu_blackhole.sh"
