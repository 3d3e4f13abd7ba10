package app

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/tcpmortem/tcpmortem/flows"
	"github.com/tcpmortem/tcpmortem/flows/stream"
)

// The protocols other than HTTP/1.x are read only as far as their first messages: each
// direction accumulates bytes (up to MaxHead) until its parser has what it wants, then
// the direction is stopped and only counted.

type msgState struct {
	st       *flowState
	p        uint8
	acc      [2][]byte
	accM     [2]stream.Meta // the packet that carried acc's first byte
	done     [2]bool
	unsynced [2]bool
	step     [2]int // which message of the direction comes next

	// redis: the first command, read as a stream (its arguments may be large)
	rLeft  int   // array elements still to read
	rSkip  int64 // bytes of the current bulk string (and its CRLF) still to skip
	rIndex int   // index of the element being read
	rText  []byte
}

func newMsgState(st *flowState, p uint8) *msgState {
	ms := &msgState{st: st, p: p}
	info := &st.info
	switch p {
	case pTLS:
		info.TLS = &TLSInfo{}
	case pSSH:
		info.SSH = &SSHInfo{}
	case pMySQL:
		info.MySQL = &MySQLInfo{}
	case pPostgres:
		info.Postgres = &PostgresInfo{}
	case pRedis:
		info.Redis = &RedisInfo{}
	case pSMTP:
		info.SMTP = &SMTPInfo{}
	case pHTTP2:
		info.HTTP2 = &HTTP2Info{}
	}
	return ms
}

func (ms *msgState) data(d flows.Direction, b []byte, n int, m stream.Meta) {
	if ms.done[d] || ms.unsynced[d] {
		return
	}
	if b == nil {
		ms.gap(d, n, m)
		return
	}
	if len(ms.acc[d]) == 0 {
		ms.accM[d] = m
	}
	if room := MaxHead - len(ms.acc[d]); len(b) > room {
		b = b[:room]
	}
	ms.acc[d] = append(ms.acc[d], b...)
	ms.parse(d, m, false)
	if !ms.done[d] && len(ms.acc[d]) >= MaxHead {
		ms.parse(d, m, true) // say what the head says, then give up on it
		ms.finishDir(d)
	}
}

// gap: what follows is not where the parser is, so the direction is given up.
func (ms *msgState) gap(d flows.Direction, n int, m stream.Meta) {
	if ms.done[d] || ms.unsynced[d] {
		return
	}
	ms.parse(d, m, true)
	ms.unsynced[d] = true
	ms.finishDir(d)
}

// finishDir stops direction d: nothing more to parse.
func (ms *msgState) finishDir(d flows.Direction) {
	ms.done[d] = true
	ms.acc[d] = nil
	ms.st.stop(d)
}

// consume drops the first n accumulated bytes of direction d; the rest came with m.
func (ms *msgState) consume(d flows.Direction, n int, m stream.Meta) {
	rest := copy(ms.acc[d], ms.acc[d][n:])
	ms.acc[d] = ms.acc[d][:rest]
	ms.accM[d] = m
}

// finish parses what is left at the flow's end.
func (ms *msgState) finish() {
	for d := flows.FromClient; d <= flows.FromServer; d++ {
		if !ms.done[d] && !ms.unsynced[d] && len(ms.acc[d]) > 0 {
			ms.parse(d, ms.st.last[d], true)
		}
		ms.acc[d] = nil
	}
}

// parse reads what direction d accumulated; final says no more bytes will come (the flow
// ended, a gap, or the head cap), so partial messages are read for what they hold.
func (ms *msgState) parse(d flows.Direction, m stream.Meta, final bool) {
	switch ms.p {
	case pTLS:
		ms.parseTLS(d, final)
	case pSSH:
		ms.parseSSH(d, final)
	case pMySQL:
		ms.parseMySQL(d, m, final)
	case pPostgres:
		ms.parsePostgres(d, m, final)
	case pRedis:
		ms.parseRedis(d, m, final)
	case pSMTP:
		ms.parseSMTP(d, m, final)
	case pHTTP2:
		ms.parseHTTP2(d)
	}
}

