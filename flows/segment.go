// Package flows reads captures, decodes their packets into Segments and rebuilds
// every TCP connection in one pass. Nothing after this package sees gopacket types.
package flows

import (
	"net/netip"
	"time"
)

// TCP flag bits, as on the wire (low byte of the TCP flags field, plus NS).
const (
	FlagFIN uint16 = 1 << iota
	FlagSYN
	FlagRST
	FlagPSH
	FlagACK
	FlagURG
	FlagECE
	FlagCWR
	FlagNS
)

// SegmentKind says what a decoded packet is to the flow table.
type SegmentKind uint8

const (
	// KindTCP is a TCP segment.
	KindTCP SegmentKind = iota
	// KindICMPError is an ICMP or ICMPv6 error quoting the header of a TCP segment that
	// the quoted packet's destination (or a router on the way) refused. Src and Dst are
	// those of the quoted TCP segment, so the error joins that segment's flow; Seq is
	// the quoted sequence number.
	KindICMPError
)

// Segment is one packet as the later stages need it: decoded once, small, and free of
// gopacket types. Payload aliases the read buffer and is valid only until the next
// packet is read; the flow table copies the bounded prefix it keeps.
type Segment struct {
	Kind SegmentKind
	// Tunnel is the tunnel the segment was found in (0: none). (In the padding after
	// Kind.)
	Tunnel Tunnel
	// Iface is the interface the packet was captured on plus one, where the capture
	// says: the interface index of a Linux cooked v2 header (tcpdump -i any), or the
	// interface of a pcapng with several (Packet.Iface); 0 when unknown. (In the padding
	// after Kind.)
	Iface uint32
	File  int       // index of the input file, in the order given on the command line
	Frame int       // 1-based frame number in that file, as Wireshark counts
	Time  time.Time // capture timestamp

	Src, Dst netip.AddrPort
	Flags    uint16 // Flag* bits
	Seq, Ack uint32
	Window   uint16 // raw window field, before scaling
	// WScale is the window-scale option's shift count on a SYN, or -1 when absent.
	WScale int8
	// PayloadLen is the TCP payload length the IP header declares: right even when the
	// capture's snaplen cut the payload short, so sequence tracking never loses bytes.
	PayloadLen int
	// Payload is the captured part of the payload (at most PayloadLen bytes).
	Payload []byte
	// IPID is the IPv4 header's identification field (0 for IPv6), Checksum the TCP
	// header's checksum as captured (0 when the snaplen cut it; on the sending host
	// with checksum offload only the pseudo-header's sum) and TSval the TCP timestamp
	// option's value (0 without one): with the rest they tell a packet captured twice
	// from a retransmission (see Dedupe). TSecr is the option's echo of the peer's
	// TSval and HasTS says the option was there: what a side echoes is the latest
	// timestamp it received, so it tells whether a peer's packet in the capture ever
	// reached it.
	IPID     uint16
	Checksum uint16
	TSval    uint32
	TSecr    uint32

	// ICMPType and ICMPCode are set for KindICMPError (ICMPv4 or ICMPv6 numbering,
	// as ICMPv6 says).
	ICMPType, ICMPCode uint8
	ICMPv6             bool
	HasTS              bool // (here, in the padding before ICMPFrom)
	// ICMPFrom is the address that sent the ICMP error (the host or a router).
	ICMPFrom netip.Addr
}

// Has reports whether all bits of f are set.
func (s *Segment) Has(f uint16) bool { return s.Flags&f == f }

// Uncaptured is how much of the payload the capture's snaplen cut off.
func (s *Segment) Uncaptured() int { return s.PayloadLen - len(s.Payload) }

// SeqLen is the sequence space the segment occupies: payload plus one for SYN and FIN.
func (s *Segment) SeqLen() uint32 {
	n := uint32(s.PayloadLen)
	if s.Flags&FlagSYN != 0 {
		n++
	}
	if s.Flags&FlagFIN != 0 {
		n++
	}
	return n
}

// FlagString renders flags the way tcpdump does: S, S., F., R, R., P., and so on.
func FlagString(f uint16) string {
	var b [8]byte
	n := 0
	for _, x := range [...]struct {
		bit uint16
		c   byte
	}{{FlagSYN, 'S'}, {FlagFIN, 'F'}, {FlagRST, 'R'}, {FlagPSH, 'P'}, {FlagURG, 'U'}, {FlagECE, 'E'}, {FlagCWR, 'W'}} {
		if f&x.bit != 0 {
			b[n] = x.c
			n++
		}
	}
	if f&FlagACK != 0 {
		b[n] = '.'
		n++
	}
	if n == 0 {
		return "none"
	}
	return string(b[:n])
}
