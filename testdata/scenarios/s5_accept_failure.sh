#!/usr/bin/env bash
# Incident 5 (SCENARIOS.md): "connection reset by peer" - a service out of file
# descriptors stops accepting; the kernel completes handshakes and queues them; the
# queued requests end with RST. Makes s5_accept_failure.pcap, captured on veth-c in
# the client namespace tmt4-s5-c, port 8080.
#
#   - s5service (cmd/s5service) runs in tmt4-s5-s on 10.77.0.2:8080 under
#     `ulimit -n 24` (soft and hard). Each request leaks one fd (a file it never
#     closes); requests 1-4 are answered at once, 5-10 after 0.4, 0.8, ... 2.4 s, and
#     from 11 on the handler waits forever (DB pool deadlock), holding its connection.
#   - s5client (cmd/s5client) in tmt4-s5-c sends 36 GETs, one every 0.25 s, each on a
#     fresh connection with a 4 s timeout (then it closes: FIN).
#   - When the fds are gone, accept4() fails with EMFILE (net/http logs "Accept error:
#     ... too many open files; retrying"); the kernel still completes each handshake
#     and ACKs each request, which waits, unread, in the accept queue.
#   - What produced the RSTs: 3 s after the first accept error this script (standing
#     for the supervisor / liveness probe) sends SIGTERM; the service calls
#     http.Server.Shutdown, which closes the listening socket, and the KERNEL resets
#     every connection still in its accept queue (inet_csk_listen_stop ->
#     tcp_disconnect -> RST): each of those clients sent its request and got an RST
#     back, never a byte. Shutdown then waits forever for the hung handlers, so their
#     sockets stay in CLOSE_WAIT after the clients time out. Requests sent after the
#     listener is gone are refused (SYN answered by RST) until the client is done.
# Run as root: bash testdata/scenarios/s5_accept_failure.sh
. "$(dirname "$0")/../lib.sh"
tm_require tcpdump ip
command -v go >/dev/null || { echo "needs go" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="$here/s5_accept_failure.pcap"

(cd "$repo" && go build -o /tmp/tmt4-s5service ./testdata/scenarios/cmd/s5service &&
	go build -o /tmp/tmt4-s5client ./testdata/scenarios/cmd/s5client)

tm_pair tmt4-s5

slog=$(mktemp)
ip netns exec tmt4-s5-s bash -c 'ulimit -n 24 && exec /tmp/tmt4-s5service -addr 10.77.0.2:8080 -fast 4 -slow 6 -step 400ms' 2>"$slog" &
svc=$!
TM_PIDS+=("$svc")
# after its first SIGTERM the service lingers in Shutdown: make sure it dies
trap 'kill -KILL "$svc" 2>/dev/null || true; tm_cleanup' EXIT
for _ in $(seq 100); do grep -q listening "$slog" && break; sleep 0.05; done

rm -f "$out"
tm_capture tmt4-s5-c "$out" --immediate-mode -Z root -i veth-c tcp port 8080

clog=$(mktemp)
ip netns exec tmt4-s5-c /tmp/tmt4-s5client -url http://10.77.0.2:8080/api/cart/ -n 36 -every 250ms -timeout 4s 2>"$clog" &
cl=$!
TM_PIDS+=("$cl")

# the supervisor: SIGTERM 3 s after the first accept error
for _ in $(seq 400); do grep -q "too many open files" "$slog" && break; sleep 0.05; done
grep -q "too many open files" "$slog" || { echo "the service never ran out of fds" >&2; exit 1; }
sleep 3
kill -TERM "$svc"

wait "$cl" || true
sleep 1
tm_stop_capture
kill "$svc" 2>/dev/null || true # the second SIGTERM
wait "$svc" 2>/dev/null || true
echo "--- client log"
cat "$clog"
echo "--- service log"
grep -v "retrying in" "$slog"
echo "($(grep -c "retrying in" "$slog") accept errors logged, first: $(grep -m1 "retrying in" "$slog"))"
rm -f "$clog" "$slog"
echo "wrote $out"
