package app

import (
	"bytes"

	"github.com/tcpmortem/tcpmortem/flows"
	"github.com/tcpmortem/tcpmortem/flows/stream"
)

// Recognition looks at the first bytes each side sends, on any port. Most first segments
// say it at once; a first segment too short to tell (a 2-byte write) is kept, with up to
// detSegs-1 more, until detMax bytes, and replayed to the parser once the protocol is known.
const (
	detMax   = 64
	detSegs  = 8
	detTries = 16 // segment starts tried after a gap or on a midstream flow
)

type match uint8

const (
	no match = iota
	maybe
	yes
)

type detSeg struct {
	n int
	m stream.Meta
}

// detector holds what each side sent while the protocol is undecided.
type detector struct {
	buf      [2][detMax]byte
	n        [2]int
	segs     [2][detSegs]detSeg
	ns       [2]int
	no       [2]bool // the side's first bytes matched nothing
	unsynced [2]bool // bytes of the side were not kept: its parser must resynchronise
	retry    [2]bool // try again at the next segment start (after a gap, or midstream)
	tries    [2]int
}

func (st *flowState) detect(d flows.Direction, b []byte, n int, m stream.Meta) {
	if st.det == nil {
		if b != nil {
			// Nothing is kept yet, and nearly every flow's first segment says at once what
			// it is: then no detector is made (it is the biggest object of a flow's state).
			if r, p := recognise(d, b[:min(len(b), detMax)]); r == yes {
				st.decideWith(p, d, b, n, m)
				return
			}
		}
		st.det = &detector{retry: [2]bool{st.midstream, st.midstream}}
	}
	dt := st.det
	if b == nil {
		dt.lost(st, d)
		return
	}
	if dt.no[d] {
		dt.keep(d, b, m)
		return
	}
	var tmp [detMax]byte
	c := copy(tmp[:], dt.buf[d][:dt.n[d]])
	c += copy(tmp[c:], b)
	r, p := recognise(d, tmp[:c])
	if r == maybe && (c == detMax || dt.ns[d] == detSegs-1) {
		r = no
	}
	switch r {
	case yes:
		st.decideWith(p, d, b, n, m)
	case maybe:
		dt.keep(d, b, m)
	case no:
		if dt.retry[d] && dt.tries[d] < detTries {
			// Not a message start: drop it and look at the next segment's start.
			dt.tries[d]++
			dt.n[d], dt.ns[d] = 0, 0
			dt.unsynced[d] = true
			return
		}
		dt.no[d] = true
		dt.keep(d, b, m)
		if dt.no[d.Other()] {
			st.decide(pUnknown)
			st.det = nil
		}
	}
}

// keep stores bytes for replay; what does not fit is lost to the parser.
func (dt *detector) keep(d flows.Direction, b []byte, m stream.Meta) {
	if dt.unsynced[d] {
		return
	}
	if dt.ns[d] == detSegs || dt.n[d]+len(b) > detMax {
		dt.unsynced[d] = true
		return
	}
	copy(dt.buf[d][dt.n[d]:], b)
	dt.n[d] += len(b)
	dt.segs[d][dt.ns[d]] = detSeg{len(b), m}
	dt.ns[d]++
}

// lost handles a gap before the protocol is known: what was kept no longer leads to the
// next bytes, so detection starts over at the next segment.
func (dt *detector) lost(st *flowState, d flows.Direction) {
	if dt == nil {
		dt = &detector{}
		st.det = dt
	}
	dt.n[d], dt.ns[d] = 0, 0
	dt.unsynced[d] = true
	dt.retry[d] = true
	dt.no[d] = false
}

