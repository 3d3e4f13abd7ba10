#!/bin/bash
# s1_sidecar_close_wait_lossy.pcap: s1_sidecar_close_wait.pcap without its frames 17, 27,
# 49, 63, 67 and 161, as tcpdump's "packets dropped by kernel" takes packets on a busy
# host: among them the requests of three connections (GET /api/orders/7, 9 and 23),
# which the server's ACKs still cover. Those clients sent a request, got no byte back
# and gave up after 1.0 s like the others: request timeouts, not an idle timeout. Made by
# hand from a kernel capture; needs editcap (Debian's tshark package); no root.
. "$(dirname "$0")/../lib.sh"
tm_cut drop s1_sidecar_close_wait.pcap s1_sidecar_close_wait_lossy.pcap 17 27 49 63 67 161
