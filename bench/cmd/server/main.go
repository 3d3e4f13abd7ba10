// server is the HTTP server behind the benchmark capture (bench/make-capture.sh): Go's
// net/http on 127.0.0.1, with the few behaviours the load generator asks for.
//
//	/small   a short JSON body (most requests)
//	/page    about 1.5 KB of HTML-ish text
//	/bulk    ?size=N bytes (default 64 KiB): a bulk transfer
//	/slow    answers after ?ms=N milliseconds (default 50): clients that give up first
//	         leave an unanswered request behind
//	/abort   reads the request, then resets the connection (SO_LINGER 0) without answering
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

var page = strings.Repeat("<p>tcpmortem benchmark page: lorem ipsum dolor sit amet.</p>\n", 25)

var bulkLine = strings.Repeat("0123456789abcdef", 4)[:63] + "\n"

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	flag.Parse()

	mux := http.NewServeMux()
	mux.HandleFunc("/small", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, "{\"i\":%q,\"ok\":true}\n", r.URL.Query().Get("i"))
	})
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", strconv.Itoa(len(page)))
		io.WriteString(w, page)
	})
	mux.HandleFunc("/bulk", func(w http.ResponseWriter, r *http.Request) {
		size := 64 << 10
		if s := r.URL.Query().Get("size"); s != "" {
			size, _ = strconv.Atoi(s)
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(size))
		for size > 0 {
			n := min(size, len(bulkLine))
			io.WriteString(w, bulkLine[:n])
			size -= n
		}
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		if ms <= 0 {
			ms = 50
		}
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
		case <-r.Context().Done():
			return // the client left: nothing to answer
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{\"slow\":true}\n")
	})
	mux.HandleFunc("/abort", func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		conn.Close() // RST: the request is never answered
	})

	srv := &http.Server{
		Addr:        *addr,
		Handler:     mux,
		IdleTimeout: 30 * time.Second,
		ErrorLog:    log.New(io.Discard, "", 0), // resets are the point, not news
	}
	log.Printf("bench server listening on %s", *addr)
	log.Fatal(srv.ListenAndServe())
}
