package flows_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/tcpmortem/tcpmortem/analyzer/app"
	"github.com/tcpmortem/tcpmortem/flows"
	"github.com/tcpmortem/tcpmortem/flows/zeekconn"
)

// Segment sequences from fuzz bytes. Every value is drawn from a small set so that
// tuples, flags, sequence and acknowledgment numbers collide often: retransmissions,
// port reuse, FIN after RST, SYN on a closed flow, ACKs of nothing, wrapping numbers.

var (
	genTuples = [...][2]netip.AddrPort{
		{netip.MustParseAddrPort("10.0.0.1:40000"), netip.MustParseAddrPort("10.0.0.2:80")},
		{netip.MustParseAddrPort("10.0.0.1:40001"), netip.MustParseAddrPort("10.0.0.2:3306")},
		{netip.MustParseAddrPort("10.0.0.3:22"), netip.MustParseAddrPort("10.0.0.2:50000")},
		{netip.MustParseAddrPort("[fd00::1]:40000"), netip.MustParseAddrPort("[fd00::2]:443")},
	}
	// Flag combinations as stacks send them, and a few they should not.
	genFlags = [...]uint16{
		flows.FlagSYN, flows.FlagSYN | flows.FlagACK, flows.FlagACK, flows.FlagACK | flows.FlagPSH,
		flows.FlagFIN | flows.FlagACK, flows.FlagRST, flows.FlagRST | flows.FlagACK, flows.FlagACK,
		flows.FlagACK | flows.FlagPSH, flows.FlagACK, flows.FlagFIN | flows.FlagPSH | flows.FlagACK, 0,
		flows.FlagSYN | flows.FlagFIN, flows.FlagFIN, flows.FlagSYN | flows.FlagRST, 0x1ff,
	}
	genISN   = [...]uint32{1000, 0xfffffff0, 0x7ffffff0, 0}
	genSteps = [...]uint32{0, 1, 2, 10, 100, 1448, 1449, 65536, 1 << 31, 0xffffffff, 0xfffffff6, 3}
	genLens  = [...]int{0, 0, 0, 1, 10, 100, 1448, 0, 0, 1, 40000, 5, 0, 60, 512, 2}
	genGaps  = [...]time.Duration{0, 0, time.Microsecond, time.Millisecond, 40 * time.Millisecond,
		200 * time.Millisecond, time.Second, 2 * time.Second, 3 * time.Second, 15 * time.Second,
		60 * time.Second, 125 * time.Second, 7200 * time.Second, -time.Millisecond, -2 * time.Second, 0}
	genPayloads = [...]string{
		"GET /hang HTTP/1.1\r\nHost: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"SSH-2.0-OpenSSH_9.2\r\n",
		"\x16\x03\x01\x00\x30\x01\x00\x00\x2c\x03\x03",
		"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"\x4a\x00\x00\x00\x0a8.0.36\x00",
		"*1\r\n$4\r\nPING\r\n",
		"220 mail ESMTP\r\n",
	}
)

// genTime is the capture's start.
var genTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// genSegment is one generated segment, with the payload bytes it carries.
type genSegment struct {
	flows.Segment
	fromA bool // sent by the tuple's first endpoint
}

// genSegments turns fuzz bytes into segments: 5 bytes each, at most max of them.
//
//	b0: bits 0-1 tuple, bit 2 direction, bit 3 ICMP error instead of TCP, bits 4-7 flags
//	b1: bits 0-1 ISN, bits 2-5 sequence step, bits 6-7 payload choice
//	b2: bits 0-3 ack step, bits 4-7 length
//	b3: bits 0-3 time gap, bits 4-7 window (0 = zero window)
//	b4: bit 0 SYN carries window scale, bits 1-7 extra for the acknowledgment
func genSegments(data []byte, max int) []genSegment {
	var out []genSegment
	t := genTime
	frame := 0
	for len(data) >= 5 && len(out) < max {
		b := data[:5]
		data = data[5:]
		tu := genTuples[b[0]&3]
		src, dst := tu[0], tu[1]
		if b[0]&4 != 0 {
			src, dst = dst, src
		}
		t = t.Add(genGaps[b[3]&15])
		frame++
		s := flows.Segment{Kind: flows.KindTCP, Frame: frame, Time: t, Src: src, Dst: dst, WScale: -1}
		s.Flags = genFlags[b[0]>>4]
		isn := genISN[b[1]&3]
		if b[0]&4 != 0 {
			isn ^= 0x55555555
		}
		s.Seq = isn + genSteps[(b[1]>>2)&15%uint8(len(genSteps))]
		s.Ack = isn ^ 0x55555555 + genSteps[(b[2])&15%uint8(len(genSteps))] + uint32(b[4]>>1)
		s.PayloadLen = genLens[b[2]>>4]
		s.Window = uint16(b[3]>>4) * 4096
		s.IPID, s.Checksum = uint16(b[4]&3), uint16(b[1]&0x0f)
		if s.Flags&flows.FlagSYN != 0 && b[4]&1 != 0 {
			s.WScale = int8(b[4] >> 4)
		}
		p := []byte(genPayloads[(b[1]>>6)|(b[0]&4)])
		if s.PayloadLen < len(p) {
			p = p[:s.PayloadLen]
		}
		if b[0]&8 != 0 {
			// An ICMP error quoting this segment (sent back by its destination).
			s.Kind = flows.KindICMPError
			s.ICMPType, s.ICMPCode = 3, 3
			s.ICMPFrom = dst.Addr()
			s.ICMPv6 = dst.Addr().Is6()
			if s.ICMPv6 {
				s.ICMPType, s.ICMPCode = 1, 4
			}
			s.PayloadLen, p = 0, nil
		}
		s.Payload = p
		out = append(out, genSegment{s, b[0]&4 == 0})
	}
	return out
}

