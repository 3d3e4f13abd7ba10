package flows

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// linkDir holds captures of every link type made by the real kernel (another
// engineer's testdata); tests using it skip when a file is absent.
const linkDir = "../testdata/link"

func linkCapture(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(linkDir, name)
	if _, err := os.Stat(p); err != nil {
		// Captures not committed yet can be tried from another directory.
		if alt := filepath.Join(os.Getenv("TM_EXTRA_LINKDIR"), name); os.Getenv("TM_EXTRA_LINKDIR") != "" {
			if _, err := os.Stat(alt); err == nil {
				return alt
			}
		}
		t.Skipf("%s not available: %v", p, err)
	}
	return p
}

// decoded is one packet's outcome.
type decoded struct {
	frame int
	ok    bool
	seg   Segment // Payload copied
}

func decodeAll(t testing.TB, src PacketSource) ([]decoded, DecodeStats) {
	t.Helper()
	dec := NewDecoder()
	var out []decoded
	var seg Segment
	for {
		p, err := src.Next()
		if err == io.EOF {
			return out, dec.Stats()
		}
		if err != nil {
			t.Fatal(err)
		}
		ok := dec.Decode(p, &seg)
		s := seg
		s.Payload = append([]byte(nil), seg.Payload...)
		out = append(out, decoded{p.Frame, ok, s})
	}
}

func decodeFile(t testing.TB, name string) ([]decoded, DecodeStats) {
	t.Helper()
	return decodeAll(t, mustOpen(t, name, 0))
}

// relinkPcap rewrites a little-endian pcap's link type and, per record, replaces the
// first strip bytes of each packet with prefix (a format conversion, as relink.py and
// editcap -T do: the IP packets are untouched).
func relinkPcap(t testing.TB, b []byte, lt uint32, strip int, prefix func(pkt []byte) []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	hdr := append([]byte(nil), b[:24]...)
	binary.LittleEndian.PutUint32(hdr[20:], lt)
	out.Write(hdr)
	for o := 24; o+16 <= len(b); {
		caplen := int(binary.LittleEndian.Uint32(b[o+8:]))
		wire := int(binary.LittleEndian.Uint32(b[o+12:]))
		pkt := b[o+16 : o+16+caplen]
		var np []byte
		if prefix != nil {
			np = append(np, prefix(pkt)...)
		}
		np = append(np, pkt[strip:]...)
		rh := append([]byte(nil), b[o:o+16]...)
		binary.LittleEndian.PutUint32(rh[8:], uint32(len(np)))
		prefixLen := len(np) - (caplen - strip)
		binary.LittleEndian.PutUint32(rh[12:], uint32(wire-strip+prefixLen))
		out.Write(rh)
		out.Write(np)
		o += 16 + caplen
	}
	return out.Bytes()
}

