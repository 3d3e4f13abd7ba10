package flows

import (
	"bytes"
	"net/netip"
	"testing"
)

// TestListenersFromSYNACKs: in s4_ssh_silent_midstream.pcap (testdata/scenarios/
// EXPECTED.md) 10.77.0.2:36000 sends SYN-ACKs at frames 3, 8, 17 and 22 (input
// positions 2, 7, 16, 21), and nothing else does. It is a listener for a flow handed over
// after the first, not for one handed over at it or before; the clients, whose SYNs and
// ACKs the capture holds too, never are.
func TestListenersFromSYNACKs(t *testing.T) {
	src, err := OpenReader("s4.pcap", bytes.NewReader(badFile(t, "scenarios/s4_ssh_silent_midstream.pcap")), 0)
	if err != nil {
		t.Fatal(err)
	}
	l := NewListeners()
	dec := NewDecoder()
	var seg Segment
	var pos int64
	for ; ; pos++ {
		p, err := src.Next()
		if err != nil {
			break
		}
		if dec.Decode(p, &seg) {
			l.Note(&seg, pos)
		}
	}
	server := netip.MustParseAddrPort("10.77.0.2:36000")
	for at, want := range map[int64]bool{0: false, 2: false, 3: true, pos: true} {
		if got := l.Before(server, at); got != want {
			t.Errorf("server a listener before position %d: %v, want %v", at, got, want)
		}
	}
	for _, c := range []string{"10.77.0.1:34054", "10.77.0.1:34052", "10.77.0.1:33888"} {
		if l.Before(netip.MustParseAddrPort(c), pos) {
			t.Errorf("client %s taken for a listener", c)
		}
	}
	if len(l.at) != 1 {
		t.Errorf("%d listeners, want 1", len(l.at))
	}
}
