package analyzer

import (
	"encoding/binary"
	"math"
	"net/netip"
	"time"

	"github.com/tcpmortem/tcpmortem/flows"
)

// record is what a run keeps of a flow once its full result has gone to the output:
// the facts the findings and the timeline read, and nothing else. It holds no pointer
// (the garbage collector never scans it) and takes 88 bytes, plus its socket states and
// response times packed into the run's arena (about 70 bytes for a typical
// connection), so a capture of millions of connections costs little more than the
// connections open at once.
type record struct {
	start int64 // Unix ns of the first packet
	// closeIdleData is the silence before the first close, measured from the last
	// payload byte either way (see flowTrace).
	closeIdleData time.Duration

	client endpoint
	srv    uint32 // the server's endpoint, in the run's table of servers (few: shared)

	id, firstFrame, closeFrame uint32
	evFrame                    uint32 // the decisive evidence (the last of the verdict's)
	evRef                      uint16 // its file and words, in the run's evidence table
	synCount                   uint16
	packed                     arenaRef

	verdict, close uint8 // indexes in verdictTable
	synRetries     int8  // the tcp_syn_retries a give-up shows, -1 when none
	side           uint8 // Facts.Side: sideNone, sideClient, sideServer
	closeBy        int8  // the side whose FIN or RST closed first, -1 when none
	closeKind      uint8 // closeNone, closeFIN, closeRST
	gaveUpBy       uint8 // AppFacts.GaveUpBy: gaveUpOther, gaveUpFIN, gaveUpRST
	flags          uint16
	opt            uint8 // which of optFacts the packed part holds

	// Where the parts of the packed part after the first start (see pack), so that a
	// reader of one part skips the others without decoding them: the findings and the
	// timeline read one part of every record. They fit in the struct's padding.
	serverAt       uint8  // the server's states (the client's take at most 127 bytes)
	optAt, waitsAt uint16 // the optional facts, the response times
}

// optFacts are the facts few flows have, packed after the states when set: the wait
// of an unanswered request (and the frame of that request), the silence of an idle
// flow, the time from an unanswered FIN to the RST. NaN (0 for the frame) when unset.
type optFacts struct {
	wait, silent, finToRST float64
	requestFrame           uint32
}

const (
	optWait = 1 << iota
	optSilent
	optFINToRST
	optRequestFrame
	// optSilentAtLeast: the flow was silent since before the capture began, so its
	// silence is a lower bound (silentBeforeCapture). A flag, not a fact packed.
	optSilentAtLeast
)

// endpoint is an address and port without netip's pointer (its zone handle).
type endpoint struct {
	ip   [16]byte
	port uint16
	is4  bool
}

func endpointOf(ap netip.AddrPort) endpoint {
	return endpoint{ip: ap.Addr().As16(), port: ap.Port(), is4: ap.Addr().Is4()}
}

func (e endpoint) addr() netip.Addr {
	a := netip.AddrFrom16(e.ip)
	if e.is4 {
		a = a.Unmap()
	}
	return a
}

func (e endpoint) addrPort() netip.AddrPort { return netip.AddrPortFrom(e.addr(), e.port) }

// String is what Flow.Client and Flow.Server say.
func (e endpoint) String() string { return e.addrPort().String() }

const (
	flagKeepSeen         = 1 << iota // a keepalive either way
	flagCloseAnswered                // the other side answered the first FIN with its own
	flagServed                       // the server's socket got past SYN_RECV (it has states)
	flagServerPayload                // the server sent payload
	flagClientSYN                    // the client sent a SYN
	flagApp                          // the verdict carries application facts
	flagListenOverflow               // the server's kernel never took the client's data (Facts.SYNACKAfterData)
	flagLateAnswer                   // the unanswered request's response came after the client gave up (AppFacts.LateResponse)
	flagRetrying                     // a side still retransmitting unacknowledged data at the end (flowTrace.retrying)
	flagPeerAlive                    // the retransmitting side's peer sent after a resend (Facts.PeerAlive)
	flagICMPBack                     // ICMP errors came back about the flow's segments (Facts.ICMP)
	flagResetUnacked                 // the server's RST on the first data carried no ACK and acknowledged none of it (resetUnacked)
	flagLostToClient                 // the client never got packets of the server's the capture holds (lostPastCapture)
	flagLostToServer                 // the server never got packets of the client's the capture holds
	flagWroteAfterFIN                // the client sent data after the server's FIN (a connection reused after its peer closed it)
	flagResetAtHandshake             // the server reset the connection at the handshake's last ACK, before any data (a reset with Facts.HandshakeToRST)
)

const (
	sideNone uint8 = iota
	sideClient
	sideServer
)

const (
	closeNone uint8 = iota
	closeFIN
	closeRST
)

const (
	gaveUpOther uint8 = iota
	gaveUpFIN
	gaveUpRST
)

