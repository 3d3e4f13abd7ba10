// protosrv runs the non-HTTP/1 servers behind tcpmortem's application-layer test
// captures (testdata/app). Each argument is KIND:PORT:
//
//	silent:PORT  accepts, reads and discards, never writes, never closes
//	tls:PORT     a real crypto/tls server (self-signed certificate made at start):
//	             reads one line, answers one line, closes when the client closes
//	mysql:PORT   1st connection: MySQL v10 greeting, reads the login, then hangs;
//	             later connections: accepted, no greeting ever, hangs
//	mysqlidle:PORT  MySQL v10 greeting, then closes the connection after 1 s without a
//	             byte from the client, as a proxy's idle timeout does
//	closeafter:PORT  reads and discards for 1 s, never writes, then closes (a server
//	             whose request timeout closes the connection without an answer)
//	pg:PORT      PostgreSQL: SSLRequest -> 'N', StartupMessage -> AuthenticationOk
//	redis:PORT   1st connection: answers PING with +PONG; later ones: never answer
//	smtp:PORT    220 greeting, EHLO -> 250, QUIT -> 221 and close
//	h2c:PORT     net/http with unencrypted HTTP/2 (prior knowledge) enabled
//
// "Hangs" means the connection is held open, unanswered, until the process is killed.
package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

func main() {
	log.SetFlags(log.Lmicroseconds)
	if len(os.Args) < 2 {
		log.Fatal("usage: protosrv KIND:PORT...")
	}
	for _, a := range os.Args[1:] {
		kind, port, ok := strings.Cut(a, ":")
		if !ok {
			log.Fatalf("bad argument %q", a)
		}
		var h func(net.Conn, int64)
		switch kind {
		case "silent":
			h = silent
		case "tls":
			h = tlsServer()
		case "mysql":
			h = mysql
		case "mysqlidle":
			h = mysqlIdle
		case "closeafter":
			h = closeAfter
		case "pg":
			h = pg
		case "redis":
			h = redis
		case "smtp":
			h = smtp
		case "h2c":
			go h2c(port)
			continue
		default:
			log.Fatalf("unknown kind %q", kind)
		}
		ln, err := net.Listen("tcp", ":"+port)
		if err != nil {
			log.Fatal(err)
		}
		log.Printf("%s listening on :%s", kind, port)
		go serve(ln, kind, h)
	}
	select {}
}

func serve(ln net.Listener, kind string, h func(net.Conn, int64)) {
	var n atomic.Int64
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		i := n.Add(1)
		log.Printf("%s: connection %d from %s", kind, i, c.RemoteAddr())
		go h(c, i)
	}
}

// hang keeps c open and unanswered: reads and discards until EOF, then holds the
// socket (never closes it) like a stuck server thread.
func hang(c net.Conn) {
	io.Copy(io.Discard, c)
	select {}
}

func silent(c net.Conn, _ int64) { hang(c) }

func tlsServer() func(net.Conn, int64) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "api.internal.example"},
		DNSNames:     []string{"api.internal.example"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		log.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return func(raw net.Conn, _ int64) {
		c := tls.Server(raw, cfg)
		defer c.Close()
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			log.Printf("tls: %v", err)
			return
		}
		io.WriteString(c, "pong: "+line)
		io.Copy(io.Discard, c) // until the client's close_notify / FIN
	}
}

// mysqlPacket frames payload as a MySQL packet: 3-byte little-endian length, sequence id.
func mysqlPacket(seq byte, payload []byte) []byte {
	p := []byte{byte(len(payload)), byte(len(payload) >> 8), byte(len(payload) >> 16), seq}
	return append(p, payload...)
}

func mysqlGreeting() []byte {
	scramble := []byte("Xq3#kP9!vL2@mN7$wR5%") // 20 bytes, no NUL
	var p []byte
	p = append(p, 10)                           // protocol version
	p = append(p, "8.0.36\x00"...)              // server version
	p = binary.LittleEndian.AppendUint32(p, 42) // connection id
	p = append(p, scramble[:8]...)              // auth-plugin-data-part-1
	p = append(p, 0)                            // filler
	caps := uint32(0xdfffffff)                  // the capability flags MySQL 8.0 announces
	caps &^= 0x00000800                         // no CLIENT_SSL: keep the login in the clear
	p = binary.LittleEndian.AppendUint16(p, uint16(caps))
	p = append(p, 0xff)                             // character set utf8mb4_0900_ai_ci
	p = binary.LittleEndian.AppendUint16(p, 0x0002) // status: SERVER_STATUS_AUTOCOMMIT
	p = binary.LittleEndian.AppendUint16(p, uint16(caps>>16))
	p = append(p, 21)                  // length of auth-plugin-data
	p = append(p, make([]byte, 10)...) // reserved
	p = append(p, scramble[8:]...)     // auth-plugin-data-part-2 (12 bytes)
	p = append(p, 0)                   // ... NUL-terminated (13 bytes)
	p = append(p, "caching_sha2_password\x00"...)
	return mysqlPacket(0, p)
}

