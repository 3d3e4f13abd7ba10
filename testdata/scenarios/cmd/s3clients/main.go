// s3clients: the proxy side of incident 3 (nginx), at small scale. It opens -n
// connections to the upstream, one every -every, each with no connect timeout of
// its own: the kernel's SYN retries (net.ipv4.tcp_syn_retries) decide when it gives
// up. A connection that is established sends one GET and waits -read for the
// answer, then closes. With -last, once every connection has finished, one more
// connection is attempted and the program exits -last later, whatever became of it
// (the capture ends while it may still retry).
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8085", "upstream")
	n := flag.Int("n", 25, "connections")
	every := flag.Duration("every", 200*time.Millisecond, "interval between connections")
	read := flag.Duration("read", 8*time.Second, "how long to wait for the answer")
	last := flag.Duration("last", 0, "after all, attempt one more connection and exit this long after (0: no)")
	flag.Parse()

	var wg sync.WaitGroup
	conn := func(i int) {
		defer wg.Done()
		d := net.Dialer{} // no timeout: the kernel's SYN retries decide
		start := time.Now()
		c, err := d.Dial("tcp", *addr)
		if err != nil {
			log.Printf("conn %d: %v after %v", i, err, time.Since(start).Round(time.Millisecond))
			return
		}
		defer c.Close()
		log.Printf("conn %d %s: connected after %v", i, c.LocalAddr(), time.Since(start).Round(time.Millisecond))
		fmt.Fprintf(c, "GET /api/items?page=%d HTTP/1.1\r\nHost: 127.0.0.1:8085\r\nConnection: close\r\n\r\n", i)
		c.SetReadDeadline(time.Now().Add(*read))
		resp, err := io.ReadAll(c) // until the upstream closes
		if len(resp) == 0 {
			log.Printf("conn %d: no answer: %v after %v", i, err, time.Since(start).Round(time.Millisecond))
			return
		}
		line, _, _ := strings.Cut(string(resp), "\r\n")
		log.Printf("conn %d: %q after %v", i, line, time.Since(start).Round(time.Millisecond))
	}
	for i := 1; i <= *n; i++ {
		wg.Add(1)
		go conn(i)
		time.Sleep(*every)
	}
	wg.Wait()
	if *last > 0 {
		wg.Add(1)
		go conn(*n + 1)
		time.Sleep(*last)
		log.Printf("conn %d: still trying, exiting", *n+1)
	}
}
