package flows

import (
	"bytes"
	"io"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// FuzzDecode decodes arbitrary bytes as a frame of a link type: the decoder never
// panics (its own recover is not counted: a recovered panic is a finding), counts every
// packet exactly once, and a segment it returns is consistent with the frame.
func FuzzDecode(f *testing.F) {
	// Seeds: the first packets of every capture, with their link type; the wire length
	// is given as the bytes beyond the captured ones (snaplen cuts).
	perFile := 12
	for _, name := range fuzzSeedFiles(f) {
		src, err := OpenReader(filepath.Base(name), bytes.NewReader(fuzzSeed(f, name)), 0)
		if err != nil {
			continue
		}
		for i := 0; i < perFile; i++ {
			p, err := src.Next()
			if err == io.EOF {
				break
			}
			f.Add(uint16(p.LinkType), uint16(min(p.WireLen-p.CaptureLen, 0xffff)), append([]byte(nil), p.Data...))
		}
	}
	for _, lt := range []layers.LinkType{0, 1, 12, 14, 101, 108, 113, 228, 229, 239, 276, 127} {
		f.Add(uint16(lt), uint16(0), []byte{})
		f.Add(uint16(lt), uint16(40), []byte{0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6})
	}
	dec := NewDecoder()
	f.Fuzz(func(t *testing.T, lt uint16, beyond uint16, data []byte) {
		p := &Packet{Data: data, CaptureLen: len(data), WireLen: len(data) + int(beyond),
			LinkType: layers.LinkType(lt), File: 2, Frame: 7}
		before := dec.Stats()
		var seg Segment
		ok := decodeNoRecover(t, dec, p, &seg)
		after := dec.Stats()
		if after.Total() != before.Total()+1 {
			t.Fatalf("stats count %d packets after %d: one decode must count once (%+v)", after.Total(), before.Total(), after)
		}
		if ok != (after.TCP+after.ICMPErrors == before.TCP+before.ICMPErrors+1) {
			t.Fatalf("Decode returned %v but stats %+v -> %+v", ok, before, after)
		}
		if !ok {
			return
		}
		if seg.File != 2 || seg.Frame != 7 {
			t.Fatalf("segment file %d frame %d", seg.File, seg.Frame)
		}
		if seg.Kind != KindTCP && seg.Kind != KindICMPError {
			t.Fatalf("kind %d", seg.Kind)
		}
		if !seg.Src.IsValid() || !seg.Dst.IsValid() {
			t.Fatalf("addresses %v %v", seg.Src, seg.Dst)
		}
		if seg.Src.Addr().Is4() != seg.Dst.Addr().Is4() {
			t.Fatalf("mixed families %v %v", seg.Src, seg.Dst)
		}
		if seg.PayloadLen < 0 || len(seg.Payload) > seg.PayloadLen {
			t.Fatalf("payload %d captured of %d", len(seg.Payload), seg.PayloadLen)
		}
		// NFLOG's wire length is the log record's: the IP packet inside may have been cut
		// by the copy range, so only its IP header says how long it was (decode.go). A
		// datagram reassembled from fragments (defrag.go) holds more than its last
		// fragment, in a buffer of its own.
		whole := after.Reassembled > before.Reassembled
		if seg.PayloadLen > p.WireLen && p.LinkType != linkTypeNFLOG && !whole {
			t.Fatalf("payload length %d beyond the frame's wire length %d", seg.PayloadLen, p.WireLen)
		}
		if len(seg.Payload) > 0 && !within(seg.Payload, data) && !whole {
			t.Fatal("payload does not alias the frame's data")
		}
		if seg.WScale < -1 || seg.WScale > 14 {
			t.Fatalf("window scale %d", seg.WScale)
		}
		if seg.Kind == KindICMPError && seg.PayloadLen != 0 {
			t.Fatalf("ICMP error with payload %d", seg.PayloadLen)
		}
	})
}

// within reports whether b is a subslice of buf.
func within(b, buf []byte) bool {
	if cap(buf) == 0 || len(b) == 0 {
		return len(b) == 0
	}
	off := cap(buf) - cap(b)
	return off >= 0 && off+len(b) <= len(buf) && &buf[:off+1][off] == &b[0]
}

// decodeNoRecover runs Decode with its recover switched off: the recover is a safety
// net for users, a panic under it is a bug to fix.
func decodeNoRecover(t *testing.T, dec *Decoder, p *Packet, seg *Segment) bool {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Decode panicked: %v", r)
		}
	}()
	decodeRecover = false
	defer func() { decodeRecover = true }()
	return dec.Decode(p, seg)
}
