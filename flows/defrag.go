package flows

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"time"

	"github.com/gopacket/gopacket/ip4defrag"
	"github.com/gopacket/gopacket/ip6defrag"
	"github.com/gopacket/gopacket/layers"
)

// IP fragments. TCP avoids them, but what carries TCP may not: a VXLAN device whose MTU
// is set as high as the interface under it (the usual overlay misconfiguration) sends
// its first full-sized segments to each peer in outer IPv4 packets the kernel fragments
// (the outer header's DF is clear), until path MTU discovery shrinks the segments. The
// segments are all in the capture, in pieces: read as lost, they made a complete
// exchange look cut ("the capture does not hold 7240 bytes", "no response").
//
// gopacket's ip4defrag and ip6defrag put fragments together, with the checks receivers
// make (overlaps, a final fragment that contradicts the others, one cut by the snaplen).
// The datagram is decoded at the frame of the fragment that completed it, as Wireshark
// shows it. Fragments are copied (the reader reuses its buffer): work the common,
// unfragmented packet never sees. An IPv4 datagram still incomplete
// fragReassemblyTimeout of capture time after its last fragment is given up, as Linux's
// ipfrag_time (30 s) does. ip6defrag can give up packets only by the clock, not by the
// capture's time, so incomplete IPv6 packets stay until fragMaxHeld; their 32-bit Ids
// (random per destination on Linux) are not reused in the meantime.

// fragReassemblyTimeout is how long fragments wait for the rest of their datagram.
const fragReassemblyTimeout = 30 * time.Second

// fragMaxHeld bounds the bytes of fragments waiting, whatever the capture's timestamps
// (a flood of fragments that never complete, all stamped alike): past it, every
// datagram waiting is given up at once, as a receiver's ipfrag_high_thresh (4 MiB) has
// it drop fragments.
const fragMaxHeld = 32 << 20

// fragKey names the datagram a fragment belongs to, as the defragmenters key them:
// source, destination, Id and, for IPv4, protocol (RFC 791, RFC 8200).
type fragKey struct {
	src, dst netip.Addr
	id       uint32
	proto    uint8
}

// fragsHeld is what the decoder knows of the fragments a defragmenter holds for a
// datagram: how many (each counted in fragN until the datagram completes), and, for
// IPv4, the latest one's time, from which it will be given up.
type fragsHeld struct {
	n, bytes int
	last     time.Time
}

// defrag holds the decoder's reassembly state; nil until the first fragment.
type defrag struct {
	v4      *ip4defrag.IPv4Defragmenter
	v6      *ip6defrag.IPv6Defragmenter
	held    map[fragKey]fragsHeld
	bytes   int       // held's bytes
	checked time.Time // when the timed-out IPv4 datagrams were last given up
}

func newDefrag(now time.Time) *defrag {
	return &defrag{v4: ip4defrag.NewIPv4Defragmenter(), v6: ip6defrag.NewIPv6Defragmenter(),
		held: map[fragKey]fragsHeld{}, checked: now}
}

