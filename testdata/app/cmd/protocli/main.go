// protocli is the non-HTTP/1 client side of tcpmortem's application-layer test captures
// (testdata/app): protocli -mode MODE -addr HOST:PORT.
//
//	ssh-hang      sends "SSH-2.0-Go\r\n" and waits forever for the server's banner
//	ssh-giveup    sends the banner, gives up after 1 s and closes
//	tls-silent    crypto/tls handshake (SNI api.internal.example), 1 s deadline, closes
//	tls-ok        full crypto/tls handshake, one line each way, orderly close
//	mysql-login   reads the greeting, sends a HandshakeResponse41 (user "app"),
//	              waits 1 s for an answer, closes
//	mysql-nogreet waits 1 s for a greeting that never comes, closes
//	mysql-late    reads the greeting, waits 1.5 s, then sends the HandshakeResponse41
//	              and waits 1 s for an answer, closes (a pooled connection used late)
//	pg            SSLRequest, StartupMessage (user app, database orders), Terminate
//	redis-ping    PING -> +PONG, close
//	redis-hang    GET session:42, waits 1 s for an answer, closes
//	redis-again   GET session:42, no read; 1.5 s later the same GET again on the same
//	              connection, then waits 1 s for an answer, closes
//	smtp          reads 220, EHLO, QUIT
//	h2c           a stdlib HTTP/2 prior-knowledge (h2c) GET /ping
package main

import (
	"bufio"
	"crypto/tls"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"
)

var addr string

