package flows

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Input describes one capture file as read: what the report header says about it.
type Input struct {
	Name       string            // as given on the command line; "-" for stdin
	Format     string            // "pcap" or "pcapng"
	Gzip       bool              // the file was gzip-compressed
	Nanosecond bool              // pcap with ns timestamps (pcapng: any interface with ns resolution)
	LinkTypes  []layers.LinkType // distinct link types of the packets read (and declared IDBs), in order first seen
	Packets    int               // frames read, as Wireshark numbers them (pcapng custom blocks count)
	Truncated  bool              // the file ended (or broke) mid-record: analysed up to the cut
	Warnings   []string          // one line each, already naming the file and frame
}

// readBufferSize is the buffer between the file (or the gzip stream) and pcapgo.
const readBufferSize = 1 << 20

// FileSource reads the packets of one capture file in file order.
//
// Allocations: none per packet on the common path. pcapgo's ZeroCopyReadPacketData
// reuses one buffer per file (Packet.Data aliases it); the Packet returned by Next is a
// field of the FileSource, overwritten by the next call. What still allocates:
// records longer than 256 KiB (pcapgo reads those into a fresh, growing slice so that a
// lying length field cannot make it allocate gigabytes), pcapng options longer than
// 1 KiB, interface/name-resolution blocks (once per block, not per packet), and the
// gzip/flate decoder's internal state (once per file).
type FileSource struct {
	in     Input
	index  int
	closer io.Closer

	pcap *pcapgo.Reader
	ng   *pcapgo.NgReader
	trk  *ngTracker // pcapng only: block types as they stream past, for frame numbers

	// pcapng interface bookkeeping: ifaces of the current section already looked at.
	ifSeen         int
	sectionChanged bool

	pkt   Packet
	frame int
	done  bool
}

// displayName is the file's name in messages.
func displayName(name string) string {
	if name == "-" {
		return "stdin"
	}
	return name
}

// Open opens a capture file; "-" reads os.Stdin. The format is detected from the
// magic bytes (pcap, pcapng, either gzip-compressed), never from the name. Errors are
// one line and name the file.
func Open(name string, index int) (*FileSource, error) {
	if name == "-" {
		return OpenReader(name, os.Stdin, index)
	}
	f, err := os.Open(name)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s: %s: %v", name, pe.Op, pe.Err)
		}
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s: is a directory", name)
	}
	src, err := OpenReader(name, f, index)
	if err != nil {
		f.Close()
		return nil, err
	}
	src.closer = f
	return src, nil
}

// OpenReader reads a capture from r; name is what messages and Input.Name call it.
// The caller keeps ownership of r (Close does not close it).
func OpenReader(name string, r io.Reader, index int) (*FileSource, error) {
	dn := displayName(name)
	s := &FileSource{index: index, in: Input{Name: name}}
	br := bufio.NewReaderSize(r, readBufferSize)
	head, err := br.Peek(8) // 4 for the magic, 8 to quote in an error
	if len(head) == 0 {
		if err == nil || err == io.EOF {
			return nil, fmt.Errorf("%s: empty file", dn)
		}
		return nil, fmt.Errorf("%s: read: %v", dn, err)
	}
	var src *bufio.Reader = br
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: broken gzip header: %v", dn, err)
		}
		s.in.Gzip = true
		src = bufio.NewReaderSize(gz, readBufferSize)
		head, err = src.Peek(8)
		if len(head) == 0 {
			if err == nil || err == io.EOF {
				return nil, fmt.Errorf("%s: empty file (gzip-compressed)", dn)
			}
			return nil, fmt.Errorf("%s: broken gzip stream: %v", dn, err)
		}
	}
	if len(head) < 4 {
		return nil, notCapture(dn, s.in.Gzip, head)
	}
	switch binary.LittleEndian.Uint32(head) {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		s.in.Format = "pcap"
		rd, err := pcapgo.NewReader(src)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("%s: pcap file header cut short", dn)
			}
			return nil, fmt.Errorf("%s: unsupported pcap file: %v", dn, err)
		}
		s.pcap = rd
		s.in.Nanosecond = rd.Resolution().Exponent == -9
		s.addLinkType(rd.LinkType())
	case 0x0a0d0d0a:
		s.in.Format = "pcapng"
		s.trk = &ngTracker{r: src}
		rd, err := pcapgo.NewNgReader(bufio.NewReaderSize(s.trk, 64<<10), pcapgo.NgReaderOptions{
			WantMixedLinkType: true,
			SectionEndCallback: func(ifs []pcapgo.NgInterface, _ pcapgo.NgSectionInfo) {
				for i := s.ifSeen; i < len(ifs); i++ {
					s.noteInterface(ifs[i])
				}
				s.sectionChanged = true
			},
		})
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("%s: pcapng section header cut short", dn)
			}
			if errors.Is(err, pcapgo.ErrNgVersionMismatch) {
				return nil, fmt.Errorf("%s: unsupported pcapng version", dn)
			}
			return nil, fmt.Errorf("%s: broken pcapng section header: %v", dn, err)
		}
		s.ng = rd
	default:
		return nil, notCapture(dn, s.in.Gzip, head)
	}
	return s, nil
}

