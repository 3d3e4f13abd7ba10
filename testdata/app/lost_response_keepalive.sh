#!/bin/bash
# lost_response_keepalive.pcap: ../link/rotated_3.pcap, the last of a keep-alive
# connection's rotated files (it begins mid-connection, with the second GET /ok), without
# its frame 5, the second 200, as capture loss takes it. No SYN of either side's is in the
# file, but the client's ACK (Ack=155 relative) covers 77 server bytes past all the file
# holds of the server's, and the server's FIN starts there: the server sent them, so the
# second GET must not be called unanswered. Made by hand from a kernel capture; needs
# editcap (Debian's tshark package); no root.
. "$(dirname "$0")/../lib.sh"
tm_cut drop ../link/rotated_3.pcap lost_response_keepalive.pcap 5