// TestDecodeEveryLinkType decodes a capture of each supported link type. Counts are
// tshark's (`tshark -r F -Y tcp | wc -l`); the converted files have the counts of the
// file they were converted from.
func TestDecodeEveryLinkType(t *testing.T) {
	type tc struct {
		name     string
		open     func(t *testing.T) *FileSource
		linkType layers.LinkType
		tcp      int
		ipv6     int // TCP segments over IPv6
	}
	file := func(path func(testing.TB, string) string, name string) func(t *testing.T) *FileSource {
		return func(t *testing.T) *FileSource { return mustOpen(t, path(t, name), 0) }
	}
	conv := func(path func(testing.TB, string) string, name string, lt uint32, strip int, prefix func([]byte) []byte) func(t *testing.T) *FileSource {
		return func(t *testing.T) *FileSource {
			b := relinkPcap(t, readFile(t, path(t, name)), lt, strip, prefix)
			s, err := openBytes(t, name, b, 0)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
	// The 4-byte Null header of an IPv4 packet written as an ethertype, in either
	// byte order, and the address family in big-endian order.
	nullHdr := func(order binary.ByteOrder, v4, v6 uint32) func([]byte) []byte {
		return func(pkt []byte) []byte {
			h := make([]byte, 4)
			if pkt[4]>>4 == 6 {
				order.PutUint32(h, v6)
			} else {
				order.PutUint32(h, v4)
			}
			return h
		}
	}
	cases := []tc{
		{"ethernet", file(public, "zeek-http-get.pcap"), layers.LinkTypeEthernet, 14, 0},
		{"ethernet ipv6", file(public, "zeek-ftp-ipv6.pcap"), layers.LinkTypeEthernet, 136, 136},
		{"ethernet vlan and mpls", file(public, "zeek-mixed-vlan-mpls.pcap"), layers.LinkTypeEthernet, 47, 0},
		{"linux sll", file(public, "zeek-tls-irc-starttls.pcap"), layers.LinkTypeLinuxSLL, 20, 0},
		{"linux sll, address longer than 8 bytes", file(public, "gopacket-layers-linux_sll_oversized_addr.pcapng"), layers.LinkTypeLinuxSLL, 207, 0},
		{"linux sll2", file(public, "lwerdna-simple_http_sll2.pcap"), layers.LinkTypeLinuxSLL2, 24, 0},
		{"null ipv4", file(public, "zeek-tls-pop3-starttls.pcap"), layers.LinkTypeNull, 33, 0},
		{"null ipv6 (AF 30)", file(public, "gopacket-pcap-test_loopback.pcap"), layers.LinkTypeNull, 24, 24},
		{"raw ip (101)", file(public, "tcpdump-mptcp-tcprst.pcap"), layers.LinkTypeRaw, 2, 0},
		{"nflog", file(public, "zeek-nflog-http.pcap"), linkTypeNFLOG, 13, 0},
		// converted from public captures, packet bytes unchanged
		{"raw ip as 12", conv(public, "tcpdump-mptcp-tcprst.pcap", 12, 0, nil), linkTypeRawOpenBSD, 2, 0},
		{"raw ip as 14", conv(public, "tcpdump-mptcp-tcprst.pcap", 14, 0, nil), linkTypeRawBSDOS, 2, 0},
		{"ipv4 (228)", conv(public, "tcpdump-mptcp-tcprst.pcap", 228, 0, nil), layers.LinkTypeIPv4, 2, 0},
		{"null with an ethertype, little-endian", conv(public, "zeek-tls-pop3-starttls.pcap", 0, 4, nullHdr(binary.LittleEndian, 0x0800, 0x86dd)), layers.LinkTypeNull, 33, 0},
		{"null with an ethertype, big-endian", conv(public, "gopacket-pcap-test_loopback.pcap", 0, 4, nullHdr(binary.BigEndian, 0x0800, 0x86dd)), layers.LinkTypeNull, 24, 24},
		{"null, big-endian AF", conv(public, "zeek-tls-pop3-starttls.pcap", 0, 4, nullHdr(binary.BigEndian, 2, 10)), layers.LinkTypeNull, 33, 0},
		{"loop (108), AF in network order", conv(public, "gopacket-pcap-test_loopback.pcap", 108, 4, nullHdr(binary.BigEndian, 2, 24)), layers.LinkTypeLoop, 24, 24},
		// testdata/link, made by the kernel (or converted from such a capture)
		{"link: lo ethernet", file(linkCapture, "lo_ethernet.pcap"), layers.LinkTypeEthernet, 15, 0},
		{"link: 802.1Q", file(linkCapture, "vlan.pcap"), layers.LinkTypeEthernet, 30, 15},
		{"link: 802.1ad QinQ", file(linkCapture, "qinq.pcap"), layers.LinkTypeEthernet, 15, 0},
		{"link: sll", file(linkCapture, "any_sll1.pcap"), layers.LinkTypeLinuxSLL, 15, 0},
		{"link: sll2", file(linkCapture, "any_sll2.pcap"), layers.LinkTypeLinuxSLL2, 15, 0},
		{"link: raw ip", file(linkCapture, "raw_ip.pcap"), layers.LinkTypeRaw, 30, 15},
		{"link: ipv4 (228)", file(linkCapture, "raw_ipv4.pcap"), layers.LinkTypeIPv4, 15, 0},
		{"link: ipv6 (229)", file(linkCapture, "raw_ipv6.pcap"), layers.LinkTypeIPv6, 15, 15},
		{"link: null", file(linkCapture, "null_loop.pcap"), layers.LinkTypeNull, 30, 15},
		{"link: loop (108)", file(linkCapture, "loop.pcap"), layers.LinkTypeLoop, 30, 15},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := c.open(t)
			recs, st := decodeAll(t, src)
			if lts := src.Input().LinkTypes; len(lts) == 0 || lts[0] != c.linkType {
				t.Errorf("link types %v, want %v", lts, c.linkType)
			}
			v6, syns := 0, 0
			for _, r := range recs {
				if !r.ok {
					continue
				}
				s := r.seg
				if s.Kind != KindTCP || !s.Src.IsValid() || !s.Dst.IsValid() || s.Src.Port() == 0 && s.Dst.Port() == 0 {
					t.Fatalf("frame %d: %+v", r.frame, s)
				}
				if s.Src.Addr().Is6() {
					v6++
				}
				if s.Has(FlagSYN) {
					syns++
				}
			}
			if st.TCP != c.tcp || v6 != c.ipv6 {
				t.Errorf("%d TCP segments (%d over IPv6), want %d (%d); stats %+v", st.TCP, v6, c.tcp, c.ipv6, st)
			}
			if st.Malformed != 0 && c.tcp != 207 {
				t.Errorf("malformed: %+v", st)
			}
		})
	}
}