// FuzzTable feeds the flow table (with the application layer watching) arbitrary
// segment sequences: it never panics, every flow is handed over exactly once, every
// segment lands in exactly one flow, and each flow's counts are consistent.
func FuzzTable(f *testing.F) {
	f.Add([]byte{
		0x00, 0, 0, 0, 0, // SYN
		0x14, 0, 0x04, 0, 0, // SYN-ACK back
		0x20, 0x04, 0x04, 0, 0, // ACK
		0x30, 0x04, 0x54, 1, 0, // request
		0x44, 0x44, 0x54, 1, 0, // FIN from the server
		0x20, 0x04, 0x08, 1, 0, // ACK
	})
	f.Add([]byte{0x00, 0, 0, 0, 0, 0x00, 0, 0, 6, 0, 0x00, 0, 0, 7, 0, 0x00, 0, 0, 8, 0})
	f.Add([]byte{0x30, 0x40, 0x54, 10, 0, 0x34, 0x40, 0x54, 10, 0, 0x50, 0x44, 0x00, 12, 0})
	f.Add([]byte{0x08, 0, 0, 0, 0, 0x0c, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		segs := genSegments(data, 4000)
		handed := map[*flows.Flow]int{}
		var order []*flows.Flow
		tbl := flows.NewTable(func(f *flows.Flow) {
			handed[f]++
			order = append(order, f)
		})
		tbl.App = app.New()
		if len(data)%5 != 0 {
			// Odd lengths bound the live flows too, to go through eviction.
			tbl.MaxFlows = len(data) % 5
		}
		dd := flows.NewDedupe(0)
		kept := make([]bool, len(segs))
		for i := range segs {
			s := segs[i].Segment
			kept[i] = dd.Keep(&s)
			checkDedupe(t, segs, kept, i, dd.Window)
			tbl.Add(&s)
			if tbl.MaxFlows > 0 && tbl.Live() > tbl.MaxFlows {
				t.Fatalf("%d flows live, MaxFlows %d", tbl.Live(), tbl.MaxFlows)
			}
		}
		tbl.Flush()
		if tbl.Live() != 0 {
			t.Fatalf("%d flows live after Flush", tbl.Live())
		}
		total := 0
		ids := map[int]bool{}
		for _, f := range order {
			if handed[f] != 1 {
				t.Fatalf("flow %d handed over %d times", f.ID, handed[f])
			}
			if ids[f.ID] || f.ID < 1 || f.ID > len(order) {
				t.Fatalf("flow ID %d repeated or out of 1..%d", f.ID, len(order))
			}
			ids[f.ID] = true
			c, s := f.Side(flows.FromClient), f.Side(flows.FromServer)
			if f.Packets != c.Packets+s.Packets+c.ICMPErrors+s.ICMPErrors {
				t.Fatalf("flow %d: %d packets, sides %d+%d, ICMP %d+%d", f.ID, f.Packets, c.Packets, s.Packets, c.ICMPErrors, s.ICMPErrors)
			}
			if f.Packets < 1 || f.First.Frame < 1 || f.Last.Frame < f.First.Frame || f.Last.Frame > len(segs) {
				t.Fatalf("flow %d: %d packets, frames %d-%d of %d", f.ID, f.Packets, f.First.Frame, f.Last.Frame, len(segs))
			}
			if f.Ladder.Total != f.Packets {
				t.Fatalf("flow %d: ladder counts %d of %d packets", f.ID, f.Ladder.Total, f.Packets)
			}
			steps := f.Ladder.Steps()
			if len(steps) > 8+24+8 {
				t.Fatalf("flow %d: ladder keeps %d steps", f.ID, len(steps))
			}
			for i := 1; i < len(steps); i++ {
				if steps[i].Index <= steps[i-1].Index || steps[i].Frame < steps[i-1].Frame {
					t.Fatalf("flow %d: ladder out of order: %+v then %+v", f.ID, steps[i-1], steps[i])
				}
			}
			for _, sd := range []*flows.Side{c, s} {
				if sd.PayloadBytes < 0 || sd.Retransmissions < 0 || sd.SYNs < 0 {
					t.Fatalf("flow %d: negative counts %+v", f.ID, sd)
				}
			}
			switch st := f.Zeek.ConnState(); st {
			case "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH":
			default:
				t.Fatalf("flow %d: Zeek conn_state %q", f.ID, st)
			}
			if info := app.InfoOf(f); info != nil {
				if info.Bytes[0] < 0 || info.Bytes[1] < 0 || len(info.HTTP) > 512 {
					t.Fatalf("flow %d: app info %+v", f.ID, info)
				}
				for _, e := range info.HTTP {
					if e.Wait < 0 || len(e.Path) > 2048 {
						t.Fatalf("flow %d: exchange %+v", f.ID, e)
					}
				}
			}
			total += f.Packets
		}
		// Segments counts every TCP segment; Trailing of them (stragglers of a flow
		// already handed over) are placed in no flow.
		if want := tbl.Stats.Segments - tbl.Stats.Trailing + tbl.Stats.ICMPErrors; total != want {
			t.Fatalf("flows hold %d packets, the table placed %d (%+v)", total, want, tbl.Stats)
		}
		if tbl.Stats.Segments+tbl.Stats.ICMPErrors+tbl.Stats.ICMPOrphans != len(segs) {
			t.Fatalf("stats %+v for %d segments", tbl.Stats, len(segs))
		}
	})
}

