package main

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kafkasim/kafkasim/scenarios"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailed  = 1 // an expectation failed, or a run failed
	exitInvalid = 2 // invalid input: flags, names, scenario files, a scenario over its run budget
	// exitInternal is a bug in kafkasim (a panic, an internal error),
	// never the input's fault: EX_SOFTWARE of BSD's sysexits.h, far from
	// the small codes the other outcomes use.
	exitInternal = 70
)

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func invalid(err error) error { return &exitError{exitInvalid, err} }
func failed(err error) error  { return &exitError{exitFailed, err} }

// openTUI, when set, makes plain `kafkasim` (no subcommand) open the
// terminal UI instead of printing help. The TUI lives in its own file of
// this package (tui.go) and sets it from an init function.
var openTUI func(cmd *cobra.Command, args []string) error

// newRoot builds the command tree, one file per command.
func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "kafkasim",
		Short: "Simulate Kafka consumer groups: offsets, commits, crashes and rebalances",
		Long: `kafkasim runs Kafka consumer scenarios on an in-memory broker in virtual
time: 45 seconds of session timeout cost microseconds, and the same scenario
and seed always give the same timeline.

Start with "kafkasim list", then "kafkasim run auto-commit-loss".`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if openTUI != nil {
				return openTUI(cmd, args)
			}
			return cmd.Help()
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return invalid(fmt.Errorf("%w (see %s --help)", err, c.CommandPath()))
	})
	root.AddCommand(newListCmd(), newRunCmd(), newCheckCmd(), newDescribeCmd(), newTUICmd(), newFidelityCmd())
	return root
}

// execute runs the command line and maps errors to exit codes.
func execute(args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	return executeRoot(root, stderr)
}

// executeRoot runs root and maps its error to an exit code. A panic (a
// bug) is caught here and reported as one, with exitInternal, never as
// bad input: without this the Go runtime would exit 2, the code of bad
// input.
func executeRoot(root *cobra.Command, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "kafkasim: internal error: %v\n", r)
			fmt.Fprintln(stderr, "This is a bug in kafkasim, not a mistake in your input; please report it with the command line and the scenario file.")
			fmt.Fprint(stderr, stackHead(debug.Stack(), 40))
			code = exitInternal
		}
	}()
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	code = exitCode(err)
	if code == exitInternal {
		fmt.Fprintln(stderr, "kafkasim: internal error:", err)
		fmt.Fprintln(stderr, "This is a bug in kafkasim, not a mistake in your input; please report it with the command line and the scenario file.")
		return code
	}
	fmt.Fprintln(stderr, "kafkasim:", err)
	return code
}

// exitCode is the exit status for a command's error.
func exitCode(err error) int {
	if errors.Is(err, scenarios.ErrInternal) {
		return exitInternal
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	// Scenario files and names, and cobra's own errors (unknown command,
	// wrong argument count), are invalid input.
	return exitInvalid
}

// stackHead is the first n lines of a stack trace.
func stackHead(stack []byte, n int) string {
	lines := strings.SplitAfterN(string(stack), "\n", n+1)
	if len(lines) > n {
		lines = append(lines[:n], "\t...\n")
	}
	return strings.Join(lines, "")
}

// runFailed is the error of a run that returned err: a run over its
// budget is invalid input (exit 2), an internal error keeps its kind,
// anything else is a failed run (exit 1).
func runFailed(err error) error {
	var ee *exitError
	switch {
	case errors.As(err, &ee), errors.Is(err, scenarios.ErrInternal):
		return err
	case errors.Is(err, scenarios.ErrBudget):
		return invalid(err)
	}
	return failed(err)
}

// open loads a scenario by built-in name or file path, as an invalid-input
// error when it cannot.
func open(arg string) (*scenarios.Scenario, error) {
	s, err := scenarios.Open(arg)
	if err != nil {
		return nil, invalid(err)
	}
	return s, nil
}
