package check_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios/check"
)

// workerPoolApp hands each message to a pool of worker goroutines and
// commits the offset it has just polled, asynchronously, without waiting
// for the workers: a message still being processed is already committed,
// and a crash then loses it. It claims at-least-once and must fail.
func workerPoolApp(ctx context.Context, c client.Consumer, rec check.Recorder) error {
	if err := c.Subscribe(topic, nil); err != nil {
		return err
	}
	work := make(chan *client.Message, 8)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range work {
				process(m)
				rec.Effect(m)
			}
		}()
	}
	defer func() {
		close(work)
		wg.Wait()
	}()
	for ctx.Err() == nil {
		if m, ok := c.Poll(1000).(*client.Message); ok {
			work <- m
			_ = c.CommitMessageAsync(m) // the bug: the workers are not done with it
		}
	}
	return c.Close()
}

// workerPoolAtLeastOnce is the worker pool done right: the workers hand
// back what they have processed, and the poll loop commits, per partition,
// the offset below which everything is processed (the workers finish out
// of order). It commits only partitions it still owns: its rebalance
// callback forgets the revoked ones, so that a worker finishing one of
// their messages late commits nothing (the new owner reads it again).
// At-least-once: it passes.
func workerPoolAtLeastOnce(ctx context.Context, c client.Consumer, rec check.Recorder) error {
	marks := &marks{next: map[client.PartitionKey]client.Offset{}, done: map[client.PartitionKey]map[client.Offset]bool{}}
	onRebalance := func(_ client.Consumer, ev client.Event) error {
		if revoked, ok := ev.(client.RevokedPartitions); ok {
			marks.forget(revoked.Partitions)
		}
		return nil
	}
	if err := c.Subscribe(topic, onRebalance); err != nil {
		return err
	}
	work := make(chan *client.Message, 8)
	// At most 12 messages are out (8 queued, 4 in hand): finished never
	// fills up.
	finished := make(chan *client.Message, 64)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range work {
				process(m)
				rec.Effect(m)
				finished <- m
			}
		}()
	}
	// commit commits what the workers finished since the last call.
	commit := func(sync bool) {
		moved := map[client.PartitionKey]client.TopicPartition{}
		for len(finished) > 0 {
			if tp, ok := marks.finish(<-finished); ok {
				moved[tp.Key()] = tp
			}
		}
		var offs []client.TopicPartition
		for _, tp := range moved {
			offs = append(offs, tp)
		}
		slices.SortFunc(offs, func(a, b client.TopicPartition) int { return int(a.Partition - b.Partition) })
		switch {
		case len(offs) == 0:
		case sync:
			_, _ = c.CommitOffsets(offs)
		default:
			_ = c.CommitOffsetsAsync(offs)
		}
	}
	for ctx.Err() == nil {
		if m, ok := c.Poll(1000).(*client.Message); ok {
			marks.add(m)
			work <- m
		}
		commit(false)
	}
	close(work)
	wg.Wait()
	commit(true)
	return c.Close()
}

// marks tracks, per partition, the messages handed to the workers and
// those they finished.
type marks struct {
	mu   sync.Mutex
	next map[client.PartitionKey]client.Offset // below it, all finished
	done map[client.PartitionKey]map[client.Offset]bool
}

// add notes a polled message; one before the partition's mark (read again
// after a rebalance) starts the partition over.
func (k *marks) add(m *client.Message) {
	k.mu.Lock()
	defer k.mu.Unlock()
	key, off := m.TopicPartition.Key(), m.TopicPartition.Offset
	if next, ok := k.next[key]; !ok || off < next {
		k.next[key] = off
		k.done[key] = map[client.Offset]bool{}
	}
}

// forget drops revoked partitions: what their messages' workers finish
// later is not committed here.
func (k *marks) forget(tps []client.TopicPartition) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, tp := range tps {
		delete(k.next, tp.Key())
		delete(k.done, tp.Key())
	}
}

// finish notes a processed message and returns the partition's new
// commit offset if it moved.
func (k *marks) finish(m *client.Message) (client.TopicPartition, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	key, off := m.TopicPartition.Key(), m.TopicPartition.Offset
	next, ok := k.next[key]
	if !ok || off < next {
		return client.TopicPartition{}, false
	}
	k.done[key][off] = true
	moved := false
	for k.done[key][next] {
		delete(k.done[key], next)
		next++
		moved = true
	}
	k.next[key] = next
	return client.TopicPartition{Topic: key.Topic, Partition: key.Partition, Offset: next}, moved
}

// A worker pool: one goroutine polls and hands messages to workers. The
// first version commits what it has just polled, asynchronously, before
// the workers are done with it: the check fails it with a LOST message
// and a shrunk schedule (TestWorkerPoolLoopLoses). The second commits, per
// partition, only below what every worker has finished, and only the
// partitions it still owns: at-least-once (TestWorkerPoolWithMarksPasses).
// Committing a revoked partition when its last worker finishes, after the
// rebalance, fails it: the check does not accept a commit from a
// consumer that no longer owns the partition (invariant 4), although
// Kafka takes it.
//
// An App runs in testing/synctest bubbles, which need the test's
// *testing.T: this example shows the test to write, and is not run as one.
func Example_workerPool() {
	cfg := check.Config{
		App:       workerPoolApp,
		Topic:     "orders",
		Guarantee: check.AtLeastOnce,
		Consumer:  client.ConfigMap{"enable.auto.commit": false},
	}
	test := func(t *testing.T) { check.TestConsumer(t, cfg) }
	_ = test // func TestMyConsumer(t *testing.T) { check.TestConsumer(t, cfg) }
}