// sameSegment reports whether two segments are the same packet to Dedupe.
func sameSegment(a, b *flows.Segment) bool {
	return a.Kind == b.Kind && a.Src == b.Src && a.Dst == b.Dst && a.Seq == b.Seq && a.Ack == b.Ack &&
		a.Flags == b.Flags && a.PayloadLen == b.PayloadLen && a.IPID == b.IPID && a.Checksum == b.Checksum && a.TSval == b.TSval &&
		a.ICMPType == b.ICMPType && a.ICMPCode == b.ICMPCode && a.ICMPv6 == b.ICMPv6
}

// checkDedupe checks Dedupe's decision on segment i against all before it: a segment
// dropped is identical to an earlier one within the window, and a copy of the segment
// just before it, kept and within the window, is dropped.
func checkDedupe(t *testing.T, segs []genSegment, kept []bool, i int, window time.Duration) {
	t.Helper()
	s := &segs[i].Segment
	near := func(j int) bool {
		d := s.Time.Sub(segs[j].Time)
		return d <= window && d >= -window
	}
	if !kept[i] {
		for j := i - 1; j >= 0; j-- {
			if sameSegment(&segs[j].Segment, s) && near(j) {
				return
			}
		}
		t.Fatalf("segment %d dropped, but no earlier one is the same within %v", i, window)
	}
	if i > 0 && kept[i-1] && sameSegment(&segs[i-1].Segment, s) && near(i-1) {
		// A kernel with no socket answers each segment it gets with one bare RST, all
		// alike: as many of those in a row may be kept as the peer had sent segments
		// with sequence space (kept) before them, no more.
		bare := s.Kind == flows.KindTCP && s.Flags&(flows.FlagRST|flows.FlagACK|flows.FlagSYN|flows.FlagFIN) == flows.FlagRST && s.PayloadLen == 0
		if !bare {
			t.Fatalf("segment %d kept, but it is a copy of the one just before", i)
		}
		run := 0
		for j := i; j >= 0 && kept[j] && sameSegment(&segs[j].Segment, s); j-- {
			run++
		}
		asked := 0
		for j := 0; j < i; j++ {
			if g := &segs[j].Segment; kept[j] && g.Kind == flows.KindTCP && g.Src == s.Dst && g.Dst == s.Src && g.SeqLen() > 0 {
				asked++
			}
		}
		if run > asked {
			t.Fatalf("segment %d kept: %d identical bare RSTs in a row, but the peer sent only %d segments to answer", i, run, asked)
		}
	}
}

// FuzzZeekConn feeds Zeek's connection tracker arbitrary packets of one tuple.
func FuzzZeekConn(f *testing.F) {
	f.Add([]byte{0x00, 0, 0, 0, 0, 0x14, 0, 0x04, 0, 0, 0x20, 0x04, 0x04, 0, 0})
	f.Add([]byte{0x60, 0, 0, 0, 0, 0x54, 0x44, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var c zeekconn.Conn
		c.SetPorts(40000, 80)
		for _, s := range genSegments(data, 4000) {
			c.Add(zeekconn.Packet{FromA: s.fromA, Time: s.Time,
				Flags: s.Flags, Seq: s.Seq, Ack: s.Ack, Len: s.PayloadLen, Window: s.Window, Truncated: len(s.Payload) < s.PayloadLen})
			switch st := c.ConnState(); st {
			case "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH", "SHR", "OTH":
			default:
				t.Fatalf("conn_state %q", st)
			}
			for _, ch := range c.History() {
				if !containsRune("^SsHhAaDdFfRrCcGgTtWwIiQq", ch) {
					t.Fatalf("history %q has %q", c.History(), ch)
				}
			}
		}
	})
}

func containsRune(s string, r rune) bool {
	for _, c := range s {
		if c == r {
			return true
		}
	}
	return false
}
