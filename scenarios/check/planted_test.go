package check

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/group"
	"github.com/kafkasim/kafkasim/internal/testhook"
)

// Planted bugs, one per invariant of docs/guarantees.md that issue 17
// found unguarded: each test turns one on (a switch of internal/testhook
// in the coordinator or the broker, or an app that commits wrongly) and
// requires the suite to find it at its default size (and at -short, a
// fifth of it, as CI's race run has it), naming the rule it breaks. Without
// the plants the same configurations pass (the guarantee matrix).

// planted runs the search of cfg (a Handler's with Find, an App's with
// Search) for at least n cases and returns its counterexample, which must
// break rule (the start of its first problem) and say each of words.
func planted(t *testing.T, cfg Config, n int, rule string, words ...string) *Failure {
	t.Helper()
	cfg.Dir, cfg.Name, cfg.Cases = failuresDir(t), t.Name(), n
	var f *Failure
	if cfg.App != nil {
		f = Search(t, cfg)
	} else {
		f = Find(cfg)
	}
	if f == nil {
		t.Fatalf("the planted bug was not found in %d cases", n)
	}
	if !strings.HasPrefix(f.Problems[0], rule) {
		t.Fatalf("found something else first (want %q):\n%s", rule, f.Error())
	}
	for _, w := range words {
		if !strings.Contains(f.Problems[0], w) {
			t.Fatalf("the finding does not say %q:\n%s", w, f.Error())
		}
	}
	t.Logf("caught:\n%s", f.Error())
	return f
}

// TestPlantedPreviousGeneration: the coordinator stores a commit that
// carries the generation before the current one (instead of failing it
// with ILLEGAL_GENERATION). Only a commit in flight across a rebalance
// shows it: cooperative-sticky members that keep consuming while the
// group moves on, with JoinGroup/SyncGroup answers that take a while
// (Config.fence). The counterexample replays to the same finding: the
// file keeps the case's latency.
func TestPlantedPreviousGeneration(t *testing.T) {
	cfg := Config{Guarantee: AtLeastOnce, Handler: Handler{Strategy: CommitAfterEach},
		Consumer: client.ConfigMap{"partition.assignment.strategy": "cooperative-sticky"}, fence: true,
		group: group.Config{Hooks: &testhook.Group{AcceptPreviousGeneration: true}}}
	f := planted(t, cfg, max(suiteCases(0.05), 1000), "invariant 4 (fenced commits): STALE-COMMIT-ACCEPTED", "ILLEGAL_GENERATION expected")
	if f.latency == 0 || !strings.Contains(f.Error(), "JoinGroup/SyncGroup latency") {
		t.Fatalf("the report does not give the case's latency:\n%s", f.Error())
	}
	r := Replay(t, f.File, cfg)
	if r == nil || r.Problems[0] != f.Problems[0] {
		t.Fatalf("the scenario file does not replay to the same finding:\n%v", r)
	}
}

// keepsRevokedApp commits, after each message, what it has processed of
// every partition it ever read, revoked or not: a planted bug. Kafka takes
// the commit of a partition that moved to another consumer from a member
// of the current generation; invariant 4 does not.
func keepsRevokedApp(ctx context.Context, c client.Consumer, rec Recorder) error {
	if err := c.Subscribe(plantTopic, nil); err != nil {
		return err
	}
	marks := map[client.PartitionKey]client.TopicPartition{}
	for ctx.Err() == nil {
		m, ok := c.Poll(1000).(*client.Message)
		if !ok {
			continue
		}
		time.Sleep(5 * time.Millisecond)
		rec.Effect(m)
		tp := m.TopicPartition
		tp.Offset++
		marks[tp.Key()] = client.TopicPartition{Topic: tp.Topic, Partition: tp.Partition, Offset: tp.Offset}
		offs := make([]client.TopicPartition, 0, len(marks))
		for _, o := range marks {
			offs = append(offs, o)
		}
		slices.SortFunc(offs, func(a, b client.TopicPartition) int { return int(a.Partition - b.Partition) })
		_, _ = c.CommitOffsets(offs)
	}
	return c.Close()
}

// oneBehindApp commits the offset of the message it processed instead of
// the next one (offset+0): a planted bug. Every at-least-once rule holds
// (nothing is committed past what was processed; a restart reads one
// message again) but the group never commits its log end.
func oneBehindApp(ctx context.Context, c client.Consumer, rec Recorder) error {
	if err := c.Subscribe(plantTopic, nil); err != nil {
		return err
	}
	for ctx.Err() == nil {
		m, ok := c.Poll(1000).(*client.Message)
		if !ok {
			continue
		}
		time.Sleep(5 * time.Millisecond)
		rec.Effect(m)
		_, _ = c.CommitOffsets([]client.TopicPartition{m.TopicPartition})
	}
	return c.Close()
}

const plantTopic = "orders"

func plantedApp(app App) Config {
	return Config{App: app, Topic: plantTopic, Guarantee: AtLeastOnce, Consumer: client.ConfigMap{"enable.auto.commit": false}}
}

// TestPlantedNonOwnerCommit: a consumer commits a partition that moved to
// another one.
func TestPlantedNonOwnerCommit(t *testing.T) {
	planted(t, plantedApp(keepsRevokedApp), max(suiteCases(0.05), 500), "invariant 4 (fenced commits): commit from a non-owner", "a partition it does not own")
}

// TestPlantedOneBehind: a consumer commits offset+0. Invariant 10 catches
// it: after the heal phase the committed offset is one below the log end
// although no commit past it failed.
func TestPlantedOneBehind(t *testing.T) {
	planted(t, plantedApp(oneBehindApp), max(suiteCases(0.02), 100), "liveness (invariant 10)", "not at its log end", "the tail was never committed")
}

// TestPlantedDuplicateOwner: the coordinator gives one partition to two
// members of one generation.
func TestPlantedDuplicateOwner(t *testing.T) {
	cfg := Config{Guarantee: AtLeastOnce, group: group.Config{Hooks: &testhook.Group{DuplicateOwner: true}}}
	planted(t, cfg, max(suiteCases(0.05), 500), "invariant 3 (one owner per partition)", "assigned to both")
}

// TestPlantedUnownedPartition: the coordinator leaves a partition out of
// the assignment it makes Stable.
func TestPlantedUnownedPartition(t *testing.T) {
	cfg := Config{Guarantee: AtLeastOnce, group: group.Config{Hooks: &testhook.Group{DropPartition: true}}}
	planted(t, cfg, max(suiteCases(0.05), 500), "invariant 3 (one owner per partition)", "assigned to nobody")
}

// TestPlantedRewrittenRecord: the broker gives the last record of each
// partition another value when it comes back from an outage (as an
// unclean leader election can).
func TestPlantedRewrittenRecord(t *testing.T) {
	cfg := Config{Guarantee: AtLeastOnce, broker: broker.Config{Hooks: &testhook.Broker{RewriteOnRecovery: true}}}
	planted(t, cfg, max(suiteCases(0.05), 1000), "invariant 1 (one message per offset)", "was produced as")
}

// TestPlantedLateSession: the coordinator expires a session 2 s after it
// is due.
func TestPlantedLateSession(t *testing.T) {
	cfg := Config{Guarantee: AtLeastOnce, group: group.Config{Hooks: &testhook.Group{LateSession: 2 * time.Second}}}
	planted(t, cfg, max(suiteCases(0.05), 1000), "invariant 7 (timers on time)", "the session of", "but it was due at")
}
