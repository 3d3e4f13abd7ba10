# Helpers shared by the testdata/link/*.sh and testdata/demo/*.sh capture scripts.
# Source it after ../lib.sh:   . "$T2_DIR/common.sh"
# Namespace prefix for this family of scripts: tmt2.

T2_LINK="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
T2_PY="${T2_PY:-/usr/bin/python3}"
[ -x "$T2_PY" ] || T2_PY=python3
T2_PLAY="$T2_PY $T2_LINK/tcpplay.py"

[ "$(id -u)" = 0 ] || { echo "run as root (ip netns, tcpdump)" >&2; exit 1; }

# t2_bg NS CMD... : run CMD in namespace NS in the background (stopped on exit).
t2_bg() {
	local ns="$1"
	shift
	ip netns exec "$ns" "$@" &
	T2_LAST_PID=$!
	TM_PIDS+=("$T2_LAST_PID")
}

# t2_in NS CMD... : run CMD in namespace NS in the foreground.
t2_in() {
	local ns="$1"
	shift
	ip netns exec "$ns" "$@"
}

# t2_serve NS ADDR PORT : tcpplay server in the background, returns once it listens.
t2_serve() {
	local ns="$1" addr="$2" port="$3"
	t2_bg "$ns" $T2_PLAY serve "$addr" "$port" --for 600
	for _ in $(seq 100); do
		ip netns exec "$ns" ss -Hltn "sport = :$port" | grep -q . && return 0
		sleep 0.05
	done
	echo "server on $addr:$port did not start" >&2
	return 1
}

# t2_mix CLIENT_NS ADDR : the standard small mix, against a server already listening on
# ADDR:8080 — one clean request/response (2 requests on one connection, client closes
# first: FIN/FIN) and one connect to the closed port ADDR:81 (SYN answered by RST).
t2_mix() {
	local ns="$1" addr="$2"
	t2_in "$ns" $T2_PLAY get "$addr" 8080 /ok --n 2 --every 0.1
	sleep 0.3
	t2_in "$ns" $T2_PLAY refused "$addr" 81
	sleep 0.3
}

# t2_stop_pids PID... : stop background processes started with t2_bg (by pid).
t2_stop_pids() {
	local p
	for p in "$@"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

# t2_done FILE... : make each output file root-owned and world-readable (tcpdump writes
# as user tcpdump, dumpcap with mode 600), then show what capinfos and tshark make of it.
t2_done() {
	local f
	for f in "$@"; do
		chown root:root "$f" "$f.gz" 2>/dev/null || true
		chmod 644 "$f" "$f.gz" 2>/dev/null || true
		t2_show "$f"
	done
}

# t2_show FILE : what capinfos and tshark make of FILE (for checking by eye).
t2_show() {
	capinfos -t -E -c -u -i -F "$1" 2>/dev/null || capinfos "$1"
	tshark -n -r "$1" -q -z conv,tcp 2>/dev/null | sed -n '/<->/p'
}

# t2_tunpair NS_A NS_B : a raw-IP point-to-point link (tun0 in each namespace, relayed by
# tunrelay.py): NS_A 10.78.0.1 / fd78::1, NS_B 10.78.0.2 / fd78::2. Link type RAW (101).
t2_tunpair() {
	local a="$1" b="$2"
	TM_PY=$T2_PY tm_tunrelay "$a" "$b" tun0
	ip -n "$a" addr add 10.78.0.1 peer 10.78.0.2 dev tun0
	ip -n "$b" addr add 10.78.0.2 peer 10.78.0.1 dev tun0
	ip -n "$a" -6 addr add fd78::1/64 dev tun0 nodad
	ip -n "$b" -6 addr add fd78::2/64 dev tun0 nodad
	ip -n "$a" link set tun0 up
	ip -n "$b" link set tun0 up
}

# t2_dumpcap NS FILE DUMPCAP-ARGS... : like tm_capture, with dumpcap (pcapng, several -i).
# Stop it with tm_stop_capture.
t2_dumpcap() {
	local ns="$1" file="$2" log
	shift 2
	log=$(mktemp)
	ip netns exec "$ns" dumpcap -q -w "$file" "$@" 2>"$log" &
	TM_CAPTURE_PID=$!
	TM_PIDS+=("$TM_CAPTURE_PID")
	for _ in $(seq 100); do
		grep -q "^File:" "$log" && break
		sleep 0.05
	done
	sleep 0.5
	rm -f "$log"
}

# t2_stop_dumpcap : stop a t2_dumpcap capture. dumpcap has no immediate mode: wait past
# libpcap's TPACKET_V3 block timeout first, so the last packets reach the file.
t2_stop_dumpcap() {
	sleep 1.2
	tm_stop_capture
}
