package app

import (
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tcpmortem/tcpmortem/flows"
)

// appSeedStreams returns, for the application-layer fuzz targets, the first bytes each
// side sent on the TCP flows of the captures in testdata/app and testdata/scenarios (at
// most a few KiB per side, a few flows per file): real protocol starts to mutate.
func appSeedStreams(tb testing.TB) [][2][]byte {
	tb.Helper()
	var files []string
	for _, dir := range []string{"../../testdata/app", "../../testdata/scenarios", "../../testdata/demo"} {
		m, _ := filepath.Glob(filepath.Join(dir, "*.pcap*"))
		files = append(files, m...)
	}
	sort.Strings(files)
	const perSide, perFile = 4 << 10, 6
	var out [][2][]byte
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		src, err := flows.OpenReader(name, f, 0)
		if err != nil {
			f.Close()
			continue
		}
		dec := flows.NewDecoder()
		var seg flows.Segment
		type key struct{ a, b string }
		streams := map[key]*[2][]byte{}
		var order []key
		for {
			p, err := src.Next()
			if err == io.EOF {
				break
			}
			if !dec.Decode(p, &seg) || seg.Kind != flows.KindTCP || len(seg.Payload) == 0 {
				continue
			}
			k, d := key{seg.Src.String(), seg.Dst.String()}, 0
			if _, ok := streams[key{k.b, k.a}]; ok {
				k, d = key{k.b, k.a}, 1
			}
			s := streams[k]
			if s == nil {
				if len(order) == perFile {
					continue
				}
				s = &[2][]byte{}
				streams[k] = s
				order = append(order, k)
			}
			if room := perSide - len(s[d]); room > 0 {
				s[d] = append(s[d], seg.Payload[:min(room, len(seg.Payload))]...)
			}
		}
		f.Close()
		for _, k := range order {
			out = append(out, *streams[k])
		}
	}
	return out
}

// appScript drives a harness from fuzz bytes. Each operation takes 2 bytes:
//
//	op bit 0: direction; bits 1-3: what; bits 4-7 and the second byte: a size
//
// what: 0-2 send the next size bytes in order; 3 send them with the first ones a
// retransmission of bytes already sent; 4 lose size bytes (never captured); 5 send
// with only part captured (snaplen); 6 send the next-but-one chunk first, then the
// chunk (out of order); 7 let time pass. At the end a FIN from the client, or an RST.
func appScript(t *testing.T, port uint16, script []byte, streams [2][]byte) *Info {
	x := newHarness(t, port)
	pos := [2]int{}
	take := func(d flows.Direction, n int) string {
		s := streams[d]
		if pos[d] >= len(s) {
			return ""
		}
		end := min(len(s), pos[d]+n)
		out := string(s[pos[d]:end])
		pos[d] = end
		return out
	}
	for i := 0; i+1 < len(script) && i < 4000; i += 2 {
		op, arg := script[i], script[i+1]
		d := flows.Direction(op & 1)
		n := 1 + int(op>>4)*64 + int(arg)
		switch (op >> 1) & 7 {
		case 0, 1, 2:
			if p := take(d, n); p != "" {
				x.send(d, p)
			}
		case 3:
			back := min(pos[d], int(arg)%32)
			start := pos[d] - back
			if p := take(d, n); p != "" || back > 0 {
				x.seg(d, start, string(streams[d][start:pos[d]]), -1)
			}
		case 4:
			if p := take(d, n); p != "" {
				x.lose(d, len(p))
			}
		case 5:
			if p := take(d, n); p != "" {
				x.seg(d, pos[d]-len(p), p, int(arg)%(len(p)+1))
			}
		case 6:
			start := pos[d]
			a := take(d, n)
			b := take(d, n)
			if b != "" {
				x.seg(d, start+len(a), b, -1)
			}
			if a != "" {
				x.seg(d, start, a, -1)
			}
		case 7:
			x.after(time.Duration(arg) * 10 * time.Millisecond)
		}
	}
	if len(script)%2 == 1 {
		x.rst(flows.Direction(script[len(script)-1] & 1))
	} else {
		x.fin(flows.FromClient)
		x.fin(flows.FromServer)
	}
	return x.info()
}