func (ms *msgState) firstRequestDone() { ms.st.info.FirstRequestComplete = true }

// ---- TLS ----

// tlsHandshake gathers the handshake bytes of the records at the start of b (the last
// record may be partial); it stops at the first record that is not a handshake.
func tlsHandshake(b []byte) (hs []byte, firstType byte) {
	if len(b) > 0 {
		firstType = b[0]
	}
	for len(b) >= 5 && b[0] == 0x16 {
		n := int(b[3])<<8 | int(b[4])
		body := b[5:]
		if len(body) > n {
			body = body[:n]
		}
		hs = append(hs, body...)
		if len(b) < 5+n {
			break
		}
		b = b[5+n:]
	}
	return hs, firstType
}

func (ms *msgState) parseTLS(d flows.Direction, final bool) {
	t := ms.st.info.TLS
	b := ms.acc[d]
	if d == flows.FromServer {
		if len(b) > 0 && b[0] == 0x15 {
			if len(b) < 7 && !final {
				return
			}
			if len(b) >= 7 {
				t.Alert = tlsAlert(b[6])
			}
			ms.finishDir(d)
			return
		}
		hs, typ := tlsHandshake(b)
		if typ != 0x16 && len(b) > 0 {
			ms.finishDir(d)
			return
		}
		if len(hs) >= 1 && hs[0] == 2 && !t.ServerHello {
			t.ServerHello = true
			t.ServerHelloFrame = ms.accM[d].Frame
		}
		if len(hs) >= 4 && hs[0] == 2 {
			n := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
			if len(hs) >= 4+n || final {
				parseServerHello(hs[4:min(len(hs), 4+n)], t)
				ms.finishDir(d)
			}
		} else if len(hs) >= 1 && hs[0] != 2 {
			ms.finishDir(d)
		}
		return
	}
	if !t.ClientHello {
		t.ClientHello = true
		t.ClientHelloFrame = ms.accM[d].Frame
	}
	hs, _ := tlsHandshake(b)
	if len(hs) < 4 || hs[0] != 1 {
		if final || (len(hs) >= 1 && hs[0] != 1) {
			ms.finishDir(d)
		}
		return
	}
	n := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
	complete := len(hs) >= 4+n
	// Read even a partial ClientHello: the SNI usually sits in its first segment.
	parseClientHello(hs[4:min(len(hs), 4+n)], t)
	if complete {
		t.ClientHelloComplete = true
		ms.firstRequestDone()
		ms.finishDir(d)
	} else if final {
		ms.finishDir(d)
	}
}

// reader reads big-endian fields, stopping at the end without panicking.
type reader struct {
	b  []byte
	ok bool
}

func (r *reader) take(n int) []byte {
	if !r.ok || n < 0 || len(r.b) < n {
		r.ok = false
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) u8() int {
	v := r.take(1)
	if v == nil {
		return 0
	}
	return int(v[0])
}

func (r *reader) u16() int {
	v := r.take(2)
	if v == nil {
		return 0
	}
	return int(v[0])<<8 | int(v[1])
}

func tlsVersion(v int) string {
	switch v {
	case 0x0300:
		return "SSL 3.0"
	case 0x0301:
		return "TLS 1.0"
	case 0x0302:
		return "TLS 1.1"
	case 0x0303:
		return "TLS 1.2"
	case 0x0304:
		return "TLS 1.3"
	}
	return fmt.Sprintf("0x%04x", v)
}

func isGREASE(v int) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }

