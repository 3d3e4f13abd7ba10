#!/bin/bash
# dup_any.pcap: every packet captured twice. `tcpdump -i any` in a server namespace whose
# address sits on a bridge (br0) with the veth as its port: each packet is seen on veth-s
# and again on br0 (incoming, then outgoing the other way), as on a Docker or libvirt
# host. The two copies are identical (same IP ID, same TCP checksum) and microseconds
# apart; without deduplication every segment looks retransmitted and every ACK doubled.
#
# Traffic (IPv4): one HTTP/1.1 GET answered with 20000 bytes (in 2500-byte writes), the
# client then closes and the server follows (FIN/FIN, client first); one connect to the
# closed port 81, answered by RST.
#
# Run as root: bash testdata/link/dup_any.sh   (namespaces tmf-d-*, deleted on exit)
DIR="$(cd "$(dirname "$0")" && pwd)"
. "$DIR/../lib.sh"
tm_require tcpdump ip python3
[ "$(id -u)" = 0 ] || { echo "run as root (ip netns, tcpdump)" >&2; exit 1; }
OUT="$DIR/dup_any.pcap"
NS=tmf-d
C="$NS-c"
S="$NS-s"

tm_pair "$NS"
# The server's address moves from its veth to a bridge that has the veth as its port.
ip netns exec "$S" ip addr flush dev veth-s
ip netns exec "$S" ip link add br0 type bridge forward_delay 0 stp_state 0
ip netns exec "$S" ip link set veth-s master br0
ip netns exec "$S" ip addr add 10.77.0.2/24 dev br0
ip netns exec "$S" ip link set br0 up
ip netns exec "$S" ethtool -K br0 tso off gso off gro off >/dev/null 2>&1 || true
# Wait for the bridge port to forward (no STP: at once, but the link comes up async).
for _ in $(seq 50); do
	ip netns exec "$C" ping -c1 -W1 10.77.0.2 >/dev/null 2>&1 && break
	sleep 0.1
done

ip netns exec "$S" python3 - <<'EOF' &
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.77.0.2", 8080))
s.listen(8)
open("/tmp/tmf-d-listening", "w").close()
s.settimeout(30)
c, _ = s.accept()
req = b""
while b"\r\n\r\n" not in req:
    req += c.recv(4096)
import time
body = b"x" * 20000
c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
for i in range(0, len(body), 2500):  # in pieces: no burst for the capture to drop
    c.sendall(body[i:i + 2500])
    time.sleep(0.02)
while c.recv(4096):  # until the client's FIN
    pass
c.close()
EOF
SERVER=$!
TM_PIDS+=("$SERVER")
for _ in $(seq 100); do [ -e /tmp/tmf-d-listening ] && break; sleep 0.05; done
rm -f /tmp/tmf-d-listening

tm_capture "$S" "$OUT" -i any -B 16384 tcp
ip netns exec "$C" python3 - <<'EOF'
import socket, time
c = socket.create_connection(("10.77.0.2", 8080), timeout=10)
c.sendall(b"GET /twice HTTP/1.1\r\nHost: 10.77.0.2\r\n\r\n")
got = b""
while len(got) < 20000 + 38:
    b = c.recv(65536)
    if not b:
        break
    got += b
time.sleep(0.1)
c.close()
time.sleep(0.3)
try:
    socket.create_connection(("10.77.0.2", 81), timeout=2)
except ConnectionRefusedError:
    pass
time.sleep(0.3)
EOF
wait "$SERVER" 2>/dev/null || true
tm_stop_capture
chmod 644 "$OUT"
echo "wrote $OUT"
