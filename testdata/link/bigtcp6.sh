#!/bin/bash
# Real-kernel capture of IPv6 BIG TCP (GSO packets over 64 KiB) on the sending host:
# IPv6 payload length 0, no jumbo option (Debian 12 iproute2 cannot set
# gso_ipv4_max_size, so IPv4 stays under 64 KiB). Namespaces tmrb-*.
. "$(dirname "$0")/../lib.sh"
OUT=${1:-$(cd "$(dirname "$0")" && pwd)}
tm_pair tmrb
for ns_if in tmrb-c:veth-c tmrb-s:veth-s; do
	ns=${ns_if%%:*}; ifc=${ns_if#*:}
	ip netns exec $ns ethtool -K $ifc tso on gso on gro on >/dev/null 2>&1 || true
	ip netns exec $ns ip link set $ifc gso_max_size 185000 gro_max_size 185000 || echo "no big tcp on $ifc"
done
ip netns exec tmrb-c ip link set lo mtu 65536
ip netns exec tmrb-s python3 - <<'PY' &
import socket, threading, time
def serve(fam, addr):
    l = socket.socket(fam, socket.SOCK_STREAM); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind((addr, 8080)); l.listen(8)
    while True:
        c, _ = l.accept()
        while c.recv(1 << 20): pass
        c.close()
threading.Thread(target=serve, args=(socket.AF_INET, "10.77.0.2"), daemon=True).start()
threading.Thread(target=serve, args=(socket.AF_INET6, "fd77::2"), daemon=True).start()
time.sleep(15)
PY
TM_PIDS+=($!)
sleep 0.5
tm_capture tmrb-c "$OUT/bigtcp6.pcap" -i veth-c -s 200
ip netns exec tmrb-c python3 - <<'PY'
import socket, time
for fam, dst in ((socket.AF_INET, "10.77.0.2"), (socket.AF_INET6, "fd77::2")):
    s = socket.socket(fam, socket.SOCK_STREAM); s.connect((dst, 8080))
    s.sendall(b"z" * 3000000); time.sleep(0.3); s.close(); time.sleep(0.2)
PY
tm_stop_capture
