package flows

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// publicDir is the shared corpus of public captures, relative to the package dir.
const publicDir = "../../shared/captures/public"

func publicCaptures(t testing.TB) []string {
	t.Helper()
	if _, err := os.Stat(publicDir); err != nil {
		t.Skipf("public captures not available: %v", err)
	}
	var files []string
	for _, pat := range []string{"*.pcap", "*.pcapng"} {
		m, _ := filepath.Glob(filepath.Join(publicDir, pat))
		files = append(files, m...)
	}
	sort.Strings(files)
	return files
}

// public returns the path of one public capture, skipping the test if the corpus is
// absent.
func public(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(publicDir, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("public capture not available: %v", err)
	}
	return p
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rec is a packet as read, with its data reduced to a checksum.
type rec struct {
	File, Frame      int
	Time             time.Time
	LinkType         layers.LinkType
	CaptureLen, Wire int
	Sum              uint32
}

func drain(t testing.TB, src PacketSource) []rec {
	t.Helper()
	var out []rec
	for {
		p, err := src.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if p.CaptureLen != len(p.Data) {
			t.Fatalf("frame %d: CaptureLen %d, len(Data) %d", p.Frame, p.CaptureLen, len(p.Data))
		}
		out = append(out, rec{p.File, p.Frame, p.Time, p.LinkType, p.CaptureLen, p.WireLen, crc32.ChecksumIEEE(p.Data)})
	}
}

func openBytes(t testing.TB, name string, b []byte, index int) (*FileSource, error) {
	t.Helper()
	return OpenReader(name, bytes.NewReader(b), index)
}

func mustOpen(t testing.TB, name string, index int) *FileSource {
	t.Helper()
	s, err := Open(name, index)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestSourcePublicCapturesReadAndDecodeLikeTshark reads every public capture to the end
// and decodes it. The frame and TCP counts come from tshark 4.0.17:
// `tshark -r F | wc -l` and `tshark -r F -Y tcp | wc -l` (no capture in the corpus holds
// an ICMP error quoting TCP or an IP fragment, so -Y tcp counts TCP segments only).
func TestSourcePublicCapturesReadAndDecodeLikeTshark(t *testing.T) {
	type want struct {
		frames, tsharkTCP int
		tcp               int // what we decode, when it differs from tshark (see note)
		nonTCP            map[string]int
		unsupported       map[string]int
		malformed         int
		warning           string // substring of the only warning; "" for none
		note              string
	}
	cases := map[string]want{
		"arkime-http-syn-ack.pcap":                         {frames: 13, tsharkTCP: 13},
		"arkime-mongo.pcap":                                {frames: 27, tsharkTCP: 27},
		"arkime-no-syn-ack.pcap":                           {frames: 10, tsharkTCP: 10},
		"arkime-socks5-smtp-503.pcap":                      {frames: 20, tsharkTCP: 20},
		"arkime-tcp_handshake_synthetic.pcap":              {frames: 50, tsharkTCP: 50},
		"arkime-tcpseq_synthetic.pcap":                     {frames: 39, tsharkTCP: 39},
		"arkime-wireshark-smb-on-windows10.pcap":           {frames: 125, tsharkTCP: 125},
		"gopacket-layers-linux_sll_oversized_addr.pcapng":  {frames: 209, tsharkTCP: 209, tcp: 207, malformed: 2, note: "frame 87: the TCP header says 32 bytes, only 20 are on the wire (tshark: short segment, malformed); frame 95: TCP data offset 0 (tshark: bogus header length). Five frames have an SLL address length > 8 and are decoded anyway."},
		"gopacket-pcap-test_loopback.pcap":                 {frames: 24, tsharkTCP: 24},
		"gopacket-pcapgo-be-test202.pcapng":                {frames: 11, tsharkTCP: 0, nonTCP: map[string]int{"udp": 8}, note: "frames 1, 7 and 10 are custom blocks: tshark numbers them, so do we"},
		"gopacket-pcapgo-le-test202.pcapng":                {frames: 11, tsharkTCP: 0, nonTCP: map[string]int{"udp": 8}},
		"gopacket-pcapgo-le-test901.pcapng":                {frames: 1, tsharkTCP: 0, nonTCP: map[string]int{"udp": 1}, warning: "unsupported pcapng version (after frame 1)", note: "tshark: unknown SHB version 2.0 after 1 packet"},
		"lwerdna-simple_http_sll2.pcap":                    {frames: 24, tsharkTCP: 24},
		"suricata-verify-bug-6244-tcp-rst-with-data.pcap":  {frames: 8, tsharkTCP: 8},
		"suricata-verify-bug-6733-syn-only.pcap":           {frames: 1, tsharkTCP: 1},
		"suricata-verify-tcp-split-handshake-01-4whs.pcap": {frames: 7, tsharkTCP: 7},
		"tcpdump-dsa.pcap":                                 {frames: 8, tsharkTCP: 0, unsupported: map[string]int{"linktype-284": 8}, note: "tshark 4.0 cannot read link type 284 at all"},
		"tcpdump-mptcp-tcprst.pcap":                        {frames: 2, tsharkTCP: 2},
		"tcpdump-tcp-handshake-nano.pcap":                  {frames: 3, tsharkTCP: 3},
		"tcpdump-tcp_rst_data-trunc.pcap":                  {frames: 1, tsharkTCP: 1},
		"tcpdump-tcp_rst_diag_payload.pcap":                {frames: 1, tsharkTCP: 1},
		"zeek-chksums-localhost-bad-chksum.pcap":           {frames: 10, tsharkTCP: 10},
		"zeek-echo-connections.pcap":                       {frames: 82582, tsharkTCP: 82582},
		"zeek-ftp-ftp-auth-tls.pcap":                       {frames: 84, tsharkTCP: 84},
		"zeek-ftp-ipv6.pcap":                               {frames: 136, tsharkTCP: 136},
		"zeek-http-206_example_b.pcap":                     {frames: 1556, tsharkTCP: 1556},
		"zeek-http-get-without-fins.pcap":                  {frames: 11, tsharkTCP: 11},
		"zeek-http-get.pcap":                               {frames: 14, tsharkTCP: 14},
		"zeek-ldap-gap-data-missing.pcapng":                {frames: 18, tsharkTCP: 18},
		"zeek-mixed-vlan-mpls.pcap":                        {frames: 47, tsharkTCP: 47},
		"zeek-modbus-and-non-modbus-p502.pcap":             {frames: 86, tsharkTCP: 86},
		"zeek-nflog-http.pcap":                             {frames: 13, tsharkTCP: 13},
		"zeek-nmap-vsn.pcap":                               {frames: 547, tsharkTCP: 32, nonTCP: map[string]int{"arp": 503, "udp": 12}},
		"zeek-pcapng-multi-interface.pcapng":               {frames: 6, tsharkTCP: 0, nonTCP: map[string]int{"udp": 6}},
		"zeek-pop3-pop3.pcap":                              {frames: 125, tsharkTCP: 125},
		"zeek-redis-django-cloud.pcapng":                   {frames: 474, tsharkTCP: 474},
		"zeek-ssh-ssh.client-side-half-duplex.pcap":        {frames: 838, tsharkTCP: 838},
		"zeek-ssh-ssh.pcap":                                {frames: 1797, tsharkTCP: 1795, nonTCP: map[string]int{"udp": 2}},
		"zeek-ssh-ssh.server-side-half-duplex.pcap":        {frames: 832, tsharkTCP: 832},
		"zeek-tcp-fin_retransmission.pcap":                 {frames: 5, tsharkTCP: 5},
		"zeek-tcp-http-on-irc-port-missing-syn.pcapng":     {frames: 13, tsharkTCP: 13},
		"zeek-tcp-miss_end_data.pcap":                      {frames: 9, tsharkTCP: 9},
		"zeek-tcp-missing-syn.pcap":                        {frames: 21, tsharkTCP: 21},
		"zeek-tcp-one-sided-2745.pcap":                     {frames: 6, tsharkTCP: 6},
		"zeek-tcp-qi_internet_SYNACK_curl_jsonip.pcap":     {frames: 14, tsharkTCP: 14},
		"zeek-tcp-retransmit-fast009.pcap":                 {frames: 39, tsharkTCP: 39},
		"zeek-tcp-retransmit-timeout.pcapng":               {frames: 3, tsharkTCP: 3},
		"zeek-tcp-rst-inject-rae.pcap":                     {frames: 9, tsharkTCP: 9},
		"zeek-tcp-single-rst.pcap":                         {frames: 1, tsharkTCP: 1},
		"zeek-tcp-syn-bad.pcap":                            {frames: 1, tsharkTCP: 1},
		"zeek-tcp-syn-synack.pcap":                         {frames: 2, tsharkTCP: 2},
		"zeek-tcp-syn-then-ack-then-rst.pcap":              {frames: 3, tsharkTCP: 3},
		"zeek-tcp-syn-then-rst.pcap":                       {frames: 2, tsharkTCP: 2},
		"zeek-tcp-syn-then-stuff-then-rst.pcap":            {frames: 4, tsharkTCP: 4},
		"zeek-tcp-syn.pcap":                                {frames: 1, tsharkTCP: 1},
		"zeek-tls-irc-starttls.pcap":                       {frames: 20, tsharkTCP: 20},
		"zeek-tls-pop3-starttls.pcap":                      {frames: 33, tsharkTCP: 33},
		"zeek-wikipedia.pcap":                              {frames: 136, tsharkTCP: 78, nonTCP: map[string]int{"arp": 6, "llc": 4, "udp": 48}},
	}
	files := publicCaptures(t)
	seen := map[string]bool{}
	for _, file := range files {
		base := filepath.Base(file)
		seen[base] = true
		w, ok := cases[base]
		if !ok {
			t.Errorf("%s: new capture in the corpus: add its tshark counts to this table", base)
			continue
		}
		t.Run(base, func(t *testing.T) {
			src := mustOpen(t, file, 3)
			dec := NewDecoder()
			var seg Segment
			frames, lastFrame := 0, 0
			for {
				p, err := src.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				frames++
				if p.File != 3 || p.Frame <= lastFrame {
					t.Fatalf("packet %d: file %d frame %d after frame %d", frames, p.File, p.Frame, lastFrame)
				}
				lastFrame = p.Frame
				if dec.Decode(p, &seg) && (seg.File != 3 || seg.Frame != p.Frame || !seg.Time.Equal(p.Time)) {
					t.Fatalf("frame %d: segment says file %d frame %d time %v", p.Frame, seg.File, seg.Frame, seg.Time)
				}
			}
			in := src.Input()
			st := dec.Stats()
			wantTCP := w.tsharkTCP
			if w.tcp != 0 {
				wantTCP = w.tcp
			}
			if in.Packets != w.frames {
				t.Errorf("Packets %d, tshark frames %d", in.Packets, w.frames)
			}
			if st.TCP != wantTCP || st.ICMPErrors != 0 || st.IPFragments != 0 || st.Malformed != w.malformed {
				t.Errorf("stats %+v, want TCP %d (tshark %d) malformed %d; %s", st, wantTCP, w.tsharkTCP, w.malformed, w.note)
			}
			if w.nonTCP == nil {
				w.nonTCP = map[string]int{}
			}
			if w.unsupported == nil {
				w.unsupported = map[string]int{}
			}
			if !reflect.DeepEqual(st.NonTCP, w.nonTCP) || !reflect.DeepEqual(st.UnsupportedLink, w.unsupported) {
				t.Errorf("non-TCP %v unsupported %v, want %v %v", st.NonTCP, st.UnsupportedLink, w.nonTCP, w.unsupported)
			}
			if st.Total() != frames {
				t.Errorf("stats count %d packets, read %d", st.Total(), frames)
			}
			switch {
			case w.warning == "" && (in.Truncated || len(in.Warnings) > 0):
				t.Errorf("unexpected truncation %v %q", in.Truncated, in.Warnings)
			case w.warning != "" && (!in.Truncated || len(in.Warnings) != 1 || !strings.Contains(in.Warnings[0], w.warning) || !strings.HasPrefix(in.Warnings[0], file+": ")):
				t.Errorf("warnings %q truncated %v, want one with %q", in.Warnings, in.Truncated, w.warning)
			}
		})
	}
	for name := range cases {
		if !seen[name] {
			t.Errorf("%s: listed here but not in the corpus", name)
		}
	}
}

// TestSourceInputDescribesFormatLinkTypesAndResolution checks the report-header facts.
func TestSourceInputDescribesFormatLinkTypesAndResolution(t *testing.T) {
	cases := []struct {
		file      string
		format    string
		nano      bool
		linkTypes []layers.LinkType
		firstTime string
	}{
		{"zeek-http-get.pcap", "pcap", false, []layers.LinkType{layers.LinkTypeEthernet}, ""},
		{"tcpdump-tcp-handshake-nano.pcap", "pcap", true, []layers.LinkType{layers.LinkTypeLinuxSLL}, ""},
		{"zeek-pcapng-multi-interface.pcapng", "pcapng", true, []layers.LinkType{layers.LinkTypeEthernet}, "2026-01-06T01:31:29.500330493Z"},
		{"gopacket-pcapgo-le-test202.pcapng", "pcapng", false, []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeNull}, ""},
		// 126 interfaces declared: Ethernet, SLL, 802.3br mPackets (LINKTYPE_ETHERNET_MPACKET 274); packets only on Ethernet.
		{"zeek-ldap-gap-data-missing.pcapng", "pcapng", true, []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, 274}, ""},
		{"zeek-nflog-http.pcap", "pcap", false, []layers.LinkType{239}, ""},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			src := mustOpen(t, public(t, c.file), 0)
			recs := drain(t, src)
			in := src.Input()
			if in.Format != c.format || in.Nanosecond != c.nano || in.Gzip || !reflect.DeepEqual(in.LinkTypes, c.linkTypes) {
				t.Errorf("format %q nano %v gzip %v link types %v; want %q %v false %v", in.Format, in.Nanosecond, in.Gzip, in.LinkTypes, c.format, c.nano, c.linkTypes)
			}
			if c.firstTime != "" && recs[0].Time.Format(time.RFC3339Nano) != c.firstTime {
				t.Errorf("first packet at %s, want %s", recs[0].Time.Format(time.RFC3339Nano), c.firstTime)
			}
		})
	}
}

