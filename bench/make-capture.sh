#!/bin/bash
# bench/make-capture.sh: the benchmark capture of issue 5. Real kernel traffic on the
# loopback of a namespace of our own (tmb-cap): the Go HTTP server of bench/cmd/server on
# 127.0.0.1:8080 and the bounded load generator of bench/cmd/load (Connection: close and
# keep-alive clients, client resets, client timeouts, server resets, refused connects),
# captured with tcpdump -i lo. The ephemeral port range is cut to 19,000 ports and
# tcp_tw_reuse is on, so ports are reused heavily, as on a busy host.
#
# Run as root:
#   bash bench/make-capture.sh                 # ~1 GB: bench/out/capture.pcap
#   bash bench/make-capture.sh --size 300      # ~300 MB
#   bash bench/make-capture.sh --double        # the same traffic twice as long:
#                                              #   bench/out/capture-double.pcap
# Options: --size MB (default 1000), --double, --conns N (overrides --size),
#          --workers N (default 32), --rate N (new connections/s, default no limit),
#          --out FILE.
# Next to the capture it writes FILE.txt: the load generator's report, tcpdump's drop
# count, capinfos and bench/cmd/capstat (connections, distinct 5-tuples).
BENCH=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH/.." && pwd)
. "$REPO/testdata/lib.sh"

SIZE_MB=1000
DOUBLE=0
CONNS=
WORKERS=32
RATE=0
OUT=
while [ $# -gt 0 ]; do
	case "$1" in
	--size) SIZE_MB=$2; shift 2 ;;
	--double) DOUBLE=1; shift ;;
	--conns) CONNS=$2; shift 2 ;;
	--workers) WORKERS=$2; shift 2 ;;
	--rate) RATE=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	-h | --help) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done

[ "$(id -u)" -eq 0 ] || { echo "run as root (ip netns, tcpdump)" >&2; exit 1; }
command -v go >/dev/null || { echo "needs the go toolchain" >&2; exit 1; }
tm_require ip tcpdump capinfos

# Bytes of capture per connection of the mix, measured on this kernel (pcap records,
# Ethernet headers on lo, TCP timestamps): --size is turned into a connection count, so
# that the same count, doubled, is the same traffic twice as long.
BYTES_PER_CONN=2400
if [ -z "$CONNS" ]; then
	CONNS=$((SIZE_MB * 1000 * 1000 / BYTES_PER_CONN))
fi
if [ -z "$OUT" ]; then
	OUT=$BENCH/out/capture.pcap
	[ "$DOUBLE" = 1 ] && OUT=$BENCH/out/capture-double.pcap
fi
[ "$DOUBLE" = 1 ] && CONNS=$((CONNS * 2))
mkdir -p "$BENCH/out/bin" "$(dirname "$OUT")"
OUT=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")

echo "building bench/cmd/{server,load,capstat}" >&2
for p in server load capstat; do
	(cd "$REPO" && go build -o "$BENCH/out/bin/$p" "./bench/cmd/$p")
done

NS=tmb-cap
tm_ns "$NS"
# Heavy port reuse: 19,000 ephemeral ports for hundreds of thousands of connections.
ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="20000 38999"
ip netns exec "$NS" sysctl -qw net.ipv4.tcp_tw_reuse=1
ip netns exec "$NS" sysctl -qw net.core.somaxconn=4096

ip netns exec "$NS" "$BENCH/out/bin/server" -addr 127.0.0.1:8080 2>/dev/null &
TM_PIDS+=("$!")
for _ in $(seq 100); do
	ip netns exec "$NS" ss -Hltn "sport = :8080" | grep -q . && break
	sleep 0.05
done

# Not tm_capture: that one runs tcpdump with -U --immediate-mode (a write per packet),
# which costs far too much at this rate. Here: a 256 MiB kernel buffer, buffered writes,
# and a pause before SIGINT so the last ring block (timeout 1 s) reaches the file.
rm -f "$OUT"
DUMPLOG=$(mktemp)
ip netns exec "$NS" tcpdump -i lo -n -B 262144 -Z root -w "$OUT" 2>"$DUMPLOG" &
DUMP_PID=$!
TM_PIDS+=("$DUMP_PID")
for _ in $(seq 100); do
	grep -q "listening on" "$DUMPLOG" && break
	sleep 0.05
done
sleep 0.3

echo "load: $CONNS connections, $WORKERS at a time -> $OUT" >&2
LOADLOG=$(mktemp)
ip netns exec "$NS" "$BENCH/out/bin/load" -addr 127.0.0.1:8080 -refuse 127.0.0.1:8081 \
	-conns "$CONNS" -workers "$WORKERS" -rate "$RATE" | tee "$LOADLOG" >&2

sleep 2.5
kill -INT "$DUMP_PID" 2>/dev/null || true
wait "$DUMP_PID" 2>/dev/null || true
DROPPED=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$DUMPLOG")

{
	echo "# $(basename "$OUT"): made $(date -u +%Y-%m-%dT%H:%M:%SZ) by bench/make-capture.sh"
	echo "# options: conns=$CONNS workers=$WORKERS rate=$RATE double=$DOUBLE"
	echo "## load generator"
	cat "$LOADLOG"
	echo "## tcpdump"
	grep -E "packets (captured|received|dropped)" "$DUMPLOG" || true
	echo "## capinfos"
	capinfos -c -s -u -x -y -z -M "$OUT" | tail -n +2
	echo "## capstat"
	"$BENCH/out/bin/capstat" "$OUT"
} >"$OUT.txt"
rm -f "$DUMPLOG" "$LOADLOG"
cat "$OUT.txt"
if [ "${DROPPED:-0}" != 0 ]; then
	echo "WARNING: tcpdump dropped $DROPPED packets: rerun with --rate or fewer --workers" >&2
fi
