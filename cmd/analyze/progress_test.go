package analyze

import (
	"bytes"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tcpmortem/tcpmortem/analyzer"
	"github.com/tcpmortem/tcpmortem/flows"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// TestProgressLine: after the first second a line with bytes, packet rate, open flows
// and the share read is drawn, and stop clears it.
func TestProgressLine(t *testing.T) {
	src, err := flows.Open(filepath.Join("..", "..", "testdata", "demo", "demo.pcapng"), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for { // read it all, so BytesRead is the file's size
		if _, err := src.Next(); err != nil {
			break
		}
	}
	pr := &analyzer.Progress{}
	pr.Packets.Store(76)
	pr.LiveFlows.Store(3)
	var out lockedBuffer
	stop := startProgress(&out, []*flows.FileSource{src}, pr)
	// Wait for the first line (it comes after progressDelay), however slow the machine.
	for i := 0; i < 200; i++ {
		time.Sleep(50 * time.Millisecond)
		out.mu.Lock()
		drawn := strings.Contains(out.b.String(), "flows open")
		out.mu.Unlock()
		if drawn && i*50 > int(progressDelay/time.Millisecond) {
			break
		}
	}
	stop()
	s := out.b.String()
	if !strings.Contains(s, "KB read") || !strings.Contains(s, "3 flows open") || !strings.Contains(s, "100%") {
		t.Errorf("progress line: %q", s)
	}
	if !strings.HasSuffix(s, "\r\033[K") {
		t.Errorf("the line is not cleared at the end: %q", s)
	}
}
