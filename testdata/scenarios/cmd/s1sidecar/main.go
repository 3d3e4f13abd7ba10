// s1sidecar: the sidecar of incident 1. It sends -n requests to the service, each on
// a fresh connection, one every -every, each with a -timeout deadline; on timeout
// the HTTP client closes the connection (FIN), like the real sidecar did after ~1 s.
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
	url := flag.String("url", "http://127.0.0.1:8280/api/orders/", "base URL; the request number is appended")
	n := flag.Int("n", 25, "requests")
	every := flag.Duration("every", 300*time.Millisecond, "interval between requests")
	timeout := flag.Duration("timeout", time.Second, "client timeout")
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
