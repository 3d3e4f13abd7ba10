#!/bin/bash
# stale_after_close_rst_lost.pcap: stale_after_close.pcap without its frame 11, the
# server's RST answering the GET the client wrote on the connection the server had
# closed, as capture loss takes it. The client's GET is then neither ACKed nor resent in
# the 3.4 s the capture goes on: its socket was reset, and the client must not be said to
# sit in CLOSE_WAIT (no close_wait_leak). Made by hand from a kernel capture; needs
# editcap (Debian's tshark package); no root.
. "$(dirname "$0")/../lib.sh"
tm_cut drop stale_after_close.pcap stale_after_close_rst_lost.pcap 11
