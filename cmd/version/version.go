// Package version is the `tcpmortem version` command.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/tcpmortem/tcpmortem/cmd/cmdutil"
)

// Version is set at build time with -ldflags "-X .../cmd/version.Version=v1.2.3".
var Version = "dev"

// String is the version line: ours, the module's VCS revision when known, and Go's.
func String() string {
	v := Version
	if info, ok := debug.ReadBuildInfo(); ok && v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	return fmt.Sprintf("tcpmortem %s (%s, %s/%s)", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// NewCmdVersion builds `tcpmortem version`.
func NewCmdVersion(ios *cmdutil.IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(ios.Out, String())
			return err
		},
	}
}
