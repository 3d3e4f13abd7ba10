package analyzer

import (
	"os"
	"path/filepath"
	"testing"
)

// TestOneSidedCaptures: Zeek's half-duplex SSH traces hold one direction only
// (tshark -Y "tcp.srcport==22" finds no packet in the client-side one; the server-side
// one has no packet to port 22). The captured side's ACK numbers advance, so the other
// side did send: nothing may be claimed about it (no CLOSE_WAIT, no unanswered request,
// no finding), and every flow says so.
func TestOneSidedCaptures(t *testing.T) {
	for _, c := range []struct {
		file, missing string
	}{
		{"zeek-ssh-ssh.client-side-half-duplex.pcap", "server"},
		{"zeek-ssh-ssh.server-side-half-duplex.pcap", "client"},
	} {
		p := filepath.Join("..", "..", "shared", "captures", "public", c.file)
		if _, err := os.Stat(p); err != nil {
			t.Skip("../shared/captures/public is not here")
		}
		r := analyzeFiles(t, DefaultConfig(), p)
		if r.Summary.Verdicts[OneSided] != 20 || len(r.Flows) != 20 {
			t.Errorf("%s: verdicts %v, want 20 one_sided", c.file, r.Summary.Verdicts)
		}
		for _, f := range r.Flows {
			if f.Facts.NotCaptured != c.missing || f.Severity != SevInfo {
				t.Errorf("%s flow %d: not captured %q, severity %s", c.file, f.ID, f.Facts.NotCaptured, f.Severity)
			}
		}
		if len(r.Findings) != 0 {
			t.Errorf("%s: findings rest on half-captured flows: %+v", c.file, r.Findings)
		}
	}
}
