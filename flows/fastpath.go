package flows

import (
	"encoding/binary"
	"net/netip"

	"github.com/gopacket/gopacket/layers"
)

// fast decodes the common packet by hand: a TCP segment over IPv4 (unfragmented) or
// IPv6 (no extension headers), behind Ethernet (at most one 802.1Q tag), Linux SLL or
// SLL2, Null/Loop or raw IP, with a complete TCP header carrying only the options
// Linux sends. gopacket's per-layer work, TCP option slices above all, dominated the
// decode cost of such packets.
//
// The gopacket path stays the reference: fast takes only packets for which that
// path is known to end in fromTCPLayer, and fills the segment as fromTCPLayer would.
// For anything else it returns false having changed nothing, and Decode goes on as
// before. fastpath_test.go holds the two paths equal on every capture and by fuzzing.
func (d *Decoder) fast(lt layers.LinkType, b []byte) bool {
	be16 := binary.BigEndian.Uint16
	switch lt {
	case layers.LinkTypeEthernet:
		if len(b) < 14 {
			return false
		}
		et, ip := be16(b[12:14]), 14
		if et == uint16(layers.EthernetTypeDot1Q) {
			if len(b) < 18 {
				return false
			}
			et, ip = be16(b[16:18]), 18
		}
		return d.fastIP(b, ip, etherIPVersion(et))
	case layers.LinkTypeLinuxSLL:
		// An address length above 8 makes gopacket refuse the header (salvage then
		// reads on): leave that to the slow path.
		if len(b) < 16 || be16(b[4:6]) > 8 {
			return false
		}
		return d.fastIP(b, 16, etherIPVersion(be16(b[14:16])))
	case layers.LinkTypeLinuxSLL2:
		if len(b) < 20 || b[11] > 8 {
			return false
		}
		// For these hardware types gopacket ignores the protocol field.
		switch layers.ARPHardwareType(be16(b[8:10])) {
		case layers.ARPHardwareTypeFRAD, layers.ARPHardwareTypeIPGRE, layers.ARPHardwareTypeDot11Radiotap:
			return false
		}
		return d.fastIP(b, 20, etherIPVersion(be16(b[0:2])))
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		if len(b) < 4 {
			return false
		}
		// gopacket's guess at the byte order; values it refuses go to nullManual.
		fam := binary.LittleEndian.Uint32(b)
		if b[0] == 0 && b[1] == 0 {
			fam = binary.BigEndian.Uint32(b)
		}
		switch fam {
		case 2:
			return d.fastIP(b, 4, 4)
		case 10, 24, 28, 30:
			return d.fastIP(b, 4, 6)
		}
		return false
	case layers.LinkTypeRaw, linkTypeRawOpenBSD, linkTypeRawBSDOS:
		if len(b) == 0 {
			return false
		}
		return d.fastIP(b, 0, b[0]>>4)
	case layers.LinkTypeIPv4:
		return d.fastIP(b, 0, 4)
	case layers.LinkTypeIPv6:
		return d.fastIP(b, 0, 6)
	}
	return false
}

func etherIPVersion(et uint16) byte {
	switch layers.EthernetType(et) {
	case layers.EthernetTypeIPv4:
		return 4
	case layers.EthernetTypeIPv6:
		return 6
	}
	return 0
}

// fastIP goes on from the IP header at b[ip:], which the link layer says is of
// version ver (0: not IP).
func (d *Decoder) fastIP(b []byte, ip int, ver byte) bool { return d.fastIPIn(b, ip, ver, -1) }