// swapPcap converts a little-endian pcap to big-endian (a format conversion: the
// packet bytes are untouched, the file and record headers change byte order).
func swapPcap(t testing.TB, b []byte) []byte {
	t.Helper()
	out := append([]byte(nil), b...)
	sw32 := func(o int) { binary.BigEndian.PutUint32(out[o:], binary.LittleEndian.Uint32(b[o:])) }
	sw16 := func(o int) { binary.BigEndian.PutUint16(out[o:], binary.LittleEndian.Uint16(b[o:])) }
	sw32(0)
	sw16(4)
	sw16(6)
	for _, o := range []int{8, 12, 16, 20} {
		sw32(o)
	}
	for o := 24; o+16 <= len(b); {
		for _, k := range []int{0, 4, 8, 12} {
			sw32(o + k)
		}
		o += 16 + int(binary.LittleEndian.Uint32(b[o+8:]))
	}
	return out
}

// TestSourcePcapBothByteOrdersAndResolutions reads µs and ns pcaps in both byte orders
// (the big-endian ones converted from the corpus' little-endian files) and gets the
// same packets.
func TestSourcePcapBothByteOrdersAndResolutions(t *testing.T) {
	for _, c := range []struct {
		file  string
		nano  bool
		magic uint32 // as read big-endian from the converted file
	}{
		{"zeek-http-get.pcap", false, 0xa1b2c3d4},
		{"tcpdump-tcp-handshake-nano.pcap", true, 0xa1b23c4d},
	} {
		t.Run(c.file, func(t *testing.T) {
			le := readFile(t, public(t, c.file))
			be := swapPcap(t, le)
			if got := binary.BigEndian.Uint32(be); got != c.magic {
				t.Fatalf("converted magic %#x", got)
			}
			a, err := openBytes(t, "le.pcap", le, 0)
			if err != nil {
				t.Fatal(err)
			}
			b, err := openBytes(t, "be.pcap", be, 0)
			if err != nil {
				t.Fatal(err)
			}
			ra, rb := drain(t, a), drain(t, b)
			if len(ra) == 0 || !reflect.DeepEqual(ra, rb) {
				t.Fatalf("little-endian and big-endian reads differ:\n%v\n%v", ra, rb)
			}
			if a.Input().Nanosecond != c.nano || b.Input().Nanosecond != c.nano {
				t.Errorf("Nanosecond %v/%v, want %v", a.Input().Nanosecond, b.Input().Nanosecond, c.nano)
			}
			if c.nano && ra[0].Time.Nanosecond()%1000 == 0 {
				t.Errorf("ns capture read with µs precision: %v", ra[0].Time)
			}
		})
	}
}

