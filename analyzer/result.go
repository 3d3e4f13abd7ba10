// Package analyzer turns rebuilt flows into verdicts: one per flow, from the TCP state
// machine (and, above it, the application layer), plus findings across flows. The report
// package renders its Result and never re-derives a verdict.
package analyzer

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/tcpmortem/tcpmortem/analyzer/app"
	"github.com/tcpmortem/tcpmortem/flows"
	"github.com/tcpmortem/tcpmortem/flows/zeekconn"
)

// Verdict names are the tool's public interface (../shared/VERDICTS.md): stable, never renamed.
type Verdict string

const (
	Refused              Verdict = "refused"
	SYNGiveUp            Verdict = "syn_giveup"
	SYNUnanswered        Verdict = "syn_unanswered"
	HandshakeIncomplete  Verdict = "handshake_incomplete"
	RSTOnFirstData       Verdict = "rst_on_first_data"
	HTTPUnanswered       Verdict = "http_unanswered"
	RequestUnanswered    Verdict = "request_unanswered"
	ServerSilent         Verdict = "server_silent"
	FINUnanswered        Verdict = "fin_unanswered"
	FINUnansweredThenRST Verdict = "fin_unanswered_then_rst"
	RSTAfterIdle         Verdict = "rst_after_idle"
	Reset                Verdict = "reset"
	RetransmitGiveUp     Verdict = "retransmit_giveup"
	KeepAliveTimeout     Verdict = "keepalive_timeout"
	CleanClose           Verdict = "clean_close"
	IdleOpen             Verdict = "idle_open"
	Open                 Verdict = "open"
	// OneSided: only one side's packets were captured (the other side's are proven by
	// the captured side's acknowledgments): nothing can be said of the other side. A
	// verdict added to VERDICTS.md's list, which allows additions.
	OneSided Verdict = "one_sided"
)

// AllVerdicts lists every verdict, most severe first: the order of the verdict table.
var AllVerdicts = []Verdict{
	SYNGiveUp, RSTOnFirstData, HTTPUnanswered, RequestUnanswered, ServerSilent, RetransmitGiveUp,
	FINUnansweredThenRST, FINUnanswered, SYNUnanswered, HandshakeIncomplete, Refused,
	KeepAliveTimeout, RSTAfterIdle, Reset, OneSided, IdleOpen, Open, CleanClose,
}

// Severity grades a verdict for the reader: ok, info, warn, error.
type Severity string

const (
	SevOK    Severity = "ok"
	SevInfo  Severity = "info"
	SevWarn  Severity = "warn"
	SevError Severity = "error"
)

// Rank orders severities, higher is worse.
func (s Severity) Rank() int {
	switch s {
	case SevError:
		return 3
	case SevWarn:
		return 2
	case SevInfo:
		return 1
	}
	return 0
}

// SeverityOf is the severity a verdict carries.
func SeverityOf(v Verdict) Severity {
	switch v {
	case CleanClose, Open:
		return SevOK
	case IdleOpen, OneSided:
		return SevInfo
	case SYNGiveUp, RSTOnFirstData, HTTPUnanswered, RequestUnanswered, ServerSilent, RetransmitGiveUp:
		return SevError
	}
	return SevWarn
}

// Config holds the thresholds a user can set.
type Config struct {
	// Idle is how long a flow must be silent for a silence to count: rst_after_idle,
	// idle_open (--idle, default 1s).
	Idle time.Duration
	// RetransGiveUp is how many retransmissions of the same unacknowledged data, with
	// nothing acknowledged in between, make a side's give-up (default 2) once the side
	// has then been silent past its next retransmission's time. Two, not more: Linux
	// bounds retries by a time reckoned from the minimum RTO (tcp_retries2,
	// tcp_orphan_retries; tcp_model_timeout), not by a count, so a longer round trip's
	// larger RTO spends a small budget in fewer resends; the silence is the proof.
	RetransGiveUp int
	// KeepAliveGiveUp is how many keepalive probes in a row must go unanswered before
	// the prober's silence or RST is read as a keepalive timeout (default 2).
	KeepAliveGiveUp int
	// SYNRetryWait is how long a client that sent a single SYN may still retry it:
	// Linux's initial RTO is 1 s (RFC 6298), older stacks wait 3 s (RFC 1122).
	// After more than one SYN the observed back-off decides (default 3s).
	SYNRetryWait time.Duration
	// Findings holds the thresholds of the conclusions across flows.
	Findings FindingConfig
}

// DefaultConfig is what the command line starts from.
func DefaultConfig() Config {
	return Config{Idle: time.Second, RetransGiveUp: 2, KeepAliveGiveUp: 2, SYNRetryWait: 3 * time.Second,
		Findings: DefaultFindingConfig()}
}

// Pair holds one number per side of a flow.
type Pair[T any] struct {
	Client T `json:"client"`
	Server T `json:"server"`
}