// parseClientHello reads a ClientHello body (possibly cut short) into t.
func parseClientHello(body []byte, t *TLSInfo) {
	r := reader{b: body, ok: true}
	legacy := r.u16()
	if !r.ok {
		return
	}
	t.Version = tlsVersion(legacy)
	r.take(32)
	r.take(r.u8())  // session id
	r.take(r.u16()) // cipher suites
	r.take(r.u8())  // compression methods
	r.u16()         // extensions length
	for r.ok && len(r.b) >= 4 {
		typ := r.u16()
		data := r.take(r.u16())
		if !r.ok {
			return
		}
		e := reader{b: data, ok: true}
		switch typ {
		case 0: // server_name
			e.u16()
			for e.ok && len(e.b) > 0 {
				kind := e.u8()
				name := e.take(e.u16())
				if e.ok && kind == 0 {
					t.SNI = string(name)
					break
				}
			}
		case 16: // application_layer_protocol_negotiation
			e.u16()
			t.ALPN = t.ALPN[:0]
			for e.ok && len(e.b) > 0 {
				p := e.take(e.u8())
				if e.ok {
					t.ALPN = append(t.ALPN, string(p))
				}
			}
		case 43: // supported_versions
			n := e.u8()
			best := 0
			for i := 0; i+1 < n && e.ok; i += 2 {
				v := e.u16()
				if e.ok && !isGREASE(v) && v > best {
					best = v
				}
			}
			if best != 0 {
				t.Version = tlsVersion(best)
			}
		}
	}
}

// parseServerHello reads a ServerHello body into t: the version it selected.
func parseServerHello(body []byte, t *TLSInfo) {
	r := reader{b: body, ok: true}
	legacy := r.u16()
	if !r.ok {
		return
	}
	t.ServerVersion = tlsVersion(legacy)
	r.take(32)
	r.take(r.u8()) // session id
	r.u16()        // cipher suite
	r.u8()         // compression
	r.u16()        // extensions length
	for r.ok && len(r.b) >= 4 {
		typ := r.u16()
		data := r.take(r.u16())
		if r.ok && typ == 43 && len(data) == 2 {
			t.ServerVersion = tlsVersion(int(data[0])<<8 | int(data[1]))
		}
	}
}

func tlsAlert(desc byte) string {
	switch desc {
	case 0:
		return "close_notify"
	case 10:
		return "unexpected_message"
	case 20:
		return "bad_record_mac"
	case 40:
		return "handshake_failure"
	case 42:
		return "bad_certificate"
	case 43:
		return "unsupported_certificate"
	case 44:
		return "certificate_revoked"
	case 45:
		return "certificate_expired"
	case 46:
		return "certificate_unknown"
	case 47:
		return "illegal_parameter"
	case 48:
		return "unknown_ca"
	case 50:
		return "decode_error"
	case 51:
		return "decrypt_error"
	case 70:
		return "protocol_version"
	case 71:
		return "insufficient_security"
	case 80:
		return "internal_error"
	case 86:
		return "inappropriate_fallback"
	case 109:
		return "missing_extension"
	case 112:
		return "unrecognized_name"
	case 116:
		return "certificate_required"
	case 120:
		return "no_application_protocol"
	}
	return "alert " + strconv.Itoa(int(desc))
}

// ---- SSH ----

// printable returns b as a string of printable ASCII (others as '.'), capped at max.
func printable(b []byte, max int) string {
	if len(b) > max {
		b = b[:max]
	}
	out := make([]byte, len(b))
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		out[i] = c
	}
	return string(out)
}

func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}

// parseSSH reads the identification line (RFC 4253 4.2); a server may send other lines
// before it.
func (ms *msgState) parseSSH(d flows.Direction, final bool) {
	s := ms.st.info.SSH
	for {
		b := ms.acc[d]
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if final && bytes.HasPrefix(b, []byte("SSH-")) {
				ms.setBanner(d, s, trimCR(b)) // cut short: what there is
				ms.finishDir(d)
			}
			return
		}
		line := trimCR(b[:i])
		if bytes.HasPrefix(line, []byte("SSH-")) {
			ms.setBanner(d, s, line)
			if d == flows.FromClient {
				ms.firstRequestDone()
			}
			ms.finishDir(d)
			return
		}
		ms.consume(d, i+1, ms.accM[d])
	}
}

