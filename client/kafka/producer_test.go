package kafka

import (
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/client"
)

// Keys land where the simulator (broker's librdkafka partitioners) puts
// them; explicit partitions are kept; reports come through Poll.
func TestProducerPartitionerMatchesSim(t *testing.T) {
	t.Parallel()
	kc := cluster(t, kfake.SeedTopics(6, "t"))
	for _, name := range []string{"consistent_random", "murmur2_random"} {
		p, err := NewProducer(client.ConfigMap{"bootstrap.servers": addr(kc), "partitioner": name, "linger.ms": 0})
		if err != nil {
			t.Fatal(err)
		}
		keys := []string{"kafka", "key1", "hello", "a", "b", "c", "d", "e"}
		for _, k := range keys {
			if err := p.Produce(&client.Message{TopicPartition: client.TopicPartition{Topic: "t", Partition: client.PartitionAny}, Key: []byte(k), Opaque: k}, nil); err != nil {
				t.Fatal(err)
			}
		}
		_ = p.Produce(&client.Message{TopicPartition: client.TopicPartition{Topic: "t", Partition: 5}, Key: []byte("kafka"), Opaque: "explicit"}, nil)
		if left := p.Flush(5000); left != 0 {
			t.Fatalf("flush left %d", left)
		}
		for range len(keys) + 1 {
			m, ok := p.Poll(1000).(*client.Message)
			if !ok || m.TopicPartition.Error != nil {
				t.Fatalf("report %v", m)
			}
			want := int32(broker.CRC32([]byte(m.Opaque.(string))) % 6)
			if name == "murmur2_random" {
				want = int32(broker.Murmur2([]byte(m.Opaque.(string)))&0x7fffffff) % 6
			}
			if m.Opaque == "explicit" {
				want = 5
			}
			if m.TopicPartition.Partition != want || m.TopicPartition.Offset < 0 {
				t.Fatalf("%s: key %v at %v, want partition %d", name, m.Opaque, m.TopicPartition, want)
			}
		}
		if p.Len() != 0 {
			t.Fatalf("Len %d", p.Len())
		}
		p.Close()
		if err := p.Produce(&client.Message{TopicPartition: client.TopicPartition{Topic: "t"}}, nil); !errors.Is(err, client.ErrState) {
			t.Fatalf("after close: %v", err)
		}
	}
}

func TestJavaAutoCommitAndApplicationRebalance(t *testing.T) {
	t.Parallel()
	kc := cluster(t, kfake.SeedTopics(1, "t"))
	produce(t, kc, "t", 0, 0, 5)
	rec := &recorder{}
	c := newConsumer(t, consumerConf(kc, "g", "c1", "kafkasim.auto.commit.mode", "java", "auto.commit.interval.ms", 50,
		"go.application.rebalance.enable", true), rec)
	_ = c.Subscribe("t", nil)
	var assigned bool
	var msgs int
	pollUntil(t, c, 10*time.Second, func(ev client.Event) {
		switch e := ev.(type) {
		case client.AssignedPartitions:
			assigned = true
			if err := c.Assign(e.Partitions); err != nil {
				t.Fatal(err)
			}
		case *client.Message:
			msgs++
		}
	}, func() bool { return msgs == 5 })
	if !assigned {
		t.Fatal("no AssignedPartitions event")
	}
	// Java model: positions are committed inside a later Poll.
	pollUntil(t, c, 5*time.Second, nil, func() bool {
		info := kc.GroupInfo("g")
		return info != nil && info.Commits["t"][0].Offset == 5
	})
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.commits[len(rec.commits)-1].Trigger != client.TriggerJavaPoll {
		t.Fatalf("trigger %v", rec.commits[len(rec.commits)-1].Trigger)
	}
}