// Evidence points at a frame that proves part of a verdict.
type Evidence struct {
	File  string `json:"file,omitempty"`
	Frame int    `json:"frame"`
	What  string `json:"what"`
}

// Facts are the key numbers behind a verdict (VERDICTS.md names which ones each
// verdict carries). Durations are in seconds, rounded to the microsecond.
type Facts struct {
	Side        string    `json:"side,omitempty"`          // the side the verdict is about: stuck in CLOSE_WAIT, sent the RST, retransmitted...
	ClosedFirst string    `json:"closed_first,omitempty"`  // clean_close: who sent the first FIN
	SYNCount    int       `json:"syn_count,omitempty"`     // client SYNs, retransmissions included
	SYNGaps     []float64 `json:"syn_gaps_s,omitempty"`    // gaps between successive SYNs
	SYNSpan     *float64  `json:"syn_span_s,omitempty"`    // first SYN to last SYN
	SYNRetries  *int      `json:"syn_retries,omitempty"`   // what tcp_syn_retries the client ran with, when it gave up
	SYNACKCount int       `json:"synack_count,omitempty"`  // server SYN-ACKs
	SYNACKGaps  []float64 `json:"synack_gaps_s,omitempty"` // gaps between SYN-ACKs
	// SYN-ACKs the server sent after the client's first data: its kernel never took
	// the handshake's last ACK, as a listener whose accept queue is full drops it.
	SYNACKAfterData int `json:"synack_after_data,omitempty"`
	// SYN-ACKs the server sent after the client's handshake ACK (handshake_incomplete):
	// the ACK is in the capture, but the server's kernel never took it.
	SYNACKAfterACK int `json:"synack_after_ack,omitempty"`
	// SYNs the client sent after the server's first SYN-ACK (handshake_incomplete): the
	// SYN-ACKs are in the capture, but the client never got them.
	SYNAfterSYNACK int      `json:"syn_after_synack,omitempty"`
	RefusedBy      string   `json:"refused_by,omitempty"`   // "rst" or "icmp"
	ICMP           string   `json:"icmp,omitempty"`         // the ICMP error, in words
	ICMPFrom       string   `json:"icmp_from,omitempty"`    // who sent it
	RSTFrom        string   `json:"rst_from,omitempty"`     // client or server
	RSTHasACK      *bool    `json:"rst_has_ack,omitempty"`  // whether the RST carried the ACK flag
	RSTAnswered    string   `json:"rst_answered,omitempty"` // "data" (the peer was gone) or "nothing" (an abort)
	Idle           *float64 `json:"idle_s,omitempty"`       // silence before the FIN or RST the verdict is about
	Stuck          *float64 `json:"stuck_s,omitempty"`      // time in CLOSE_WAIT until capture end
	FINToRST       *float64 `json:"fin_to_rst_s,omitempty"` // from the unanswered FIN to the RST
	FINAcked       *bool    `json:"fin_acked,omitempty"`    // whether the peer's kernel ACKed the FIN
	HandshakeToRST *float64 `json:"handshake_to_rst_s,omitempty"`
	DataToRST      *float64 `json:"data_to_rst_s,omitempty"`    // from the client's first data to the RST
	FirstDataBytes int      `json:"first_data_bytes,omitempty"` // bytes the client sent before the RST
	// DataAcked (rst_on_first_data): whether the server acknowledged any of the
	// client's data before its RST. An RST without ACK that never acknowledged the data
	// is what a kernel sends for a segment no connection takes.
	DataAcked       *bool    `json:"data_acked,omitempty"`
	Retransmissions int      `json:"retransmissions,omitempty"` // of the data the verdict is about
	LastRetransGap  *float64 `json:"last_retrans_gap_s,omitempty"`
	// SpuriousRetransmissions (retransmit_giveup): of those, resends of data the peer
	// had acknowledged in the capture: the acknowledgments never reached the sender.
	SpuriousRetransmissions int `json:"spurious_retransmissions,omitempty"`
	// PeerAlive: the peer of the retransmitting side sent something after a resend, so
	// it was there while its data went unacknowledged: the path lost the segments.
	PeerAlive      bool     `json:"peer_alive,omitempty"`
	KeepAlives     int      `json:"keepalive_probes,omitempty"`
	KeepAliveEvery *float64 `json:"keepalive_interval_s,omitempty"`
	KeepAliveSeen  *bool    `json:"keepalive_seen,omitempty"`
	// KeepAliveAnswersLost: probes answered in the capture whose answers never
	// reached the prober (its TCP timestamps show it): lost past the capture point.
	KeepAliveAnswersLost int      `json:"keepalive_answers_lost,omitempty"`
	Silent               *float64 `json:"silent_s,omitempty"` // idle_open: silence until capture end; syn_unanswered: since the last SYN
	TrailingRST          string   `json:"trailing_rst_from,omitempty"`
	NotCaptured          string   `json:"not_captured,omitempty"` // one_sided: the side none of whose packets are in the capture
	// The application-level facts, when an application verdict applies.
	*AppFacts
}

