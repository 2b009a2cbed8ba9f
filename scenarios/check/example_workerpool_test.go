package check_test

import (
	"context"
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

// workerPoolAtLeastOnce is the worker pool done right: the workers mark
// what they have processed, and what is committed is, per partition, the
// offset below which everything is processed (the workers finish out of
// order). At-least-once: it passes.
func workerPoolAtLeastOnce(ctx context.Context, c client.Consumer, rec check.Recorder) error {
	if err := c.Subscribe(topic, nil); err != nil {
		return err
	}
	marks := &marks{next: map[client.PartitionKey]client.Offset{}, done: map[client.PartitionKey]map[client.Offset]bool{}}
	work := make(chan *client.Message, 8)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range work {
				process(m)
				rec.Effect(m)
				if tp, ok := marks.finish(m); ok {
					_ = c.CommitOffsetsAsync([]client.TopicPartition{tp})
				}
			}
		}()
	}
	for ctx.Err() == nil {
		if m, ok := c.Poll(1000).(*client.Message); ok {
			marks.add(m)
			work <- m
		}
	}
	close(work)
	wg.Wait()
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
// partition, only below what every worker has finished: at-least-once
// (TestWorkerPoolWithMarksPasses).
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