// decideWith sets the protocol recognised in direction d's bytes b (which follow what was
// kept for d) and replays everything kept, client first, to the new parsers.
func (st *flowState) decideWith(p uint8, d flows.Direction, b []byte, n int, m stream.Meta) {
	dt := st.det
	st.det = nil
	st.decide(p)
	if dt == nil { // recognised from the first bytes: nothing was kept
		st.data(d, b, n, m)
		return
	}
	st.replay = true
	for dd := flows.FromClient; dd <= flows.FromServer; dd++ {
		if dt.unsynced[dd] {
			st.unsync(dd)
		}
		off := 0
		for i := 0; i < dt.ns[dd]; i++ {
			s := dt.segs[dd][i]
			st.data(dd, dt.buf[dd][off:off+s.n], s.n, s.m)
			off += s.n
		}
	}
	st.replay = false
	st.data(d, b, n, m)
}

// unsync tells direction d's parser that the bytes it gets next do not start a message.
func (st *flowState) unsync(d flows.Direction) {
	switch st.proto {
	case pHTTP:
		st.http.dir[d].state = hResync
	case pUndecided, pUnknown:
	default:
		st.other.unsynced[d] = true
		st.stop(d)
	}
}

// finish decides at the flow's end with what was kept: a still ambiguous start is unknown.
func (dt *detector) finish(st *flowState) {
	st.decide(pUnknown)
}

// recognise says whether b, the first bytes direction d sent, start a known protocol.
func recognise(d flows.Direction, b []byte) (match, uint8) {
	best := no
	// Candidates are tried in order of precedence. A later one's yes waits while an
	// earlier one may still match (a TLS record header is 5 bytes; a MySQL error packet
	// can be recognised in as many): the answer never changes as more bytes arrive.
	try := func(r match) bool {
		if r == maybe {
			best = maybe
		}
		return r == yes && best != maybe
	}
	if d == flows.FromClient {
		// The HTTP/2 preface looks like an HTTP/1 request line ("PRI * HTTP/2.0"): while
		// it still may be one, it is nothing else.
		if r := prefix(b, h2Preface); r != no {
			return r, pHTTP2
		}
		switch {
		case try(tlsRecord(b, 1)):
			return yes, pTLS
		case try(prefix(b, []byte("SSH-"))):
			return yes, pSSH
		case try(postgresStart(b)):
			return yes, pPostgres
		case try(redisCommand(b)):
			return yes, pRedis
		case try(prefixFold(b, "EHLO ")), try(prefixFold(b, "HELO ")):
			return yes, pSMTP
		case try(httpRequestLine(b)):
			return yes, pHTTP
		}
		return best, 0
	}
	switch {
	case try(prefix(b, []byte("SSH-"))):
		return yes, pSSH
	case try(tlsRecord(b, 2)):
		return yes, pTLS
	case try(prefix(b, []byte("HTTP/1."))):
		return yes, pHTTP
	case try(mysqlGreeting(b)):
		return yes, pMySQL
	case try(prefix(b, []byte("220 "))), try(prefix(b, []byte("220-"))):
		return yes, pSMTP
	}
	return best, 0
}

var h2Preface = []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")

func prefix(b, sig []byte) match {
	if len(b) >= len(sig) {
		if bytes.Equal(b[:len(sig)], sig) {
			return yes
		}
		return no
	}
	if bytes.Equal(b, sig[:len(b)]) {
		return maybe
	}
	return no
}

func prefixFold(b []byte, sig string) match {
	n := len(sig)
	if len(b) < n {
		n = len(b)
	}
	if !bytes.EqualFold(b[:n], []byte(sig[:n])) {
		return no
	}
	if n == len(sig) {
		return yes
	}
	return maybe
}

// tlsRecord matches a TLS handshake record whose first message has type hs (1
// ClientHello, 2 ServerHello); for the server side an alert record matches too.
func tlsRecord(b []byte, hs byte) match {
	if len(b) == 0 {
		return maybe
	}
	if b[0] == 0x15 && hs == 2 { // alert instead of a ServerHello
		if len(b) >= 2 && b[1] != 3 {
			return no
		}
		if len(b) >= 3 && b[2] > 4 {
			return no
		}
		if len(b) < 3 {
			return maybe
		}
		return yes
	}
	if b[0] != 0x16 {
		return no
	}
	if len(b) >= 2 && b[1] != 3 {
		return no
	}
	if len(b) >= 3 && b[2] > 4 {
		return no
	}
	if len(b) < 6 {
		return maybe
	}
	if b[5] != hs {
		return no
	}
	return yes
}

