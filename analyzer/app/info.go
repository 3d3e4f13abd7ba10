package app

import (
	"encoding/json"
	"math"
	"time"
)

// Protocol names, as Info.Protocol and Info.PortHint say them.
const (
	ProtoHTTP     = "http"
	ProtoTLS      = "tls"
	ProtoSSH      = "ssh"
	ProtoMySQL    = "mysql"
	ProtoPostgres = "postgresql"
	ProtoRedis    = "redis"
	ProtoSMTP     = "smtp"
	ProtoHTTP2    = "http2"
)

// Info is what the application layer saw on one flow.
type Info struct {
	// Protocol is recognised from the first bytes either side sent, on any port; ""
	// when unknown or when no payload was seen.
	Protocol string `json:"protocol"`
	// PortHint is the protocol the server's port suggests, set only when the bytes named
	// none (no payload, or unrecognised): "mysql" for a flow to 3306 that never carried a
	// byte. A hint, never a finding.
	PortHint string `json:"port_hint,omitempty"`

	// HTTP lists the HTTP/1.x exchanges in order. On very long connections only the most
	// recent ones are kept (HTTPOmitted says how many older, answered ones were dropped);
	// HTTPRequests and HTTPAnswered count them all.
	HTTP         []Exchange `json:"http,omitempty"`
	HTTPRequests int        `json:"http_requests,omitempty"`
	HTTPAnswered int        `json:"http_answered,omitempty"`
	HTTPOmitted  int        `json:"http_omitted,omitempty"`

	TLS      *TLSInfo      `json:"tls,omitempty"`
	SSH      *SSHInfo      `json:"ssh,omitempty"`
	MySQL    *MySQLInfo    `json:"mysql,omitempty"`
	Postgres *PostgresInfo `json:"postgresql,omitempty"`
	Redis    *RedisInfo    `json:"redis,omitempty"`
	SMTP     *SMTPInfo     `json:"smtp,omitempty"`
	HTTP2    *HTTP2Info    `json:"http2,omitempty"`

	// Bytes are the in-order payload bytes per direction (client, server), each byte
	// once however often it was retransmitted; bytes the capture cut off (snaplen)
	// are included, holes are not.
	Bytes [2]int64 `json:"bytes"`
	// Gaps are the bytes per direction that never appeared in the capture: holes in the
	// sequence space that were skipped, and a lost tail before the FIN.
	Gaps [2]int64 `json:"gaps"`
	// Uncaptured are the bytes per direction the capture's snaplen cut off: sent and
	// counted in Bytes, but their content is unknown.
	Uncaptured [2]int64 `json:"uncaptured"`

	// FirstRequestComplete says the client's first message was seen whole: the HTTP
	// request with its body, the TLS ClientHello, the SSH banner line, the MySQL login
	// packet, the PostgreSQL SSLRequest or StartupMessage, the Redis command, the SMTP
	// line, the HTTP/2 preface. False when the protocol is unknown.
	FirstRequestComplete bool `json:"first_request_complete"`
	// ServerSpeaksFirst: the protocol (or, without one, the port hint) is one where the
	// server greets first (SSH, MySQL, SMTP): if the server sent nothing, the missing
	// greeting is the story.
	ServerSpeaksFirst bool `json:"server_speaks_first"`
}

// Exchange is one HTTP/1.x request and its response.
type Exchange struct {
	Method string // "" when the response's request was not seen
	Path   string // the request target as sent (capped at 2 KiB)
	Host   string
	Proto  string // the request's version, "HTTP/1.1"
	// Status is the final response's status, 0 when no final response came. A 101
	// (Switching Protocols) is final.
	Status int
	// RequestFrame and ResponseFrame are the frames carrying each message's first byte
	// (0 when none); the response is the final one, 1xx are in Interim.
	RequestFrame, ResponseFrame int
	// RequestFile and ResponseFile are the input indexes of those frames.
	RequestFile, ResponseFile int
	// RequestStart and RequestEnd are the times of the packets carrying the request's
	// first and last byte (for a request never finished, the last packet that carried
	// any of it); ResponseStart and ResponseEnd those of the final response.
	RequestStart, RequestEnd, ResponseStart, ResponseEnd time.Time
	// Wait is from the request's last byte to the final response's first byte (0 when
	// the response started before the request ended).
	Wait time.Duration
	// Total is from the request's first byte to the final response's last byte (0 until
	// the response is complete).
	Total time.Duration
	// Complete: the final response was received whole (Content-Length, the last chunk,
	// no body by rule, or a close-delimited body ended by the server's FIN).
	Complete bool
	// Interim are the 1xx statuses (100 Continue, 103 Early Hints) seen before the final one.
	Interim []int
	// RequestComplete: the request's last byte was seen (head and body).
	RequestComplete bool
	// RequestBytes and ResponseBytes count each message, head and body (the final
	// response's only).
	RequestBytes, ResponseBytes int64
	// Oversize: a message head went beyond the 16 KiB the parser keeps.
	Oversize bool
	// Gap: bytes of this exchange were missing from the capture; what follows a gap in a
	// head is guesswork, so the parser resynchronises on the next message.
	Gap bool
}

