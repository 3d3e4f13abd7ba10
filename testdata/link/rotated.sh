#!/bin/bash
# rotated_1.pcap, rotated_2.pcap, rotated_3.pcap: one capture cut into files by time, as
# `tcpdump -G 1 -w 'rot_%s.pcap'` (a new file each second) leaves a long capture, the
# files renamed in their order (four here: the rotation comes with the first packet a
# second after a file opened, so the count may differ by one on a rerun). Each file
# numbers its frames from 1, and one connection runs through the first three: read
# together, it is one flow from the first file's frames into the third's.
# Traffic (`tcpdump -i lo` in one namespace): a server on 127.0.0.1:8080; one client
# connection with 6 requests 0.5 s apart, closed FIN/FIN by the client; then a connect to
# the closed port 127.0.0.1:81, answered by RST.
# Run as root: bash testdata/link/rotated.sh
T2_DIR="$(cd "$(dirname "$0")" && pwd)"
. "$T2_DIR/../lib.sh"
. "$T2_DIR/common.sh"
tm_require tcpdump

tmp=$(mktemp -d)
chmod 777 "$tmp" # tcpdump writes as its own user
tm_ns tmt2-rot
t2_serve tmt2-rot 127.0.0.1 8080
tm_capture tmt2-rot "$tmp/rot_%s.pcap" -i lo -G 1 --immediate-mode
t2_in tmt2-rot $T2_PLAY get 127.0.0.1 8080 /ok --n 6 --every 0.5
sleep 0.3
t2_in tmt2-rot $T2_PLAY refused 127.0.0.1 81
sleep 0.3
tm_stop_capture
rm -f "$T2_DIR"/rotated_*.pcap
i=0
for f in $(ls "$tmp"/rot_*.pcap | sort); do
	i=$((i + 1))
	mv "$f" "$T2_DIR/rotated_$i.pcap"
done
rm -rf "$tmp"
t2_done "$T2_DIR"/rotated_*.pcap
