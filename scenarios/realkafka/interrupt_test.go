package realkafka_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/scenarios/fidelity"
	"github.com/kafkasim/kafkasim/scenarios/realkafka"
)

// Ctrl-C in the middle of a real run: the result so far comes back marked
// incomplete, with ErrInterrupted, and the run's topics are deleted.
func TestInterrupted(t *testing.T) {
	bubble(t, nil, func(t *testing.T, c *kfake.Cluster, cfg realkafka.Config) {
		s, err := scenarios.Builtin("auto-commit-loss")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		time.AfterFunc(10*time.Second, cancel)
		cfg.Context = ctx
		start := time.Now()
		r, err := realkafka.Run(s, scenarios.Options{}, cfg)
		if !errors.Is(err, realkafka.ErrInterrupted) {
			t.Fatalf("error %v, want ErrInterrupted", err)
		}
		if took := time.Since(start); took > 15*time.Second {
			t.Errorf("the interrupted run took %v, want it to stop soon after 10 s", took)
		}
		if r == nil || !strings.Contains(r.Incomplete, "interrupted at T=10") {
			t.Fatalf("result %v, want one marked incomplete (interrupted at T=10s)", r)
		}
		if len(r.Events()) == 0 {
			t.Error("the interrupted run has no timeline")
		}
		if ts := topics(t, c, cfg); len(ts) != 0 {
			t.Errorf("topics left after an interrupted run: %v", ts)
		}
	})
}

// The cluster goes away in the middle of a run, with no broker-down step:
// the run reports it (ErrClusterLost), its result is marked incomplete,
// and the topics it could not delete are named.
func TestClusterLost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k, err := fidelity.StartKfake(fidelity.KfakeOptions{Virtual: true})
		if err != nil {
			t.Fatal(err)
		}
		defer k.Close()
		s, err := scenarios.Builtin("auto-commit-loss")
		if err != nil {
			t.Fatal(err)
		}
		cfg := realkafka.Config{Brokers: k.Brokers(), Dialer: k.Dialer(), RunID: "lost"}
		k.PrepareRun(s, cfg.RunID)
		time.AfterFunc(10*time.Second, func() { _ = k.SetAvailable(false) })
		r, err := realkafka.Run(s, scenarios.Options{}, cfg)
		if !errors.Is(err, realkafka.ErrClusterLost) {
			t.Fatalf("error %v, want ErrClusterLost", err)
		}
		if r == nil || !strings.Contains(r.Incomplete, "did not come back") {
			t.Fatalf("result %v, want one marked incomplete (the cluster did not come back)", r)
		}
		if !errors.Is(err, realkafka.ErrCleanup) || !strings.Contains(err.Error(), "orders-lost") {
			t.Errorf("error %v, want the topics it could not delete named", err)
		}
	})
}
