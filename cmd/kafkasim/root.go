package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/kafkasim/kafkasim/scenarios"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailed  = 1 // an expectation failed, or a run failed
	exitInvalid = 2 // invalid input: flags, names, scenario files
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
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "kafkasim:", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if errors.Is(err, scenarios.ErrInvalid) || errors.Is(err, scenarios.ErrNotFound) {
		return exitInvalid
	}
	// cobra's own errors (unknown command, wrong argument count) are
	// invalid input.
	return exitInvalid
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
