package flows

import (
	"encoding/binary"
	"time"
)

// DefaultDedupeWindow is how close in time two identical segments must be for the
// second to count as the same packet captured twice. The two copies of "-i any" on a
// bridge and its port, or on both ends of a veth pair, are microseconds apart; a real
// retransmission comes after at least the 200 ms minimum RTO (and carries a new IP ID
// and, with TCP timestamps, a new checksum). The window stays well under a millisecond:
// hand-made captures repeat a segment with the same IP ID 1 ms later to mean a
// retransmission, and they should keep meaning it.
const DefaultDedupeWindow = 800 * time.Microsecond

// dedupeSlots is the number of recent segments remembered (a power of two).
const dedupeSlots = 4096

// dedupeKey is what must be identical for two segments to be one packet: the tuple,
// sequence and acknowledgment numbers, flags, payload length, IPv4 identification, TCP
// checksum and TCP timestamp (for an ICMP error: its type and code and the quoted
// segment's fields). The timestamp matters because a capture on the sending host with
// checksum offload holds only the pseudo-header's sum, the same for every segment of a
// length, and IPv6 has no identification: a quick retransmission (a tail loss probe
// can come 10 ms after the original) differs from the original by its TSval alone.
//
// It holds no pointer (netip's addresses carry a zone handle), so that writing a slot,
// once per packet, costs no write barrier and the collector never scans the table.
type dedupeKey struct {
	src, dst [16]byte
	ports    uint32 // source port << 16 | destination port
	seq, ack uint32
	plen     int32
	flags    uint16
	ipid     uint16
	sum      uint16
	icmp     uint16 // kind, type and code of an ICMP error; 0 for TCP
	tsval    uint32
	used     bool // always true in a key: an unused slot matches none
}

type dedupeSlot struct {
	key   dedupeKey
	iface uint32 // Segment.Iface (in the key's padding)
	h     uint64 // key's hash: most slots hold another segment, told apart by it at once
	t     int64  // capture time, Unix nanoseconds
	n     uint64 // position in the input (Keep's count)
}

// peerSlot is what one direction of a tuple last sent, for Keep to tell an answer from
// a copy: its latest acknowledgment number, and where it last sent sequence space.
type peerSlot struct {
	src, dst [16]byte
	ports    uint32 // source port << 16 | destination port
	ack      uint32
	nAck     uint64 // input position of the segment that carried ack; 0: none
	nSeq     uint64 // input position of the last segment with a SYN, data or a FIN; 0: none
	// asked holds the input positions of the last segments with a SYN, data or a FIN
	// (asked[asks%len] the next to go), and askedEnd where the sequence space of each
	// ended; resets counts the bare RSTs (see bareRST) kept since nOther, the position
	// of the last other segment. With them Keep tells a kernel's identical RSTs, one for
	// each segment that reached a closed socket, from one RST captured twice.
	asked    [4]uint64
	askedEnd [4]uint32
	asks     uint32
	resets   uint32
	nOther   uint64
}

// Dedupe drops segments captured twice: "tcpdump -i any" sees a packet on a bridge and
// on its port, or leaving one end of a veth pair and arriving at the other when both
// ends are in the namespace captured. Without it every segment of such a capture looks
// retransmitted and every ACK duplicated.
//
// It sits between the Decoder and the Table: pass every segment to Keep, in capture
// order, and add only those it keeps. It remembers the last dedupeSlots segments in a
// fixed table (one slot per hash, the newest wins), so its memory is bounded and Keep
// allocates nothing; a copy whose original was pushed out of its slot by an unrelated
// segment in between is kept (rare: the copies are adjacent in practice).
//
// Nor is a segment a copy when the peer, in between, acknowledged the first or sent
// something that asks for an answer (a SYN, data, a FIN): both copies of one packet are
// captured before the peer can have it, and an answer can repeat an earlier segment
// byte for byte. Linux answers a retransmitted SYN with a SYN-ACK identical to the one
// its own timer sent a moment before (IP ID 0, the same TSval within the millisecond);
// a socket-less kernel answers each segment of a burst with the same RST (see askedSince
// for a burst sent whole before the first RST came back).
type Dedupe struct {
	// Window is how far apart in capture time the copies may be.
	Window time.Duration
	// Dropped counts the copies dropped; FirstFile and FirstFrame say where the first
	// one was (for a warning that names the file and frame).
	Dropped               int
	FirstFile, FirstFrame int
	slots                 []dedupeSlot
	peers                 []peerSlot // by the hash of a direction's tuple
	n                     uint64     // segments seen
}