func notCapture(dn string, gz bool, head []byte) error {
	const show = 7
	more := ""
	if len(head) > show {
		head = head[:show]
		more = "…"
	}
	what := ""
	if gz {
		what = "gzip-compressed, "
	}
	return fmt.Errorf("%s: not a pcap or pcapng file (%sstarts with %q%s)", dn, what, head, more)
}

func (s *FileSource) addLinkType(lt layers.LinkType) {
	for _, x := range s.in.LinkTypes {
		if x == lt {
			return
		}
	}
	s.in.LinkTypes = append(s.in.LinkTypes, lt)
}

func (s *FileSource) noteInterface(ifc pcapgo.NgInterface) {
	s.addLinkType(ifc.LinkType)
	r := ifc.TimestampResolution
	if r == 0 {
		r = 6
	}
	// Finer than microseconds: 10^-7 and beyond, or 2^-20 and beyond.
	if (r.Binary() && r.Exponent() >= 20) || (!r.Binary() && r.Exponent() >= 7) {
		s.in.Nanosecond = true
	}
}

// syncInterfaces looks at the interfaces of the current pcapng section not seen yet.
func (s *FileSource) syncInterfaces() {
	if s.sectionChanged {
		s.sectionChanged = false
		s.ifSeen = 0
	}
	for n := s.ng.NInterfaces(); s.ifSeen < n; s.ifSeen++ {
		if ifc, err := s.ng.Interface(s.ifSeen); err == nil {
			s.noteInterface(ifc)
		}
	}
}

// Input returns what is known about the file so far (complete after io.EOF).
func (s *FileSource) Input() *Input { return &s.in }

// Index is the index given to Open.
func (s *FileSource) Index() int { return s.index }

// Close closes the file (not stdin, nor a reader given to OpenReader).
func (s *FileSource) Close() error {
	s.done = true
	if s.closer != nil {
		c := s.closer
		s.closer = nil
		return c.Close()
	}
	return nil
}