// TestSourcePcapngSectionsInterfacesAndCustomBlocks reads gopacket's pcapng test files:
// two sections, five interfaces of two link types, custom blocks (which tshark numbers
// as frames 1, 7 and 10), simple packet blocks without timestamps; little- and
// big-endian give the same packets.
func TestSourcePcapngSectionsInterfacesAndCustomBlocks(t *testing.T) {
	var all [][]rec
	for _, name := range []string{"gopacket-pcapgo-le-test202.pcapng", "gopacket-pcapgo-be-test202.pcapng"} {
		src := mustOpen(t, public(t, name), 0)
		recs := drain(t, src)
		var frames []int
		var lts []layers.LinkType
		for _, r := range recs {
			frames = append(frames, r.Frame)
			lts = append(lts, r.LinkType)
		}
		// From `tshark -r F -T fields -e frame.number -e frame.encap_type`.
		if want := []int{2, 3, 4, 5, 6, 8, 9, 11}; !reflect.DeepEqual(frames, want) {
			t.Errorf("%s: frames %v, want %v", name, frames, want)
		}
		E, N := layers.LinkTypeEthernet, layers.LinkTypeNull
		if want := []layers.LinkType{E, E, N, E, E, E, E, N}; !reflect.DeepEqual(lts, want) {
			t.Errorf("%s: link types %v, want %v", name, lts, want)
		}
		// Frames 5 and 8 are simple packet blocks, without a timestamp: they get the
		// previous packet's.
		for i, r := range recs {
			if r.Time.IsZero() || (r.Frame == 5 || r.Frame == 8) && !r.Time.Equal(recs[i-1].Time) {
				t.Errorf("%s: frame %d at %v", name, r.Frame, r.Time)
			}
		}
		if in := src.Input(); in.Packets != 11 || in.Truncated {
			t.Errorf("%s: %+v", name, in)
		}
		all = append(all, recs)
	}
	if len(all) == 2 && !reflect.DeepEqual(all[0], all[1]) {
		t.Errorf("little- and big-endian pcapng read differently")
	}
}

