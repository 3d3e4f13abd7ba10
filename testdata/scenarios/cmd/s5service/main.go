// s5service: the Go service of incident 5, at small scale: run it under a low fd
// limit (ulimit -n 24) and it runs out of file descriptors.
//
// Every request opens a file (-leak-file, standing for the per-request session
// file the real service opened) and never closes it: one fd leaked per request.
// Requests also wait for a "DB connection" that gets scarcer: the first -fast
// requests are served at once, the next -slow ones wait (k x -step) for the k-th of
// them, and every later request waits forever (the pool is deadlocked), holding its
// connection and its leaked file. Soon accept(2) fails with EMFILE: net/http logs
// "Accept error ... too many open files; retrying", and new connections, whose
// handshake the kernel completes by itself, pile up in the accept queue with their
// request unread.
//
// On SIGTERM (what a supervisor sends a service that stopped answering) it calls
// http.Server.Shutdown: the listening socket is closed, and the kernel resets (RST)
// every connection still waiting in the accept queue. Shutdown then waits for the
// requests in flight, which never finish, so the process stays (its sockets in
// CLOSE_WAIT) until killed (a second SIGTERM does). After the listener is gone new
// SYNs are refused.
package main

import (
	"context"
	"flag"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"
)

func openFDs() int {
	d, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(d) - 1 // minus the one ReadDir used
}

func main() {
	addr := flag.String("addr", "10.77.0.2:8080", "listen address")
	leakFile := flag.String("leak-file", "/dev/null", "file opened (and never closed) by every request")
	fast := flag.Int("fast", 4, "requests served at once")
	slow := flag.Int("slow", 6, "requests after those that wait k x -step")
	step := flag.Duration("step", 400*time.Millisecond, "growth of the wait")
	flag.Parse()

	var rlim syscall.Rlimit
	syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rlim)
	var n atomic.Int64
	var leaked []*os.File
	leak := make(chan *os.File, 100)
	go func() {
		for f := range leak {
			leaked = append(leaked, f) // kept forever
		}
	}()

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1))
		f, err := os.Open(*leakFile)
		if err != nil {
			log.Printf("req %d %s: open session file: %v", i, r.RemoteAddr, err)
		} else {
			leak <- f // BUG: never closed
		}
		switch {
		case i <= *fast:
		case i <= *fast+*slow:
			time.Sleep(time.Duration(i-*fast) * *step)
		default:
			log.Printf("req %d %s: waiting for a DB connection (forever), %d fds open", i, r.RemoteAddr, openFDs())
			select {}
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("ok\n"))
		log.Printf("req %d %s %s: 200, %d fds open", i, r.RemoteAddr, r.URL.Path, openFDs())
	})
	srv := &http.Server{Handler: mux}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on %s, fd limit %d/%d, %d fds open", ln.Addr(), rlim.Cur, rlim.Max, openFDs())

	done := make(chan struct{})
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		<-sig
		signal.Reset(syscall.SIGTERM) // a second SIGTERM kills the process
		log.Printf("SIGTERM: shutting down (closing the listener, waiting for requests in flight)")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		log.Printf("shutdown: %v", srv.Shutdown(ctx))
		close(done)
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		log.Fatal(err)
	}
	log.Printf("listener closed")
	<-done
}
