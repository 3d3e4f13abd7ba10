// Command tcpmortem tells, flow by flow, how every TCP connection in a capture ended and
// what that means.
package main

import (
	"os"

	"github.com/tcpmortem/tcpmortem/cmd/cmdutil"
	"github.com/tcpmortem/tcpmortem/cmd/root"
)

func main() {
	os.Exit(root.Execute(os.Args[1:], cmdutil.System()))
}
