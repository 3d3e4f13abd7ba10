// s4clients: the SSH clients of incident 4, at small scale.
//
// First -idle connections are opened and never used (no byte either way). Then -n
// clients connect, one every -every, and send the banner "SSH-2.0-Go\r\n"; the server
// never answers and these clients have no handshake timeout, they wait forever,
// except the ones listed in -giveup, which close after -giveup-after (a client with
// a timeout). Even-numbered connections (idle ones and banner clients alike) enable
// TCP keepalive with TCP_KEEPIDLE=-ka-idle and TCP_KEEPINTVL=-ka-intvl; the others
// have keepalive off. The program runs until killed.
package main

import (
	"flag"
	"log"
	"net"
	"strconv"
	"strings"
	"time"
)

func dial(addr string, keepalive bool, idle, intvl time.Duration) (net.Conn, error) {
	d := net.Dialer{KeepAlive: -1}
	if keepalive {
		d.KeepAliveConfig = net.KeepAliveConfig{Enable: true, Idle: idle, Interval: intvl, Count: 9}
	}
	return d.Dial("tcp", addr)
}

func main() {
	addr := flag.String("addr", "10.77.0.2:36000", "server")
	idleN := flag.Int("idle", 4, "connections opened and never used")
	n := flag.Int("n", 20, "clients that send a banner")
	every := flag.Duration("every", 100*time.Millisecond, "interval between connections")
	kaIdle := flag.Duration("ka-idle", time.Second, "TCP_KEEPIDLE of the keepalive connections")
	kaIntvl := flag.Duration("ka-intvl", time.Second, "TCP_KEEPINTVL of the keepalive connections")
	giveupList := flag.String("giveup", "5,15", "comma-separated banner clients that close after -giveup-after")
	giveupAfter := flag.Duration("giveup-after", 3*time.Second, "handshake timeout of the -giveup clients")
	flag.Parse()

	giveup := map[int]bool{}
	for _, f := range strings.Split(*giveupList, ",") {
		if i, err := strconv.Atoi(f); err == nil {
			giveup[i] = true
		}
	}
	var held []net.Conn
	for i := 1; i <= *idleN; i++ {
		c, err := dial(*addr, i%2 == 0, *kaIdle, *kaIntvl)
		if err != nil {
			log.Fatalf("idle %d: %v", i, err)
		}
		held = append(held, c)
		log.Printf("idle %d %s: keepalive=%v", i, c.LocalAddr(), i%2 == 0)
		time.Sleep(*every)
	}
	for i := 1; i <= *n; i++ {
		c, err := dial(*addr, i%2 == 0, *kaIdle, *kaIntvl)
		if err != nil {
			log.Fatalf("client %d: %v", i, err)
		}
		held = append(held, c)
		if _, err := c.Write([]byte("SSH-2.0-Go\r\n")); err != nil {
			log.Fatalf("client %d: %v", i, err)
		}
		log.Printf("client %d %s: banner sent, keepalive=%v giveup=%v", i, c.LocalAddr(), i%2 == 0, giveup[i])
		go func(i int, c net.Conn) {
			if giveup[i] {
				c.SetReadDeadline(time.Now().Add(*giveupAfter))
			}
			buf := make([]byte, 256)
			_, err := c.Read(buf) // waits for the server's banner
			log.Printf("client %d: %v", i, err)
			if giveup[i] {
				c.Close()
			}
		}(i, c)
		time.Sleep(*every)
	}
	log.Printf("all connected")
	select {}
}