// checkInfo checks what holds for any Info, whatever the bytes.
func checkInfo(t *testing.T, info *Info, frames int) {
	t.Helper()
	for d := 0; d < 2; d++ {
		if info.Bytes[d] < 0 || info.Gaps[d] < 0 || info.Uncaptured[d] < 0 || info.Uncaptured[d] > info.Bytes[d] {
			t.Fatalf("bytes %v gaps %v uncaptured %v", info.Bytes, info.Gaps, info.Uncaptured)
		}
	}
	if len(info.HTTP) > 2*maxExchanges || info.HTTPAnswered > info.HTTPRequests+len(info.HTTP)+info.HTTPOmitted {
		t.Fatalf("%d exchanges kept, %d requests, %d answered, %d omitted", len(info.HTTP), info.HTTPRequests, info.HTTPAnswered, info.HTTPOmitted)
	}
	for _, e := range info.HTTP {
		if e.Wait < 0 || e.Total < 0 || len(e.Path) > maxPath || len(e.Method) > 32 || len(e.Proto) > 16 {
			t.Fatalf("exchange %+v", e)
		}
		if e.RequestFrame < 0 || e.RequestFrame > frames || e.ResponseFrame < 0 || e.ResponseFrame > frames {
			t.Fatalf("exchange frames %d %d of %d", e.RequestFrame, e.ResponseFrame, frames)
		}
		if e.RequestBytes < 0 || e.ResponseBytes < 0 {
			t.Fatalf("exchange %+v", e)
		}
		if e.Complete && e.Status == 0 && e.Proto != "HTTP/0.9" {
			// Only an HTTP/0.9 Simple-Response (the body alone) has none.
			t.Fatalf("complete response without a status: %+v", e)
		}
		if e.Proto == "HTTP/0.9" && (e.Method != "GET" || e.Path == "") {
			t.Fatalf("HTTP/0.9 exchange: %+v", e)
		}
	}
	if s := info.SSH; s != nil && (len(s.ClientBanner) > 255 || len(s.ServerBanner) > 255) {
		t.Fatalf("ssh %+v", s)
	}
	if r := info.Redis; r != nil && (len(r.Command) > 32 || len(r.Key) > 128 || len(r.Reply) > 128) {
		t.Fatalf("redis %+v", r)
	}
}

