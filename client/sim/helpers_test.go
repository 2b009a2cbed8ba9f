package sim

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/group"
)

// newTestCluster is a cluster with no initial rebalance delay and one topic.
func newTestCluster(t testing.TB, topic string, partitions int) *Cluster {
	t.Helper()
	cl := NewCluster(Config{Seed: 1, Group: group.Config{InitialRebalanceDelay: -1}})
	if err := cl.CreateTopic(topic, partitions); err != nil {
		t.Fatal(err)
	}
	return cl
}

func produceN(t testing.TB, cl *Cluster, topic string, partition int32, from, n int) {
	t.Helper()
	recs := make([]broker.Record, n)
	for i := range recs {
		recs[i] = broker.Record{Value: []byte(fmt.Sprintf("m%d", from+i))}
	}
	if _, err := cl.Broker().Produce(topic, partition, recs); err != nil {
		t.Fatal(err)
	}
}

func mustConsumer(t testing.TB, cl *Cluster, conf client.ConfigMap, hooks ...client.Hook) *Consumer {
	t.Helper()
	c, err := cl.NewConsumer(conf, hooks...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pollMsg polls until a message arrives or max virtual time passes.
func pollMsg(t testing.TB, c *Consumer, max time.Duration) *client.Message {
	t.Helper()
	deadline := c.cl.Now().Add(max)
	for c.cl.Now().Before(deadline) {
		switch e := c.Poll(100).(type) {
		case *client.Message:
			return e
		case client.Error:
			if e.IsFatal() {
				t.Fatalf("fatal: %v", e)
			}
		}
	}
	return nil
}

func committed(t testing.TB, c *Consumer, topic string, p int32) client.Offset {
	t.Helper()
	got, err := c.Committed([]client.TopicPartition{{Topic: topic, Partition: p}}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return got[0].Offset
}

func committedIn(cl *Cluster, grp, topic string, p int32) int64 {
	tp := broker.TopicPartition{Topic: topic, Partition: p}
	if om, ok := cl.Coordinator().FetchOffsets(grp, []broker.TopicPartition{tp})[tp]; ok {
		return om.Offset
	}
	return -1
}

func keys(tps []client.TopicPartition) string {
	s := make([]string, len(tps))
	for i, tp := range tps {
		s[i] = tp.Key().String()
	}
	slices.Sort(s)
	return strings.Join(s, " ")
}

// recorder is a hook recording everything as lines.
type recorder struct{ lines []string }

func (r *recorder) add(f string, a ...any) { r.lines = append(r.lines, fmt.Sprintf(f, a...)) }

func (r *recorder) OnCommitStarted(c client.Commit) {}
func (r *recorder) OnCommitFinished(c client.Commit) {
	r.add("%s commit %s %v err=%v", c.ClientID, c.Trigger, client.TopicPartitions(c.Offsets), c.Err)
}
func (r *recorder) OnRebalance(e client.Rebalance) {
	r.add("%s %s %s", e.ClientID, e.Kind, keys(e.Partitions))
}
func (r *recorder) OnMaxPollExceeded(e client.MaxPollExceeded) { r.add("%s max-poll", e.ClientID) }
func (r *recorder) OnLifecycle(e client.Lifecycle)             { r.add("%s %s", e.ClientID, e.Kind) }

func (r *recorder) has(sub string) bool {
	for _, l := range r.lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}