// TestDecodeVLANAndMPLSFramesOfAMixedCapture checks frames that tshark decodes as
// Ethernet/MPLS/IPv4/TCP (frames 1-11) and Ethernet/802.1Q/IPv4/TCP (frames 34-47).
func TestDecodeVLANAndMPLSFramesOfAMixedCapture(t *testing.T) {
	recs, _ := decodeFile(t, public(t, "zeek-mixed-vlan-mpls.pcap"))
	byFrame := map[int]decoded{}
	for _, r := range recs {
		byFrame[r.frame] = r
	}
	// From `tshark -Y mpls` / `-Y vlan -T fields -e frame.number -e tcp.srcport -e tcp.dstport -e tcp.flags`.
	for _, w := range []struct {
		frame        int
		sport, dport uint16
		flags        uint16
	}{
		{1, 11001, 23, FlagSYN},
		{2, 11001, 23, FlagACK},
		{3, 11001, 23, FlagPSH | FlagACK},
		{34, 50343, 80, FlagSYN},
		{35, 80, 50343, FlagSYN | FlagACK},
	} {
		r := byFrame[w.frame]
		if !r.ok || r.seg.Src.Port() != w.sport || r.seg.Dst.Port() != w.dport || r.seg.Flags != w.flags {
			t.Errorf("frame %d: %v %+v", w.frame, r.ok, r.seg)
		}
	}
}

// TestDecodePayloadLenComesFromTheIPHeaderWhenTheSnaplenCuts: the captured payload is
// shorter, PayloadLen is what the IP header says (tshark's tcp.len).
func TestDecodePayloadLenComesFromTheIPHeaderWhenTheSnaplenCuts(t *testing.T) {
	recs, _ := decodeFile(t, public(t, "tcpdump-tcp_rst_data-trunc.pcap"))
	// tshark: frame.len 112, frame.cap_len 111, tcp.len 58, flags RST|ACK.
	s := recs[0].seg
	if !recs[0].ok || s.PayloadLen != 58 || len(s.Payload) != 57 || s.Flags != FlagRST|FlagACK {
		t.Errorf("PayloadLen %d, captured %d, flags %s", s.PayloadLen, len(s.Payload), FlagString(s.Flags))
	}

	recs, _ = decodeFile(t, linkCapture(t, "snaplen96.pcap"))
	cut := 0
	for _, r := range recs {
		if r.ok && len(r.seg.Payload) < r.seg.PayloadLen {
			cut++
			// 96 bytes captured: 14 Ethernet + 20 IPv4 + 32 TCP (timestamps) = 30 payload bytes.
			if len(r.seg.Payload) != 30 {
				t.Errorf("frame %d: %d payload bytes captured", r.frame, len(r.seg.Payload))
			}
		}
	}
	if cut == 0 {
		t.Error("no segment cut by the snaplen")
	}
}

