#!/bin/bash
# rst_lost_past_capture_midstream.pcap: rst_lost_past_capture.pcap from its frame 22 on,
# as a capture begun late holds it. 41650's first packet in it is one of the server's
# bare RSTs answering the client's resent GET /b (the resend came before the capture
# began; the RSTs never reached the client, dropped behind the capture point by an
# nftables rule on its input hook), then the client's next resend 415.9 ms later and the
# server's RST answering it. With no handshake there is no round trip to call the resend
# and the first RST a crossing: the summary must not say the RST ended the connection
# "-415.9 ms later". Made by hand from a kernel capture; needs editcap (tshark package).
. "$(dirname "$0")/../lib.sh"
tm_cut keep rst_lost_past_capture.pcap rst_lost_past_capture_midstream.pcap 22-1000
