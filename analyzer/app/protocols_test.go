package app

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/tcpmortem/tcpmortem/flows"
)

// realTLSHandshake runs a real crypto/tls handshake over in-memory pipes and returns the
// bytes each side wrote until the handshake finished: the ClientHello and the server's
// first flight exactly as Go sends them.
func realTLSHandshake(t *testing.T, sni string) (client, server []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: sni},
		DNSNames: []string{sni}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}

	cc, cRelay := net.Pipe()
	sRelay, sc := net.Pipe()
	var mu sync.Mutex
	var wg sync.WaitGroup
	relay := func(dst, src net.Conn, rec *[]byte) {
		defer wg.Done()
		buf := make([]byte, 4096)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				mu.Lock()
				*rec = append(*rec, buf[:n]...)
				mu.Unlock()
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
	wg.Add(2)
	go relay(sRelay, cRelay, &client)
	go relay(cRelay, sRelay, &server)
	done := make(chan error, 1)
	go func() {
		srv := tls.Server(sc, &tls.Config{Certificates: []tls.Certificate{cert}})
		done <- srv.Handshake()
	}()
	cli := tls.Client(cc, &tls.Config{ServerName: sni, InsecureSkipVerify: true, NextProtos: []string{"h2", "http/1.1"}})
	if err := cli.Handshake(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	cc.Close()
	sc.Close()
	cRelay.Close()
	sRelay.Close()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return client, server
}

func TestTLS(t *testing.T) {
	client, server := realTLSHandshake(t, "api.internal.example")
	// The ClientHello record's length, to split it over two segments as a 1448-byte
	// MSS would.
	helloLen := 5 + int(binary.BigEndian.Uint16(client[3:5]))
	for _, cut := range []int{1, 3, 6, 40, helloLen / 2, helloLen - 1} {
		x := newHarness(t, 443)
		f1 := x.send(C, string(client[:cut]))
		x.send(C, string(client[cut:helloLen]))
		x.after(ms2(1))
		f2 := x.send(S, string(server))
		x.send(C, string(client[helloLen:]))
		i := x.info()
		if i.Protocol != "tls" || i.TLS == nil {
			t.Fatalf("cut %d: %q", cut, i.Protocol)
		}
		tl := i.TLS
		if tl.SNI != "api.internal.example" || tl.Version != "TLS 1.3" || !tl.ClientHelloComplete ||
			tl.ClientHelloFrame != f1 || !tl.ServerHello || tl.ServerHelloFrame != f2 || tl.ServerVersion != "TLS 1.3" {
			t.Fatalf("cut %d: %+v", cut, tl)
		}
		if len(tl.ALPN) != 2 || tl.ALPN[0] != "h2" || !i.FirstRequestComplete || i.ServerSpeaksFirst {
			t.Fatalf("cut %d: %+v %+v", cut, tl, i)
		}
		if i.Bytes[C] != int64(len(client)) || i.Bytes[S] != int64(len(server)) {
			t.Fatalf("bytes %v", i.Bytes)
		}
	}
}

func TestTLSSilentServerPartialHello(t *testing.T) {
	client, _ := realTLSHandshake(t, "api.internal.example")
	x := newHarness(t, 443)
	x.send(C, string(client[:200])) // the rest of the ClientHello never came
	x.after(time.Second)
	x.fin(C)
	i := x.info()
	tl := i.TLS
	if i.Protocol != "tls" || tl.SNI != "api.internal.example" || tl.ClientHelloComplete || tl.ServerHello || i.FirstRequestComplete {
		t.Fatalf("%+v %+v", i, tl)
	}
}

func TestTLSAlert(t *testing.T) {
	client, _ := realTLSHandshake(t, "x.example")
	x := newHarness(t, 8443)
	x.send(C, string(client))
	x.send(S, "\x15\x03\x03\x00\x02\x02\x28")
	i := x.info()
	if i.TLS.Alert != "handshake_failure" || i.TLS.ServerHello {
		t.Fatalf("%+v", i.TLS)
	}
}

func TestSSH(t *testing.T) {
	x := newHarness(t, 2200)
	f := x.send(C, "SSH-2.0-Go\r\n")
	x.after(3 * time.Second)
	i := x.info()
	if i.Protocol != "ssh" || i.SSH.ClientBanner != "SSH-2.0-Go" || i.SSH.ClientBannerFrame != f ||
		i.SSH.ServerBanner != "" || !i.ServerSpeaksFirst || !i.FirstRequestComplete {
		t.Fatalf("%+v %+v", i, i.SSH)
	}
	// both ways, server first, with a line before its banner, in pieces
	x = newHarness(t, 22)
	x.send(S, "Welcome\r\nSSH-2.0-Open")
	x.send(S, "SSH_9.6\r\n\x00\x00\x01\x00binary kex")
	x.send(C, "SSH-2.0-OpenSSH_9.7\r\n")
	i = x.info()
	if i.SSH.ServerBanner != "SSH-2.0-OpenSSH_9.6" || i.SSH.ClientBanner != "SSH-2.0-OpenSSH_9.7" || i.SSH.ServerBannerFrame != 1 {
		t.Fatalf("%+v", i.SSH)
	}
}

// mysqlGreetingBytes is a protocol-10 initial handshake as MySQL 8 sends it.
func mysqlGreetingBytes(version string) []byte {
	p := []byte{10}
	p = append(p, version...)
	p = append(p, 0)
	p = append(p, 7, 0, 0, 0)            // connection id
	p = append(p, "abcdefgh"...)         // auth-plugin-data part 1
	p = append(p, 0)                     // filler
	p = append(p, 0xff, 0xff)            // capabilities (low)
	p = append(p, 0xff)                  // charset
	p = append(p, 2, 0)                  // status
	p = append(p, 0xff, 0xdf)            // capabilities (high)
	p = append(p, 21)                    // auth-plugin-data length
	p = append(p, make([]byte, 10)...)   // reserved
	p = append(p, "ijklmnopqrst\x00"...) // auth-plugin-data part 2 (13)
	p = append(p, "caching_sha2_password\x00"...)
	return append([]byte{byte(len(p)), byte(len(p) >> 8), 0, 0}, p...)
}

func mysqlLoginBytes(user, db string) []byte {
	caps := uint32(myProtocol41 | mySecureConnection | myConnectWithDB | myPluginAuth | myPluginAuthLenenc)
	p := binary.LittleEndian.AppendUint32(nil, caps)
	p = binary.LittleEndian.AppendUint32(p, 1<<24)
	p = append(p, 45)
	p = append(p, make([]byte, 23)...)
	p = append(p, user...)
	p = append(p, 0)
	p = append(p, 32)
	p = append(p, make([]byte, 32)...)
	p = append(p, db...)
	p = append(p, 0)
	p = append(p, "caching_sha2_password\x00"...)
	return append([]byte{byte(len(p)), byte(len(p) >> 8), 0, 1}, p...)
}

func TestMySQL(t *testing.T) {
	x := newHarness(t, 3306)
	g := x.send(S, string(mysqlGreetingBytes("8.0.36")))
	l := x.send(C, string(mysqlLoginBytes("app", "orders")))
	x.after(time.Second)
	x.fin(C)
	i := x.info()
	my := i.MySQL
	if i.Protocol != "mysql" || !my.Greeting || my.GreetingFrame != g || my.ServerVersion != "8.0.36" ||
		my.ProtocolVer != 10 || my.ConnectionID != 7 || my.AuthPlugin != "caching_sha2_password" {
		t.Fatalf("%+v", my)
	}
	if !my.Login || my.LoginFrame != l || my.User != "app" || my.Database != "orders" || my.LoginReply != "" ||
		!i.FirstRequestComplete || !i.ServerSpeaksFirst {
		t.Fatalf("%+v %+v", my, i)
	}
	// with the server's reply, an error
	x = newHarness(t, 13306)
	x.send(S, string(mysqlGreetingBytes("5.7.44-log")))
	x.send(C, string(mysqlLoginBytes("root", "")))
	errPkt := "\xff\x15\x04#28000Access denied for user 'root'"
	x.send(S, string([]byte{byte(len(errPkt)), 0, 0, 2})+errPkt)
	i = x.info()
	if i.MySQL.LoginReply != "error" || i.MySQL.LoginError != "1045: Access denied for user 'root'" || i.MySQL.ServerVersion != "5.7.44-log" {
		t.Fatalf("%+v", i.MySQL)
	}
	// an error instead of a greeting
	x = newHarness(t, 3306)
	msg := "\xff\x10\x04Too many connections"
	x.send(S, string([]byte{byte(len(msg)), 0, 0, 0})+msg)
	i = x.info()
	if i.Protocol != "mysql" || i.MySQL.GreetingError != "1040: Too many connections" {
		t.Fatalf("%+v", i.MySQL)
	}
}

func pgMsg(code uint32, body string) string {
	b := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	b = binary.BigEndian.AppendUint32(b, code)
	return string(b) + body
}

func TestPostgres(t *testing.T) {
	x := newHarness(t, 5432)
	x.send(C, pgMsg(pgSSLRequest, ""))
	x.send(S, "N")
	st := x.send(C, pgMsg(pgProtocol3, "user\x00app\x00database\x00orders\x00application_name\x00psql\x00\x00"))
	x.send(S, "R\x00\x00\x00\x08\x00\x00\x00\x00Z\x00\x00\x00\x05I")
	i := x.info()
	pg := i.Postgres
	if i.Protocol != "postgresql" || !pg.SSLRequest || pg.SSLResponse != "N" || !pg.Startup || pg.StartupFrame != st ||
		pg.User != "app" || pg.Database != "orders" || pg.Application != "psql" || pg.Version != "3.0" || pg.Auth != "ok" {
		t.Fatalf("%+v", pg)
	}
	if !i.FirstRequestComplete || i.ServerSpeaksFirst {
		t.Fatalf("%+v", i)
	}
	// startup straight away, refused
	x = newHarness(t, 6543)
	x.send(C, pgMsg(pgProtocol3, "user\x00bob\x00\x00"))
	body := "SFATAL\x00C28P01\x00Mpassword authentication failed\x00\x00"
	x.send(S, "E"+string(binary.BigEndian.AppendUint32(nil, uint32(4+len(body))))+body)
	i = x.info()
	if i.Postgres.Auth != "error" || i.Postgres.Error != "FATAL 28P01 password authentication failed" || i.Postgres.SSLRequest {
		t.Fatalf("%+v", i.Postgres)
	}
	// SSL accepted: TLS follows, nothing more to read
	x = newHarness(t, 5432)
	x.send(C, pgMsg(pgSSLRequest, ""))
	x.send(S, "S")
	x.send(C, "\x16\x03\x01\x00\x05hello")
	i = x.info()
	if i.Postgres.SSLResponse != "S" || i.Postgres.Startup {
		t.Fatalf("%+v", i.Postgres)
	}
}

func TestRedis(t *testing.T) {
	x := newHarness(t, 6379)
	x.send(C, "*1\r\n$4\r\nPING\r\n")
	r := x.send(S, "+PONG\r\n")
	i := x.info()
	if i.Protocol != "redis" || i.Redis.Command != "PING" || i.Redis.Reply != "+PONG" || i.Redis.ReplyFrame != r || !i.FirstRequestComplete {
		t.Fatalf("%+v", i.Redis)
	}
	// a command split everywhere, with a large value
	x = newHarness(t, 6380)
	cmd := "*3\r\n$3\r\nset\r\n$10\r\nsession:42\r\n$20000\r\n" + string(make([]byte, 20000)) + "\r\n"
	for k := 0; k < len(cmd); k += 7 {
		x.send(C, cmd[k:min(k+7, len(cmd))])
	}
	x.after(time.Second)
	x.fin(C)
	i = x.info()
	if i.Redis.Command != "SET" || i.Redis.Key != "session:42" || !i.FirstRequestComplete || i.Redis.Reply != "" {
		t.Fatalf("%+v %+v", i.Redis, i)
	}
	// inline
	x = newHarness(t, 6379)
	x.send(C, "PING\r\n")
	i = x.info()
	if i.Protocol != "redis" || !i.Redis.Inline || i.Redis.Command != "PING" {
		t.Fatalf("%+v", i.Redis)
	}
}

func TestSMTP(t *testing.T) {
	x := newHarness(t, 25)
	g := x.send(S, "220-mail.example.test ESMTP ready\r\n220 more\r\n")
	h := x.send(C, "EHLO client.example\r\n")
	x.send(S, "250-mail.example.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
	x.send(C, "QUIT\r\n")
	i := x.info()
	s := i.SMTP
	if i.Protocol != "smtp" || s.Greeting != "220-mail.example.test ESMTP ready" || s.GreetingFrame != g ||
		s.Hello != "EHLO client.example" || s.HelloFrame != h || s.HelloReply != 250 || !i.ServerSpeaksFirst {
		t.Fatalf("%+v", s)
	}
}

func TestHTTP2(t *testing.T) {
	x := newHarness(t, 8080)
	p := x.send(C, string(h2Preface)+"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
	s := x.send(S, "\x00\x00\x00\x04\x00\x00\x00\x00\x00")
	i := x.info()
	if i.Protocol != "http2" || !i.HTTP2.Preface || i.HTTP2.PrefaceFrame != p || i.HTTP2.ServerFrame != "SETTINGS" ||
		i.HTTP2.ServerFrameFrame != s || len(i.HTTP) != 0 || !i.FirstRequestComplete {
		t.Fatalf("%+v %+v", i, i.HTTP2)
	}
	// the preface in pieces must not be taken for an HTTP/1 "PRI" request
	x = newHarness(t, 8080)
	x.send(C, "PRI * HT")
	x.send(C, string(h2Preface[8:]))
	if i := x.info(); i.Protocol != "http2" || len(i.HTTP) != 0 {
		t.Fatalf("%+v", i)
	}
}

func TestUnknownAndPortHint(t *testing.T) {
	x := newHarness(t, 3306)
	x.send(C, "\x01\x02\x03 binary")
	x.send(S, "\xfe\xfe binary")
	x.send(C, "more")
	i := x.info()
	if i.Protocol != "" || i.PortHint != "mysql" || !i.ServerSpeaksFirst || i.Bytes != [2]int64{14, 9} || i.FirstRequestComplete {
		t.Fatalf("%+v", i)
	}
	// no payload at all: the hook saw the flow (NewFlow) and still answers
	x = newHarness(t, 3306)
	i = x.info()
	if i.Protocol != "" || i.PortHint != "mysql" || !i.ServerSpeaksFirst {
		t.Fatalf("%+v", i)
	}
	// a run without the hook
	if InfoOf(&flows.Flow{}) != nil {
		t.Fatal("InfoOf without the hook")
	}
	// InfoOf twice is the same Info
	if InfoOf(x.f) != i {
		t.Fatal("not idempotent")
	}
}

func TestRecognise(t *testing.T) {
	for _, c := range []struct {
		d    flows.Direction
		b    string
		want match
		p    uint8
	}{
		{C, "GET / HTTP/1.1\r\n", yes, pHTTP},
		{C, "GE", maybe, 0},
		{C, "FOO /x HTTP/1.1", yes, pHTTP},
		{C, "FOO x", no, 0},
		{C, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", yes, pHTTP2},
		{C, "PRI * HT", maybe, 0},
		{C, "\x16\x03\x01\x02\x00\x01", yes, pTLS},
		{C, "\x16\x03", maybe, 0},
		{C, "SSH-2.0-x\r\n", yes, pSSH},
		{C, "*2\r\n$3\r\nGET\r\n", yes, pRedis},
		{C, "*2\r", maybe, 0},
		{C, "ping\r\n", yes, pRedis},
		{C, "EHLO x\r\n", yes, pSMTP},
		{C, "\x00\x00\x00\x08\x04\xd2\x16\x2f", yes, pPostgres},
		{C, "\x00\x00", maybe, 0},
		{C, "\x00\x00\x00\x08\x00\x00\x00\x00", no, 0},
		{S, "HTTP/1.1 200 OK\r\n", yes, pHTTP},
		{S, "220 mx ESMTP\r\n", yes, pSMTP},
		{S, "SSH-2.0-OpenSSH\r\n", yes, pSSH},
		{S, "\x16\x03\x03\x00\x7a\x02", yes, pTLS},
		{S, "\x4e\x00\x00\x00\x0a8.0.36\x00", yes, pMySQL},
		{S, "\x4e\x00\x00\x00\x0a8.0", maybe, 0},
		{S, "\x4e\x00\x00\x01\x0a8.0.36\x00", no, 0},
		{S, "+PONG\r\n", no, 0},
	} {
		r, p := recognise(c.d, []byte(c.b))
		if r != c.want || (r == yes && p != c.p) {
			t.Errorf("%v %q: %v %v, want %v %v", c.d, c.b, r, p, c.want, c.p)
		}
	}
}
