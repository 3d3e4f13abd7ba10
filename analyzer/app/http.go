package app

import (
	"bytes"
	"strconv"

	"github.com/tcpmortem/tcpmortem/flows"
	"github.com/tcpmortem/tcpmortem/flows/stream"
)

// HTTP/1.x, for real but heads only: each direction reads its messages line by line (a
// line is kept up to MaxHead bytes, a head beyond MaxHead is marked oversize but still
// framed), and bodies are counted, never stored: Content-Length, chunked (chunk-size
// lines, extensions, trailers) and close-delimited (a response without length, ended by
// the server's FIN). HEAD, 1xx, 204 and 304 responses have no body; 1xx before the final
// status are interim; 101 and a successful CONNECT end HTTP on the connection.
// Responses pair with requests in order (keep-alive and pipelining).

// maxExchanges bounds the exchanges kept per flow: beyond it the oldest answered ones
// are dropped (counted in Info.HTTPOmitted).
const maxExchanges = 256

// maxPath caps the request target kept.
const maxPath = 2048

// parser states of one direction
const (
	hStart     uint8 = iota // expecting a start line (empty lines before it are skipped)
	hHeaders                // header lines until the empty line
	hBody                   // Content-Length body: remain bytes
	hChunkSize              // a chunk-size line
	hChunkData              // chunk data: remain bytes
	hChunkEnd               // the CRLF after chunk data
	hTrailer                // trailer lines until the empty line
	hClose                  // body delimited by the connection's close
	hResync                 // lost: waiting for a segment that starts a message
	hDone                   // no more HTTP on this connection (101, CONNECT tunnel)
	hBad                    // bytes that break HTTP's framing: no more HTTP this way
)

type httpState struct {
	st  *flowState
	dir [2]httpDir
	// base is the absolute index of info.HTTP[0] (older exchanges were dropped).
	base int
	// nextResp is the absolute index of the oldest request without a final response.
	nextResp int
}

// httpDir parses one direction.
type httpDir struct {
	hs    *httpState
	d     flows.Direction
	state uint8

	line      []byte      // the current line, without its LF (kept up to MaxHead)
	lineLen   int         // its full length
	lineM     stream.Meta // the packet carrying its first byte
	inLine    bool        // a line has started
	headLen   int         // bytes of the current head so far
	msgM      stream.Meta // the packet carrying the message's first byte
	msgBytes  int64
	remain    int64 // body bytes left (Content-Length or chunk)
	chunkBase int64 // stream offset of the current Data chunk (for SkipTo)
	chunkPos  int64 // bytes of the chunk consumed

	// the message being read
	ex       int   // absolute index of its exchange, -1 when none
	cl       int64 // Content-Length, -1 when absent or invalid
	chunked  bool
	teOther  bool // Transfer-Encoding without chunked last
	interim  bool // a 1xx response
	status   int
	oversize bool
	lastHost string // the previous request's Host, reused to save an allocation
}

// init readies hs, zero (new, or made along with st in an httpFlowState), as st's HTTP
// parser. Fields are set one by one: assigning whole structs would write every zero byte
// again, through write barriers while the GC runs.
func (hs *httpState) init(st *flowState) {
	hs.st = st
	for d := range hs.dir {
		h := &hs.dir[d]
		h.hs, h.d, h.ex, h.cl = hs, flows.Direction(d), -1, -1
	}
}

// exchange returns the exchange with absolute index i, nil when dropped or unknown.
func (hs *httpState) exchange(i int) *Exchange {
	i -= hs.base
	if i < 0 || i >= len(hs.st.info.HTTP) {
		return nil
	}
	return &hs.st.info.HTTP[i]
}

