package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tcpmortem/tcpmortem/flows"
)

func checkExchange(t *testing.T, e Exchange, method, path string, status int, reqFrame, respFrame int) {
	t.Helper()
	if e.Method != method || e.Path != path || e.Status != status || e.RequestFrame != reqFrame || e.ResponseFrame != respFrame {
		t.Fatalf("exchange %s %s %d req %d resp %d, want %s %s %d req %d resp %d (%+v)",
			e.Method, e.Path, e.Status, e.RequestFrame, e.ResponseFrame, method, path, status, reqFrame, respFrame, e)
	}
}

func TestHTTPContentLength(t *testing.T) {
	x := newHarness(t, 8080)
	rq := x.send(C, "GET /ok HTTP/1.1\r\nHost: example:8080\r\nUser-Agent: t\r\n\r\n")
	x.after(ms2(5))
	rs := x.send(S, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234")
	x.after(ms2(1))
	last := x.send(S, "56789")
	_ = last
	x.after(ms2(2))
	rq2 := x.send(C, "POST /form HTTP/1.1\r\nHost: example:8080\r\nContent-Length: 5\r\n\r\nab")
	x.after(ms2(3))
	x.send(C, "cde")
	x.after(ms2(7))
	rs2 := x.send(S, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
	i := x.info()
	if i.Protocol != "http" || len(i.HTTP) != 2 {
		t.Fatalf("protocol %q, %d exchanges", i.Protocol, len(i.HTTP))
	}
	e := i.HTTP[0]
	checkExchange(t, e, "GET", "/ok", 200, rq, rs)
	if e.Host != "example:8080" || e.Proto != "HTTP/1.1" || !e.Complete || !e.RequestComplete {
		t.Fatalf("%+v", e)
	}
	if e.Wait != 5*time.Millisecond || e.Total != 6*time.Millisecond {
		t.Fatalf("wait %v total %v", e.Wait, e.Total)
	}
	if !e.ResponseEnd.Equal(t0.Add(6 * time.Millisecond)) {
		t.Fatalf("response end %v", e.ResponseEnd)
	}
	e = i.HTTP[1]
	checkExchange(t, e, "POST", "/form", 404, rq2, rs2)
	if e.Wait != 7*time.Millisecond || !e.Complete || e.RequestBytes != int64(len("POST /form HTTP/1.1\r\nHost: example:8080\r\nContent-Length: 5\r\n\r\nabcde")) {
		t.Fatalf("%+v", e)
	}
	if !i.FirstRequestComplete || len(i.Unanswered()) != 0 || i.HTTPRequests != 2 || i.HTTPAnswered != 2 {
		t.Fatalf("%+v", i)
	}
	if i.Bytes[0] == 0 || i.Gaps != [2]int64{} {
		t.Fatalf("bytes %v gaps %v", i.Bytes, i.Gaps)
	}
}

// TestHTTPChunkedEverySplit cuts a chunked response (extensions, trailers) at every byte
// position into two segments, and at every position into one-byte segments up to it.
func TestHTTPChunkedEverySplit(t *testing.T) {
	resp := "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" +
		"5;ext=1\r\nhello\r\n" + "1A\r\n" + strings.Repeat("z", 26) + "\r\n" + "0\r\nX-Trailer: t\r\n\r\n"
	next := "HTTP/1.1 204 No Content\r\n\r\n"
	for cut := 1; cut < len(resp); cut++ {
		for _, bytewise := range []bool{false, true} {
			x := newHarness(t, 80)
			x.send(C, "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n")
			if bytewise {
				for k := 0; k < cut; k++ {
					x.send(S, resp[k:k+1])
				}
			} else {
				x.send(S, resp[:cut])
			}
			x.after(ms2(1))
			last := x.send(S, resp[cut:])
			rs2 := x.send(S, next)
			i := x.info()
			if len(i.HTTP) != 2 {
				t.Fatalf("cut %d: %d exchanges", cut, len(i.HTTP))
			}
			e := i.HTTP[0]
			if e.Status != 200 || !e.Complete || e.ResponseBytes != int64(len(resp)) || e.ResponseFrame != 2 {
				t.Fatalf("cut %d bytewise %v: %+v", cut, bytewise, e)
			}
			if !e.ResponseEnd.Equal(t0.Add(time.Millisecond)) {
				t.Fatalf("cut %d: response end %v, want the frame %d", cut, e.ResponseEnd, last)
			}
			if e2 := i.HTTP[1]; e2.Status != 204 || !e2.Complete || e2.ResponseFrame != rs2 {
				t.Fatalf("cut %d: second %+v", cut, e2)
			}
		}
	}
}

func TestHTTPPipelined(t *testing.T) {
	x := newHarness(t, 8080)
	rq := x.send(C, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nGET /3 HTTP/1.1\r\nHost: h\r\n\r\n")
	x.after(ms2(1))
	r1 := x.send(S, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	x.after(ms2(300))
	// the second and third responses in one segment
	r2 := x.send(S, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslowHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
	i := x.info()
	if len(i.HTTP) != 3 {
		t.Fatalf("%d exchanges", len(i.HTTP))
	}
	checkExchange(t, i.HTTP[0], "GET", "/1", 200, rq, r1)
	checkExchange(t, i.HTTP[1], "GET", "/2", 200, rq, r2)
	checkExchange(t, i.HTTP[2], "GET", "/3", 201, rq, r2)
	if i.HTTP[1].Wait != 301*time.Millisecond {
		t.Fatalf("wait %v", i.HTTP[1].Wait)
	}
}

func TestHTTPPipelinedUnanswered(t *testing.T) {
	x := newHarness(t, 8080)
	rq := x.send(C, "GET /ok HTTP/1.1\r\nHost: h\r\n\r\nGET /hang HTTP/1.1\r\nHost: h\r\n\r\nGET /ok HTTP/1.1\r\nHost: h\r\n\r\n")
	r1 := x.send(S, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	x.after(time.Second)
	x.fin(C)
	i := x.info()
	un := i.Unanswered()
	if len(un) != 2 || un[0].Path != "/hang" || un[0].RequestFrame != rq || un[1].Path != "/ok" {
		t.Fatalf("unanswered %+v", un)
	}
	checkExchange(t, i.HTTP[0], "GET", "/ok", 200, rq, r1)
	if i.HTTPAnswered != 1 || i.HTTPRequests != 3 {
		t.Fatalf("answered %d of %d", i.HTTPAnswered, i.HTTPRequests)
	}
	if !un[0].RequestComplete || !un[0].RequestEnd.Equal(t0) {
		t.Fatalf("%+v", un[0])
	}
}

func TestHTTPInterim(t *testing.T) {
	x := newHarness(t, 8080)
	rq := x.send(C, "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
	x.after(ms2(1))
	x.send(S, "HTTP/1.1 100 Continue\r\n\r\n")
	x.after(ms2(1))
	x.send(C, "data")
	x.after(ms2(2))
	r := x.send(S, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")
	i := x.info()
	if len(i.HTTP) != 1 {
		t.Fatalf("%d exchanges", len(i.HTTP))
	}
	e := i.HTTP[0]
	checkExchange(t, e, "POST", "/upload", 201, rq, r)
	if fmt.Sprint(e.Interim) != "[100 103]" || e.Wait != 2*time.Millisecond || !e.Complete {
		t.Fatalf("%+v", e)
	}
}

func TestHTTPInterimOnlyIsUnanswered(t *testing.T) {
	x := newHarness(t, 8080)
	x.send(C, "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
	x.send(S, "HTTP/1.1 100 Continue\r\n\r\n")
	x.send(C, "data")
	x.after(time.Second)
	x.fin(C)
	i := x.info()
	if un := i.Unanswered(); len(un) != 1 || fmt.Sprint(un[0].Interim) != "[100]" || un[0].Status != 0 {
		t.Fatalf("%+v", i.HTTP)
	}
}

func TestHTTPNoBodyResponses(t *testing.T) {
	x := newHarness(t, 8080)
	x.send(C, "HEAD /ok HTTP/1.1\r\nHost: h\r\n\r\n")
	x.send(S, "HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n") // HEAD: the length is the GET's
	x.send(C, "GET /nocontent HTTP/1.1\r\nHost: h\r\n\r\n")
	x.send(S, "HTTP/1.1 204 No Content\r\n\r\n")
	x.send(C, "GET /notmod HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"v1\"\r\n\r\n")
	x.send(S, "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\nETag: \"v1\"\r\n\r\n")
	x.send(C, "GET /last HTTP/1.1\r\nHost: h\r\n\r\n")
	r := x.send(S, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nend")
	i := x.info()
	if len(i.HTTP) != 4 {
		t.Fatalf("%d exchanges: %+v", len(i.HTTP), i.HTTP)
	}
	for k, want := range []int{200, 204, 304, 200} {
		if e := i.HTTP[k]; e.Status != want || !e.Complete {
			t.Fatalf("exchange %d: %+v", k, e)
		}
	}
	if i.HTTP[3].ResponseFrame != r || i.HTTP[3].Path != "/last" {
		t.Fatalf("%+v", i.HTTP[3])
	}
}

func TestHTTPCloseDelimited(t *testing.T) {
	for _, end := range []string{"fin", "rst", "open"} {
		x := newHarness(t, 8080)
		x.send(C, "GET /raw10 HTTP/1.0\r\n\r\n")
		r := x.send(S, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nfirst part,")
		x.after(ms2(4))
		x.send(S, " second part")
		switch end {
		case "fin":
			x.after(ms2(1))
			x.fin(S)
		case "rst":
			x.rst(S)
		}
		i := x.info()
		e := i.HTTP[0]
		if e.Status != 200 || e.ResponseFrame != r || e.Method != "GET" || e.Proto != "HTTP/1.0" {
			t.Fatalf("%s: %+v", end, e)
		}
		if e.Complete != (end == "fin") {
			t.Fatalf("%s: complete %v", end, e.Complete)
		}
		if end == "fin" && (!e.ResponseEnd.Equal(t0.Add(4*time.Millisecond)) || e.ResponseBytes != int64(len("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nfirst part, second part"))) {
			t.Fatalf("end %v bytes %d", e.ResponseEnd, e.ResponseBytes)
		}
	}
}

func TestHTTPOversizeHead(t *testing.T) {
	x := newHarness(t, 8080)
	big := strings.Repeat("a", 20000)
	// The head crosses 16 KiB: the request is marked oversize, but framing holds and the
	// next request on the connection is read.
	x.send(C, "GET /big HTTP/1.1\r\nHost: h\r\nX-Big: "+big[:1000])
	x.send(C, big[1000:]+"\r\nContent-Length: 3\r\n\r\nabc")
	x.send(C, "GET /next HTTP/1.1\r\nHost: h\r\n\r\n")
	x.send(S, "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n\r\n")
	x.send(S, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	i := x.info()
	if len(i.HTTP) != 2 || !i.HTTP[0].Oversize || i.HTTP[1].Oversize || i.HTTP[1].Path != "/next" ||
		i.HTTP[0].Status != 431 || i.HTTP[1].Status != 200 || !i.HTTP[0].RequestComplete {
		t.Fatalf("%+v", i.HTTP)
	}
	// An oversize request line: the path is kept up to its cap.
	x = newHarness(t, 8080)
	x.send(C, "GET /"+strings.Repeat("p", 30000)+" HTTP/1.1\r\nHost: h\r\n\r\n")
	i = x.info()
	if len(i.HTTP) != 1 || !i.HTTP[0].Oversize || len(i.HTTP[0].Path) != maxPath || i.HTTP[0].Host != "h" {
		t.Fatalf("%d exchanges, %+v", len(i.HTTP), i.HTTP[0].Oversize)
	}
}

func TestHTTPGapInBody(t *testing.T) {
	x := newHarness(t, 8080)
	x.send(C, "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n")
	x.send(S, "HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n")
	x.send(S, strings.Repeat("x", 1000))
	x.lose(S, 1000) // never captured
	x.send(S, strings.Repeat("x", 1000))
	r := x.send(S, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ny")
	i := x.info()
	if len(i.HTTP) != 2 || !i.HTTP[0].Gap || !i.HTTP[0].Complete || i.HTTP[1].ResponseFrame != r || !i.HTTP[1].Complete {
		t.Fatalf("%+v", i.HTTP)
	}
	if i.Gaps[S] != 1000 {
		t.Fatalf("gaps %v", i.Gaps)
	}
}

func TestHTTPGapInHeadResyncs(t *testing.T) {
	x := newHarness(t, 8080)
	x.send(C, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n")
	x.send(S, "HTTP/1.1 200 OK\r\nContent-Len")
	x.lose(S, 20) // the rest of the head and the body
	x.send(C, "GET /b HTTP/1.1\r\nHost: h\r\n\r\n")
	r := x.send(S, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ny")
	i := x.info()
	if len(i.HTTP) != 2 {
		t.Fatalf("%+v", i.HTTP)
	}
	if e := i.HTTP[0]; e.Status != 200 || !e.Gap || e.Complete {
		t.Fatalf("first %+v", e)
	}
	if e := i.HTTP[1]; e.Status != 200 || e.ResponseFrame != r || !e.Complete || e.Path != "/b" {
		t.Fatalf("second %+v", e)
	}
}

func TestHTTPOutOfOrder(t *testing.T) {
	x := newHarness(t, 8080)
	req := "GET /ooo HTTP/1.1\r\nHost: h\r\n\r\n"
	x.send(C, req)
	resp := "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n" + strings.Repeat("b", 20)
	// the response's second half is captured before its first
	x.after(ms2(1))
	late := x.seg(S, 30, resp[30:], -1)
	x.after(ms2(1))
	first := x.seg(S, 0, resp[:30], -1)
	i := x.info()
	e := i.HTTP[0]
	if e.Status != 200 || !e.Complete || e.ResponseFrame != first || e.Gap {
		t.Fatalf("%+v (late %d)", e, late)
	}
	if i.Bytes[S] != int64(len(resp)) {
		t.Fatalf("bytes %v", i.Bytes)
	}
}

// A request whose segment was captured out of order behind a hole must still be parsed
// before the response that answers it.
func TestHTTPRequestHoleFlushedByResponse(t *testing.T) {
	x := newHarness(t, 8080)
	x.send(C, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n")
	x.send(S, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	x.lose(C, 10)                                         // part of a request never captured
	rq := x.send(C, "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n") // buffered behind the hole
	r := x.send(S, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	i := x.info()
	if len(i.HTTP) != 2 {
		t.Fatalf("%+v", i.HTTP)
	}
	checkExchange(t, i.HTTP[1], "GET", "/2", 200, rq, r)
}

func TestHTTPSwitchingProtocols(t *testing.T) {
	x := newHarness(t, 8080)
	x.send(C, "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	x.send(S, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello")
	x.send(C, "\x81\x85garbage")
	i := x.info()
	if len(i.HTTP) != 1 || i.HTTP[0].Status != 101 || !i.HTTP[0].Complete || len(i.Unanswered()) != 0 {
		t.Fatalf("%+v", i.HTTP)
	}
	if i.Bytes[C] == 0 || i.Bytes[S] == 0 {
		t.Fatalf("bytes %v", i.Bytes)
	}
}

func TestHTTPTinyFirstSegments(t *testing.T) {
	x := newHarness(t, 8080)
	rq := x.send(C, "G")
	x.send(C, "ET /x")
	x.send(C, " HTTP/1.1\r\nHost: h\r\n\r\n")
	r := x.send(S, "H")
	x.send(S, "TTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	i := x.info()
	if i.Protocol != "http" || len(i.HTTP) != 1 {
		t.Fatalf("%q %+v", i.Protocol, i.HTTP)
	}
	checkExchange(t, i.HTTP[0], "GET", "/x", 200, rq, r)
}

func TestHTTPMidstream(t *testing.T) {
	x := newHarness(t, 8080)
	x.f.Midstream = true
	// The capture starts in the middle of a response body and of a request body.
	x.send(C, "tail of a previous upload")
	x.send(S, "end of some body")
	rq := x.send(C, "GET /seen HTTP/1.1\r\nHost: h\r\n\r\n")
	r := x.send(S, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	i := x.info()
	if i.Protocol != "http" || len(i.HTTP) != 1 {
		t.Fatalf("%q %+v", i.Protocol, i.HTTP)
	}
	checkExchange(t, i.HTTP[0], "GET", "/seen", 200, rq, r)
}

func TestHTTPSnaplen(t *testing.T) {
	// A capture with a short snaplen: only the start of each segment is there. The
	// request line survives; lengths keep the framing where the heads are whole.
	x := newHarness(t, 8080)
	req := "GET /cut HTTP/1.1\r\nHost: h\r\n\r\n"
	rq := x.seg(C, 0, req, 12)
	i := x.info()
	if len(i.HTTP) != 1 || i.HTTP[0].Method != "GET" || i.HTTP[0].RequestFrame != rq || !i.HTTP[0].Gap {
		t.Fatalf("%+v", i.HTTP)
	}
	if i.Uncaptured[C] != int64(len(req)-12) || i.Bytes[C] != int64(len(req)) {
		t.Fatalf("uncaptured %v bytes %v", i.Uncaptured, i.Bytes)
	}
}

func TestHTTPUnansweredRequestLineOnly(t *testing.T) {
	// The client's request line never ended (it stalled mid-head).
	x := newHarness(t, 8080)
	x.send(C, "POST /hang HTTP/1.1\r\nHost: h\r\nContent-Le")
	x.after(time.Second)
	x.fin(C)
	i := x.info()
	un := i.Unanswered()
	if len(un) != 1 || un[0].Path != "/hang" || un[0].RequestComplete || i.FirstRequestComplete ||
		!un[0].RequestEnd.Equal(t0) || un[0].RequestBytes != int64(len("POST /hang HTTP/1.1\r\nHost: h\r\nContent-Le")) {
		t.Fatalf("%+v", i.HTTP)
	}
}

func TestHTTPManyExchangesBounded(t *testing.T) {
	x := newHarness(t, 8080)
	for k := 0; k < 3*maxExchanges+10; k++ {
		x.send(C, fmt.Sprintf("GET /%d HTTP/1.1\r\nHost: h\r\n\r\n", k))
		x.send(S, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	}
	x.send(C, "GET /hang HTTP/1.1\r\nHost: h\r\n\r\n")
	i := x.info()
	if len(i.HTTP) > 2*maxExchanges || i.HTTPRequests != 3*maxExchanges+11 || i.HTTPAnswered != 3*maxExchanges+10 {
		t.Fatalf("%d kept, %d requests, %d answered", len(i.HTTP), i.HTTPRequests, i.HTTPAnswered)
	}
	if i.HTTPOmitted+len(i.HTTP) != i.HTTPRequests {
		t.Fatalf("omitted %d + kept %d != %d", i.HTTPOmitted, len(i.HTTP), i.HTTPRequests)
	}
	if un := i.Unanswered(); len(un) != 1 || un[0].Path != "/hang" {
		t.Fatalf("%+v", un)
	}
	last := i.HTTP[len(i.HTTP)-2]
	if last.Path != fmt.Sprintf("/%d", 3*maxExchanges+9) || last.Status != 200 {
		t.Fatalf("%+v", last)
	}
}

func TestExchangeJSON(t *testing.T) {
	x := newHarness(t, 8080)
	x.send(C, "GET /ok HTTP/1.1\r\nHost: h:1\r\n\r\n")
	x.after(1500 * time.Microsecond)
	x.send(S, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	x.send(C, "GET /hang HTTP/1.1\r\nHost: h:1\r\n\r\n")
	b, err := json.Marshal(x.info())
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Protocol string           `json:"protocol"`
		HTTP     []map[string]any `json:"http"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Protocol != "http" || len(got.HTTP) != 2 {
		t.Fatalf("%s", b)
	}
	e := got.HTTP[0]
	for k, want := range map[string]any{"method": "GET", "path": "/ok", "host": "h:1", "status": 200.0,
		"request_frame": 1.0, "response_frame": 2.0, "wait_ms": 1.5} {
		if e[k] != want {
			t.Fatalf("%s = %v, want %v (%s)", k, e[k], want, b)
		}
	}
	if _, ok := got.HTTP[1]["wait_ms"]; ok || got.HTTP[1]["status"] != 0.0 || got.HTTP[1]["response_frame"] != 0.0 {
		t.Fatalf("unanswered: %s", b)
	}
}

// TestBodyAllocationFree: once a response head is read, its body's in-order segments
// cost no allocation through the hook (reassembler, dispatch, body counting).
func TestBodyAllocationFree(t *testing.T) {
	x := newHarness(t, 8080)
	x.send(C, "GET /bulk HTTP/1.1\r\nHost: h\r\n\r\n")
	x.send(S, "HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n")
	payload := make([]byte, 1448)
	seg := &flows.Segment{Frame: 10, Time: t0, Flags: flows.FlagACK, Payload: payload, PayloadLen: len(payload)}
	step := &flows.Step{}
	seg.Seq = x.next[S]
	allocs := testing.AllocsPerRun(1000, func() {
		x.h.Segment(x.f, S, seg, step)
		seg.Seq += uint32(len(payload))
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per body segment", allocs)
	}
	if e := x.info().HTTP[0]; e.ResponseBytes != int64(len("HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n")+1001*1448) {
		t.Fatalf("%+v", e)
	}
}

// Out-of-order body bytes are not copied (the parser only counts them), bytes after the
// body are, and everything still lines up.
func TestHTTPOutOfOrderBodyNotCopied(t *testing.T) {
	x := newHarness(t, 8080)
	x.send(C, "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n")
	head := "HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n"
	x.seg(S, 0, head+strings.Repeat("a", 1000), -1)
	off := len(head) + 1000
	x.seg(S, off+1000, strings.Repeat("c", 1000)+"HTTP/1.1 200 OK\r\nContent-Le", -1) // beyond a hole
	st := x.f.App.(*flowState)
	if got := st.half[S].Buffered(); got != len("HTTP/1.1 200 OK\r\nContent-Le") {
		t.Fatalf("buffered %d: body bytes were copied", got)
	}
	r2 := x.frame
	x.seg(S, off, strings.Repeat("b", 1000), -1) // fills the hole
	x.send(S, "ngth: 0\r\n\r\n")
	i := x.info()
	if len(i.HTTP) != 2 || !i.HTTP[0].Complete || i.HTTP[0].ResponseBytes != int64(len(head)+3000) ||
		i.HTTP[1].Status != 200 || i.HTTP[1].ResponseFrame != r2 || !i.HTTP[1].Complete || i.HTTP[0].Gap {
		t.Fatalf("%+v", i.HTTP)
	}
}

func TestHTTPChunkedRequest(t *testing.T) {
	x := newHarness(t, 8080)
	x.send(C, "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nab")
	x.after(ms2(2))
	x.send(C, "cd\r\n0\r\n\r\n")
	x.after(ms2(3))
	x.send(S, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	e := x.info().HTTP[0]
	if !e.RequestComplete || !e.RequestEnd.Equal(t0.Add(2*time.Millisecond)) || e.Wait != 3*time.Millisecond || e.Status != 200 {
		t.Fatalf("%+v", e)
	}
}

func TestHTTPConnectTunnel(t *testing.T) {
	x := newHarness(t, 3128)
	x.send(C, "CONNECT db.example:5432 HTTP/1.1\r\nHost: db.example:5432\r\n\r\n")
	x.send(S, "HTTP/1.1 200 Connection established\r\n\r\n")
	x.send(C, "\x00\x00\x00\x08\x04\xd2\x16\x2f")
	x.send(S, "N")
	i := x.info()
	if len(i.HTTP) != 1 || i.HTTP[0].Method != "CONNECT" || i.HTTP[0].Path != "db.example:5432" || !i.HTTP[0].Complete {
		t.Fatalf("%+v", i.HTTP)
	}
}

// A response whose Content-Length is longer than its body eats the next status line's
// start: the client's parser fails there, and so does ours, however the bytes were cut
// into segments (the next segment starting "HTTP/1." is no reason to pick up again).
func TestHTTPBadFramingStopsDirection(t *testing.T) {
	resp := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	bad := "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort"
	for _, cut := range []bool{false, true} {
		x := newHarness(t, 8080)
		for i := 0; i < 4; i++ {
			x.send(C, fmt.Sprintf("GET /%d HTTP/1.1\r\nHost: h\r\n\r\n", i))
		}
		// The same bytes either way: bad's body is "short" and the next status line's "HTTP".
		if cut {
			x.send(S, resp+bad+resp[:4])
			x.send(S, resp[4:])
			x.send(S, resp)
			x.send(S, resp)
		} else {
			x.send(S, resp+bad+resp+resp+resp)
		}
		i := x.info()
		if i.HTTPRequests != 4 || i.HTTPAnswered != 2 || len(i.HTTP) != 4 {
			t.Fatalf("cut %v: %d requests, %d answered: %+v", cut, i.HTTPRequests, i.HTTPAnswered, i.HTTP)
		}
		if e := i.HTTP[1]; e.Status != 200 || !e.Complete || e.Gap {
			t.Fatalf("cut %v: second %+v", cut, e)
		}
		if e := i.HTTP[2]; e.Status != 0 || e.Gap {
			t.Fatalf("cut %v: third %+v", cut, e)
		}
		if n := int64(len(resp + bad + resp + resp + resp)); i.Bytes[S] != n {
			t.Fatalf("cut %v: bytes %v, want %d", cut, i.Bytes, n)
		}
	}
}
