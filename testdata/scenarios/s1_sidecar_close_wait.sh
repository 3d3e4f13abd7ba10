#!/usr/bin/env bash
# Incident 1 (SCENARIOS.md): sidecar on loopback, CLOSE_WAIT piling up on the service.
# Makes s1_sidecar_close_wait.pcap: a capture on `lo` inside namespace tmt4-s1.
#
#   - s1service (cmd/s1service) listens on 127.0.0.1:8280; its handlers take a "DB
#     connection" from a pool of 2 and leak it on an error path (rows not closed), so
#     requests 1-3 are answered (200, 500, 500) and every later handler blocks forever.
#   - s1sidecar (cmd/s1sidecar) sends 25 GETs /api/orders/N, each on a fresh
#     connection, one every 0.3 s, with a 1 s client timeout: on timeout it closes (FIN).
#     The service's kernel ACKs the FIN; the service never closes: CLOSE_WAIT.
#   - tcp_fin_timeout=3 in the namespace: the sidecar's orphaned FIN_WAIT2 sockets die
#     3 s after its FIN (the incident's ~90 s, shortened).
#   - At 9 s and 13 s after the service started the "DB" kills the leaked sessions and
#     the pool refills: each time the two oldest blocked handlers (requests 4,5 then 6,7)
#     finish and write their late 500 on connections whose client socket is gone; the
#     sidecar's kernel answers RST. Every other unanswered flow stays in CLOSE_WAIT until
#     the capture ends (~14 s after the service started; in the file, the last packet).
# Run as root: bash testdata/scenarios/s1_sidecar_close_wait.sh
. "$(dirname "$0")/../lib.sh"
tm_require tcpdump ip
command -v go >/dev/null || { echo "needs go" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="$here/s1_sidecar_close_wait.pcap"
ns=tmt4-s1

(cd "$repo" && go build -o /tmp/tmt4-s1service ./testdata/scenarios/cmd/s1service &&
	go build -o /tmp/tmt4-s1sidecar ./testdata/scenarios/cmd/s1sidecar)

tm_ns "$ns"
ip netns exec "$ns" sysctl -qw net.ipv4.tcp_fin_timeout=3

rm -f "$out"
tm_capture "$ns" "$out" --immediate-mode -Z root -i lo tcp port 8280

svclog=$(mktemp)
ip netns exec "$ns" /tmp/tmt4-s1service -addr 127.0.0.1:8280 -reap 9s,13s 2>"$svclog" &
svc=$!
TM_PIDS+=("$svc")
t0=$(($(date +%s%N) / 1000000))
for _ in $(seq 100); do grep -q listening "$svclog" && break; sleep 0.05; done

sleep 0.5
ip netns exec "$ns" /tmp/tmt4-s1sidecar -url http://127.0.0.1:8280/api/orders/ -n 25 -every 300ms -timeout 1s

# let both pool refills happen, then a few more seconds of CLOSE_WAIT
while [ $(($(date +%s%N) / 1000000 - t0)) -lt 14000 ]; do sleep 0.2; done
tm_stop_capture
kill "$svc" 2>/dev/null || true
wait "$svc" 2>/dev/null || true
echo "--- service log"
cat "$svclog"
rm -f "$svclog"
echo "wrote $out"
