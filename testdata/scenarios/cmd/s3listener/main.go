// s3listener: the overloaded upstream of incident 3 (pm2 behind nginx), at small scale.
//
// It listens on -addr with an accept backlog of -backlog (the kernel queues
// backlog+1 established connections), accepts and answers the first -fast
// connections at once, and after that accepts only one connection every -slow, or
// none at all with -slow 0 (its event loop is stuck). While the accept queue is full
// the kernel drops new SYNs, and the clients retransmit them.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"
)

func listen(addr string, backlog int) (net.Listener, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, err
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}); err != nil {
		return nil, err
	}
	if err := syscall.Listen(fd, backlog); err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "listener")
	defer f.Close()
	return net.FileListener(f)
}

func serve(c net.Conn, n int) {
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	for err == nil { // read the whole header, so that close sends FIN, not RST
		var h string
		if h, err = r.ReadString('\n'); h == "\r\n" {
			break
		}
	}
	if err != nil {
		log.Printf("conn %d %s: read: %v", n, c.RemoteAddr(), err)
		return
	}
	body := fmt.Sprintf("ok %d\n", n)
	fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
	log.Printf("conn %d %s: answered %q", n, c.RemoteAddr(), line)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8085", "listen address")
	backlog := flag.Int("backlog", 4, "listen backlog")
	fast := flag.Int("fast", 3, "connections accepted at once")
	slow := flag.Duration("slow", 0, "after those, accept one connection this often (0: never)")
	flag.Parse()

	ln, err := listen(*addr, *backlog)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on %s, backlog %d", ln.Addr(), *backlog)
	for n := 1; ; n++ {
		if n > *fast {
			if *slow <= 0 {
				select {} // stuck: never accepts again
			}
			time.Sleep(*slow)
		}
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go serve(c, n)
	}
}
