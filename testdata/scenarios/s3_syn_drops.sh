#!/usr/bin/env bash
# Incident 3 (SCENARIOS.md): nginx -> pm2 on loopback; the upstream's accept queue is
# full, SYNs are dropped and retransmitted until the client gives up. Makes
# s3_syn_drops.pcap, a capture on `lo` inside namespace tmt4-s3, port 8085.
#
#   - tcp_syn_retries=3 in the namespace (the incident's 6, shortened). This kernel
#     also has tcp_syn_linear_timeouts=4 (left at its default), and since Linux decides
#     the give-up by TIME (the time 3 doubling retries would take: (2^4-1) x 1 s = 15 s),
#     not by count, a client actually sends 8 SYNs, gaps 1,1,1,1,1,2,4 s, and gives up
#     8 s after the last one (connect: ETIMEDOUT ~19.3 s after the first SYN).
#   - s3listener (cmd/s3listener) listens on 127.0.0.1:8085 with backlog 4 (the kernel
#     queues 5 established connections), answers the first 3 connections at once, then
#     never accepts again (its event loop is stuck).
#   - s3clients (cmd/s3clients) opens 25 connections, one every 0.2 s, with no connect
#     timeout of its own. Connections 4-8 complete the handshake into the accept queue,
#     send a GET, wait 8 s for an answer and close (the queued socket stays CLOSE_WAIT).
#     From connection 9 on the queue is full: the listener's kernel drops each SYN (no
#     reset) and every one of those attempts gives up. Then one last attempt (26) is
#     made and the capture ends 2.5 s later while it is still retrying.
# Run as root: bash testdata/scenarios/s3_syn_drops.sh
. "$(dirname "$0")/../lib.sh"
tm_require tcpdump ip
command -v go >/dev/null || { echo "needs go" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="$here/s3_syn_drops.pcap"
ns=tmt4-s3

(cd "$repo" && go build -o /tmp/tmt4-s3listener ./testdata/scenarios/cmd/s3listener &&
	go build -o /tmp/tmt4-s3clients ./testdata/scenarios/cmd/s3clients)

tm_ns "$ns"
ip netns exec "$ns" sysctl -qw net.ipv4.tcp_syn_retries=3

rm -f "$out"
tm_capture "$ns" "$out" --immediate-mode -Z root -i lo tcp port 8085

llog=$(mktemp)
ip netns exec "$ns" /tmp/tmt4-s3listener -addr 127.0.0.1:8085 -backlog 4 -fast 3 -slow 0 2>"$llog" &
lst=$!
TM_PIDS+=("$lst")
for _ in $(seq 100); do grep -q listening "$llog" && break; sleep 0.05; done

ip netns exec "$ns" /tmp/tmt4-s3clients -addr 127.0.0.1:8085 -n 25 -every 200ms -read 8s -last 2500ms
tm_stop_capture
kill "$lst" 2>/dev/null || true
wait "$lst" 2>/dev/null || true
echo "--- listener log"
cat "$llog"
rm -f "$llog"
echo "wrote $out"