// fragment handles the IP fragment the last decoded layers hold (IPv4; or IPv6 and its
// fragment header when v6), whose bytes are rest: it is held (counted as a fragment)
// until its datagram is complete, which is then decoded.
func (d *Decoder) fragment(v6 bool, rest []byte) bool {
	now := d.p.Time
	if d.frags == nil || d.frags.bytes+len(rest) > fragMaxHeld {
		d.frags = newDefrag(now)
	}
	f := d.frags
	if now.Sub(f.checked) > fragReassemblyTimeout/4 {
		f.expire(now.Add(-fragReassemblyTimeout))
		f.checked = now
	}
	var key fragKey
	var whole []byte // the datagram once complete, as an IP packet
	if !v6 {
		ip := d.ip4 // a copy the defragmenter may keep: nothing aliasing the frame
		ip.Contents, ip.Options, ip.Padding = nil, nil, nil
		ip.SrcIP, ip.DstIP = slices.Clone(ip.SrcIP), slices.Clone(ip.DstIP)
		ip.Payload = slices.Clone(rest)
		key = fragKey{src: addrOf(ip.SrcIP), dst: addrOf(ip.DstIP), id: uint32(ip.Id), proto: uint8(ip.Protocol)}
		out, err := f.v4.DefragIPv4WithTimestamp(&ip, now)
		if err != nil { // dropped, with what was held for its datagram, as a receiver does
			f.drop(key)
			d.fragN++
			return false
		}
		if out != nil {
			whole = ipv4Packet(out)
		}
	} else {
		ip, fg := d.ip6, d.frag // copies, as above
		ip.Contents, ip.Payload, ip.HopByHop = nil, nil, nil
		ip.SrcIP, ip.DstIP = slices.Clone(ip.SrcIP), slices.Clone(ip.DstIP)
		fg.Contents, fg.Payload = nil, slices.Clone(rest)
		key = fragKey{src: addrOf(ip.SrcIP), dst: addrOf(ip.DstIP), id: fg.Identification}
		if out := f.v6.DefragIPv6(&ip, &fg); out != nil {
			whole = ipv6Packet(out)
		}
	}
	if whole == nil {
		h := f.held[key]
		f.held[key] = fragsHeld{n: h.n + 1, bytes: h.bytes + len(rest), last: now}
		f.bytes += len(rest)
		d.fragN++
		return false
	}
	// The fragments held for it were counted as fragments; now they are part of the
	// datagram this frame completes.
	n := f.held[key].n
	f.drop(key)
	d.fragN -= n
	d.fragsJoined += n
	d.reassembled++
	return d.decodeWhole(whole)
}

// expire gives up the IPv4 datagrams whose fragments came before t.
func (f *defrag) expire(t time.Time) {
	f.v4.DiscardOlderThan(t)
	for k, h := range f.held {
		if k.src.Is4() && h.last.Before(t) {
			f.drop(k)
		}
	}
}

// drop forgets what was held for a datagram (ip4defrag has let it go).
func (f *defrag) drop(k fragKey) {
	f.bytes -= f.held[k].bytes
	delete(f.held, k)
}

// decodeWhole decodes a reassembled datagram as the packet of the frame that completed
// it: the segment keeps that frame's number, time and interface.
func (d *Decoder) decodeWhole(pkt []byte) bool {
	frame := d.p
	whole := *frame
	whole.Data, whole.CaptureLen, whole.WireLen, whole.LinkType = pkt, len(pkt), len(pkt), layers.LinkTypeRaw
	d.p, d.wireEnd = &whole, len(pkt)
	defer func() { d.p = frame }()
	return d.rawIP(pkt)
}

func addrOf(b []byte) netip.Addr {
	a, _ := netip.AddrFromSlice(b)
	return a
}

// ipv4Packet lays out the datagram ip4defrag built: a 20-byte header (options, which
// only the first fragment carries whole, are left out) and the payload.
func ipv4Packet(ip *layers.IPv4) []byte {
	b := make([]byte, 20+len(ip.Payload))
	b[0], b[1] = 0x45, ip.TOS
	binary.BigEndian.PutUint16(b[2:], uint16(min(len(b), 0xffff)))
	binary.BigEndian.PutUint16(b[4:], ip.Id)
	b[8], b[9] = ip.TTL, byte(ip.Protocol)
	copy(b[12:16], ip.SrcIP.To4())
	copy(b[16:20], ip.DstIP.To4())
	copy(b[20:], ip.Payload)
	return b
}

// ipv6Packet lays out the packet ip6defrag built: the 40-byte header (the extension
// headers before the fragment header left out) and the payload.
func ipv6Packet(ip *layers.IPv6) []byte {
	b := make([]byte, 40+len(ip.Payload))
	binary.BigEndian.PutUint32(b[0:], 6<<28|uint32(ip.TrafficClass)<<20|ip.FlowLabel&0xfffff)
	binary.BigEndian.PutUint16(b[4:], uint16(min(len(ip.Payload), 0xffff)))
	b[6], b[7] = byte(ip.NextHeader), ip.HopLimit
	copy(b[8:24], ip.SrcIP.To16())
	copy(b[24:40], ip.DstIP.To16())
	copy(b[40:], ip.Payload)
	return b
}
