package app

import (
	"net/netip"
	"testing"
	"time"

	"github.com/tcpmortem/tcpmortem/flows"
)

// harness drives the hook the way the flow table does, with byte sequences: each send
// is one payload-bearing segment with its own frame number and time.
type harness struct {
	t     *testing.T
	h     *Hook
	f     *flows.Flow
	isn   [2]uint32
	next  [2]uint32 // next in-order sequence number per direction
	frame int
	now   time.Time
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newHarness(t *testing.T, serverPort uint16) *harness {
	x := &harness{t: t, h: New(), now: t0}
	x.f = &flows.Flow{
		Client: netip.MustParseAddrPort("10.77.0.1:40000"),
		Server: netip.AddrPortFrom(netip.MustParseAddr("10.77.0.2"), serverPort),
	}
	x.isn = [2]uint32{1000, 0xfffff000} // the server's numbers wrap
	for d := 0; d < 2; d++ {
		s := &x.f.Sides[d]
		s.HaveISN, s.ISN, s.NextSeq = true, x.isn[d], x.isn[d]+1
		x.next[d] = x.isn[d] + 1
	}
	x.h.NewFlow(x.f)
	return x
}

// after moves the clock on.
func (x *harness) after(d time.Duration) *harness {
	x.now = x.now.Add(d)
	return x
}

// seg sends payload p at stream offset off of direction d (0 is the first byte), with
// only the first captured bytes kept (captured < 0: all). It returns the frame number.
func (x *harness) seg(d flows.Direction, off int, p string, captured int) int {
	x.frame++
	b := []byte(p)
	if captured >= 0 && captured < len(b) {
		b = b[:captured]
	}
	seq := x.isn[d] + 1 + uint32(off)
	seg := &flows.Segment{Frame: x.frame, Time: x.now, Seq: seq, PayloadLen: len(p), Payload: b,
		Flags: flows.FlagACK | flows.FlagPSH}
	if x.f.Client == (netip.AddrPort{}) {
		x.t.Fatal("no flow")
	}
	s := &x.f.Sides[d]
	end := seq + uint32(len(p))
	if int32(end-s.NextSeq) > 0 {
		s.NextSeq = end
	}
	m := flows.MarkAt(0, x.frame, x.now)
	s.Last = m
	x.f.Last = m
	step := &flows.Step{Frame: x.frame, At: x.now.UnixNano(), From: d}
	x.h.Segment(x.f, d, seg, step)
	if int32(end-x.next[d]) > 0 {
		x.next[d] = end
	}
	return x.frame
}

// send sends p in order in direction d.
func (x *harness) send(d flows.Direction, p string) int {
	return x.seg(d, int(x.next[d]-x.isn[d]-1), p, -1)
}

// lose pretends n bytes of direction d went by without being captured.
func (x *harness) lose(d flows.Direction, n int) {
	x.next[d] += uint32(n)
	s := &x.f.Sides[d]
	if int32(x.next[d]-s.NextSeq) > 0 {
		s.NextSeq = x.next[d]
	}
}

// fin records a FIN from d after everything sent so far.
func (x *harness) fin(d flows.Direction) {
	x.frame++
	s := &x.f.Sides[d]
	s.FIN = flows.MarkAt(0, x.frame, x.now)
	s.FINSeq = x.next[d]
	s.NextSeq = x.next[d] + 1
	s.Last = s.FIN
}

// rst records an RST from d.
func (x *harness) rst(d flows.Direction) {
	x.frame++
	m := flows.MarkAt(0, x.frame, x.now)
	x.f.RST = flows.RSTContext{From: d, Packet: m,
		BeforeFIN: [2]bool{!x.f.Sides[0].FIN.IsZero(), !x.f.Sides[1].FIN.IsZero()}}
}

func (x *harness) info() *Info {
	i := InfoOf(x.f)
	if i == nil {
		x.t.Fatal("InfoOf returned nil")
	}
	return i
}

const (
	C = flows.FromClient
	S = flows.FromServer
)

func ms2(d time.Duration) time.Duration { return d * time.Millisecond }
