package flows

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Input describes one capture file as read: what the report header says about it.
type Input struct {
	Name   string // as given on the command line; "-" for stdin
	Format string // "pcap" or "pcapng"
	Gzip   bool   // the file was gzip-compressed (Compression "gzip")
	// Compression is how the file was compressed: "gzip", "bzip2", "zstd", "lz4"; ""
	// for none (compressed.go).
	Compression string
	Nanosecond  bool              // pcap with ns timestamps (pcapng: any interface with ns resolution)
	LinkTypes   []layers.LinkType // distinct link types of the packets read (and declared IDBs), in order first seen
	Packets     int               // frames read, as Wireshark numbers them (pcapng custom blocks count)
	Truncated   bool              // the file ended (or broke) mid-record: analysed up to the cut
	Warnings    []string          // one line each, already naming the file and frame

	// TimeStepsBack counts frames whose timestamp was earlier than the previous
	// frame's. Each such frame is given the previous frame's time, so that time never
	// runs backwards within a file and no duration comes out negative; frames keep
	// their file order (as Wireshark and Zeek read them). A step back of ClockStep or
	// more is taken for a clock step: the frames after it are shifted forward by the
	// step as well, so the durations around it stay right, and a warning says so.
	// Smaller steps (a multi-queue "-i any", dumpcap writing several interfaces) only
	// have the frame concerned raised, without a warning. TimeStepBackMax is the
	// largest step, at frame TimeStepBackFrame.
	TimeStepsBack     int
	TimeStepBackMax   time.Duration
	TimeStepBackFrame int
	// SkippedFrames counts frames that could not be read and were skipped (a pcapng
	// packet block naming an interface its section does not declare); a warning
	// names the first.
	SkippedFrames int
}

// ClockStep is the step back in time from which later frames are shifted too (see
// Input.TimeStepsBack).
const ClockStep = time.Second

// The analysis keeps a packet's time as Unix nanoseconds in an int64, which dates
// 1678 to 2262. A timestamp outside EarliestTime and LatestTime (a corrupt record, a
// pcapng interface whose resolution or offset is wrong) is given the previous frame's
// time, as a block without a timestamp is, and a warning says so. Within the bounds the
// longest span, 219 years, leaves 73 more before int64 nanoseconds overflow: room for
// the deadlines added to a packet's time (see NextRetryWithin).
var (
	EarliestTime = time.Unix(0, -1<<61).UTC() // 1896-12-13
	LatestTime   = time.Unix(0, 1<<62).UTC()  // 2116-02-20
)

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
	size   int64 // -1 when unknown

	pcap *pcapgo.Reader
	ng   *pcapgo.NgReader
	trk  *ngTracker // pcapng only: block types as they stream past, for frame numbers

	// pcapng interface bookkeeping: ifaces of the current section already looked at.
	ifSeen         int
	sectionChanged bool

	pkt   Packet
	frame int
	done  bool

	rd        *readErrNote // the reader under everything: its I/O error, if any
	dec       *readErrNote // the decompressed stream, if compressed: its decoder's error
	closeDec  func()       // releases the decoder (nil: nothing to release)
	havePrev  bool
	prevTime  time.Time     // the previous frame's time, as given out
	timeShift time.Duration // added to every timestamp after a clock step back
	clockStep struct {      // the first clock step back
		frame int
		by    time.Duration
		n     int
	}
	undated struct { // frames whose timestamp is outside EarliestTime..LatestTime
		frame int
		t     time.Time
		n     int
	}
}

// readErrNote remembers the first error other than io.EOF its reader returned: an I/O
// error (a broken pipe, a disk error), as opposed to a format error found in the bytes.
type readErrNote struct {
	r    io.Reader
	err  error
	read atomic.Int64 // bytes read from the file so far (read by the progress line)
}

func (e *readErrNote) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.read.Add(int64(n))
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// BytesRead is how many bytes of the file (compressed, for gzip) have been read; safe
// to call from another goroutine while the source is being read.
func (s *FileSource) BytesRead() int64 { return s.rd.read.Load() }

// Size is the file's size in bytes, or -1 when unknown (stdin, a pipe).
func (s *FileSource) Size() int64 { return s.size }

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
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		src.size = st.Size()
	}
	return src, nil
}

