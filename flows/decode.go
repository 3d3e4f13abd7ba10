package flows

import (
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// DecodeStats counts what the decoder saw, by outcome.
type DecodeStats struct {
	TCP        int // TCP segments decoded
	ICMPErrors int // ICMP/ICMPv6 errors quoting a TCP header
	// NonTCP counts packets that are not TCP, by IP protocol ("udp", "icmp",
	// "ip-proto-N") or, for non-IP frames, by ethertype ("arp", "ethertype-0x88cc"),
	// or by what else stopped the decoding ("llc", "mpls-other", "null-af-N", "nflog-other").
	NonTCP      map[string]int
	IPFragments int // IPv4 fragments (MF or offset) and IPv6 fragment headers, any protocol, not joined
	// Reassembled counts the IP datagrams put together from fragments (defrag.go),
	// each counted as what it held (TCP, UDP...) at the frame of its last fragment;
	// FragmentsJoined the other fragments that went into them.
	Reassembled, FragmentsJoined int
	Malformed                    int // headers too short or lying beyond repair
	// FirstMalformed is the first malformed packet and what was wrong with it (zero
	// when none), for a warning that names the file and frame.
	FirstMalformed MalformedFrame
	// UnsupportedLink counts packets of link types the decoder does not know, by name.
	UnsupportedLink map[string]int
	// Tunnelled counts the TCP segments (of TCP above) found inside a tunnel, by the
	// outermost one: "VXLAN (UDP 8472)", "GRE", "IP in IP"... (tunnel.go).
	Tunnelled map[string]int
}

// MalformedFrame names a packet the decoder could not make sense of.
type MalformedFrame struct {
	File  int    // index of the input
	Frame int    // 1-based frame number in that input
	Why   string // what was wrong: "TCP data offset below 5", ...
}

// Total is the number of packets the decoder was given.
func (s DecodeStats) Total() int {
	n := s.TCP + s.ICMPErrors + s.IPFragments + s.FragmentsJoined + s.Malformed
	for _, v := range s.NonTCP {
		n += v
	}
	for _, v := range s.UnsupportedLink {
		n += v
	}
	return n
}

type nonTCPKind uint8

const (
	ntEther  nonTCPKind = iota // v: ethertype
	ntIP                       // v: IP protocol number
	ntLLC                      // 802.3 frame with an LLC header
	ntMPLS                     // MPLS payload that is not IP
	ntNullAF                   // Null/Loop link with an unknown address family; v: the value
	ntNFLOG                    // NFLOG record without an IP payload
)

type nonTCPKey struct {
	kind nonTCPKind
	v    uint32
}

// Decoder turns Packets into Segments. It is not safe for concurrent use; use one per
// goroutine.
//
// The common packet, a plain TCP segment, is decoded by hand (fastpath.go); the rest
// with gopacket's DecodingLayerParser into layers allocated once here. Neither
// allocates per packet. What still allocates on the gopacket path: gopacket's error
// values on broken headers (fmt.Errorf), MPTCP options (gopacket allocates a struct per
// MPTCP option), the first packet with more than four TCP options or with IPv4 options
// (the layer's option slice grows once and is then reused), and the first count of each
// new non-TCP kind (a map insert).
type Decoder struct {
	eth   layers.Ethernet
	dot1q layers.Dot1Q
	sll   layers.LinuxSLL
	sll2  layers.LinuxSLL2
	loop  layers.Loopback
	ip4   layers.IPv4
	ip6   layers.IPv6
	ext   layers.IPv6ExtensionSkipper
	frag  layers.IPv6Fragment
	tcp   layers.TCP
	icmp4 layers.ICMPv4
	icmp6 layers.ICMPv6
	// tunnels (tunnel.go)
	udp    layers.UDP
	vxlan  vxlanLayer
	geneve geneveLayer
	gre    layers.GRE
	erspan erspanLayer

	pEth, pSLL, pSLL2, pLoop, pIP4, pIP6 *gopacket.DecodingLayerParser
	decoded                              []gopacket.LayerType

	// per packet
	p       *Packet
	seg     *Segment
	wireEnd int // end of the frame on the wire, as an offset into p.Data's array
	src     netip.Addr
	dst     netip.Addr
	ipid    uint16 // the IPv4 identification of the packet carrying the transport header
	ipEnd   int    // where the IP packet carrying the transport header ends, by its header

	// noFast turns the hand-written fast path off (fastpath.go), so that tests can hold
	// it against the gopacket path.
	noFast bool

	tcpN, icmpN, fragN, malformedN int
	frags                          *defrag // IPv4 reassembly (defrag.go), once a fragment came
	fragsJoined, reassembled       int
	firstMalformed                 MalformedFrame
	nonTCP                         map[nonTCPKey]int
	tunnelled                      [numTunnelKinds]int
	unsupported                    map[layers.LinkType]int
}

// NewDecoder returns a Decoder with its layers and parsers allocated.
func NewDecoder() *Decoder {
	d := &Decoder{
		decoded:     make([]gopacket.LayerType, 0, 16),
		nonTCP:      make(map[nonTCPKey]int),
		unsupported: make(map[layers.LinkType]int),
	}
	// The same layer values serve every parser; a parser differs only by the layer it
	// starts with. The fragment layer is added after the extension skipper so that it,
	// not the skipper, decodes fragment headers.
	all := []gopacket.DecodingLayer{&d.eth, &d.dot1q, &d.sll, &d.sll2, &d.loop, &d.ip4, &d.ip6,
		&d.ext, &d.frag, &d.tcp, &d.icmp4, &d.icmp6, &d.udp, &d.vxlan, &d.geneve, &d.gre, &d.erspan}
	mk := func(first gopacket.LayerType) *gopacket.DecodingLayerParser {
		p := gopacket.NewDecodingLayerParser(first)
		p.SetDecodingLayerContainer(gopacket.DecodingLayerSparse(nil))
		for _, l := range all {
			p.AddDecodingLayer(l)
		}
		p.IgnoreUnsupported = true
		return p
	}
	d.pEth = mk(layers.LayerTypeEthernet)
	d.pSLL = mk(layers.LayerTypeLinuxSLL)
	d.pSLL2 = mk(layers.LayerTypeLinuxSLL2)
	d.pLoop = mk(layers.LayerTypeLoopback)
	d.pIP4 = mk(layers.LayerTypeIPv4)
	d.pIP6 = mk(layers.LayerTypeIPv6)
	return d
}

// Link types that hold a bare IP packet: raw IP (101) and the values some OSes wrote
// for it (12, 14), IPv4 (228), IPv6 (229).
const (
	linkTypeRawOpenBSD layers.LinkType = 12
	linkTypeRawBSDOS   layers.LinkType = 14
	linkTypeNFLOG      layers.LinkType = 239
)

// decodeRecover turns Decode's panic guard on; fuzz tests turn it off to see panics.
var decodeRecover = true

// ifaceOf is the interface p was captured on plus one (Segment.Iface): a Linux cooked v2
// header's interface index (tcpdump -i any writes one per packet; Linux numbers
// interfaces from 1, so 0 names none), else the pcapng interface the source gave, else 0.
func ifaceOf(p *Packet) uint32 {
	if p.LinkType == layers.LinkTypeLinuxSLL2 && len(p.Data) >= 8 {
		if i := binary.BigEndian.Uint32(p.Data[4:8]); i != 0 {
			return i + 1
		}
		return 0
	}
	return p.Iface
}

// Decode fills seg from p. It returns false for packets that are neither a TCP segment
// nor an ICMP/ICMPv6 error quoting a TCP header; those are counted in Stats by reason.
// seg.Payload aliases p.Data.
func (d *Decoder) Decode(p *Packet, seg *Segment) (ok bool) {
	*seg = Segment{File: p.File, Frame: p.Frame, Time: p.Time, WScale: -1, Iface: ifaceOf(p)}
	d.p, d.seg = p, seg
	defer func() {
		// gopacket recovers its own panics into errors; this guards the code here.
		if !decodeRecover {
			return // tests: let the panic through
		}
		if r := recover(); r != nil {
			*seg = Segment{File: p.File, Frame: p.Frame, Time: p.Time, WScale: -1, Iface: ifaceOf(p)}
			ok = d.malformed("decoder panic")
		}
	}()
	data := p.Data
	d.wireEnd = max(p.WireLen, len(data)) // p.Data starts at offset 0
	if !d.noFast && d.fast(p.LinkType, data) {
		return true
	}
	switch p.LinkType {
	case layers.LinkTypeEthernet:
		return d.parse(d.pEth, layers.LayerTypeEthernet, data)
	case layers.LinkTypeLinuxSLL:
		return d.parse(d.pSLL, layers.LayerTypeLinuxSLL, data)
	case layers.LinkTypeLinuxSLL2:
		return d.parse(d.pSLL2, layers.LayerTypeLinuxSLL2, data)
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return d.parse(d.pLoop, layers.LayerTypeLoopback, data)
	case layers.LinkTypeRaw, linkTypeRawOpenBSD, linkTypeRawBSDOS:
		return d.rawIP(data)
	case layers.LinkTypeIPv4:
		return d.parse(d.pIP4, layers.LayerTypeIPv4, data)
	case layers.LinkTypeIPv6:
		return d.parse(d.pIP6, layers.LayerTypeIPv6, data)
	case linkTypeNFLOG:
		// The frame's wire length is the NFLOG record's; the IP packet inside may have
		// been cut by the NFLOG copy range, so only the IP header knows its length.
		d.wireEnd = math.MaxInt
		return d.nflog(data)
	}
	d.unsupported[p.LinkType]++
	return false
}

// off is b's offset in the packet's data (b is a subslice of it).
func (d *Decoder) off(b []byte) int { return cap(d.p.Data) - cap(b) }

// malformed counts a packet whose headers make no sense; why says which (a constant:
// nothing is allocated). The first one is kept for the report.
func (d *Decoder) malformed(why string) bool {
	d.malformedN++
	if d.firstMalformed.Frame == 0 {
		d.firstMalformed = MalformedFrame{File: d.p.File, Frame: d.p.Frame, Why: why}
	}
	return false
}

func (d *Decoder) nonTCPCount(kind nonTCPKind, v uint32) bool {
	d.nonTCP[nonTCPKey{kind, v}]++
	return false
}

func (d *Decoder) rawIP(data []byte) bool {
	if len(data) == 0 {
		return d.malformed("raw IP frame with no bytes")
	}
	switch data[0] >> 4 {
	case 4:
		return d.parse(d.pIP4, layers.LayerTypeIPv4, data)
	case 6:
		return d.parse(d.pIP6, layers.LayerTypeIPv6, data)
	}
	return d.malformed("raw IP frame: IP version neither 4 nor 6")
}

// layer returns the decoding layer for a layer type the parsers know.
func (d *Decoder) layer(t gopacket.LayerType) gopacket.DecodingLayer {
	switch t {
	case layers.LayerTypeEthernet:
		return &d.eth
	case layers.LayerTypeDot1Q:
		return &d.dot1q
	case layers.LayerTypeLinuxSLL:
		return &d.sll
	case layers.LayerTypeLinuxSLL2:
		return &d.sll2
	case layers.LayerTypeLoopback:
		return &d.loop
	case layers.LayerTypeIPv4:
		return &d.ip4
	case layers.LayerTypeIPv6:
		return &d.ip6
	case layers.LayerTypeIPv6Fragment:
		return &d.frag
	case layers.LayerTypeIPv6HopByHop, layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Destination:
		return &d.ext
	case layers.LayerTypeTCP:
		return &d.tcp
	case layers.LayerTypeICMPv4:
		return &d.icmp4
	case layers.LayerTypeICMPv6:
		return &d.icmp6
	case layers.LayerTypeUDP:
		return &d.udp
	case layers.LayerTypeVXLAN:
		return &d.vxlan
	case layers.LayerTypeGeneve:
		return &d.geneve
	case layers.LayerTypeGRE:
		return &d.gre
	case layers.LayerTypeERSPANII:
		return &d.erspan
	}
	return nil
}

// parse runs a parser from its first layer over data and turns the result into a
// Segment, or works out why not.
func (d *Decoder) parse(p *gopacket.DecodingLayerParser, first gopacket.LayerType, data []byte) bool {
	err := p.DecodeLayers(data, &d.decoded)
	n := len(d.decoded)
	if n > 0 && d.decoded[n-1] == layers.LayerTypeTCP {
		if !d.ipContext(n - 1) {
			return d.malformed("IP header with the wrong version")
		}
		return d.fromTCPLayer() && d.countTunnel(n-1)
	}
	// The layer after the last decoded one, and the bytes it was (or would be) given.
	next, rest := first, data
	var last gopacket.LayerType
	if n > 0 {
		last = d.decoded[n-1]
		l := d.layer(last)
		next, rest = l.NextLayerType(), l.LayerPayload()
	}
	if err != nil {
		return d.salvage(next, rest, n)
	}
	// No error: the parser stopped at a layer it does not decode, or ran out of bytes.
	switch last {
	case layers.LayerTypeICMPv4, layers.LayerTypeICMPv6:
		return d.icmpLayer(n - 1)
	case layers.LayerTypeIPv6Fragment:
		if next == gopacket.LayerTypeFragment {
			return d.fragment(true, rest)
		}
	case layers.LayerTypeLoopback:
		if next == gopacket.LayerTypeZero {
			return d.nullManual(data)
		}
	}
	switch next {
	case gopacket.LayerTypeFragment:
		if last == layers.LayerTypeIPv4 {
			return d.fragment(false, rest)
		}
		d.fragN++
		return false
	case layers.LayerTypeMPLS:
		return d.mpls(rest)
	case layers.LayerTypeTCP:
		// The capture ended at the IP header (or the header says there is no room).
		if !d.ipContext(n) {
			return d.malformed("IP header with the wrong version")
		}
		return d.tcpManual(d.off(rest)) && d.countTunnel(n)
	case layers.LayerTypeLLC:
		return d.nonTCPCount(ntLLC, 0)
	}
	if n == 0 {
		return d.malformed("headers too short")
	}
	switch last {
	case layers.LayerTypeEthernet:
		return d.nonTCPCount(ntEther, uint32(d.eth.EthernetType))
	case layers.LayerTypeDot1Q:
		return d.nonTCPCount(ntEther, uint32(d.dot1q.Type))
	case layers.LayerTypeLinuxSLL:
		return d.nonTCPCount(ntEther, uint32(d.sll.EthernetType))
	case layers.LayerTypeLinuxSLL2:
		return d.nonTCPCount(ntEther, uint32(d.sll2.ProtocolType))
	case layers.LayerTypeIPv4:
		return d.nonTCPCount(ntIP, uint32(d.ip4.Protocol))
	case layers.LayerTypeIPv6:
		nh := d.ip6.NextHeader
		if d.ip6.HopByHop != nil {
			nh = d.ip6.HopByHop.NextHeader
		}
		return d.nonTCPCount(ntIP, uint32(nh))
	case layers.LayerTypeIPv6HopByHop, layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Destination:
		return d.nonTCPCount(ntIP, uint32(d.ext.NextHeader))
	case layers.LayerTypeIPv6Fragment:
		return d.nonTCPCount(ntIP, uint32(d.frag.NextHeader))
	case layers.LayerTypeUDP, layers.LayerTypeVXLAN, layers.LayerTypeGeneve:
		// UDP that is not a tunnel, or a tunnel header with nothing after it
		return d.nonTCPCount(ntIP, uint32(layers.IPProtocolUDP))
	case layers.LayerTypeGRE, layers.LayerTypeERSPANII:
		return d.nonTCPCount(ntIP, uint32(layers.IPProtocolGRE))
	}
	return d.malformed("headers too short")
}

// salvage handles a layer gopacket refused: some refusals still leave a sensible
// segment (an SLL address longer than 8 bytes, an IP length that lies, a TCP header
// cut by the snaplen).
func (d *Decoder) salvage(failed gopacket.LayerType, data []byte, n int) bool {
	switch failed {
	case layers.LayerTypeLinuxSLL:
		// libpcap writes at most 8 address bytes whatever the address length says; the
		// protocol field is still right.
		if len(data) < 16 {
			return d.malformed("Linux SLL header too short")
		}
		return d.ether(binary.BigEndian.Uint16(data[14:16]), data[16:])
	case layers.LayerTypeLoopback:
		return d.nullManual(data)
	case layers.LayerTypeIPv4:
		return d.ipv4Manual(data)
	case layers.LayerTypeIPv6:
		return d.ipv6Manual(data)
	case layers.LayerTypeTCP:
		if !d.ipContext(n) {
			return d.malformed("ICMP error quoting a broken header")
		}
		return d.tcpManual(d.off(data))
	case layers.LayerTypeICMPv4:
		return d.nonTCPCount(ntIP, uint32(layers.IPProtocolICMPv4))
	case layers.LayerTypeICMPv6:
		return d.nonTCPCount(ntIP, uint32(layers.IPProtocolICMPv6))
	case layers.LayerTypeUDP, layers.LayerTypeVXLAN, layers.LayerTypeGeneve:
		// a UDP header cut short, or UDP on a tunnel's port that is not that tunnel
		return d.nonTCPCount(ntIP, uint32(layers.IPProtocolUDP))
	case layers.LayerTypeGRE, layers.LayerTypeERSPANII:
		return d.nonTCPCount(ntIP, uint32(layers.IPProtocolGRE))
	}
	return d.malformed("headers too short")
}

// ether continues after a link header that gave this ethertype.
func (d *Decoder) ether(et uint16, data []byte) bool {
	switch layers.EthernetType(et) {
	case layers.EthernetTypeIPv4:
		return d.parse(d.pIP4, layers.LayerTypeIPv4, data)
	case layers.EthernetTypeIPv6:
		return d.parse(d.pIP6, layers.LayerTypeIPv6, data)
	case layers.EthernetTypeMPLSUnicast, layers.EthernetTypeMPLSMulticast:
		return d.mpls(data)
	}
	return d.nonTCPCount(ntEther, uint32(et))
}

// nullManual decodes the 4-byte header of the Null and Loop link types when gopacket's
// Loopback layer could not: the header holds an ethertype instead of an address
// family, or an IPv6 family value gopacket does not list.
func (d *Decoder) nullManual(data []byte) bool {
	if len(data) < 4 {
		return d.malformed("Null/Loop header too short")
	}
	le, be := binary.LittleEndian.Uint32(data), binary.BigEndian.Uint32(data)
	for _, v := range [2]uint32{le, be} {
		switch v {
		case 2, 0x0800:
			return d.parse(d.pIP4, layers.LayerTypeIPv4, data[4:])
		case 10, 24, 28, 30, 0x86dd:
			return d.parse(d.pIP6, layers.LayerTypeIPv6, data[4:])
		}
	}
	return d.nonTCPCount(ntNullAF, min(le, be))
}

// mpls skips an MPLS label stack; IP after the bottom label is decoded.
func (d *Decoder) mpls(data []byte) bool {
	for {
		if len(data) < 4 {
			return d.malformed("MPLS label stack cut short")
		}
		bottom := data[2]&1 != 0
		data = data[4:]
		if bottom {
			break
		}
	}
	if len(data) > 0 {
		switch data[0] >> 4 {
		case 4:
			return d.parse(d.pIP4, layers.LayerTypeIPv4, data)
		case 6:
			return d.parse(d.pIP6, layers.LayerTypeIPv6, data)
		}
	}
	return d.nonTCPCount(ntMPLS, 0)
}

// nflog finds the packet in an NFLOG record (link type 239): a 4-byte header (address
// family, version, resource id) and TLVs whose length and type are in the capturing
// host's byte order; type 9 holds the packet.
func (d *Decoder) nflog(data []byte) bool {
	if len(data) < 8 {
		return d.malformed("NFLOG record too short")
	}
	family := data[0]
	u16 := binary.LittleEndian.Uint16
	if binary.LittleEndian.Uint16(data[6:8]) > 0xff {
		u16 = binary.BigEndian.Uint16
	}
	for off := 4; off+4 <= len(data); {
		l, t := int(u16(data[off:])), u16(data[off+2:])
		if l < 4 {
			return d.malformed("NFLOG TLV length below 4")
		}
		if t == 9 {
			pkt := data[off+4 : min(off+l, len(data))]
			switch {
			case family == 2:
				return d.parse(d.pIP4, layers.LayerTypeIPv4, pkt)
			case family == 10:
				return d.parse(d.pIP6, layers.LayerTypeIPv6, pkt)
			}
			return d.rawIP(pkt)
		}
		off += (l + 3) &^ 3
	}
	return d.nonTCPCount(ntNFLOG, 0)
}

// ipContext sets the addresses and the IP packet's end from the last IP layer among
// the first n decoded layers.
func (d *Decoder) ipContext(n int) bool {
	for i := n - 1; i >= 0; i-- {
		switch d.decoded[i] {
		case layers.LayerTypeIPv4:
			if d.ip4.Version != 4 {
				return false
			}
			c := d.ip4.Contents
			d.ipid = d.ip4.Id
			d.src = netip.AddrFrom4([4]byte(d.ip4.SrcIP))
			d.dst = netip.AddrFrom4([4]byte(d.ip4.DstIP))
			start := d.off(c)
			d.setEnd(start, int(binary.BigEndian.Uint16(c[2:4])), len(c))
			return true
		case layers.LayerTypeIPv6:
			if d.ip6.Version != 6 {
				return false
			}
			d.ipid = 0
			d.src = netip.AddrFrom16([16]byte(d.ip6.SrcIP))
			d.dst = netip.AddrFrom16([16]byte(d.ip6.DstIP))
			start := d.off(d.ip6.Contents)
			if d.ip6.Length == 0 { // jumbogram or a BIG TCP packet: the frame knows
				d.ipEnd = d.wireEnd
			} else {
				d.setEnd(start, 40+int(d.ip6.Length), 40)
			}
			return true
		}
	}
	return false
}

// setEnd sets where the IP packet ends from its declared total length; a length of 0
// (TSO), shorter than the header, or beyond the frame's wire length falls back to
// what the frame holds.
func (d *Decoder) setEnd(start, total, hdr int) { d.ipEnd = d.endOf(start, total, hdr) }

// endOf is setEnd's rule without setting anything (the fast path must leave the
// decoder as it found it when it gives up).
func (d *Decoder) endOf(start, total, hdr int) int {
	end := start + total
	if total == 0 || total < hdr || end > d.wireEnd {
		end = d.wireEnd
	}
	return end
}

// fromTCPLayer fills the segment from a TCP header gopacket decoded in full.
func (d *Decoder) fromTCPLayer() bool {
	t := &d.tcp
	start := d.off(t.Contents)
	hdr := len(t.Contents)
	if start+hdr > d.ipEnd {
		// Only possible when the IP length was replaced by a shorter wire length.
		return d.malformed("TCP header beyond the IP packet")
	}
	s := d.seg
	s.Kind = KindTCP
	s.Src = netip.AddrPortFrom(d.src, uint16(t.SrcPort))
	s.Dst = netip.AddrPortFrom(d.dst, uint16(t.DstPort))
	s.Flags = uint16(t.Contents[13]) | uint16(t.Contents[12]&1)<<8
	s.Seq, s.Ack, s.Window = t.Seq, t.Ack, t.Window
	s.IPID, s.Checksum = d.ipid, t.Checksum
	for i := range t.Options {
		o := &t.Options[i]
		switch {
		case o.OptionType == layers.TCPOptionKindWindowScale && len(o.OptionData) == 1 && t.SYN:
			s.WScale = int8(min(o.OptionData[0], 14)) // RFC 7323: larger means 14
		case o.OptionType == layers.TCPOptionKindTimestamps && len(o.OptionData) == 8:
			s.TSval = binary.BigEndian.Uint32(o.OptionData)
			s.TSecr = binary.BigEndian.Uint32(o.OptionData[4:])
			s.HasTS = true
		}
	}
	s.PayloadLen = d.ipEnd - start - hdr
	s.Payload = t.Payload
	if len(s.Payload) > s.PayloadLen {
		s.Payload = s.Payload[:s.PayloadLen]
	}
	d.tcpN++
	return true
}

// tcpManual handles a TCP header gopacket refused or never saw, starting at offset
// start of the packet data: the IP length said the header does not fit (then what the
// frame holds is used), or the snaplen cut the header (then the fields present are
// used if ports, sequence numbers and flags are among them).
func (d *Decoder) tcpManual(start int) bool {
	data := d.p.Data
	if start > len(data) {
		return d.malformed("TCP header beyond the captured bytes")
	}
	b := data[start:]
	if len(b) < 14 {
		return d.malformed("TCP header cut before its flags")
	}
	doff := int(b[12] >> 4)
	if doff < 5 {
		return d.malformed("TCP data offset below 5")
	}
	hdr := doff * 4
	if start+hdr > d.ipEnd {
		if start+hdr > d.wireEnd || d.ipEnd == d.wireEnd {
			return d.malformed("TCP data offset beyond the packet") // the data offset lies
		}
		d.ipEnd = d.wireEnd // the IP length lies: the frame holds the header
	}
	if capEnd := min(len(data), d.ipEnd); start+hdr <= capEnd {
		// The whole header is there after all.
		if err := d.tcp.DecodeFromBytes(data[start:capEnd], gopacket.NilDecodeFeedback); err != nil {
			return d.malformed("TCP header broken")
		}
		return d.fromTCPLayer()
	}
	// The snaplen cut the header: use the fixed fields present.
	s := d.seg
	s.Kind = KindTCP
	s.Src = netip.AddrPortFrom(d.src, binary.BigEndian.Uint16(b[0:2]))
	s.Dst = netip.AddrPortFrom(d.dst, binary.BigEndian.Uint16(b[2:4]))
	s.Seq = binary.BigEndian.Uint32(b[4:8])
	s.Ack = binary.BigEndian.Uint32(b[8:12])
	s.Flags = uint16(b[13]) | uint16(b[12]&1)<<8
	if len(b) >= 16 {
		s.Window = binary.BigEndian.Uint16(b[14:16])
	}
	if len(b) >= 18 {
		s.Checksum = binary.BigEndian.Uint16(b[16:18])
	}
	s.IPID = d.ipid
	s.PayloadLen = d.ipEnd - start - hdr
	d.tcpN++
	return true
}

// ipv4Manual reads an IPv4 header gopacket refused (a total length shorter than the
// header, broken options) and goes on with what the frame holds.
func (d *Decoder) ipv4Manual(b []byte) bool {
	if len(b) < 20 || b[0]>>4 != 4 {
		return d.malformed("IPv4 header too short or not version 4")
	}
	ihl := int(b[0]&0x0f) * 4
	if ihl < 20 || ihl > len(b) {
		return d.malformed("IPv4 header length below 20 or beyond the packet")
	}
	if ff := binary.BigEndian.Uint16(b[6:8]); ff&0x2000 != 0 || ff&0x1fff != 0 {
		d.fragN++
		return false
	}
	d.src = netip.AddrFrom4([4]byte(b[12:16]))
	d.dst = netip.AddrFrom4([4]byte(b[16:20]))
	d.ipid = binary.BigEndian.Uint16(b[4:6])
	start := d.off(b)
	d.setEnd(start, int(binary.BigEndian.Uint16(b[2:4])), ihl)
	switch b[9] {
	case 6:
		return d.tcpManual(start + ihl)
	case 1:
		return d.icmpManual(b[ihl:min(len(b), d.ipEnd-start)], false, b[12:16])
	}
	return d.nonTCPCount(ntIP, uint32(b[9]))
}

// ipv6Manual reads an IPv6 header gopacket refused (payload length 0 without a jumbo
// option, as captures of BIG TCP packets show) and walks its extension headers.
func (d *Decoder) ipv6Manual(b []byte) bool {
	if len(b) < 40 || b[0]>>4 != 6 {
		return d.malformed("IPv6 header too short or not version 6")
	}
	d.src = netip.AddrFrom16([16]byte(b[8:24]))
	d.dst = netip.AddrFrom16([16]byte(b[24:40]))
	d.ipid = 0
	start := d.off(b)
	if pl := int(binary.BigEndian.Uint16(b[4:6])); pl == 0 {
		d.ipEnd = d.wireEnd
	} else {
		d.setEnd(start, 40+pl, 40)
	}
	nh, off := b[6], 40
	for {
		switch nh {
		case 0, 43, 60: // hop-by-hop, routing, destination options
			if off+2 > len(b) {
				return d.malformed("IPv6 extension header cut short")
			}
			nh, off = b[off], off+(int(b[off+1])+1)*8
			continue
		case 44:
			d.fragN++
			return false
		case 6:
			return d.tcpManual(start + off)
		case 58:
			if off > len(b) {
				return d.malformed("IPv6 extension header cut short")
			}
			return d.icmpManual(b[off:max(off, min(len(b), d.ipEnd-start))], true, b[8:24])
		}
		return d.nonTCPCount(ntIP, uint32(nh))
	}
}

// icmpLayer handles an ICMP or ICMPv6 layer gopacket decoded (decoded[i]).
func (d *Decoder) icmpLayer(i int) bool {
	var from []byte
	d.ipid = 0
	for j := i - 1; j >= 0 && from == nil; j-- {
		switch d.decoded[j] {
		case layers.LayerTypeIPv4:
			from, d.ipid = d.ip4.SrcIP, d.ip4.Id
		case layers.LayerTypeIPv6:
			from = d.ip6.SrcIP
		}
	}
	if d.decoded[i] == layers.LayerTypeICMPv4 {
		// gopacket's ICMPv4 payload starts after the 8-byte header.
		return d.icmpError(d.icmp4.TypeCode.Type(), d.icmp4.TypeCode.Code(), d.icmp4.Payload, false, from)
	}
	// gopacket's ICMPv6 payload starts after 4 bytes; 4 more (unused or MTU) precede
	// the quoted packet.
	b := d.icmp6.Payload
	if len(b) < 4 {
		return d.nonTCPCount(ntIP, uint32(layers.IPProtocolICMPv6))
	}
	return d.icmpError(d.icmp6.TypeCode.Type(), d.icmp6.TypeCode.Code(), b[4:], true, from)
}

// icmpManual handles an ICMP message found without gopacket (b starts at its header).
func (d *Decoder) icmpManual(b []byte, v6 bool, from []byte) bool {
	if len(b) < 8 {
		if v6 {
			return d.nonTCPCount(ntIP, uint32(layers.IPProtocolICMPv6))
		}
		return d.nonTCPCount(ntIP, uint32(layers.IPProtocolICMPv4))
	}
	return d.icmpError(b[0], b[1], b[8:], v6, from)
}

// icmpError turns an ICMP destination unreachable (ICMPv6: destination unreachable,
// packet too big) quoting a TCP header into a KindICMPError segment. q is the quoted
// packet; from the error's sender address.
func (d *Decoder) icmpError(typ, code uint8, q []byte, v6 bool, from []byte) bool {
	proto := uint32(layers.IPProtocolICMPv4)
	if v6 {
		proto = uint32(layers.IPProtocolICMPv6)
	}
	isErr := (!v6 && typ == 3) || (v6 && (typ == 1 || typ == 2))
	if !isErr {
		return d.nonTCPCount(ntIP, proto)
	}
	var src, dst netip.Addr
	var t []byte
	switch {
	case !v6 && len(q) >= 20 && q[0]>>4 == 4:
		ihl := int(q[0]&0x0f) * 4
		if ihl < 20 || ihl > len(q) || q[9] != 6 || binary.BigEndian.Uint16(q[6:8])&0x1fff != 0 {
			return d.nonTCPCount(ntIP, proto)
		}
		src, dst = netip.AddrFrom4([4]byte(q[12:16])), netip.AddrFrom4([4]byte(q[16:20]))
		t = q[ihl:]
	case v6 && len(q) >= 40 && q[0]>>4 == 6:
		src, dst = netip.AddrFrom16([16]byte(q[8:24])), netip.AddrFrom16([16]byte(q[24:40]))
		nh, off := q[6], 40
	walk:
		for {
			switch nh {
			case 6:
				break walk
			case 0, 43, 60:
				if off+2 > len(q) {
					return d.nonTCPCount(ntIP, proto)
				}
				nh, off = q[off], off+(int(q[off+1])+1)*8
			case 44:
				if off+8 > len(q) || binary.BigEndian.Uint16(q[off+2:off+4])&0xfff8 != 0 {
					return d.nonTCPCount(ntIP, proto)
				}
				nh, off = q[off], off+8
			default:
				return d.nonTCPCount(ntIP, proto)
			}
		}
		if off > len(q) {
			return d.nonTCPCount(ntIP, proto)
		}
		t = q[off:]
	default:
		return d.nonTCPCount(ntIP, proto)
	}
	if len(t) < 8 { // RFC 792 guarantees 8 bytes of the quoted transport header
		return d.nonTCPCount(ntIP, proto)
	}
	s := d.seg
	s.Kind = KindICMPError
	s.Src = netip.AddrPortFrom(src, binary.BigEndian.Uint16(t[0:2]))
	s.Dst = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(t[2:4]))
	s.Seq = binary.BigEndian.Uint32(t[4:8])
	if len(t) >= 12 {
		s.Ack = binary.BigEndian.Uint32(t[8:12])
	}
	if len(t) >= 14 {
		s.Flags = uint16(t[13]) | uint16(t[12]&1)<<8
	}
	if len(t) >= 16 {
		s.Window = binary.BigEndian.Uint16(t[14:16])
	}
	s.ICMPType, s.ICMPCode, s.ICMPv6 = typ, code, v6
	s.IPID = d.ipid
	switch len(from) {
	case 4:
		s.ICMPFrom = netip.AddrFrom4([4]byte(from))
	case 16:
		s.ICMPFrom = netip.AddrFrom16([16]byte(from))
	}
	d.icmpN++
	return true
}