// TestSourceGzipIsDetectedByMagicNotName reads gzip-compressed pcap and pcapng files
// (made here from public captures) and gets exactly the packets of the plain files.
func TestSourceGzipIsDetectedByMagicNotName(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"zeek-http-get.pcap", "zeek-redis-django-cloud.pcapng"} {
		plain := readFile(t, public(t, name))
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(plain)
		zw.Close()
		gz := filepath.Join(dir, name+".capture") // the name says nothing
		os.WriteFile(gz, buf.Bytes(), 0o644)

		a := drain(t, mustOpen(t, public(t, name), 0))
		src := mustOpen(t, gz, 0)
		b := drain(t, src)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: gzip read differs from plain", name)
		}
		if in := src.Input(); !in.Gzip || in.Truncated || in.Packets != len(a) {
			t.Errorf("%s: %+v", name, in)
		}

		// A gzip stream that ends early is read up to the cut, with a warning.
		cut := buf.Bytes()[:buf.Len()*2/3]
		src, err := openBytes(t, "cut.pcap.gz", cut, 0)
		if err != nil {
			t.Fatal(err)
		}
		c := drain(t, src)
		in := src.Input()
		if !in.Truncated || len(in.Warnings) != 1 || !strings.HasPrefix(in.Warnings[0], "cut.pcap.gz: compressed stream cut off after frame ") || len(c) == 0 || len(c) >= len(a) || !reflect.DeepEqual(c, a[:len(c)]) {
			t.Errorf("%s cut: %d of %d packets, %+v", name, len(c), len(a), in)
		}
	}
}

