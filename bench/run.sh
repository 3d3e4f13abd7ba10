#!/bin/bash
# bench/run.sh: measure tcpmortem against its peers on a benchmark capture (issue 5).
#
#   bash bench/run.sh [options] [FILE]        FILE defaults to bench/out/capture.pcap
#   bash bench/run.sh --report RUNS.tsv       print the tables of an earlier run again
#
# Builds tcpmortem and bench/floor, installs tshark and tcptrace from Debian when missing
# (needs root then), warms the page cache, then runs N interleaved rounds; each round runs
# every command once, the starting command rotating from round to round:
#   tcpmortem     tcpmortem analyze --format json FILE >/dev/null
#   tcpmortem-1   the same with --workers 1: one goroutine (for the 1 -> 2 worker speed-up)
#   tshark        tshark -q -z conv,tcp -r FILE >/dev/null
#   tcptrace      tcptrace -n -l FILE >/dev/null
#   floor         bench/floor FILE (pcapgo zero-copy read, no decoding)
#   cat           cat FILE >/dev/null (the page-cache ceiling, for scale)
# Each run: wall time (date, ns), CPU time and peak RSS (/usr/bin/time -v, "Maximum
# resident set size"). Prints medians (packets/s and MB/s from capinfos' packet count and
# the file size) and the ratios taken within each round, and writes them to
# bench/out/results-STAMP.md, with the raw runs in bench/out/runs-STAMP.tsv.
#
# Options:
#   --rounds N       rounds (default 3)
#   --no-tshark      skip tshark (minutes and GiBs of RAM on 1 GB)
#   --no-tcptrace    skip tcptrace (same)
#   --no-workers1    skip the --workers 1 run of tcpmortem
#   --no-cat         skip cat
#   --tcpmortem BIN  measure this binary instead of building ./cmd/tcpmortem
#   --report TSV     only print the tables of the runs in TSV (a runs-STAMP.tsv)
BENCH=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$BENCH/.." && pwd)
. "$REPO/testdata/lib.sh"

ROUNDS=3
TSHARK=1
TCPTRACE=1
GMP1=1
CAT=1
TM_BIN=
FILE=
REPORT=
while [ $# -gt 0 ]; do
	case "$1" in
	--rounds) ROUNDS=$2; shift 2 ;;
	--no-tshark) TSHARK=0; shift ;;
	--no-tcptrace) TCPTRACE=0; shift ;;
	--no-workers1 | --no-gomaxprocs1) GMP1=0; shift ;;
	--no-cat) CAT=0; shift ;;
	--tcpmortem) TM_BIN=$2; shift 2 ;;
	--report) REPORT=$2; shift 2 ;;
	-h | --help) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
	*) FILE=$1; shift ;;
	esac
done

# summarize TSV: the tables, from a runs file (its "# key=value" lines give the capture's
# packets and size). Medians per tool and ratios within each round; failed runs left out.
summarize() {
	awk -F'\t' '
	function median(list,   a, i, j, m, v) {
		m = split(list, a, " ")
		if (m == 0) return ""
		for (i = 2; i <= m; i++) { v = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > v; j--) a[j + 1] = a[j]; a[j + 1] = v }
		return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
	}
	/^# / { split(substr($0, 3), kv, "="); meta[kv[1]] = substr($0, 3 + length(kv[1]) + 1); next }
	$1 == "round" { next }
	{ if ($1 > rounds) rounds = $1; loads = loads " " $7; if ($7 > maxload) maxload = $7 }
	$5 != 0 { failed[$2]++; next }
	{
		if (!($2 in seen)) { seen[$2] = 1; order[++ntools] = $2 }
		walls[$2] = walls[$2] " " $3; rsss[$2] = rsss[$2] " " $4; cpus[$2] = cpus[$2] " " $6
		if ($4 > maxrss[$2]) maxrss[$2] = $4
		t[$1, $2] = $3; c[$1, $2] = $6
	}
	END {
		packets = meta["packets"]; bytes = meta["bytes"]
		printf "Capture: `%s`: %d packets, %d bytes (%.2f GB).\n", meta["file"], packets, bytes, bytes / 1e9
		printf "%d interleaved rounds, started %s, %s CPUs; tcpmortem: %s.\n", rounds, meta["date"], meta["nproc"], meta["tcpmortem"]
		printf "1-minute load average just before each run: median %.2f, max %.2f", median(loads), maxload
		if (median(loads) > meta["nproc"]) printf " (busy machine: wall times include waiting for other work; CPU times much less)"
		printf ".\n\n"
		printf "| command | median wall s | median CPU s | packets/s | MB/s | peak RSS (median, max) | runs |\n"
		printf "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
		for (i = 1; i <= ntools; i++) {
			k = order[i]; w = median(walls[k]); m = split(walls[k], tmp, " ")
			printf "| %s | %.2f | %.2f | %.3f M | %.1f | %.0f MiB, %.0f MiB | %d%s |\n", k, w, median(cpus[k]), packets / w / 1e6, bytes / w / 1e6,
				median(rsss[k]) / 1024, maxrss[k] / 1024, m, (failed[k] ? " (" failed[k] " failed)" : "")
		}
		printf "\nRatios within each round: the peer'"'"'s time / tcpmortem'"'"'s time, so a throughput ratio (higher is better\n"
		printf "for tcpmortem). Wall: what a user waits. CPU: user+system seconds, less disturbed by other load.\n\n"
		printf "| ratio |"; for (r = 1; r <= rounds; r++) printf " round %d |", r; printf " median |\n"
		printf "| --- |"; for (r = 1; r <= rounds; r++) printf " ---: |"; printf " ---: |\n"
		ratio(t, "tcpmortem vs tshark, wall (x)", "tshark", "tcpmortem")
		ratio(c, "tcpmortem vs tshark, CPU (x)", "tshark", "tcpmortem")
		ratio(t, "tcpmortem vs tcptrace, wall (x)", "tcptrace", "tcpmortem")
		ratio(c, "tcpmortem vs tcptrace, CPU (x)", "tcptrace", "tcpmortem")
		ratio(t, "tcpmortem vs floor, wall (fraction of the floor)", "floor", "tcpmortem")
		ratio(t, "--workers 1 -> default (the CPUs) speed-up, wall (x)", "tcpmortem-1", "tcpmortem")
	}
	function ratio(tm, name, peer, subj,   r, line, l, any, v) {
		l = ""; any = 0
		for (r = 1; r <= rounds; r++) {
			if (((r, peer) in tm) && ((r, subj) in tm) && tm[r, subj] > 0) {
				v = tm[r, peer] / tm[r, subj]; line = line sprintf(" %.3f |", v); l = l " " v; any = 1
			} else line = line " - |"
		}
		if (any) printf "| %s |%s %.3f |\n", name, line, median(l)
	}
	' "$1"
	echo
	echo "Raw runs: \`$1\`"
}