// Stats returns the counts so far.
func (d *Decoder) Stats() DecodeStats {
	st := DecodeStats{
		TCP:             d.tcpN,
		ICMPErrors:      d.icmpN,
		IPFragments:     d.fragN,
		Reassembled:     d.reassembled,
		FragmentsJoined: d.fragsJoined,
		Malformed:       d.malformedN,
		FirstMalformed:  d.firstMalformed,
		NonTCP:          make(map[string]int, len(d.nonTCP)),
		UnsupportedLink: make(map[string]int, len(d.unsupported)),
	}
	for k, v := range d.nonTCP {
		st.NonTCP[k.name()] += v
	}
	for lt, v := range d.unsupported {
		st.UnsupportedLink[LinkTypeName(lt)] += v
	}
	for k, v := range d.tunnelled {
		if v > 0 {
			if st.Tunnelled == nil {
				st.Tunnelled = map[string]int{}
			}
			st.Tunnelled[tunnelNames[k]] = v
		}
	}
	return st
}

var ipProtoNames = map[uint32]string{
	1: "icmp", 2: "igmp", 4: "ipip", 17: "udp", 41: "ipv6-in-ip", 47: "gre", 50: "esp", 51: "ah",
	58: "icmpv6", 59: "ipv6-nonxt", 89: "ospf", 103: "pim", 112: "vrrp", 132: "sctp", 136: "udplite",
}

