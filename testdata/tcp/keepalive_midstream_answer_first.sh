#!/bin/bash
# keepalive_midstream_answer_first.pcap: keepalive_midstream.pcap without its frame 1,
# the client 41980's first probe, as a capture begun between that probe and its answer
# (20 µs apart) holds it: the connection opens with the server's ACK (Ack=2 relative, one
# past a probe the capture never saw), then the client's next probe at Seq=1, one below
# its next sequence number, answered again. The probe must be read as a keepalive (the
# client's sequence numbers taken from it are one short), not as a pure ACK of a client
# that never probes. Made by hand from a kernel capture, as tcpdump under load drops
# packets. Needs editcap (Debian's tshark package); no root.
. "$(dirname "$0")/../lib.sh"
tm_cut drop keepalive_midstream.pcap keepalive_midstream_answer_first.pcap 1