// TestSourceCompressedAsWiresharkAndTcpdumpWriteThem reads the captures compressed by
// the real tools (testdata/link/lo_ethernet.sh: bzip2 -9, zstd -19, lz4 -9;
// two_ifaces.sh: zstd -19 of a pcapng) and gets exactly the plain file's packets.
func TestSourceCompressedAsWiresharkAndTcpdumpWriteThem(t *testing.T) {
	for _, c := range []struct{ plain, compressed, kind string }{
		{"lo_ethernet.pcap", "lo_ethernet.pcap.gz", "gzip"},
		{"lo_ethernet.pcap", "lo_ethernet.pcap.bz2", "bzip2"},
		{"lo_ethernet.pcap", "lo_ethernet.pcap.zst", "zstd"},
		{"lo_ethernet.pcap", "lo_ethernet.pcap.lz4", "lz4"},
		{"two_ifaces.pcapng", "two_ifaces.pcapng.zst", "zstd"},
	} {
		a := drain(t, mustOpen(t, linkCapture(t, c.plain), 0))
		// under a name that says nothing: the magic tells
		src, err := openBytes(t, "capture", readFile(t, linkCapture(t, c.compressed)), 0)
		if err != nil {
			t.Fatal(err)
		}
		b := drain(t, src)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: read differs from %s", c.compressed, c.plain)
		}
		if in := src.Input(); in.Compression != c.kind || in.Gzip != (c.kind == "gzip") || in.Truncated || in.Packets != len(a) || len(in.Warnings) != 0 {
			t.Errorf("%s: %+v", c.compressed, in)
		}
		src.Close()
	}
}

