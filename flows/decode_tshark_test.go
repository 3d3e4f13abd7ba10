package flows

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// tsharkRow is what tshark says about one TCP segment.
type tsharkRow struct {
	frame          int
	sport, dport   uint16
	seq, ack       uint32
	hasAck         bool
	flags          uint16
	length, window int
	wscale         int
	hasWScale      bool
	src, dst       string
}

func runTshark(t *testing.T, file string) map[int]tsharkRow {
	t.Helper()
	// UDP 8472 is Linux's VXLAN port, which tshark 4.0 does not decode as VXLAN unless told.
	cmd := exec.Command("tshark", "-r", file, "-Y", "tcp && !icmp && !icmpv6", "-T", "fields", "-E", "separator=|",
		"-o", "tcp.analyze_sequence_numbers:FALSE", "-d", "udp.port==8472,vxlan",
		"-e", "frame.number", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.seq_raw", "-e", "tcp.ack_raw",
		"-e", "tcp.flags", "-e", "tcp.len", "-e", "tcp.window_size_value", "-e", "tcp.options.wscale.shift",
		"-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "frame.protocols")
	out, _ := cmd.Output() // tshark exits 2 on files it cannot read to the end; what it printed counts
	rows := map[int]tsharkRow{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, "|")
		num := func(i int) (uint64, bool) {
			v := f[i]
			if j := strings.IndexByte(v, ','); j >= 0 {
				v = v[:j] // tunnels: the innermost comes last, but we only care about the first here
			}
			if v == "" {
				return 0, false
			}
			n, err := strconv.ParseUint(v, 0, 64)
			if err != nil {
				t.Fatalf("%s: bad tshark field %q in %q", file, v, line)
			}
			return n, true
		}
		var r tsharkRow
		n, _ := num(0)
		r.frame = int(n)
		n, _ = num(1)
		r.sport = uint16(n)
		n, _ = num(2)
		r.dport = uint16(n)
		n, _ = num(3)
		r.seq = uint32(n)
		n, r.hasAck = num(4)
		r.ack = uint32(n)
		n, _ = num(5)
		r.flags = uint16(n) & 0x1ff
		n, _ = num(6)
		r.length = int(n)
		n, _ = num(7)
		r.window = int(n)
		n, r.hasWScale = num(8)
		r.wscale = int(n)
		// Inside a tunnel the TCP header's addresses are the innermost IP layer's, which
		// may be of the other version than the outer one: frame.protocols tells which
		// came last (eth:ethertype:ipv6:udp:vxlan:eth:ethertype:ip:tcp).
		r.src, r.dst = last(f[9]), last(f[10])
		protos := ":" + f[13] + ":"
		if f[11] != "" && (f[9] == "" || strings.LastIndex(protos, ":ipv6:") > strings.LastIndex(protos, ":ip:")) {
			r.src, r.dst = last(f[11]), last(f[12])
		}
		rows[r.frame] = r
	}
	return rows
}

func last(s string) string {
	if i := strings.LastIndexByte(s, ','); i >= 0 {
		return s[i+1:]
	}
	return s
}

// TestDecodeMatchesTsharkFieldByField decodes every public capture and compares each
// TCP segment with what tshark says about the same frame: addresses, ports, sequence
// and acknowledgement numbers, flags, payload length (tcp.len, from the IP header even
// when the snaplen cut the packet), window and window scale.
func TestDecodeMatchesTsharkFieldByField(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	if testing.Short() {
		t.Skip("runs tshark on every capture: not in -short mode")
	}
	// Frames where we differ from tshark on purpose (see the counts test).
	known := map[string]map[int]bool{
		"gopacket-layers-linux_sll_oversized_addr.pcapng": {87: true, 95: true},
	}
	files := publicCaptures(t)
	link, _ := filepath.Glob("../testdata/link/*.pcap*")
	files = append(files, link...)
	// More captures to check, e.g. ones just made: TM_EXTRA_CAPTURES="/tmp/x/*.pcap:..."
	for _, pat := range filepath.SplitList(os.Getenv("TM_EXTRA_CAPTURES")) {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	for _, file := range files {
		if strings.HasSuffix(file, ".bz2") {
			continue // tshark does not read bzip2; the .zst, .lz4 and .gz files it does
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			want := runTshark(t, file)
			wantICMP := runTsharkICMP(t, file)
			src, err := Open(file, 0)
			if err != nil {
				if len(want) == 0 {
					return
				}
				t.Fatal(err)
			}
			defer src.Close()
			dec := NewDecoder()
			var seg Segment
			got, icmps := 0, 0
			for {
				p, err := src.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				decoded := dec.Decode(p, &seg)
				if decoded && seg.Kind == KindICMPError {
					w, ok := wantICMP[p.Frame]
					if !ok {
						t.Errorf("frame %d: we see an ICMP error quoting TCP, tshark does not", p.Frame)
					} else if diff := compareICMP(&seg, w); diff != "" {
						t.Errorf("frame %d: %s", p.Frame, diff)
					}
					icmps++
					continue
				}
				if !decoded {
					if _, ok := want[p.Frame]; ok && !known[filepath.Base(file)][p.Frame] {
						t.Errorf("frame %d: tshark sees TCP, we do not (stats %+v)", p.Frame, dec.Stats())
					}
					continue
				}
				got++
				w, ok := want[p.Frame]
				if !ok {
					t.Errorf("frame %d: we see TCP %v -> %v, tshark does not", p.Frame, seg.Src, seg.Dst)
					continue
				}
				if diff := compareRow(&seg, w); diff != "" {
					t.Errorf("frame %d: %s", p.Frame, diff)
				}
			}
			if got+len(known[filepath.Base(file)]) != len(want) || icmps != len(wantICMP) {
				t.Errorf("decoded %d TCP segments and %d ICMP errors, tshark %d and %d", got, icmps, len(want), len(wantICMP))
			}
		})
	}
}

