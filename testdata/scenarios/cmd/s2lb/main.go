// s2lb: the MySQL load balancer of incident 2, at small scale.
//
// It listens on -addr (port 3306) and proxies every connection to a backend "mysqld"
// that the same process serves on -backend (a fake MySQL server: handshake, login,
// and an OK for every command). Like the incident's LB it closes both sides of a
// connection once it has been idle (no byte either way) for exactly -idle (the
// incident's 60 s, shortened to 3 s).
package main

import (
	"encoding/binary"
	"flag"
	"io"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "10.77.0.2:3306", "listen address of the load balancer")
	backend := flag.String("backend", "127.0.0.1:13306", "address of the fake mysqld")
	idle := flag.Duration("idle", 3*time.Second, "idle timeout")
	flag.Parse()

	bl, err := net.Listen("tcp", *backend)
	if err != nil {
		log.Fatal(err)
	}
	go serveMySQL(bl)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on %s, backend %s, idle timeout %v", ln.Addr(), bl.Addr(), *idle)
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go proxy(c, *backend, *idle)
	}
}

func proxy(c net.Conn, backend string, idle time.Duration) {
	b, err := net.Dial("tcp", backend)
	if err != nil {
		log.Printf("%s: backend: %v", c.RemoteAddr(), err)
		c.Close()
		return
	}
	var once sync.Once
	var last atomic.Int64
	last.Store(time.Now().UnixNano())
	closeBoth := func(why string) {
		once.Do(func() {
			c.Close()
			b.Close()
			log.Printf("%s: closed: %s", c.RemoteAddr(), why)
		})
	}
	t := time.AfterFunc(idle, func() {
		closeBoth("idle " + time.Since(time.Unix(0, last.Load())).Round(time.Millisecond).String())
	})
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 16384)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				t.Reset(idle)
				last.Store(time.Now().UnixNano())
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		t.Stop()
		closeBoth("eof from " + src.RemoteAddr().String())
	}
	go pipe(b, c)
	pipe(c, b)
}

// --- a fake mysqld: enough of the protocol for Wireshark to dissect it.

func packet(seq byte, payload []byte) []byte {
	h := []byte{byte(len(payload)), byte(len(payload) >> 8), byte(len(payload) >> 16), seq}
	return append(h, payload...)
}

func greeting(id uint32) []byte {
	p := []byte{10}
	p = append(p, "8.0.36\x00"...)
	p = binary.LittleEndian.AppendUint32(p, id)
	p = append(p, "abcdefgh"...) // auth-plugin-data part 1
	p = append(p, 0)
	caps := uint32(0xdfffffff &^ (1 << 11)) // no SSL in the handshake of this fake
	caps &^= 1 << 5                         // no compression
	p = binary.LittleEndian.AppendUint16(p, uint16(caps))
	p = append(p, 255)                         // utf8mb4_0900_ai_ci
	p = binary.LittleEndian.AppendUint16(p, 2) // SERVER_STATUS_AUTOCOMMIT
	p = binary.LittleEndian.AppendUint16(p, uint16(caps>>16))
	p = append(p, 21) // auth plugin data length
	p = append(p, make([]byte, 10)...)
	p = append(p, "ijklmnopqrst\x00"...) // auth-plugin-data part 2
	p = append(p, "mysql_native_password\x00"...)
	return p
}

func ok(status uint16) []byte {
	p := []byte{0, 0, 0}
	p = binary.LittleEndian.AppendUint16(p, status)
	return binary.LittleEndian.AppendUint16(p, 0)
}

func readPacket(r io.Reader) (byte, []byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := int(h[0]) | int(h[1])<<8 | int(h[2])<<16
	p := make([]byte, n)
	_, err := io.ReadFull(r, p)
	return h[3], p, err
}

func serveMySQL(ln net.Listener) {
	var id atomic.Uint32
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go func(c net.Conn) {
			defer c.Close()
			c.Write(packet(0, greeting(id.Add(1)+100)))
			seq, _, err := readPacket(c) // login
			if err != nil {
				return
			}
			c.Write(packet(seq+1, ok(2)))
			status := uint16(2)
			for {
				_, cmd, err := readPacket(c)
				if err != nil || len(cmd) == 0 || cmd[0] == 1 { // COM_QUIT
					return
				}
				if cmd[0] == 3 && string(cmd[1:]) == "START TRANSACTION" {
					status = 1 // SERVER_STATUS_IN_TRANS
				}
				c.Write(packet(1, ok(status)))
			}
		}(c)
	}
}