// OpenReader reads a capture from r; name is what messages and Input.Name call it.
// The caller keeps ownership of r (Close does not close it).
func OpenReader(name string, r io.Reader, index int) (*FileSource, error) {
	dn := displayName(name)
	s := &FileSource{index: index, in: Input{Name: name}, rd: &readErrNote{r: r}, size: -1}
	br := bufio.NewReaderSize(s.rd, readBufferSize)
	head, err := br.Peek(8) // 4 for the magic, 8 to quote in an error
	if len(head) == 0 {
		if err == nil || err == io.EOF {
			return nil, fmt.Errorf("%s: empty file", dn)
		}
		return nil, fmt.Errorf("%s: read: %v", dn, err)
	}
	var src *bufio.Reader = br
	if kind := compressionOf(head); kind != "" {
		d, closeDec, err := decompress(dn, kind, br)
		if err != nil {
			return nil, err
		}
		s.in.Compression, s.in.Gzip = kind, kind == "gzip"
		s.dec, s.closeDec = &readErrNote{r: d}, closeDec
		src = bufio.NewReaderSize(s.dec, readBufferSize)
		head, err = src.Peek(8)
		if len(head) == 0 {
			s.Close()
			if err == nil || err == io.EOF {
				return nil, fmt.Errorf("%s: empty file (%s-compressed)", dn, kind)
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				// bzip2, zstd and lz4 give out nothing of a block until it is whole
				return nil, fmt.Errorf("%s: %s stream cut off before its first block ended: nothing to read", dn, kind)
			}
			return nil, fmt.Errorf("%s: broken %s stream: %v", dn, kind, err)
		}
	}
	fail := func(err error) (*FileSource, error) {
		s.Close()
		return nil, err
	}
	if len(head) < 4 {
		return fail(notCapture(dn, s.in.Compression, head))
	}
	switch binary.LittleEndian.Uint32(head) {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		s.in.Format = "pcap"
		rd, err := pcapgo.NewReader(src)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return fail(fmt.Errorf("%s: pcap file header cut short", dn))
			}
			return fail(fmt.Errorf("%s: unsupported pcap file: %v", dn, err))
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
				return fail(fmt.Errorf("%s: pcapng section header cut short", dn))
			}
			if errors.Is(err, pcapgo.ErrNgVersionMismatch) {
				return fail(fmt.Errorf("%s: unsupported pcapng version", dn))
			}
			return fail(fmt.Errorf("%s: broken pcapng section header: %v", dn, err))
		}
		s.ng = rd
	default:
		return fail(notCapture(dn, s.in.Compression, head))
	}
	return s, nil
}

func notCapture(dn string, compression string, head []byte) error {
	const show = 7
	more := ""
	if len(head) > show {
		head = head[:show]
		more = "…"
	}
	what := ""
	if compression != "" {
		what = compression + "-compressed, "
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
	if s.closeDec != nil {
		s.closeDec()
		s.closeDec = nil
	}
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
		s.pkt.Time, s.pkt.WireLen, s.pkt.Iface = ci.Timestamp, ci.Length, 0
		lt = s.pcap.LinkType()
		s.frame++
	} else {
		d, ci, e := s.ng.ZeroCopyReadPacketData()
		if e != nil {
			return nil, s.fail(e)
		}
		data = d
		// A simple packet block has no timestamp (pcapgo gives year 1): monotonic
		// gives it the previous packet's, so that durations and the merge order stay
		// sane.
		s.pkt.Time, s.pkt.WireLen = ci.Timestamp, ci.Length
		if len(ci.AncillaryData) > 0 {
			lt, _ = ci.AncillaryData[0].(layers.LinkType)
		}
		s.syncInterfaces()
		s.pkt.Iface = 0
		if s.ng.NInterfaces() > 1 {
			s.pkt.Iface = uint32(ci.InterfaceIndex) + 1
		}
		// Records Wireshark numbers as frames but pcapgo skips (custom blocks...),
		// then this packet's own block.
		s.frame += s.trk.nextPacket()
	}
	s.in.Packets = s.frame
	s.pkt.Time = s.monotonic(s.pkt.Time)
	s.pkt.Data = data
	s.pkt.CaptureLen = len(data)
	s.pkt.LinkType = lt
	s.pkt.File = s.index
	s.pkt.Frame = s.frame
	return &s.pkt, nil
}

