package check_test

import (
	"context"
	"sync"
	"testing"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios/check"
)

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

// An idempotent loop: the app's own store remembers the keys it has
// applied, and the effect is made through rec.Apply, so that a crashed
// app's goroutine cannot make it late. Effectively once
// (TestIdempotentLoopPasses).
//
// An App runs in testing/synctest bubbles, which need the test's
// *testing.T: this example shows the test to write, and is not run as one.
func Example_idempotentLoop() {
	db := &store{}
	cfg := check.Config{
		App:       idempotentApp(db),
		Topic:     "orders",
		Guarantee: check.EffectivelyOnce,
		Consumer:  client.ConfigMap{"enable.auto.commit": false},
		Setup:     db.reset,
	}
	test := func(t *testing.T) { check.TestConsumer(t, cfg) }
	_ = test // func TestMyConsumer(t *testing.T) { check.TestConsumer(t, cfg) }
}
