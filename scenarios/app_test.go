package scenarios_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios"
)

// A commit-before-process app whose commit fails (here: the broker is down
// for longer than socket.timeout.ms, so the synchronous commit gives up
// waiting for the coordinator) must not process the message — at-most-once forbids running it where the
// partition may be read again — and must not drop it either: it seeks back
// and retries, so once the broker is back every message has one effect.
func TestBeforeProcessCommitFailureIsNotProcessed(t *testing.T) {
	const y = `
name: before-process-outage
summary: commit before processing while the broker goes away
duration: 1m
topics:
  - {name: t, partitions: 1}
producers:
  - {topic: t, count: 6}
consumers:
  - id: c1
    group: g
    topics: [t]
    config: {auto.offset.reset: earliest, enable.auto.commit: false, session.timeout.ms: 6000}
    processing: {time: 1s, commit: before-process}
script:
  - {at: 5s, do: broker-down}
  - {at: 20s, do: broker-up}
`
	r := runYAML(t, "before-process-outage.yaml", y)
	skipped := 0
	for _, e := range r.Events() {
		if e.Kind == scenarios.KindProcessFailed && strings.Contains(e.Detail, "commit before processing failed") {
			skipped++
			for _, f := range r.Events()[e.Seq:] {
				if f.Kind == scenarios.KindEffect && f.Offset == e.Offset && f.At == e.At {
					t.Fatalf("offset %d processed at once although its commit failed", e.Offset)
				}
			}
		}
	}
	if skipped == 0 {
		t.Fatal("no commit failed during the outage: the test no longer exercises the case")
	}
	c := r.Outcome.Counts
	if c.Duplicated != 0 || c.Lost != 0 || c.Pending != 0 || c.OK+c.Redelivered != 6 {
		t.Fatalf("outcome %+v, want all 6 messages with one effect", c)
	}
}

// A synchronous commit while the broker is down waits for the coordinator,
// as librdkafka's does: the app blocks (and does not poll) until the broker
// is back, then the commit goes through; an outage longer than
// session.timeout.ms makes it fail then (_WAIT_COORD), not at once.
func TestSyncCommitWaitsForTheCoordinator(t *testing.T) {
	const y = `
name: outage-sync
duration: 2m
topics: [{name: t, partitions: 1}]
producers: [{topic: t, count: 10, interval: 1s, key: "k-{i}"}]
consumers:
  - {id: c1, group: g, topics: [t], config: {auto.offset.reset: earliest, enable.auto.commit: false}, processing: {time: 200ms, commit: after-each}}
script:
  - {at: 3.5s, do: broker-down}
  - {at: UP, do: broker-up}
`
	run := func(up string) *scenarios.Result {
		t.Helper()
		return runYAML(t, "outage-sync.yaml", strings.Replace(y, "UP", up, 1))
	}
	type commit struct {
		at   time.Duration
		kind scenarios.Kind
		err  string
	}
	results := func(r *scenarios.Result) (out []commit) {
		for _, e := range r.Events() {
			if e.Kind == scenarios.KindCommitOK || e.Kind == scenarios.KindCommitFailed {
				out = append(out, commit{e.At, e.Kind, e.Error})
			}
		}
		return out
	}

	// A 10 s outage: no commit result while it lasts, the blocked one
	// succeeds when the broker is back, nothing is lost or duplicated.
	r := run("13.5s")
	for _, c := range results(r) {
		if c.at > 3500*time.Millisecond && c.at < 13500*time.Millisecond {
			t.Errorf("a commit finished during the outage: %+v", c)
		}
		if c.kind == scenarios.KindCommitFailed {
			t.Errorf("a commit failed: %+v", c)
		}
	}
	if c := r.Outcome.Counts; c.Lost != 0 || c.Duplicated != 0 || c.OK != 10 {
		t.Errorf("outcome %+v, want 10 OK", c)
	}
	blocked := false
	for _, e := range r.Events() {
		if e.Kind == scenarios.KindStall && e.Actor == "c1" && strings.Contains(e.Detail, "synchronous commit") {
			blocked = true
		}
		if e.Kind == scenarios.KindDeliver && e.At > 3500*time.Millisecond && e.At < 13500*time.Millisecond {
			t.Errorf("delivered while blocked in a commit: %v", &e)
		}
	}
	if !blocked {
		t.Error("the timeline does not show the app blocked in its commit")
	}

	// A 90 s outage: the commit waits session.timeout.ms (45 s), then
	// librdkafka gives it up with _WAIT_COORD.
	var failed []commit
	for _, c := range results(run("93.5s")) {
		if c.kind == scenarios.KindCommitFailed {
			failed = append(failed, c)
		}
	}
	if len(failed) == 0 || failed[0].at != 48500*time.Millisecond || failed[0].err != "_WAIT_COORD" {
		t.Errorf("failed commits %+v, want the first at 48.5s with _WAIT_COORD", failed)
	}
}