func mysql(c net.Conn, i int64) {
	if i > 1 {
		log.Printf("mysql: connection %d: no greeting, hanging", i)
		hang(c)
	}
	c.Write(mysqlGreeting())
	hdr := make([]byte, 4)
	if _, err := io.ReadFull(c, hdr); err != nil {
		log.Printf("mysql: %v", err)
		hang(c)
	}
	n := int(hdr[0]) | int(hdr[1])<<8 | int(hdr[2])<<16
	io.ReadFull(c, make([]byte, n))
	log.Printf("mysql: connection %d: login packet of %d bytes read, never answering", i, n)
	hang(c)
}

// mysqlIdle greets, then closes after 1 s of silence from the client: the client that
// writes later writes to a connection this side has closed, and its kernel answers RST.
func mysqlIdle(c net.Conn, i int64) {
	c.Write(mysqlGreeting())
	c.SetReadDeadline(time.Now().Add(time.Second))
	n, err := c.Read(make([]byte, 512))
	log.Printf("mysqlidle: connection %d: read %d bytes (%v); closing", i, n, err)
	c.Close()
}

// closeAfter reads for 1 s, answers nothing, and closes.
func closeAfter(c net.Conn, i int64) {
	c.SetReadDeadline(time.Now().Add(time.Second))
	n, err := io.Copy(io.Discard, c)
	log.Printf("closeafter: connection %d: read %d bytes (%v); closing", i, n, err)
	c.Close()
}

func pg(c net.Conn, _ int64) {
	defer c.Close()
	readMsg := func() ([]byte, error) { // untyped startup-phase message: int32 length, body
		hdr := make([]byte, 4)
		if _, err := io.ReadFull(c, hdr); err != nil {
			return nil, err
		}
		body := make([]byte, binary.BigEndian.Uint32(hdr)-4)
		_, err := io.ReadFull(c, body)
		return body, err
	}
	for {
		m, err := readMsg()
		if err != nil {
			log.Printf("pg: %v", err)
			return
		}
		code := binary.BigEndian.Uint32(m)
		if code == 80877103 { // SSLRequest
			c.Write([]byte{'N'})
			continue
		}
		if code != 196608 {
			log.Printf("pg: unexpected startup code %d", code)
			return
		}
		log.Printf("pg: startup %q", strings.ReplaceAll(string(m[4:]), "\x00", " "))
		var out []byte
		out = append(out, 'R', 0, 0, 0, 8, 0, 0, 0, 0) // AuthenticationOk
		out = append(out, 'Z', 0, 0, 0, 5, 'I')        // ReadyForQuery (idle)
		c.Write(out)
		break
	}
	// Terminate ('X') then close from the client.
	io.Copy(io.Discard, c)
}

func redis(c net.Conn, i int64) {
	if i > 1 {
		log.Printf("redis: connection %d: never answering", i)
		hang(c)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		// RESP array of bulk strings: *N, then $len / data pairs.
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		var args []string
		if strings.HasPrefix(line, "*") {
			var n int
			for _, ch := range strings.TrimSpace(line[1:]) {
				n = n*10 + int(ch-'0')
			}
			for k := 0; k < n; k++ {
				br.ReadString('\n')
				a, _ := br.ReadString('\n')
				args = append(args, strings.TrimSpace(a))
			}
		}
		if len(args) > 0 && strings.EqualFold(args[0], "PING") {
			io.WriteString(c, "+PONG\r\n")
		} else {
			io.WriteString(c, "-ERR unknown command\r\n")
		}
	}
}

func smtp(c net.Conn, _ int64) {
	defer c.Close()
	io.WriteString(c, "220 mail.example.test ESMTP ready\r\n")
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.Fields(line + " x")[0])
		switch cmd {
		case "EHLO":
			io.WriteString(c, "250-mail.example.test greets you\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n")
		case "QUIT":
			io.WriteString(c, "221 2.0.0 Bye\r\n")
			return
		default:
			io.WriteString(c, "502 5.5.2 command not recognized\r\n")
		}
	}
}

func h2c(port string) {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{\"proto\":\""+r.Proto+"\"}\n")
	})
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	srv := &http.Server{Addr: ":" + port, Handler: mux, Protocols: &p}
	log.Printf("h2c listening on :%s", port)
	log.Fatal(srv.ListenAndServe())
}