// TestSourceCompressedStreamCut: a zstd or lz4 stream that ends early is read up to its
// last whole block, with a warning; cut inside its first block, nothing can be read
// and the error says so. The streams are made here with small blocks (1 KiB windows,
// 64 KiB blocks), so that a cut at two thirds falls after some.
func TestSourceCompressedStreamCut(t *testing.T) {
	plain := readFile(t, public(t, "zeek-ssh-ssh.client-side-half-duplex.pcap")) // 120 KiB
	a := drain(t, mustOpen(t, public(t, "zeek-ssh-ssh.client-side-half-duplex.pcap"), 0))
	for _, kind := range []string{"zstd", "lz4"} {
		var buf bytes.Buffer
		switch kind {
		case "zstd":
			w, err := zstd.NewWriter(&buf, zstd.WithWindowSize(1<<10), zstd.WithEncoderConcurrency(1))
			if err != nil {
				t.Fatal(err)
			}
			w.Write(plain)
			w.Close()
		case "lz4":
			w := lz4.NewWriter(&buf)
			w.Apply(lz4.BlockSizeOption(lz4.Block64Kb))
			w.Write(plain)
			w.Close()
		}
		whole := buf.Bytes()
		src, err := openBytes(t, "whole", whole, 0)
		if err != nil {
			t.Fatal(err)
		}
		if b := drain(t, src); !reflect.DeepEqual(a, b) || src.Input().Compression != kind {
			t.Errorf("%s: whole stream read differs from the plain file (%+v)", kind, src.Input())
		}
		src, err = openBytes(t, "cut.pcap."+kind, whole[:len(whole)*2/3], 0)
		if err != nil {
			t.Fatal(err)
		}
		c := drain(t, src)
		in := src.Input()
		if !in.Truncated || len(in.Warnings) != 1 || !strings.HasPrefix(in.Warnings[0], "cut.pcap."+kind+": compressed stream cut off after frame ") || len(c) == 0 || len(c) >= len(a) || !reflect.DeepEqual(c, a[:len(c)]) {
			t.Errorf("%s cut: %d of %d packets, %+v", kind, len(c), len(a), in)
		}
		_, err = openBytes(t, "head.pcap."+kind, whole[:12], 0)
		if want := "head.pcap." + kind + ": " + kind + " stream cut off before its first block ended: nothing to read"; err == nil || err.Error() != want {
			t.Errorf("%s cut in its first block: %v, want %q", kind, err, want)
		}
	}
}