if [ -n "$REPORT" ]; then
	summarize "$REPORT"
	exit 0
fi

FILE=${FILE:-$BENCH/out/capture.pcap}
[ -f "$FILE" ] || { echo "no capture $FILE: make one with bench/make-capture.sh" >&2; exit 1; }
FILE=$(cd "$(dirname "$FILE")" && pwd)/$(basename "$FILE")
[ -x /usr/bin/time ] || tm_require time
tm_require capinfos
[ "$TSHARK" = 1 ] && tm_require tshark
[ "$TCPTRACE" = 1 ] && tm_require tcptrace

BIN=$BENCH/out/bin
mkdir -p "$BIN"
if [ -z "$TM_BIN" ]; then
	echo "building tcpmortem and bench/floor" >&2
	(cd "$REPO" && go build -o "$BIN/tcpmortem" ./cmd/tcpmortem)
	TM_BIN=$BIN/tcpmortem
	TM_LABEL="built from $(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo '?')"
	[ -n "$(cd "$REPO" && git status --porcelain -- . ':!bench' 2>/dev/null | head -1)" ] && TM_LABEL="$TM_LABEL + uncommitted changes"
else
	TM_LABEL="$TM_BIN ($("$TM_BIN" version 2>/dev/null | head -1))"
fi
(cd "$REPO" && go build -o "$BIN/floor" ./bench/floor)

PACKETS=$(capinfos -c -M -T "$FILE" | awk -F'\t' 'NR==2{print $2}')
BYTES=$(stat -c %s "$FILE")
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
TSV=$BENCH/out/runs-$STAMP.tsv
MD=$BENCH/out/results-$STAMP.md
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"; tm_cleanup' EXIT

TOOLS=(tcpmortem)
[ "$GMP1" = 1 ] && TOOLS+=(tcpmortem-1)
[ "$TSHARK" = 1 ] && TOOLS+=(tshark)
[ "$TCPTRACE" = 1 ] && TOOLS+=(tcptrace)
TOOLS+=(floor)
[ "$CAT" = 1 ] && TOOLS+=(cat)

cmdline() { # the command a tool name stands for, as an array in CMD
	case "$1" in
	tcpmortem) CMD=("$TM_BIN" analyze --format json "$FILE") ;;
	tcpmortem-1) CMD=("$TM_BIN" analyze --workers 1 --format json "$FILE") ;;
	tshark) CMD=(tshark -q -z conv,tcp -r "$FILE") ;;
	tcptrace) CMD=(tcptrace -n -l "$FILE") ;;
	floor) CMD=("$BIN/floor" "$FILE") ;;
	cat) CMD=(cat "$FILE") ;;
	esac
}

echo "capture: $FILE ($PACKETS packets, $BYTES bytes); warming the page cache" >&2
cat "$FILE" >/dev/null
{
	echo "# file=$FILE"
	echo "# packets=$PACKETS"
	echo "# bytes=$BYTES"
	echo "# nproc=$(nproc)"
	echo "# date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "# tcpmortem=$TM_LABEL"
	printf 'round\ttool\twall_s\trss_kib\texit\tcpu_s\tload1\n'
} >"$TSV"
n=${#TOOLS[@]}
for ((r = 1; r <= ROUNDS; r++)); do
	for ((j = 0; j < n; j++)); do
		tool=${TOOLS[$(((j + r - 1) % n))]}
		cmdline "$tool"
		load1=$(cut -d' ' -f1 /proc/loadavg)
		t0=$(date +%s%N)
		set +e
		/usr/bin/time -v -o "$TMP/time" "${CMD[@]}" >/dev/null 2>"$TMP/err"
		rc=$?
		set -e
		t1=$(date +%s%N)
		rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/time")
		cpu=$(awk -F': ' '/User time|System time/{s+=$2} END{printf "%.2f", s}' "$TMP/time")
		wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)/1e9}')
		printf '%d\t%s\t%s\t%s\t%d\t%s\t%s\n' "$r" "$tool" "$wall" "${rss:-0}" "$rc" "$cpu" "$load1" >>"$TSV"
		printf 'round %d  %-12s %9.2f s wall %9.2f s cpu %8d MiB  exit %d  (load before: %s)\n' \
			"$r" "$tool" "$wall" "$cpu" "$((${rss:-0} / 1024))" "$rc" "$load1" >&2
		if [ "$rc" != 0 ]; then
			echo "  $tool failed; its stderr ends with:" >&2
			tail -n 3 "$TMP/err" | sed 's/^/    /' >&2
		fi
	done
done

summarize "$TSV" | tee "$MD"