func compareRow(s *Segment, w tsharkRow) string {
	var d []string
	ck := func(name string, got, want any) {
		if fmt.Sprint(got) != fmt.Sprint(want) {
			d = append(d, fmt.Sprintf("%s %v, tshark %v", name, got, want))
		}
	}
	ck("src", s.Src.Addr().String(), w.src)
	ck("dst", s.Dst.Addr().String(), w.dst)
	ck("sport", s.Src.Port(), w.sport)
	ck("dport", s.Dst.Port(), w.dport)
	ck("seq", s.Seq, w.seq)
	if w.hasAck {
		ck("ack", s.Ack, w.ack)
	}
	ck("flags", FlagString(s.Flags)+fmt.Sprintf("/%#x", s.Flags), FlagString(w.flags)+fmt.Sprintf("/%#x", w.flags))
	ck("len", s.PayloadLen, w.length)
	ck("window", s.Window, w.window)
	if s.Flags&FlagSYN != 0 {
		ws := -1
		if w.hasWScale {
			ws = min(w.wscale, 14)
		}
		ck("wscale", s.WScale, ws)
	}
	if len(s.Payload) > s.PayloadLen {
		d = append(d, fmt.Sprintf("captured payload %d > PayloadLen %d", len(s.Payload), s.PayloadLen))
	}
	return strings.Join(d, "; ")
}

// icmpRow is what tshark says about an ICMP error quoting TCP.
type icmpRow struct {
	typ, code    uint8
	from         string
	src, dst     string
	sport, dport uint16
	seq          uint32
}

func runTsharkICMP(t *testing.T, file string) map[int]icmpRow {
	t.Helper()
	cmd := exec.Command("tshark", "-r", file, "-Y", "tcp && (icmp || icmpv6)", "-T", "fields", "-E", "separator=|",
		"-o", "tcp.relative_sequence_numbers:FALSE",
		"-e", "frame.number", "-e", "icmp.type", "-e", "icmp.code", "-e", "icmpv6.type", "-e", "icmpv6.code",
		"-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst",
		"-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.seq")
	out, _ := cmd.Output()
	rows := map[int]icmpRow{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, "|")
		atoi := func(s string) uint64 { n, _ := strconv.ParseUint(s, 0, 64); return n }
		var r icmpRow
		frame := int(atoi(f[0]))
		srcs, dsts := f[5], f[6]
		if f[1] != "" {
			r.typ, r.code = uint8(atoi(f[1])), uint8(atoi(f[2]))
		} else {
			r.typ, r.code = uint8(atoi(f[3])), uint8(atoi(f[4]))
			srcs, dsts = f[7], f[8]
		}
		// outer, then quoted addresses
		ss, ds := strings.Split(srcs, ","), strings.Split(dsts, ",")
		r.from = ss[0]
		r.src, r.dst = ss[len(ss)-1], ds[len(ds)-1]
		r.sport, r.dport, r.seq = uint16(atoi(f[9])), uint16(atoi(f[10])), uint32(atoi(f[11]))
		rows[frame] = r
	}
	return rows
}

func compareICMP(s *Segment, w icmpRow) string {
	got := icmpRow{s.ICMPType, s.ICMPCode, s.ICMPFrom.String(), s.Src.Addr().String(), s.Dst.Addr().String(), s.Src.Port(), s.Dst.Port(), s.Seq}
	if got != w {
		return fmt.Sprintf("ICMP error %+v, tshark %+v", got, w)
	}
	return ""
}