// add appends a zero exchange and returns its absolute index; the caller fills it in
// (an Exchange is big: it is not copied in).
func (hs *httpState) add() int {
	info := &hs.st.info
	if len(info.HTTP) >= 2*maxExchanges {
		// Drop the oldest answered exchanges (never one still waiting or being read).
		k := hs.nextResp - hs.base
		for _, d := range hs.dir {
			if d.ex >= 0 && d.ex-hs.base < k {
				k = d.ex - hs.base
			}
		}
		if k > maxExchanges {
			k = maxExchanges
		}
		if k > 0 {
			n := copy(info.HTTP, info.HTTP[k:])
			clear(info.HTTP[n:])
			info.HTTP = info.HTTP[:n]
			hs.base += k
			info.HTTPOmitted += k
		}
	}
	switch {
	case info.HTTP == nil:
		// Most connections carry one exchange: room for more is not made up front.
		info.HTTP = make([]Exchange, 0, 1)
	case len(info.HTTP) == 1 && cap(info.HTTP) == 1:
		// A second exchange: a keep-alive connection, likely to carry a few more.
		info.HTTP = append(make([]Exchange, 0, 4), info.HTTP[0])
	}
	info.HTTP = append(info.HTTP, Exchange{})
	return hs.base + len(info.HTTP) - 1
}

func (h *httpDir) cur() *Exchange {
	if h.ex < 0 {
		return nil
	}
	return h.hs.exchange(h.ex)
}

// data parses in-order bytes; b is nil for bytes the reassembler skipped (in a body).
func (h *httpDir) data(b []byte, n int, m stream.Meta) {
	if h.state == hDone || h.state == hBad {
		return
	}
	if h.state == hResync {
		if b == nil || !h.startsMessage(b) {
			return
		}
		h.state = hStart
		h.resetLine()
	}
	h.chunkBase = h.hs.st.half[h.d].Offset()
	h.chunkPos = 0
	if h.state == hStart && h.d == flows.FromServer && !h.inLine && len(b) > 0 && b[0] != '\r' && b[0] != '\n' &&
		!bytes.HasPrefix([]byte("HTTP/"), b[:min(len(b), 5)]) {
		// Not a status line: the answer to an HTTP/0.9 request starts with its first
		// byte, whether or not a line ends in it.
		if h.simpleResponse(m) {
			h.msgBytes = 0 // the loop counts this chunk's bytes into the body
		}
	}
	for n > 0 {
		switch h.state {
		case hBody, hChunkData:
			k := n
			if int64(k) > h.remain {
				k = int(h.remain)
			}
			h.remain -= int64(k)
			h.msgBytes += int64(k)
			h.chunkPos += int64(k)
			n -= k
			if b != nil {
				b = b[k:]
			}
			if h.remain == 0 {
				if h.state == hBody {
					h.messageDone(m)
				} else {
					h.state = hChunkEnd
				}
			}
		case hClose:
			h.msgBytes += int64(n)
			return
		case hResync, hDone, hBad:
			return
		default: // a line state
			if b == nil {
				h.lost()
				return
			}
			i := bytes.IndexByte(b, '\n')
			if !h.inLine && i >= 0 {
				// The whole line is in this chunk: read it in place.
				k := i + 1
				h.msgBytes += int64(k)
				h.chunkPos += int64(k)
				h.headLen += k
				line := b[:i]
				if len(line) > MaxHead {
					line = line[:MaxHead] // as much as the slow path keeps
				}
				b = b[k:]
				n -= k
				h.endLine(line, i, m, m)
				continue
			}
			if !h.inLine {
				h.inLine = true
				h.lineM = m
			}
			part := b
			if i >= 0 {
				part = b[:i]
			}
			h.lineLen += len(part)
			if room := MaxHead - len(h.line); room > 0 {
				if len(part) > room {
					part = part[:room]
				}
				h.line = append(h.line, part...)
			}
			if i < 0 {
				h.msgBytes += int64(n)
				h.chunkPos += int64(n)
				h.headLen += n
				return
			}
			k := i + 1
			h.msgBytes += int64(k)
			h.chunkPos += int64(k)
			h.headLen += k
			b = b[k:]
			n -= k
			line, full, lineM := h.line, h.lineLen, h.lineM
			h.resetLine()
			h.endLine(line, full, lineM, m)
		}
	}
}

