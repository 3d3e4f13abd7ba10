"""Socket choreography for the capture scripts in testdata/tcp (Python 3, stdlib only).

    python3 -m tk server PORT [--backlog=N] [--no-accept] STEP...
    python3 -m tk client [--connect-timeout=S] HOST PORT SPORT STEP...

The client's connect gives up after S seconds with --connect-timeout (an application's
connect timeout: the socket is closed, the kernel stops retrying its SYN); by default it
waits for the kernel (tcp_syn_retries).
The server listens on [::]:PORT (dual stack), accepts one connection (unless --no-accept:
then it only listens, forever) and runs the STEPs on it. The client binds SPORT (fixed,
so every re-run gives the same 4-tuple), connects to HOST:PORT and runs the STEPs. A step
that fails (ECONNRESET, ETIMEDOUT, EPIPE ...) is logged and the next step runs. When the
steps are done the program exits, which closes whatever socket is still open: end with
`hold` to keep it open until the capture script kills the process.

Steps (one argument each):
    sleep:S              sleep S seconds
    send:TEXT            send TEXT (backslash escapes such as \\r\\n are decoded)
    recv                 one recv(); logs the bytes or EOF
    readn:N              recv() until N bytes have come (or EOF)
    readall              recv() until EOF
    drain:S              read whatever comes for S seconds
    stream:N,I,S         send N bytes every I seconds for S seconds (stops at the first error)
    ka:IDLE,INTVL,CNT    SO_KEEPALIVE on, with TCP_KEEPIDLE/TCP_KEEPINTVL/TCP_KEEPCNT
    shutwr               shutdown(SHUT_WR): send FIN, keep reading possible
    close                close(): FIN (or RST when unread data is pending)
    abort                SO_LINGER {1, 0} then close(): RST
    state                log the kernel's TCP state of the socket (TCP_INFO)
    hold                 sleep until killed

Every event is logged on stderr with the wall-clock time, so a script's output can be
laid next to `tshark -t ad`.
"""

import codecs
import datetime
import errno
import socket
import struct
import sys
import time

STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1", 5: "FIN_WAIT2",
          6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT", 9: "LAST_ACK", 10: "LISTEN",
          11: "CLOSING"}

WHO = "?"


def log(msg):
    now = datetime.datetime.now().strftime("%H:%M:%S.%f")
    print(f"{now} {WHO}: {msg}", file=sys.stderr, flush=True)


def errname(e):
    if isinstance(e, OSError) and e.errno:
        return errno.errorcode.get(e.errno, str(e.errno))
    return type(e).__name__


def show(data):
    r = repr(data[:40])
    return r + ("..." if len(data) > 40 else "")


def run_steps(s, steps):
    for step in steps:
        verb, _, arg = step.partition(":")
        try:
            if verb == "sleep":
                time.sleep(float(arg))
            elif verb == "send":
                data = codecs.decode(arg, "unicode_escape").encode("latin-1")
                s.sendall(data)
                log(f"sent {len(data)} bytes {show(data)}")
            elif verb == "recv":
                data = s.recv(65536)
                log(f"recv {len(data)} bytes {show(data)}" if data else "recv: EOF (peer sent FIN)")
            elif verb == "readn":
                want, total = int(arg), 0
                while total < want:
                    data = s.recv(min(65536, want - total))
                    if not data:
                        break
                    total += len(data)
                log(f"read {total} bytes" + (" then EOF" if total < want else ""))
            elif verb == "readall":
                total = 0
                while True:
                    data = s.recv(65536)
                    if not data:
                        break
                    total += len(data)
                    log(f"recv {len(data)} bytes {show(data)}")
                log(f"readall: EOF after {total} bytes")
            elif verb == "drain":
                end = time.monotonic() + float(arg)
                total = 0
                eof = False
                while time.monotonic() < end:
                    s.settimeout(max(0.001, end - time.monotonic()))
                    try:
                        data = s.recv(65536)
                    except socket.timeout:
                        break
                    if not data:
                        eof = True
                        break
                    total += len(data)
                s.settimeout(None)
                log(f"drained {total} bytes" + (", then EOF" if eof else ""))
            elif verb == "stream":
                n, every, dur = (float(x) for x in arg.split(","))
                chunk = b"x" * int(n)
                end = time.monotonic() + dur
                sent = 0
                log(f"streaming {int(n)} bytes every {every}s for up to {dur}s")
                try:
                    while time.monotonic() < end:
                        s.sendall(chunk)
                        sent += len(chunk)
                        time.sleep(every)
                finally:
                    log(f"streamed {sent} bytes")
            elif verb == "ka":
                idle, intvl, cnt = (int(x) for x in arg.split(","))
                s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, idle)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, intvl)
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, cnt)
                log(f"keepalive on: idle {idle}s, interval {intvl}s, count {cnt}")
            elif verb == "shutwr":
                s.shutdown(socket.SHUT_WR)
                log("shutdown(SHUT_WR): FIN")
            elif verb == "close":
                s.close()
                log("close()")
            elif verb == "abort":
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
                log("abort: SO_LINGER 0 + close()")
            elif verb == "state":
                info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
                log(f"state {STATES.get(info[0], info[0])}")
            elif verb == "hold":
                log("holding the socket open until killed")
                while True:
                    time.sleep(3600)
            else:
                raise SystemExit(f"unknown step {step!r}")
        except (OSError, socket.timeout) as e:
            log(f"{verb}: {errname(e)}")


def server(argv):
    global WHO
    port = int(argv[0])
    backlog, accept = 16, True
    steps = []
    for a in argv[1:]:
        if a.startswith("--backlog="):
            backlog = int(a.split("=", 1)[1])
        elif a == "--no-accept":
            accept = False
        else:
            steps.append(a)
    WHO = f"server :{port}"
    ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("::", port))
    ls.listen(backlog)
    log(f"listening, backlog {backlog}" + ("" if accept else ", never accepting"))
    if not accept:
        while True:
            time.sleep(3600)
    s, peer = ls.accept()
    host = peer[0].removeprefix("::ffff:")
    log(f"accepted {host}:{peer[1]}")
    run_steps(s, steps)


def client(argv):
    global WHO
    timeout = None
    while argv and argv[0].startswith("--connect-timeout="):
        timeout = float(argv[0].split("=", 1)[1])
        argv = argv[1:]
    host, port, sport = argv[0], int(argv[1]), int(argv[2])
    WHO = f"client :{sport}"
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", sport))
    t0 = time.monotonic()
    log(f"connecting to {host}:{port}")
    try:
        s.settimeout(timeout)
        s.connect((host, port))
        s.settimeout(None)
    except socket.timeout:
        log(f"connect: timed out (the application's {timeout}s) after {time.monotonic() - t0:.3f}s; closing")
        s.close()
        return
    except OSError as e:
        log(f"connect: {errname(e)} after {time.monotonic() - t0:.3f}s")
        return
    log(f"connected after {time.monotonic() - t0:.3f}s")
    run_steps(s, argv[3:])


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("server", "client"):
        raise SystemExit(__doc__)
    (server if sys.argv[1] == "server" else client)(sys.argv[2:])


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