// SideStats are Wireshark's TCP analysis flags, counted per side.
type SideStats struct {
	Retransmissions  int `json:"retransmissions"`
	OutOfOrder       int `json:"out_of_order"`
	DupAcks          int `json:"dup_acks"`
	KeepAlives       int `json:"keepalives"`
	KeepAliveACKs    int `json:"keepalive_acks"`
	ZeroWindows      int `json:"zero_windows"`
	ZeroWindowProbes int `json:"zero_window_probes"`
	WindowFull       int `json:"window_full"`
	SYNs             int `json:"syns"`
	FINs             int `json:"fins"`
	RSTs             int `json:"rsts"`
}

// Flow is one connection's result: what the report renders.
type Flow struct {
	ID            int             `json:"id"`
	Client        string          `json:"client"`
	Server        string          `json:"server"`
	File          string          `json:"file"`
	FirstFrame    int             `json:"first_frame"`
	LastFrame     int             `json:"last_frame"`
	LastFile      string          `json:"last_file,omitempty"` // when the flow ends in another input
	Start         time.Time       `json:"-"`
	StartAt       Timestamp       `json:"start"` // Start in the contract's format
	End           time.Time       `json:"-"`
	EndAt         Timestamp       `json:"end"`
	Duration      float64         `json:"duration_s"`
	Verdict       Verdict         `json:"verdict"`
	Close         Verdict         `json:"close"`
	Severity      Severity        `json:"severity"`
	Midstream     bool            `json:"midstream"`
	Tunnel        string          `json:"tunnel,omitempty"` // the tunnel its segments came in: "VXLAN (UDP 8472)", "GRE"...
	Summary       string          `json:"summary"`
	Facts         Facts           `json:"facts"`
	Evidence      []Evidence      `json:"evidence"`
	Packets       Pair[int]       `json:"packets"`
	PayloadBytes  Pair[int64]     `json:"payload_bytes"`
	Analysis      Pair[SideStats] `json:"analysis"`
	Protocol      string          `json:"protocol,omitempty"` // recognised from the first bytes (or the port's hint)
	HTTP          []app.Exchange  `json:"http,omitempty"`     // HTTP/1.x exchanges, in order
	App           *app.Info       `json:"app,omitempty"`      // what the application layer saw (HTTP listed above)
	ZeekConnState string          `json:"zeek_conn_state"`
	ZeekHistory   string          `json:"zeek_history"`
	// ZeekEarlierRows are the rows Zeek logs before the one above for what is one flow
	// to us (its 5 s connection-attempt timeout, its inactivity timeout), oldest first.
	ZeekEarlierRows []zeekconn.Row `json:"zeek_earlier_rows,omitempty"`
	WiresharkFilter string         `json:"wireshark_filter"`

	// Ladder is the flow's kept packets, for the text report (not in the JSON).
	Ladder []flows.Step `json:"-"`
	// Files maps a ladder step's file index to its name.
	Files []string `json:"-"`
}

// Input is one capture file as the report header describes it.
type Input struct {
	Name   string `json:"name"`
	Format string `json:"format"`
	Gzip   bool   `json:"gzip,omitempty"`
	// Compression: "gzip", "bzip2", "zstd" or "lz4" (gzip also sets Gzip).
	Compression string   `json:"compression,omitempty"`
	LinkTypes   []string `json:"link_types"`
	Packets     int      `json:"packets"`
	Truncated   bool     `json:"truncated,omitempty"`
	Warnings    []string `json:"warnings,omitempty"`
}

// Finding is a conclusion across flows: the few sentences, with numbers, that explain
// many verdicts. Kind is stable (scripts match on it), like the verdict names.
type Finding struct {
	Kind     string   `json:"kind"`
	Severity Severity `json:"severity"`
	// Endpoint is what the finding is about: a server ip:port, or a host.
	Endpoint string `json:"endpoint"`
	Summary  string `json:"summary"`
	// Flows are the IDs of the flows that prove it; Frames a few decisive frames.
	Flows  []int      `json:"flows"`
	Frames []Evidence `json:"frames,omitempty"`
	Next   string     `json:"check_next,omitempty"`
	// Numbers are the finding's figures by name (seconds, counts, shares), for scripts.
	Numbers map[string]float64 `json:"numbers,omitempty"`
}

// SocketState is a TCP state as netstat and ss name it.
type SocketState string

// The states the timeline counts, in the order a connection passes through them.
var SocketStates = []SocketState{"SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2",
	"CLOSING", "TIME_WAIT", "CLOSE_WAIT", "LAST_ACK"}

