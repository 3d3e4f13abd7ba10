package root_test

import (
	"bytes"
	"fmt"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/tcpmortem/tcpmortem/cmd/cmdutil"
	"github.com/tcpmortem/tcpmortem/cmd/root"
)

// execute runs the command line the way main does, with buffers for the streams. A
// panic fails the test with its stack instead of killing the test binary.
func execute(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	ios := &cmdutil.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("tcpmortem %s panicked: %v\n%s", strings.Join(args, " "), r, debug.Stack())
			}
		}()
		code = root.Execute(args, ios)
	}()
	stdout, stderr = out.String(), errOut.String()
	if strings.Contains(stderr, "goroutine ") || strings.Contains(stdout, "goroutine ") {
		t.Errorf("tcpmortem %s printed a goroutine dump:\n%s%s", strings.Join(args, " "), stdout, stderr)
	}
	return code, stdout, stderr
}

// errorLine checks that stderr holds exactly one error line ("tcpmortem: ..."),
// optionally followed by the usage hint that usage errors add, and returns it.
func errorLine(t *testing.T, stderr string) string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "tcpmortem: ") {
		t.Fatalf("stderr does not start with one \"tcpmortem: \" error line:\n%s", stderr)
	}
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "Run '") || !strings.HasSuffix(l, "--help' for usage.") {
			t.Errorf("stderr has more than the error line and the usage hint:\n%s", stderr)
		}
	}
	return lines[0]
}

func TestVersionCommand(t *testing.T) {
	code, out, errOut := execute(t, "version")
	if code != cmdutil.ExitOK {
		t.Fatalf("exit %d, want 0; stderr %q", code, errOut)
	}
	if errOut != "" {
		t.Errorf("stderr %q, want nothing", errOut)
	}
	if !strings.HasPrefix(out, "tcpmortem ") || strings.Count(out, "\n") != 1 || !strings.Contains(out, "go1.") {
		t.Errorf("version printed %q, want one line \"tcpmortem VERSION (goX, os/arch)\"", out)
	}
}

func TestVersionTakesNoArguments(t *testing.T) {
	code, _, errOut := execute(t, "version", "extra")
	if code != cmdutil.ExitUsage {
		t.Errorf("exit %d, want %d", code, cmdutil.ExitUsage)
	}
	errorLine(t, errOut)
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {}, {"help", "analyze"}, {"analyze", "--help"}} {
		t.Run(strings.Join(append([]string{"tcpmortem"}, args...), " "), func(t *testing.T) {
			code, out, errOut := execute(t, args...)
			if code != cmdutil.ExitOK {
				t.Fatalf("exit %d, want 0; stderr %q", code, errOut)
			}
			if errOut != "" {
				t.Errorf("stderr %q, want nothing", errOut)
			}
			want := []string{"Usage:", "analyze", "version", "completion"}
			if len(args) > 0 && (args[0] == "analyze" || len(args) > 1) {
				want = []string{"Usage:", "tcpmortem analyze [flags] FILE...", "--format", "--idle", "--host",
					"--port", "--verdict", "--all", "--no-color", "Exit status"}
			}
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("help does not mention %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestCompletion(t *testing.T) {
	for shell, marker := range map[string]string{
		"bash": "bash completion", "zsh": "#compdef tcpmortem", "fish": "complete -c tcpmortem", "powershell": "Register-ArgumentCompleter",
	} {
		t.Run(shell, func(t *testing.T) {
			code, out, errOut := execute(t, "completion", shell)
			if code != cmdutil.ExitOK {
				t.Fatalf("exit %d, want 0; stderr %q", code, errOut)
			}
			if !strings.Contains(out, marker) || !strings.Contains(out, "tcpmortem") {
				t.Errorf("completion %s: %q not in the script (first 200 bytes: %q)", shell, marker, head(out, 200))
			}
		})
	}
}

// The completion script must be able to complete analyze's flags: cobra's hidden
// __complete command answers for it.
func TestCompletionOfAnalyzeFlags(t *testing.T) {
	code, out, errOut := execute(t, "__complete", "analyze", "--")
	if code != cmdutil.ExitOK {
		t.Fatalf("exit %d; stderr %q", code, errOut)
	}
	for _, f := range []string{"--format", "--idle", "--verdict", "--no-color"} {
		if !strings.Contains(out, f) {
			t.Errorf("__complete analyze -- does not offer %s:\n%s", f, out)
		}
	}
}

func TestRootUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"--bogus"}, "unknown flag: --bogus"},
		{[]string{"-z"}, "unknown shorthand flag"},
		{[]string{"completion", "tcsh"}, "tcsh"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := execute(t, tc.args...)
			if code != cmdutil.ExitUsage {
				t.Errorf("exit %d, want %d; stderr %q", code, cmdutil.ExitUsage, errOut)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing on a usage error", head(out, 200))
			}
			if line := errorLine(t, errOut); !strings.Contains(line, tc.want) {
				t.Errorf("error %q does not say %q", line, tc.want)
			}
		})
	}
}

func TestExitCodeOfErrors(t *testing.T) {
	if got := cmdutil.ExitCode(nil); got != 0 {
		t.Errorf("ExitCode(nil) = %d", got)
	}
	if got := cmdutil.ExitCode(fmt.Errorf("x.pcap: empty file")); got != 1 {
		t.Errorf("ExitCode(read error) = %d, want 1", got)
	}
	if got := cmdutil.ExitCode(fmt.Errorf("wrapped: %w", cmdutil.Usagef(fmt.Errorf("bad flag")))); got != 2 {
		t.Errorf("ExitCode(wrapped usage error) = %d, want 2", got)
	}
}

func head(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
