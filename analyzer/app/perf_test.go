package app

import (
	"fmt"
	"net/netip"
	"strconv"
	"testing"
	"time"
	"unsafe"

	"github.com/tcpmortem/tcpmortem/flows"
)

// Per-flow benchmarks of the application layer alone (no reading, no decoding, no flow
// table): what one short HTTP connection costs, from its first payload segment to
// InfoOf, in the shape of the bench capture (bench/cmd/load): "Connection: close"
// connections with one exchange, and keep-alive ones with a few. A connection's segments
// are made once; each iteration replays them on a fresh flow state.

type benchSeg struct {
	d   flows.Direction
	seg flows.Segment
}

// benchFlow makes a flow carrying n GET exchanges, each request and response in one
// segment, the server closing with a FIN after the last response.
func benchFlow(n int) (*flows.Flow, []benchSeg) {
	f := &flows.Flow{
		Client: netip.MustParseAddrPort("127.0.0.1:20044"),
		Server: netip.MustParseAddrPort("127.0.0.1:8080"),
	}
	isn := [2]uint32{1000, 5000}
	next := [2]uint32{isn[0] + 1, isn[1] + 1}
	for d := range f.Sides {
		s := &f.Sides[d]
		s.HaveISN, s.ISN = true, isn[d]
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var segs []benchSeg
	frame := 3
	send := func(d flows.Direction, p string) {
		frame++
		now = now.Add(50 * time.Microsecond)
		segs = append(segs, benchSeg{d, flows.Segment{Frame: frame, Time: now, Seq: next[d],
			PayloadLen: len(p), Payload: []byte(p), Flags: flows.FlagACK | flows.FlagPSH}})
		next[d] += uint32(len(p))
		m := flows.MarkAt(0, frame, now)
		f.Sides[d].Last, f.Last = m, m
	}
	conn := "keep-alive"
	for i := 0; i < n; i++ {
		if i == n-1 {
			conn = "close"
		}
		send(flows.FromClient, fmt.Sprintf("GET /small?i=%d HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"+
			"User-Agent: Go-http-client/1.1\r\nConnection: %s\r\nAccept-Encoding: gzip\r\n\r\n", i, conn))
		body := "hello, this is a small response body"
		send(flows.FromServer, fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"+
			"Content-Type: text/plain; charset=utf-8\r\nDate: Sat, 21 Nov 2026 19:21:44 GMT\r\n\r\n%s",
			len(body), body))
	}
	for d := range f.Sides {
		s := &f.Sides[d]
		frame++
		s.FIN, s.FINSeq, s.NextSeq = flows.MarkAt(0, frame, now), next[d], next[d]+1
	}
	return f, segs
}

func benchFlows(b *testing.B, n int) {
	f, segs := benchFlow(n)
	h := New()
	step := &flows.Step{}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.NewFlow(f)
		for k := range segs {
			h.Segment(f, segs[k].d, &segs[k].seg, step)
		}
		if info := InfoOf(f); len(info.HTTP) != n || !info.HTTP[n-1].Complete {
			b.Fatalf("exchanges: %+v", info.HTTP)
		}
	}
}

// BenchmarkFlowHTTPClose: one request and its response, then the connection closes.
func BenchmarkFlowHTTPClose(b *testing.B) { benchFlows(b, 1) }

// BenchmarkFlowHTTPKeepAlive: five exchanges on one connection.
func BenchmarkFlowHTTPKeepAlive(b *testing.B) { benchFlows(b, 5) }

// TestStateSize keeps an HTTP flow's state (flowState and httpState, made as one object)
// within the runtime's 1 KiB size class: objects over 512 bytes that hold pointers carry
// an 8-byte malloc header, and one byte more would make every HTTP flow cost 1152.
func TestStateSize(t *testing.T) {
	if n := unsafe.Sizeof(httpFlowState{}); n > 1024-8 {
		t.Errorf("httpFlowState is %d bytes: over the 1 KiB size class (1016 with its header)", n)
	}
}

// TestParseLength: the fast path of parseLength says what strconv.ParseInt says.
func TestParseLength(t *testing.T) {
	for _, s := range []string{"", "0", "007", "36", "+5", "-1", "-0", "1_000", "1a", " 1", "0x10",
		"123456789012345678", "999999999999999999", "9223372036854775807", "9223372036854775808",
		"99999999999999999999"} {
		n, err := parseLength([]byte(s))
		wn, werr := strconv.ParseInt(s, 10, 64)
		if n != wn || (err == nil) != (werr == nil) {
			t.Errorf("parseLength(%q) = %d, %v; ParseInt: %d, %v", s, n, err, wn, werr)
		}
	}
}