// TestSourceStdin reads "-" from standard input, through Open and through OpenReader.
func TestSourceStdin(t *testing.T) {
	name := public(t, "zeek-http-get.pcap")
	want := drain(t, mustOpen(t, name, 0))

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		w.Write(readFile(t, name))
		w.Close()
	}()
	old := os.Stdin
	os.Stdin = r
	defer func() { os.Stdin = old; r.Close() }()
	src, err := Open("-", 1)
	if err != nil {
		t.Fatal(err)
	}
	got := drain(t, src)
	for i := range want {
		want[i].File = 1
	}
	if !reflect.DeepEqual(got, want) || src.Input().Name != "-" {
		t.Errorf("stdin read %d packets (want %d), name %q", len(got), len(want), src.Input().Name)
	}
	src.Close()

	// Errors on stdin say "stdin".
	if _, err := OpenReader("-", strings.NewReader(""), 0); err == nil || err.Error() != "stdin: empty file" {
		t.Errorf("empty stdin: %v", err)
	}
}

// TestSourceTruncatedFileIsReadUpToTheCut cuts captures mid-record: the packets before
// the cut are read, then io.EOF, Truncated and one warning naming the file and frame.
func TestSourceTruncatedFileIsReadUpToTheCut(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		file     string
		cut      int  // bytes removed from the end
		inHeader bool // cut instead in the last record's header, 3 of its 16 bytes kept
		want     string
	}{
		// zeek-http-get.pcap has 14 frames: the last one loses 7 bytes...
		{"zeek-http-get.pcap", 7, false, "cut off in frame 14 (13 complete frames read): analysed up to the cut"},
		// ... or all but 3 bytes of its record header.
		{"zeek-http-get.pcap", 0, true, "cut off in frame 14 (13 complete frames read): analysed up to the cut"},
		{"zeek-tcp-http-on-irc-port-missing-syn.pcapng", 9, false, "cut off in frame 13 (12 complete frames read): analysed up to the cut"},
	} {
		b := readFile(t, public(t, c.file))
		full := drain(t, mustOpen(t, public(t, c.file), 0))
		cutName := filepath.Join(dir, "cut-"+c.file)
		if c.inHeader {
			c.cut = full[len(full)-1].CaptureLen + 13
		}
		if err := os.WriteFile(cutName, b[:len(b)-c.cut], 0o644); err != nil {
			t.Fatal(err)
		}
		src := mustOpen(t, cutName, 0)
		got := drain(t, src)
		in := src.Input()
		if !reflect.DeepEqual(got, full[:len(full)-1]) {
			t.Errorf("%s -%d: read %d packets, want the first %d", c.file, c.cut, len(got), len(full)-1)
		}
		if !in.Truncated || len(in.Warnings) != 1 || in.Warnings[0] != cutName+": "+c.want || in.Packets != len(full)-1 {
			t.Errorf("%s -%d: %+v, want warning %q", c.file, c.cut, in, c.want)
		}
	}

	// A cut exactly at a record boundary is a clean end.
	b := readFile(t, public(t, "zeek-http-get.pcap"))
	full := drain(t, mustOpen(t, public(t, "zeek-http-get.pcap"), 0))
	src, _ := openBytes(t, "x.pcap", b[:len(b)-16-full[len(full)-1].CaptureLen], 0)
	if got := drain(t, src); len(got) != len(full)-1 || src.Input().Truncated {
		t.Errorf("boundary cut: %d packets, %+v", len(got), src.Input())
	}

	// A file that is only a header has no packets and no warning.
	src, err := openBytes(t, "x.pcap", b[:24], 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := drain(t, src); len(got) != 0 || src.Input().Truncated {
		t.Errorf("header only: %d packets, %+v", len(got), src.Input())
	}
}

