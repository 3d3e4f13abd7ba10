#!/usr/bin/env bash
# Incident 4 (SCENARIOS.md): SSH clients hang forever on servers that accept the
# connection and never send their banner. Makes s4_ssh_silent.pcap, captured on
# veth-c in the client namespace tmt4-s4-c, port 36000.
#
#   - s4server (cmd/s4server) in tmt4-s4-s on 10.77.0.2:36000 accepts, reads, never
#     writes, never closes; keepalive off on its side.
#   - s4clients (cmd/s4clients) in tmt4-s4-c: first 4 connections that never send a
#     byte (idle from the start), then 20 clients, one every 0.1 s, each sending
#     "SSH-2.0-Go\r\n" and waiting for the server's banner with no timeout, except
#     clients 5 and 15, which give up after 3 s and close (FIN; the server never
#     closes). Even-numbered connections (idle 2, 4; clients 2, 4, ..., 20) have TCP
#     keepalive with TCP_KEEPIDLE=1 s, TCP_KEEPINTVL=1 s (probes every second, ACKed by
#     the server's kernel); the odd ones have keepalive off.
#   - The capture stops 6 s after the last client connected; the keepalive probes go
#     on until then, so the last packet of the file marks the end of the capture.
# Run as root: bash testdata/scenarios/s4_ssh_silent.sh
. "$(dirname "$0")/../lib.sh"
tm_require tcpdump ip
command -v go >/dev/null || { echo "needs go" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="$here/s4_ssh_silent.pcap"

(cd "$repo" && go build -o /tmp/tmt4-s4server ./testdata/scenarios/cmd/s4server &&
	go build -o /tmp/tmt4-s4clients ./testdata/scenarios/cmd/s4clients)

tm_pair tmt4-s4

slog=$(mktemp)
ip netns exec tmt4-s4-s /tmp/tmt4-s4server -addr 10.77.0.2:36000 2>"$slog" &
srv=$!
TM_PIDS+=("$srv")
for _ in $(seq 100); do grep -q listening "$slog" && break; sleep 0.05; done

rm -f "$out"
tm_capture tmt4-s4-c "$out" --immediate-mode -Z root -i veth-c tcp port 36000

clog=$(mktemp)
ip netns exec tmt4-s4-c /tmp/tmt4-s4clients -addr 10.77.0.2:36000 -idle 4 -n 20 -every 100ms \
	-ka-idle 1s -ka-intvl 1s -giveup 5,15 -giveup-after 3s 2>"$clog" &
cl=$!
TM_PIDS+=("$cl")
for _ in $(seq 200); do grep -q "all connected" "$clog" && break; sleep 0.05; done
sleep 6
tm_stop_capture
kill "$cl" "$srv" 2>/dev/null || true
wait "$cl" "$srv" 2>/dev/null || true
echo "--- client log"
cat "$clog"
echo "--- server log"
cat "$slog"
rm -f "$clog" "$slog"
echo "wrote $out"
