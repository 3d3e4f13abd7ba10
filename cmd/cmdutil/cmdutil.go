// Package cmdutil holds what every tcpmortem command shares: the IO streams it writes to
// and the errors that carry an exit status.
package cmdutil

import (
	"errors"
	"io"
	"os"

	"github.com/mattn/go-isatty"
)

// IOStreams are where a command reads and writes; tests pass buffers.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// OutTTY says whether Out is a terminal (colour, progress).
	OutTTY bool
	// ErrTTY says whether ErrOut is a terminal.
	ErrTTY bool
}

// System is the process's own stdin, stdout and stderr.
func System() *IOStreams {
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		OutTTY: isatty.IsTerminal(os.Stdout.Fd()) || isatty.IsCygwinTerminal(os.Stdout.Fd()),
		ErrTTY: isatty.IsTerminal(os.Stderr.Fd()) || isatty.IsCygwinTerminal(os.Stderr.Fd()),
	}
}

// Exit statuses, as ../shared/VERDICTS.md fixes them.
const (
	ExitOK      = 0 // the capture was read, whatever the verdicts
	ExitNoInput = 1 // nothing could be read
	ExitUsage   = 2 // bad usage
)

// UsageError is a mistake on the command line: exit status 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef makes a UsageError.
func Usagef(err error) error { return &UsageError{Err: err} }

// ExitCode maps an error from a command to the process's exit status.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var u *UsageError
	if errors.As(err, &u) {
		return ExitUsage
	}
	return ExitNoInput
}
