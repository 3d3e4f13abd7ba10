#!/usr/bin/env python3
"""tunnels.py VXLAN_PCAP OUTDIR: the same packets inside other tunnels.

This kernel has no GRE, IP-in-IP or Geneve (CONFIG_NET_IPGRE, CONFIG_NET_IPIP,
CONFIG_GENEVE unset), so those captures are made from vxlan.pcap, a real capture of
connections inside kernel-made VXLAN: each VXLAN packet's UDP and VXLAN headers are
replaced by another tunnel's, the outer Ethernet and IP headers and the inner frame kept
(lengths, next-protocol fields and checksums set to match). Everything else in the file
(ARP, neighbour discovery) is copied as it is. Frame numbers and timestamps do not
change, so every flow sits at the same frames as in vxlan.pcap.

  gre.pcap     GRE with a key (the VNI), carrying the inner IP packet, as a Linux
               `ip link add type gre key N` tunnel (ip6gre over the IPv6 underlay)
  ipip.pcap    IP in IP: protocol 4 for inner IPv4, 41 for inner IPv6 (ipip, sit,
               ip6tnl)
  geneve.pcap  Geneve on UDP 6081 with one 4-byte option (as OVN sends), carrying the
               inner Ethernet frame
  erspan.pcap  ERSPAN type II in GRE with sequence numbers, carrying the inner frame, as a
               switch's mirror session sends it
  erspan3.pcap ERSPAN type III carrying the inner frame: with the 8-byte platform-specific
               subheader (O flag) on the IPv4 underlay, without it on the IPv6 one
"""
import struct
import sys

VXLAN_PORTS = (4789, 8472)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    assert magic == 0xA1B2C3D4, "little-endian microsecond pcap expected"
    header, off, recs = data[:24], 24, []
    while off < len(data):
        sec, usec, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        recs.append((sec, usec, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return header, recs


def write_pcap(path, header, recs):
    with open(path, "wb") as f:
        f.write(header)
        for sec, usec, pkt in recs:
            f.write(struct.pack("<IIII", sec, usec, len(pkt), len(pkt)))
            f.write(pkt)


def split_vxlan(pkt):
    """(ethernet header, outer IP header, vni, inner frame) of a VXLAN packet, else None."""
    eth, etype = pkt[:14], struct.unpack("!H", pkt[12:14])[0]
    if etype == 0x0800:
        ihl = (pkt[14] & 0x0F) * 4
        ip, proto, rest = pkt[14:14 + ihl], pkt[14 + 9], pkt[14 + ihl:]
    elif etype == 0x86DD:
        ip, proto, rest = pkt[14:54], pkt[14 + 6], pkt[54:]
    else:
        return None
    if proto != 17 or len(rest) < 16:
        return None
    sport, dport = struct.unpack("!HH", rest[:4])
    if dport not in VXLAN_PORTS and sport not in VXLAN_PORTS:
        return None
    vx = rest[8:16]
    assert vx[0] & 0x08, "VXLAN I flag"
    return eth, ip, int.from_bytes(vx[4:7], "big"), rest[16:]


def outer(eth, ip, proto, payload):
    """The frame with the outer IP header's protocol and length set for payload."""
    ip = bytearray(ip)
    if len(ip) == 40:  # IPv6, no extension headers (as the kernel sends VXLAN)
        ip[6] = proto
        struct.pack_into("!H", ip, 4, len(payload))
    else:
        ip[9] = proto
        struct.pack_into("!H", ip, 2, len(ip) + len(payload))
        struct.pack_into("!H", ip, 10, 0)
        struct.pack_into("!H", ip, 10, csum(bytes(ip)))
    return eth + bytes(ip) + payload


def udp(ip, sport, dport, payload):
    """A UDP header and payload with the checksum over ip's pseudo-header."""
    length = 8 + len(payload)
    hdr = struct.pack("!HHHH", sport, dport, length, 0)
    if len(ip) == 40:
        pseudo = ip[8:40] + struct.pack("!IxxxB", length, 17)
    else:
        pseudo = ip[12:20] + struct.pack("!xBH", 17, length)
    c = csum(pseudo + hdr + payload) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, length, c) + payload


def inner_ip(frame):
    """The inner frame's ethertype and IP packet."""
    return struct.unpack("!H", frame[12:14])[0], frame[14:]


def main():
    src, outdir = sys.argv[1], sys.argv[2]
    header, recs = read_pcap(src)
    out = {"gre": [], "ipip": [], "geneve": [], "erspan": [], "erspan3": []}
    seq = 0
    for sec, usec, pkt in recs:
        v = split_vxlan(pkt)
        if v is None:
            for k in out:
                out[k].append((sec, usec, pkt))
            continue
        eth, ip, vni, frame = v
        etype, inner = inner_ip(frame)
        if etype not in (0x0800, 0x86DD):  # ARP or ND inside the tunnel: leave it
            for k in out:
                out[k].append((sec, usec, pkt))
            continue
        # GRE, key present (RFC 2890): flags 0x2000, protocol, key
        gre = struct.pack("!HHI", 0x2000, etype, vni) + inner
        out["gre"].append((sec, usec, outer(eth, ip, 47, gre)))
        out["ipip"].append((sec, usec, outer(eth, ip, 4 if etype == 0x0800 else 41, inner)))
        # Geneve (RFC 8926): version 0, options 2 words, protocol 0x6558 (Ethernet), VNI;
        # one option: class 0x0102 (OVN), type 0x80, 1 word of data.
        gen = struct.pack("!BBH", 2, 0, 0x6558) + vni.to_bytes(3, "big") + b"\0"
        gen += struct.pack("!HBB", 0x0102, 0x80, 1) + struct.pack("!I", vni)
        sport = 49152 + (vni % 16384)
        out["geneve"].append((sec, usec, outer(eth, ip, 17, udp(ip, sport, 6081, gen + frame))))
        # ERSPAN type II in GRE with a sequence number (flags 0x1000, protocol 0x88be):
        # version 1, VLAN 0, COS 0, encapsulation 0, truncated 0, session 1, index 0.
        seq += 1
        er = struct.pack("!HHI", 0x1000, 0x88BE, seq) + struct.pack("!HHI", 0x1000, 1, 0) + frame
        out["erspan"].append((sec, usec, outer(eth, ip, 47, er)))
        # ERSPAN type III: version 2, VLAN 0; session 1; a timestamp; SGT 0, then P, the
        # frame type (0: Ethernet), hardware ID 0, D, granularity, O.
        gre3 = struct.pack("!HHI", 0x1000, 0x88BE, seq)
        if len(ip) == 20:
            e3 = struct.pack("!HHIHH", 0x2000, 1, seq * 1000, 0, 0x0001) + b"\x00" * 8 + frame
        else:
            e3 = struct.pack("!HHIHH", 0x2000, 1, seq * 1000, 0, 0) + frame
        out["erspan3"].append((sec, usec, outer(eth, ip, 47, gre3 + e3)))
    for k, v in out.items():
        write_pcap("%s/%s.pcap" % (outdir, k), header, v)


if __name__ == "__main__":
    main()
