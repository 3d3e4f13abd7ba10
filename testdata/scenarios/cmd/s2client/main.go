// s2client: the service of incident 2, at small scale. It opens -n connections to the
// MySQL load balancer, one every -every; on each it logs in, begins a transaction and
// runs an UPDATE, then takes the early-return path that neither commits nor rolls
// back: the connection is never used again and never closed (it is leaked), so when
// the load balancer closes it after its idle timeout the socket stays in CLOSE_WAIT.
// Every -second-th connection runs a second UPDATE -later after the first (so its
// idle time starts later). At the end, after -ping-after, one well-behaved health
// check (login, COM_PING, COM_QUIT, close) marks the end of the capture. The process
// then waits until killed, holding the leaked connections.
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"time"
)

func packet(seq byte, payload []byte) []byte {
	h := []byte{byte(len(payload)), byte(len(payload) >> 8), byte(len(payload) >> 16), seq}
	return append(h, payload...)
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

func login(c net.Conn) error {
	if _, _, err := readPacket(c); err != nil { // greeting
		return err
	}
	p := binary.LittleEndian.AppendUint32(nil, 0x000fa68d|1<<3) // CLIENT_PROTOCOL_41, CONNECT_WITH_DB, ...
	p = binary.LittleEndian.AppendUint32(p, 1<<24)
	p = append(p, 255)
	p = append(p, make([]byte, 23)...)
	p = append(p, "shop\x00"...)
	p = append(p, 20)
	p = append(p, "0123456789abcdefghij"...) // scrambled password
	p = append(p, "shop\x00"...)
	p = append(p, "mysql_native_password\x00"...)
	if _, err := c.Write(packet(1, p)); err != nil {
		return err
	}
	_, r, err := readPacket(c)
	if err == nil && (len(r) == 0 || r[0] != 0) {
		err = fmt.Errorf("login failed")
	}
	return err
}

func command(c net.Conn, cmd byte, arg string) error {
	if _, err := c.Write(packet(0, append([]byte{cmd}, arg...))); err != nil {
		return err
	}
	if cmd == 1 { // COM_QUIT has no answer
		return nil
	}
	_, r, err := readPacket(c)
	if err == nil && (len(r) == 0 || r[0] != 0) {
		err = fmt.Errorf("command failed")
	}
	return err
}

func main() {
	addr := flag.String("addr", "10.77.0.2:3306", "MySQL load balancer")
	n := flag.Int("n", 20, "connections to leak")
	every := flag.Duration("every", 250*time.Millisecond, "interval between connections")
	second := flag.Int("second", 4, "every Nth connection runs a second UPDATE")
	later := flag.Duration("later", 1500*time.Millisecond, "delay of the second UPDATE")
	pingAfter := flag.Duration("ping-after", 0, "after the leaks, wait this long and run one health check (0: none)")
	flag.Parse()

	var mu sync.Mutex
	var leaked []net.Conn
	var wg sync.WaitGroup
	for i := 1; i <= *n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, err := net.Dial("tcp", *addr)
			if err != nil {
				log.Printf("conn %d: %v", i, err)
				return
			}
			mu.Lock()
			leaked = append(leaked, c) // never closed
			mu.Unlock()
			if err := login(c); err != nil {
				log.Printf("conn %d: login: %v", i, err)
				return
			}
			if err := command(c, 3, "START TRANSACTION"); err != nil {
				log.Printf("conn %d: begin: %v", i, err)
				return
			}
			if err := command(c, 3, fmt.Sprintf("UPDATE stock SET qty = qty - 1 WHERE sku = %d", 1000+i)); err != nil {
				log.Printf("conn %d: update: %v", i, err)
				return
			}
			if *second > 0 && i%*second == 0 {
				time.Sleep(*later)
				if err := command(c, 3, fmt.Sprintf("UPDATE stock SET qty = qty - 1 WHERE sku = %d", 2000+i)); err != nil {
					log.Printf("conn %d: second update: %v", i, err)
					return
				}
			}
			// early return: no COMMIT, no ROLLBACK, no Close
			log.Printf("conn %d (%s): transaction left open", i, c.LocalAddr())
		}(i)
		time.Sleep(*every)
	}
	wg.Wait()
	if *pingAfter > 0 {
		time.Sleep(*pingAfter)
		c, err := net.Dial("tcp", *addr)
		if err == nil {
			err = login(c)
			if err == nil {
				err = command(c, 14, "") // COM_PING
			}
			if err == nil {
				err = command(c, 1, "") // COM_QUIT
			}
			io.Copy(io.Discard, c) // wait for the LB to close
			c.Close()
		}
		log.Printf("health check: err=%v", err)
	}
	log.Printf("done, holding %d leaked connections", len(leaked))
	select {}
}