func (ms *msgState) setBanner(d flows.Direction, s *SSHInfo, line []byte) {
	if d == flows.FromClient {
		s.ClientBanner, s.ClientBannerFrame = printable(line, 255), ms.accM[d].Frame
	} else {
		s.ServerBanner, s.ServerBannerFrame = printable(line, 255), ms.accM[d].Frame
	}
}

// ---- MySQL ----

// mysql capability flags
const (
	myConnectWithDB    = 0x00000008
	myProtocol41       = 0x00000200
	mySSL              = 0x00000800
	mySecureConnection = 0x00008000
	myPluginAuth       = 0x00080000
	myPluginAuthLenenc = 0x00200000
)

// mysqlPacket returns the first packet's payload and sequence number, and whether it is
// all there.
func mysqlPacket(b []byte) (payload []byte, seq byte, whole bool) {
	if len(b) < 4 {
		return nil, 0, false
	}
	n := int(b[0]) | int(b[1])<<8 | int(b[2])<<16
	p := b[4:]
	if len(p) >= n {
		return p[:n], b[3], true
	}
	return p, b[3], false
}

func cstring(r *reader) []byte {
	if !r.ok {
		return nil
	}
	i := bytes.IndexByte(r.b, 0)
	if i < 0 {
		r.ok = false
		return nil
	}
	v := r.b[:i]
	r.b = r.b[i+1:]
	return v
}

func (ms *msgState) parseMySQL(d flows.Direction, m stream.Meta, final bool) {
	my := ms.st.info.MySQL
	for !ms.done[d] {
		p, _, whole := mysqlPacket(ms.acc[d])
		if !whole && !final {
			return
		}
		if p == nil {
			if final {
				ms.finishDir(d)
			}
			return
		}
		if d == flows.FromServer {
			switch ms.step[d] {
			case 0:
				my.Greeting = true
				my.GreetingFrame = ms.accM[d].Frame
				parseMySQLGreeting(p, my)
				ms.step[d] = 1
			default:
				if !my.Login {
					// A second server packet before any login: nothing we read.
					ms.finishDir(d)
					return
				}
				switch {
				case len(p) == 0:
				case p[0] == 0x00:
					my.LoginReply = "ok"
				case p[0] == 0xff:
					my.LoginReply = "error"
					my.LoginError = mysqlError(p)
				case p[0] == 0xfe:
					my.LoginReply = "auth_switch"
				case p[0] == 0x01:
					my.LoginReply = "auth_more_data"
				default:
					my.LoginReply = fmt.Sprintf("0x%02x", p[0])
				}
				ms.finishDir(d)
				return
			}
		} else {
			my.Login = true
			my.LoginFrame = ms.accM[d].Frame
			parseMySQLLogin(p, my)
			if whole {
				ms.firstRequestDone()
			}
			if my.SSL {
				ms.finishDir(flows.FromServer)
			}
			ms.finishDir(d)
			return
		}
		if !whole {
			ms.finishDir(d)
			return
		}
		ms.consume(d, 4+len(p), m)
	}
}

func parseMySQLGreeting(p []byte, my *MySQLInfo) {
	if len(p) == 0 {
		return
	}
	if p[0] == 0xff {
		my.GreetingError = mysqlError(p)
		return
	}
	r := reader{b: p, ok: true}
	my.ProtocolVer = r.u8()
	if v := cstring(&r); r.ok {
		my.ServerVersion = printable(v, 64)
	}
	id := r.take(4)
	if r.ok {
		my.ConnectionID = uint32(id[0]) | uint32(id[1])<<8 | uint32(id[2])<<16 | uint32(id[3])<<24
	}
	r.take(8) // auth-plugin-data part 1
	r.take(1) // filler
	lo := r.take(2)
	r.take(1) // character set
	r.take(2) // status
	hi := r.take(2)
	authLen := r.u8()
	r.take(10)
	if !r.ok {
		return
	}
	caps := uint32(lo[0]) | uint32(lo[1])<<8 | uint32(hi[0])<<16 | uint32(hi[1])<<24
	if caps&mySecureConnection != 0 {
		n := authLen - 8
		if n < 13 {
			n = 13
		}
		r.take(n)
	}
	if caps&myPluginAuth != 0 {
		name := cstring(&r)
		if !r.ok && len(r.b) > 0 { // some servers omit the final NUL
			name, r.ok = r.b, true
		}
		if r.ok {
			my.AuthPlugin = printable(name, 64)
		}
	}
}