// StatePoint is a count that holds from T until the next point.
type StatePoint struct {
	T time.Time `json:"t"`
	N int       `json:"n"`
}

// StateSeries is how many sockets one endpoint had in each TCP state over time, rebuilt
// from the packets: the chart the incident's engineers read off their monitoring.
type StateSeries struct {
	// Endpoint is a server's ip:port (its sockets for accepted connections) or a
	// client host's address (its sockets for outgoing connections).
	Endpoint string                       `json:"endpoint"`
	Role     string                       `json:"role"` // "server" or "client"
	Flows    int                          `json:"flows"`
	States   map[SocketState][]StatePoint `json:"states"`
	Peak     map[SocketState]StatePoint   `json:"peak"`
}

// Summary counts the whole run.
type Summary struct {
	Flows       int             `json:"flows"`
	Packets     int             `json:"packets"`     // frames read from all inputs
	TCPSegments int             `json:"tcp_packets"` // TCP segments placed in flows
	Verdicts    map[Verdict]int `json:"verdicts"`
	Truncated   bool            `json:"truncated"`
	Start       time.Time       `json:"start"`
	End         time.Time       `json:"end"`
	Skipped     map[string]int  `json:"skipped,omitempty"` // frames not analysed, by reason
	// Tunnelled counts the TCP segments found inside a tunnel (VXLAN, Geneve, GRE, IP in
	// IP), by the outermost one: their flows are the inner connections.
	Tunnelled map[string]int `json:"tunnelled,omitempty"`
	// ReassembledPackets are the IP datagrams put together from ReassembledFragments
	// fragments, each analysed at the frame of its last fragment.
	ReassembledPackets   int `json:"reassembled_packets,omitempty"`
	ReassembledFragments int `json:"reassembled_fragments,omitempty"`
	// Evicted counts flows judged early because --max-flows was reached; PeakLiveFlows
	// is the most flows tracked at once; TrailingPackets are stragglers of connections
	// already judged.
	Evicted         int      `json:"evicted_flows"`
	PeakLiveFlows   int      `json:"peak_live_flows"`
	TrailingPackets int      `json:"trailing_packets"`
	Warnings        []string `json:"warnings,omitempty"`
}

// Result is everything one run found: what every report format renders.
type Result struct {
	Inputs   []Input       `json:"inputs"`
	Flows    []Flow        `json:"flows"`
	Findings []Finding     `json:"findings"`
	Timeline []StateSeries `json:"timeline"`
	Summary  Summary       `json:"summary"`
	// Total is how many flows there were before --host, --port and --verdict filtered;
	// Matched how many those filters kept; Wanted how many of those Options.Want took.
	// Flows lists them all, or only the most severe when Options.Retain bounds it.
	Total   int `json:"-"`
	Matched int `json:"-"`
	Wanted  int `json:"-"`
	// Idle is the threshold the run used; the text ladder marks silences this long.
	Idle time.Duration `json:"-"`
}

// jsonTime writes a timestamp as the contract shows it: RFC 3339, UTC, always nine
// fractional digits (time.Time's own encoding drops trailing zeros).
func jsonTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z07:00")
}

// marshal encodes v without HTML escaping: a display filter keeps its && as typed.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// Timestamp is a time as the JSON contract writes it: RFC 3339, UTC, nine fractional
// digits. A text marshaller (not a JSON one) keeps encoding cheap: no re-parsing.
type Timestamp time.Time

// MarshalText writes the timestamp in the contract's fixed format ("" when unset).
func (t Timestamp) MarshalText() ([]byte, error) { return []byte(jsonTime(time.Time(t))), nil }

// UnmarshalText reads what MarshalText wrote.
func (t *Timestamp) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*t = Timestamp{}
		return nil
	}
	v, err := time.Parse(time.RFC3339Nano, string(b))
	*t = Timestamp(v)
	return err
}

// UnmarshalJSON reads a flow as the JSON report wrote it, its times included.
func (f *Flow) UnmarshalJSON(b []byte) error {
	type plain Flow
	if err := json.Unmarshal(b, (*plain)(f)); err != nil {
		return err
	}
	f.Start, f.End = time.Time(f.StartAt).UTC(), time.Time(f.EndAt).UTC()
	return nil
}

// MarshalJSON writes the summary with its timestamps in the contract's fixed format.
func (s Summary) MarshalJSON() ([]byte, error) {
	type plain Summary
	return marshal(struct {
		plain
		Start string `json:"start"`
		End   string `json:"end"`
	}{plain(s), jsonTime(s.Start), jsonTime(s.End)})
}

// MarshalJSON writes the point with its timestamp in the contract's fixed format.
func (p StatePoint) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		T string `json:"t"`
		N int    `json:"n"`
	}{jsonTime(p.T), p.N})
}
