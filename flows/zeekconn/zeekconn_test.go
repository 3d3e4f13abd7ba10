package zeekconn

import (
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// seg builds a packet: from A or B, at seconds after t0, with flags written
// as letters (S SYN, A ACK, F FIN, R RST, P PSH), sequence, ack and payload.
func seg(fromA bool, at float64, flags string, seq, ack uint32, n int) Packet {
	var f uint16
	for _, r := range flags {
		switch r {
		case 'F':
			f |= flagFIN
		case 'S':
			f |= flagSYN
		case 'R':
			f |= flagRST
		case 'P':
			f |= flagPSH
		case 'A':
			f |= flagACK
		}
	}
	return Packet{FromA: fromA, Time: t0.Add(time.Duration(at * float64(time.Second))),
		Flags: f, Seq: seq, Ack: ack, Len: n, Window: 1000}
}

const (
	a = true
	b = false
)

// Initial sequence numbers of A (the client, port 40000) and B (port 80).
const isnA, isnB = 1000, 5000

func handshake() []Packet {
	return []Packet{
		seg(a, 0, "S", isnA, 0, 0),
		seg(b, 0.01, "SA", isnB, isnA+1, 0),
		seg(a, 0.02, "A", isnA+1, isnB+1, 0),
	}
}

// exchange is a request of 100 bytes and a response of 200 bytes.
func exchange(at float64) []Packet {
	return []Packet{
		seg(a, at, "PA", isnA+1, isnB+1, 100),
		seg(b, at+0.01, "A", isnB+1, isnA+101, 0),
		seg(b, at+0.02, "PA", isnB+1, isnA+101, 200),
		seg(a, at+0.03, "A", isnA+101, isnB+201, 0),
	}
}

func join(parts ...[]Packet) []Packet {
	var out []Packet
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func run(pkts []Packet) *Conn {
	c := &Conn{}
	c.SetPorts(40000, 80)
	for _, p := range pkts {
		c.Add(p)
	}
	return c
}

func TestConnStates(t *testing.T) {
	estab := join(handshake(), exchange(0.1))
	cases := []struct {
		name, state, history string
		pkts                 []Packet
	}{
		{"S0 attempt, no reply", "S0", "S", []Packet{seg(a, 0, "S", isnA, 0, 0)}},
		{"S0 SYN retransmitted within tcp_attempt_delay", "S0", "S", []Packet{
			seg(a, 0, "S", isnA, 0, 0), seg(a, 1, "S", isnA, 0, 0), seg(a, 3, "S", isnA, 0, 0)}},
		{"REJ SYN answered by RST", "REJ", "Sr", []Packet{
			seg(a, 0, "S", isnA, 0, 0), seg(b, 0.001, "RA", 0, isnA+1, 0)}},
		{"S1 established, open", "S1", "ShADad", estab},
		{"S1 SYN and SYN-ACK only", "S1", "Sh", []Packet{
			seg(a, 0, "S", isnA, 0, 0), seg(b, 0.01, "SA", isnB, isnA+1, 0)}},
		{"SF both FINs", "SF", "ShADadFf", join(estab, []Packet{
			seg(a, 1, "FA", isnA+101, isnB+201, 0),
			seg(b, 1.01, "FA", isnB+201, isnA+102, 0),
			seg(a, 1.02, "A", isnA+102, isnB+202, 0)})},
		{"S2 originator FIN unanswered", "S2", "ShADadF", join(estab, []Packet{
			seg(a, 1, "FA", isnA+101, isnB+201, 0),
			seg(b, 1.04, "A", isnB+201, isnA+102, 0)})},
		{"S3 responder FIN unanswered (client in CLOSE_WAIT)", "S3", "ShADadf", join(estab, []Packet{
			seg(b, 61, "FA", isnB+201, isnA+101, 0),
			seg(a, 61.04, "A", isnA+101, isnB+202, 0)})},
		{"RSTO originator aborts", "RSTO", "ShADadR", join(estab, []Packet{
			seg(a, 1, "RA", isnA+101, isnB+201, 0)})},
		{"RSTR responder aborts", "RSTR", "ShADadr", join(estab, []Packet{
			seg(b, 1, "RA", isnB+201, isnA+101, 0)})},
		{"RSTR after the client's FIN (scenario 1: late data gets RST)", "RSTR", "ShADadFr", join(estab, []Packet{
			seg(a, 1, "FA", isnA+101, isnB+201, 0),
			seg(b, 1.04, "A", isnB+201, isnA+102, 0),
			seg(a, 91, "PA", isnA+102, isnB+201, 10),
			seg(b, 91.001, "R", isnB+201, 0, 0)})},
		{"RSTOS0 SYN then own RST", "RSTOS0", "SR", []Packet{
			seg(a, 0, "S", isnA, 0, 0), seg(a, 0.5, "R", isnA+1, 0, 0)}},
		{"RSTOS0 SYN, bare ACK, RST", "RSTOS0", "SaR", []Packet{
			seg(a, 0, "S", isnA, 0, 0), seg(b, 0.1, "A", isnB, isnA+1, 0), seg(a, 0.5, "R", isnA+1, 0, 0)}},
		{"RSTRH data answered by RST, no handshake", "RSTRH", "Dr", []Packet{
			seg(a, 0, "PA", isnA+1, isnB+1, 109), seg(b, 0.001, "R", isnB+1, 0, 0)}},
		{"RSTRH SYN-ACK then RST, no SYN", "RSTRH", "^hr", []Packet{
			seg(b, 0, "SA", isnB, isnA+1, 0), seg(b, 0.5, "R", isnB+1, 0, 0)}},
		{"SH SYN then FIN, no SYN-ACK", "SH", "SF", []Packet{
			seg(a, 0, "S", isnA, 0, 0), seg(a, 0.3, "F", isnA+1, 0, 0)}},
		{"SH client side of a half-duplex capture", "SH", "SADF", []Packet{
			seg(a, 0, "S", isnA, 0, 0), seg(a, 0.1, "A", isnA+1, isnB+1, 0),
			seg(a, 0.2, "PA", isnA+1, isnB+1, 20), seg(a, 0.3, "FA", isnA+21, isnB+1, 0)}},
		{"SHR SYN-ACK then FIN, no SYN", "SHR", "^hadf", []Packet{
			seg(b, 0, "SA", isnB, isnA+1, 0), seg(b, 0.1, "A", isnB+1, isnA+1, 0),
			seg(b, 0.2, "PA", isnB+1, isnA+1, 30), seg(b, 0.3, "FA", isnB+31, isnA+1, 0)}},
		{"OTH midstream", "OTH", "Dd", []Packet{
			seg(a, 0, "PA", 7000, 9000, 10), seg(b, 0.01, "PA", 9000, 7010, 20)}},
		{"OTH lone RST", "OTH", "R", []Packet{seg(a, 0, "R", 7000, 0, 0)}},
		{"OTH SYN, ack, FIN, RST", "OTH", "SaFR", []Packet{
			seg(a, 0, "S", isnA, 0, 0), seg(b, 0.1, "A", isnB, isnA+1, 0),
			seg(a, 0.2, "F", isnA+1, 0, 0), seg(a, 0.3, "R", isnA+2, 0, 0)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := run(tc.pkts)
			if got := c.ConnState(); got != tc.state {
				t.Errorf("conn_state %q, want %q", got, tc.state)
			}
			if got := c.History(); got != tc.history {
				t.Errorf("history %q, want %q", got, tc.history)
			}
			if c.Rows() != 1 {
				t.Errorf("rows %d, want 1", c.Rows())
			}
		})
	}
}

func TestZeroValue(t *testing.T) {
	var c Conn
	if c.ConnState() != "" || c.History() != "" || c.Rows() != 0 || !c.OrigIsA() {
		t.Fatalf("zero Conn: %q %q %d %v", c.ConnState(), c.History(), c.Rows(), c.OrigIsA())
	}
	if c.StartsNew(seg(a, 0, "S", 1, 0, 0)) {
		t.Fatal("StartsNew true before the first packet")
	}
}

func TestRoleFlips(t *testing.T) {
	// likely_server_ports: the first packet comes from port 80.
	c := run([]Packet{seg(b, 0, "PA", 9000, 7000, 20)})
	if !c.OrigIsA() || c.History() != "^d" {
		t.Errorf("port flip: orig is A %v, history %q", c.OrigIsA(), c.History())
	}
	// Without ports, a SYN-ACK followed by an ACK flips (zeek/zeek#2191).
	var d Conn
	d.Add(seg(a, 0, "SA", isnB, isnA+1, 0))
	if !d.OrigIsA() || d.History() != "H" {
		t.Fatalf("after SYN-ACK: orig is A %v, history %q", d.OrigIsA(), d.History())
	}
	d.Add(seg(b, 0.01, "A", isnA+1, isnB+1, 0))
	if d.OrigIsA() || d.History() != "^hA" || d.ConnState() != "S1" {
		t.Errorf("after ACK: orig is A %v, history %q, state %q", d.OrigIsA(), d.History(), d.ConnState())
	}
	// A SYN-ACK answered by RST (a stealth scan) is not flipped.
	var s Conn
	s.Add(seg(a, 0, "SA", isnB, isnA+1, 0))
	s.Add(seg(b, 0.01, "R", isnA+1, 0, 0))
	if !s.OrigIsA() || s.History() != "Hr" || s.ConnState() != "REJ" {
		t.Errorf("scan: orig is A %v, history %q, state %q", s.OrigIsA(), s.History(), s.ConnState())
	}
}

// rowsOf replays packets and returns every row's state and history.
func rowsOf(pkts []Packet) []string {
	c := &Conn{}
	c.SetPorts(40000, 80)
	var out []string
	for _, p := range pkts {
		if c.StartsNew(p) {
			out = append(out, c.ConnState()+" "+c.History())
		}
		c.Add(p)
	}
	return append(out, c.ConnState()+" "+c.History())
}

func TestSplits(t *testing.T) {
	cases := []struct {
		name string
		pkts []Packet
		want []string
	}{
		{"tcp_attempt_delay ends an unanswered attempt", []Packet{
			seg(a, 0, "S", isnA, 0, 0), seg(a, 0.1, "A", isnA+1, isnB+1, 0),
			seg(a, 6, "PA", isnA+1, isnB+1, 20), seg(a, 7, "FA", isnA+21, isnB+1, 0)},
			[]string{"S0 SA", "SH DF"}},
		{"SYN retransmissions past tcp_attempt_delay", []Packet{
			seg(a, 0, "S", isnA, 0, 0), seg(a, 1, "S", isnA, 0, 0), seg(a, 3, "S", isnA, 0, 0),
			seg(a, 7, "S", isnA, 0, 0), seg(a, 15, "S", isnA, 0, 0)},
			[]string{"S0 S", "S0 S", "S0 S"}},
		{"port reuse after a close", join(handshake(), []Packet{
			seg(a, 1, "FA", isnA+1, isnB+1, 0), seg(b, 1.01, "FA", isnB+1, isnA+2, 0),
			seg(a, 1.02, "A", isnA+2, isnB+2, 0),
			seg(a, 2, "S", 777, 0, 0), seg(b, 2.01, "RA", 0, 778, 0)}),
			[]string{"SF ShAFf", "REJ Sr"}},
		{"new ISN on an open attempt", []Packet{
			seg(a, 0, "S", isnA, 0, 0), seg(a, 1, "S", isnA+99, 0, 0)},
			[]string{"S0 S", "S0 S"}},
		{"tcp_close_delay: a late ACK is a new connection", join(handshake(), []Packet{
			seg(a, 1, "FA", isnA+1, isnB+1, 0), seg(b, 1.01, "FA", isnB+1, isnA+2, 0),
			seg(a, 7, "A", isnA+2, isnB+2, 0)}),
			[]string{"SF ShAFf", "OTH A"}},
		{"inactivity timeout", join(handshake(), []Packet{
			seg(a, 400, "PA", isnA+1, isnB+1, 10)}),
			[]string{"S1 ShA", "OTH D"}},
		{"FIN then RST from the same side, then silence (ExpireTimer)", join(handshake(), []Packet{
			seg(a, 1, "FA", isnA+1, isnB+1, 0), seg(a, 1.5, "R", isnA+2, 0, 0),
			seg(b, 20, "PA", isnB+1, isnA+2, 5)}),
			[]string{"RSTO ShAFR", "OTH ^d"}},
		{"half close stays open", join(handshake(), []Packet{
			seg(b, 1, "FA", isnB+1, isnA+1, 0), seg(a, 1.04, "A", isnA+1, isnB+2, 0),
			seg(a, 200, "PA", isnA+1, isnB+2, 10), seg(b, 200.001, "R", isnB+2, 0, 0)}),
			[]string{"RSTR ShAfDr"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := rowsOf(tc.pkts)
			if strings.Join(got, ", ") != strings.Join(tc.want, ", ") {
				t.Errorf("rows %q, want %q", got, tc.want)
			}
		})
	}
}

func TestScaledLetters(t *testing.T) {
	// Retransmissions: 'T' at the 1st and 10th.
	p := join(handshake(), []Packet{seg(a, 1, "PA", isnA+1, isnB+1, 10)})
	for i := 0; i < 12; i++ {
		p = append(p, seg(a, 1.1+float64(i)*0.1, "PA", isnA+1, isnB+1, 10))
	}
	if h := run(p).History(); h != "ShADTT" {
		t.Errorf("retransmissions: history %q", h)
	}
	// Zero windows: 'w' for the responder; none with a RST.
	z := join(handshake(), exchange(0.1))
	for i := 0; i < 3; i++ {
		q := seg(b, 1+float64(i), "A", isnB+201, isnA+101, 0)
		q.Window = 0
		z = append(z, q)
	}
	r := seg(b, 5, "RA", isnB+201, isnA+101, 0)
	r.Window = 0
	z = append(z, r)
	if h := run(z).History(); h != "ShADadwr" {
		t.Errorf("zero window: history %q", h)
	}
	// Content gap: B acks 50 bytes of A's data that were never seen.
	g := join(handshake(), []Packet{
		seg(a, 1, "PA", isnA+51, isnB+1, 50), // bytes 51..100; 1..50 missing
		seg(b, 1.01, "A", isnB+1, isnA+101, 0),
	})
	if h := run(g).History(); h != "ShADaG" {
		t.Errorf("gap: history %q", h)
	}
	// Snaplen-truncated payload never reaches the reassembler: the ack shows a gap.
	tr := join(handshake(), []Packet{seg(a, 1, "PA", isnA+1, isnB+1, 100)})
	tr[len(tr)-1].Truncated = true
	tr = append(tr, seg(b, 1.01, "A", isnB+1, isnA+101, 0))
	if h := run(tr).History(); h != "ShADaG" {
		t.Errorf("truncated: history %q", h)
	}
	// A FIN with a new sequence number is recorded again.
	f := join(handshake(), []Packet{
		seg(a, 1, "FA", isnA+1, isnB+1, 0),
		seg(a, 1.2, "FA", isnA+1, isnB+1, 0),  // retransmitted FIN: same seq
		seg(a, 1.5, "FPA", isnA+1, isnB+1, 5), // FIN moved by new data
	})
	if h := run(f).History(); h != "ShAFF" {
		t.Errorf("FIN repeat: history %q", h)
	}
}

func TestAddDoesNotAllocate(t *testing.T) {
	pkts := join(handshake(), exchange(0.1), []Packet{
		seg(a, 1, "FA", isnA+101, isnB+201, 0), seg(b, 1.01, "FA", isnB+201, isnA+102, 0)})
	var c Conn
	c.SetPorts(40000, 80)
	n := testing.AllocsPerRun(100, func() {
		c = Conn{}
		for _, p := range pkts {
			c.StartsNew(p)
			c.Add(p)
		}
		_ = c.ConnState()
	})
	if n != 0 {
		t.Errorf("%v allocations per connection", n)
	}
}

func BenchmarkAdd(b *testing.B) {
	pkts := join(handshake(), exchange(0.1), exchange(0.2))
	b.ReportAllocs()
	var c Conn
	for i := 0; i < b.N; i++ {
		c.Add(pkts[i%len(pkts)])
	}
}
