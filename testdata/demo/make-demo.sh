#!/bin/bash
# demo.pcapng: the capture the README shows. One run, one namespace pair (tmt2-dm-c client
# 10.77.0.1, tmt2-dm-s server 10.77.0.2), `dumpcap -i veth-s` on the server side (pcapng,
# Ethernet), ~14 s. Real kernel behaviour throughout; the verdicts it must give:
#   t=0.0  clean request/response, client closes first, FIN/FIN        -> clean_close
#   t=0.5  connect to the closed port 8081, answered by RST              -> refused
#   t=1.0  connect to 8443, where the server's firewall (nft) drops SYNs;
#          client namespace has net.ipv4.tcp_syn_retries=2: 3 SYNs, then
#          the client gives up (~3 s)                                    -> syn_giveup
#   t=1.5  GET /bye: the server answers and closes; the client never
#          closes (CLOSE_WAIT until capture end)                         -> fin_unanswered
#   t=2.0  GET /hang: the server never answers; the client times out
#          after 1 s and closes; the server never closes (CLOSE_WAIT)   -> http_unanswered
#   t=2.5  GET /ok answered, then 3 s idle, then the client aborts
#          (SO_LINGER 0): RST                                            -> rst_after_idle
#   t=3.0  GET /ok answered, then silent until capture end (~10 s)      -> idle_open
#   t=13   a last health-check GET /ok, client closes first, FIN/FIN     -> clean_close
#          (it marks the end of the capture with a TCP packet)
# Run as root: bash testdata/demo/make-demo.sh   (namespaces tmt2-dm-*, deleted on exit)
T2_DIR="$(cd "$(dirname "$0")" && pwd)"
. "$T2_DIR/../lib.sh"
. "$T2_DIR/../link/common.sh"
tm_require dumpcap nft capinfos

OUT="$T2_DIR/demo.pcapng"
tm_pair tmt2-dm
ip netns exec tmt2-dm-c sysctl -qw net.ipv4.tcp_syn_retries=2
ip netns exec tmt2-dm-s nft -f - <<'NFT'
table inet tmt2demo {
	chain input {
		type filter hook input priority 0; policy accept;
		tcp dport 8443 drop
	}
}
NFT
t2_serve tmt2-dm-s 10.77.0.2 8080
sleep 1 # let the links settle (IPv6 DAD/MLD chatter) before the capture starts
rm -f "$OUT"
t2_dumpcap tmt2-dm-s "$OUT" -i veth-s \
	--capture-comment "tcpmortem demo: server side (10.77.0.2) of one run with seven TCP endings"
P=()
t2_bg tmt2-dm-c $T2_PLAY get 10.77.0.2 8080 /ok --n 2 --every 0.1;                 P+=("$T2_LAST_PID")
sleep 0.5
t2_bg tmt2-dm-c $T2_PLAY refused 10.77.0.2 8081;                                   P+=("$T2_LAST_PID")
sleep 0.5
t2_bg tmt2-dm-c $T2_PLAY connect 10.77.0.2 8443;                                   P+=("$T2_LAST_PID")
sleep 0.5
t2_bg tmt2-dm-c $T2_PLAY get 10.77.0.2 8080 /bye --hold inf;                       P+=("$T2_LAST_PID")
sleep 0.5
t2_bg tmt2-dm-c $T2_PLAY get 10.77.0.2 8080 /hang --timeout 1;                     P+=("$T2_LAST_PID")
sleep 0.5
t2_bg tmt2-dm-c $T2_PLAY get 10.77.0.2 8080 /ok --hold 3 --linger0;                P+=("$T2_LAST_PID")
sleep 0.5
t2_bg tmt2-dm-c $T2_PLAY get 10.77.0.2 8080 /ok --hold inf;                        P+=("$T2_LAST_PID")
sleep 9.5
t2_in tmt2-dm-c $T2_PLAY get 10.77.0.2 8080 /ok
t2_stop_dumpcap
t2_stop_pids "${P[@]}"
t2_done "$OUT"