// Answered reports whether the request got any final response byte.
func (e *Exchange) Answered() bool { return e.Status != 0 || !e.ResponseStart.IsZero() }

func ms(d time.Duration) float64 {
	return math.Round(float64(d)/1e3) / 1e3 // milliseconds, to the microsecond
}

// MarshalJSON writes the contract of issue 3: method, path, host, status,
// request_frame, response_frame, wait_ms, and the rest. wait_ms and total_ms are absent
// when there is nothing to measure.
func (e Exchange) MarshalJSON() ([]byte, error) {
	type times struct {
		RequestStart  *time.Time `json:"request_start,omitempty"`
		RequestEnd    *time.Time `json:"request_end,omitempty"`
		ResponseStart *time.Time `json:"response_start,omitempty"`
		ResponseEnd   *time.Time `json:"response_end,omitempty"`
	}
	out := struct {
		Method          string   `json:"method"`
		Path            string   `json:"path"`
		Host            string   `json:"host"`
		Proto           string   `json:"proto,omitempty"`
		Status          int      `json:"status"`
		RequestFrame    int      `json:"request_frame"`
		ResponseFrame   int      `json:"response_frame"`
		WaitMS          *float64 `json:"wait_ms,omitempty"`
		TotalMS         *float64 `json:"total_ms,omitempty"`
		Complete        bool     `json:"complete"`
		RequestComplete bool     `json:"request_complete"`
		Interim         []int    `json:"interim,omitempty"`
		RequestBytes    int64    `json:"request_bytes"`
		ResponseBytes   int64    `json:"response_bytes"`
		Oversize        bool     `json:"oversize,omitempty"`
		Gap             bool     `json:"gap,omitempty"`
		times
	}{Method: e.Method, Path: e.Path, Host: e.Host, Proto: e.Proto, Status: e.Status,
		RequestFrame: e.RequestFrame, ResponseFrame: e.ResponseFrame, Complete: e.Complete,
		RequestComplete: e.RequestComplete, Interim: e.Interim, RequestBytes: e.RequestBytes,
		ResponseBytes: e.ResponseBytes, Oversize: e.Oversize, Gap: e.Gap}
	if e.Answered() && !e.RequestEnd.IsZero() {
		w := ms(e.Wait)
		out.WaitMS = &w
	}
	if e.Complete && !e.RequestStart.IsZero() {
		t := ms(e.Total)
		out.TotalMS = &t
	}
	tp := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	out.RequestStart, out.RequestEnd = tp(e.RequestStart), tp(e.RequestEnd)
	out.ResponseStart, out.ResponseEnd = tp(e.ResponseStart), tp(e.ResponseEnd)
	return json.Marshal(out)
}

// Unanswered returns the requests that got no final response byte, in order (a request
// answered only by 100 Continue is unanswered: the client still waits for the answer).
func (i *Info) Unanswered() []Exchange {
	var out []Exchange
	for _, e := range i.HTTP {
		if e.Method != "" && !e.Answered() {
			out = append(out, e)
		}
	}
	return out
}

// TLSInfo is what the TLS handshake's first messages said.
type TLSInfo struct {
	// SNI is the server_name the client asked for.
	SNI string `json:"sni,omitempty"`
	// Version is the highest version the ClientHello offered ("TLS 1.3"), from
	// supported_versions when present, else the legacy client_version.
	Version string   `json:"version,omitempty"`
	ALPN    []string `json:"alpn,omitempty"`
	// ClientHello is set once the ClientHello's first bytes were seen; ClientHelloComplete
	// once all of it was; ClientHelloFrame is the frame carrying its first byte.
	ClientHello         bool `json:"client_hello"`
	ClientHelloComplete bool `json:"client_hello_complete"`
	ClientHelloFrame    int  `json:"client_hello_frame,omitempty"`
	// ServerHello: the server answered with a ServerHello (frame ServerHelloFrame);
	// ServerVersion is the version it selected.
	ServerHello      bool   `json:"server_hello"`
	ServerHelloFrame int    `json:"server_hello_frame,omitempty"`
	ServerVersion    string `json:"server_version,omitempty"`
	// Alert is the first alert the server sent instead of a ServerHello ("handshake_failure").
	Alert string `json:"alert,omitempty"`
}

