package check_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios/check"
)

// A busy scenario file for the determinism tests: three consumers, three
// partitions, crashes, a stall, a broker outage, a late join, more
// messages.
const busyScenario = `name: busy
seed: 7
duration: 2m
cluster:
  group_initial_rebalance_delay: 0s
topics:
  - {name: orders, partitions: 3}
producers:
  - {id: p, topic: orders, count: 120, key: "k-{i}"}
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
  - id: c2
    group: g
    topics: [orders]
    start: 0s
    config:
      auto.offset.reset: "earliest"
      enable.auto.commit: false
      max.poll.interval.ms: 20000
      session.timeout.ms: 10000
    processing: {time: 0s, commit: none}
  - id: c3
    group: g
    topics: [orders]
    config:
      auto.offset.reset: "earliest"
      enable.auto.commit: false
      max.poll.interval.ms: 20000
      session.timeout.ms: 10000
    processing: {time: 0s, commit: none}
script:
  - {at: 150.001ms, do: crash, consumer: "c1"}
  - {at: 400.002ms, do: start, consumer: "c3"}
  - {at: 1.200003s, do: stall, consumer: "c2"}
  - {at: 3.000004s, do: restart, consumer: "c1"}
  - {at: 3.500005s, do: broker-down}
  - {at: 9.000006s, do: broker-up}
  - {at: 12.000007s, do: produce, topic: "orders", count: 30, key: "x-{i}"}
  - {at: 25.000008s, do: resume, consumer: "c2"}
  - {at: 40.000009s, do: close, consumer: "c3"}
  - {at: 60.00001s, do: close, consumer: "c1"}
  - {at: 60.000011s, do: close, consumer: "c2"}
`

// TestAppRunsAreDeterministic: the same scenario and app give the same
// timeline, byte for byte, run after run, for each example app (their
// goroutines interleave differently every time).
func TestAppRunsAreDeterministic(t *testing.T) {
	file := filepath.Join(t.TempDir(), "busy.yaml")
	if err := os.WriteFile(file, []byte(busyScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	db := &store{}
	for name, app := range map[string]check.App{"batching": batchingApp, "worker-pool": workerPoolApp,
		"rebalance": rebalanceApp(true), "idempotent": idempotentApp(db)} {
		t.Run(name, func(t *testing.T) {
			var first string
			for i := range 8 {
				db.reset()
				events := check.ReplayEvents(t, file, check.Config{App: app, Topic: topic, Guarantee: check.NoGuarantee,
					Consumer: client.ConfigMap{"enable.auto.commit": false}})
				var b strings.Builder
				for _, e := range events {
					b.WriteString(e.String())
					b.WriteByte('\n')
				}
				got := b.String()
				if len(events) < 200 {
					t.Fatalf("only %d events:\n%s", len(events), got)
				}
				if i == 0 {
					first = got
					continue
				}
				if got != first {
					t.Fatalf("run %d differs from the first:\n%s\n---\n%s", i, first, got)
				}
			}
		})
	}
}
