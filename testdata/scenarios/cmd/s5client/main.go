// s5client: the callers of incident 5. It sends -n GET requests, one every -every,
// each on a fresh connection with a -timeout deadline (on timeout the connection is
// closed: FIN), and logs what became of each: answered (and how fast), timed out,
// reset by peer, or refused.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"sync"
	"time"
)

func main() {
	url := flag.String("url", "http://10.77.0.2:8080/api/cart/", "base URL; the request number is appended")
	n := flag.Int("n", 30, "requests")
	every := flag.Duration("every", 250*time.Millisecond, "interval between requests")
	timeout := flag.Duration("timeout", 4*time.Second, "client timeout")
	flag.Parse()

	c := &http.Client{
		Timeout:   *timeout,
		Transport: &http.Transport{DisableKeepAlives: true},
	}
	var wg sync.WaitGroup
	for i := 1; i <= *n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			start := time.Now()
			resp, err := c.Get(fmt.Sprintf("%s%d", *url, i))
			if err != nil {
				log.Printf("req %d: %v after %v", i, err, time.Since(start).Round(time.Millisecond))
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			log.Printf("req %d: %s after %v", i, resp.Status, time.Since(start).Round(time.Millisecond))
		}(i)
		time.Sleep(*every)
	}
	wg.Wait()
}
