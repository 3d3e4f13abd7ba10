# Helpers shared by the capture scripts in testdata/tcp (on top of ../lib.sh).
# Source it from a capture script:  . "$(dirname "$0")/common.sh"
#
# Every script builds the namespace pair tmt1-c (client, 10.77.0.1, fd77::1) and tmt1-s
# (server, 10.77.0.2, fd77::2), runs small Python programs (stdlib only) in them, and
# captures with tcpdump inside one of them. Ports are fixed (server 90NN, client 41NN0+k)
# so every re-run yields the same 4-tuples, which EXPECTED.md lists.

TK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$TK_DIR/../lib.sh"

TK_C=tmt1-c
TK_S=tmt1-s
TK_FILTER='tcp or icmp or icmp6'
export PYTHONPATH="$TK_DIR${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1

# tk_start NAME : checks tools, builds the namespace pair, sets TK_OUT to NAME.pcap.
tk_start() {
	[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
	tm_require ip tcpdump nft python3 ss
	command -v ping >/dev/null 2>&1 || {
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iputils-ping >/dev/null
	}
	TK_OUT="$TK_DIR/$1.pcap"
	tm_pair tmt1
	tk_quiet "$TK_C" veth-c
	tk_quiet "$TK_S" veth-s
	if [ -z "${TM_DELAY_MS:-}" ]; then # a slow link (see tm_pair) has no MAC to resolve
		local mc ms
		mc=$(ip netns exec "$TK_C" cat /sys/class/net/veth-c/address)
		ms=$(ip netns exec "$TK_S" cat /sys/class/net/veth-s/address)
		ip netns exec "$TK_C" ip neigh replace 10.77.0.2 lladdr "$ms" dev veth-c nud permanent
		ip netns exec "$TK_C" ip -6 neigh replace fd77::2 lladdr "$ms" dev veth-c nud permanent
		ip netns exec "$TK_S" ip neigh replace 10.77.0.1 lladdr "$mc" dev veth-s nud permanent
		ip netns exec "$TK_S" ip -6 neigh replace fd77::1 lladdr "$mc" dev veth-s nud permanent
	fi
	sleep 0.2
}

# tk_quiet NS IFACE : keeps IPv6 housekeeping out of the captures (the filter lets every
# ICMPv6 through): no link-local address (so no DAD, no router solicitation), and static
# neighbour entries (set by tk_start) so no neighbour solicitations either. Frame numbers
# then stay the same from one run to the next.
tk_quiet() {
	local ns="$1" dev="$2"
	ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.addr_gen_mode=1" \
		"net.ipv6.conf.$dev.accept_ra=0" "net.ipv6.conf.$dev.router_solicitations=0"
	ip netns exec "$ns" ip -6 addr flush dev "$dev" scope link
}

# tk_capture NS IFACE : starts tcpdump in NS on IFACE writing TK_OUT, with the standard
# filter. --immediate-mode matters: without it libpcap (TPACKET_V3) hands packets over in
# blocks, and the packets of the last second are lost when tcpdump is stopped by SIGINT.
tk_capture() {
	tm_capture "$1" "$TK_OUT" --immediate-mode -i "$2" "$TK_FILTER"
}

# tk_sysctl NS KEY=VALUE... : per-namespace sysctls.
tk_sysctl() {
	local ns="$1"
	shift
	local kv
	for kv in "$@"; do ip netns exec "$ns" sysctl -qw "$kv"; done
}

# tk_bg NS PROGRAM ARGS... : runs `python3 -m tk PROGRAM ARGS` in NS in the background;
# sets TK_BG_PID (stopped on exit by lib.sh's trap).
tk_bg() {
	local ns="$1"
	shift
	ip netns exec "$ns" python3 -m tk "$@" &
	TK_BG_PID=$!
	TM_PIDS+=("$TK_BG_PID")
}

# tk_run NS PROGRAM ARGS... : same in the foreground.
tk_run() {
	local ns="$1"
	shift
	ip netns exec "$ns" python3 -m tk "$@"
}

# tk_wait_listen PORT : waits until the server namespace listens on PORT.
tk_wait_listen() {
	local i
	for i in $(seq 100); do
		[ -n "$(ip netns exec "$TK_S" ss -Hltn "sport = :$1")" ] && return 0
		sleep 0.05
	done
	echo "nobody listens on port $1" >&2
	exit 1
}

# tk_wait_sock STATE SPORT : waits until the client namespace has a socket from port
# SPORT in STATE (an ss state name: established, syn-sent ...), so that the script's
# sleeps count from the handshake or the first SYN, not from Python's start-up (which
# varies by 0.1-0.2 s).
tk_wait_sock() {
	local i
	for i in $(seq 200); do
		[ -n "$(ip netns exec "$TK_C" ss -Htn state "$1" "sport = :$2")" ] && return 0
		sleep 0.01
	done
	echo "no $1 socket from port $2" >&2
	exit 1
}

# tk_wait_estab SPORT : tk_wait_sock established SPORT.
tk_wait_estab() { tk_wait_sock established "$1"; }

# tk_ss NS : prints the TCP sockets of NS (for the log: shows CLOSE_WAIT and friends).
tk_ss() {
	echo "--- ss -tan in $1:"
	ip netns exec "$1" ss -tan | sed 's/^/    /'
}

# tk_done [-6] : marks the end of the capture with one ICMP echo request/reply (ICMPv6
# with -6) from the client to the server namespace, then stops tcpdump (0.3 s later).
# A pcap file does not record when the capture stopped; the analyzer can only take the
# last packet's time as the end of the capture, so without this marker a flow that went
# silent would seem to end with the capture. The marker is the capture's "clock".
tk_done() {
	if [ "${1:-}" = -6 ]; then
		ip netns exec "$TK_C" ping -6 -n -q -c1 -W1 fd77::2 >/dev/null || true
	else
		ip netns exec "$TK_C" ping -n -q -c1 -W1 10.77.0.2 >/dev/null || true
	fi
	tm_stop_capture
	echo "wrote $TK_OUT ($(stat -c %s "$TK_OUT") bytes)"
}

# tk_nft NS 'RULESET' : loads an nftables ruleset (nft -f syntax) in NS.
tk_nft() {
	ip netns exec "$1" nft -f - <<<"$2"
}
