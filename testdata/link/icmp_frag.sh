#!/bin/bash
# Real-kernel captures of ICMP errors quoting TCP, IP fragments and BIG TCP packets,
# for checking the decoder. Namespaces: tmrd-*.
. "$(dirname "$0")/../lib.sh"
tm_require tcpdump nft python3
OUT=${1:-$(cd "$(dirname "$0")" && pwd)}
mkdir -p "$OUT"
C=tmrd-c; R=tmrd-r; S=tmrd-s
tm_ns $C; tm_ns $R; tm_ns $S
ip link add veth-c netns $C type veth peer name veth-rc netns $R
ip link add veth-rs netns $R type veth peer name veth-s netns $S
ip netns exec $C ip addr add 10.78.1.1/24 dev veth-c
ip netns exec $C ip -6 addr add fd78:1::1/64 dev veth-c nodad
ip netns exec $R ip addr add 10.78.1.2/24 dev veth-rc
ip netns exec $R ip -6 addr add fd78:1::2/64 dev veth-rc nodad
ip netns exec $R ip addr add 10.78.2.2/24 dev veth-rs
ip netns exec $R ip -6 addr add fd78:2::2/64 dev veth-rs nodad
ip netns exec $S ip addr add 10.78.2.1/24 dev veth-s
ip netns exec $S ip -6 addr add fd78:2::1/64 dev veth-s nodad
for ns_if in $C:veth-c $R:veth-rc $R:veth-rs $S:veth-s; do
	ns=${ns_if%%:*}; ifc=${ns_if#*:}
	ip netns exec $ns ip link set $ifc up
	ip netns exec $ns ethtool -K $ifc tso off gso off gro off >/dev/null 2>&1 || true
done
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip netns exec $R ip link set veth-rs mtu 1280
ip netns exec $C ip route add default via 10.78.1.2
ip netns exec $C ip -6 route add default via fd78:1::2
ip netns exec $S ip route add default via 10.78.2.2
ip netns exec $S ip -6 route add default via fd78:2::2
# the server rejects port 9999 with ICMP errors (v4: port unreachable, v6: admin prohibited)
ip netns exec $S nft -f - <<'NFT'
table inet f {
	chain in {
		type filter hook input priority 0;
		ip protocol tcp tcp dport 9999 reject with icmp type port-unreachable
		ip6 nexthdr tcp tcp dport 9999 reject with icmpv6 type admin-prohibited
	}
}
NFT
sleep 0.5
ip netns exec $S python3 - <<'PY' &
import socket, threading
def serve(fam, addr):
    l = socket.socket(fam, socket.SOCK_STREAM); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind((addr, 8080)); l.listen(8)
    while True:
        c, _ = l.accept()
        def drain(c=c):
            while c.recv(65536): pass
            c.close()
        threading.Thread(target=drain, daemon=True).start()
threading.Thread(target=serve, args=(socket.AF_INET, "10.78.2.1"), daemon=True).start()
threading.Thread(target=serve, args=(socket.AF_INET6, "fd78:2::1"), daemon=True).start()
u4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u4.bind(("10.78.2.1", 5353))
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u6.bind(("fd78:2::1", 5353))
import time; time.sleep(30)
PY
TM_PIDS+=($!)
sleep 0.5
tm_capture $C "$OUT/icmp_frag.pcap" -i veth-c
ip netns exec $C python3 - <<'PY'
import socket, time
for fam, dst in ((socket.AF_INET, "10.78.2.1"), (socket.AF_INET6, "fd78:2::1")):
    # 1. a connect refused by an ICMP error from the server
    s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(3)
    try: s.connect((dst, 9999))
    except OSError as e: print("9999:", e)
    s.close()
    # 2. a connect to an address the router has no route for: ICMP from the router
    s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(3)
    try: s.connect(("10.78.9.9" if fam == socket.AF_INET else "fd78:9::9", 80))
    except OSError as e: print("unrouted:", e)
    s.close()
    # 3. full-size segments to a path with a 1280-byte hop: packet too big / frag needed
    s = socket.socket(fam, socket.SOCK_STREAM); s.connect((dst, 8080))
    s.sendall(b"x" * 20000); time.sleep(0.5); s.close()
    # 4. a UDP datagram bigger than the MTU: IP fragments
    u = socket.socket(fam, socket.SOCK_DGRAM); u.sendto(b"y" * 4000, (dst, 5353)); u.close()
    time.sleep(0.3)
PY
tm_stop_capture