func parseMySQLLogin(p []byte, my *MySQLInfo) {
	r := reader{b: p, ok: true}
	c := r.take(4)
	if !r.ok {
		return
	}
	caps := uint32(c[0]) | uint32(c[1])<<8 | uint32(c[2])<<16 | uint32(c[3])<<24
	if caps&myProtocol41 == 0 {
		return // HandshakeResponse320: too old to bother
	}
	if len(p) == 32 && caps&mySSL != 0 {
		my.SSL = true
		return
	}
	r.take(4 + 1 + 23)
	user := cstring(&r)
	if !r.ok {
		return
	}
	my.User = printable(user, 64)
	switch {
	case caps&myPluginAuthLenenc != 0:
		n := r.u8()
		if n >= 0xfb {
			return // a long length-encoded integer: never for an auth response
		}
		r.take(n)
	case caps&mySecureConnection != 0:
		r.take(r.u8())
	default:
		cstring(&r)
	}
	if caps&myConnectWithDB != 0 {
		if db := cstring(&r); r.ok {
			my.Database = printable(db, 64)
		}
	}
}

// mysqlError reads an ERR packet: 0xff, code, optional '#' and SQL state, message.
func mysqlError(p []byte) string {
	if len(p) < 3 {
		return ""
	}
	code := int(p[1]) | int(p[2])<<8
	msg := p[3:]
	if len(msg) >= 6 && msg[0] == '#' {
		msg = msg[6:]
	}
	return fmt.Sprintf("%d: %s", code, printable(msg, 200))
}

// ---- PostgreSQL ----

func (ms *msgState) parsePostgres(d flows.Direction, m stream.Meta, final bool) {
	pg := ms.st.info.Postgres
	if d == flows.FromClient {
		for !ms.done[d] {
			b := ms.acc[d]
			if len(b) < 8 {
				if final {
					ms.finishDir(d)
				}
				return
			}
			n, code := int(be32(b)), be32(b[4:])
			if n < 8 || n > 1<<20 {
				ms.finishDir(d)
				return
			}
			whole := len(b) >= n
			if !whole && !final {
				return
			}
			body := b[8:min(n, len(b))]
			switch code {
			case pgSSLRequest:
				pg.SSLRequest = true
			case pgGSSENCRequest:
				pg.GSSENCRequest = true
			case pgCancelRequest:
				pg.CancelRequest = true
			default:
				if code>>16 == 3 || code>>16 == 2 {
					pg.Startup = true
					pg.StartupFrame = ms.accM[d].Frame
					pg.Version = fmt.Sprintf("%d.%d", code>>16, code&0xffff)
					parseStartupParams(body, pg)
				}
			}
			if whole && ms.step[d] == 0 {
				ms.firstRequestDone()
			}
			ms.step[d]++
			if code != pgSSLRequest && code != pgGSSENCRequest || !whole {
				// A startup or cancel: the client's part is read.
				ms.finishDir(d)
				return
			}
			ms.consume(d, n, m)
		}
		return
	}
	// server
	for !ms.done[d] {
		b := ms.acc[d]
		if len(b) == 0 {
			return
		}
		// The one-byte answer to SSLRequest / GSSENCRequest.
		if (pg.SSLRequest || pg.GSSENCRequest) && pg.SSLResponse == "" && !pg.Startup {
			switch b[0] {
			case 'S', 'N', 'G':
				pg.SSLResponse = string(b[:1])
				if b[0] != 'N' {
					// Encryption follows: nothing more is readable either way.
					ms.finishDir(d)
					ms.finishDir(flows.FromClient)
					return
				}
				ms.consume(d, 1, m)
				continue
			}
		}
		if len(b) < 5 {
			if final {
				ms.finishDir(d)
			}
			return
		}
		typ, n := b[0], int(be32(b[1:]))
		if n < 4 {
			// The length counts itself: shorter is not a message.
			ms.finishDir(d)
			return
		}
		whole := len(b) >= 1+n
		if !whole && !final {
			return
		}
		body := b[5:min(1+n, len(b))]
		switch typ {
		case 'R':
			if len(body) >= 4 {
				switch be32(body) {
				case 0:
					pg.Auth = "ok"
				case 3:
					pg.Auth = "cleartext"
				case 5:
					pg.Auth = "md5"
				case 7:
					pg.Auth = "gss"
				case 9:
					pg.Auth = "sspi"
				case 10:
					pg.Auth = "sasl"
				default:
					pg.Auth = "other"
				}
			}
		case 'E':
			pg.Auth = "error"
			pg.Error = postgresError(body)
		}
		ms.finishDir(d)
	}
}