// TestDecodeEthernetPaddingIsNotPayload: 60-byte frames carry 6 bytes of padding after
// a bare ACK (tshark: eth.padding, tcp.len 0 in 17 frames); the IP length says there
// is no payload.
func TestDecodeEthernetPaddingIsNotPayload(t *testing.T) {
	src := mustOpen(t, public(t, "zeek-modbus-and-non-modbus-p502.pcap"), 0)
	dec := NewDecoder()
	var seg Segment
	padded := 0
	for {
		p, err := src.Next()
		if err == io.EOF {
			break
		}
		if dec.Decode(p, &seg) && p.CaptureLen == 60 && seg.PayloadLen == 0 {
			padded++
			if len(seg.Payload) != 0 {
				t.Errorf("frame %d: padding taken as %d payload bytes", p.Frame, len(seg.Payload))
			}
		}
	}
	if padded != 17 {
		t.Errorf("%d padded bare segments, tshark says 17", padded)
	}
}

// TestDecodeTCPHeaderCutByTheSnaplen cuts a real SYN at every length inside its TCP
// header (as a small snaplen would): with ports, sequence numbers and flags present
// the segment is decoded, without them it is malformed.
func TestDecodeTCPHeaderCutByTheSnaplen(t *testing.T) {
	src := mustOpen(t, public(t, "zeek-http-get.pcap"), 0)
	p, err := src.Next() // frame 1: SYN with options (14 + 20 + 40 bytes)
	if err != nil {
		t.Fatal(err)
	}
	full := append([]byte(nil), p.Data...)
	dec := NewDecoder()
	var whole Segment
	if !dec.Decode(p, &whole) || !whole.Has(FlagSYN) || whole.WScale < 0 {
		t.Fatalf("frame 1 is not a SYN with window scale: %+v", whole)
	}
	const tcpStart = 14 + 20
	for n := tcpStart; n < len(full); n++ {
		q := *p
		q.Data = full[:n]
		q.CaptureLen = n
		var s Segment
		ok := dec.Decode(&q, &s)
		switch {
		case n-tcpStart < 14:
			if ok {
				t.Errorf("cut at %d TCP bytes: decoded without flags", n-tcpStart)
			}
		case !ok:
			t.Errorf("cut at %d TCP bytes: not decoded (stats %+v)", n-tcpStart, dec.Stats())
		case s.Src != whole.Src || s.Dst != whole.Dst || s.Seq != whole.Seq || s.Flags != whole.Flags || s.PayloadLen != 0 || len(s.Payload) != 0:
			t.Errorf("cut at %d TCP bytes: %+v", n-tcpStart, s)
		case n-tcpStart >= 16 && s.Window != whole.Window:
			t.Errorf("cut at %d TCP bytes: window %d", n-tcpStart, s.Window)
		case s.WScale != -1:
			t.Errorf("cut at %d TCP bytes: window scale %d from a cut option list", n-tcpStart, s.WScale)
		}
	}
}

