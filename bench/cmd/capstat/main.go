// capstat describes a benchmark capture for bench/RESULTS.md: packets, TCP connections
// (distinct client SYNs, by 5-tuple and ISN, so a reused port counts again), distinct
// 5-tuples (both directions as one), and how the connections ended, roughly. It is not
// part of what is measured.
//
//	go run ./bench/cmd/capstat FILE
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

type tuple struct {
	a, b   [16]byte
	pa, pb uint16
}

type conn struct {
	t   tuple
	isn uint32
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: capstat FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	r, err := pcapgo.NewReader(br)
	if err != nil {
		fmt.Fprintln(os.Stderr, "capstat reads pcap (as tcpdump -w writes):", err)
		os.Exit(1)
	}

	var eth layers.Ethernet
	var ip4 layers.IPv4
	var ip6 layers.IPv6
	var tcp layers.TCP
	var lb layers.Loopback
	var sll layers.LinuxSLL
	var first gopacket.LayerType
	switch r.LinkType() {
	case layers.LinkTypeEthernet:
		first = layers.LayerTypeEthernet
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		first = layers.LayerTypeLoopback
	case layers.LinkTypeLinuxSLL:
		first = layers.LayerTypeLinuxSLL
	case layers.LinkTypeRaw, layers.LinkTypeIPv4:
		first = layers.LayerTypeIPv4
	case layers.LinkTypeIPv6:
		first = layers.LayerTypeIPv6
	default:
		fmt.Fprintln(os.Stderr, "capstat: unsupported link type", r.LinkType())
		os.Exit(1)
	}
	p := gopacket.NewDecodingLayerParser(first, &eth, &lb, &sll, &ip4, &ip6, &tcp)
	p.IgnoreUnsupported = true
	decoded := make([]gopacket.LayerType, 0, 8)

	tuples := map[tuple]struct{}{}
	conns := map[conn]struct{}{}
	var packets, tcpPackets, syns, synacks, rsts, fins, payload int64
	var firstTS, lastTS int64
	for {
		data, ci, err := r.ZeroCopyReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "after %d packets: %v\n", packets, err)
			break
		}
		packets++
		if firstTS == 0 {
			firstTS = ci.Timestamp.UnixNano()
		}
		lastTS = ci.Timestamp.UnixNano()
		_ = p.DecodeLayers(data, &decoded)
		var src, dst [16]byte
		isTCP := false
		for _, lt := range decoded {
			switch lt {
			case layers.LayerTypeIPv4:
				copy(src[:], ip4.SrcIP.To16())
				copy(dst[:], ip4.DstIP.To16())
			case layers.LayerTypeIPv6:
				copy(src[:], ip6.SrcIP)
				copy(dst[:], ip6.DstIP)
			case layers.LayerTypeTCP:
				isTCP = true
			}
		}
		if !isTCP {
			continue
		}
		tcpPackets++
		payload += int64(len(tcp.Payload))
		t := tuple{src, dst, uint16(tcp.SrcPort), uint16(tcp.DstPort)}
		if string(src[:]) > string(dst[:]) || (src == dst && t.pa > t.pb) {
			t = tuple{dst, src, uint16(tcp.DstPort), uint16(tcp.SrcPort)}
		}
		tuples[t] = struct{}{}
		switch {
		case tcp.SYN && !tcp.ACK:
			syns++
			conns[conn{t, tcp.Seq}] = struct{}{}
		case tcp.SYN && tcp.ACK:
			synacks++
		}
		if tcp.RST {
			rsts++
		}
		if tcp.FIN {
			fins++
		}
	}
	fmt.Printf("packets=%d tcp_packets=%d seconds=%.1f\n", packets, tcpPackets, float64(lastTS-firstTS)/1e9)
	fmt.Printf("connections=%d (distinct client SYNs by 5-tuple and ISN) distinct_5tuples=%d connections_per_5tuple=%.1f\n",
		len(conns), len(tuples), float64(len(conns))/float64(max(1, len(tuples))))
	fmt.Printf("syn=%d synack=%d fin=%d rst=%d tcp_payload_bytes=%d\n", syns, synacks, fins, rsts, payload)
}
