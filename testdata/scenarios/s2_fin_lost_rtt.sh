#!/usr/bin/env bash
# Incident 2 with the first two FINs lost (s2_fin_lost.sh), over a link with a 50 ms round
# trip (TM_DELAY_MS=25 each way: see tm_pair in ../lib.sh; the capture's link type is raw
# IP). Makes s2_fin_lost_rtt.pcap with s2_idle_timeout.sh. The idle timeout must still be
# found, measured at the client: each FIN reaches the capture one way's delay after the
# LB sent it, 3 s after the LB last heard from the client (one way after the client's
# last segment), so the silences the capture shows stay close together.
# Run as root: bash testdata/scenarios/s2_fin_lost_rtt.sh
TM_DELAY_MS=25 S2_OUT=s2_fin_lost_rtt.pcap S2_LOSE_FINS=2 exec bash "$(dirname "$0")/s2_idle_timeout.sh"
