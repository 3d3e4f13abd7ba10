package app

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/tcpmortem/tcpmortem/flows"
)

// These tests read the captures of testdata/app (made by the real kernel, described in
// testdata/app/EXPECTED.md) through the real pipeline: flows.Open, flows.NewDecoder,
// flows.NewTable with the hook. Every frame number and wait asserted here is what tshark
// shows for the capture (EXPECTED.md quotes `tshark -r FILE -t r` and facts.py, which
// reads tshark's fields); waits are compared within 2 µs (pcap timestamps are µs).

const appTestdata = "../../testdata/app"

type capture struct {
	flows []*flows.Flow
	times map[int]time.Time // frame number -> capture time
}

func (c *capture) at(frame int) time.Time { return c.times[frame] }

// readCapture runs the pipeline over a capture (from memory when data is given) and
// returns its flows in order, finished.
func readCapture(tb testing.TB, name string, hook bool) *capture {
	tb.Helper()
	data := loadCapture(tb, name)
	return runPipeline(tb, name, data, hook, true)
}

func loadCapture(tb testing.TB, name string) []byte {
	tb.Helper()
	path := filepath.Join(appTestdata, name)
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Skipf("%s not there yet: %v", path, err)
	}
	return data
}

func runPipeline(tb testing.TB, name string, data []byte, hook, keepTimes bool) *capture {
	c := &capture{}
	if keepTimes {
		c.times = map[int]time.Time{}
	}
	trackCapture(tb, name, data, hook, c.times, func(f *flows.Flow) { c.flows = append(c.flows, f) })
	return c
}