// verdictTable numbers the verdicts for records.
var verdictTable, verdictIndex = func() ([]Verdict, map[Verdict]uint8) {
	m := make(map[Verdict]uint8, len(AllVerdicts))
	for i, v := range AllVerdicts {
		m[v] = uint8(i)
	}
	return AllVerdicts, m
}()

func (r *record) Verdict() Verdict { return verdictTable[r.verdict] }
func (r *record) Close() Verdict   { return verdictTable[r.close] }
func (r *record) Start() time.Time { return time.Unix(0, r.start).UTC() }
func (r *record) has(flag uint16) bool {
	return r.flags&flag != 0
}

// sideName is Facts.Side as the record keeps it.
func (r *record) sideName() string {
	switch r.side {
	case sideClient:
		return "client"
	case sideServer:
		return "server"
	}
	return ""
}

// optFloat is a *float64 fact as a record keeps it: NaN when unset.
func optFloat(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// arenaRef locates a record's packed states, waits and SYN gaps in the arena.
type arenaRef struct{ chunk, pos, n uint32 }

// arena holds the variable parts of every record, packed, in large chunks with no
// pointers inside (from mem, outside the Go heap): appending never copies what is there.
type arena struct {
	chunks [][]byte
	mem    *offHeap
}

const arenaChunk = 1 << 20

func (a *arena) add(b []byte) arenaRef {
	n := len(a.chunks)
	if n == 0 || len(a.chunks[n-1])+len(b) > cap(a.chunks[n-1]) {
		a.chunks = append(a.chunks, a.mem.bytes(max(arenaChunk, len(b)))[:0])
		n++
	}
	c := a.chunks[n-1]
	ref := arenaRef{chunk: uint32(n - 1), pos: uint32(len(c)), n: uint32(len(b))}
	a.chunks[n-1] = append(c, b...)
	return ref
}

func (a *arena) get(r arenaRef) []byte {
	if r.n == 0 {
		return nil
	}
	return a.chunks[r.chunk][r.pos : r.pos+r.n]
}

// evKey is an Evidence without its frame: few distinct ones exist in a run.
type evKey struct {
	file int
	what string
}

// records keeps every judged flow's record, by ID, and what they share.
type records struct {
	chunks  [][]record // record ID lives at chunks[(ID-1)/recordChunk][(ID-1)%recordChunk]
	arena   arena
	mem     offHeap // where the chunks and the arena's are (see release)
	servers []endpoint
	srvIdx  map[endpoint]uint32
	evs     []evKey
	evIdx   map[evKey]uint16
	files   []string
	buf     []byte // scratch for packing
	n       int
}

const recordChunk = 4096

func newRecords(files []string) *records {
	rs := &records{evIdx: map[evKey]uint16{}, files: files, srvIdx: map[endpoint]uint32{}}
	rs.arena.mem = &rs.mem
	return rs
}

// release gives back the memory of every record: nothing may read one after, nor a
// pointer list returns.
func (rs *records) release() {
	rs.chunks, rs.arena.chunks, rs.n = nil, nil, 0
	rs.mem.release()
}

// add keeps the record of a judged flow: its result r (before the output had it) and
// trace t.
func (rs *records) add(r *Flow, f *flows.Flow, t *flowTrace) {
	server := endpointOf(f.Server)
	srv, ok := rs.srvIdx[server]
	if !ok {
		srv = uint32(len(rs.servers))
		rs.servers = append(rs.servers, server)
		rs.srvIdx[server] = srv
	}
	rec := record{
		start:         f.First.At,
		closeIdleData: t.closeIdleData,
		client:        endpointOf(f.Client),
		srv:           srv,
		id:            uint32(r.ID),
		firstFrame:    uint32(r.FirstFrame),
		closeFrame:    uint32(t.closeAt.Frame),
		synCount:      uint16(min(r.Facts.SYNCount, math.MaxUint16)),
		verdict:       verdictIndex[r.Verdict],
		close:         verdictIndex[r.Close],
		synRetries:    -1,
		closeBy:       int8(t.closeBy),
		closeKind:     t.closeKind,
	}
	opt := optFacts{wait: math.NaN(), silent: optFloat(r.Facts.Silent), finToRST: optFloat(r.Facts.FINToRST)}
	if a := r.Facts.AppFacts; a != nil {
		rec.flags |= flagApp
		opt.wait = optFloat(a.Wait)
		opt.requestFrame = uint32(a.RequestFrame)
		switch a.GaveUpBy {
		case "FIN":
			rec.gaveUpBy = gaveUpFIN
		case "RST":
			rec.gaveUpBy = gaveUpRST
		}
	}
	if p := r.Facts.SYNRetries; p != nil {
		rec.synRetries = int8(min(*p, math.MaxInt8))
	}
	switch r.Facts.Side {
	case "client":
		rec.side = sideClient
	case "server":
		rec.side = sideServer
	}
	for _, b := range []struct {
		on   bool
		flag uint16
	}{{t.keepSeen, flagKeepSeen}, {t.retrying, flagRetrying}, {t.closeAnswered, flagCloseAnswered}, {t.nstates[flows.FromServer] > 0, flagServed},
		{r.PayloadBytes.Server > 0, flagServerPayload}, {r.Analysis.Client.SYNs > 0, flagClientSYN},
		{r.Facts.SYNACKAfterData > 0, flagListenOverflow},
		{r.Facts.AppFacts != nil && r.Facts.AppFacts.LateResponse > 0, flagLateAnswer},
		{r.Facts.PeerAlive, flagPeerAlive}, {r.Facts.ICMP != "", flagICMPBack},
		{r.Verdict == RSTOnFirstData && isFalse(r.Facts.DataAcked) && isFalse(r.Facts.RSTHasACK), flagResetUnacked},
		{t.lostTo&(1<<flows.FromClient) != 0, flagLostToClient}, {t.lostTo&(1<<flows.FromServer) != 0, flagLostToServer},
		{wroteAfterFIN(f), flagWroteAfterFIN}, {r.Verdict == Reset && r.Facts.HandshakeToRST != nil, flagResetAtHandshake}} {
		if b.on {
			rec.flags |= b.flag
		}
	}
	if n := len(r.Evidence); n > 0 {
		e := r.Evidence[n-1]
		k := evKey{what: e.What, file: -1}
		if e.File != "" { // named only when there are several inputs
			for i, name := range rs.files {
				if name == e.File {
					k.file = i
					break
				}
			}
		}
		idx, ok := rs.evIdx[k]
		if !ok && len(rs.evs) < math.MaxUint16 {
			idx = uint16(len(rs.evs))
			rs.evs = append(rs.evs, k)
			rs.evIdx[k] = idx
			ok = true
		}
		if ok {
			rec.evFrame, rec.evRef = uint32(e.Frame), idx
		}
	}
	rec.packed = rs.pack(t, &rec, r.Facts.SYNGaps, opt)
	if silentBeforeCapture(f) {
		rec.opt |= optSilentAtLeast
	}

	id := r.ID
	if id <= 0 {
		return
	}
	c := (id - 1) / recordChunk
	for len(rs.chunks) <= c {
		rs.chunks = append(rs.chunks, nil)
	}
	if rs.chunks[c] == nil {
		rs.chunks[c] = rs.mem.records(recordChunk)
	}
	rs.chunks[c][(id-1)%recordChunk] = rec
	rs.n++
}

// silentAtLeast says the flow was silent since before the capture began: its silence
// is a lower bound.
func (f *record) silentAtLeast() bool { return f.opt&optSilentAtLeast != 0 }

// pack writes a record's variable parts: each side's socket states (state, start
// from the flow's first packet, length), the optional facts, the response times
// (request time from the first packet, wait), the SYN back-off gaps (µs), all but the
// optional facts as varints: exact, and about a tenth of the fixed-size form. The
// record notes where the parts after the client's states start.
func (rs *records) pack(t *flowTrace, rec *record, gaps []float64, opt optFacts) arenaRef {
	b := rs.buf[:0]
	for side := 0; side < 2; side++ {
		if side == int(flows.FromServer) {
			rec.serverAt = uint8(len(b))
		}
		sp := t.spans(flows.Direction(side))
		b = append(b, byte(len(sp)))
		for _, s := range sp {
			b = append(b, s.state)
			b = binary.AppendVarint(b, s.from-rec.start)
			b = binary.AppendUvarint(b, uint64(s.to-s.from))
		}
	}
	// The states take at most 2×(1+6×21) bytes and the optional facts 29: the
	// offsets fit in 16 bits.
	rec.optAt = uint16(len(b))
	for i, v := range [...]float64{opt.wait, opt.silent, opt.finToRST} {
		if !math.IsNaN(v) {
			rec.opt |= 1 << i
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
	}
	if opt.requestFrame != 0 {
		rec.opt |= optRequestFrame
		b = binary.AppendUvarint(b, uint64(opt.requestFrame))
	}
	rec.waitsAt = uint16(len(b))
	b = binary.AppendUvarint(b, uint64(len(t.waits)))
	for _, w := range t.waits {
		b = binary.AppendVarint(b, w.at.UnixNano()-rec.start)
		b = binary.AppendVarint(b, int64(w.wait))
	}
	b = binary.AppendUvarint(b, uint64(len(gaps)))
	for _, g := range gaps {
		b = binary.AppendVarint(b, int64(math.Round(g*1e6)))
	}
	rs.buf = b
	return rs.arena.add(b)
}

// unpacked are a record's variable parts, read back.
type unpacked struct {
	spans [2][]span
	waits []timedWait
	gaps  []float64
	opt   optFacts
}

// packedReader reads a record's packed part in the order pack wrote it: the client's
// states, the server's, the optional facts, the response times, the SYN gaps, each
// part appended to the caller's buffer. It starts at the part it is made for: the
// first (offset 0), or one whose offset the record keeps, reading nothing before it.
type packedReader struct {
	rec *record
	b   []byte
	i   int
}

func (rs *records) reader(rec *record, at int) packedReader {
	return packedReader{rec: rec, b: rs.arena.get(rec.packed), i: at}
}

func (r *packedReader) uv() uint64 {
	v, n := binary.Uvarint(r.b[r.i:])
	r.i += n
	return v
}

func (r *packedReader) sv() int64 {
	v, n := binary.Varint(r.b[r.i:])
	r.i += n
	return v
}

// spans reads one side's states, appending them to buf.
func (r *packedReader) spans(buf []span) []span {
	n := int(r.b[r.i])
	r.i++
	for k := 0; k < n; k++ {
		st := r.b[r.i]
		r.i++
		from := r.rec.start + r.sv()
		to := from + int64(r.uv())
		buf = append(buf, span{from: from, to: to, state: st})
	}
	return buf
}

func (r *packedReader) waits(buf []timedWait) []timedWait {
	for n := r.uv(); n > 0; n-- {
		at, w := r.sv(), r.sv()
		buf = append(buf, timedWait{time.Unix(0, r.rec.start+at), time.Duration(w)})
	}
	return buf
}

func (r *packedReader) gaps(buf []float64) []float64 {
	for n := r.uv(); n > 0; n-- {
		buf = append(buf, float64(r.sv())/1e6)
	}
	return buf
}

func (r *packedReader) opt() optFacts {
	o := optFacts{wait: math.NaN(), silent: math.NaN(), finToRST: math.NaN()}
	for i, v := range [...]*float64{&o.wait, &o.silent, &o.finToRST} {
		if r.rec.opt&(1<<i) != 0 {
			*v = math.Float64frombits(binary.LittleEndian.Uint64(r.b[r.i:]))
			r.i += 8
		}
	}
	if r.rec.opt&optRequestFrame != 0 {
		o.requestFrame = uint32(r.uv())
	}
	return o
}

func (rs *records) unpack(rec *record) unpacked {
	var u unpacked
	r := rs.reader(rec, 0)
	u.spans[0] = r.spans(nil)
	u.spans[1] = r.spans(nil)
	u.opt = r.opt()
	u.waits = r.waits(nil)
	u.gaps = r.gaps(nil)
	return u
}

// spansOf appends one side's socket states to buf, reading nothing else.
func (rs *records) spansOf(rec *record, side flows.Direction, buf []span) []span {
	at := 0
	if side == flows.FromServer {
		at = int(rec.serverAt)
	}
	r := rs.reader(rec, at)
	return r.spans(buf)
}

// waitsOf appends the record's response times to buf.
func (rs *records) waitsOf(rec *record, buf []timedWait) []timedWait {
	r := rs.reader(rec, int(rec.waitsAt))
	return r.waits(buf)
}

// optOf reads a record's optional facts, skipping the rest.
func (rs *records) optOf(rec *record) optFacts {
	r := rs.reader(rec, int(rec.optAt))
	return r.opt()
}

// server is the record's server endpoint.
func (rs *records) server(rec *record) endpoint { return rs.servers[rec.srv] }

// evidence is the record's decisive frame as the findings cite it (ok false: none).
func (rs *records) evidence(rec *record) (Evidence, bool) {
	if rec.evFrame == 0 {
		return Evidence{}, false
	}
	k := rs.evs[rec.evRef]
	e := Evidence{Frame: int(rec.evFrame), What: k.what}
	if k.file >= 0 && k.file < len(rs.files) {
		e.File = rs.files[k.file]
	}
	return e, true
}

// byID is the record of flow id, nil when there is none.
func (rs *records) byID(id int) *record {
	c := (id - 1) / recordChunk
	if id <= 0 || c >= len(rs.chunks) || rs.chunks[c] == nil {
		return nil
	}
	if r := &rs.chunks[c][(id-1)%recordChunk]; r.id != 0 {
		return r
	}
	return nil
}

// list lists the records that keep takes, by ID (pointers into the chunks, which
// stay where they are).
func (rs *records) list(keep func(*record) bool) []*record {
	out := make([]*record, 0, rs.n)
	read := passRead{mem: &rs.mem}
	for _, c := range rs.chunks {
		for i := range c {
			if c[i].id != 0 && keep(&c[i]) {
				out = append(out, &c[i])
			}
		}
		read.add(len(c))
	}
	return out
}