// fastIPIn is fastIP for an IP packet that must end by limit, the end the headers of
// the tunnel around it allow (-1: none, the outermost packet, which may be a tunnel's).
func (d *Decoder) fastIPIn(b []byte, ip int, ver byte, limit int) bool {
	if ip >= len(b) || b[ip]>>4 != ver {
		// Also a version the link layer contradicts: gopacket decodes the header
		// anyway and ipContext calls the packet malformed.
		return false
	}
	h := b[ip:]
	var src, dst netip.Addr
	var ipid uint16
	var tcp, end int // where the TCP header starts, where the IP packet ends
	switch ver {
	case 4:
		if len(h) < 20 {
			return false
		}
		ihl := int(h[0]&0x0f) * 4
		if ihl < 20 || ihl > len(h) || binary.BigEndian.Uint16(h[6:8])&0x3fff != 0 { // MF or a fragment offset
			return false
		}
		total := int(binary.BigEndian.Uint16(h[2:4]))
		if limit >= 0 && (total < ihl || ip+total > limit) {
			return false // gopacket would see the packet cut by the tunnel's lengths
		}
		if h[9] != byte(layers.IPProtocolTCP) {
			if limit < 0 && total >= ihl {
				return d.fastTunnel(b, ip+ihl, ip+total, h[9])
			}
			return false
		}
		// IPv4 options are skipped: the gopacket path ignores them once decoded, and
		// when gopacket refuses them ipv4Manual skips them too. A total length gopacket
		// refuses (below 20 or below the header) leads ipv4Manual to the same end.
		src, dst = netip.AddrFrom4([4]byte(h[12:16])), netip.AddrFrom4([4]byte(h[16:20]))
		ipid = binary.BigEndian.Uint16(h[4:6])
		tcp, end = ip+ihl, d.endOf(ip, total, ihl)
	case 6:
		if len(h) < 40 {
			return false
		}
		pl := int(binary.BigEndian.Uint16(h[4:6]))
		if limit >= 0 && (pl == 0 || ip+40+pl > limit) {
			return false
		}
		if h[6] != byte(layers.IPProtocolTCP) {
			if limit < 0 && pl != 0 {
				return d.fastTunnel(b, ip+40, ip+40+pl, h[6])
			}
			return false
		}
		src, dst = netip.AddrFrom16([16]byte(h[8:24])), netip.AddrFrom16([16]byte(h[24:40]))
		tcp, end = ip+40, d.wireEnd // payload length 0: BIG TCP, the frame knows (ipv6Manual)
		if pl != 0 {
			end = d.endOf(ip, 40+pl, 40)
		}
	default:
		return false
	}
	return d.fastTCP(b, tcp, end, src, dst, ipid)
}

// fastTunnel goes on from the payload at b[p:] of an outer IP packet of protocol proto
// declared to end at end, when it is a tunnel the gopacket path decodes (tunnel.go)
// around a plain TCP segment: VXLAN and Geneve on their own UDP ports, GRE without
// routing (not ERSPAN), IP in IP. Nested tunnels, odd lengths (a UDP length of 0 or
// below 8, an inner packet longer than the tunnel's headers allow) and everything else
// are left to the gopacket path.
func (d *Decoder) fastTunnel(b []byte, p, end int, proto byte) bool {
	be16 := binary.BigEndian.Uint16
	switch layers.IPProtocol(proto) {
	case layers.IPProtocolUDP:
		if p+8 > len(b) {
			return false
		}
		sport, dport, ulen := be16(b[p:]), be16(b[p+2:]), int(be16(b[p+4:]))
		if ulen < 8 {
			return false
		}
		end, v := min(end, p+ulen), p+8
		switch dport {
		case 4789, vxlanPortLinux:
			if v+8 > len(b) || b[v]&0x08 == 0 {
				return false
			}
			kind := tunVXLAN
			if dport == vxlanPortLinux || sport == vxlanPortLinux {
				kind = tunVXLANLinux
			}
			return d.fastInnerEther(b, v+8, end, kind)
		case 6081:
			if v+8 > len(b) || b[v]>>6 != 0 {
				return false
			}
			n := 8 + int(b[v]&0x3f)*4
			if v+n > len(b) {
				return false
			}
			return d.fastInnerOf(b, v+n, end, be16(b[v+2:]), tunGeneve)
		}
	case layers.IPProtocolGRE:
		if p+4 > len(b) || b[p+1]&0x07 != 0 || b[p]&0x40 != 0 { // version 0, no routing
			return false
		}
		n := 4
		for _, bit := range [3]byte{0x80, 0x20, 0x10} { // checksum, key, sequence number
			if b[p]&bit != 0 {
				n += 4
			}
		}
		if p+n > len(b) {
			return false
		}
		return d.fastInnerOf(b, p+n, end, be16(b[p+2:]), tunGRE)
	case layers.IPProtocolIPv4:
		return d.fastInner(b, p, 4, end, tunIPinIP)
	case layers.IPProtocolIPv6:
		return d.fastInner(b, p, 6, end, tunIPinIP)
	}
	return false
}