func parseStartupParams(b []byte, pg *PostgresInfo) {
	r := reader{b: b, ok: true}
	for r.ok && len(r.b) > 1 {
		k := cstring(&r)
		v := cstring(&r)
		if !r.ok {
			return
		}
		switch string(k) {
		case "user":
			pg.User = printable(v, 64)
		case "database":
			pg.Database = printable(v, 64)
		case "application_name":
			pg.Application = printable(v, 64)
		}
	}
}

// postgresError reads an ErrorResponse: the severity, code and message fields.
func postgresError(b []byte) string {
	var sev, code, msg []byte
	r := reader{b: b, ok: true}
	for r.ok && len(r.b) > 1 {
		f := r.u8()
		v := cstring(&r)
		switch f {
		case 'S':
			sev = v
		case 'C':
			code = v
		case 'M':
			msg = v
		}
	}
	return printable(bytes.Join([][]byte{sev, code, msg}, []byte(" ")), 200)
}

// ---- Redis ----

func (ms *msgState) parseRedis(d flows.Direction, m stream.Meta, final bool) {
	rd := ms.st.info.Redis
	if d == flows.FromServer {
		b := ms.acc[d]
		i := bytes.IndexByte(b, '\n')
		if i < 0 && !final {
			return
		}
		if i < 0 {
			i = len(b)
		}
		if len(b) > 0 {
			rd.Reply = printable(trimCR(b[:i]), 128)
			rd.ReplyFrame = ms.accM[d].Frame
		}
		ms.finishDir(d)
		return
	}
	for !ms.done[d] {
		b := ms.acc[d]
		if ms.rSkip > 0 {
			// Inside a bulk string (its bytes, then CRLF): keep the first two
			// elements' text, as far as this chunk has it.
			k := int64(len(b))
			if k > ms.rSkip {
				k = ms.rSkip
			}
			if text := b[:min(k, max(0, ms.rSkip-2))]; len(text) > 0 && ms.rIndex < 2 {
				if room := 128 - len(ms.rText); room > 0 {
					ms.rText = append(ms.rText, text[:min(len(text), room)]...)
				}
			}
			ms.rSkip -= k
			ms.consume(d, int(k), m)
			if ms.rSkip > 0 {
				if final {
					ms.redisElement()
				}
				return
			}
			ms.redisElement()
			ms.rIndex++
			ms.rLeft--
			if ms.rLeft == 0 {
				ms.firstRequestDone()
				ms.finishDir(d)
			}
			continue
		}
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if final {
				ms.finishDir(d)
			}
			return
		}
		line := trimCR(b[:i])
		switch {
		case ms.rLeft == 0 && len(line) > 0 && line[0] == '*':
			n, err := strconv.Atoi(string(line[1:]))
			if err != nil || n <= 0 {
				ms.finishDir(d)
				return
			}
			ms.rLeft = n
		case ms.rLeft > 0 && len(line) > 0 && line[0] == '$':
			n, err := strconv.ParseInt(string(line[1:]), 10, 64)
			if err != nil || n < 0 {
				ms.finishDir(d)
				return
			}
			ms.rSkip = n + 2
		case ms.rLeft == 0:
			// an inline command: words on one line
			rd.Inline = true
			f := bytes.Fields(line)
			if len(f) > 0 {
				rd.Command = redisCommandName(f[0])
			}
			if len(f) > 1 {
				rd.Key = printable(f[1], 128)
			}
			ms.firstRequestDone()
			ms.finishDir(d)
			return
		default:
			ms.finishDir(d)
			return
		}
		ms.consume(d, i+1, m)
	}
}

