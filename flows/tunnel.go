package flows

import (
	"encoding/binary"
	"errors"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Tunnels. A capture taken on a host's physical interface under an overlay network
// (Kubernetes with flannel, Cilium or Calico in VXLAN mode, OVN with Geneve, GRE or
// IP-in-IP between sites, ERSPAN port mirroring) holds the connections that matter
// inside another header. The decoder goes through these, as Wireshark and Zeek do, and
// tracks the innermost TCP connection; the outer addresses are not part of the flow:
// the same connection seen inside the tunnel on one interface and bare on another
// (tcpdump -i any on the node) is one flow, its copies dropped by Dedupe.
//
// gopacket's layers do the decoding (UDP, GRE, IP in IP); the VXLAN and Geneve layers
// here add what a decoder fed any UDP on those ports needs: a header that is not one
// (the VXLAN I flag clear, a Geneve version other than 0) stops the decoding, and the
// packet counts as UDP. Geneve is read without gopacket's layer, which allocates each
// option, and ERSPAN without gopacket's, which reads type II only.

// vxlanPortLinux is the port Linux gives a VXLAN device created without dstport (and
// flannel and Cilium use): IANA's is 4789, which gopacket already knows.
const vxlanPortLinux = 8472

func init() {
	layers.RegisterUDPPortLayerType(vxlanPortLinux, layers.LayerTypeVXLAN)
}

// vxlanLayer is gopacket's VXLAN with RFC 7348's check: the I flag set.
type vxlanLayer struct{ layers.VXLAN }

func (v *vxlanLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) >= 8 && data[0]&0x08 == 0 {
		return errNotVXLAN
	}
	return v.VXLAN.DecodeFromBytes(data, df)
}

var (
	errNotVXLAN  = errors.New("not VXLAN: I flag clear")
	errNotGeneve = errors.New("not Geneve")
)

// geneveLayer reads a Geneve header (RFC 8926) and skips its options.
type geneveLayer struct {
	layers.BaseLayer
	protocol layers.EthernetType
}

func (g *geneveLayer) CanDecode() gopacket.LayerClass    { return layers.LayerTypeGeneve }
func (g *geneveLayer) LayerType() gopacket.LayerType     { return layers.LayerTypeGeneve }
func (g *geneveLayer) NextLayerType() gopacket.LayerType { return g.protocol.LayerType() }

func (g *geneveLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 8 || data[0]>>6 != 0 {
		return errNotGeneve
	}
	n := 8 + int(data[0]&0x3f)*4
	if len(data) < n {
		df.SetTruncated()
		return errNotGeneve
	}
	g.protocol = layers.EthernetType(binary.BigEndian.Uint16(data[2:4]))
	g.BaseLayer = layers.BaseLayer{Contents: data[:n], Payload: data[n:]}
	return nil
}

// VXLANLinux is Tunnelled's name for VXLAN on Linux's port, which Wireshark may need
// told about.
const VXLANLinux = "VXLAN (UDP 8472)"

// erspanLayer reads the ERSPAN header GRE's protocol 0x88be announces: type II (version
// 1, 8 bytes, as gopacket's ERSPANII) and type III (version 2: 12 bytes, 8 more when
// its O flag says a platform-specific subheader follows), which Cisco and Linux
// (erspan_ver 2) send and gopacket does not read. Both carry an Ethernet frame.
type erspanLayer struct {
	layers.BaseLayer
	next gopacket.LayerType
}

var errNotERSPAN = errors.New("not ERSPAN type II or III")

func (e *erspanLayer) CanDecode() gopacket.LayerClass    { return layers.LayerTypeERSPANII }
func (e *erspanLayer) LayerType() gopacket.LayerType     { return layers.LayerTypeERSPANII }
func (e *erspanLayer) NextLayerType() gopacket.LayerType { return e.next }

func (e *erspanLayer) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 8 {
		df.SetTruncated()
		return errNotERSPAN
	}
	n, next := 8, layers.LayerTypeEthernet
	switch data[0] >> 4 {
	case 0, 1: // type II (0: its obsolete version number)
	case 2:
		if len(data) < 12 {
			df.SetTruncated()
			return errNotERSPAN
		}
		n = 12
		if data[11]&0x01 != 0 { // O: the platform-specific subheader
			n += 8
		}
		if data[10]>>2&0x1f != 0 {
			// A frame type other than Ethernet (2: an IP packet), which Wireshark does
			// not read either.
			next = gopacket.LayerTypePayload
		}
		if len(data) < n {
			df.SetTruncated()
			return errNotERSPAN
		}
	default:
		return errNotERSPAN
	}
	e.next = next
	e.BaseLayer = layers.BaseLayer{Contents: data[:n], Payload: data[n:]}
	return nil
}

// Tunnel names the encapsulation a TCP segment was found in (Segment.Tunnel,
// Flow.Tunnel), the outermost when there are several; 0 for a bare segment.
type Tunnel uint8

const (
	tunNone Tunnel = iota
	tunVXLAN
	tunVXLANLinux
	tunGeneve
	tunGRE
	tunERSPAN
	tunIPinIP
	numTunnelKinds
)

// String is the tunnel as the report names it: "VXLAN (UDP 8472)", "GRE"... ("" for none).
func (k Tunnel) String() string {
	if k >= numTunnelKinds {
		return ""
	}
	return tunnelNames[k]
}

var tunnelNames = [numTunnelKinds]string{
	tunVXLAN:      "VXLAN (UDP 4789)",
	tunVXLANLinux: VXLANLinux,
	tunGeneve:     "Geneve (UDP 6081)",
	tunGRE:        "GRE",
	tunERSPAN:     "ERSPAN (GRE)",
	tunIPinIP:     "IP in IP",
}

// tunnelOf is the outermost encapsulation among the first n decoded layers of a packet
// whose TCP header was found (tunNone: a bare one).
func (d *Decoder) tunnelOf(n int) Tunnel {
	ip := false
	for _, t := range d.decoded[:n] {
		switch t {
		case layers.LayerTypeVXLAN:
			if d.udp.DstPort == vxlanPortLinux || d.udp.SrcPort == vxlanPortLinux {
				return tunVXLANLinux
			}
			return tunVXLAN
		case layers.LayerTypeGeneve:
			return tunGeneve
		case layers.LayerTypeERSPANII:
			return tunERSPAN
		case layers.LayerTypeGRE:
			if d.gre.Protocol == layers.EthernetTypeERSPAN {
				return tunERSPAN
			}
			return tunGRE
		case layers.LayerTypeIPv4, layers.LayerTypeIPv6:
			if ip {
				return tunIPinIP
			}
			ip = true
		}
	}
	return tunNone
}

// countTunnel counts a TCP segment the gopacket path found inside a tunnel (n: the
// layers before its TCP header). It returns true, to follow a successful decode with &&.
func (d *Decoder) countTunnel(n int) bool {
	if k := d.tunnelOf(n); k != tunNone {
		d.inTunnel(k)
	}
	return true
}

// inTunnel counts the segment just decoded as found inside tunnel k, and marks it so.
func (d *Decoder) inTunnel(k Tunnel) {
	d.tunnelled[k]++
	d.seg.Tunnel = k
}