// TestDecodeICMPErrorsQuotingTCP reads a kernel-made capture with ICMP port
// unreachable, net unreachable and fragmentation needed, ICMPv6 administratively
// prohibited, no route and packet too big, all quoting TCP, plus IPv4 and IPv6
// fragments of a UDP datagram.
func TestDecodeICMPErrorsQuotingTCP(t *testing.T) {
	recs, st := decodeFile(t, linkCapture(t, "icmp_frag.pcap"))
	syn := map[uint16]Segment{} // client SYNs by source port
	kinds := map[[3]int]int{}
	for _, r := range recs {
		if !r.ok {
			continue
		}
		s := r.seg
		if s.Kind == KindTCP && s.Flags == FlagSYN {
			syn[s.Src.Port()] = s
		}
		if s.Kind != KindICMPError {
			continue
		}
		v6 := 0
		if s.ICMPv6 {
			v6 = 1
		}
		kinds[[3]int{v6, int(s.ICMPType), int(s.ICMPCode)}]++
		if !s.ICMPFrom.IsValid() || s.ICMPFrom == s.Src.Addr() || s.Src.Addr().Is6() != s.ICMPv6 {
			t.Errorf("frame %d: ICMP from %v about %v -> %v", r.frame, s.ICMPFrom, s.Src, s.Dst)
		}
		if s.ICMPType == 3 && s.ICMPCode != 4 || s.ICMPType == 1 {
			// unreachable: answers a SYN of ours
			if q, ok := syn[s.Src.Port()]; !ok || q.Dst != s.Dst || q.Seq != s.Seq || s.Flags != FlagSYN {
				t.Errorf("frame %d: quoted %v -> %v seq %d flags %s, no such SYN", r.frame, s.Src, s.Dst, s.Seq, FlagString(s.Flags))
			}
		}
	}
	for _, k := range [][3]int{{0, 3, 3}, {0, 3, 0}, {0, 3, 4}, {1, 1, 1}, {1, 1, 0}, {1, 2, 0}} {
		if kinds[k] == 0 {
			t.Errorf("no ICMP error v6=%d type %d code %d; got %v", k[0], k[1], k[2], kinds)
		}
	}
	// tshark: frames 72-75 are the 4 IPv4 fragments of one UDP datagram (reassembled in
	// 75), frames 148-151 the 4 IPv6 fragments of another (reassembled in 151).
	if st.IPFragments != 0 || st.Reassembled != 2 || st.FragmentsJoined != 6 || st.NonTCP["udp"] != 2 || st.ICMPErrors == 0 {
		t.Errorf("stats %+v, want 4 IPv4 and 4 IPv6 fragments made one datagram each", st)
	}
}

// TestDecodeBigTCPPacketsWithZeroIPv6Length reads a kernel-made capture of IPv6 BIG
// TCP (GSO packets of 184 KB on the sending host): the IPv6 payload length is 0 and
// the frame's length says how long the packet is.
func TestDecodeBigTCPPacketsWithZeroIPv6Length(t *testing.T) {
	recs, st := decodeFile(t, linkCapture(t, "bigtcp6.pcap"))
	big := 0
	for _, r := range recs {
		if r.ok && r.seg.PayloadLen > 65535 {
			big++
		}
	}
	if big == 0 || st.Malformed != 0 {
		t.Errorf("%d segments over 64 KiB; %+v", big, st)
	}
}

// TestDecodeCountsWhatIsNotTCPByReason checks the non-TCP counts.
func TestDecodeCountsWhatIsNotTCPByReason(t *testing.T) {
	_, st := decodeFile(t, public(t, "zeek-wikipedia.pcap"))
	// tshark: 136 frames, 78 TCP, 48 UDP (DNS, NBNS...), 6 ARP, 4 STP/LLC.
	if st.TCP != 78 || st.NonTCP["udp"] != 48 || st.NonTCP["arp"] != 6 || st.NonTCP["llc"] != 4 || st.Total() != 136 {
		t.Errorf("%+v", st)
	}
	_, st = decodeFile(t, public(t, "tcpdump-dsa.pcap"))
	if st.UnsupportedLink["linktype-284"] != 8 || st.Total() != 8 {
		t.Errorf("%+v", st)
	}
	if a, b, c := LinkTypeName(284), LinkTypeName(layers.LinkTypeEthernet), LinkTypeName(239); a != "linktype-284" || b != "Ethernet (1)" || c != "NFLOG (239)" {
		t.Errorf("link type names %q %q", a, b)
	}
}

