// load is the bounded load generator behind the benchmark capture (bench/make-capture.sh).
// It makes exactly -conns TCP connections to the bench server with -workers of them at
// a time, and stops. What each connection does is a pure function of its index, so a run
// with twice the connections is the same traffic twice as long.
//
// The mix, per 1000 connections:
//
//	580 close      one request with "Connection: close"; the server closes first
//	220 keepalive  2-8 requests on one connection; the client closes
//	 60 abort      1-3 requests, then the client resets (SO_LINGER 0)
//	 40 timeout    GET /slow?ms=200, the client gives up after 20 ms (half close, half reset)
//	 40 refused    a connect to a port nobody listens on
//	 20 srvabort   GET /abort: the server resets without answering
//	 20 bulk       GET /bulk?size=16384, 1-2 times, keep-alive, the client closes
//	 20 post       POST /small with a small body, "Connection: close"
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	addr    = flag.String("addr", "127.0.0.1:8080", "the bench server")
	refuse  = flag.String("refuse", "127.0.0.1:8081", "an address nobody listens on (refused connects)")
	conns   = flag.Int("conns", 10000, "connections to make in all")
	workers = flag.Int("workers", 32, "connections at a time")
	rate    = flag.Int("rate", 0, "at most this many new connections per second (0: no limit)")
	timeout = flag.Duration("timeout", 5*time.Second, "deadline for any one connection")
)

type kind int

const (
	kClose kind = iota
	kKeepalive
	kAbort
	kTimeout
	kRefused
	kSrvAbort
	kBulk
	kPost
	nKinds
)

var kindNames = [nKinds]string{"close", "keepalive", "abort", "timeout", "refused", "srvabort", "bulk", "post"}

// mix maps r in [0,1000) to a kind; see the package comment.
func mix(r uint64) kind {
	switch {
	case r < 580:
		return kClose
	case r < 800:
		return kKeepalive
	case r < 860:
		return kAbort
	case r < 900:
		return kTimeout
	case r < 940:
		return kRefused
	case r < 960:
		return kSrvAbort
	case r < 980:
		return kBulk
	default:
		return kPost
	}
}

// splitmix64: a fixed pseudo-random function of the connection index.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

type stats struct {
	done   [nKinds]atomic.Int64
	errs   [nKinds]atomic.Int64
	reqs   atomic.Int64
	retry  atomic.Int64
	mu     sync.Mutex
	errMsg map[string]int
}

func (s *stats) fail(k kind, err error) {
	s.errs[k].Add(1)
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	s.mu.Lock()
	s.errMsg[kindNames[k]+": "+msg]++
	s.mu.Unlock()
}

