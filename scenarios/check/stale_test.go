package check_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios/check"
)

// restartBug commits offset+2 in every incarnation but the first (the
// tests run one consumer): only a schedule with a restart finds it.
func restartBug(starts *atomic.Int32) check.App {
	return func(ctx context.Context, c client.Consumer, rec check.Recorder) error {
		buggy := starts.Add(1) > 1
		if err := c.Subscribe(topic, nil); err != nil {
			return err
		}
		for ctx.Err() == nil {
			if m, ok := c.Poll(1000).(*client.Message); ok {
				rec.Effect(m)
				tp := m.TopicPartition
				tp.Offset++
				if buggy {
					tp.Offset++
				}
				_, _ = c.CommitOffsets([]client.TopicPartition{tp})
			}
		}
		return c.Close()
	}
}

// savedCase is a counterexample an earlier run saved: one consumer,
// restarted.
const savedCase = `name: check-saved
seed: 3
duration: 30s
cluster:
  group_initial_rebalance_delay: 0s
topics:
  - {name: orders, partitions: 1}
producers:
  - {id: p, topic: orders, count: 5, key: "k-{i}"}
consumers:
  - id: c1
    group: g
    topics: [orders]
    start: 0s
    config:
      auto.offset.reset: "earliest"
      enable.auto.commit: false
      max.poll.interval.ms: 20000
      session.timeout.ms: 10000
    processing: {time: 0s, commit: none}
script:
  - {at: 2.000001s, do: restart, consumer: "c1"}
  - {at: 3.000002s, do: produce, topic: "orders", count: 3, key: "x-{i}"}
`

// TestStaleCounterexampleReported: a scenario file saved by an earlier
// run that still fails, when the search finds nothing newer, is reported
// as the saved one (Stale), not as a minimal counterexample of this run.
func TestStaleCounterexampleReported(t *testing.T) {
	var starts atomic.Int32
	cfg := appConfig(t, restartBug(&starts), check.AtLeastOnce, 100)
	cfg.Faults = check.Produce // the search cannot restart anything
	cfg.MaxConsumers = 1
	cfg.Setup = func() { starts.Store(0) }
	if err := os.WriteFile(filepath.Join(cfg.Dir, "TestStaleCounterexampleReported.yaml"), []byte(savedCase), 0o644); err != nil {
		t.Fatal(err)
	}
	f := check.Search(t, cfg)
	if f == nil {
		t.Fatal("the saved counterexample was not replayed")
	}
	if !f.Stale || !strings.Contains(f.Error(), "earlier run saved") {
		t.Fatalf("the saved case was reported as this run's:\n%s", f)
	}
	// Without the file, the same search finds nothing.
	if err := os.Remove(f.File); err != nil {
		t.Fatal(err)
	}
	if f := check.Search(t, cfg); f != nil {
		t.Fatalf("the search alone found:\n%s", f)
	}
}

// TestFreshCounterexampleWins: when the search finds a counterexample, it
// is the one reported and saved, shrunk for this run, even if a saved one
// (here a larger one) still fails.
func TestFreshCounterexampleWins(t *testing.T) {
	var starts atomic.Int32
	cfg := appConfig(t, restartBug(&starts), check.AtLeastOnce, 500)
	cfg.Faults = check.Restart | check.Produce
	cfg.MaxConsumers = 1
	cfg.Setup = func() { starts.Store(0) }
	path := filepath.Join(cfg.Dir, "TestFreshCounterexampleWins.yaml")
	if err := os.WriteFile(path, []byte(savedCase), 0o644); err != nil {
		t.Fatal(err)
	}
	f := check.Search(t, cfg)
	if f == nil || f.Stale {
		t.Fatalf("want a fresh counterexample, got:\n%v", f)
	}
	saved, err := os.ReadFile(path)
	if err != nil || string(saved) == savedCase {
		t.Fatalf("the saved file was not replaced (%v)", err)
	}
}

// TestReportPrintedOnce: a failing TestConsumer prints its report once,
// without rapid's draws, and with them when asked (-rapid.v). It runs the
// failing test in a child process of this test binary.
func TestReportPrintedOnce(t *testing.T) {
	if os.Getenv("KAFKASIM_CHILD") == "fail" {
		check.TestConsumer(t, check.Config{Guarantee: check.AtLeastOnce, Handler: check.Handler{Strategy: check.CommitBeforeProcess},
			Dir: os.Getenv("KAFKASIM_CHILD_DIR"), Cases: 100, MaxConsumers: 1, MaxPartitions: 1, MaxMessages: 5})
		return
	}
	run := func(args ...string) string {
		cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestReportPrintedOnce$", "-test.v"}, args...)...)
		cmd.Env = append(os.Environ(), "KAFKASIM_CHILD=fail", "KAFKASIM_CHILD_DIR="+t.TempDir())
		out, _ := cmd.CombinedOutput()
		return string(out)
	}
	out := run()
	if n := strings.Count(out, "broke a rule"); n != 1 {
		t.Fatalf("the report was printed %d times:\n%s", n, out)
	}
	if strings.Contains(out, "[rapid]") {
		t.Fatalf("rapid's own output was printed:\n%s", out)
	}
	if !strings.Contains(out, "-rapid.seed=") {
		t.Fatalf("no way to rerun the search:\n%s", out)
	}
	if verbose := run("-rapid.v"); !strings.Contains(verbose, "[rapid] draw") {
		t.Fatalf("-rapid.v did not show rapid's draws:\n%s", verbose)
	}
}