// redisCommandName is a command's name as Info keeps it: upper case, printable ASCII, at
// most 32 bytes. (bytes.ToUpper would turn each byte that is not UTF-8 into the
// three bytes of U+FFFD, past the bound: no command name has one.)
func redisCommandName(b []byte) string { return strings.ToUpper(printable(b, 32)) }

// redisElement keeps the text of the command's first two elements.
func (ms *msgState) redisElement() {
	rd := ms.st.info.Redis
	switch ms.rIndex {
	case 0:
		rd.Command = redisCommandName(ms.rText)
	case 1:
		rd.Key = printable(ms.rText, 128)
	}
	ms.rText = ms.rText[:0]
}

// ---- SMTP ----

func (ms *msgState) parseSMTP(d flows.Direction, m stream.Meta, final bool) {
	s := ms.st.info.SMTP
	for !ms.done[d] {
		b := ms.acc[d]
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if final && len(b) > 0 {
				ms.smtpLine(d, s, trimCR(b))
				ms.finishDir(d)
			}
			return
		}
		ms.smtpLine(d, s, trimCR(b[:i]))
		if !ms.done[d] {
			ms.consume(d, i+1, m)
		}
	}
}

func (ms *msgState) smtpLine(d flows.Direction, s *SMTPInfo, line []byte) {
	if d == flows.FromClient {
		s.Hello, s.HelloFrame = printable(line, 200), ms.accM[d].Frame
		ms.firstRequestDone()
		ms.finishDir(d)
		return
	}
	// server: the greeting (possibly multi-line), then the reply to the hello
	last := len(line) >= 4 && line[3] == ' ' || len(line) == 3
	switch ms.step[d] {
	case 0:
		if s.Greeting == "" {
			s.Greeting, s.GreetingFrame = printable(line, 200), ms.accM[d].Frame
		}
		if last {
			ms.step[d] = 1
		}
	default:
		if last {
			if code, err := strconv.Atoi(string(line[:3])); err == nil && s.Hello != "" {
				s.HelloReply = code
			}
			ms.finishDir(d)
		}
	}
}

// ---- HTTP/2 ----

var h2FrameTypes = [...]string{"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS",
	"PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"}

func (ms *msgState) parseHTTP2(d flows.Direction) {
	h := ms.st.info.HTTP2
	b := ms.acc[d]
	if d == flows.FromClient {
		if len(b) < len(h2Preface) {
			return
		}
		h.Preface = bytes.Equal(b[:len(h2Preface)], h2Preface)
		h.PrefaceFrame = ms.accM[d].Frame
		if h.Preface {
			ms.firstRequestDone()
		}
		ms.finishDir(d)
		return
	}
	if len(b) < 9 {
		return
	}
	if int(b[3]) < len(h2FrameTypes) {
		h.ServerFrame = h2FrameTypes[b[3]]
	} else {
		h.ServerFrame = fmt.Sprintf("0x%02x", b[3])
	}
	h.ServerFrameFrame = ms.accM[d].Frame
	ms.finishDir(d)
}