var etherTypeNames = map[uint32]string{
	0x0806: "arp", 0x8035: "rarp", 0x8137: "ipx", 0x888e: "eapol", 0x88cc: "lldp",
	0x8863: "pppoe-discovery", 0x8864: "pppoe", 0x8809: "slow-protocols", 0x88f7: "ptp",
	0x9000: "loopback", 0x8100: "vlan", 0x88a8: "qinq", 0x8847: "mpls", 0x8848: "mpls",
	0x0800: "ipv4", 0x86dd: "ipv6", 0x22f0: "avtp", 0x8902: "cfm", 0x88e5: "macsec",
}

func (k nonTCPKey) name() string {
	switch k.kind {
	case ntEther:
		if s, ok := etherTypeNames[k.v]; ok {
			return s
		}
		return fmt.Sprintf("ethertype-0x%04x", k.v)
	case ntIP:
		if s, ok := ipProtoNames[k.v]; ok {
			return s
		}
		return fmt.Sprintf("ip-proto-%d", k.v)
	case ntLLC:
		return "llc"
	case ntMPLS:
		return "mpls-other"
	case ntNullAF:
		return fmt.Sprintf("null-af-%d", k.v)
	case ntNFLOG:
		return "nflog-other"
	}
	return "other"
}

var linkTypeNames = map[layers.LinkType]string{
	0: "Null", 1: "Ethernet", 12: "Raw IP", 14: "Raw IP", 101: "Raw IP", 108: "Loop",
	113: "Linux SLL", 127: "IEEE 802.11 Radiotap", 228: "IPv4", 229: "IPv6", 239: "NFLOG",
	274: "Ethernet mPacket", 276: "Linux SLL2",
}

// LinkTypeName names a link type for people: "Ethernet (1)", "NFLOG (239)", and
// "linktype-N" for one neither we nor gopacket know.
func LinkTypeName(lt layers.LinkType) string {
	if s, ok := linkTypeNames[lt]; ok {
		return fmt.Sprintf("%s (%d)", s, uint32(lt))
	}
	if s := lt.String(); s != "UnknownLinkType" {
		return fmt.Sprintf("%s (%d)", s, uint32(lt))
	}
	return fmt.Sprintf("linktype-%d", uint32(lt))
}
