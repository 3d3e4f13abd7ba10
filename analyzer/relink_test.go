package analyzer

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/tcpmortem/tcpmortem/flows"
)

// TestVerdictsSameOverEveryLink re-encapsulates every capture of testdata/tcp,
// testdata/scenarios and testdata/app (Ethernet, made by the kernel) in the link types
// and file formats people bring, and requires the same analysis from each: flows,
// verdicts, facts, frame numbers, findings, timeline and summary.
//
// Only the link header and the file around the IP packets change; the IP packets stay
// byte for byte what the kernel sent, and these captures hold no frame that is not IP
// (ARP, IPv6 housekeeping: the scripts keep them out), so every frame keeps its number.
// A verdict that moved with the link layer would be a decoding bug: what a connection
// did is in its TCP segments alone. testdata/link holds real captures of each link
// type, with their expected verdicts; this checks the other way round, that each of
// the many situations of the other directories reads alike over every link.
func TestVerdictsSameOverEveryLink(t *testing.T) {
	var files []string
	for _, dir := range []string{"tcp", "scenarios", "app"} {
		m, err := filepath.Glob(filepath.Join("..", "testdata", dir, "*.pcap"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 30 {
		t.Fatalf("found only %d captures in testdata/tcp, scenarios and app (37 when this test was written)", len(files))
	}
	for _, path := range files {
		orig, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		pkts := ethernetPackets(t, path, orig)
		want := relinkAnalysis(t, path, orig)
		for _, v := range relinkVariants {
			data := v.make(t, pkts, orig)
			if got := relinkAnalysis(t, path, data); got != want {
				t.Errorf("%s as %s: the analysis differs from the original's\n original: %.600s\n %s: %.600s",
					path, v.name, want, v.name, got)
			}
		}
	}
}

// relinkPacket is a frame of an Ethernet capture: its capture info and bytes.
type relinkPacket struct {
	ci   gopacket.CaptureInfo
	data []byte
}

func ethernetPackets(t *testing.T, path string, data []byte) []relinkPacket {
	t.Helper()
	r, err := pcapgo.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	// A capture on a tun device (a slow link, see tm_pair) is raw IP: an Ethernet header
	// in front makes it the frames the variants are made from.
	raw := r.LinkType() == layers.LinkTypeRaw
	if !raw && r.LinkType() != layers.LinkTypeEthernet {
		t.Fatalf("%s: link type %v, the variants are made from Ethernet or raw IP", path, r.LinkType())
	}
	var pkts []relinkPacket
	for {
		d, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return pkts
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if raw {
			d, ci = withEthernet(t, path, d, ci)
		}
		if len(d) < 14 {
			t.Fatalf("%s: a frame of %d bytes", path, len(d))
		}
		pkts = append(pkts, relinkPacket{ci, d})
	}
}

// withEthernet puts an Ethernet header (no addresses, the IP version's EtherType) in
// front of a raw IP packet.
func withEthernet(t *testing.T, path string, ip []byte, ci gopacket.CaptureInfo) ([]byte, gopacket.CaptureInfo) {
	t.Helper()
	if len(ip) == 0 {
		t.Fatalf("%s: an empty raw IP frame", path)
	}
	eth := make([]byte, 14, 14+len(ip))
	binary.BigEndian.PutUint16(eth[12:], uint16(layers.EthernetTypeIPv4))
	if ip[0]>>4 == 6 {
		binary.BigEndian.PutUint16(eth[12:], uint16(layers.EthernetTypeIPv6))
	}
	ci.CaptureLength += 14
	ci.Length += 14
	return append(eth, ip...), ci
}

// relinkAnalysis analyses a capture held in memory and returns the result as JSON,
// without its inputs (their format and link types are what differ). The name is the
// original's, so that the flows name the same file.
func relinkAnalysis(t *testing.T, name string, data []byte) string {
	t.Helper()
	src, err := flows.OpenReader(name, bytes.NewReader(data), 0)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	res, err := Analyze([]*flows.FileSource{src}, Options{Config: DefaultConfig()})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	res.Inputs = nil
	// What the tunnel variants add (the counts and each flow's tunnel): their packets are
	// the same.
	res.Summary.Tunnelled = nil
	for i := range res.Flows {
		res.Flows[i].Tunnel = ""
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// relinkVariant makes a capture of the same IP packets in another form.
type relinkVariant struct {
	name string
	make func(t *testing.T, pkts []relinkPacket, orig []byte) []byte
}

var relinkVariants = []relinkVariant{
	// tcpdump -i any: Linux cooked v1 (-y LINUX_SLL) and v2, as received (type 0) from
	// an Ethernet device (ARPHRD 1).
	{"LINUX_SLL(113)", rewrap(layers.LinkTypeLinuxSLL, false, func(eth []byte) []byte {
		h := make([]byte, 16)
		binary.BigEndian.PutUint16(h[2:], 1) // ARPHRD_ETHER
		binary.BigEndian.PutUint16(h[4:], 6)
		copy(h[6:], eth[6:12])
		copy(h[14:], eth[12:14])
		return h
	})},
	{"LINUX_SLL2(276)", rewrap(layers.LinkType(276), false, func(eth []byte) []byte {
		h := make([]byte, 20)
		copy(h[0:], eth[12:14])
		// Interface index 0, which Linux gives no interface: the Ethernet original
		// names none either, so the two tell copies from packets alike (with an index,
		// identical segments on one interface are two packets: see Dedupe).
		binary.BigEndian.PutUint32(h[4:], 0)
		binary.BigEndian.PutUint16(h[8:], 1) // ARPHRD_ETHER
		h[11] = 6
		copy(h[12:], eth[6:12])
		return h
	})},
	// Raw IP: the packet alone.
	{"RAW(101)", rewrap(layers.LinkTypeRaw, false, func([]byte) []byte { return nil })},
	// BSD loopback (macOS lo0): the address family in the writer's byte order (pcapgo
	// writes little-endian), AF_INET6 as macOS numbers it.
	{"NULL(0)", rewrap(layers.LinkTypeNull, false, func(eth []byte) []byte {
		af := uint32(2)
		if binary.BigEndian.Uint16(eth[12:]) == uint16(layers.EthernetTypeIPv6) {
			af = 30
		}
		return binary.LittleEndian.AppendUint32(nil, af)
	})},
	// An 802.1Q tag (VLAN 42) between the addresses and the EtherType.
	{"Ethernet with a VLAN tag", rewrap(layers.LinkTypeEthernet, false, func(eth []byte) []byte {
		return append(append(append([]byte(nil), eth[:12]...), 0x81, 0x00, 0x00, 42), eth[12:14]...)
	})},
	// The same frames in a nanosecond pcap, and in pcapng as Wireshark saves it.
	{"nanosecond pcap", rewrap(layers.LinkTypeEthernet, true, func(eth []byte) []byte { return eth[:14] })},
	{"pcapng", func(t *testing.T, pkts []relinkPacket, _ []byte) []byte {
		var b bytes.Buffer
		w, err := pcapgo.NewNgWriter(&b, layers.LinkTypeEthernet)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkts {
			if err := w.WritePacket(p.ci, p.data); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}},
	// Inside a tunnel, as captured on a host's interface under an overlay network: the
	// whole Ethernet frame in VXLAN on Linux's port over IPv4, and the IP packet in GRE
	// over IPv6.
	{"VXLAN (UDP 8472) over IPv4", encap(func(inner []byte, wire int) ([]byte, int) {
		h := make([]byte, 14+20+8+8, 14+20+8+8+len(inner))
		binary.BigEndian.PutUint16(h[12:], uint16(layers.EthernetTypeIPv4))
		ip := h[14:]
		ip[0], ip[8], ip[9] = 0x45, 64, byte(layers.IPProtocolUDP)
		binary.BigEndian.PutUint16(ip[2:], uint16(20+8+8+wire))
		copy(ip[12:], []byte{192, 0, 2, 1, 192, 0, 2, 2})
		udp := ip[20:]
		binary.BigEndian.PutUint16(udp[0:], 40000)
		binary.BigEndian.PutUint16(udp[2:], 8472)
		binary.BigEndian.PutUint16(udp[4:], uint16(8+8+wire))
		udp[8], udp[14] = 0x08, 42 // VXLAN: the I flag, VNI 42
		return append(h, inner...), len(h)
	})},
	{"GRE over IPv6", encap(func(inner []byte, wire int) ([]byte, int) {
		h := make([]byte, 14+40+4, 14+40+4+len(inner))
		binary.BigEndian.PutUint16(h[12:], uint16(layers.EthernetTypeIPv6))
		ip := h[14:]
		ip[0], ip[6], ip[7] = 0x60, byte(layers.IPProtocolGRE), 64
		binary.BigEndian.PutUint16(ip[4:], uint16(4+wire-14))
		ip[8], ip[23], ip[24], ip[39] = 0x20, 1, 0x20, 2 // 2000::1 -> 2000::2
		copy(ip[40+2:], inner[12:14])                    // GRE: no flags, the inner EtherType
		return append(h, inner[14:]...), len(h) - 14
	})},
	// The original file, gzip'd (detected by its magic).
	{"gzip", func(t *testing.T, _ []relinkPacket, orig []byte) []byte {
		var b bytes.Buffer
		z := gzip.NewWriter(&b)
		z.Write(orig)
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}},
}

// rewrap makes a variant that writes each frame's IP packet behind the link header
// head makes from the Ethernet header, as a pcap of the given link type (with
// nanosecond timestamps when nanos).
func rewrap(lt layers.LinkType, nanos bool, head func(eth []byte) []byte) func(*testing.T, []relinkPacket, []byte) []byte {
	return func(t *testing.T, pkts []relinkPacket, _ []byte) []byte {
		var b bytes.Buffer
		w := pcapgo.NewWriter(&b)
		if nanos {
			w = pcapgo.NewWriterNanos(&b)
		}
		if err := w.WriteFileHeader(262144, lt); err != nil {
			t.Fatal(err)
		}
		for _, p := range pkts {
			frame := append(head(p.data), p.data[14:]...)
			ci := p.ci
			ci.CaptureLength = len(frame)
			ci.Length = p.ci.Length - len(p.data) + len(frame)
			if err := w.WritePacket(ci, frame); err != nil {
				t.Fatal(err)
			}
		}
		return b.Bytes()
	}
}

// encap makes a variant that puts each Ethernet frame (or its IP packet) in a tunnel:
// wrap returns the frame to write for the captured frame inner, whose wire length is
// wire, and how many bytes it adds on the wire.
func encap(wrap func(inner []byte, wire int) ([]byte, int)) func(*testing.T, []relinkPacket, []byte) []byte {
	return func(t *testing.T, pkts []relinkPacket, _ []byte) []byte {
		var b bytes.Buffer
		w := pcapgo.NewWriter(&b)
		if err := w.WriteFileHeader(262144, layers.LinkTypeEthernet); err != nil {
			t.Fatal(err)
		}
		for _, p := range pkts {
			frame, added := wrap(p.data, p.ci.Length)
			ci := p.ci
			ci.CaptureLength = len(frame)
			ci.Length = p.ci.Length + added
			if err := w.WritePacket(ci, frame); err != nil {
				t.Fatal(err)
			}
		}
		return b.Bytes()
	}
}