// trackCapture feeds a capture through a table, which hands every finished flow to done;
// times, when not nil, gets every frame's capture time.
func trackCapture(tb testing.TB, name string, data []byte, hook bool, times map[int]time.Time, done func(*flows.Flow)) {
	src, err := flows.OpenReader(name, bytes.NewReader(data), 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer src.Close()
	table := flows.NewTable(done)
	if hook {
		table.App = New()
	}
	dec := flows.NewDecoder()
	var seg flows.Segment
	for {
		p, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		if times != nil {
			times[p.Frame] = p.Time
		}
		if dec.Decode(p, &seg) {
			table.Add(&seg)
		}
	}
	table.Flush()
}

// within checks a duration against milliseconds as tshark/facts.py print them.
func within(t *testing.T, what string, got time.Duration, wantMS float64) {
	t.Helper()
	if math.Abs(float64(got)/1e6-wantMS) > 0.002 {
		t.Errorf("%s: %.3f ms, want %.3f ms", what, float64(got)/1e6, wantMS)
	}
}

type wantEx struct {
	method, path string
	status       int
	req, resp    int
	waitMS       float64 // ignored when there is no response
}

func checkExchanges(t *testing.T, what string, i *Info, want []wantEx) {
	t.Helper()
	if i == nil || i.Protocol != ProtoHTTP {
		t.Fatalf("%s: not http: %+v", what, i)
	}
	if len(i.HTTP) != len(want) {
		t.Fatalf("%s: %d exchanges, want %d: %+v", what, len(i.HTTP), len(want), i.HTTP)
	}
	for k, w := range want {
		e := i.HTTP[k]
		if e.Method != w.method || e.Path != w.path || e.Status != w.status || e.RequestFrame != w.req || e.ResponseFrame != w.resp {
			t.Errorf("%s #%d: %s %s %d frames %d->%d, want %s %s %d frames %d->%d", what, k+1,
				e.Method, e.Path, e.Status, e.RequestFrame, e.ResponseFrame, w.method, w.path, w.status, w.req, w.resp)
		}
		if e.Host != "10.77.0.2:8080" || e.Proto != "HTTP/1.1" || !e.RequestComplete {
			t.Errorf("%s #%d: host %q proto %q request complete %v", what, k+1, e.Host, e.Proto, e.RequestComplete)
		}
		if w.status != 0 {
			within(t, fmt.Sprintf("%s #%d wait", what, k+1), e.Wait, w.waitMS)
			if !e.Complete {
				t.Errorf("%s #%d: response not complete", what, k+1)
			}
		}
	}
}

func TestCaptureHTTPKeepalive(t *testing.T) {
	c := readCapture(t, "http_keepalive.pcap", true)
	if len(c.flows) != 1 {
		t.Fatalf("%d flows", len(c.flows))
	}
	f := c.flows[0]
	i := InfoOf(f)
	checkExchanges(t, "keepalive", i, []wantEx{
		{"GET", "/ok", 200, 4, 6, 0.285},
		{"GET", "/slow", 200, 8, 10, 300.767},
		{"POST", "/hang", 0, 11, 0, 0},
	})
	un := i.Unanswered()
	if len(un) != 1 || un[0].Path != "/hang" || i.HTTPAnswered != 2 {
		t.Fatalf("unanswered %+v, answered %d", un, i.HTTPAnswered)
	}
	// the client's timeout: from the request's last byte to its FIN (frame 13)
	if fin := f.Sides[flows.FromClient].FIN; fin.Frame != 13 {
		t.Fatalf("client FIN frame %d", fin.Frame)
	} else {
		within(t, "client gave up after", fin.Time().Sub(un[0].RequestEnd), 1000.057)
	}
	if un[0].RequestBytes != 177 {
		t.Errorf("request bytes %d, want 177", un[0].RequestBytes)
	}
}

func TestCaptureHTTPClose(t *testing.T) {
	c := readCapture(t, "http_close.pcap", true)
	if len(c.flows) != 7 {
		t.Fatalf("%d flows", len(c.flows))
	}
	want := []wantEx{
		{"GET", "/ok", 200, 4, 6, 0.209},
		{"GET", "/chunked", 200, 14, 16, 0.145},
		{"GET", "/raw10", 200, 32, 34, 0.124},
		{"HEAD", "/ok", 200, 42, 44, 0.147},
		{"GET", "/nocontent", 204, 52, 54, 0.455},
		{"GET", "/notmod", 304, 62, 64, 0.214},
		{"POST", "/upload", 201, 72, 77, 0.102},
	}
	for k, f := range c.flows {
		checkExchanges(t, want[k].path, InfoOf(f), want[k:k+1])
	}
	// chunked: complete with the last chunk in frame 24
	if e := InfoOf(c.flows[1]).HTTP[0]; !e.ResponseEnd.Equal(c.at(24)) {
		t.Errorf("chunked response ends %v, want frame 24 (%v)", e.ResponseEnd, c.at(24))
	}
	// close-delimited: the body (frame 34) ended by the server's FIN (frame 36)
	if f := c.flows[2]; f.Sides[flows.FromServer].FIN.Frame != 36 || !InfoOf(f).HTTP[0].Complete {
		t.Errorf("raw10: server FIN %d, complete %v", f.Sides[flows.FromServer].FIN.Frame, InfoOf(f).HTTP[0].Complete)
	}
	// 100 Continue (frame 74, 0.114 ms after the head in 72) is interim; the body ends
	// in frame 76 and the 201 answers it
	e := InfoOf(c.flows[6]).HTTP[0]
	if len(e.Interim) != 1 || e.Interim[0] != 100 || !e.RequestEnd.Equal(c.at(76)) || !e.RequestStart.Equal(c.at(72)) {
		t.Errorf("upload: %+v", e)
	}
	within(t, "100 Continue after the head", c.at(74).Sub(c.at(72)), 0.114)
}

func TestCaptureHTTPPipelined(t *testing.T) {
	c := readCapture(t, "http_pipelined.pcap", true)
	if len(c.flows) != 2 {
		t.Fatalf("%d flows", len(c.flows))
	}
	checkExchanges(t, "pipelined 1", InfoOf(c.flows[0]), []wantEx{
		{"GET", "/ok", 200, 4, 6, 0.298},
		{"GET", "/slow", 200, 4, 8, 300.907},
		{"GET", "/ok", 200, 4, 10, 301.041},
	})
	f := c.flows[1]
	i := InfoOf(f)
	checkExchanges(t, "pipelined 2", i, []wantEx{
		{"GET", "/ok", 200, 18, 20, 0.223},
		{"GET", "/hang", 0, 18, 0, 0},
		{"GET", "/ok", 0, 18, 0, 0},
	})
	un := i.Unanswered()
	if len(un) != 2 || un[0].Path != "/hang" || i.HTTPAnswered != 1 {
		t.Fatalf("unanswered %+v", un)
	}
	within(t, "client gave up after", f.Sides[flows.FromClient].FIN.Time().Sub(un[0].RequestEnd), 1000.543)
}

func TestCaptureHTTPUnansweredRST(t *testing.T) {
	c := readCapture(t, "http_unanswered_rst.pcap", true)
	f := c.flows[0]
	i := InfoOf(f)
	checkExchanges(t, "rst", i, []wantEx{{"POST", "/hang", 0, 4, 0, 0}})
	e := i.HTTP[0]
	if e.RequestBytes != 147 || !i.FirstRequestComplete {
		t.Errorf("%+v", e)
	}
	if f.RST.Packet.Frame != 6 {
		t.Fatalf("RST frame %d", f.RST.Packet.Frame)
	}
	within(t, "client reset after", f.RST.Packet.Time().Sub(e.RequestEnd), 1000.204)
}

func TestCaptureSSHBannerHang(t *testing.T) {
	c := readCapture(t, "ssh_banner_hang.pcap", true)
	if len(c.flows) != 2 {
		t.Fatalf("%d flows", len(c.flows))
	}
	for k, frame := range []int{4, 9} {
		i := InfoOf(c.flows[k])
		if i.Protocol != ProtoSSH || i.SSH.ClientBanner != "SSH-2.0-Go" || i.SSH.ClientBannerFrame != frame ||
			i.SSH.ServerBanner != "" || !i.ServerSpeaksFirst || !i.FirstRequestComplete || i.Bytes != [2]int64{12, 0} {
			t.Errorf("flow %d: %+v %+v", k+1, i, i.SSH)
		}
	}
}

func TestCaptureTLSSilent(t *testing.T) {
	c := readCapture(t, "tls_silent.pcap", true)
	if len(c.flows) != 2 {
		t.Fatalf("%d flows", len(c.flows))
	}
	i := InfoOf(c.flows[0])
	// the ClientHello (1512 B) spans frames 4 and 5; tshark shows it at 5, where it completes
	if i.Protocol != ProtoTLS || i.TLS.SNI != "api.internal.example" || !i.TLS.ClientHelloComplete ||
		i.TLS.ClientHelloFrame != 4 || i.TLS.ServerHello || i.Bytes != [2]int64{1512, 0} || !i.FirstRequestComplete {
		t.Errorf("silent: %+v %+v", i, i.TLS)
	}
	i = InfoOf(c.flows[1])
	if i.TLS.SNI != "api.internal.example" || i.TLS.ClientHelloFrame != 13 || !i.TLS.ServerHello ||
		i.TLS.ServerHelloFrame != 17 || i.TLS.ServerVersion != "TLS 1.3" || i.Bytes != [2]int64{1627, 1887} {
		t.Errorf("answered: %+v %+v", i, i.TLS)
	}
}

func TestCaptureMySQLGreetingStall(t *testing.T) {
	c := readCapture(t, "mysql_greeting_stall.pcap", true)
	if len(c.flows) != 2 {
		t.Fatalf("%d flows", len(c.flows))
	}
	i := InfoOf(c.flows[0])
	my := i.MySQL
	if i.Protocol != ProtoMySQL || !my.Greeting || my.GreetingFrame != 4 || my.ProtocolVer != 10 ||
		my.ServerVersion != "8.0.36" || my.AuthPlugin != "caching_sha2_password" || !my.Login ||
		my.LoginFrame != 6 || my.User != "app" || my.Database != "orders" || my.LoginReply != "" ||
		i.Bytes != [2]int64{102, 78} || !i.ServerSpeaksFirst {
		t.Errorf("flow 1: %+v %+v", i, my)
	}
	// no payload either way: only the port says MySQL
	i = InfoOf(c.flows[1])
	if i.Protocol != "" || i.PortHint != ProtoMySQL || !i.ServerSpeaksFirst || i.Bytes != [2]int64{0, 0} {
		t.Errorf("flow 2: %+v", i)
	}
}

func TestCaptureMiscProtocols(t *testing.T) {
	c := readCapture(t, "misc_protocols.pcap", true)
	if len(c.flows) != 5 {
		t.Fatalf("%d flows", len(c.flows))
	}
	i := InfoOf(c.flows[0])
	pg := i.Postgres
	if i.Protocol != ProtoPostgres || !pg.SSLRequest || pg.SSLResponse != "N" || !pg.Startup || pg.StartupFrame != 8 ||
		pg.User != "app" || pg.Database != "orders" || pg.Auth != "ok" || !i.FirstRequestComplete {
		t.Errorf("postgresql: %+v", pg)
	}
	i = InfoOf(c.flows[1])
	if i.Protocol != ProtoRedis || i.Redis.Command != "PING" || i.Redis.Reply != "+PONG" || i.Redis.ReplyFrame != 19 {
		t.Errorf("redis: %+v", i.Redis)
	}
	i = InfoOf(c.flows[2])
	s := i.SMTP
	if i.Protocol != ProtoSMTP || s.GreetingFrame != 27 || s.Greeting != "220 mail.example.test ESMTP ready" ||
		s.HelloFrame != 29 || s.HelloReply != 250 || !i.ServerSpeaksFirst {
		t.Errorf("smtp: %+v", s)
	}
	i = InfoOf(c.flows[3])
	if i.Protocol != ProtoHTTP2 || !i.HTTP2.Preface || i.HTTP2.PrefaceFrame != 40 || i.HTTP2.ServerFrame != "SETTINGS" ||
		i.HTTP2.ServerFrameFrame != 42 || len(i.HTTP) != 0 {
		t.Errorf("http2: %+v %+v", i, i.HTTP2)
	}
	i = InfoOf(c.flows[4])
	if i.Protocol != ProtoRedis || i.Redis.Command != "GET" || i.Redis.Key != "session:42" || i.Redis.Reply != "" ||
		i.Bytes != [2]int64{30, 0} || !i.FirstRequestComplete {
		t.Errorf("redis unanswered: %+v %+v", i, i.Redis)
	}
}

func TestCaptureBulk(t *testing.T) {
	c := readCapture(t, "bulk.pcap", true)
	if len(c.flows) != 1 {
		t.Fatalf("%d flows", len(c.flows))
	}
	i := InfoOf(c.flows[0])
	checkExchanges(t, "bulk", i, []wantEx{{"GET", "/bulk?size=2000000", 200, 4, 6, 0.213}})
	e := i.HTTP[0]
	if e.ResponseBytes != 2000121 || !e.ResponseEnd.Equal(c.at(2858)) || i.Bytes != [2]int64{112, 2000121} || i.Gaps != [2]int64{} {
		t.Errorf("%+v %+v", e, i)
	}
}

func TestCaptureManySmallHTTP(t *testing.T) {
	c := readCapture(t, "many_small_http.pcap", true)
	if len(c.flows) != 3 {
		t.Fatalf("%d flows", len(c.flows))
	}
	want := []struct {
		firstReq, firstResp, lastReq, lastResp int
		min, median, max                       float64
	}{
		{4, 6, 204, 205, 0.015, 0.028, 0.237},
		{212, 214, 412, 413, 0.016, 0.027, 0.307},
		{420, 422, 620, 621, 0.014, 0.033, 0.130},
	}
	for k, f := range c.flows {
		i := InfoOf(f)
		w := want[k]
		if len(i.HTTP) != 100 || i.HTTPAnswered != 100 || len(i.Unanswered()) != 0 {
			t.Fatalf("flow %d: %d exchanges, %d answered", k+1, len(i.HTTP), i.HTTPAnswered)
		}
		first, last := i.HTTP[0], i.HTTP[99]
		if first.Path != fmt.Sprintf("/small?i=%d-1", k+1) || last.Path != fmt.Sprintf("/small?i=%d-100", k+1) {
			t.Errorf("flow %d: paths %s .. %s", k+1, first.Path, last.Path)
		}
		if first.RequestFrame != w.firstReq || first.ResponseFrame != w.firstResp || last.RequestFrame != w.lastReq || last.ResponseFrame != w.lastResp {
			t.Errorf("flow %d: frames %d->%d .. %d->%d", k+1, first.RequestFrame, first.ResponseFrame, last.RequestFrame, last.ResponseFrame)
		}
		var waits []time.Duration
		for _, e := range i.HTTP {
			if e.Status != 200 || !e.Complete {
				t.Fatalf("flow %d: %+v", k+1, e)
			}
			waits = append(waits, e.Wait)
		}
		sort.Slice(waits, func(a, b int) bool { return waits[a] < waits[b] })
		within(t, "min wait", waits[0], w.min)
		within(t, "median wait", waits[49], w.median)
		within(t, "max wait", waits[99], w.max)
	}
}

// benchApp runs the whole read -> decode -> table pipeline over a capture held in memory,
// alternating without and with the application layer (InfoOf included), and reports the
// fastest and the median pass each way and the application layer's cost in percent by
// both (single passes are noisy on a shared machine: the minimum is the steadiest figure).
func benchApp(b *testing.B, name string) {
	data := loadCapture(b, name)
	var off, on []time.Duration
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for n := 0; n < b.N; n++ {
		t0 := time.Now()
		runPipeline(b, name, data, false, false)
		t1 := time.Now()
		c := runPipeline(b, name, data, true, false)
		for _, f := range c.flows {
			InfoOf(f)
		}
		t2 := time.Now()
		off = append(off, t1.Sub(t0))
		on = append(on, t2.Sub(t1))
	}
	stat := func(d []time.Duration) (min, median float64) {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return float64(d[0].Nanoseconds()), float64(d[len(d)/2].Nanoseconds())
	}
	minOff, medOff := stat(off)
	minOn, medOn := stat(on)
	b.ReportMetric(minOff, "off-min-ns/pass")
	b.ReportMetric(minOn, "on-min-ns/pass")
	b.ReportMetric(medOff, "off-median-ns/pass")
	b.ReportMetric(medOn, "on-median-ns/pass")
	b.ReportMetric(100*(minOn/minOff-1), "app-cost-min-%")
	b.ReportMetric(100*(medOn/medOff-1), "app-cost-median-%")
}

// BenchmarkAppBulk: one 2 MB HTTP response (the application layer may cost at most 15%).
func BenchmarkAppBulk(b *testing.B) { benchApp(b, "bulk.pcap") }

// BenchmarkAppManySmall: 300 small keep-alive HTTP exchanges.
func BenchmarkAppManySmall(b *testing.B) { benchApp(b, "many_small_http.pcap") }