// TestDecodeNeverPanicsOnCutOrDamagedPackets cuts every packet of a few captures at
// every length and flips bytes in its headers.
func TestDecodeNeverPanicsOnCutOrDamagedPackets(t *testing.T) {
	files := []string{}
	for _, name := range []string{"zeek-mixed-vlan-mpls.pcap", "zeek-ftp-ipv6.pcap", "zeek-nflog-http.pcap", "lwerdna-simple_http_sll2.pcap", "gopacket-pcap-test_loopback.pcap"} {
		files = append(files, public(t, name))
	}
	for _, name := range []string{"vxlan.pcap", "gre.pcap", "geneve.pcap", "erspan.pcap", "erspan3.pcap", "ipip.pcap"} {
		files = append(files, linkCapture(t, name))
	}
	for _, name := range files {
		src := mustOpen(t, name, 0)
		dec := NewDecoder()
		var seg Segment
		for {
			p, err := src.Next()
			if err == io.EOF {
				break
			}
			full := append([]byte(nil), p.Data...)
			for n := 0; n <= len(full) && n < 140; n++ {
				for flip := -1; flip < n; flip += 3 {
					b := append([]byte(nil), full[:n]...)
					if flip >= 0 {
						b[flip] ^= 0xff
					}
					q := *p
					q.Data, q.CaptureLen = b, n
					if dec.Decode(&q, &seg) && (seg.PayloadLen < 0 || len(seg.Payload) > seg.PayloadLen) {
						t.Fatalf("%s frame %d cut %d flip %d: PayloadLen %d, payload %d", name, p.Frame, n, flip, seg.PayloadLen, len(seg.Payload))
					}
				}
			}
		}
	}
}

// TestDecodeAllocatesNothingPerPacket: the common path (Ethernet, SLL, Null, IPv6,
// VLAN, MPLS) allocates nothing once the decoder has seen a packet of each kind; nor
// inside tunnels (VXLAN over IPv4 and IPv6, GRE with a key, Geneve with an option,
// ERSPAN, IP in IP).
func TestDecodeAllocatesNothingPerPacket(t *testing.T) {
	var files []string
	for _, name := range []string{"zeek-http-get.pcap", "zeek-ftp-ipv6.pcap", "zeek-mixed-vlan-mpls.pcap", "zeek-tls-irc-starttls.pcap", "zeek-tls-pop3-starttls.pcap", "zeek-nflog-http.pcap", "zeek-wikipedia.pcap"} {
		files = append(files, public(t, name))
	}
	for _, name := range []string{"vxlan.pcap", "gre.pcap", "geneve.pcap", "erspan.pcap", "erspan3.pcap", "ipip.pcap"} {
		files = append(files, linkCapture(t, name))
	}
	for _, path := range files {
		pkts := loadPackets(t, path)
		dec := NewDecoder()
		var seg Segment
		for i := range pkts {
			dec.Decode(&pkts[i], &seg)
		}
		i := 0
		allocs := testing.AllocsPerRun(len(pkts)*3, func() {
			dec.Decode(&pkts[i%len(pkts)], &seg)
			i++
		})
		if allocs != 0 {
			t.Errorf("%s: %.2f allocations per packet", filepath.Base(path), allocs)
		}
	}
}

// TestDecodeUDPOnATunnelPortThatIsNoTunnel: UDP to VXLAN's or Geneve's port whose header
// is not that tunnel's (the VXLAN I flag clear, a Geneve version other than 0) is
// counted as UDP, not decoded into a TCP segment made of whatever bytes follow. The
// packets are vxlan.pcap's and geneve.pcap's SYNs (frame 6) with that one bit changed.
func TestDecodeUDPOnATunnelPortThatIsNoTunnel(t *testing.T) {
	for _, c := range []struct {
		file string
		at   int // offset of the tunnel header's first byte: Ethernet 14, IPv4 20, UDP 8
		flip byte
	}{
		{"vxlan.pcap", 42, 0x08},  // VXLAN flags 0x08 -> 0x00
		{"geneve.pcap", 42, 0x40}, // Geneve version 0 -> 1
	} {
		pkts := loadPackets(t, linkCapture(t, c.file))
		p := pkts[5]
		dec := NewDecoder()
		var seg Segment
		if !dec.Decode(&p, &seg) || seg.Flags != FlagSYN {
			t.Fatalf("%s frame %d: not the SYN the test expects", c.file, p.Frame)
		}
		p.Data = append([]byte(nil), p.Data...)
		p.Data[c.at] ^= c.flip
		if dec.Decode(&p, &seg) {
			t.Errorf("%s frame %d, byte %d ^ %#x: decoded as TCP %v -> %v", c.file, p.Frame, c.at, c.flip, seg.Src, seg.Dst)
		}
		if st := dec.Stats(); st.NonTCP["udp"] != 1 || st.Malformed != 0 {
			t.Errorf("%s: stats %+v, want one udp", c.file, st)
		}
	}
}

