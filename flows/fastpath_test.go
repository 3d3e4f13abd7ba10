package flows

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// fastPair is two decoders fed the same packets: one with the fast path, one without
// it (the gopacket path, the reference).
type fastPair struct {
	fast, slow *Decoder
	taken      int // packets the fast path decoded
}

func newFastPair() *fastPair {
	p := &fastPair{fast: NewDecoder(), slow: NewDecoder()}
	p.slow.noFast = true
	return p
}

// check decodes p both ways and fails on any difference: the result, every segment
// field, where the payload lies in the frame, and the counts.
func (fp *fastPair) check(t *testing.T, p *Packet) {
	t.Helper()
	var sf, ss Segment
	joined := fp.fast.reassembled
	okF := decodeNoRecover(t, fp.fast, p, &sf)
	okS := decodeNoRecover(t, fp.slow, p, &ss)
	// A datagram reassembled from fragments is decoded from a buffer of its own, one per
	// decoder: the payloads are alike, not the same bytes.
	whole := fp.fast.reassembled > joined
	if okF != okS {
		t.Fatalf("file %d frame %d: ok %v with the fast path, %v without", p.File, p.Frame, okF, okS)
	}
	pf, ps := sf.Payload, ss.Payload
	sf.Payload, ss.Payload = nil, nil
	if !reflect.DeepEqual(sf, ss) {
		t.Fatalf("file %d frame %d: segments differ\n fast: %+v\n slow: %+v", p.File, p.Frame, sf, ss)
	}
	if (pf == nil) != (ps == nil) || len(pf) != len(ps) || cap(pf) != cap(ps) ||
		(len(pf) > 0 && &pf[0] != &ps[0] && !(whole && bytes.Equal(pf, ps))) {
		t.Fatalf("file %d frame %d: payload %d bytes (cap %d) with the fast path, %d (cap %d) without, or elsewhere in the frame",
			p.File, p.Frame, len(pf), cap(pf), len(ps), cap(ps))
	}
	f, s := fp.fast, fp.slow
	if f.tcpN != s.tcpN || f.icmpN != s.icmpN || f.fragN != s.fragN || f.malformedN != s.malformedN ||
		f.firstMalformed != s.firstMalformed || !reflect.DeepEqual(f.nonTCP, s.nonTCP) ||
		!reflect.DeepEqual(f.unsupported, s.unsupported) || f.tunnelled != s.tunnelled ||
		f.fragsJoined != s.fragsJoined || f.reassembled != s.reassembled {
		t.Fatalf("file %d frame %d: counts differ\n fast: %+v\n slow: %+v", p.File, p.Frame, f.Stats(), s.Stats())
	}
	if fastTakes(p) {
		fp.taken++
	}
}

// fastTakes reports whether the fast path alone decodes p, on a decoder of its own.
func fastTakes(p *Packet) bool {
	d := &Decoder{}
	var seg Segment
	d.p, d.seg = p, &seg
	d.wireEnd = max(p.WireLen, len(p.Data))
	return d.fast(p.LinkType, p.Data)
}

// TestFastPathDecodesLikeGopacket decodes every packet of every capture both ways. Set
// TM_FASTPATH_CAPTURE to a capture's path to check it as well (the bench capture).
func TestFastPathDecodesLikeGopacket(t *testing.T) {
	files := fuzzSeedFiles(t)
	if extra := os.Getenv("TM_FASTPATH_CAPTURE"); extra != "" {
		files = append(files, extra)
	}
	if len(files) == 0 {
		t.Skip("no captures")
	}
	taken := map[string]int{} // by link type
	total, tcp := 0, 0
	for i, name := range files {
		src, err := Open(name, i)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		fp := newFastPair()
		for {
			p, err := src.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			before := fp.taken
			fp.check(t, p)
			total++
			if fp.taken > before {
				taken[LinkTypeName(p.LinkType)]++
			}
		}
		src.Close()
		if !reflect.DeepEqual(fp.fast.Stats(), fp.slow.Stats()) {
			t.Fatalf("%s: stats differ\n fast: %+v\n slow: %+v", name, fp.fast.Stats(), fp.slow.Stats())
		}
		tcp += fp.fast.tcpN
	}
	n := 0
	for _, v := range taken {
		n += v
	}
	t.Logf("%d files, %d packets, %d TCP segments, %d by the fast path; by link type: %v", len(files), total, tcp, n, taken)
	// The fast path must not have gone quiet: the link types it covers are all in
	// testdata, and most TCP segments there are plain.
	for _, lt := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2,
		layers.LinkTypeNull, layers.LinkTypeLoop, layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6} {
		if taken[LinkTypeName(lt)] == 0 {
			t.Errorf("the fast path took no packet of link type %d", lt)
		}
	}
	if n*10 < tcp*9 {
		t.Errorf("the fast path took %d of %d TCP segments", n, tcp)
	}
}

// FuzzFastPath decodes arbitrary frames with and without the fast path: same result,
// same segment, same counts. Seeds are the packets of the captures in testdata, with
// their link types (the wire length as the bytes beyond the captured ones).
func FuzzFastPath(f *testing.F) {
	const perFile = 40
	for _, name := range fuzzSeedFiles(f) {
		src, err := OpenReader(filepath.Base(name), bytes.NewReader(fuzzSeed(f, name)), 0)
		if err != nil {
			continue
		}
		for i := 0; i < perFile; i++ {
			p, err := src.Next()
			if err != nil {
				break
			}
			f.Add(uint16(p.LinkType), uint16(min(p.WireLen-p.CaptureLen, 0xffff)), append([]byte(nil), p.Data...))
		}
	}
	fp := newFastPair()
	f.Fuzz(func(t *testing.T, lt uint16, beyond uint16, data []byte) {
		fp.check(t, &Packet{Data: data, CaptureLen: len(data), WireLen: len(data) + int(beyond),
			LinkType: layers.LinkType(lt), File: 1, Frame: 3})
	})
}

// TestFastPathTakesTunnels: the 45 TCP segments inside each tunnel of
// testdata/link/vxlan.pcap (VXLAN on UDP 8472 over IPv4 and 4789 over IPv6) and of the
// captures tunnels.py made from it (GRE with a key, Geneve with an option, IP in IP) are
// plain ones, which the fast path decodes without gopacket; ERSPAN is left to gopacket.
// (tshark -r FILE -d udp.port==8472,vxlan -Y tcp: 45 each.)
func TestFastPathTakesTunnels(t *testing.T) {
	for _, c := range []struct {
		file string
		want int
	}{{"vxlan.pcap", 45}, {"gre.pcap", 45}, {"geneve.pcap", 45}, {"ipip.pcap", 45}, {"erspan.pcap", 0}, {"erspan3.pcap", 0}} {
		src := mustOpen(t, linkCapture(t, c.file), 0)
		n := 0
		for {
			p, err := src.Next()
			if err != nil {
				break
			}
			if fastTakes(p) {
				n++
			}
		}
		src.Close()
		if n != c.want {
			t.Errorf("%s: the fast path took %d packets, want %d", c.file, n, c.want)
		}
	}
}