// fastInnerOf goes on from a tunnel header that names what it carries by EtherType.
func (d *Decoder) fastInnerOf(b []byte, at, limit int, et uint16, kind Tunnel) bool {
	if layers.EthernetType(et) == layers.EthernetTypeTransparentEthernetBridging {
		return d.fastInnerEther(b, at, limit, kind)
	}
	if v := etherIPVersion(et); v != 0 {
		return d.fastInner(b, at, v, limit, kind)
	}
	return false
}

// fastInnerEther goes on from an Ethernet frame (no VLAN tag) inside a tunnel.
func (d *Decoder) fastInnerEther(b []byte, e, limit int, kind Tunnel) bool {
	if e+14 > len(b) {
		return false
	}
	if v := etherIPVersion(binary.BigEndian.Uint16(b[e+12:])); v != 0 {
		return d.fastInner(b, e+14, v, limit, kind)
	}
	return false
}

// fastInner decodes the IP packet inside a tunnel of this kind, and counts it.
func (d *Decoder) fastInner(b []byte, ip int, ver byte, limit int, kind Tunnel) bool {
	if !d.fastIPIn(b, ip, ver, limit) {
		return false
	}
	d.inTunnel(kind)
	return true
}

// fastTCP fills the segment from the TCP header at b[tcp:] of an IP packet ending at
// end, if the whole header was captured and lies within the IP packet (else the
// gopacket path's tcpManual and malformed cases apply).
func (d *Decoder) fastTCP(b []byte, tcp, end int, src, dst netip.Addr, ipid uint16) bool {
	capEnd := min(len(b), end)
	if tcp+20 > capEnd {
		return false
	}
	t := b[tcp:capEnd]
	hdr := int(t[12]>>4) * 4
	if hdr < 20 || hdr > len(t) {
		return false
	}
	// The options fromTCPLayer reads, with gopacket's rules: the last window scale
	// (data of 1 byte, SYN only) and the last timestamps option (8 bytes) count.
	// Anything gopacket would treat specially (MPTCP's allocations, a length it
	// stops at) or that Linux does not send is left to it.
	wscale, tsval, tsecr, hasTS := int8(-1), uint32(0), uint32(0), false
	syn := t[13]&0x02 != 0
opts:
	for o := t[20:hdr]; len(o) > 0; {
		switch layers.TCPOptionKind(o[0]) {
		case layers.TCPOptionKindEndList:
			break opts
		case layers.TCPOptionKindNop:
			o = o[1:]
		case layers.TCPOptionKindMSS, layers.TCPOptionKindWindowScale, layers.TCPOptionKindSACKPermitted,
			layers.TCPOptionKindSACK, layers.TCPOptionKindTimestamps:
			if len(o) < 2 || o[1] < 2 || int(o[1]) > len(o) {
				return false
			}
			n := int(o[1])
			switch {
			case o[0] == byte(layers.TCPOptionKindWindowScale) && n == 3 && syn:
				wscale = int8(min(o[2], 14)) // RFC 7323: larger means 14
			case o[0] == byte(layers.TCPOptionKindTimestamps) && n == 10:
				tsval, tsecr, hasTS = binary.BigEndian.Uint32(o[2:6]), binary.BigEndian.Uint32(o[6:10]), true
			}
			o = o[n:]
		default:
			return false
		}
	}
	s := d.seg
	s.Kind = KindTCP
	s.Src = netip.AddrPortFrom(src, binary.BigEndian.Uint16(t[0:2]))
	s.Dst = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(t[2:4]))
	s.Flags = uint16(t[13]) | uint16(t[12]&1)<<8
	s.Seq = binary.BigEndian.Uint32(t[4:8])
	s.Ack = binary.BigEndian.Uint32(t[8:12])
	s.Window = binary.BigEndian.Uint16(t[14:16])
	s.IPID, s.Checksum = ipid, binary.BigEndian.Uint16(t[16:18])
	s.WScale, s.TSval, s.TSecr, s.HasTS = wscale, tsval, tsecr, hasTS
	s.PayloadLen = end - tcp - hdr
	s.Payload = t[hdr:]
	d.tcpN++
	return true
}
