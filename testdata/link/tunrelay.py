#!/usr/bin/env python3
"""tunrelay.py NS_A NS_B [IFNAME[:IFNAME_B]] [DELAY_MS] : a point-to-point IP link between
two network namespaces made of two Linux tun devices (IFF_TUN, no packet info), one in
each namespace (named IFNAME, default tun0, or IFNAME in NS_A and IFNAME_B in NS_B), and
this process copying every IP packet read from one to the other, unchanged, DELAY_MS
milliseconds later (default 0: at once). Packets keep their order.

Two environment variables make the link worse, as a path across a real network may be:
TM_LOSS_PCT=P drops P percent of the packets (each direction, at random), and
TM_JITTER_MS=J adds to each packet's delay a random 0..J ms of its own, so that packets
may pass each other (reordering). TM_LOSS_SEED seeds the draws (default 1), so that a
run can be made again with the same drops.

Why: this kernel has no ipip/sit/gre/wireguard modules, and a tun device is the one Linux
interface here whose capture link type is raw IP (tcpdump on it writes LINKTYPE_RAW = 101).
Nor has it netem: the delay gives a link a real round trip (a veth pair has tens of
microseconds), which changes what each side sends before the other's answer comes back.
The packets are made by the real kernel TCP/IP stacks of the two namespaces; the relay
only moves them. The devices vanish with the namespaces (or when this process exits).
Configure addresses yourself after "ready" is printed (ip -n NS addr add ... dev IFNAME).
"""
import ctypes
import fcntl
import heapq
import os
import random
import select
import struct
import sys
import time

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000

libc = ctypes.CDLL(None, use_errno=True)


def setns(name):
    fd = os.open("/var/run/netns/" + name, os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "setns %s: %s" % (name, os.strerror(e)))
    os.close(fd)


def tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def main():
    a, b = sys.argv[1], sys.argv[2]
    names = (sys.argv[3] if len(sys.argv) > 3 else "tun0").split(":")
    delay = float(sys.argv[4]) / 1000 if len(sys.argv) > 4 else 0.0
    setns(a)
    fa = tun(names[0])
    setns(b)
    fb = tun(names[-1])
    print("ready", flush=True)
    loss = float(os.environ.get("TM_LOSS_PCT") or 0) / 100
    jitter = float(os.environ.get("TM_JITTER_MS") or 0) / 1000
    draw = random.Random(int(os.environ.get("TM_LOSS_SEED") or 1))
    peer = {fa: fb, fb: fa}
    # (time to write, order read, fd, packet): without jitter, the order read is kept.
    due = []
    n = 0
    while True:
        now = time.monotonic()
        while due and due[0][0] <= now:
            _, _, fd, pkt = heapq.heappop(due)
            send(fd, pkt)
        wait = max(0.0, due[0][0] - now) if due else None
        r, _, _ = select.select([fa, fb], [], [], wait)
        now = time.monotonic()
        for fd in r:
            pkt = os.read(fd, 65536)
            if loss > 0 and draw.random() < loss:
                continue
            d = delay + (draw.uniform(0, jitter) if jitter > 0 else 0)
            if d > 0:
                n += 1
                heapq.heappush(due, (now + d, n, peer[fd], pkt))
            else:
                send(peer[fd], pkt)


def send(fd, pkt):
    try:
        os.write(fd, pkt)
    except OSError:
        pass  # the other tun is not up yet: the packet is lost, as on a down link


if __name__ == "__main__":
    main()
