#!/usr/bin/env python3
"""relink.py: rewrite the link layer or byte order of a real pcap made by tcpdump on Linux,
for the link types and layouts no Linux machine here can capture. Only headers change; every
IP packet is kept byte for byte as the Linux kernel sent it.

  relink.py null IN OUT [--af6 N]   Ethernet (1) -> DLT_NULL (0): drop the 14-byte Ethernet
        header, prepend the 4-byte address family in the byte order of the file (a pcap
        written on a little-endian host: host order = little-endian), as BSD/macOS lo0 does:
        AF_INET = 2, AF_INET6 = N (30 macOS, default; 28 FreeBSD; 24 OpenBSD/NetBSD).
  relink.py loop IN OUT [--af6 N]   Ethernet (1) -> DLT_LOOP (108, OpenBSD lo0): the same with
        the family in network byte order; AF_INET6 default 24 (OpenBSD).
  relink.py swap IN OUT             the same pcap written big-endian (magic a1b2c3d4 /
        a1b23c4d in big-endian byte order, all header fields swapped), as a big-endian host
        (SPARC, POWER, s390x) writes it. Packet bytes unchanged.
Non-IP frames (ARP...) are dropped by null/loop.
"""
import argparse
import struct

MAGICS = {0xA1B2C3D4: "us", 0xA1B23C4D: "ns"}


def read_pcap(path):
    data = open(path, "rb").read()
    for e in "<>":
        if struct.unpack(e + "I", data[:4])[0] in MAGICS:
            break
    else:
        raise SystemExit("%s: not a pcap file" % path)
    hdr = struct.unpack(e + "IHHiIII", data[:24])
    recs, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(e + "IIII", data[off:off + 16])
        recs.append([sec, frac, orig, data[off + 16:off + 16 + incl]])
        off += 16 + incl
    return e, list(hdr), recs


def write_pcap(path, e, hdr, recs):
    with open(path, "wb") as f:
        f.write(struct.pack(e + "IHHiIII", *hdr))
        for sec, frac, orig, pkt in recs:
            f.write(struct.pack(e + "IIII", sec, frac, len(pkt), orig))
            f.write(pkt)


def relink(a, linktype, fam_order):
    e, hdr, recs = read_pcap(a.inp)
    if hdr[6] != 1:
        raise SystemExit("%s: link type %d, want Ethernet (1)" % (a.inp, hdr[6]))
    out = []
    for sec, frac, orig, pkt in recs:
        etype = struct.unpack(">H", pkt[12:14])[0]
        fam = {0x0800: 2, 0x86DD: a.af6}.get(etype)
        if fam is None:
            continue
        out.append([sec, frac, orig - 14 + 4, struct.pack(fam_order + "I", fam) + pkt[14:]])
    hdr[6] = linktype
    write_pcap(a.out, e, hdr, out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["null", "loop", "swap"])
    p.add_argument("inp")
    p.add_argument("out")
    p.add_argument("--af6", type=int)
    a = p.parse_args()
    if a.mode == "null":
        a.af6 = a.af6 or 30
        relink(a, 0, "<" if read_pcap(a.inp)[0] == "<" else ">")
    elif a.mode == "loop":
        a.af6 = a.af6 or 24
        relink(a, 108, ">")
    else:
        e, hdr, recs = read_pcap(a.inp)
        write_pcap(a.out, ">" if e == "<" else "<", hdr, recs)


if __name__ == "__main__":
    main()
