// s4server: the hung SSH servers of incident 4, at small scale. It accepts every
// connection on -addr, reads whatever comes (the client's banner) and never writes
// a byte, nor closes: a connection the client closes stays in CLOSE_WAIT here. TCP
// keepalive is off on its side, so any probe in the capture comes from a client.
package main

import (
	"context"
	"flag"
	"io"
	"log"
	"net"
)

func main() {
	addr := flag.String("addr", "10.77.0.2:36000", "listen address")
	flag.Parse()
	lc := net.ListenConfig{KeepAlive: -1}
	ln, err := lc.Listen(context.Background(), "tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on %s", ln.Addr())
	var held []net.Conn
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		held = append(held, c) // never closed
		go func(c net.Conn) {
			n, err := io.Copy(io.Discard, c)
			log.Printf("%s: read %d bytes, then %v; not closing", c.RemoteAddr(), n, err)
		}(c)
	}
}
