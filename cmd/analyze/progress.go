package analyze

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/tcpmortem/tcpmortem/analyzer"
	"github.com/tcpmortem/tcpmortem/flows"
)

// progressDelay is how long a read runs before a progress line appears: short captures
// print nothing extra.
const progressDelay = time.Second

// startProgress redraws one line on w (a terminal) while a long read runs: bytes read,
// packets per second, flows open, and the time left when the inputs' sizes are known.
// stop clears the line.
func startProgress(w io.Writer, srcs []*flows.FileSource, pr *analyzer.Progress) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		start := time.Now()
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		drawn := false
		for {
			select {
			case <-done:
				if drawn {
					fmt.Fprint(w, "\r\033[K")
				}
				return
			case now := <-tick.C:
				el := now.Sub(start)
				if el < progressDelay {
					continue
				}
				var read, size int64
				known := true
				for _, s := range srcs {
					read += s.BytesRead()
					if s.Size() < 0 {
						known = false
					}
					size += s.Size()
				}
				pkts := pr.Packets.Load()
				line := fmt.Sprintf("tcpmortem: %s read, %.2f M packets/s, %d flows open",
					bytesText(read), float64(pkts)/el.Seconds()/1e6, pr.LiveFlows.Load())
				if known && size > 0 && read > 0 {
					left := time.Duration(float64(el) * float64(size-read) / float64(read))
					line += fmt.Sprintf(", %.0f%% (%s left)", 100*float64(read)/float64(size), left.Round(time.Second))
				}
				fmt.Fprint(w, "\r\033[K"+line)
				drawn = true
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%d KB", n>>10)
	}
}
