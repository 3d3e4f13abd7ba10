// s1service: the Go service of incident 1 (SCENARIOS.md), at small scale.
//
// An HTTP service on 127.0.0.1:8280 whose handlers take a "DB connection" from a
// pool of size 2. The order lookup runs a query; when the query fails (orders 2 and
// 3, and every query after the DB sessions were killed) the handler returns 500 on
// an early-return path that forgets rows.Close(), so the connection is never put
// back (the sql.Rows leak of the incident). After the first three requests the pool
// is empty and every handler blocks forever waiting for a connection; it ignores the
// request context, so a client that gives up changes nothing: the server socket sits
// in CLOSE_WAIT.
//
// -reap: at these times (since start) the "DB server" kills the leaked sessions (its
// wait_timeout) and the pool gets its two connections back: each time the two oldest
// blocked handlers run, fail again (leaking again) and write their late 500 answer to
// clients that left long ago, whose kernel answers RST.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

type dbConn struct{ id int }

type pool struct {
	free   chan *dbConn
	mu     sync.Mutex
	leaked []*dbConn
	broken bool // after the sessions were killed every query fails
}

func (p *pool) get() *dbConn  { return <-p.free } // no context: blocks forever
func (p *pool) put(c *dbConn) { p.free <- c }

// rows stands for *sql.Rows: it holds the connection until Close.
type rows struct {
	p *pool
	c *dbConn
}

func (r *rows) Close() { r.p.put(r.c) }

func (p *pool) query(orderID string) (*rows, error) {
	c := p.get()
	r := &rows{p: p, c: c}
	p.mu.Lock()
	broken := p.broken
	p.mu.Unlock()
	if broken || orderID == "2" || orderID == "3" {
		// the scan fails after the rows were opened; the caller must still Close
		p.mu.Lock()
		p.leaked = append(p.leaked, c)
		p.mu.Unlock()
		return r, errors.New("sql: Scan error on column index 3")
	}
	return r, nil
}

// reap gives the leaked connections back, as if the DB had killed the sessions.
func (p *pool) reap() {
	p.mu.Lock()
	l := p.leaked
	p.leaked = nil
	p.broken = true
	p.mu.Unlock()
	log.Printf("db: %d leaked sessions killed by the server, pool refilled", len(l))
	for _, c := range l {
		p.put(c)
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8280", "listen address")
	reap := flag.String("reap", "", "comma-separated times since start at which the leaked connections come back (empty: never)")
	flag.Parse()

	p := &pool{free: make(chan *dbConn, 2)}
	p.put(&dbConn{1})
	p.put(&dbConn{2})
	for _, f := range strings.Split(*reap, ",") {
		if f == "" {
			continue
		}
		d, err := time.ParseDuration(f)
		if err != nil {
			log.Fatalf("-reap: %v", err)
		}
		time.AfterFunc(d, p.reap)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/api/orders/", func(w http.ResponseWriter, r *http.Request) {
		id := strings.TrimPrefix(r.URL.Path, "/api/orders/")
		start := time.Now()
		rs, err := p.query(id)
		if err != nil {
			log.Printf("order %s: %v after %v (rows not closed)", id, err, time.Since(start).Round(time.Millisecond))
			http.Error(w, "db error", http.StatusInternalServerError)
			return // BUG: rs.Close() missing on this path
		}
		defer rs.Close()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, "{\"order\":%q,\"status\":\"shipped\"}\n", id)
		log.Printf("order %s: 200", id)
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on %s", ln.Addr())
	log.Fatal(http.Serve(ln, mux))
}
