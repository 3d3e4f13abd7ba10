package flows

import "net/netip"

// A SYN with a new ISN on a tuple whose connection is still synchronized at the
// receiver (ESTABLISHED, or closing but not yet gone) does not end that connection there:
// the receiver answers it with a challenge ACK for the old connection, <SEQ=SND.NXT>
// <ACK=RCV.NXT> (RFC 5961 4.2; RFC 9293 3.10.7.4). The sender, in SYN-SENT, answers
// that ACK, which does not acknowledge its SYN, with an RST at the ACK's acknowledgment
// number (RFC 9293 3.10.7.3): exactly the receiver's next expected byte, so it resets
// the old connection. The sender's SYN, resent, then opens the new one. That is what a
// peer that restarted, or lost the connection without a FIN or an RST getting through,
// does when it reconnects from the same port: the old connection ends only then, half-
// open until that moment. So the table holds the replaced connection back until the
// receiver has had its chance to answer for it, and gives it those two packets.

// heldFlow is a connection replaced by a new SYN, held back for the receiver's answer.
type heldFlow struct {
	f *Flow
	// challenge is the acknowledgment number of the challenge ACK (when challenged):
	// the sequence number of the RST that answers it.
	challenge  uint32
	challenged bool
}

// holdReplaced holds f, just replaced by syn, when the SYN's receiver has state for f
// that would answer the SYN with a challenge ACK; it reports whether it did.
func (t *Table) holdReplaced(f *Flow, syn *Segment) bool {
	c, s := &f.Sides[FromClient], &f.Sides[FromServer]
	if f.closed || f.sideOf(syn.Dst).Packets == 0 || finSent(c, s) && finSent(s, c) {
		// Reset, or the receiver never spoke: no state of its to answer. Or closed
		// both ways: what is left is TIME_WAIT, which takes a new SYN beyond it
		// (RFC 6191), and whose answer to an older one is no sign of a lost peer.
		return false
	}
	t.releaseHeld(f.key) // (none: any answer to the SYN that made f released it)
	t.held[f.key] = &heldFlow{f: f}
	return true
}

// toHeld places seg in the connection held on its tuple, when it is that connection's
// part of the exchange above, and reports whether it did. Anything else on the tuple but
// the new connection's resent SYN means the receiver has moved on (it answered the new
// SYN, or the new connection goes on), and the held connection is handed over.
func (t *Table) toHeld(k tupleKey, f *Flow, seg *Segment, isSYN bool, at int64) bool {
	h, ok := t.held[k]
	if !ok {
		return false
	}
	c, s := &f.Sides[FromClient], &f.Sides[FromServer]
	switch {
	case seg.Src == f.Server && s.Packets == 0 && seg.Flags&FlagRST == 0 && seg.Flags&FlagACK != 0 &&
		!(c.HaveISN && seg.Ack == c.ISN+1):
		// Not an answer to the new SYN (it would acknowledge it): the old connection's
		// challenge ACK, or a segment of its still on the way.
		h.challenge, h.challenged = seg.Ack, true
	case seg.Src == f.Client && seg.Flags&FlagRST != 0 && (h.challenged && seg.Seq == h.challenge || seg.Seq == h.f.sideOf(seg.Src).NextSeq):
		// The new connection's side answering the challenge ACK: it ends the old one.
		// (At the old connection's next byte even when the capture lost the ACK: only
		// the ACK told a socket in SYN-SENT that number.)
		h.f.peerLost = true
	default:
		if !(isSYN && seg.Src == f.Client) {
			t.releaseHeld(k)
		}
		return false
	}
	old := h.f
	t.track(old, seg)
	old.EndAt = max(old.EndAt, at)
	if old.closed {
		t.releaseHeld(k)
	}
	return true
}

// sideOf is the side of f that a sends.
func (f *Flow) sideOf(a netip.AddrPort) *Side {
	if a == f.Client {
		return &f.Sides[FromClient]
	}
	return &f.Sides[FromServer]
}

// releaseHeld hands over the connection held on tuple k, if any.
func (t *Table) releaseHeld(k tupleKey) {
	h, ok := t.held[k]
	if !ok {
		return
	}
	delete(t.held, k)
	t.handOver(h.f)
}

// PeerLost says the flow ended by the RST its client sent from SYN-SENT, in answer to
// the challenge ACK its new SYN on the tuple drew (see above): the client had lost this
// connection without closing it, and it was half-open until then.
func (f *Flow) PeerLost() bool { return f.peerLost }