// gap handles bytes the capture did not have.
func (h *httpDir) gap(n int, m stream.Meta) {
	switch h.state {
	case hBody, hChunkData:
		if int64(n) <= h.remain {
			if e := h.cur(); e != nil {
				e.Gap = true
			}
			h.remain -= int64(n)
			h.msgBytes += int64(n)
			if h.remain == 0 {
				if h.state == hBody {
					h.messageDone(m)
				} else {
					h.state = hChunkEnd
				}
			}
			return
		}
		h.lost()
	case hClose:
		if e := h.cur(); e != nil {
			e.Gap = true
		}
		h.msgBytes += int64(n)
	case hResync, hDone, hBad:
	case hStart:
		if h.inLine && len(h.line) > 0 {
			// A start line cut short by the gap (a short snaplen keeps just that): read
			// what it says, then give up on the message.
			h.partialStart()
			if h.state == hBad {
				return
			}
		} else if h.d == flows.FromServer {
			// A response's start is missing: say so on the request it would answer.
			if e := h.hs.exchange(h.hs.nextResp); e != nil {
				e.Gap = true
			}
		}
		h.lost()
	default:
		h.lost()
	}
}

// lost gives up on the current message: the parser waits for a segment that starts one.
func (h *httpDir) lost() {
	if e := h.cur(); e != nil {
		e.Gap = true
		h.cutShort(e)
	}
	h.state = hResync
	h.resetLine()
	h.ex = -1
}

// bad gives up on the direction: its captured bytes, contiguous, are not HTTP where a
// message's framing says they must be (a bad start line or chunk size, often after a
// wrong Content-Length). The peer's HTTP parser would fail there as well, and where the
// parser should pick up again is guesswork; guessing at segment starts (as after a gap)
// would make the result depend on how the sender's bytes were cut into segments. So
// nothing more is parsed this way: later requests stay unanswered, as they were for the
// client. The message is cut short but has no Gap (no byte was missing).
func (h *httpDir) bad() {
	if e := h.cur(); e != nil {
		h.cutShort(e)
	}
	h.state = hBad
	h.resetLine()
	h.ex = -1
	h.hs.st.stop(h.d)
}

// cutShort records how far an unfinished message got: an unfinished request's
// RequestEnd is the last packet that carried its bytes (RequestComplete stays false).
func (h *httpDir) cutShort(e *Exchange) {
	if h.d == flows.FromClient {
		if !e.RequestComplete {
			e.RequestEnd = h.hs.st.last[h.d].Time
			e.RequestBytes = h.msgBytes
		}
	} else if !h.interim && !e.Complete {
		e.ResponseBytes = h.msgBytes
	}
}

// partialStart reads a start line that will never end (a gap, or the flow's end).
func (h *httpDir) partialStart() {
	line := trimCR(h.line)
	if h.d == flows.FromClient {
		if httpRequestLine(line) == yes {
			h.msgM = h.lineM
			h.msgBytes = int64(h.lineLen)
			h.requestLine(line, true)
		}
		return
	}
	if len(line) >= 12 && bytes.HasPrefix(line, []byte("HTTP/1.")) {
		h.msgM = h.lineM
		h.msgBytes = int64(h.lineLen)
		h.statusLine(line)
	}
}

// startsMessage reports whether a segment's bytes start a request (client) or a
// response (server) line.
func (h *httpDir) startsMessage(b []byte) bool {
	if h.d == flows.FromClient {
		return httpRequestLine(b) == yes && prefix(b, h2Preface) == no
	}
	return prefix(b, []byte("HTTP/1.")) == yes
}

func (h *httpDir) resetLine() {
	h.line = h.line[:0]
	h.lineLen = 0
	h.inLine = false
}

