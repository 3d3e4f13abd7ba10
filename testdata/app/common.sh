# Helpers shared by the testdata/app capture scripts (on top of ../lib.sh).
# Source it:  . "$(dirname "$0")/common.sh"

APP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$APP_DIR/../lib.sh"

tm_require ip tcpdump
command -v go >/dev/null || { echo "needs the go toolchain" >&2; exit 1; }
APP_BIN=/tmp/tmt3-bin
APP_REPO=$(cd "$APP_DIR/../.." && pwd)

[ "$(id -u)" -eq 0 ] || { echo "run as root (ip netns, tcpdump)" >&2; exit 1; }

app_build() { # app_build PROG... : go build testdata/app/cmd/PROG to $APP_BIN/PROG
	mkdir -p "$APP_BIN"
	local p
	for p in "$@"; do
		(cd "$APP_REPO" && go build -o "$APP_BIN/$p" "./testdata/app/cmd/$p")
	done
}

app_bg() { # app_bg NS CMD... : run CMD in NS in the background, stopped on exit
	ip netns exec "$1" "${@:2}" &
	TM_PIDS+=("$!")
	APP_LAST_PID=$!
}

app_wait_port() { # app_wait_port NS PORT : wait until something listens on TCP PORT in NS
	local i
	for i in $(seq 100); do
		ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
		sleep 0.05
	done
	echo "nothing listens on port $2 in $1" >&2
	return 1
}

app_stop_all() { # app_stop_all : after tm_stop_capture, stop every background program
	local p
	for p in "${TM_PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
	for p in "${TM_PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
	TM_PIDS=()
}

# app_capture NS FILE [IFACE] : tcpdump on IFACE (default veth-c) of NS (Ethernet link
# type; raw IP on a slow link, see tm_pair), filter tcp.
# --immediate-mode: without it libpcap hands packets over in blocks (up to ~1 s late) and
# the ones still in the ring when tm_stop_capture interrupts tcpdump are lost.
# -Z root: tcpdump would otherwise drop to user tcpdump before opening FILE.
app_capture() {
	rm -f "$2"
	tm_capture "$1" "$2" -i "${3:-veth-c}" --immediate-mode -Z root tcp
}
