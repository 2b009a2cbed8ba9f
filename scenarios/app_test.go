package scenarios_test

import (
	"strings"
	"testing"

	"github.com/kafkasim/kafkasim/scenarios"
)

// A commit-before-process app whose commit fails (here: the broker is down)
// must not process the message — at-most-once forbids running it where the
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
    config: {auto.offset.reset: earliest, enable.auto.commit: false}
    processing: {time: 1s, commit: before-process}
script:
  - {at: 5s, do: broker-down}
  - {at: 20s, do: broker-up}
`
	s, err := scenarios.Parse("before-process-outage.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	r, err := scenarios.Run(s, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
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
