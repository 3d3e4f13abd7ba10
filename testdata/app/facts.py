#!/usr/bin/env python3
"""Print, per TCP stream of a capture, the facts EXPECTED.md is written from.

usage: python3 testdata/app/facts.py FILE.pcap   (needs tshark)

For each stream: client -> server (the side that sent the SYN is the client), first and
last frame, FIN/RST frames with sender, payload frames per side, and every HTTP/1.x
message tshark decodes (the frame where the message is complete). For each HTTP response
it prints the frame carrying its first byte (the first server payload frame after the
previous response ended) and the wait from the request's last byte to that first byte.
"""
import subprocess
import sys
from collections import defaultdict

FIELDS = ["frame.number", "frame.time_relative", "tcp.stream", "ip.src", "tcp.srcport",
          "ip.dst", "tcp.dstport", "tcp.len", "tcp.flags.syn", "tcp.flags.ack",
          "tcp.flags.fin", "tcp.flags.reset", "http.request.method", "http.request.uri",
          "http.host", "http.response.code", "http.request_in"]


def main():
    path = sys.argv[1]
    cmd = ["tshark", "-r", path, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a",
           "-E", "aggregator=|"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    streams = defaultdict(list)
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        streams[int(v["tcp.stream"])].append(v)
    last_time = max(float(r["frame.time_relative"]) for s in streams.values() for r in s)
    print(f"# {path}: {len(streams)} streams, capture ends at t={last_time:.6f}")
    for sid, rows in sorted(streams.items()):
        syn = next((r for r in rows if r["tcp.flags.syn"] == "1" and r["tcp.flags.ack"] == "0"), rows[0])
        cli = (syn["ip.src"], syn["tcp.srcport"])
        ep = lambda r: (r["ip.src"], r["tcp.srcport"])
        srv = (syn["ip.dst"], syn["tcp.dstport"])
        side = lambda r: "client" if ep(r) == cli else "server"
        t = lambda r: float(r["frame.time_relative"])
        print(f"\n## stream {sid}: {cli[0]}:{cli[1]} -> {srv[0]}:{srv[1]}  "
              f"frames {rows[0]['frame.number']}..{rows[-1]['frame.number']}  "
              f"t={t(rows[0]):.6f}..{t(rows[-1]):.6f}")
        pay = {"client": 0, "server": 0}
        for r in rows:
            pay[side(r)] += int(r["tcp.len"] or 0)
        print(f"   payload bytes: client {pay['client']}, server {pay['server']}")
        for r in rows:
            if r["tcp.flags.fin"] == "1" or r["tcp.flags.reset"] == "1":
                kind = "FIN" if r["tcp.flags.fin"] == "1" else "RST"
                print(f"   {kind} from {side(r)} frame {r['frame.number']} t={t(r):.6f}")
        data = [r for r in rows if int(r["tcp.len"] or 0) > 0]
        for r in data:
            print(f"   data {side(r):6} frame {r['frame.number']:>5} t={t(r):.6f} len={r['tcp.len']}")
        # HTTP/1.x messages
        reqs = [r for r in rows if r["http.request.method"]]
        resps = [r for r in rows if r["http.response.code"] and side(r) == "server"]
        prev_end = 0
        byframe = {r["frame.number"]: r for r in rows}
        for r in reqs:
            for m, u, h in zip(r["http.request.method"].split("|"), r["http.request.uri"].split("|"),
                               (r["http.host"] or "").split("|") + [""] * 9):
                print(f"   REQ  frame {r['frame.number']} t={t(r):.6f} {m} {u} Host: {h}")
        for r in resps:
            codes = r["http.response.code"].split("|")
            reqin = (r["http.request_in"] or "").split("|")
            first = next((d for d in data if side(d) == "server" and int(d["frame.number"]) > prev_end
                          and int(d["frame.number"]) <= int(r["frame.number"])), r)
            for c, q in zip(codes, reqin + [""] * 9):
                wait = ""
                if q and q in byframe:
                    wait = f" wait {1000 * (t(first) - t(byframe[q])):.3f} ms (req frame {q} -> first byte frame {first['frame.number']})"
                print(f"   RESP frame {r['frame.number']} t={t(r):.6f} status {c} first byte frame {first['frame.number']}{wait}")
            prev_end = int(r["frame.number"])


if __name__ == "__main__":
    main()