func main() {
	flag.Parse()
	st := &stats{errMsg: map[string]int{}}
	var next atomic.Int64
	var tick <-chan time.Time
	if *rate > 0 {
		t := time.NewTicker(time.Second / time.Duration(*rate))
		defer t.Stop()
		tick = t.C
	}
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			br := bufio.NewReaderSize(nil, 16<<10)
			for {
				i := next.Add(1) - 1
				if i >= int64(*conns) {
					return
				}
				if tick != nil {
					<-tick
				}
				r := splitmix(uint64(i))
				k := mix(r % 1000)
				if err := run(k, i, r>>10, br, st); err != nil {
					st.fail(k, err)
				} else {
					st.done[k].Add(1)
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)

	var total, errs int64
	parts := []string{}
	for k := kind(0); k < nKinds; k++ {
		d, e := st.done[k].Load(), st.errs[k].Load()
		total += d + e
		errs += e
		parts = append(parts, fmt.Sprintf("%s=%d", kindNames[k], d+e))
	}
	fmt.Printf("connections=%d requests=%d errors=%d connect_retries=%d seconds=%.1f conn_per_s=%.0f\n",
		total, st.reqs.Load(), errs, st.retry.Load(), el.Seconds(), float64(total)/el.Seconds())
	fmt.Printf("mix %s\n", strings.Join(parts, " "))
	msgs := make([]string, 0, len(st.errMsg))
	for m, n := range st.errMsg {
		msgs = append(msgs, fmt.Sprintf("  %7d %s", n, m))
	}
	sort.Strings(msgs)
	if len(msgs) > 0 {
		fmt.Println("errors (expected ones are counted as done, these are not):")
		fmt.Println(strings.Join(msgs, "\n"))
	}
}

// dial connects, retrying briefly when the shortened ephemeral port range is exhausted.
func dial(to string, st *stats) (*net.TCPConn, error) {
	for try := 0; ; try++ {
		c, err := net.DialTimeout("tcp", to, *timeout)
		if err == nil {
			return c.(*net.TCPConn), nil
		}
		if errors.Is(err, syscall.EADDRNOTAVAIL) && try < 200 {
			st.retry.Add(1)
			time.Sleep(5 * time.Millisecond)
			continue
		}
		return nil, err
	}
}

func path(i int64, r uint64) string {
	if r%5 == 0 {
		return "/page"
	}
	return fmt.Sprintf("/small?i=%d", i)
}

func request(method, p string, close bool, body string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: tcpmortem-bench/1\r\nAccept: */*\r\n", method, p)
	if close {
		b.WriteString("Connection: close\r\n")
	}
	if body != "" {
		fmt.Fprintf(&b, "Content-Type: application/json\r\nContent-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.WriteString(body)
	return b.String()
}

// exchange writes one request and reads the whole response.
func exchange(c net.Conn, br *bufio.Reader, req string, st *stats) error {
	if _, err := io.WriteString(c, req); err != nil {
		return err
	}
	st.reqs.Add(1)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return err
}

func run(k kind, i int64, r uint64, br *bufio.Reader, st *stats) error {
	if k == kRefused {
		c, err := dial(*refuse, st)
		if err == nil {
			c.Close()
			return errors.New("refused port accepted a connection")
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			return nil
		}
		return err
	}
	c, err := dial(*addr, st)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(*timeout))
	br.Reset(c)

	switch k {
	case kClose, kPost:
		req := request("GET", path(i, r), true, "")
		if k == kPost {
			req = request("POST", fmt.Sprintf("/small?i=%d", i), true, fmt.Sprintf("{\"n\":%d,\"pad\":\"%s\"}", i, strings.Repeat("x", int(r%200))))
		}
		if err := exchange(c, br, req, st); err != nil {
			return err
		}
		_, err := io.Copy(io.Discard, br) // until the server's FIN
		return err
	case kKeepalive, kBulk:
		n := 2 + int(r%7)
		if k == kBulk {
			n = 1 + int(r%2)
		}
		for j := 0; j < n; j++ {
			p := path(i, r>>uint(3*j))
			if k == kBulk {
				p = "/bulk?size=16384"
			}
			if err := exchange(c, br, request("GET", p, false, ""), st); err != nil {
				return err
			}
		}
		return nil // deferred Close: the client's FIN
	case kAbort:
		n := 1 + int(r%3)
		for j := 0; j < n; j++ {
			if err := exchange(c, br, request("GET", path(i, r>>uint(3*j)), false, ""), st); err != nil {
				return err
			}
		}
		if r%4 == 0 {
			time.Sleep(5 * time.Millisecond) // a little idle before the reset
		}
		return c.SetLinger(0)
	case kTimeout:
		// The deadline is set before the write: set after it, a goroutine descheduled
		// for 200 ms in between would find the answer already there.
		c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		if _, err := io.WriteString(c, request("GET", "/slow?ms=200", false, "")); err != nil {
			return err
		}
		st.reqs.Add(1)
		if _, err := br.ReadByte(); err == nil {
			return errors.New("/slow answered before the client's timeout")
		}
		if r%2 == 0 {
			return c.SetLinger(0)
		}
		return nil
	case kSrvAbort:
		_, err := io.WriteString(c, request("GET", "/abort", false, ""))
		if err != nil {
			return err
		}
		st.reqs.Add(1)
		if _, err := br.ReadByte(); err != nil && (errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF)) {
			return nil
		}
		return errors.New("/abort did not reset")
	}
	return fmt.Errorf("unknown kind %d", k)
}
