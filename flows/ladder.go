package flows

import (
	"sort"
	"time"
)

// Note bits say what Wireshark's TCP analysis would flag on a packet.
const (
	NoteRetransmission uint16 = 1 << iota
	NoteOutOfOrder
	NoteKeepAlive
	NoteKeepAliveACK
	NoteZeroWindow
	NoteZeroWindowProbe
	NoteWindowFull
	NoteDupAck
	NoteICMP
)

// NoteString names the notes as Wireshark's expert info does, comma-separated.
func NoteString(n uint16) string {
	names := [...]string{"retransmission", "out-of-order", "keep-alive", "keep-alive ACK",
		"zero window", "zero-window probe", "window full", "dup ACK", "ICMP error"}
	s := ""
	for i, name := range names {
		if n&(1<<i) != 0 {
			if s != "" {
				s += ", "
			}
			s += name
		}
	}
	return s
}

// Step is one packet of a flow's ladder: enough to draw it as tcpdump would show it.
type Step struct {
	Index    int // 0-based position of the packet within the flow
	File     int
	Frame    int
	At       int64 // capture time, Unix nanoseconds (Time gives the time.Time)
	From     Direction
	Flags    uint16
	Seq, Ack uint32 // relative to each side's ISN
	Len      int
	Window   uint16
	Notes    uint16
	ICMPType uint8
	ICMPCode uint8
}

// Time is when the packet was captured, in UTC.
func (s Step) Time() time.Time { return time.Unix(0, s.At).UTC() }

const (
	ladderHead = 8
	ladderTail = 8
	ladderKey  = 24
)

// Ladder keeps a bounded selection of a flow's packets: the first ladderHead, the last
// ladderTail, and up to ladderKey packets that mark the flow's turning points (SYN, FIN,
// RST, ICMP, first data each way, first retransmission and keepalive, the packets that
// end a silence). Memory per flow stays constant however long the flow is. A table
// whose flows are never drawn (Table.NoLadders) only counts: the 2.5 KB of steps are
// allocated on a flow's first packet, and only when they will be read.
type Ladder struct {
	*ladderSteps
	Total int // packets in the flow
	off   bool
}

type ladderSteps struct {
	head  [ladderHead]Step
	nHead int
	key   [ladderKey]Step
	nKey  int
	tail  [ladderTail]Step
	nTail int // total pushed to tail; ring index = n % ladderTail
}

// Add records a packet; key says whether it is a turning point worth keeping.
func (l *Ladder) Add(s Step, key bool) {
	l.Total++
	if l.off {
		return
	}
	if l.ladderSteps == nil {
		l.ladderSteps = new(ladderSteps)
	}
	if l.nHead < ladderHead {
		l.head[l.nHead] = s
		l.nHead++
		return
	}
	if key && l.nKey < ladderKey {
		l.key[l.nKey] = s
		l.nKey++
		// still falls through to the tail, so the last packets are always complete
	}
	l.tail[l.nTail%ladderTail] = s
	l.nTail++
}

// Keep marks an already added packet as a turning point, so it survives in the ladder
// even after the tail moves past it.
func (l *Ladder) Keep(s Step) {
	if l.ladderSteps == nil || s.Index < l.nHead || l.nKey == ladderKey || (l.nKey > 0 && l.key[l.nKey-1].Index == s.Index) {
		return
	}
	l.key[l.nKey] = s
	l.nKey++
}

// swapSides turns every kept packet's direction round (Flow.SwapRoles).
func (l *Ladder) swapSides() {
	if l.ladderSteps == nil {
		return
	}
	for _, steps := range [][]Step{l.head[:l.nHead], l.key[:l.nKey], l.tail[:min(l.nTail, ladderTail)]} {
		for i := range steps {
			steps[i].From = steps[i].From.Other()
		}
	}
}

// Steps returns the kept packets in flow order, without duplicates.
func (l *Ladder) Steps() []Step {
	if l.ladderSteps == nil {
		return nil
	}
	out := make([]Step, 0, l.nHead+l.nKey+ladderTail)
	out = append(out, l.head[:l.nHead]...)
	out = append(out, l.key[:l.nKey]...)
	n := l.nTail
	if n > ladderTail {
		n = ladderTail
	}
	for i := l.nTail - n; i < l.nTail; i++ {
		out = append(out, l.tail[i%ladderTail])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	j := 0
	for i := range out {
		if j > 0 && out[j-1].Index == out[i].Index {
			continue
		}
		out[j] = out[i]
		j++
	}
	return out[:j]
}
