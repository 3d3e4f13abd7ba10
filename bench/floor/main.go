// floor is the benchmark's floor: the cheapest way a Go program can go through a
// capture with gopacket. pcapgo's zero-copy read of every record, no decoding at all,
// counting packets and captured bytes. Nothing that looks at the packets can be faster
// than this with the same reader, so tcpmortem's throughput is compared with it.
//
//	go run ./bench/floor FILE      (pcap or pcapng, not compressed)
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
)

type zeroCopyReader interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: floor FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	magic, err := br.Peek(4)
	if err != nil {
		fmt.Fprintln(os.Stderr, "not a capture:", err)
		os.Exit(1)
	}
	var r zeroCopyReader
	if string(magic) == "\x0a\x0d\x0d\x0a" {
		r, err = pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
	} else {
		r, err = pcapgo.NewReader(br)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "not a capture:", err)
		os.Exit(1)
	}
	var packets, bytes int64
	for {
		data, _, err := r.ZeroCopyReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "after %d packets: %v\n", packets, err)
			break
		}
		packets++
		bytes += int64(len(data))
	}
	fmt.Printf("packets=%d captured_bytes=%d\n", packets, bytes)
}