// endLine handles a complete line: line is what was kept of it (without the LF; valid
// only during the call), full its real length, lineM the packet that carried its first
// byte, m the one that carried its LF.
func (h *httpDir) endLine(line []byte, full int, lineM, m stream.Meta) {
	truncated := full > len(line)
	line = trimCR(line)
	switch h.state {
	case hStart:
		if full == 0 || len(line) == 0 {
			// Empty lines before a message are skipped (RFC 9112 2.2).
			h.msgBytes = 0
			h.headLen = 0
			return
		}
		h.msgM = lineM
		h.msgBytes = int64(full + 1)
		h.headLen = full + 1
		h.oversize = false
		if h.d == flows.FromClient {
			h.requestLine(line, truncated)
		} else {
			h.statusLine(line)
		}
	case hHeaders:
		if h.headLen > MaxHead && !h.oversize {
			h.oversize = true
			if e := h.cur(); e != nil {
				e.Oversize = true
			}
		}
		if len(line) == 0 && full <= 1 {
			h.headDone(m)
			return
		}
		h.header(line)
	case hChunkSize:
		size, ok := chunkSize(line)
		if !ok {
			h.bad()
			return
		}
		if size == 0 {
			h.state = hTrailer
			return
		}
		h.remain = size
		h.state = hChunkData
		h.skipBody()
	case hChunkEnd:
		h.state = hChunkSize
	case hTrailer:
		if len(line) == 0 {
			h.messageDone(m)
		}
	}
}

// requestLine starts a request: METHOD SP target SP HTTP/x.y.
func (h *httpDir) requestLine(line []byte, truncated bool) {
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 {
		h.bad()
		return
	}
	method := line[:sp]
	rest := line[sp+1:]
	target, proto := rest, []byte(nil)
	if i := bytes.LastIndexByte(rest, ' '); i >= 0 {
		if v := rest[i+1:]; bytes.HasPrefix(v, []byte("HTTP/")) {
			target, proto = rest[:i], v
		} else if truncated && bytes.HasPrefix([]byte("HTTP/1.1"), v) {
			target = rest[:i] // the version was cut off
		}
	}
	if len(target) > maxPath {
		target = target[:maxPath]
	}
	h.hs.st.info.HTTPRequests++
	h.ex = h.hs.add()
	e := h.cur()
	e.Method = methodString(method)
	e.Path = string(target)
	e.Proto = protoString(proto)
	if proto == nil && !truncated && e.Method == "GET" && len(target) > 0 {
		// No version: an HTTP/0.9 Simple-Request (RFC 1945 4.1), answered with the
		// body alone (see statusLine).
		e.Proto = "HTTP/0.9"
	}
	e.RequestFrame, e.RequestFile, e.RequestStart = h.msgM.Frame, h.msgM.File, h.msgM.Time
	e.Oversize = truncated
	h.cl, h.chunked, h.teOther = -1, false, false
	h.state = hHeaders
}

// statusLine starts a response: HTTP/x.y SP code [SP reason].
func (h *httpDir) statusLine(line []byte) {
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/")) || line[8] != ' ' {
		if !bytes.HasPrefix(line, []byte("HTTP/")) && h.simpleResponse(h.msgM) {
			return
		}
		h.bad()
		return
	}
	code, err := strconv.Atoi(string(line[9:12]))
	if err != nil || code < 100 || code > 999 {
		h.bad()
		return
	}
	hs := h.hs
	h.status = code
	h.interim = code >= 100 && code < 200 && code != 101
	h.cl, h.chunked, h.teOther = -1, false, false
	h.state = hHeaders
	if hs.nextResp >= hs.base+len(hs.st.info.HTTP) {
		// A response with no request seen (capture started late, or request lost):
		// keep it as an exchange of its own.
		h.ex = hs.add()
	} else {
		h.ex = hs.nextResp
	}
	e := h.cur()
	if e == nil {
		return
	}
	if h.interim {
		e.Interim = append(e.Interim, code)
		return
	}
	e.Status = code
	e.ResponseFrame, e.ResponseFile, e.ResponseStart = h.msgM.Frame, h.msgM.File, h.msgM.Time
	// The next response answers the next request, even if this one is cut short.
	if h.ex >= hs.nextResp {
		hs.nextResp = h.ex + 1
	}
	if !e.RequestEnd.IsZero() && e.ResponseStart.After(e.RequestEnd) {
		e.Wait = e.ResponseStart.Sub(e.RequestEnd)
	}
	hs.st.info.HTTPAnswered++
}

