#!/usr/bin/env python3
"""tunrelay.py NS_A NS_B [IFNAME] : a point-to-point IP link between two network
namespaces made of two Linux tun devices (IFF_TUN, no packet info), one in each namespace,
and this process copying every IP packet read from one to the other, unchanged.

Why: this kernel has no ipip/sit/gre/wireguard modules, and a tun device is the one Linux
interface here whose capture link type is raw IP (tcpdump on it writes LINKTYPE_RAW = 101).
The packets are made by the real kernel TCP/IP stacks of the two namespaces; the relay
only moves them. The devices vanish with the namespaces (or when this process exits).
Configure addresses yourself after "ready" is printed (ip -n NS addr add ... dev IFNAME).
"""
import ctypes
import fcntl
import os
import select
import struct
import sys

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
    ifname = sys.argv[3] if len(sys.argv) > 3 else "tun0"
    setns(a)
    fa = tun(ifname)
    setns(b)
    fb = tun(ifname)
    print("ready", flush=True)
    peer = {fa: fb, fb: fa}
    while True:
        r, _, _ = select.select([fa, fb], [], [])
        for fd in r:
            pkt = os.read(fd, 65536)
            try:
                os.write(peer[fd], pkt)
            except OSError:
                pass  # the other tun is not up yet: the packet is lost, as on a down link


if __name__ == "__main__":
    main()
