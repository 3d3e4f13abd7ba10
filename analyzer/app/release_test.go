package app

import (
	"encoding/json"
	"testing"

	"github.com/tcpmortem/tcpmortem/flows"
)

// TestReleasedStatesGiveSameInfo: a flow whose state was recycled from an earlier flow
// (see Release) ends with the Info a fresh state gives. Every HTTP capture of
// testdata/app is read twice in one run, each flow's state released as soon as its Info
// is taken, so the later flows (keep-alive, pipelined, close-delimited, unanswered)
// parse in states that held other flows' exchanges and partial lines.
func TestReleasedStatesGiveSameInfo(t *testing.T) {
	names := []string{"http_keepalive.pcap", "http_close.pcap", "http_pipelined.pcap",
		"http_unanswered_rst.pcap", "many_small_http.pcap", "bulk.pcap", "misc_protocols.pcap"}
	run := func(release bool) []string {
		var infos []string
		for range 2 {
			for _, name := range names {
				trackCapture(t, name, loadCapture(t, name), true, nil, func(f *flows.Flow) {
					b, err := json.Marshal(InfoOf(f))
					if err != nil {
						t.Fatal(err)
					}
					infos = append(infos, string(b))
					if release {
						st, _ := f.App.(*flowState)
						Release(f)
						if st != nil && st.made != nil && f.App != nil {
							t.Fatalf("%s: flow %d keeps its state after Release", name, f.ID)
						}
					}
				})
			}
		}
		return infos
	}
	fresh, reused := run(false), run(true)
	if len(fresh) != len(reused) {
		t.Fatalf("%d flows without Release, %d with", len(fresh), len(reused))
	}
	for i := range fresh {
		if fresh[i] != reused[i] {
			t.Errorf("flow %d:\nfresh state:    %s\nrecycled state: %s", i, fresh[i], reused[i])
		}
	}
	if len(recycledStates) == 0 {
		t.Error("no state was recycled: the test proves nothing")
	}
}
