// httpcli is the HTTP client side of tcpmortem's application-layer test captures
// (testdata/app). -mode selects the choreography; -base is the server, e.g.
// http://10.77.0.2:8080.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
)

var base string

func main() {
	mode := flag.String("mode", "", "keepalive | close | pipelined | rst | bulk | many | inflight | stale | halfclose | corkclose | abort")
	flag.StringVar(&base, "base", "http://10.77.0.2:8080", "server base URL")
	flag.Parse()
	log.SetFlags(log.Lmicroseconds)
	switch *mode {
	case "keepalive":
		keepalive()
	case "close":
		closeEach()
	case "pipelined":
		pipelined()
	case "rst":
		rst()
	case "bulk":
		bulk()
	case "many":
		many()
	case "inflight":
		inflight()
	case "stale":
		stale()
	case "halfclose":
		halfClose()
	case "corkclose":
		corkClose()
	case "abort":
		abort()
	default:
		log.Fatalf("unknown -mode %q", *mode)
	}
}

func do(c *http.Client, req *http.Request) {
	resp, err := c.Do(req)
	if err != nil {
		log.Printf("%s %s: %v", req.Method, req.URL.Path, err)
		return
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	log.Printf("%s %s: %s, %d body bytes, err=%v", req.Method, req.URL.Path, resp.Status, n, err)
}

func newReq(method, path string, body io.Reader) *http.Request {
	req, err := http.NewRequest(method, base+path, body)
	if err != nil {
		log.Fatal(err)
	}
	return req
}

// keepalive: GET /ok, GET /slow, POST /hang on one keep-alive connection; the client's
// 1 s timeout fires on the third and the transport closes the connection (FIN).
func keepalive() {
	c := &http.Client{Timeout: time.Second}
	do(c, newReq("GET", "/ok", nil))
	do(c, newReq("GET", "/slow", nil))
	req := newReq("POST", "/hang", strings.NewReader(`{"order_id":4711,"qty":2}`))
	req.Header.Set("Content-Type", "application/json")
	do(c, req)
}

// closeEach: one request per connection, each with Connection: close.
func closeEach() {
	tr := &http.Transport{DisableKeepAlives: true, ExpectContinueTimeout: time.Second}
	c := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	pause := func() { time.Sleep(100 * time.Millisecond) }
	do(c, newReq("GET", "/ok", nil))
	pause()
	do(c, newReq("GET", "/chunked", nil))
	pause()
	do(c, newReq("GET", "/raw10", nil))
	pause()
	do(c, newReq("HEAD", "/ok", nil))
	pause()
	do(c, newReq("GET", "/nocontent", nil))
	pause()
	req := newReq("GET", "/notmod", nil)
	req.Header.Set("If-None-Match", `"v1"`)
	do(c, req)
	pause()
	body := bytes.Repeat([]byte("upload-data-"), 100) // 1200 bytes
	req = newReq("POST", "/upload", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Expect", "100-continue")
	do(c, req)
}

func hostport() string { return strings.TrimPrefix(base, "http://") }

func get(path string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: " + hostport() + "\r\nUser-Agent: pipeliner/1.0\r\nAccept: */*\r\n\r\n"
}

// pipelined: connection 1 sends three GETs in one write and reads three responses;
// connection 2 pipelines GET /ok, GET /hang, GET /ok and gives up 1 s after writing.
func pipelined() {
	run := func(paths []string) {
		conn, err := net.Dial("tcp", hostport())
		if err != nil {
			log.Fatal(err)
		}
		var b strings.Builder
		for _, p := range paths {
			b.WriteString(get(p))
		}
		if _, err := io.WriteString(conn, b.String()); err != nil {
			log.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(time.Second))
		br := bufio.NewReader(conn)
		for _, p := range paths {
			resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
			if err != nil {
				log.Printf("GET %s: %v (giving up)", p, err)
				break
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			log.Printf("GET %s: %s, %d body bytes", p, resp.Status, n)
		}
		conn.Close()
	}
	run([]string{"/ok", "/slow", "/ok"})
	time.Sleep(200 * time.Millisecond)
	run([]string{"/ok", "/hang", "/ok"})
}

// rst: POST /hang, then after 1 s abort the connection with RST (SO_LINGER 0).
func rst() {
	conn, err := net.Dial("tcp", hostport())
	if err != nil {
		log.Fatal(err)
	}
	body := `{"order_id":4712,"qty":1}`
	fmt.Fprintf(conn, "POST /hang HTTP/1.1\r\nHost: %s\r\nUser-Agent: aborter/1.0\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", hostport(), len(body), body)
	time.Sleep(time.Second)
	conn.(*net.TCPConn).SetLinger(0)
	conn.Close()
	log.Print("POST /hang: aborted with RST after 1 s")
}

// abort: GET /ok on a keep-alive connection, answered; 100 ms later the client aborts
// that connection (SO_LINGER 0: RST), as a client does on its user's cancel: the
// client's doing, nothing of the server's. Then POST /hang on a new connection, which
// the client's 1 s timeout gives up (FIN).
func abort() {
	conn, err := net.Dial("tcp", hostport())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprint(conn, get("/ok"))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		log.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	log.Printf("GET /ok: %s, %d body bytes", resp.Status, n)
	time.Sleep(100 * time.Millisecond)
	conn.(*net.TCPConn).SetLinger(0)
	conn.Close()
	log.Print("aborted the connection (RST)")
	time.Sleep(100 * time.Millisecond)
	c := &http.Client{Timeout: time.Second}
	do(c, newReq("POST", "/hang", strings.NewReader(`{"order_id":4713,"qty":3}`)))
}

// inflight: GET /hang on one connection, which stays open and waiting; 400 ms later a
// GET /ok on a new connection (Connection: close), answered and closed, whose last
// packets end a capture stopped before this client exits. The first request is then
// still in flight at the capture's end, 400 ms old.
func inflight() {
	conn, err := net.Dial("tcp", hostport())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(conn, "GET /hang HTTP/1.1\r\nHost: %s\r\nUser-Agent: inflight/1.0\r\n\r\n", hostport())
	log.Print("GET /hang sent; waiting")
	time.Sleep(400 * time.Millisecond)
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	do(c, newReq("GET", "/ok", nil))
	time.Sleep(5 * time.Second) // the capture stops meanwhile; then the first connection closes
	conn.Close()
}

// stale: GET /ok on a connection kept alive, then, 1.5 s later, a second GET /ok on the
// same connection, written without looking whether the server closed it meanwhile (as a
// connection pool that does not check its idle connections does).
func stale() {
	conn, err := net.Dial("tcp", hostport())
	if err != nil {
		log.Fatal(err)
	}
	br := bufio.NewReader(conn)
	send := func() error {
		_, err := fmt.Fprintf(conn, "GET /ok HTTP/1.1\r\nHost: %s\r\nUser-Agent: stale/1.0\r\n\r\n", hostport())
		if err != nil {
			return err
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return err
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		log.Printf("GET /ok: %s, %d body bytes", resp.Status, n)
		return nil
	}
	if err := send(); err != nil {
		log.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	log.Printf("GET /ok again, on the same connection: %v", send())
	conn.Close()
}

// halfClose: GET /slow with "Connection: close", then shutdown(SHUT_WR) at once (a FIN
// right after the request, as "nc -N" sends), then read the answer to the end: a
// half-closed client still reads.
func halfClose() {
	conn, err := net.Dial("tcp", hostport())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(conn, "GET /slow HTTP/1.1\r\nHost: %s\r\nUser-Agent: halfclose/1.0\r\nConnection: close\r\n\r\n", hostport())
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		log.Fatal(err)
	}
	b, err := io.ReadAll(conn)
	log.Printf("GET /slow after a half-close: read %d bytes (%v): %q", len(b), err, bytes.SplitN(b, []byte("\r\n"), 2)[0])
	conn.Close()
}

// corkClose: GET /ok written under TCP_CORK, then close() at once: the kernel sends the
// request and the FIN in one segment, and answers the server's response with RST (the
// socket is closed). The same segment a request lost before the capture point and sent
// again with the client's FIN makes.
func corkClose() {
	conn, err := net.Dial("tcp", hostport())
	if err != nil {
		log.Fatal(err)
	}
	raw, err := conn.(*net.TCPConn).SyscallConn()
	if err != nil {
		log.Fatal(err)
	}
	raw.Control(func(fd uintptr) {
		if err := syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_CORK, 1); err != nil {
			log.Fatal(err)
		}
	})
	fmt.Fprintf(conn, "GET /ok HTTP/1.1\r\nHost: %s\r\nUser-Agent: corkclose/1.0\r\n\r\n", hostport())
	conn.Close()
	log.Print("GET /ok written corked, then closed")
}

// bulk: one GET of a ~2 MB body.
func bulk() {
	c := &http.Client{Timeout: 10 * time.Second}
	do(c, newReq("GET", "/bulk?size=2000000", nil))
}

// many: 300 small keep-alive exchanges, 100 on each of three connections.
func many() {
	for conn := 1; conn <= 3; conn++ {
		tr := &http.Transport{MaxIdleConnsPerHost: 1}
		c := &http.Client{Transport: tr, Timeout: 5 * time.Second}
		ok := 0
		for i := 1; i <= 100; i++ {
			resp, err := c.Get(fmt.Sprintf("%s/small?i=%d-%d", base, conn, i))
			if err != nil {
				log.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			ok++
		}
		tr.CloseIdleConnections()
		log.Printf("connection %d: %d exchanges", conn, ok)
		time.Sleep(50 * time.Millisecond)
	}
}
