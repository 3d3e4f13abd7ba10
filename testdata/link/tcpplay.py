#!/usr/bin/env python3
"""Socket choreography for tcpmortem's link-type and demo captures (stdlib only).

Real sockets, real kernel: this only decides *when* each side sends, waits or closes.

  tcpplay.py serve ADDR PORT [--for SECS]
      Tiny HTTP/1.1 server. Per connection, by request path:
        /ok[?size=N]   answer (N body bytes, default 12), keep the connection for the next
                       request, close only after the client's FIN (client closes first)
        /bye[?size=N]  answer with "Connection: close" and close at once (server FIN first)
        /hang          never answer; after the client's FIN keep the socket open
                       (server stays in CLOSE_WAIT until this process is killed)
  tcpplay.py get ADDR PORT PATH [options]
      One client connection: --n N requests, --every S apart; then
        --timeout S   give up on a response after S s and close (FIN)
        --hold S      after the last response (and the server's FIN, if any), wait S s
                      before closing (with "inf": never close; kill the process)
        --linger0     close with SO_LINGER 0 (RST instead of FIN)
        --bind PORT   bind the client to this local port (SO_REUSEADDR)
        --pad N       add an N-byte X-Pad header to each request
  tcpplay.py refused ADDR PORT      connect, expect RST (ECONNREFUSED)
  tcpplay.py connect ADDR PORT      connect, expect the kernel to give up (ETIMEDOUT)
"""
import argparse
import socket
import struct
import sys
import threading
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)


def read_request(conn, buf):
    """Returns (request_head, rest) or (None, buf) on EOF."""
    while b"\r\n\r\n" not in buf:
        d = conn.recv(65536)
        if not d:
            return None, buf
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    return head.decode("latin-1"), rest


def handle(conn, peer):
    buf = b""
    try:
        while True:
            head, buf = read_request(conn, buf)
            if head is None:
                break  # client FIN
            path = head.split("\r\n")[0].split(" ")[1]
            size = 12
            if "size=" in path:
                size = int(path.split("size=")[1].split("&")[0])
            if path.startswith("/hang"):
                # Never answer. Wait for the client's FIN, then keep the socket open.
                while conn.recv(65536):
                    pass
                log("serve: /hang from", peer, "client closed; holding CLOSE_WAIT")
                time.sleep(3600)
                return
            body = (b"0123456789abcdef" * (size // 16 + 1))[:size]
            bye = path.startswith("/bye")
            resp = (
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s\r\n"
                % (len(body), "Connection: close\r\n" if bye else "")
            ).encode() + body
            conn.sendall(resp)
            if bye:
                break
    except OSError as e:
        log("serve:", peer, e)
    finally:
        conn.close()


def serve(a):
    s = socket.socket(family(a.addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.addr, a.port))
    s.listen(128)
    s.settimeout(a.for_)
    log("serve: listening on", a.addr, a.port)
    while True:
        try:
            conn, peer = s.accept()
        except socket.timeout:
            return
        threading.Thread(target=handle, args=(conn, peer), daemon=True).start()


def read_response(c, buf):
    """Reads one response; returns (ok, close_delimited, rest)."""
    while b"\r\n\r\n" not in buf:
        d = c.recv(65536)
        if not d:
            return False, True, buf
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    n = 0
    for line in head.decode("latin-1").split("\r\n"):
        if line.lower().startswith("content-length:"):
            n = int(line.split(":")[1])
    while len(rest) < n:
        d = c.recv(65536)
        if not d:
            return False, True, rest
        rest += d
    return True, b"connection: close" in head.lower(), rest[n:]


def get(a):
    c = socket.socket(family(a.addr), socket.SOCK_STREAM)
    if a.bind:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        c.bind(("", a.bind))
    c.connect((a.addr, a.port))
    me = c.getsockname()
    log("get: connected", me[:2], "->", a.addr, a.port, a.path)
    if a.timeout:
        c.settimeout(a.timeout)
    host = "[%s]" % a.addr if ":" in a.addr else a.addr
    buf = b""
    server_closed = False
    for i in range(a.n):
        if i:
            time.sleep(a.every)
        req = "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: tcpplay/1\r\nAccept: */*\r\n" % (
            a.path, host, a.port)
        if a.pad:
            req += "X-Pad: %s\r\n" % ("p" * a.pad)
        c.sendall((req + "\r\n").encode())
        try:
            ok, close, buf = read_response(c, buf)
        except socket.timeout:
            log("get: no response after %.1fs, closing" % a.timeout)
            break
        if close:
            # server said Connection: close (or closed): wait for its FIN
            while True:
                try:
                    if not c.recv(65536):
                        break
                except socket.timeout:
                    break
            server_closed = True
            break
    if a.hold == "inf":
        log("get: holding the connection open (server closed: %s)" % server_closed)
        while True:
            time.sleep(3600)
    if a.hold:
        time.sleep(float(a.hold))
    if a.linger0:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    log("get: closed", "(RST)" if a.linger0 else "(FIN)")


def refused(a):
    c = socket.socket(family(a.addr), socket.SOCK_STREAM)
    try:
        c.connect((a.addr, a.port))
    except ConnectionRefusedError:
        log("refused: %s:%d refused, as intended" % (a.addr, a.port))
        return
    sys.exit("refused: %s:%d unexpectedly accepted" % (a.addr, a.port))


def connect(a):
    c = socket.socket(family(a.addr), socket.SOCK_STREAM)
    t = time.time()
    try:
        c.connect((a.addr, a.port))
    except OSError as e:
        log("connect: %s:%d gave up after %.1fs: %s" % (a.addr, a.port, time.time() - t, e))
        return
    sys.exit("connect: %s:%d unexpectedly accepted" % (a.addr, a.port))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("addr")
    s.add_argument("port", type=int)
    s.add_argument("--for", dest="for_", type=float, default=120)
    g = sub.add_parser("get")
    g.add_argument("addr")
    g.add_argument("port", type=int)
    g.add_argument("path")
    g.add_argument("--n", type=int, default=1)
    g.add_argument("--every", type=float, default=0.2)
    g.add_argument("--timeout", type=float, default=0)
    g.add_argument("--hold", default="")
    g.add_argument("--linger0", action="store_true")
    g.add_argument("--bind", type=int, default=0)
    g.add_argument("--pad", type=int, default=0)
    for name in ("refused", "connect"):
        r = sub.add_parser(name)
        r.add_argument("addr")
        r.add_argument("port", type=int)
    a = p.parse_args()
    {"serve": serve, "get": get, "refused": refused, "connect": connect}[a.cmd](a)


if __name__ == "__main__":
    main()
