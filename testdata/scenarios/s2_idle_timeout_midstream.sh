#!/bin/bash
# s2_idle_timeout_midstream.pcap: s2_idle_timeout.pcap from its frame 158 on, as a capture
# begun during the incident holds it: the first connections had gone quiet before it
# began, so the load balancer's FIN (3 s after their last byte) is the first packet of
# each in the capture. How long they had been idle does not show: their summaries must
# not say "closed after 0 µs idle", and the idle_timeout finding rests on the others,
# whose last exchange the capture holds. Made by hand from a kernel capture; needs
# editcap (Debian's tshark package); no root.
. "$(dirname "$0")/../lib.sh"
tm_cut keep s2_idle_timeout.pcap s2_idle_timeout_midstream.pcap 158-10000