// TestSourceNextAllocatesNothingPerPacket: reading pcap and pcapng allocates nothing
// per packet.
func TestSourceNextAllocatesNothingPerPacket(t *testing.T) {
	for _, name := range []string{"zeek-http-206_example_b.pcap", "zeek-redis-django-cloud.pcapng"} {
		b := readFile(t, public(t, name))
		src, err := openBytes(t, name, b, 0)
		if err != nil {
			t.Fatal(err)
		}
		src.Next() // first packet: buffers are sized
		allocs := testing.AllocsPerRun(300, func() {
			if _, err := src.Next(); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %.2f allocations per packet", name, allocs)
		}
	}
}

// loadPackets reads a whole capture into memory (Data copied).
func loadPackets(t testing.TB, name string) []Packet {
	t.Helper()
	src := mustOpen(t, name, 0)
	var out []Packet
	for {
		p, err := src.Next()
		if err == io.EOF {
			return out
		}
		q := *p
		q.Data = append([]byte(nil), p.Data...)
		out = append(out, q)
	}
}

// BenchmarkRead reads a capture from memory, per packet (the file is reopened when it
// ends; that cost is spread over its packets). The pcapng case is the pcap converted
// with pcapgo's NgWriter, so both read the same 82,582 packets.
func BenchmarkRead(b *testing.B) {
	pcap := readFile(b, public(b, "zeek-echo-connections.pcap"))
	var ng bytes.Buffer
	{
		src, err := OpenReader("x", bytes.NewReader(pcap), 0)
		if err != nil {
			b.Fatal(err)
		}
		w, err := pcapgo.NewNgWriter(&ng, layers.LinkTypeEthernet)
		if err != nil {
			b.Fatal(err)
		}
		for {
			p, err := src.Next()
			if err != nil {
				break
			}
			w.WritePacket(gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: p.CaptureLen, Length: p.WireLen}, p.Data)
		}
		w.Flush()
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(pcap)
	zw.Close()
	for _, c := range []struct {
		name string
		data []byte
	}{{"pcap", pcap}, {"pcapng", ng.Bytes()}, {"pcap.gz", gz.Bytes()}} {
		b.Run(c.name, func(b *testing.B) {
			r := bytes.NewReader(c.data)
			src, err := OpenReader(c.name, r, 0)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(pcap)) / int64(max(1, countPackets(b, c.data))))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := src.Next(); err == io.EOF {
					r.Reset(c.data)
					src, _ = OpenReader(c.name, r, 0)
				}
			}
		})
	}
}

func countPackets(b *testing.B, data []byte) int {
	src, err := OpenReader("x", bytes.NewReader(data), 0)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for {
		if _, err := src.Next(); err != nil {
			return n
		}
		n++
	}
}

// BenchmarkDecode decodes packets held in memory, per packet.
func BenchmarkDecode(b *testing.B) {
	files := []string{}
	for _, name := range []string{"zeek-echo-connections.pcap", "zeek-ftp-ipv6.pcap", "zeek-mixed-vlan-mpls.pcap"} {
		files = append(files, public(b, name))
	}
	// tunnels: VXLAN over IPv4 and IPv6, GRE, Geneve (the gopacket path)
	for _, name := range []string{"vxlan.pcap", "gre.pcap", "geneve.pcap"} {
		files = append(files, linkCapture(b, name))
	}
	for _, path := range files {
		b.Run(filepath.Base(path), func(b *testing.B) {
			pkts := loadPackets(b, path)
			dec := NewDecoder()
			var seg Segment
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				dec.Decode(&pkts[i%len(pkts)], &seg)
			}
		})
	}
}

