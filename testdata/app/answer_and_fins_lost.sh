#!/bin/bash
# answer_and_fins_lost.pcap: an answer, and both FINs, that the capture lost. tcpdump on a
# busy host drops packets ("N packets dropped by kernel"), several in a row in a burst;
# here the loss is made by hand, from a kernel capture: ../tcp/clean_close_server_first.pcap
# (ping, pong, the server's FIN, the client's FIN, each ACKed) without its frames 6-9 (the
# server's 5-byte answer, the client's ACK of it, the server's FIN, the client's FIN).
# What is left of the server after the request is its last ACK (Seq=7 Ack=7): its
# sequence numbers run 6 past what the capture holds of it, so it sent something the
# capture lost (5 bytes and its FIN, as the original shows; the file alone cannot say
# which): the request must not be called unanswered, nor the server stuck in CLOSE_WAIT.
# Needs editcap (Debian's tshark package); no root.
. "$(dirname "$0")/../lib.sh"
tm_cut keep ../tcp/clean_close_server_first.pcap answer_and_fins_lost.pcap 1-5 10-1000
