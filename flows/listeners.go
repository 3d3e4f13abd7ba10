package flows

import (
	"net/netip"
	"sync"
)

// maxListeners bounds the endpoints Listeners remembers: a capture of a port scan
// answered on every port names 65,536 per host, and ordinary services a few hundred.
// Past it new ones are not remembered, and flows that would have needed them keep the
// roles their first packet gave.
const maxListeners = 1 << 16

// Listeners remembers the endpoints seen accepting a connection, each with the input
// position of the first SYN-ACK it sent: for naming the client of a flow the capture
// holds no handshake of, begun before the capture started, whose ports do not tell
// (both ephemeral, as a service on 36000 or 50051; a client on a reserved port, as NFS
// clients bind). A SYN-ACK is a listening socket's answer (RFC 9293 3.5): the endpoint
// that sent one is that connection's server, and so of every other connection it
// holds on the same address and port, a listening socket's address and port being no
// connecting socket's.
//
// The reader notes the SYN-ACKs in input order (Note), and whoever judges a flow asks
// about what came before the input position the flow was handed over at (Before):
// whatever the workers' pace, the answer is the same, so the output is the same with
// any number of workers.
type Listeners struct {
	last netip.AddrPort // the reader's: the sender of the last SYN-ACK it noted

	// at is each listener's first SYN-ACK's input position. Only the reader writes it,
	// under mu; it reads it without (a read beside another read), the judge under mu.
	mu sync.Mutex
	at map[netip.AddrPort]int64
}

// NewListeners makes an empty set.
func NewListeners() *Listeners { return &Listeners{at: make(map[netip.AddrPort]int64)} }

// Note remembers seg's sender as a listener if seg is a SYN-ACK, at input position pos.
// Call it for every segment kept, in input order, from one goroutine.
func (l *Listeners) Note(seg *Segment, pos int64) {
	if seg.Kind != KindTCP || seg.Flags&(FlagSYN|FlagACK|FlagRST) != FlagSYN|FlagACK || seg.Src == l.last {
		return
	}
	l.last = seg.Src
	if _, ok := l.at[seg.Src]; ok || len(l.at) >= maxListeners {
		return
	}
	l.mu.Lock()
	l.at[seg.Src] = pos
	l.mu.Unlock()
}

// Before reports whether ep sent a SYN-ACK before input position pos. Once Note has
// been called for every position below pos, the answer no longer changes.
func (l *Listeners) Before(ep netip.AddrPort, pos int64) bool {
	l.mu.Lock()
	at, ok := l.at[ep]
	l.mu.Unlock()
	return ok && at < pos
}

// RolesFromListeners names the client of a flow begun mid-connection with no SYN of
// either side's from the listeners noted before input position pos: the side that
// sent a SYN-ACK on another connection is the server when the other side sent none.
// It says whether the flow's roles are the other way round (the caller swaps them,
// SwapRoles); either way, where the listeners decided, ClientInferredBy says so. A flow
// with a SYN or a SYN-ACK of its own, or no listener or two, keeps the roles it has.
func (f *Flow) RolesFromListeners(l *Listeners, pos int64) (swap bool) {
	if !f.Midstream || f.Sides[FromClient].SYNs > 0 || f.Sides[FromServer].SYNs > 0 {
		return false
	}
	server, client := l.Before(f.Server, pos), l.Before(f.Client, pos)
	if server == client {
		return false
	}
	f.rolesByListener = true
	return client
}

// SwapRoles makes the flow's client its server and its server its client, with
// everything it holds by side: what the table recorded of each side does not depend on
// which was called the client on a flow with no SYN of either side's. Only for a flow
// the table has handed over.
func (f *Flow) SwapRoles() {
	f.Client, f.Server = f.Server, f.Client
	f.Sides[0], f.Sides[1] = f.Sides[1], f.Sides[0]
	f.firstFromA = !f.firstFromA
	if !f.RST.Packet.IsZero() {
		f.RST.From = f.RST.From.Other()
		if !f.RST.Prev.IsZero() {
			f.RST.PrevFrom = f.RST.PrevFrom.Other()
		}
		f.RST.BeforeFIN[0], f.RST.BeforeFIN[1] = f.RST.BeforeFIN[1], f.RST.BeforeFIN[0]
	}
	f.spuriousLate[0], f.spuriousLate[1] = f.spuriousLate[1], f.spuriousLate[0]
	f.lastFrom = f.lastFrom.Other()
	f.lastStep.From = f.lastStep.From.Other()
	f.Ladder.swapSides()
}
