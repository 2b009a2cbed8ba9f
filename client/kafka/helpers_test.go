package kafka

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/goleak"

	"github.com/kafkasim/kafkasim/client"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// cluster starts kfake with a 100 ms minimum session timeout.
func cluster(t testing.TB, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	opts = append([]kfake.Opt{kfake.NumBrokers(1), kfake.GroupMinSessionTimeout(100 * time.Millisecond)}, opts...)
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func addr(c *kfake.Cluster) string { return c.ListenAddrs()[0] }

// consumerConf is a fast test configuration.
func consumerConf(c *kfake.Cluster, group, id string, extra ...any) client.ConfigMap {
	m := client.ConfigMap{
		"bootstrap.servers":     addr(c),
		"group.id":              group,
		"client.id":             id,
		"session.timeout.ms":    500,
		"heartbeat.interval.ms": 100,
		"max.poll.interval.ms":  10000,
		"auto.offset.reset":     "earliest",
		"fetch.wait.max.ms":     100,
		"socket.timeout.ms":     3000,
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i].(string)] = extra[i+1]
	}
	return m
}

func newConsumer(t testing.TB, conf client.ConfigMap, hooks ...client.Hook) *Consumer {
	t.Helper()
	c, err := NewConsumer(conf, hooks...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// produce writes n messages key-i / value-i with explicit partition p
// (PartitionAny: the partitioner decides) and flushes.
func produce(t testing.TB, c *kfake.Cluster, topic string, p int32, from, n int) {
	t.Helper()
	pr, err := NewProducer(client.ConfigMap{"bootstrap.servers": addr(c), "linger.ms": 1})
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	var mu sync.Mutex
	var failed error
	for i := from; i < from+n; i++ {
		err := pr.Produce(&client.Message{TopicPartition: client.TopicPartition{Topic: topic, Partition: p},
			Key: fmt.Appendf(nil, "key-%d", i), Value: fmt.Appendf(nil, "value-%d", i)}, func(m *client.Message) {
			mu.Lock()
			defer mu.Unlock()
			if m.TopicPartition.Error != nil && failed == nil {
				failed = m.TopicPartition.Error
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if left := pr.Flush(10000); left != 0 {
		t.Fatalf("flush: %d left", left)
	}
	if failed != nil {
		t.Fatal(failed)
	}
}

// pollUntil polls (serving everything) until cond holds or d passes.
func pollUntil(t testing.TB, c *Consumer, d time.Duration, on func(client.Event), cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: condition not reached within %s", c, d)
		}
		if ev := c.Poll(50); ev != nil && on != nil {
			on(ev)
		}
	}
}

// pollSplit polls a and b (serving everything) until each holds n
// partitions or d passes.
func pollSplit(t testing.TB, a, b *Consumer, n int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		aa, _ := a.Assignment()
		ba, _ := b.Assignment()
		if len(aa) == n && len(ba) == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %d/%d split within %s: %v %v", n, n, d, aa, ba)
		}
		a.Poll(20)
		b.Poll(20)
	}
}

// drain polls c until want messages arrived; it returns them.
func drain(t testing.TB, c *Consumer, want int, d time.Duration) []*client.Message {
	t.Helper()
	var got []*client.Message
	pollUntil(t, c, d, func(ev client.Event) {
		switch e := ev.(type) {
		case *client.Message:
			got = append(got, e)
		case client.Error:
			t.Logf("%s: error event %v", c, e)
		}
	}, func() bool { return len(got) >= want })
	return got
}

// recorder is a hook recording everything, safely.
type recorder struct {
	mu      sync.Mutex
	commits []client.Commit
	rebal   []client.Rebalance
	errs    []client.Error
	life    []client.LifecycleKind
	all     []string
}

// note records s, after keep (if any) has kept the observation, under
// the lock.
func (r *recorder) note(s string, keep func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if keep != nil {
		keep()
	}
	r.all = append(r.all, s)
}

func (r *recorder) OnCommitStarted(c client.Commit) {
	r.note(fmt.Sprintf("commit-start %+v", c), nil)
}

func (r *recorder) OnCommitFinished(c client.Commit) {
	r.note(fmt.Sprintf("commit-done %+v", c), func() { r.commits = append(r.commits, c) })
}

func (r *recorder) OnRebalance(e client.Rebalance) {
	r.note(fmt.Sprintf("rebalance %+v", e), func() { r.rebal = append(r.rebal, e) })
}

func (r *recorder) OnError(e client.ErrorRaised) {
	r.note(fmt.Sprintf("error %+v %v", e.Info, e.Err), func() { r.errs = append(r.errs, e.Err) })
}

func (r *recorder) OnLifecycle(l client.Lifecycle) {
	r.note(fmt.Sprintf("lifecycle %+v", l), func() { r.life = append(r.life, l.Kind) })
}

func (r *recorder) OnPosition(p client.Position) {
	r.note(fmt.Sprintf("position %+v", p), nil)
}

func (r *recorder) OnGroup(g client.GroupEvent) {
	r.note(fmt.Sprintf("group %+v", g), nil)
}

func (r *recorder) OnMessageDelivered(m client.MessageDelivered) {
	r.note(fmt.Sprintf("delivered %+v %s", m.Info, m.Message), nil)
}

func (r *recorder) OnMaxPollExceeded(m client.MaxPollExceeded) {
	r.note(fmt.Sprintf("maxpoll %+v", m), nil)
}

func (r *recorder) dump() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.all...)
}