// TestDecodeReassemblesIPv4Fragments: in link/vxlan_frag.pcap the outer IPv4 packets of
// five TCP segments came in two fragments each (tshark -d udp.port==8472,vxlan: frames
// 8-17, the first of each pair at offset 0 with MF, the second at offset 1480,
// reassembled in 9, 11, 13, 15, 17, each a 1448-byte segment of 8080 -> 41830). The
// segment is decoded at the frame that completes its datagram; the fragments that waited
// count as joined, not as fragments left over. Taken out of order, the pair still makes
// the segment, at the frame of whichever came last; without its second half, or with
// the second coming more than 30 s (Linux's ipfrag_time) after the first, it never does.
func TestDecodeReassemblesIPv4Fragments(t *testing.T) {
	pkts := loadPackets(t, linkCapture(t, "vxlan_frag.pcap"))
	run := func(order []int, shift time.Duration) (segs map[int]Segment, st DecodeStats) {
		dec := NewDecoder()
		segs = map[int]Segment{}
		for _, i := range order {
			p := pkts[i]
			if p.Frame == 9 {
				p.Time = p.Time.Add(shift)
			}
			var seg Segment
			if dec.Decode(&p, &seg) && seg.Kind == KindTCP {
				segs[p.Frame] = seg
			}
		}
		return segs, dec.Stats()
	}
	all := make([]int, len(pkts))
	for i := range all {
		all[i] = i
	}
	segs, st := run(all, 0)
	for _, f := range []int{9, 11, 13, 15, 17} {
		s, ok := segs[f]
		if !ok || s.Src.Port() != 8080 || s.PayloadLen != 1448 || len(s.Payload) != 1448 {
			t.Errorf("frame %d: %+v", f, s)
		}
	}
	if st.Reassembled != 5 || st.FragmentsJoined != 5 || st.IPFragments != 0 || st.TCP != 46 || st.Total() != len(pkts) {
		t.Errorf("stats %+v", st)
	}
	swapped := append([]int(nil), all...)
	swapped[7], swapped[8] = swapped[8], swapped[7] // frame 9 before frame 8
	segs, st = run(swapped, 0)
	if s, ok := segs[8]; !ok || s.PayloadLen != 1448 || st.Reassembled != 5 {
		t.Errorf("second fragment first: segment at frame 8 %v %+v, stats %+v", ok, s, st)
	}
	without := append(append([]int(nil), all[:8]...), all[9:]...) // no frame 9
	segs, st = run(without, 0)
	if _, ok := segs[9]; ok || st.Reassembled != 4 || st.IPFragments != 1 || st.Total() != len(pkts)-1 {
		t.Errorf("without frame 9: stats %+v", st)
	}
	segs, st = run(all, 31*time.Second)
	if _, ok := segs[9]; ok || st.Reassembled != 4 || st.IPFragments != 2 {
		t.Errorf("frame 9 31 s late: stats %+v", st)
	}
}

// TestDecodeFragmentsHeldAreBounded: fragments that never complete, all stamped alike
// (so that no timeout frees them), hold at most fragMaxHeld bytes. The fragment is
// vxlan_frag.pcap's frame 8 (the first half of a datagram, 1480 bytes of payload) sent
// again with 30,000 different IPv4 Ids: 44 MB if all were kept.
func TestDecodeFragmentsHeldAreBounded(t *testing.T) {
	pkts := loadPackets(t, linkCapture(t, "vxlan_frag.pcap"))
	p := pkts[7]
	if p.Frame != 8 {
		t.Fatalf("frame %d", p.Frame)
	}
	p.Data = append([]byte(nil), p.Data...)
	dec := NewDecoder()
	var seg Segment
	for id := 0; id < 30000; id++ {
		binary.BigEndian.PutUint16(p.Data[14+4:], uint16(id))
		if dec.Decode(&p, &seg) {
			t.Fatalf("id %d: a first fragment alone decoded", id)
		}
		if dec.frags.bytes > fragMaxHeld {
			t.Fatalf("id %d: %d bytes held", id, dec.frags.bytes)
		}
	}
	if st := dec.Stats(); st.IPFragments != 30000 || st.Reassembled != 0 {
		t.Errorf("stats %+v", st)
	}
}
