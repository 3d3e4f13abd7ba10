// Package root assembles the tcpmortem command tree and runs it.
package root

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tcpmortem/tcpmortem/cmd/analyze"
	"github.com/tcpmortem/tcpmortem/cmd/cmdutil"
	"github.com/tcpmortem/tcpmortem/cmd/flow"
	"github.com/tcpmortem/tcpmortem/cmd/version"
)

// NewCmdRoot builds the command tree.
func NewCmdRoot(ios *cmdutil.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tcpmortem",
		Short: "Tell how every TCP connection in a capture ended, and what that means",
		Long: `tcpmortem reads tcpdump or Wireshark captures (pcap, pcapng, compressed or not, several at once,
or stdin) and says, flow by flow, how every TCP connection ended: refused, SYN never
answered, FIN left unanswered (CLOSE_WAIT), reset after idle, clean close, and so on,
with the frames that prove it.`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	cmd.SetIn(ios.In)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return cmdutil.Usagef(err) })
	cmd.AddCommand(analyze.NewCmdAnalyze(ios, nil))
	cmd.AddCommand(flow.NewCmdFlow(ios, nil))
	cmd.AddCommand(version.NewCmdVersion(ios))
	// cobra's completion command prints its help and succeeds when given a shell it
	// does not know; that is bad usage (exit 2) like any other.
	cmd.InitDefaultCompletionCmd()
	for _, c := range cmd.Commands() {
		if c.Name() == "completion" {
			c.Args = func(c *cobra.Command, args []string) error {
				if len(args) > 0 {
					return cmdutil.Usagef(fmt.Errorf("completion: unknown shell %q (want bash, zsh, fish or powershell)", args[0]))
				}
				return nil
			}
			c.RunE = func(c *cobra.Command, args []string) error {
				return cmdutil.Usagef(fmt.Errorf("completion needs a shell: bash, zsh, fish or powershell"))
			}
		}
	}
	return cmd
}

// Execute runs the command line and returns the process's exit status; errors are
// printed once, on one line, here.
func Execute(args []string, ios *cmdutil.IOStreams) int {
	cmd := NewCmdRoot(ios)
	cmd.SetArgs(args)
	c, err := cmd.ExecuteC()
	if err != nil {
		if strings.HasPrefix(err.Error(), "unknown command") || strings.HasPrefix(err.Error(), "unknown flag") ||
			strings.HasPrefix(err.Error(), "unknown shorthand flag") {
			err = cmdutil.Usagef(err)
		}
		msg := strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", " ")
		if cmdutil.ExitCode(err) == cmdutil.ExitUsage {
			msg += fmt.Sprintf(" (see '%s --help')", c.CommandPath())
		}
		// One line, always: scripts and people read the first line of stderr.
		fmt.Fprintf(ios.ErrOut, "tcpmortem: %s\n", msg)
		return cmdutil.ExitCode(err)
	}
	return cmdutil.ExitOK
}
