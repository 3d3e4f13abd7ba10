#!/usr/bin/env python3
"""tunrelay.py NS_A NS_B [IFNAME[:IFNAME_B]] [DELAY_MS] : a point-to-point IP link between
two network namespaces made of two Linux tun devices (IFF_TUN, no packet info), one in
each namespace (named IFNAME, default tun0, or IFNAME in NS_A and IFNAME_B in NS_B), and
this process copying every IP packet read from one to the other, unchanged, DELAY_MS
milliseconds later (default 0: at once). Packets keep their order.

Why: this kernel has no ipip/sit/gre/wireguard modules, and a tun device is the one Linux
interface here whose capture link type is raw IP (tcpdump on it writes LINKTYPE_RAW = 101).
Nor has it netem: the delay gives a link a real round trip (a veth pair has tens of
microseconds), which changes what each side sends before the other's answer comes back.
The packets are made by the real kernel TCP/IP stacks of the two namespaces; the relay
only moves them. The devices vanish with the namespaces (or when this process exits).
Configure addresses yourself after "ready" is printed (ip -n NS addr add ... dev IFNAME).
"""
import collections
import ctypes
import fcntl
import os
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
    peer = {fa: fb, fb: fa}
    due = collections.deque()  # (time to write, fd, packet), in the order read
    while True:
        now = time.monotonic()
        while due and due[0][0] <= now:
            _, fd, pkt = due.popleft()
            send(fd, pkt)
        wait = max(0.0, due[0][0] - now) if due else None
        r, _, _ = select.select([fa, fb], [], [], wait)
        now = time.monotonic()
        for fd in r:
            pkt = os.read(fd, 65536)
            if delay > 0:
                due.append((now + delay, peer[fd], pkt))
            else:
                send(peer[fd], pkt)


def send(fd, pkt):
    try:
        os.write(fd, pkt)
    except OSError:
        pass  # the other tun is not up yet: the packet is lost, as on a down link


if __name__ == "__main__":
    main()
