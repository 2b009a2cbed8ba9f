package kafka

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kafkasim/kafkasim/client"
)

// cluster848 is kfake with a fast consumer group protocol: a 100 ms
// heartbeat interval and a 1 s session (the broker's settings).
func cluster848(t testing.TB, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	return cluster(t, append([]kfake.Opt{kfake.BrokerConfigs(map[string]string{
		"group.consumer.heartbeat.interval.ms": "100",
		"group.consumer.session.timeout.ms":    "1000",
	})}, opts...)...)
}

// conf848 is consumerConf for group.protocol=consumer: without the
// classic keys the protocol refuses.
func conf848(c *kfake.Cluster, group, id string, extra ...any) client.ConfigMap {
	m := consumerConf(c, group, id, append([]any{"group.protocol", "consumer"}, extra...)...)
	delete(m, "session.timeout.ms")
	delete(m, "heartbeat.interval.ms")
	return m
}

// eventLog collects a rebalance callback's calls, safely.
type eventLog struct {
	mu  sync.Mutex
	evs []string
}

func (l *eventLog) cb(_ client.Consumer, ev client.Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.evs = append(l.evs, ev.String())
	return nil
}

func (l *eventLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.evs...)
}

// group.protocol=consumer on kfake through kgo's KIP-848 client: the
// group is a consumer group, the protocol is COOPERATIVE, a second
// member takes half the partitions and the first revokes only those,
// the member epoch is what Generation reports, and commits carry it.
func TestConsumerProtocolRebalance(t *testing.T) {
	t.Parallel()
	kc := cluster848(t, kfake.SeedTopics(4, "t"))
	var l1 eventLog
	c1 := newConsumer(t, conf848(kc, "g", "c1", "enable.auto.commit", false))
	_ = c1.Subscribe("t", l1.cb)
	pollUntil(t, c1, 10*time.Second, nil, func() bool { a, _ := c1.Assignment(); return len(a) == 4 })
	if p := c1.GetRebalanceProtocol(); p != client.RebalanceCooperative {
		t.Errorf("GetRebalanceProtocol = %s, want COOPERATIVE", p)
	}
	c2 := newConsumer(t, conf848(kc, "g", "c2", "enable.auto.commit", false))
	_ = c2.Subscribe("t", nil)
	pollSplit(t, c1, c2, 2, 10*time.Second)
	revokes := 0
	for _, e := range l1.list() {
		if strings.HasPrefix(e, "RevokedPartitions") {
			revokes++
			if strings.Count(e, "t[") != 2 {
				t.Errorf("c1 revoked %s, want only the 2 moving partitions", e)
			}
		}
	}
	if revokes != 1 {
		t.Errorf("c1's callbacks %q: want one revoke", l1.list())
	}
	listed, err := c1.adm.ListGroupsByType(context.Background(), []string{"consumer"})
	if err != nil || len(listed) != 1 {
		t.Fatalf("consumer groups %v (%v), want g", listed, err)
	}
	if g := c1.Generation(); g <= 0 {
		t.Errorf("member epoch %d", g)
	}
	produce(t, kc, "t", -1, 0, 20)
	var msgs []*client.Message
	deadline := time.Now().Add(10 * time.Second)
	for len(msgs) == 0 && time.Now().Before(deadline) {
		for _, c := range []*Consumer{c1, c2} {
			if m, ok := c.Poll(20).(*client.Message); ok && c == c1 {
				msgs = append(msgs, m)
			}
		}
	}
	if len(msgs) == 0 {
		t.Fatal("c1 got no message")
	}
	if _, err := c1.CommitMessage(msgs[0]); err != nil {
		t.Fatalf("commit at member epoch %d: %v", c1.Generation(), err)
	}
}

// The keys the consumer protocol forbids are refused as librdkafka
// refuses them.
func TestConsumerProtocolRefusedKeys(t *testing.T) {
	_, err := NewConsumer(client.ConfigMap{"bootstrap.servers": "h:1", "group.id": "g", "group.protocol": "consumer", "session.timeout.ms": 10000})
	if !errors.Is(err, client.ErrInvalidArg) || err.Error() != "`session.timeout.ms` is not supported for `group.protocol=consumer`. It is defined broker side" {
		t.Fatalf("err %v", err)
	}
}

// Admin.DescribeGroup describes a consumer group of KIP-848 as
// kafka-consumer-groups.sh does, through ConsumerGroupDescribe: its
// state, its assignor and each member's partitions by topic name.
func TestDescribeConsumerProtocolGroup(t *testing.T) {
	t.Parallel()
	kc := cluster848(t, kfake.SeedTopics(2, "t"))
	c1 := newConsumer(t, conf848(kc, "g", "c1", "group.remote.assignor", "range"))
	_ = c1.Subscribe("t", nil)
	pollUntil(t, c1, 10*time.Second, nil, func() bool { a, _ := c1.Assignment(); return len(a) == 2 })
	a, err := NewAdmin(client.ConfigMap{"bootstrap.servers": addr(kc)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	d, err := a.DescribeGroup(context.Background(), "g")
	if err != nil {
		t.Fatal(err)
	}
	if d.State != "Stable" || d.Protocol != "range" || len(d.Members) != 1 || d.Members[0].ClientID != "c1" ||
		client.TopicPartitions(d.Members[0].Assignment).String() != "[t[0]@unset, t[1]@unset]" {
		t.Fatalf("described %+v", d)
	}
}