// PostgreSQL's untyped first messages.
const (
	pgSSLRequest    = 80877103
	pgGSSENCRequest = 80877104
	pgCancelRequest = 80877102
	pgProtocol3     = 196608
)

func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func postgresStart(b []byte) match {
	if len(b) < 8 {
		// A length below 64 KiB starts with two zero bytes.
		for i := 0; i < len(b) && i < 2; i++ {
			if b[i] != 0 {
				return no
			}
		}
		return maybe
	}
	n, code := be32(b), be32(b[4:])
	switch {
	case n == 8 && (code == pgSSLRequest || code == pgGSSENCRequest):
		return yes
	case n == 16 && code == pgCancelRequest:
		return yes
	case code == pgProtocol3 && n > 8 && n < 10000:
		return yes
	}
	return no
}

// redisCommand matches a RESP array of bulk strings (*N\r\n$L\r\n...) or an inline PING.
func redisCommand(b []byte) match {
	if len(b) == 0 {
		return maybe
	}
	if b[0] == '*' {
		i := 1
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		rest := []byte("\r\n$")
		if i == 1 && i < len(b) {
			return no
		}
		for _, c := range rest {
			if i == len(b) {
				return maybe
			}
			if b[i] != c {
				return no
			}
			i++
		}
		return yes
	}
	r := prefixFold(b, "PING")
	if r != yes {
		return r
	}
	if len(b) == 4 {
		return maybe
	}
	if b[4] == '\r' || b[4] == '\n' || b[4] == ' ' {
		return yes
	}
	return no
}

var httpMethods = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
	"TRACE", "PATCH", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK",
	"REPORT", "SEARCH", "PURGE"}

func isMethodChar(c byte) bool { return c >= 'A' && c <= 'Z' || c == '-' || c == '_' }

// httpRequestLine matches the start of an HTTP/1.x request line: a method, a space, and a
// target that starts like one (a known method may be followed by anything).
func httpRequestLine(b []byte) match {
	i := 0
	for i < len(b) && i < 20 && isMethodChar(b[i]) {
		i++
	}
	if i == len(b) {
		if i > 0 && i <= 20 { // a method of up to 20 characters: the space may come next
			return maybe
		}
		return no
	}
	if i < 3 || b[i] != ' ' {
		return no
	}
	if i+1 == len(b) {
		return maybe
	}
	if c := b[i+1]; c == '/' || c == '*' {
		return yes
	}
	for _, m := range httpMethods {
		if string(b[:i]) == m {
			return yes
		}
	}
	return no
}

// mysqlGreeting matches a MySQL initial handshake packet (protocol 10) with sequence 0,
// or the error packet a server sends instead ("Too many connections").
func mysqlGreeting(b []byte) match {
	if len(b) >= 3 && b[2] != 0 {
		return no // a greeting is shorter than 64 KiB
	}
	if len(b) >= 4 && b[3] != 0 {
		return no
	}
	if len(b) < 5 {
		return maybe
	}
	n := int(b[0]) | int(b[1])<<8
	switch b[4] {
	case 10:
		if n < 20 || n > 4096 {
			return no
		}
		// the version string: printable up to its NUL
		for i := 5; i < len(b); i++ {
			c := b[i]
			if c == 0 {
				if i == 5 {
					return no
				}
				return yes
			}
			if c < 0x20 || c > 0x7e {
				return no
			}
		}
		return maybe
	case 0xff:
		if n < 3 || n > 1024 {
			return no
		}
		return yes
	}
	return no
}
