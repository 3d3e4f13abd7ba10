#!/usr/bin/env python3
"""vlantag.py IFACE VID [OUTER_VID] : make IFACE (in the current network namespace) carry
802.1Q-tagged frames (VLAN VID), or 802.1ad+802.1Q QinQ frames (outer S-tag OUTER_VID,
inner C-tag VID), with two tiny eBPF programs attached with tcx:
  egress:  bpf_skb_vlan_push(802.1Q, VID) [then bpf_skb_vlan_push(802.1ad, OUTER_VID)]
  ingress: bpf_skb_vlan_pop() twice (a pop on an untagged frame does nothing)
Run it on both ends of a veth pair and the link between them is a VLAN trunk.

Why: this kernel is built without CONFIG_VLAN_8021Q, so `ip link add ... type vlan` (the
usual way: a VLAN sub-interface) fails with "Unknown device type". The tags are added and
removed by the kernel's own helpers, the frames are the kernel's; tcpdump on IFACE shows
them tagged (the capture taps run after tcx egress and before tcx ingress).
Needs a kernel with tcx (6.6+); the programs go away with the interface.
"""
import ctypes
import socket
import struct
import sys

libc = ctypes.CDLL(None, use_errno=True)
SYS_bpf = 321  # x86_64
BPF_PROG_LOAD, BPF_PROG_ATTACH = 5, 8
BPF_PROG_TYPE_SCHED_CLS = 3
BPF_TCX_INGRESS, BPF_TCX_EGRESS = 46, 47
FN_skb_vlan_push, FN_skb_vlan_pop = 18, 19
ETH_P_8021Q, ETH_P_8021AD = 0x8100, 0x88A8


def insn(code, dst=0, src=0, off=0, imm=0):
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


MOV64_REG, MOV64_IMM, CALL, EXIT = 0xBF, 0xB7, 0x85, 0x95


def push(proto, vid):
    # r1 = skb (saved in r6); r2 = vlan_proto in network byte order; r3 = tci
    return (insn(MOV64_REG, 1, 6) + insn(MOV64_IMM, 2, imm=socket.htons(proto))
            + insn(MOV64_IMM, 3, imm=vid) + insn(CALL, imm=FN_skb_vlan_push))


def pop():
    return insn(MOV64_REG, 1, 6) + insn(CALL, imm=FN_skb_vlan_pop)


def finish(body):
    # r6 = r1 (ctx); body; return 0 (TC_ACT_OK / TCX_PASS)
    return insn(MOV64_REG, 6, 1) + body + insn(MOV64_IMM, 0, imm=0) + insn(EXIT)


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    r = libc.syscall(SYS_bpf, cmd, buf, 128)
    if r < 0:
        e = ctypes.get_errno()
        raise OSError(e, "bpf(%d): %s" % (cmd, __import__("os").strerror(e)))
    return r


def load(code, name):
    lic = ctypes.create_string_buffer(b"GPL")
    log = ctypes.create_string_buffer(65536)
    ins = ctypes.create_string_buffer(code, len(code))
    attr = struct.pack("<IIQQIIQII16sII", BPF_PROG_TYPE_SCHED_CLS, len(code) // 8,
                       ctypes.addressof(ins), ctypes.addressof(lic), 1, len(log),
                       ctypes.addressof(log), 0, 0, name.encode(), 0, 0)
    try:
        return bpf(BPF_PROG_LOAD, attr)
    except OSError:
        print(log.value.decode(errors="replace"), file=sys.stderr)
        raise


def attach(prog_fd, ifindex, where):
    bpf(BPF_PROG_ATTACH, struct.pack("<IIII", ifindex, prog_fd, where, 0))


def main():
    ifname, vid = sys.argv[1], int(sys.argv[2])
    outer = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    body = push(ETH_P_8021Q, vid)
    if outer:
        body += push(ETH_P_8021AD, outer)
    idx = socket.if_nametoindex(ifname)
    attach(load(finish(body), "tmt2_vlan_push"), idx, BPF_TCX_EGRESS)
    attach(load(finish(pop() + pop()), "tmt2_vlan_pop"), idx, BPF_TCX_INGRESS)
    print("%s: egress pushes %s, ingress pops" % (
        ifname, "802.1ad %d + 802.1Q %d" % (outer, vid) if outer else "802.1Q %d" % vid))


if __name__ == "__main__":
    main()