// simpleResponse takes what the server sends to an HTTP/0.9 Simple-Request as its
// Simple-Response (RFC 1945 6): the body alone, no status line, until the server closes.
// The exchange is answered, with no status (0), from the packet m; false when no
// HTTP/0.9 request waits for an answer.
func (h *httpDir) simpleResponse(m stream.Meta) bool {
	hs := h.hs
	if hs.nextResp >= hs.base+len(hs.st.info.HTTP) {
		return false // no request waits
	}
	e := hs.exchange(hs.nextResp)
	if e == nil || e.Proto != "HTTP/0.9" {
		return false
	}
	h.msgM = m
	h.ex = hs.nextResp
	hs.nextResp++
	h.status, h.interim = 0, false
	e.ResponseFrame, e.ResponseFile, e.ResponseStart = h.msgM.Frame, h.msgM.File, h.msgM.Time
	sent := e.RequestEnd // a Simple-Request is its line alone: its packet, when no end was seen
	if sent.IsZero() {
		sent = e.RequestStart
	}
	if e.ResponseStart.After(sent) {
		e.Wait = e.ResponseStart.Sub(sent)
	}
	hs.st.info.HTTPAnswered++
	h.state = hClose
	return true
}

var (
	hdrContentLength    = []byte("content-length")
	hdrTransferEncoding = []byte("transfer-encoding")
	hdrHost             = []byte("host")
)

func (h *httpDir) header(line []byte) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return // obsolete folding or junk: nothing we need
	}
	// The value is trimmed only for the few headers read: most are not.
	name, raw := line[:colon], line[colon+1:]
	switch len(name) {
	case len(hdrHost):
		if h.d == flows.FromClient && bytes.EqualFold(name, hdrHost) {
			if e := h.cur(); e != nil {
				value := bytes.TrimSpace(raw)
				if string(value) == h.lastHost {
					e.Host = h.lastHost
				} else {
					e.Host = string(value)
					h.lastHost = e.Host
				}
			}
		}
	case len(hdrContentLength):
		if bytes.EqualFold(name, hdrContentLength) {
			n, err := parseLength(bytes.TrimSpace(raw))
			if err != nil || n < 0 || (h.cl >= 0 && h.cl != n) {
				h.cl = -2 // invalid or conflicting
			} else if h.cl != -2 {
				h.cl = n
			}
		}
	case len(hdrTransferEncoding):
		if bytes.EqualFold(name, hdrTransferEncoding) {
			// chunked must be the last coding (RFC 9112 6.1)
			value := bytes.TrimSpace(raw)
			last := value
			if i := bytes.LastIndexByte(value, ','); i >= 0 {
				last = bytes.TrimSpace(value[i+1:])
			}
			if bytes.EqualFold(last, []byte("chunked")) {
				h.chunked, h.teOther = true, false
			} else {
				h.chunked, h.teOther = false, true
			}
		}
	}
}

// parseLength parses a Content-Length value as strconv.ParseInt(b, 10, 64) does, without
// its generality for the common case of a few plain digits.
func parseLength(b []byte) (int64, error) {
	if len(b) == 0 || len(b) > 18 { // 18 digits cannot overflow an int64
		return strconv.ParseInt(string(b), 10, 64)
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return strconv.ParseInt(string(b), 10, 64) // a sign, or not a number
		}
		n = n*10 + int64(c-'0')
	}
	return n, nil
}

