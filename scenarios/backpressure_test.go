package scenarios_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kafkasim/kafkasim/scenarios"
)

// kinds counts a run's events by kind.
func kinds(r *scenarios.Result) map[scenarios.Kind]int {
	n := map[scenarios.Kind]int{}
	for _, e := range r.Events() {
		n[e.Kind]++
	}
	return n
}

// A producer asked for more messages than its queue holds
// (queue.buffering.max.messages, 100,000 by default) waits for room as a
// producing app does and produces every one of them; the timeline says so
// once per wait, not once per message. With on_queue_full: error it takes
// the error instead, as a lesson about the error may want.
func TestProducerWaitsForRoom(t *testing.T) {
	const count = 200_000
	src := func(opt string) string {
		return fmt.Sprintf(`
name: queue-full
duration: 1s
topics: [{name: t, partitions: 2}]
producers: [{id: p, topic: t, count: %d, key: "k-{i}"%s}]
`, count, opt)
	}
	budget := scenarios.Options{Budget: scenarios.Budget{Messages: count}}
	s, err := scenarios.Parse("queue-full.yaml", []byte(src("")))
	if err != nil {
		t.Fatal(err)
	}
	if s.Producers[0].OnQueueFull != scenarios.QueueFullWait {
		t.Fatalf("default on_queue_full %q", s.Producers[0].OnQueueFull)
	}
	r, err := scenarios.Run(s, budget)
	if err != nil {
		t.Fatal(err)
	}
	k := kinds(r)
	if k[scenarios.KindProduce] != count || k[scenarios.KindClientErr] != 0 {
		t.Fatalf("%d produced, %d errors; want %d and none", k[scenarios.KindProduce], k[scenarios.KindClientErr], count)
	}
	// The queue fills once: at message 100,000 (the default limit).
	if k[scenarios.KindProduceWait] != 1 {
		t.Fatalf("%d produce_wait events, want 1", k[scenarios.KindProduceWait])
	}
	// Every message once, in order per partition.
	next := map[int32]int64{}
	keys := map[string]bool{}
	for _, e := range r.Events() {
		switch e.Kind {
		case scenarios.KindProduce:
			if e.Offset != next[e.Partition] {
				t.Fatalf("partition %d: offset %d after %d", e.Partition, e.Offset, next[e.Partition]-1)
			}
			next[e.Partition]++
			keys[e.Key] = true
		case scenarios.KindProduceWait:
			want := "the queue was full (queue.buffering.max.messages=100000) at message 100000 of 200000: the producer polled once for delivery reports, waited 0s, then produced on"
			if e.Actor != "p" || e.Error != "_QUEUE_FULL" || e.Detail != want {
				t.Fatalf("produce_wait %+v", e)
			}
		}
	}
	if len(keys) != count {
		t.Fatalf("%d distinct keys, want %d", len(keys), count)
	}

	s, err = scenarios.Parse("queue-full.yaml", []byte(src(", on_queue_full: error")))
	if err != nil {
		t.Fatal(err)
	}
	r, err = scenarios.Run(s, budget)
	if err != nil {
		t.Fatal(err)
	}
	k = kinds(r)
	if k[scenarios.KindProduce] != 100_000 || k[scenarios.KindClientErr] != count-100_000 || k[scenarios.KindProduceWait] != 0 {
		t.Fatalf("on_queue_full error: %d produced, %d errors, %d waits", k[scenarios.KindProduce], k[scenarios.KindClientErr], k[scenarios.KindProduceWait])
	}
	for _, e := range r.Events() {
		if e.Kind == scenarios.KindClientErr && (e.Error != "_QUEUE_FULL" || e.Actor != "p") {
			t.Fatalf("error event %+v", e)
		}
	}

	if _, err := scenarios.Parse("queue-full.yaml", []byte(src(", on_queue_full: drop"))); err == nil || !strings.Contains(err.Error(), "on_queue_full: expected wait or error, got \"drop\"") {
		t.Fatalf("bad on_queue_full: %v", err)
	}
}

// While the broker is down nothing leaves the queue: a producer at its
// limit polls once a second (no delivery report ends a poll early) until
// the broker is back; a producer on a schedule keeps to it afterwards,
// sending at once what the wait made late.
func TestProducerWaitsThroughAnOutage(t *testing.T) {
	s, err := scenarios.Parse("outage.yaml", []byte(`
name: outage
duration: 20s
topics: [t]
producers:
  - {id: p, topic: t, count: 30, interval: 200ms, config: {queue.buffering.max.messages: 5}}
script:
  - {at: 1s, do: broker-down}
  - {at: 4500ms, do: broker-up}
`))
	if err != nil {
		t.Fatal(err)
	}
	r, err := scenarios.Run(s, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	k := kinds(r)
	if k[scenarios.KindProduce] != 30 || k[scenarios.KindClientErr] != 0 || k[scenarios.KindProduceWait] != 1 {
		t.Fatalf("%v", k)
	}
	var last scenarios.Event
	for _, e := range r.Events() {
		switch e.Kind {
		case scenarios.KindProduceWait:
			// Messages 0-4 went before the outage; 5-9 fill the queue
			// (1s-1.8s); message 10 finds it full at 2s and polls until
			// the broker is back at 4.5s: at 3s, 4s and then ended by the
			// report of the queued messages at 4.5s.
			want := "the queue was full (queue.buffering.max.messages=5) at message 10 of 30: the producer polled 3 times for delivery reports, waited 2.5s, then produced on"
			if e.Detail != want || e.At.String() != "4.5s" {
				t.Fatalf("produce_wait at %s: %q", e.At, e.Detail)
			}
		case scenarios.KindProduce:
			last = e
		}
	}
	// Back on schedule: message 29 at 29 × 200ms.
	if last.Offset != 29 || last.At.String() != "5.8s" {
		t.Fatalf("last produce %+v", last)
	}
}
