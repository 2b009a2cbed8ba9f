package realkafka_test

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/scenarios/realkafka"
)

// probe records each hook with the call the runner was in when the hook
// ran ("" between calls).
type probe struct {
	during *atomic.Pointer[string]
	mu     sync.Mutex
	seen   []string // "hook@during"
}

func (p *probe) note(hook string) {
	d := ""
	if s := p.during.Load(); s != nil {
		d = *s
	}
	p.mu.Lock()
	p.seen = append(p.seen, hook+"@"+d)
	p.mu.Unlock()
}

func (p *probe) OnLifecycle(l client.Lifecycle) {
	switch l.Kind {
	case client.LifecycleCreated:
		p.note("created")
	case client.LifecycleSubscribed:
		p.note("subscribed")
	}
}
func (p *probe) OnMessageDelivered(client.MessageDelivered) { p.note("delivered") }
func (p *probe) OnCommitStarted(client.Commit)              { p.note("commit-started") }
func (p *probe) OnCommitFinished(client.Commit)             { p.note("commit-finished") }
func (p *probe) OnProduced(client.Produced)                 { p.note("produced") }

func (p *probe) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.seen)
}

// TestHookGoroutines: a hook the client calls inside the runner's own
// call runs inside that call (on the runner's goroutine); a hook kgo's
// goroutines call is handed to the runner and runs between the loop's
// events (or right before a later synchronous hook), even when it fires
// while the runner is inside a call on the same client. The async commit's result arrives while the runner waits
// in Poll(5000) on that consumer (Poll returns the OffsetsCommitted it
// queues): treating its hook as synchronous there (a flag set around
// the runner's calls) would run it inside the Poll; queueing every hook
// would move the deliver and commit-started hooks out of their calls.
func TestHookGoroutines(t *testing.T) {
	bubble(t, nil, func(t *testing.T, _ *kfake.Cluster, cfg realkafka.Config) {
		b, err := realkafka.Factory(cfg)(&scenarios.Scenario{Name: "hooks"}, 1)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if err := b.CreateTopic(scenarios.Topic{Name: "t", Partitions: 1}); err != nil {
			t.Fatal(err)
		}
		var during atomic.Pointer[string]
		in := func(call string, f func()) {
			during.Store(&call)
			defer during.Store(nil)
			f()
		}
		ph, ch := &probe{during: &during}, &probe{during: &during}
		loop := b.Loop()
		start := loop.Now()
		var waited client.Event
		loop.At(start, func() {
			var p client.Producer
			in("new-producer", func() { p, err = b.NewProducer(client.ConfigMap{"linger.ms": 0}, ph) })
			if err != nil {
				t.Error(err)
				return
			}
			in("produce", func() {
				_ = p.Produce(&client.Message{TopicPartition: client.TopicPartition{Topic: "t", Partition: 0}, Value: []byte("v")}, nil)
			})
			var c client.Consumer
			in("new-consumer", func() {
				c, err = b.NewConsumer(client.ConfigMap{"group.id": "g", "auto.offset.reset": "earliest", "enable.auto.commit": false}, ch)
			})
			if err != nil {
				t.Error(err)
				return
			}
			in("subscribe", func() { err = c.Subscribe("t", nil) })
			if err != nil {
				t.Error(err)
				return
			}
			var poll func()
			poll = func() {
				var ev client.Event
				in("poll", func() { ev = c.Poll(0) })
				m, ok := ev.(*client.Message)
				if !ok {
					loop.After(100*time.Millisecond, poll)
					return
				}
				in("commit-async", func() { err = c.CommitMessageAsync(m) })
				if err != nil {
					t.Error(err)
				}
				in("wait-poll", func() { waited = c.Poll(5000) })
			}
			poll()
		})
		b.RunUntil(start.Add(20 * time.Second))

		if _, ok := waited.(client.OffsetsCommitted); !ok {
			t.Fatalf("Poll(5000) after the async commit returned %v, want its OffsetsCommitted", waited)
		}
		for _, want := range []string{"created@new-consumer", "subscribed@subscribe", "delivered@poll", "commit-started@commit-async", "commit-finished@"} {
			if got := ch.list(); !slices.Contains(got, want) {
				t.Errorf("consumer hooks %q, want %s", got, want)
			}
		}
		// The delivery report comes from kgo's goroutine: it runs between
		// the loop's events, or, when a synchronous hook comes first (the
		// next call's), just before that hook, so hooks keep the order in
		// which things happened.
		got := ph.list()
		if !slices.Contains(got, "created@new-producer") || !(slices.Contains(got, "produced@") || slices.Contains(got, "produced@new-consumer")) {
			t.Errorf("producer hooks %q, want created@new-producer and produced@ (or produced@new-consumer)", got)
		}
	})
}