// headDone frames the body once the head's empty line is read (RFC 9112 6.3).
func (h *httpDir) headDone(m stream.Meta) {
	if h.d == flows.FromClient {
		switch {
		case h.chunked:
			h.state = hChunkSize
		case h.cl > 0 && !h.teOther:
			h.remain = h.cl
			h.state = hBody
			h.skipBody()
		default:
			h.messageDone(m)
		}
		return
	}
	e := h.cur()
	method := ""
	if e != nil {
		method = e.Method
	}
	switch {
	case h.interim:
		h.messageDone(m)
	case h.status == 101 || (method == "CONNECT" && h.status/100 == 2):
		// The connection now speaks something else.
		h.messageDone(m)
		h.hs.switchProtocols()
	case method == "HEAD" || h.status == 204 || h.status == 304:
		h.messageDone(m)
	case h.chunked:
		h.state = hChunkSize
	case h.cl >= 0 && !h.teOther:
		if h.cl == 0 {
			h.messageDone(m)
			return
		}
		h.remain = h.cl
		h.state = hBody
		h.skipBody()
	default:
		h.state = hClose
	}
}

// skipBody tells the reassembler the body's bytes need not be kept.
func (h *httpDir) skipBody() {
	if h.hs.st.replay {
		return
	}
	h.hs.st.half[h.d].SkipTo(h.chunkBase + h.chunkPos + h.remain)
}

// messageDone ends the current message with the packet m carrying its last byte.
func (h *httpDir) messageDone(m stream.Meta) {
	e := h.cur()
	hs := h.hs
	if h.d == flows.FromClient {
		if e != nil {
			e.RequestEnd = m.Time
			e.RequestComplete = true
			e.RequestBytes = h.msgBytes
			if h.ex == 0 {
				hs.st.info.FirstRequestComplete = true
			}
		}
	} else if !h.interim {
		if e != nil {
			e.ResponseEnd = m.Time
			e.Complete = true
			e.ResponseBytes = h.msgBytes
			if !e.RequestStart.IsZero() {
				e.Total = e.ResponseEnd.Sub(e.RequestStart)
			}
		}
	}
	h.state = hStart
	h.ex = -1
	h.msgBytes = 0
	h.headLen = 0
	h.remain = 0
}

// switchProtocols stops HTTP parsing both ways (after 101 or a CONNECT tunnel).
func (hs *httpState) switchProtocols() {
	for d := range hs.dir {
		hs.dir[d].state = hDone
		hs.st.stop(flows.Direction(d))
	}
}

// finish ends both directions at the flow's end. serverFIN: the server closed its side
// with a FIN (not a reset), which ends a close-delimited body.
func (hs *httpState) finish(serverFIN bool) {
	c := &hs.dir[flows.FromClient]
	if c.state == hStart && c.inLine && len(c.line) > 0 {
		// A request line that never ended: keep what it says.
		c.partialStart()
	}
	s := &hs.dir[flows.FromServer]
	if s.state == hClose && serverFIN {
		m := hs.st.last[flows.FromServer]
		s.messageDone(m)
	} else if e := s.cur(); e != nil {
		s.cutShort(e)
	}
	if e := c.cur(); e != nil {
		c.cutShort(e)
	}
}

// chunkSize parses a chunk-size line: hex digits, then optional extensions.
func chunkSize(line []byte) (int64, bool) {
	var n int64
	i := 0
	for ; i < len(line); i++ {
		c := line[i]
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			goto end
		}
		if n > 1<<40 {
			return 0, false
		}
		n = n<<4 | int64(v)
	}
end:
	if i == 0 {
		return 0, false
	}
	rest := bytes.TrimLeft(line[i:], " \t")
	if len(rest) > 0 && rest[0] != ';' {
		return 0, false
	}
	return n, true
}

func methodString(b []byte) string {
	for _, m := range httpMethods {
		if string(b) == m {
			return m
		}
	}
	if len(b) > 32 {
		b = b[:32]
	}
	return string(b)
}

func protoString(b []byte) string {
	switch string(b) {
	case "HTTP/1.1":
		return "HTTP/1.1"
	case "HTTP/1.0":
		return "HTTP/1.0"
	case "":
		return ""
	}
	if len(b) > 16 {
		b = b[:16]
	}
	return string(b)
}