// Next returns the next packet of the file, or io.EOF after the last one. A file that
// breaks after its header (cut mid-record, broken block, gzip stream ending early)
// ends with io.EOF too: Input().Truncated is set and a warning says where. The Packet
// and its Data are valid until the next call.
func (s *FileSource) Next() (p *Packet, err error) {
	if s.done {
		return nil, io.EOF
	}
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, s.fail(fmt.Errorf("reader panic: %v", r))
		}
	}()
	var data []byte
	var lt layers.LinkType
	if s.pcap != nil {
		d, ci, e := s.pcap.ZeroCopyReadPacketData()
		if e != nil {
			return nil, s.fail(e)
		}
		data = d
		s.pkt.Time, s.pkt.WireLen = ci.Timestamp, ci.Length
		lt = s.pcap.LinkType()
		s.frame++
	} else {
		d, ci, e := s.ng.ZeroCopyReadPacketData()
		if e != nil {
			return nil, s.fail(e)
		}
		data = d
		if ci.Timestamp.IsZero() && s.frame > 0 {
			// A simple packet block has no timestamp (pcapgo gives year 1): keep the
			// previous packet's, so that durations and the merge order stay sane.
			ci.Timestamp = s.pkt.Time
		}
		s.pkt.Time, s.pkt.WireLen = ci.Timestamp, ci.Length
		if len(ci.AncillaryData) > 0 {
			lt, _ = ci.AncillaryData[0].(layers.LinkType)
		}
		s.syncInterfaces()
		// Records Wireshark numbers as frames but pcapgo skips (custom blocks...),
		// then this packet's own block.
		s.frame += s.trk.nextPacket()
	}
	s.in.Packets = s.frame
	s.pkt.Data = data
	s.pkt.CaptureLen = len(data)
	s.pkt.LinkType = lt
	s.pkt.File = s.index
	s.pkt.Frame = s.frame
	return &s.pkt, nil
}

// fail ends the file after a read error and returns io.EOF.
func (s *FileSource) fail(err error) error {
	s.done = true
	dn := displayName(s.in.Name)
	if err == io.EOF {
		if s.trk != nil {
			// Trailing records after the last packet still get frame numbers.
			s.frame += s.trk.trailingRecords()
			s.in.Packets = s.frame
		}
		if s.ng != nil {
			s.syncInterfaces()
		}
		return io.EOF
	}
	s.in.Truncated = true
	n := s.frame
	var msg string
	var ce flate.CorruptInputError
	switch {
	case s.in.Gzip && (errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.As(err, &ce)):
		msg = fmt.Sprintf("%s: compressed data broken after frame %d (%v): analysed up to the break", dn, n, err)
	case s.in.Gzip && errors.Is(err, io.ErrUnexpectedEOF):
		msg = fmt.Sprintf("%s: compressed stream cut off after frame %d (%d complete frames read): analysed up to the cut", dn, n, n)
	case errors.Is(err, io.ErrUnexpectedEOF):
		if s.trk != nil && !s.trk.inPacketBlock() {
			msg = fmt.Sprintf("%s: cut off after frame %d (%d complete frames read): analysed up to the cut", dn, n, n)
		} else {
			msg = fmt.Sprintf("%s: cut off in frame %d (%d complete frames read): analysed up to the cut", dn, n+1, n)
		}
	case errors.Is(err, pcapgo.ErrNgVersionMismatch):
		msg = fmt.Sprintf("%s: a later section has an unsupported pcapng version (after frame %d): analysed up to there", dn, n)
	case s.pcap != nil:
		msg = fmt.Sprintf("%s: broken record header at frame %d (%v): analysed up to frame %d", dn, n+1, err, n)
	default:
		msg = fmt.Sprintf("%s: broken pcapng block after frame %d (%v): analysed up to there", dn, n, err)
	}
	s.in.Warnings = append(s.in.Warnings, msg)
	return io.EOF
}

// ngTracker watches the pcapng block structure as the bytes stream to pcapgo, so that
// frame numbers count what Wireshark counts: every packet block (EPB, SPB, obsolete
// PB) and the other records Wireshark shows as frames (custom blocks, systemd journal
// exports), which pcapgo skips silently. pcapgo reads the same stream in order, so the
// n-th packet it returns is the n-th packet block seen here.
type ngTracker struct {
	r io.Reader

	hdr     [12]byte
	hdrN    int
	skip    uint64 // body bytes of the current block still to stream past
	big     bool   // current section's byte order
	broken  bool   // structure made no sense: stop tracking, pcapgo will fail too
	curType uint32 // type of the block being streamed (valid while skip > 0 or hdrN > 0)

	// queue of record kinds not yet claimed: recPacket or recOther
	q    []uint8
	head int
}