// Messages the runner hands to Options.Process are the app's to keep: the
// simulated consumer must not deliver later messages in their memory (it
// does so only for messages no one but the runner's loop has seen). Every
// message Process saw still holds, at the end of the run, what it held
// when Process saw it.
func TestProcessedMessagesAreNotReused(t *testing.T) {
	s, err := scenarios.Builtin("manual-commit-duplicates")
	if err != nil {
		t.Fatal(err)
	}
	type seen struct {
		m     *client.Message
		tp    string
		value string
	}
	var all []seen
	ptrs := map[*client.Message]bool{}
	process := func(_ context.Context, m *client.Message) error {
		if ptrs[m] {
			t.Errorf("%s arrived in the memory of a message Process already saw", m.TopicPartition)
		}
		ptrs[m] = true
		all = append(all, seen{m, m.TopicPartition.String(), string(m.Value)})
		return nil
	}
	if _, err := scenarios.Run(s, scenarios.Options{Process: process}); err != nil {
		t.Fatal(err)
	}
	if len(all) < 2 {
		t.Fatalf("Process saw %d messages", len(all))
	}
	for _, x := range all {
		if got := x.m.TopicPartition.String(); got != x.tp || string(x.m.Value) != x.value {
			t.Errorf("a message Process kept changed: was %s %q, now %s %q", x.tp, x.value, got, x.m.Value)
		}
	}
}

// Closing while the broker is down waits for the coordinator too:
// librdkafka's close commits the stored offsets synchronously. With the
// broker back within session.timeout.ms the commit goes through and the
// next member starts after the processed messages; with a longer outage
// the commit fails once session.timeout.ms has passed (_WAIT_COORD), and
// they are read again. Nothing else commits meanwhile (the auto-commit timer stops).
func TestCloseWaitsForTheCoordinator(t *testing.T) {
	const y = `
name: close-outage
duration: 3m
topics: [{name: t, partitions: 1}]
producers: [{topic: t, count: 5}]
consumers:
  - {id: c1, group: g, topics: [t], config: {auto.offset.reset: earliest, auto.commit.interval.ms: 60000}, processing: {time: 100ms}}
  - {id: c2, group: g, topics: [t], start: 2m, config: {auto.offset.reset: earliest}, processing: {time: 100ms}}
script:
  - {at: 5s, do: broker-down}
  - {at: 6s, do: close, consumer: c1}
  - {at: UP, do: broker-up}
`
	type commit struct {
		at   time.Duration
		kind scenarios.Kind
		by   string
		err  string
	}
	run := func(up string) (*scenarios.Result, []commit) {
		t.Helper()
		r := runYAML(t, "close-outage.yaml", strings.Replace(y, "UP", up, 1))
		var cs []commit
		for _, e := range r.Events() {
			switch e.Kind {
			case scenarios.KindCommit, scenarios.KindCommitOK, scenarios.KindCommitFailed:
				if e.Actor == "c1" && e.At > 5*time.Second {
					cs = append(cs, commit{e.At, e.Kind, e.Commit, e.Error})
				}
			}
		}
		return r, cs
	}

	r, cs := run("16s")
	want := []commit{{16 * time.Second, scenarios.KindCommit, scenarios.CommitClose, ""}, {16 * time.Second, scenarios.KindCommitOK, scenarios.CommitClose, ""}}
	if diff := cmp.Diff(want, cs, cmp.AllowUnexported(commit{})); diff != "" {
		t.Errorf("c1's commits after the broker went down, 10 s outage (-want +got):\n%s", diff)
	}
	if c := r.Outcome.Counts; c.OK != 5 || c.Duplicated != 0 {
		t.Errorf("10 s outage: outcome %+v, want 5 OK", c)
	}
	blocked := false
	for _, e := range r.Events() {
		if e.Kind == scenarios.KindStall && e.Actor == "c1" && strings.Contains(e.Detail, "close") && e.At == 6*time.Second {
			blocked = true
		}
		if e.Kind == scenarios.KindClosed && e.Actor == "c1" && e.At != 16*time.Second {
			t.Errorf("c1 closed at %v, want when the broker came back", e.At)
		}
	}
	if !blocked {
		t.Error("the timeline does not show c1 blocked in close")
	}

	r, cs = run("100s")
	want = []commit{{51 * time.Second, scenarios.KindCommit, scenarios.CommitClose, ""}, {51 * time.Second, scenarios.KindCommitFailed, scenarios.CommitClose, "_WAIT_COORD"}}
	if diff := cmp.Diff(want, cs, cmp.AllowUnexported(commit{})); diff != "" {
		t.Errorf("c1's commits after the broker went down, 95 s outage (-want +got):\n%s", diff)
	}
	if c := r.Outcome.Counts; c.Duplicated != 5 {
		t.Errorf("95 s outage: outcome %+v, want the 5 messages processed again by c2", c)
	}
}
