#!/usr/bin/env bash
# Incident 2 again, with the first two FIN segments the load balancer sends lost on the
# way (dropped on its egress before the wire): the first idle connection's FIN and its
# first retransmission, so the capture at the client has that FIN only ~0.6 s late, as
# loss on a real path does. Makes s2_fin_lost.pcap with s2_idle_timeout.sh.
# The idle timeout must still be found: 19 of 20 connections close after 3.0 s of
# silence; the one whose FIN came late is an outlier, not a reason to see no timeout.
# Run as root: bash testdata/scenarios/s2_fin_lost.sh
S2_OUT=s2_fin_lost.pcap S2_LOSE_FINS=2 exec bash "$(dirname "$0")/s2_idle_timeout.sh"
