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

func (r *recorder) add(s string) { r.all = append(r.all, s) }
func (r *recorder) OnCommitStarted(c client.Commit) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.add(fmt.Sprintf("commit-start %+v", c))
}
func (r *recorder) OnCommitFinished(c client.Commit) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.commits = append(r.commits, c)
	r.add(fmt.Sprintf("commit-done %+v", c))
}
func (r *recorder) OnRebalance(e client.Rebalance) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rebal = append(r.rebal, e)
	r.add(fmt.Sprintf("rebalance %+v", e))
}
func (r *recorder) OnError(e client.ErrorRaised) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, e.Err)
	r.add(fmt.Sprintf("error %+v %v", e.Info, e.Err))
}
func (r *recorder) OnLifecycle(l client.Lifecycle) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.life = append(r.life, l.Kind)
	r.add(fmt.Sprintf("lifecycle %+v", l))
}
func (r *recorder) OnPosition(p client.Position) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.add(fmt.Sprintf("position %+v", p))
}
func (r *recorder) OnGroup(g client.GroupEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.add(fmt.Sprintf("group %+v", g))
}
func (r *recorder) OnMessageDelivered(m client.MessageDelivered) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.add(fmt.Sprintf("delivered %+v %s", m.Info, m.Message))
}
func (r *recorder) OnMaxPollExceeded(m client.MaxPollExceeded) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.add(fmt.Sprintf("maxpoll %+v", m))
}

func (r *recorder) dump() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.all...)
}
