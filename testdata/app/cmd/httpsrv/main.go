// httpsrv is the real net/http server behind tcpmortem's application-layer test
// captures (testdata/app). Handlers:
//
//	/ok        answers at once, explicit Content-Length (also used for HEAD)
//	/slow      answers after 300 ms
//	/hang      never answers: blocks until the process is killed
//	/chunked   Transfer-Encoding: chunked, four flushed chunks 30 ms apart
//	/raw10     hijacked: "HTTP/1.0 200 OK", no Content-Length, body ended by close
//	/nocontent 204
//	/notmod    304 (with ETag)
//	/upload    reads the body (so a client's Expect: 100-continue gets 100 Continue), 201
//	/bulk      ?size=N bytes (default 2,000,000) with Content-Length
//	/small     a small body that echoes ?i=
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"strconv"
	"strings"
	"time"
)

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	idle := flag.Duration("idle", 0, "close keep-alive connections idle this long (0: never)")
	flag.Parse()

	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		body := "{\"status\":\"ok\"}\n"
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		io.WriteString(w, body)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{\"status\":\"slow but ok\"}\n")
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		log.Printf("hang: %s %s from %s: blocking forever", r.Method, r.URL.Path, r.RemoteAddr)
		select {} // like a handler waiting for a DB connection that never comes
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		f := w.(http.Flusher)
		for i := 1; i <= 4; i++ {
			fmt.Fprintf(w, "chunk %d of 4\n", i)
			f.Flush()
			time.Sleep(30 * time.Millisecond)
		}
	})
	mux.HandleFunc("/raw10", func(w http.ResponseWriter, r *http.Request) {
		conn, bw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			log.Print(err)
			return
		}
		bw.WriteString("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nServer: legacy/1.0\r\n\r\n")
		bw.WriteString("close-delimited body: it ends when the server closes the connection\n")
		bw.Flush()
		conn.Close()
	})
	mux.HandleFunc("/nocontent", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/notmod", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", "\"v1\"")
		if r.Header.Get("If-None-Match") == "\"v1\"" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		io.WriteString(w, "version 1\n")
	})
	mux.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body) // reading triggers "100 Continue"
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, "{\"received\":%d}\n", n)
	})
	mux.HandleFunc("/bulk", func(w http.ResponseWriter, r *http.Request) {
		size := 2000000
		if s := r.URL.Query().Get("size"); s != "" {
			size, _ = strconv.Atoi(s)
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(size))
		line := strings.Repeat("0123456789abcdef", 4)[:63] + "\n"
		for size > 0 {
			n := min(size, len(line))
			io.WriteString(w, line[:n])
			size -= n
		}
	})
	mux.HandleFunc("/small", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, "{\"i\":%q}\n", r.URL.Query().Get("i"))
	})

	srv := &http.Server{Addr: *addr, Handler: mux, IdleTimeout: *idle}
	log.Printf("httpsrv listening on %s", *addr)
	log.Fatal(srv.ListenAndServe())
}