// TestSourceErrorsAreOneLineAndNameTheFile covers what cannot be read at all.
func TestSourceErrorsAreOneLineAndNameTheFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var gzJSON bytes.Buffer
	zw := gzip.NewWriter(&gzJSON)
	zw.Write([]byte(`{"flows": []}`))
	zw.Close()
	pcapHead := []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0}
	cases := []struct {
		path string
		want string
	}{
		{write("empty.pcap", nil), "empty.pcap: empty file"},
		{write("capture.pcap", []byte(`{"flows": [{"id": 1}]}`)), `capture.pcap: not a pcap or pcapng file (starts with "{\"flows"…)`},
		{write("tiny.pcap", []byte("ab")), `tiny.pcap: not a pcap or pcapng file (starts with "ab")`},
		{write("report.json.gz", gzJSON.Bytes()), `report.json.gz: not a pcap or pcapng file (gzip-compressed, starts with "{\"flows"…)`},
		{write("head.pcap", pcapHead), "head.pcap: pcap file header cut short"},
		// xz -c of a pcap's first bytes: a format neither tcpmortem nor Wireshark reads
		{write("capture.pcap.xz", []byte{0xfd, '7', 'z', 'X', 'Z', 0, 0, 4, 0xe6, 0xd6, 0xb4, 0x46}),
			"capture.pcap.xz: xz-compressed, which neither tcpmortem nor Wireshark reads as it is: decompress it on the way in (xz -dc " +
				filepath.Join(dir, "capture.pcap.xz") + " | tcpmortem analyze -), or recompress it with gzip, zstd or lz4"},
		{write("head.pcapng", []byte{0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0}), "head.pcapng: pcapng section header cut short"},
		{filepath.Join(dir, "x.pcap"), "x.pcap: open: no such file or directory"},
		{dir, "is a directory"},
	}
	for _, c := range cases {
		_, err := Open(c.path, 0)
		if err == nil {
			t.Errorf("%s: no error", c.path)
			continue
		}
		msg := strings.TrimPrefix(err.Error(), dir+string(filepath.Separator))
		if msg != c.want && !(c.path == dir && strings.HasSuffix(msg, c.want)) {
			t.Errorf("%s: error %q, want %q", c.path, msg, c.want)
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("%s: error spans lines: %q", c.path, msg)
		}
	}
}

// TestSourceNeverPanicsOnDamagedFiles flips and cuts bytes of real captures: every
// read ends with io.EOF or an Open error, never a panic or an endless loop.
func TestSourceNeverPanicsOnDamagedFiles(t *testing.T) {
	for _, name := range []string{"zeek-http-get.pcap", "zeek-redis-django-cloud.pcapng", "gopacket-pcapgo-le-test202.pcapng", "zeek-nflog-http.pcap", "zeek-mixed-vlan-mpls.pcap"} {
		orig := readFile(t, public(t, name))
		for i := 0; i < 300; i++ {
			b := append([]byte(nil), orig...)
			// deterministic damage: a few bytes overwritten, sometimes a cut
			for k := 0; k < 1+i%4; k++ {
				pos := (i*7919 + k*104729) % len(b)
				b[pos] ^= byte(0x5a + i + k)
			}
			if i%3 == 0 {
				b = b[:len(b)-(i*31)%len(b)/2]
			}
			src, err := openBytes(t, name, b, 0)
			if err != nil {
				continue
			}
			dec := NewDecoder()
			var seg Segment
			for n := 0; ; n++ {
				p, err := src.Next()
				if err != nil {
					if err != io.EOF {
						t.Fatalf("%s #%d: Next returned %v, want io.EOF", name, i, err)
					}
					break
				}
				if n > 100000 {
					t.Fatalf("%s #%d: endless", name, i)
				}
				dec.Decode(p, &seg)
			}
		}
	}
}
