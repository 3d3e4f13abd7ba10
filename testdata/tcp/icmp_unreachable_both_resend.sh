#!/bin/bash
# icmp_unreachable_both_resend: icmp_unreachable_established with the servers' pong sent
# 0.5 s after the ping, after the rule refusing the clients' segments is in: each
# client's ACK of the pong is refused with an ICMP error, so the server resends its pong
# (the ACKs it never gets are in the capture, taken on the server's side, before its
# firewall), and the client's later data is refused too and resent. Both sides resend
# until the capture ends, 5 s after the rule: the server its pong, the client its data.
# Capture on the server side.
#   client 10.77.0.1:41960 -> server 10.77.0.2:9091   ICMP host unreachable
#   client [fd77::1]:41970 -> server [fd77::2]:9092   ICMPv6 administratively prohibited
IU_NAME=icmp_unreachable_both_resend IU_PORTS="9091 41960 9092 41970" IU_AT=server IU_PONG_WAIT=0.5 IU_TAIL=5 \
	exec bash "$(dirname "$0")/icmp_unreachable_established.sh"