const (
	recPacket uint8 = iota + 1
	recOther
)

func (t *ngTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 && !t.broken {
		t.scan(p[:n])
	}
	return n, err
}

func (t *ngTracker) scan(b []byte) {
	for len(b) > 0 && !t.broken {
		if t.skip > 0 {
			k := uint64(len(b))
			if k > t.skip {
				k = t.skip
			}
			t.skip -= k
			b = b[k:]
			continue
		}
		want := 8
		if t.hdrN >= 4 && binary.LittleEndian.Uint32(t.hdr[:4]) == 0x0a0d0d0a {
			want = 12 // a section header: its byte-order magic too
		}
		k := copy(t.hdr[t.hdrN:want], b)
		t.hdrN += k
		b = b[k:]
		if t.hdrN < want || (want == 8 && binary.LittleEndian.Uint32(t.hdr[:4]) == 0x0a0d0d0a) {
			continue
		}
		typ := binary.LittleEndian.Uint32(t.hdr[:4])
		if typ == 0x0a0d0d0a {
			switch {
			case binary.BigEndian.Uint32(t.hdr[8:12]) == 0x1a2b3c4d:
				t.big = true
			case binary.LittleEndian.Uint32(t.hdr[8:12]) == 0x1a2b3c4d:
				t.big = false
			default:
				t.broken = true
				return
			}
		} else if t.big {
			typ = binary.BigEndian.Uint32(t.hdr[:4])
		}
		var length uint32
		if t.big {
			length = binary.BigEndian.Uint32(t.hdr[4:8])
		} else {
			length = binary.LittleEndian.Uint32(t.hdr[4:8])
		}
		if length < uint32(want) || length%4 != 0 {
			t.broken = true
			return
		}
		t.curType = typ
		t.skip = uint64(length) - uint64(want)
		t.hdrN = 0
		switch typ {
		case 2, 3, 6: // obsolete packet, simple packet, enhanced packet
			t.push(recPacket)
		case 9, 0x00000bad, 0x40000bad: // systemd journal export, custom blocks
			t.push(recOther)
		}
	}
}

func (t *ngTracker) push(k uint8) {
	if t.head > 0 && t.head == len(t.q) {
		t.q, t.head = t.q[:0], 0
	} else if t.head > 4096 && t.head*2 > len(t.q) {
		n := copy(t.q, t.q[t.head:])
		t.q, t.head = t.q[:n], 0
	}
	t.q = append(t.q, k)
}

// nextPacket claims the records up to and including the next packet block and
// returns how many frames that is.
func (t *ngTracker) nextPacket() int {
	n := 0
	for t.head < len(t.q) {
		k := t.q[t.head]
		t.head++
		n++
		if k == recPacket {
			return n
		}
	}
	// Tracking lost its way (broken structure): count the packet alone.
	return n + 1
}

// trailingRecords claims the non-packet records left at the end of the file.
func (t *ngTracker) trailingRecords() int {
	n := 0
	for ; t.head < len(t.q); t.head++ {
		if t.q[t.head] == recOther {
			n++
		}
	}
	return n
}

// inPacketBlock reports whether the block the stream ended in is a packet block
// (for the wording of a truncation warning). pcapgo reads ahead of nothing: the last
// block the tracker started is the one pcapgo was reading when the data ended.
func (t *ngTracker) inPacketBlock() bool {
	typ := t.curType
	switch {
	case t.hdrN >= 4:
		typ = binary.LittleEndian.Uint32(t.hdr[:4])
		if t.big {
			typ = binary.BigEndian.Uint32(t.hdr[:4])
		}
	case t.hdrN > 0 || t.skip == 0:
		return false
	}
	return typ == 2 || typ == 3 || typ == 6
}
