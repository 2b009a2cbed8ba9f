package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/kafkasim/kafkasim/scenarios"
)

// TestExitCodes: 0 when all is well, 1 when a run or an expectation
// fails, 2 when the input is wrong (a flag, a file, a key, an address) —
// the scripts check the messages, this checks the codes.
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	failing := filepath.Join(dir, "failing.yaml")
	if err := os.WriteFile(failing, []byte(`name: failing
summary: expects what does not happen
duration: 20s
topics: [t]
producers: [{topic: t, count: 2}]
consumers: [{id: c1, group: g, topics: [t], config: {auto.offset.reset: earliest}}]
expect: {lost: 1}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want int
	}{
		{[]string{"list"}, exitOK},
		{[]string{"check", "auto-commit-loss"}, exitOK},
		{[]string{"check", failing}, exitFailed},
		{[]string{"check", filepath.Join(dir, "missing.yaml")}, exitInvalid},
		{[]string{"run", "auto-commit-loss", "--format", "xml"}, exitInvalid},
		{[]string{"run", "no-such-scenario"}, exitInvalid},
		{[]string{"run", "auto-commit-loss", "--brokers", ":9092"}, exitInvalid},
		{[]string{"run", "auto-commit-loss", "--brokers", "127.0.0.1:1", "--config", "no.such.key=1"}, exitInvalid},
		{[]string{"run", "auto-commit-loss", "--brokers", "127.0.0.1:1", "--connect-timeout", "1s"}, exitFailed},
		{[]string{"run", "auto-commit-loss", "--brokers", "not a host"}, exitInvalid},
		{[]string{"run", "auto-commit-loss", "--brokers", ""}, exitInvalid},
		{[]string{"run", "auto-commit-loss", "--brokers", " , "}, exitInvalid},
		{[]string{"run", "auto-commit-loss", "--brokers", "127.0.0.1:1", "--connect-timeout", "0s"}, exitInvalid},
		{[]string{"run", "auto-commit-loss", "--brokers", "127.0.0.1:1", "--connect-timeout", "-1s"}, exitInvalid},
		{[]string{"run", "auto-commit-loss", "--config", "security.protocol=SASL_SSL"}, exitInvalid},
		{[]string{"tui", "auto-commit-loss", "--config", "security.protocol=SASL_SSL"}, exitInvalid},
		{[]string{"run", "auto-commit-loss", "--budget", "messages=2"}, exitInvalid},
		{[]string{"run", "auto-commit-loss", "--budget", "messages=5"}, exitOK},
		{[]string{"describe", "auto-commit-loss", "--budget", "steps=10"}, exitInvalid},
		{[]string{"check", "auto-commit-loss", "--budget", "partitions=0"}, exitInvalid},
		{[]string{"run", "/dev/zero"}, exitInvalid},
	}
	for _, c := range cases {
		if got := execute(c.args, io.Discard, io.Discard); got != c.want {
			t.Errorf("kafkasim %v: exit %d, want %d", c.args, got, c.want)
		}
	}
}

// TestInternalErrorExit: a bug — a panic, or an error that says it is
// internal — exits 70 with a message saying it is a bug, never 2 (the
// Go runtime's status for a panic, and ours for bad input).
func TestInternalErrorExit(t *testing.T) {
	for _, c := range []struct {
		name string
		run  func() error
	}{
		{"panic", func() error { panic("planted bug") }},
		{"error", func() error { return fmt.Errorf("decoder: %w", scenarios.ErrInternal) }},
		{"wrapped", func() error { return runFailed(fmt.Errorf("run: %w", scenarios.ErrInternal)) }},
	} {
		var out, errb bytes.Buffer
		root := newRoot(&out, &errb)
		root.AddCommand(&cobra.Command{Use: "boom", RunE: func(*cobra.Command, []string) error { return c.run() }})
		root.SetArgs([]string{"boom"})
		if code := executeRoot(root, &errb); code != exitInternal {
			t.Errorf("%s: exit %d, want %d", c.name, code, exitInternal)
		}
		if !strings.Contains(errb.String(), "kafkasim: internal error") || !strings.Contains(errb.String(), "This is a bug in kafkasim") {
			t.Errorf("%s: stderr %q", c.name, errb.String())
		}
	}
}

// TestRunFailedCodes: what a run's error means for the exit status.
func TestRunFailedCodes(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{errors.New("cluster unreachable"), exitFailed},
		{&scenarios.BudgetError{Budget: "events", Limit: 1, Stopped: true}, exitInvalid},
		{fmt.Errorf("run x: %w", &scenarios.BudgetError{Budget: "steps", Limit: 1}), exitInvalid},
		{fmt.Errorf("x: %w", scenarios.ErrInternal), exitInternal},
		{invalid(errors.New("bad flag")), exitInvalid},
	} {
		if got := exitCode(runFailed(c.err)); got != c.want {
			t.Errorf("%v: exit %d, want %d", c.err, got, c.want)
		}
	}
}