func main() {
	mode := flag.String("mode", "", "see the package comment")
	flag.StringVar(&addr, "addr", "", "server host:port")
	flag.Parse()
	log.SetFlags(log.Lmicroseconds)
	switch *mode {
	case "ssh-hang":
		c := dial()
		io.WriteString(c, "SSH-2.0-Go\r\n")
		log.Print("ssh: banner sent, waiting for the server's (no timeout)")
		io.Copy(io.Discard, c) // blocks until killed
	case "ssh-giveup":
		c := dial()
		io.WriteString(c, "SSH-2.0-Go\r\n")
		waitThenClose(c, "ssh")
	case "tls-silent":
		raw := dial()
		raw.SetDeadline(time.Now().Add(time.Second))
		c := tls.Client(raw, &tls.Config{ServerName: "api.internal.example", InsecureSkipVerify: true})
		err := c.Handshake()
		log.Printf("tls: handshake: %v", err)
		raw.Close()
	case "tls-ok":
		raw := dial()
		c := tls.Client(raw, &tls.Config{ServerName: "api.internal.example", InsecureSkipVerify: true})
		if err := c.Handshake(); err != nil {
			log.Fatal(err)
		}
		st := c.ConnectionState()
		log.Printf("tls: handshake done, version %x, cipher %x", st.Version, st.CipherSuite)
		io.WriteString(c, "ping\n")
		line, err := bufio.NewReader(c).ReadString('\n')
		log.Printf("tls: got %q %v", line, err)
		// An orderly close on both layers: close_notify and FIN, then wait for the
		// server's close_notify and FIN before closing the socket (closing at once
		// would make the kernel answer the server's close_notify with RST).
		c.CloseWrite()
		raw.(*net.TCPConn).CloseWrite()
		n, err := io.Copy(io.Discard, c)
		log.Printf("tls: server closed: %d more bytes, %v", n, err)
		c.Close()
	case "mysql-login":
		mysqlLogin(0)
	case "mysql-late":
		mysqlLogin(1500 * time.Millisecond)
	case "mysql-nogreet":
		c := dial()
		waitThenClose(c, "mysql (greeting)")
	case "pg":
		pg()
	case "redis-ping":
		c := dial()
		io.WriteString(c, "*1\r\n$4\r\nPING\r\n")
		line, err := bufio.NewReader(c).ReadString('\n')
		log.Printf("redis: %q %v", line, err)
		c.Close()
	case "redis-hang":
		c := dial()
		io.WriteString(c, "*2\r\n$3\r\nGET\r\n$10\r\nsession:42\r\n")
		waitThenClose(c, "redis")
	case "redis-again":
		c := dial()
		io.WriteString(c, "*2\r\n$3\r\nGET\r\n$10\r\nsession:42\r\n")
		time.Sleep(1500 * time.Millisecond)
		_, err := io.WriteString(c, "*2\r\n$3\r\nGET\r\n$10\r\nsession:42\r\n")
		log.Printf("redis: GET again: %v", err)
		waitThenClose(c, "redis")
	case "smtp":
		smtp()
	case "h2c":
		var p http.Protocols
		p.SetUnencryptedHTTP2(true)
		tr := &http.Transport{Protocols: &p}
		c := &http.Client{Transport: tr, Timeout: 5 * time.Second}
		resp, err := c.Get("http://" + addr + "/ping")
		if err != nil {
			log.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		log.Printf("h2c: %s %s %q", resp.Proto, resp.Status, b)
		tr.CloseIdleConnections()
	default:
		log.Fatalf("unknown -mode %q", *mode)
	}
}

func dial() net.Conn {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	return c
}

// waitThenClose waits up to 1 s for any byte from the server, then closes (FIN).
func waitThenClose(c net.Conn, what string) {
	c.SetReadDeadline(time.Now().Add(time.Second))
	n, err := c.Read(make([]byte, 1))
	log.Printf("%s: read %d bytes: %v; closing", what, n, err)
	c.Close()
}

// mysqlLogin reads the greeting, waits delay, then logs in.
func mysqlLogin(delay time.Duration) {
	c := dial()
	br := bufio.NewReader(c)
	hdr := make([]byte, 4)
	if _, err := io.ReadFull(br, hdr); err != nil {
		log.Fatal(err)
	}
	n := int(hdr[0]) | int(hdr[1])<<8 | int(hdr[2])<<16
	greet := make([]byte, n)
	io.ReadFull(br, greet)
	log.Printf("mysql: greeting, protocol %d, %d bytes", greet[0], n)
	time.Sleep(delay)

	const (
		longPassword     = 0x00000001
		connectWithDB    = 0x00000008
		protocol41       = 0x00000200
		transactions     = 0x00002000
		secureConnection = 0x00008000
		multiResults     = 0x00020000
		pluginAuth       = 0x00080000
		pluginAuthLenenc = 0x00200000
		deprecateEOF     = 0x01000000
	)
	caps := uint32(longPassword | connectWithDB | protocol41 | transactions | secureConnection |
		multiResults | pluginAuth | pluginAuthLenenc | deprecateEOF)
	var p []byte
	p = binary.LittleEndian.AppendUint32(p, caps)
	p = binary.LittleEndian.AppendUint32(p, 16*1024*1024) // max packet size
	p = append(p, 0xff)                                   // utf8mb4_0900_ai_ci
	p = append(p, make([]byte, 23)...)                    // filler
	p = append(p, "app\x00"...)                           // user
	authResp := make([]byte, 32)                          // a caching_sha2_password scramble
	for i := range authResp {
		authResp[i] = byte(0x5a ^ i*7)
	}
	p = append(p, byte(len(authResp))) // length-encoded (< 251: one byte)
	p = append(p, authResp...)
	p = append(p, "orders\x00"...)
	p = append(p, "caching_sha2_password\x00"...)
	pkt := []byte{byte(len(p)), byte(len(p) >> 8), byte(len(p) >> 16), 1}
	c.Write(append(pkt, p...))
	log.Printf("mysql: HandshakeResponse41 sent (%d bytes)", len(pkt)+len(p))
	waitThenClose(c, "mysql (auth result)")
}

func pg() {
	c := dial()
	br := bufio.NewReader(c)
	ssl := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 8), 80877103)
	c.Write(ssl)
	b, err := br.ReadByte()
	log.Printf("pg: SSLRequest answered %q %v", b, err)
	params := "user\x00app\x00database\x00orders\x00application_name\x00tcpmortem-test\x00\x00"
	var m []byte
	m = binary.BigEndian.AppendUint32(m, uint32(8+len(params)))
	m = binary.BigEndian.AppendUint32(m, 196608) // protocol 3.0
	m = append(m, params...)
	c.Write(m)
	for { // AuthenticationOk, ReadyForQuery
		t, err := br.ReadByte()
		if err != nil {
			log.Fatal(err)
		}
		l := make([]byte, 4)
		io.ReadFull(br, l)
		body := make([]byte, binary.BigEndian.Uint32(l)-4)
		io.ReadFull(br, body)
		log.Printf("pg: message %q %x", t, body)
		if t == 'Z' {
			break
		}
	}
	c.Write([]byte{'X', 0, 0, 0, 4}) // Terminate
	c.Close()
}

func smtp() {
	c := dial()
	br := bufio.NewReader(c)
	readReply := func() {
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				log.Fatal(err)
			}
			log.Printf("smtp: %q", line)
			if len(line) < 4 || line[3] != '-' {
				return
			}
		}
	}
	readReply()
	fmt.Fprintf(c, "EHLO client.example.test\r\n")
	readReply()
	fmt.Fprintf(c, "QUIT\r\n")
	readReply()
	c.Close()
}