// monotonic keeps a file's time from running backwards (see Input.TimeStepsBack).
func (s *FileSource) monotonic(t time.Time) time.Time {
	if !t.IsZero() && (t.Before(EarliestTime) || t.After(LatestTime)) {
		if s.undated.n == 0 {
			s.undated.frame, s.undated.t = s.frame, t
		}
		s.undated.n++
		t = time.Time{} // as undated as a simple packet block
	}
	if !s.havePrev {
		s.havePrev = true
		if t.IsZero() {
			// Nothing earlier to take the time of: the epoch stands for "undated".
			t = time.Unix(0, 0).UTC()
		}
		s.prevTime = t
		return t
	}
	if t.IsZero() {
		return s.prevTime // a simple packet block: no timestamp of its own
	}
	t = t.Add(s.timeShift)
	if t.After(LatestTime) {
		t = LatestTime // shifted past what can be dated by clock steps back
	}
	if t.Before(s.prevTime) {
		back := s.prevTime.Sub(t)
		s.in.TimeStepsBack++
		if back > s.in.TimeStepBackMax {
			s.in.TimeStepBackMax, s.in.TimeStepBackFrame = back, s.frame
		}
		if back >= ClockStep {
			s.timeShift += back
			if s.clockStep.n == 0 {
				s.clockStep.frame, s.clockStep.by = s.frame, back
			}
			s.clockStep.n++
		}
		t = s.prevTime
	}
	s.prevTime = t
	return t
}

// endWarnings adds, once the file is read, the warnings about what was read anyway.
func (s *FileSource) endWarnings() {
	dn := displayName(s.in.Name)
	if s.trk != nil && s.trk.badIface > 0 {
		t := s.trk
		s.in.SkippedFrames = t.badIface
		s.in.Warnings = append(s.in.Warnings, fmt.Sprintf("%s: frame %d: packet block names interface %d, its section declares %d: frame skipped%s",
			dn, t.badIfaceFirst, t.badIfaceID, t.badIfaceHave, inAll(t.badIface, "such frames")))
	}
	if u := s.undated; u.n > 0 {
		s.in.Warnings = append(s.in.Warnings, fmt.Sprintf("%s: frame %d: timestamp %s is outside what tcpmortem can date (%d to %d): given the previous frame's time%s",
			dn, u.frame, u.t.UTC().Format("2006-01-02 15:04:05"), EarliestTime.Year(), LatestTime.Year(), inAll(u.n, "such frames")))
	}
	if c := s.clockStep; c.n > 0 {
		s.in.Warnings = append(s.in.Warnings, fmt.Sprintf("%s: frame %d: timestamp %.3f s before the previous frame's (a clock step?): later frames shifted forward by it so that durations stay right%s",
			dn, c.frame, c.by.Seconds(), inAll(c.n, "clock steps back")))
	}
}

// inAll is the tail of a warning that names the first of n alike: " (n what in all)",
// or nothing when there was only the one.
func inAll(n int, what string) string {
	if n <= 1 {
		return ""
	}
	return fmt.Sprintf(" (%d %s in all)", n, what)
}

