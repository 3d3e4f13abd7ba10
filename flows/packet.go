package flows

import (
	"time"

	"github.com/gopacket/gopacket/layers"
)

// Packet is one captured frame as read from a file, before decoding.
// Data aliases the reader's buffer and is valid only until the next read.
type Packet struct {
	Data       []byte
	Time       time.Time
	CaptureLen int // bytes captured (len(Data))
	WireLen    int // bytes on the wire
	LinkType   layers.LinkType
	File       int // index of the input, in command-line order
	Frame      int // 1-based frame number within that input
	// Iface is the capture interface plus one, when the file tells packets of several
	// interfaces apart (a pcapng with two or more); 0 when not known.
	Iface uint32
}

// PacketSource yields packets in order. Next returns io.EOF after the last packet.
type PacketSource interface {
	Next() (*Packet, error)
}
