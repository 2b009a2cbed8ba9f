package check_test

// Real consumer loops, as people write them against confluent-kafka-go,
// for the App examples (example_app_test.go) and the verdict tests
// (verdict_test.go). Each subscribes to "orders", processes each message
// (a few milliseconds of virtual time) and reports the side effect to the
// Recorder; they differ in how they commit.

import (
	"context"
	"sync"
	"time"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios/check"
)

const topic = "orders"

// process is the work on one message: its time depends on the message
// (not on which goroutine does it), so the runs are deterministic.
func process(m *client.Message) {
	time.Sleep(time.Duration(5+5*(m.TopicPartition.Offset%4)) * time.Millisecond)
}

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

// rebalanceApp processes each message, commits every 10 messages, and,
// when commitOnRevoke, commits what it has processed of the partitions
// being revoked in the rebalance callback, before they move: no other
// member reads them again. Without it (rebalanceAppNoRevokeCommit) a
// partition moved by a cooperative rebalance is read again from its last
// commit by its new owner: DUPLICATED.
func rebalanceApp(commitOnRevoke bool) check.App {
	return func(ctx context.Context, c client.Consumer, rec check.Recorder) error {
		pending := batch{}
		onRebalance := func(c client.Consumer, ev client.Event) error {
			if revoked, ok := ev.(client.RevokedPartitions); ok && commitOnRevoke && !c.AssignmentLost() {
				var offs []client.TopicPartition
				for _, tp := range revoked.Partitions {
					if off, ok := pending[tp.Key()]; ok {
						offs = append(offs, client.TopicPartition{Topic: tp.Topic, Partition: tp.Partition, Offset: off})
						delete(pending, tp.Key())
					}
				}
				if len(offs) > 0 {
					_, _ = c.CommitOffsets(offs)
				}
			}
			return nil
		}
		if err := c.Subscribe(topic, onRebalance); err != nil {
			return err
		}
		n := 0
		for ctx.Err() == nil {
			if m, ok := c.Poll(1000).(*client.Message); ok {
				process(m)
				rec.Effect(m)
				pending[m.TopicPartition.Key()] = m.TopicPartition.Offset + 1
				if n++; n%10 == 0 {
					pending.commit(c)
				}
			}
		}
		pending.commit(c)
		return c.Close()
	}
}

// store is the idempotent consumer's database: it remembers the keys it
// has applied, across crashes (a real database would). It is shared by
// the group's consumers, so it takes a lock (never held across a call to
// the consumer).
type store struct {
	mu   sync.Mutex
	seen map[string]bool
	// lastOnly plants a bug: remember only the last key applied.
	lastOnly bool
	last     string
}

// apply applies m's effect unless its key was applied before, and
// reports whether it did.
func (s *store) apply(m *client.Message) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := string(m.Key)
	if s.lastOnly {
		if k == s.last {
			return false
		}
		s.last = k
		return true
	}
	if s.seen[k] {
		return false
	}
	s.seen[k] = true
	return true
}

func (s *store) reset() {
	s.mu.Lock()
	s.seen, s.last = map[string]bool{}, ""
	s.mu.Unlock()
}

// idempotentApp processes each message unless its store has seen the
// message's key (each message has a key of its own), and commits after
// each message: effectively once. The store's write is the side effect,
// made through rec.Apply: a crashed app's goroutine that wakes up later
// must not write (it would, between its sleep and its next call).
func idempotentApp(db *store) check.App {
	return func(ctx context.Context, c client.Consumer, rec check.Recorder) error {
		if err := c.Subscribe(topic, nil); err != nil {
			return err
		}
		for ctx.Err() == nil {
			m, ok := c.Poll(1000).(*client.Message)
			if !ok {
				continue
			}
			process(m)
			rec.Apply(m, func() bool { return db.apply(m) })
			_, _ = c.CommitMessage(m)
		}
		return c.Close()
	}
}

// ignoresCtxApp commits after each message but never looks at ctx: told
// to stop, it goes on polling and never closes. The check reports it as
// hanging and names its goroutine.
func ignoresCtxApp(ctx context.Context, c client.Consumer, rec check.Recorder) error {
	if err := c.Subscribe(topic, nil); err != nil {
		return err
	}
	for {
		if m, ok := c.Poll(1000).(*client.Message); ok {
			process(m)
			rec.Effect(m)
			_, _ = c.CommitMessage(m)
		}
	}
}

// offsetPlusTwoApp commits offset+2 instead of offset+1 after each
// message: a planted bug, one message past what it has processed.
func offsetPlusTwoApp(ctx context.Context, c client.Consumer, rec check.Recorder) error {
	if err := c.Subscribe(topic, nil); err != nil {
		return err
	}
	for ctx.Err() == nil {
		if m, ok := c.Poll(1000).(*client.Message); ok {
			process(m)
			rec.Effect(m)
			tp := m.TopicPartition
			_, _ = c.CommitOffsets([]client.TopicPartition{{Topic: tp.Topic, Partition: tp.Partition, Offset: tp.Offset + 2}})
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
