package analyzer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tcpmortem/tcpmortem/flows"
)

// BenchmarkJudgeMix judges flows one at a time, per flow, as BenchmarkJudge does, but
// flows of a big capture's shape, where BenchmarkJudge's capture holds three
// connections of a hundred requests each: a big capture is millions of short flows, so
// what judging costs per flow (its summary sentence, its evidence, its record) shows
// here. http_close: short HTTP connections of one request, closed cleanly, as most of
// the bench capture's are; verdicts: the TCP and scenario captures, every verdict.
func BenchmarkJudgeMix(b *testing.B) {
	for _, bc := range []struct {
		name     string
		patterns []string
	}{
		{"http_close", []string{"app/http_close.pcap"}},
		{"verdicts", []string{"tcp/*.pcap", "scenarios/*.pcap"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			benchJudge(b, judgeBenchFlows(b, bc.patterns))
		})
	}
}

// judgeBenchFlows reads the captures under testdata that the patterns match and
// returns their flows, numbered from 1 across all of them.
func judgeBenchFlows(b *testing.B, patterns []string) []*flows.Flow {
	var all []*flows.Flow
	for _, pat := range patterns {
		names, err := filepath.Glob(filepath.Join("..", "testdata", pat))
		if err != nil || len(names) == 0 {
			b.Fatalf("no captures match testdata/%s: %v", pat, err)
		}
		for _, name := range names {
			data, err := os.ReadFile(name)
			if err != nil {
				b.Fatal(err)
			}
			all = append(all, finishedFlows(b, name, data)...)
		}
	}
	// IDs restart in each capture: renumber, so that no two flows share a record.
	for i, f := range all {
		f.ID = i + 1
	}
	return all
}

// The summaries are built by appending where they were built with fmt: the same text,
// byte for byte, is what the output contract holds to. These compare the appending
// helpers with the fmt formats they replaced.

func TestDurMatchesFmt(t *testing.T) {
	var old func(time.Duration) string // dur as it was, with fmt
	old = func(d time.Duration) string {
		switch {
		case d < 0:
			return "-" + old(-d)
		case d < time.Millisecond:
			return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
		case d < 995*time.Millisecond:
			return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
		default:
			return fmt.Sprintf("%.1f s", d.Seconds())
		}
	}
	ds := []time.Duration{0, 1, 499, 500, 501, 999, 1500, 2500, 999_499, 999_500, 999_999,
		time.Millisecond, 1_050_000, 1_150_000, 1_250_000, 994_949_999, 994_950_000, 994_999_999,
		995 * time.Millisecond, time.Second, 1_049_999_999, 1_050_000_000, 1_150_000_000,
		time.Hour, 1<<62 + 12345, -1, -1500, -2 * time.Second}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		// Spread over every magnitude, from nanoseconds to days.
		ds = append(ds, time.Duration(rng.Int64N(int64(1)<<rng.IntN(48))))
	}
	for _, d := range ds {
		if got, want := dur(d), old(d); got != want {
			t.Fatalf("dur(%d) = %q, fmt says %q", int64(d), got, want)
		}
	}
}

// TestDurOfTheMostNegative: -math.MinInt64 overflows to itself, so dur must not negate
// it and recurse (a duration that wrapped once made the run overflow its stack).
func TestDurOfTheMostNegative(t *testing.T) {
	if got, want := dur(math.MinInt64), "-"+dur(math.MaxInt64); got != want {
		t.Errorf("dur(MinInt64) = %q, want %q", got, want)
	}
}

func TestTextMatchesFmt(t *testing.T) {
	for _, n := range []int{0, 1, 2, 10, 99, 100, 12345, -1} {
		if got, want := plural(n, "SYN"), fmt.Sprintf("%d %ss", n, "SYN"); n != 1 && got != want {
			t.Errorf("plural(%d) = %q, fmt says %q", n, got, want)
		}
		if got, want := timesWord(n), fmt.Sprintf("%d times", n); n != 1 && got != want {
			t.Errorf("timesWord(%d) = %q, fmt says %q", n, got, want)
		}
	}
	if plural(1, "SYN") != "1 SYN" || timesWord(1) != "once" {
		t.Errorf("plural(1) = %q, timesWord(1) = %q", plural(1, "SYN"), timesWord(1))
	}
	for _, g := range [][]float64{nil, {1}, {1, 2, 4.05, 8.25, 0.049, 0.05, 0.15, 1e9}, {-0.0001, math.Copysign(0, -1)}} {
		parts := make([]string, len(g))
		for i, x := range g {
			parts[i] = fmt.Sprintf("%.1f", x)
		}
		if got, want := gapList(g), strings.Join(parts, ", ")+" s"; got != want {
			t.Errorf("gapList(%v) = %q, fmt says %q", g, got, want)
		}
	}
	for _, s := range []string{"0.0.0.0:0", "10.1.2.3:8080", "[::1]:443", "[fe80::1%eth0]:22",
		"[::ffff:10.1.2.3]:80", "[2001:db8::1]:65535"} {
		ap := netip.MustParseAddrPort(s)
		if got := string(text(nil).addr(ap)); got != ap.String() {
			t.Errorf("addr(%s) = %q, String says %q", s, got, ap.String())
		}
	}
	for _, b := range []string{"", "SSH-2.0-OpenSSH_9.6", "tab\there \"quoted\" \x00\xff é 😀"} {
		if got, want := string(text(nil).q(b)), fmt.Sprintf("%q", b); got != want {
			t.Errorf("q(%s) = %s, fmt says %s", b, got, want)
		}
	}
	if got := string(text(nil).addr(netip.AddrPort{})); got != (netip.AddrPort{}).String() {
		t.Errorf("addr of the zero AddrPort = %q, String says %q", got, (netip.AddrPort{}).String())
	}
}
