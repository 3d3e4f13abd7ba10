# Shared helpers for the scripts that make tcpmortem's test captures.
# Source it from a capture script:  . "$(dirname "$0")/../lib.sh"
#
# Every capture is made inside network namespaces the script creates itself, so the
# real Linux TCP stack does the work and nothing else on the machine shows up in it.
# Needs root (ip netns), tcpdump, and whatever the script asks tm_require for.

set -euo pipefail

TM_NS=()          # namespaces to delete on exit
TM_PIDS=()        # background processes to stop on exit

tm_require() { # tm_require CMD... : installs Debian packages for missing commands
	local missing=()
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || missing+=("$c")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	local pkgs=()
	for c in "${missing[@]}"; do
		case "$c" in
		ip) pkgs+=(iproute2) ;;
		nft) pkgs+=(nftables) ;;
		tshark | editcap | capinfos | mergecap | dumpcap) pkgs+=(tshark) ;;
		*) pkgs+=("$c") ;;
		esac
	done
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
}

tm_cleanup() {
	local p n
	for p in "${TM_PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
	for n in "${TM_NS[@]:-}"; do [ -n "$n" ] && ip netns del "$n" 2>/dev/null || true; done
}
trap tm_cleanup EXIT

# tm_ns NAME : a fresh namespace with lo up.
# TM_SYSCTLS="key=value ..." sets those sysctls in it first, so that any script can be run
# again as another kernel's defaults would run it (TM_SYSCTLS="net.ipv4.tcp_ecn=1" bash
# SCRIPT); the sysctls a script sets itself come after, and win.
tm_ns() {
	ip netns del "$1" 2>/dev/null || true
	ip netns add "$1"
	TM_NS+=("$1")
	ip netns exec "$1" ip link set lo up
	local kv
	for kv in ${TM_SYSCTLS:-}; do
		ip netns exec "$1" sysctl -qw "$kv"
	done
}

# tm_pair PREFIX : two namespaces PREFIX-c (client, 10.77.0.1, fd77::1) and PREFIX-s
# (server, 10.77.0.2, fd77::2) joined by a veth pair (veth-c / veth-s).
#
# With TM_DELAY_MS set (TM_DELAY_MS=25 bash SCRIPT), the link is slow instead: veth-c and
# veth-s are tun devices (raw IP, no MAC) joined by link/tunrelay.py, which delays each
# packet TM_DELAY_MS ms each way, as a path with a real round trip does (this kernel has
# no netem). Every script built on tm_pair then runs its story over that path.
# TM_LOSS_PCT=P and TM_JITTER_MS=J (with TM_DELAY_MS) also drop P% of the packets and
# reorder them (see link/tunrelay.py): a lossy path, whose retransmissions are real.
tm_pair() {
	local c="$1-c" s="$1-s"
	tm_ns "$c"
	tm_ns "$s"
	if [ -n "${TM_DELAY_MS:-}" ]; then
		tm_tunpair "$c" "$s"
		return
	fi
	ip link add veth-c netns "$c" type veth peer name veth-s netns "$s"
	tm_pair_addrs "$c" "$s"
	# No offloads: the capture then shows segments as they are on the wire.
	ip netns exec "$c" ethtool -K veth-c tso off gso off gro off >/dev/null 2>&1 || true
	ip netns exec "$s" ethtool -K veth-s tso off gso off gro off >/dev/null 2>&1 || true
}

# tm_pair_addrs C S : tm_pair's addresses on veth-c in C and veth-s in S, links up.
tm_pair_addrs() {
	local c="$1" s="$2"
	ip netns exec "$c" ip addr add 10.77.0.1/24 dev veth-c
	ip netns exec "$s" ip addr add 10.77.0.2/24 dev veth-s
	ip netns exec "$c" ip -6 addr add fd77::1/64 dev veth-c nodad
	ip netns exec "$s" ip -6 addr add fd77::2/64 dev veth-s nodad
	ip netns exec "$c" ip link set veth-c up
	ip netns exec "$s" ip link set veth-s up
}

# tm_tunpair C S : tm_pair's slow link, TM_DELAY_MS each way (see tm_pair).
tm_tunpair() {
	tm_tunrelay "$1" "$2" veth-c:veth-s "$TM_DELAY_MS"
	tm_pair_addrs "$1" "$2"
}

# tm_tunrelay NS_A NS_B IFNAMES [DELAY_MS] : starts link/tunrelay.py (with $TM_PY, default
# python3) joining NS_A and NS_B by tun devices, and returns once they exist.
tm_tunrelay() {
	local log
	log=$(mktemp)
	"${TM_PY:-python3}" -u "$(dirname "${BASH_SOURCE[0]}")/link/tunrelay.py" "$@" >"$log" &
	TM_PIDS+=("$!")
	for _ in $(seq 100); do
		grep -q ready "$log" && break
		sleep 0.05
	done
	rm -f "$log"
}

# tm_cut MODE SRC OUT RANGE... : OUT made by editcap from SRC (both named relative to the
# calling script's directory), keeping (MODE keep) or dropping (MODE drop) the frames in
# the ranges ("12", "2-1000"): what a capture begun late, stopped early or that lost
# packets holds, made from a kernel capture. No root needed once editcap is there.
tm_cut() {
	local mode=$1 dir src out
	dir=$(cd "$(dirname "$0")" && pwd)
	src=$dir/$2 out=$dir/$3
	shift 3
	tm_require editcap
	case $mode in
	keep) editcap -F pcap -r "$src" "$out" "$@" ;;
	drop) editcap -F pcap "$src" "$out" "$@" ;;
	*)
		echo "tm_cut: MODE is keep or drop, not $mode" >&2
		return 2
		;;
	esac
	echo "wrote $out"
}

# tm_capture NS FILE TCPDUMP-ARGS... : start tcpdump in NS writing FILE; returns once it
# is capturing. Stop it with tm_stop_capture.
tm_capture() {
	local ns="$1" file="$2"
	shift 2
	local log
	log=$(mktemp)
	ip netns exec "$ns" tcpdump -U --immediate-mode -Z root -n -w "$file" "$@" 2>"$log" &
	TM_CAPTURE_PID=$!
	TM_PIDS+=("$TM_CAPTURE_PID")
	for _ in $(seq 100); do
		grep -q "listening on" "$log" && break
		sleep 0.05
	done
	sleep 0.2
	rm -f "$log"
}

tm_stop_capture() {
	# Give the last packets time to reach the file before tcpdump stops.
	sleep 0.5
	kill -INT "$TM_CAPTURE_PID" 2>/dev/null || true
	wait "$TM_CAPTURE_PID" 2>/dev/null || true
}
