package check_test

import (
	"context"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios/check"
)

// batch is a batching loop's processed offsets not yet committed.
type batch map[client.PartitionKey]client.Offset

// offsets lists the batch's offsets (next offset to read) for the
// partitions still assigned to c, sorted.
func (b batch) offsets(c client.Consumer) []client.TopicPartition {
	asg, _ := c.Assignment()
	var out []client.TopicPartition
	for _, tp := range asg {
		if off, ok := b[tp.Key()]; ok {
			out = append(out, client.TopicPartition{Topic: tp.Topic, Partition: tp.Partition, Offset: off})
		}
	}
	return out
}

// commit commits the batch (what is still assigned) and empties it.
func (b batch) commit(c client.Consumer) {
	if offs := b.offsets(c); len(offs) > 0 {
		_, _ = c.CommitOffsets(offs)
	}
	clear(b)
}

// batchingApp processes each message as it comes and commits every 10
// messages, or every 2 seconds from a time.Ticker on the same goroutine,
// and once more before closing. At-least-once: it only ever commits what
// it has processed.
func batchingApp(ctx context.Context, c client.Consumer, rec check.Recorder) error {
	if err := c.Subscribe(topic, nil); err != nil {
		return err
	}
	ticker := time.NewTicker(2 * time.Second)
	defer ticker.Stop()
	pending := batch{}
	n := 0
	for {
		// ctx first, then the ticker: a select over both would pick
		// either when both are ready, and the run would depend on it.
		if ctx.Err() != nil {
			pending.commit(c)
			return c.Close()
		}
		select {
		case <-ticker.C:
			pending.commit(c)
		default:
		}
		if m, ok := c.Poll(1000).(*client.Message); ok {
			process(m)
			rec.Effect(m)
			pending[m.TopicPartition.Key()] = m.TopicPartition.Offset + 1
			if n++; n%10 == 0 {
				pending.commit(c)
			}
		}
	}
}

// A batching loop: process each message, commit every 10 messages or every
// 2 seconds from a time.Ticker on the same goroutine, and before closing.
// The check finds no schedule that loses a message: at-least-once holds
// (TestBatchingLoopPasses runs it).
//
// An App runs in testing/synctest bubbles, which need the test's
// *testing.T: this example shows the test to write, and is not run as one.
func Example_batchingLoop() {
	cfg := check.Config{
		App:       batchingApp,
		Topic:     "orders",
		Guarantee: check.AtLeastOnce,
		Consumer:  client.ConfigMap{"enable.auto.commit": false},
	}
	test := func(t *testing.T) { check.TestConsumer(t, cfg) }
	_ = test // func TestMyConsumer(t *testing.T) { check.TestConsumer(t, cfg) }
}