// fail ends the file after a read error and returns io.EOF.
func (s *FileSource) fail(err error) error {
	s.done = true
	dn := displayName(s.in.Name)
	defer s.endWarnings()
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
	switch {
	case s.rd.err != nil:
		msg = fmt.Sprintf("%s: read error after frame %d (%v): analysed up to there", dn, n, s.rd.err)
	case s.trk != nil && s.trk.structErr != "":
		msg = fmt.Sprintf("%s: %s: analysed up to frame %d", dn, s.trk.structErr, n)
	case s.dec != nil && s.dec.err != nil && !errors.Is(s.dec.err, io.ErrUnexpectedEOF):
		msg = fmt.Sprintf("%s: compressed data broken after frame %d (%v): analysed up to the break", dn, n, s.dec.err)
	case s.dec != nil && errors.Is(s.dec.err, io.ErrUnexpectedEOF):
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
//
// It also checks what pcapgo does not, before pcapgo sees the bytes: a block length
// that is not a multiple of 4, below 12 or beyond 16 MiB, or that its trailing copy
// contradicts, ends the stream there with an error (pcapgo would otherwise read on from
// a wrong offset and turn the bytes that follow into bogus packets or silently swallow
// them); a packet block that names an interface its section does not declare (pcapgo
// would stop the whole file there) is turned into a block pcapgo skips, and counted.
type ngTracker struct {
	r io.Reader

	state  uint8
	hdr    [12]byte
	hdrN   int    // header bytes read (after a cut: how many)
	body   uint64 // body bytes of the current block still to stream past
	length uint32 // the current block's total length
	big    bool   // current section's byte order
	nIf    int    // interfaces declared so far in the current section
	out    []byte // checked header or trailer bytes not handed on yet
	outBuf [12]byte
	err    error // returned once out is drained: the stream's end or its first error
	// structErr says what was wrong with the structure ("" when nothing was).
	structErr string
	curType   uint32 // type of the block being streamed
	frames    int    // records pushed (frame numbers as Wireshark counts them)

	// packet blocks naming an interface their section does not declare
	badIface      int
	badIfaceFirst int    // frame number of the first
	badIfaceID    uint32 // the interface it named
	badIfaceHave  int    // how many its section declared

	// queue of record kinds not yet claimed: recPacket or recOther
	q    []uint8
	head int
}

const (
	recPacket uint8 = iota + 1
	recOther
)

// tracker states: where in a block the stream is
const (
	ngHeader  uint8 = iota // at a block's start: its first 12 bytes come next
	ngBody                 // streaming the body
	ngTrailer              // the trailing copy of the length comes next
)

const (
	ngMinBlock = 12       // type, length, trailing length
	ngMaxBlock = 16 << 20 // Wireshark's limit too (MAX_BLOCK_SIZE)
	// ngSkipType replaces the type of a packet block pcapgo must skip: a type reserved
	// for local use (high bit set), which pcapgo discards unread.
	ngSkipType = 0xfffffffe
)

func (t *ngTracker) u32(b []byte) uint32 {
	if t.big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func (t *ngTracker) putU32(b []byte, v uint32) {
	if t.big {
		binary.BigEndian.PutUint32(b, v)
	} else {
		binary.LittleEndian.PutUint32(b, v)
	}
}

func (t *ngTracker) Read(p []byte) (int, error) {
	for {
		if len(t.out) > 0 {
			n := copy(p, t.out)
			t.out = t.out[n:]
			return n, nil
		}
		if t.err != nil {
			return 0, t.err
		}
		if len(p) == 0 {
			return 0, nil
		}
		switch t.state {
		case ngBody:
			if t.body == 0 {
				t.state = ngTrailer
				continue
			}
			q := p
			if uint64(len(q)) > t.body {
				q = q[:t.body]
			}
			n, err := t.r.Read(q)
			t.body -= uint64(n)
			if err != nil {
				t.err = err
			}
			if n > 0 {
				return n, nil
			}
		case ngTrailer:
			n, err := io.ReadFull(t.r, t.hdr[:4])
			if err != nil {
				t.release(n, err)
				continue
			}
			if v := t.u32(t.hdr[:4]); v != t.length {
				t.fail(fmt.Sprintf("block length %d, but its trailing copy says %d", t.length, v), true)
				continue
			}
			t.release(4, nil)
			t.state = ngHeader
		case ngHeader:
			n, err := io.ReadFull(t.r, t.hdr[:12])
			t.hdrN = n
			if err != nil {
				if n == 0 && err == io.ErrUnexpectedEOF {
					err = io.EOF
				}
				t.release(n, err)
				continue
			}
			t.header()
		}
	}
}

// release hands on the first n bytes of hdr, then err (nil: go on).
func (t *ngTracker) release(n int, err error) {
	k := copy(t.outBuf[:], t.hdr[:n])
	t.out = t.outBuf[:k]
	if err != nil {
		t.err = err
	}
}

// fail ends the stream at a block that makes no sense; counted says the block was
// already numbered (its header was accepted).
func (t *ngTracker) fail(what string, counted bool) {
	where := fmt.Sprintf("the block after frame %d", t.frames)
	switch {
	case counted && ngIsFrame(t.curType):
		where = fmt.Sprintf("frame %d", t.frames)
	case !counted && ngIsFrame(t.curType):
		where = fmt.Sprintf("frame %d", t.frames+1)
	}
	t.structErr = fmt.Sprintf("%s: broken pcapng block (%s)", where, what)
	t.err = errBrokenBlock
}

var errBrokenBlock = errors.New("broken pcapng block")

func ngIsFrame(typ uint32) bool {
	switch typ {
	case 2, 3, 6, 9, 0x00000bad, 0x40000bad:
		return true
	}
	return false
}

// header checks the 12 bytes at a block's start and queues them for pcapgo.
func (t *ngTracker) header() {
	typ := binary.LittleEndian.Uint32(t.hdr[:4])
	if typ == 0x0a0d0d0a {
		switch {
		case binary.BigEndian.Uint32(t.hdr[8:12]) == 0x1a2b3c4d:
			t.big = true
		case binary.LittleEndian.Uint32(t.hdr[8:12]) == 0x1a2b3c4d:
			t.big = false
		default:
			t.curType = typ
			t.fail("section header with an unknown byte-order magic", false)
			return
		}
		t.nIf = 0
	} else if t.big {
		typ = binary.BigEndian.Uint32(t.hdr[:4])
	}
	t.curType = typ
	length := t.u32(t.hdr[4:8])
	switch {
	case length%4 != 0:
		t.fail(fmt.Sprintf("length %d is not a multiple of 4", length), false)
		return
	case length < ngMinBlock:
		t.fail(fmt.Sprintf("length %d is below the minimum of %d", length, ngMinBlock), false)
		return
	case length > ngMaxBlock:
		t.fail(fmt.Sprintf("length %d is beyond %d MiB", length, ngMaxBlock>>20), false)
		return
	}
	t.length = length
	switch typ {
	case 1: // interface description
		t.nIf++
	case 2, 3, 6: // obsolete packet, simple packet, enhanced packet
		var id uint32
		switch typ {
		case 2:
			id = uint32(t.u32(t.hdr[8:12]))
			if t.big {
				id >>= 16
			} else {
				id &= 0xffff
			}
		case 6:
			id = t.u32(t.hdr[8:12])
		}
		if int64(id) >= int64(t.nIf) {
			// pcapgo would stop the file here: make it skip this one block instead.
			t.putU32(t.hdr[:4], ngSkipType)
			t.push(recOther)
			t.badIface++
			if t.badIface == 1 {
				t.badIfaceFirst, t.badIfaceID, t.badIfaceHave = t.frames, id, t.nIf
			}
			break
		}
		t.push(recPacket)
	case 5: // interface statistics: pcapgo stops at an undeclared interface too
		if int64(t.u32(t.hdr[8:12])) >= int64(t.nIf) {
			t.putU32(t.hdr[:4], ngSkipType)
		}
	case 9, 0x00000bad, 0x40000bad: // systemd journal export, custom blocks
		t.push(recOther)
	}
	t.release(12, nil)
	if length == ngMinBlock {
		// The 4 bytes after the length were the trailing copy.
		if v := t.u32(t.hdr[8:12]); v != length {
			t.out = nil
			t.fail(fmt.Sprintf("block length %d, but its trailing copy says %d", length, v), true)
		}
		t.state = ngHeader
		return
	}
	t.body = uint64(length) - 16
	t.state = ngBody
}

func (t *ngTracker) push(k uint8) {
	t.frames++
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
	// Tracking lost its way: count the packet alone.
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
// (for the wording of a truncation warning): the last block the tracker started is
// the one pcapgo was reading when the data ended.
func (t *ngTracker) inPacketBlock() bool {
	typ := t.curType
	if t.state == ngHeader {
		if t.hdrN < 4 {
			return false
		}
		typ = binary.LittleEndian.Uint32(t.hdr[:4])
		if t.big {
			typ = binary.BigEndian.Uint32(t.hdr[:4])
		}
	}
	return typ == 2 || typ == 3 || typ == 6
}
