#!/usr/bin/env bash
# Incident 2 (SCENARIOS.md): a MySQL load balancer closes idle connections; the
# service has leaked them (transaction begun, never committed/rolled back, never
# closed) and sits in CLOSE_WAIT. Makes s2_idle_timeout.pcap, captured on veth-c in
# the client namespace tmt4-s2-c (the service's host), port 3306.
#
#   - s2lb (cmd/s2lb) in tmt4-s2-s on 10.77.0.2:3306 proxies to a fake mysqld in the
#     same process and closes both sides after exactly 3 s with no byte either way
#     (the incident's 60 s, shortened).
#   - s2client (cmd/s2client) in tmt4-s2-c opens 20 connections, one every 0.25 s:
#     greeting, login, START TRANSACTION, UPDATE, then nothing (leaked, never closed).
#     Connections 4, 8, 12, 16, 20 run a second UPDATE 1.5 s after the first, so their
#     idle period starts later. The LB's FIN comes 3 s after the last byte; the client
#     kernel ACKs it and the application never closes: CLOSE_WAIT (fin_unanswered).
#   - 5 s after the last leaked exchange, one health-check connection (login, COM_PING,
#     COM_QUIT; closed by both sides) marks the end of the capture.
# Run as root: bash testdata/scenarios/s2_idle_timeout.sh
. "$(dirname "$0")/../lib.sh"
tm_require tcpdump ip
command -v go >/dev/null || { echo "needs go" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="$here/${S2_OUT:-s2_idle_timeout.pcap}"

(cd "$repo" && go build -o /tmp/tmt4-s2lb ./testdata/scenarios/cmd/s2lb &&
	go build -o /tmp/tmt4-s2client ./testdata/scenarios/cmd/s2client)

tm_pair tmt4-s2
if [ "${S2_LOSE_FINS:-0}" -gt 0 ]; then
	# s2_fin_lost.sh: the LB's first S2_LOSE_FINS FINs are lost on the way (an nftables
	# quota on its egress: 52 bytes a FIN-ACK with timestamps), before the capture point.
	tm_require nft
	ip netns exec tmt4-s2-s nft -f - <<NFT
table inet tmt4 {
	chain output {
		type filter hook output priority 0; policy accept;
		tcp sport 3306 tcp flags & fin == fin quota until $((52 * S2_LOSE_FINS)) bytes drop
	}
}
NFT
fi

lblog=$(mktemp)
ip netns exec tmt4-s2-s /tmp/tmt4-s2lb -addr 10.77.0.2:3306 -backend 127.0.0.1:13306 -idle 3s 2>"$lblog" &
lb=$!
TM_PIDS+=("$lb")
for _ in $(seq 100); do grep -q listening "$lblog" && break; sleep 0.05; done

rm -f "$out"
tm_capture tmt4-s2-c "$out" --immediate-mode -Z root -i veth-c tcp port 3306

clog=$(mktemp)
ip netns exec tmt4-s2-c /tmp/tmt4-s2client -addr 10.77.0.2:3306 -n 20 -every 250ms \
	-second 4 -later 1500ms -ping-after 5s 2>"$clog" &
cl=$!
TM_PIDS+=("$cl")
for _ in $(seq 400); do grep -q "holding" "$clog" && break; sleep 0.05; done
tm_stop_capture
kill "$cl" "$lb" 2>/dev/null || true
wait "$cl" "$lb" 2>/dev/null || true
echo "--- client log"
cat "$clog"
echo "--- lb log"
cat "$lblog"
rm -f "$clog" "$lblog"
echo "wrote $out"