// FuzzApp feeds the application layer two byte streams, cut into segments, lost,
// retransmitted, reordered and cut by a snaplen as the script says: the recognisers and
// every protocol parser see them. Nothing panics and the Info stays consistent.
func FuzzApp(f *testing.F) {
	for i, s := range appSeedStreams(f) {
		f.Add(uint16(80), []byte{0, 0, 1, 0, byte(i), 7, 0, 255, 1, 255}, s[0], s[1])
		f.Add(uint16(443), []byte{0x10, 3, 0x21, 3, 4, 5, 10, 9, 12, 40, 1, 2}, s[0], s[1])
	}
	for _, c := range [][2]string{
		{"GET /hang HTTP/1.1\r\nHost: a\r\n\r\n", ""},
		{"SSH-2.0-Go\r\n", ""},
		{"", "SSH-2.0-OpenSSH\r\n"},
		{"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", "$-1\r\n"},
		{"\x00\x00\x00\x08\x04\xd2\x16\x2f", "N"},
		{"EHLO me\r\n", "220 hi\r\n250 ok\r\n"},
		{"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "\x00\x00\x00\x04\x00\x00\x00\x00\x00"},
	} {
		f.Add(uint16(0), []byte{0, 200, 1, 200}, []byte(c[0]), []byte(c[1]))
	}
	f.Fuzz(func(t *testing.T, port uint16, script, client, server []byte) {
		info := appScript(t, port, script, [2][]byte{client, server})
		checkInfo(t, info, len(script))
	})
}

// FuzzHTTP checks that HTTP parsing does not depend on how the bytes were cut into
// segments: the client's bytes then the server's, each sent whole, give the same
// exchanges as the same bytes sent in pieces (cut after the first 64 bytes, so that the
// protocol is recognised from the same first segment).
func FuzzHTTP(f *testing.F) {
	for _, s := range appSeedStreams(f) {
		if httpRequestLine(s[0]) == yes {
			f.Add(s[0], s[1], []byte{3, 17, 200, 1})
		}
	}
	f.Add([]byte("GET / HTTP/1.1\r\nHost: h\r\n\r\nPOST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcHEAD / HTTP/1.0\r\n\r\n"),
		[]byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\nHTTP/1.1 204 No\r\n\r\nHTTP/1.0 200 OK\r\n\r\nclose-delimited"),
		[]byte{1, 2, 3, 50, 7})
	// A head longer than MaxHead: oversize whether it came in one piece or many.
	f.Add([]byte("GET /"+strings.Repeat("a", MaxHead)+" HTTP/1.1\r\nX: "+strings.Repeat("b", MaxHead)+"\r\n\r\n"),
		[]byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), []byte{255, 255, 255, 100})
	f.Fuzz(func(t *testing.T, client, server, cuts []byte) {
		whole := func() *Info {
			x := newHarness(t, 80)
			if len(client) > 0 {
				x.send(C, string(client))
			}
			if len(server) > 0 {
				x.send(S, string(server))
			}
			x.fin(C)
			x.fin(S)
			return x.info()
		}()
		pieces := func() *Info {
			x := newHarness(t, 80)
			k := 0
			for d, b := range [2][]byte{client, server} {
				dd := flows.Direction(d)
				first := min(len(b), detMax)
				if first > 0 {
					x.send(dd, string(b[:first]))
				}
				for b = b[first:]; len(b) > 0; {
					n := 1
					if len(cuts) > 0 {
						n = 1 + int(cuts[k%len(cuts)])
						k++
					}
					n = min(n, len(b))
					x.send(dd, string(b[:n]))
					b = b[n:]
				}
			}
			x.fin(C)
			x.fin(S)
			return x.info()
		}()
		checkInfo(t, whole, 1<<30)
		checkInfo(t, pieces, 1<<30)
		if whole.Protocol != pieces.Protocol || whole.HTTPRequests != pieces.HTTPRequests ||
			whole.HTTPAnswered != pieces.HTTPAnswered || len(whole.HTTP) != len(pieces.HTTP) ||
			whole.Bytes != pieces.Bytes {
			t.Fatalf("whole: %s %d requests %d answered %d kept %v bytes; pieces: %s %d %d %d %v",
				whole.Protocol, whole.HTTPRequests, whole.HTTPAnswered, len(whole.HTTP), whole.Bytes,
				pieces.Protocol, pieces.HTTPRequests, pieces.HTTPAnswered, len(pieces.HTTP), pieces.Bytes)
		}
		for i := range whole.HTTP {
			a, b := whole.HTTP[i], pieces.HTTP[i]
			if a.Method != b.Method || a.Path != b.Path || a.Host != b.Host || a.Proto != b.Proto ||
				a.Status != b.Status || a.Complete != b.Complete || a.RequestComplete != b.RequestComplete ||
				a.RequestBytes != b.RequestBytes || a.ResponseBytes != b.ResponseBytes ||
				a.Oversize != b.Oversize || a.Gap != b.Gap || len(a.Interim) != len(b.Interim) {
				a.Path, b.Path = short(a.Path), short(b.Path)
				t.Fatalf("exchange %d differs:\nwhole  %+v\npieces %+v", i, a, b)
			}
		}
	})
}

// short cuts a string for a message.
func short(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// FuzzRecognise checks the recognisers on growing prefixes, as detection sees the
// bytes arrive: a prefix of bytes that are recognised as a protocol never said "no"
// (detection would have stopped there), and "maybe" never comes after a definite answer.
func FuzzRecognise(f *testing.F) {
	for _, s := range appSeedStreams(f) {
		f.Add(s[0][:min(len(s[0]), detMax)], false)
		f.Add(s[1][:min(len(s[1]), detMax)], true)
	}
	for _, s := range []string{"GET ", "PRI * HTTP/2.0", "SSH-2.0", "*1\r\n$4\r\nPING\r\n", "PING\r\n", "HELO x", "\x16\x03\x01\x00\x05\x01"} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, b []byte, server bool) {
		if len(b) > detMax {
			b = b[:detMax]
		}
		d := flows.FromClient
		if server {
			d = flows.FromServer
		}
		full, p := recognise(d, b)
		if full != yes {
			return
		}
		for k := 1; k < len(b); k++ {
			r, q := recognise(d, b[:k])
			if r == no {
				t.Fatalf("%q is %s, but its prefix %q said no", b, protoNames[p], b[:k])
			}
			if r == yes && q != p {
				t.Fatalf("%q is %s, but its prefix %q is %s", b, protoNames[p], b[:k], protoNames[q])
			}
		}
	})
}
