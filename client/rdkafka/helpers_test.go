package rdkafka

import (
	"fmt"
	"strings"
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

// needLibrdkafka skips t when the real librdkafka cannot be driven here,
// saying why and how to get it (CI installs it).
func needLibrdkafka(t testing.TB) Install {
	t.Helper()
	inst, err := Find()
	if err != nil {
		t.Skipf("librdkafka is not installed here, so the real client cannot be tested: %v", err)
	}
	return inst
}

// cluster starts kfake on a free TCP port, with a low minimum session
// timeout.
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

func brokers(c *kfake.Cluster) string { return strings.Join(c.ListenAddrs(), ",") }

// events records hooks as lines, with the time since start.
type events struct {
	mu    sync.Mutex
	start time.Time
	lines []string
}

func newEvents() *events { return &events{start: time.Now()} }

func (e *events) add(f string, a ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.lines = append(e.lines, fmt.Sprintf(f, a...))
}

func (e *events) has(sub string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, l := range e.lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

func (e *events) String() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Join(e.lines, "\n")
}

func (e *events) OnLifecycle(l client.Lifecycle) { e.add("%s %s", l.ClientID, l.Kind) }
func (e *events) OnMessageDelivered(m client.MessageDelivered) {
	e.add("%s deliver %s stored=%v", m.ClientID, m.Message.TopicPartition, m.Stored)
}
func (e *events) OnCommitStarted(c client.Commit) {
	e.add("%s commit %s async=%v %s", c.ClientID, c.Trigger, c.Async, client.TopicPartitions(c.Offsets))
}
func (e *events) OnCommitFinished(c client.Commit) {
	e.add("%s commit_done %s %s err=%v", c.ClientID, c.Trigger, client.TopicPartitions(c.Offsets), c.Err)
}
func (e *events) OnRebalance(r client.Rebalance) {
	e.add("%s %s %s %s", r.ClientID, r.Kind, r.Protocol, client.TopicPartitions(r.Partitions))
}
func (e *events) OnGroup(g client.GroupEvent) {
	e.add("%s group %s gen=%d leader=%v members=%d %s", g.ClientID, g.Kind, g.Generation, g.Leader, g.Members, g.Reason)
}
func (e *events) OnPosition(p client.Position) {
	e.add("%s position %s %s %s", p.ClientID, p.Partition, p.Reason, p.Reset)
}
func (e *events) OnMaxPollExceeded(m client.MaxPollExceeded) { e.add("%s max-poll", m.ClientID) }
func (e *events) OnError(x client.ErrorRaised)               { e.add("%s error %v", x.ClientID, x.Err) }
func (e *events) OnProduced(p client.Produced) {
	e.add("%s produced %s", p.ClientID, p.Message.TopicPartition)
}

// produce writes n messages v0..v(n-1) to partition p and waits for them.
func produce(t testing.TB, c *kfake.Cluster, topic string, p int32, n int, hooks ...client.Hook) {
	t.Helper()
	pr, err := NewProducer(client.ConfigMap{"bootstrap.servers": brokers(c), "linger.ms": 0}, hooks...)
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	for i := range n {
		if err := pr.Produce(&client.Message{TopicPartition: client.TopicPartition{Topic: topic, Partition: p}, Value: fmt.Appendf(nil, "v%d", i)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if left := pr.Flush(10000); left != 0 {
		t.Fatalf("flush: %d left", left)
	}
}
