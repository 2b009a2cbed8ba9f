package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
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
	}
	for _, c := range cases {
		if got := execute(c.args, io.Discard, io.Discard); got != c.want {
			t.Errorf("kafkasim %v: exit %d, want %d", c.args, got, c.want)
		}
	}
}