// NewDedupe makes a filter with the given window (DefaultDedupeWindow when <= 0).
func NewDedupe(window time.Duration) *Dedupe {
	if window <= 0 {
		window = DefaultDedupeWindow
	}
	return &Dedupe{Window: window, slots: make([]dedupeSlot, dedupeSlots), peers: make([]peerSlot, dedupeSlots)}
}

// Keep reports whether seg is to be passed on: false when it is a copy of a segment
// seen within the window.
func (d *Dedupe) Keep(seg *Segment) bool {
	k := dedupeKey{src: seg.Src.Addr().As16(), dst: seg.Dst.Addr().As16(),
		ports: uint32(seg.Src.Port())<<16 | uint32(seg.Dst.Port()), seq: seg.Seq, ack: seg.Ack,
		plen: int32(seg.PayloadLen), flags: seg.Flags, ipid: seg.IPID, sum: seg.Checksum,
		tsval: seg.TSval, used: true}
	if seg.Kind == KindICMPError {
		k.icmp = 1<<15 | uint16(seg.ICMPType)<<8 | uint16(seg.ICMPCode)
		if seg.ICMPv6 {
			k.icmp |= 1 << 14
		}
	}
	h := k.hash()
	slot := &d.slots[h&(dedupeSlots-1)]
	t := seg.Time.UnixNano()
	d.n++
	if slot.h == h && slot.key == k {
		dt := t - slot.t
		if dt < 0 {
			dt = -dt
		}
		// Copies come from two interfaces: two identical segments captured on the same
		// one (where the capture names it) are two packets, a socket-less kernel's
		// answers to two segments, say.
		sameIface := seg.Iface != 0 && seg.Iface == slot.iface
		if dt <= int64(d.Window) && !sameIface && !d.peerSpokeSince(&k, seg.SeqLen(), slot.n) {
			if d.Dropped == 0 {
				d.FirstFile, d.FirstFrame = seg.File, seg.Frame
			}
			d.Dropped++
			return false
		}
	}
	*slot = dedupeSlot{key: k, iface: seg.Iface, h: h, t: t, n: d.n}
	if seg.Kind == KindTCP {
		p := &d.peers[dirHash(&k.src, &k.dst, k.ports)&(dedupeSlots-1)]
		if p.src != k.src || p.dst != k.dst || p.ports != k.ports {
			*p = peerSlot{src: k.src, dst: k.dst, ports: k.ports}
		}
		if seg.Flags&FlagACK != 0 {
			p.ack, p.nAck = seg.Ack, d.n
		}
		if seg.SeqLen() > 0 {
			p.nSeq = d.n
			i := p.asks % uint32(len(p.asked))
			p.asked[i], p.askedEnd[i] = d.n, seg.Seq+seg.SeqLen()
			p.asks++
		}
		if bareRST(seg.Flags, int32(seg.PayloadLen)) {
			p.resets++
		} else {
			p.resets, p.nOther = 0, d.n
		}
	}
	return true
}