// SSHInfo holds the identification lines of both sides.
type SSHInfo struct {
	ClientBanner      string `json:"client_banner,omitempty"`
	ServerBanner      string `json:"server_banner,omitempty"`
	ClientBannerFrame int    `json:"client_banner_frame,omitempty"`
	ServerBannerFrame int    `json:"server_banner_frame,omitempty"`
}

// MySQLInfo is the MySQL connection phase as far as it went.
type MySQLInfo struct {
	// Greeting: the server's initial handshake packet came (frame GreetingFrame).
	Greeting      bool   `json:"greeting"`
	GreetingFrame int    `json:"greeting_frame,omitempty"`
	ProtocolVer   int    `json:"protocol_version,omitempty"`
	ServerVersion string `json:"server_version,omitempty"`
	ConnectionID  uint32 `json:"connection_id,omitempty"`
	AuthPlugin    string `json:"auth_plugin,omitempty"`
	// GreetingError is the error the server sent instead of a greeting ("Too many connections").
	GreetingError string `json:"greeting_error,omitempty"`
	// Login: the client's HandshakeResponse came (frame LoginFrame), with User and Database.
	Login      bool   `json:"login"`
	LoginFrame int    `json:"login_frame,omitempty"`
	User       string `json:"user,omitempty"`
	Database   string `json:"database,omitempty"`
	// SSL: the client asked for TLS (SSLRequest); nothing after it is readable.
	SSL bool `json:"ssl,omitempty"`
	// LoginReply is the server's answer to the login: "ok", "error", "auth_switch",
	// "auth_more_data", "" when none came; LoginError its error message.
	LoginReply string `json:"login_reply,omitempty"`
	LoginError string `json:"login_error,omitempty"`
}

// PostgresInfo is the PostgreSQL startup as far as it went.
type PostgresInfo struct {
	SSLRequest bool `json:"ssl_request,omitempty"`
	// SSLResponse is the server's one-byte answer to SSLRequest: "S" (TLS follows) or "N".
	SSLResponse   string `json:"ssl_response,omitempty"`
	GSSENCRequest bool   `json:"gssenc_request,omitempty"`
	CancelRequest bool   `json:"cancel_request,omitempty"`
	Startup       bool   `json:"startup"`
	StartupFrame  int    `json:"startup_frame,omitempty"`
	Version       string `json:"protocol_version,omitempty"`
	User          string `json:"user,omitempty"`
	Database      string `json:"database,omitempty"`
	Application   string `json:"application_name,omitempty"`
	// Auth is the server's first answer to the startup: "ok", "cleartext", "md5", "sasl",
	// "gss", "sspi", "other", or "error" (Error holds the message).
	Auth  string `json:"auth,omitempty"`
	Error string `json:"error,omitempty"`
}

// RedisInfo is the first command and the first reply.
type RedisInfo struct {
	Command string `json:"command,omitempty"` // upper-cased
	Key     string `json:"key,omitempty"`     // its first argument, capped at 128 bytes
	Inline  bool   `json:"inline,omitempty"`  // sent as an inline command, not RESP
	// Reply is the first reply's first line ("+PONG", "-ERR ...", "$5"), capped.
	Reply      string `json:"reply,omitempty"`
	ReplyFrame int    `json:"reply_frame,omitempty"`
}

// SMTPInfo is the greeting and the client's hello.
type SMTPInfo struct {
	Greeting      string `json:"greeting,omitempty"` // the server's first line ("220 mx ESMTP")
	GreetingFrame int    `json:"greeting_frame,omitempty"`
	Hello         string `json:"hello,omitempty"` // the client's first line ("EHLO client")
	HelloFrame    int    `json:"hello_frame,omitempty"`
	// HelloReply is the status the server answered the hello with (250), 0 when none.
	HelloReply int `json:"hello_reply,omitempty"`
}

// HTTP2Info is the connection preface and the server's first frame.
type HTTP2Info struct {
	Preface      bool `json:"preface"`
	PrefaceFrame int  `json:"preface_frame,omitempty"`
	// ServerFrame names the server's first frame type ("SETTINGS", "GOAWAY"), "" when none.
	ServerFrame      string `json:"server_frame,omitempty"`
	ServerFrameFrame int    `json:"server_frame_frame,omitempty"`
}
