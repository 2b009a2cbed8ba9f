package realkafka_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/goleak"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/scenarios/realkafka"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// bubble runs fn inside a synctest bubble with a kfake cluster on the
// virtual network: scenario time costs no wall time.
func bubble(t *testing.T, opts []kfake.Opt, fn func(t *testing.T, c *kfake.Cluster, cfg realkafka.Config)) {
	synctest.Test(t, func(t *testing.T) {
		var stack kfake.VirtualNetwork
		c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1), kfake.Ports(19092), kfake.ListenFn(stack.Listen)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fn(t, c, realkafka.Config{Brokers: c.ListenAddrs(), Dialer: stack.DialContext, RunID: "t1"})
	})
}

func topics(t *testing.T, c *kfake.Cluster, cfg realkafka.Config) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.Dialer(cfg.Dialer))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	td, err := kadm.NewClient(cl).ListTopics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return td.Names()
}

// TestRunNamesAndCleanup: the run's topics carry the run id on the
// cluster, the timeline uses the scenario's names, the outcome is the
// lesson's, and the topics are gone afterwards.
func TestRunNamesAndCleanup(t *testing.T) {
	bubble(t, nil, func(t *testing.T, c *kfake.Cluster, cfg realkafka.Config) {
		s, err := scenarios.Builtin("manual-commit-duplicates")
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		r, err := realkafka.Run(s, scenarios.Options{}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < s.Duration {
			t.Errorf("run took %s of bubble time, want the scenario's %s", d, s.Duration)
		}
		if r.Backend != "kafka" {
			t.Errorf("backend %q", r.Backend)
		}
		for _, e := range r.Events() {
			if strings.Contains(e.Topic, "-t1") || strings.Contains(e.Group, "-t1") || strings.Contains(e.Detail, "-t1") {
				t.Fatalf("run id leaked into the timeline: %s", e.String())
			}
		}
		if r.Outcome.Counts.Duplicated != 1 || r.Outcome.Counts.Lost != 0 {
			t.Errorf("outcome %+v, want 1 duplicated, 0 lost", r.Outcome.Counts)
		}
		g := r.Group("audit")
		if g == nil || len(g.Partitions) != 1 || g.Partitions[0].Committed != 6 || g.Partitions[0].Topic != "tasks" {
			t.Fatalf("group result %+v", g)
		}
		if !strings.Contains(g.Table, "audit ") || strings.Contains(g.Table, "-t1") {
			t.Errorf("table:\n%s", g.Table)
		}
		for _, n := range topics(t, c, cfg) {
			if strings.HasSuffix(n, "-t1") {
				t.Errorf("topic %s not deleted", n)
			}
		}
	})
}

// TestKeepTopics keeps the run's topics.
func TestKeepTopics(t *testing.T) {
	bubble(t, nil, func(t *testing.T, c *kfake.Cluster, cfg realkafka.Config) {
		s, _ := scenarios.Builtin("partition-eof")
		cfg.KeepTopics = true
		if _, err := realkafka.Run(s, scenarios.Options{}, cfg); err != nil {
			t.Fatal(err)
		}
		var kept []string
		for _, n := range topics(t, c, cfg) {
			if strings.HasSuffix(n, "-t1") {
				kept = append(kept, n)
			}
		}
		if len(kept) == 0 {
			t.Error("no topic kept")
		}
	})
}

// TestUnreachable fails at once with the address and no run.
func TestUnreachable(t *testing.T) {
	s, _ := scenarios.Builtin("auto-commit-loss")
	start := time.Now()
	_, err := realkafka.Run(s, scenarios.Options{}, realkafka.Config{Brokers: []string{"127.0.0.1:1"}})
	if err == nil || !strings.Contains(err.Error(), "cannot reach the cluster at 127.0.0.1:1") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s to notice a refused connection", d)
	}
}

// TestSessionTimeoutRefused: a broker whose minimum session timeout is
// above the scenario's gives a clear error suggesting the broker setting.
func TestSessionTimeoutRefused(t *testing.T) {
	bubble(t, []kfake.Opt{kfake.GroupMinSessionTimeout(60 * time.Second)}, func(t *testing.T, c *kfake.Cluster, cfg realkafka.Config) {
		s, _ := scenarios.Builtin("scale-out")
		_, err := realkafka.Run(s, scenarios.Options{}, cfg)
		if !errors.Is(err, realkafka.ErrSessionTimeout) || !strings.Contains(err.Error(), "group.min.session.timeout.ms") {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestCannotRun: broker outages and offsets expiry are refused, naming
// the step.
func TestCannotRun(t *testing.T) {
	for name, want := range map[string]string{
		"broker-outage":   "script step 2 (at 20s, do: broker-down)",
		"offsets-expired": "cluster.offsets_retention",
	} {
		s, _ := scenarios.Builtin(name)
		err := realkafka.Check(s)
		if !errors.Is(err, realkafka.ErrNotPossible) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestSessionInSteps drives a run on the kafka backend as a Session, a
// few seconds at a time (as the TUI steps through a run): hooks that kgo's
// goroutines hand over between two RunUntil calls (delivery reports,
// commit results) are recorded in the next one, not dropped.
func TestSessionInSteps(t *testing.T) {
	bubble(t, nil, func(t *testing.T, c *kfake.Cluster, cfg realkafka.Config) {
		s, err := scenarios.Parse("steps.yaml", []byte(`
name: steps
duration: 20s
topics: [{name: t, partitions: 1}]
producers: [{id: p, topic: t, count: 12, interval: 1s}]
consumers:
  - {id: c1, group: g, topics: [t], config: {auto.offset.reset: earliest}, processing: {commit: after-each, async: true}}
`))
		if err != nil {
			t.Fatal(err)
		}
		ss, err := scenarios.Start(s, scenarios.Options{Backend: realkafka.Factory(cfg)})
		if err != nil {
			t.Fatal(err)
		}
		for at := time.Second; at < s.Duration; at += 3 * time.Second {
			if err := ss.RunUntil(at); err != nil {
				t.Fatal(err)
			}
		}
		if err := ss.RunUntil(s.Duration); err != nil {
			t.Fatal(err)
		}
		r, err := ss.Finish()
		if err != nil {
			t.Fatal(err)
		}
		asked := 0
		for _, p := range s.Producers {
			asked += p.Count
		}
		produced := 0
		for _, e := range r.Events() {
			if e.Kind == scenarios.KindProduce {
				produced++
			}
		}
		if produced != asked {
			t.Errorf("%d produce events recorded, want %d (delivery reports lost between steps)", produced, asked)
		}
		oks := 0
		for _, e := range r.Events() {
			if e.Kind == scenarios.KindCommitOK && e.Commit == scenarios.CommitManual {
				oks++
			}
		}
		if oks != asked {
			t.Errorf("%d commit_ok events of manual commits recorded, want %d (async commit results lost between steps)", oks, asked)
		}
		if r.Outcome.Counts.OK != asked {
			t.Errorf("outcome %+v, want %d OK", r.Outcome.Counts, asked)
		}
	})
}