// peerSpokeSince reports whether, after input position n, the peer of segment k
// (occupying seqLen of sequence space) acknowledged all of it or sent a SYN, data or a
// FIN, or, for a bare RST, whether the peer sent more such segments since k's sender
// last sent anything else than it has sent bare RSTs. A segment that occupies no
// sequence space is never acknowledged.
func (d *Dedupe) peerSpokeSince(k *dedupeKey, seqLen uint32, n uint64) bool {
	if k.icmp != 0 {
		return false
	}
	rev := k.ports<<16 | k.ports>>16
	p := &d.peers[dirHash(&k.dst, &k.src, rev)&(dedupeSlots-1)]
	if p.src != k.dst || p.dst != k.src || p.ports != rev {
		return false // not remembered (another tuple took the slot)
	}
	if p.nSeq > n || seqLen > 0 && p.nAck > n && !seqAfter(k.seq+seqLen, p.ack) {
		return true
	}
	if !bareRST(k.flags, k.plen) {
		return false
	}
	own := &d.peers[dirHash(&k.src, &k.dst, k.ports)&(dedupeSlots-1)]
	if own.src != k.src || own.dst != k.dst || own.ports != k.ports {
		return false
	}
	return p.askedSince(own.nOther, own.ack, own.nAck > 0) > own.resets
}

// bareRST says a segment is what a kernel with no socket for a segment sends back: an
// RST alone (no ACK, SYN or FIN flag) and no payload.
func bareRST(flags uint16, plen int32) bool {
	return flags&(FlagRST|FlagACK|FlagSYN|FlagFIN) == FlagRST && plen == 0
}

// askedSince is how many segments with a SYN, data or a FIN this direction sent (up to
// len(asked)) that the other may have answered since its input position n: those sent
// after it, and those before it that hold sequence space beyond ack, the other's latest
// acknowledgment (when haveAck), so that were on the way to it when it sent that.
// k above is a bare RST: a kernel with no socket for a segment answers it with an RST
// taking its sequence number from the segment's ACK (RFC 9293 3.10.7.1), so a burst
// that reaches a closed socket (a request and its FIN, say) draws as many identical
// RSTs, one per segment. (It answers a bare ACK too; those are not counted, so that a
// mirror port's copy of an RST, with ACKs around it, is still told for one.) Over a
// longer round trip the peer sends the whole burst before the first RST comes back,
// and nothing from it lies between the RSTs; and a burst sent as the other's last
// packet was on its way crosses it. The RSTs are copies only when they outnumber the
// segments they may answer.
func (p *peerSlot) askedSince(n uint64, ack uint32, haveAck bool) uint32 {
	var c uint32
	for i, at := range p.asked {
		switch {
		case at == 0:
		case at > n:
			c++
		case haveAck && seqAfter(p.askedEnd[i], ack):
			c++
		}
	}
	return c
}

// dirHash hashes one direction of a tuple.
func dirHash(src, dst *[16]byte, ports uint32) uint64 {
	const m = 0x9e3779b97f4a7c15
	h := uint64(ports) * m
	for _, b := range [2]*[16]byte{src, dst} {
		h ^= binary.LittleEndian.Uint64(b[:8])
		h *= m
		h ^= binary.LittleEndian.Uint64(b[8:])
		h *= m
		h ^= h >> 29
	}
	return h
}

// hash mixes the key's fields (a multiply-xorshift over 64-bit words).
func (k *dedupeKey) hash() uint64 {
	const m = 0x9e3779b97f4a7c15
	h := uint64(k.seq)<<32 | uint64(k.ack)
	mix := func(v uint64) {
		h ^= v
		h *= m
		h ^= h >> 29
	}
	mix(uint64(k.plen)<<32 | uint64(k.flags)<<16 | uint64(k.ipid))
	mix(uint64(k.tsval))
	mix(uint64(k.sum)<<48 | uint64(k.icmp)<<32 | uint64(k.ports))
	for _, b := range [2]*[16]byte{&k.src, &k.dst} {
		mix(binary.LittleEndian.Uint64(b[:8]))
		mix(binary.LittleEndian.Uint64(b[8:]))
	}
	return h
}
