package kafka

import (
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kafkasim/kafkasim/client"
)

func codeOf(err error) client.ErrorCode { return client.ErrorFrom(err).Code() }

func TestLookupsOnKfake(t *testing.T) {
	kc := cluster(t, kfake.SeedTopics(2, "t"), kfake.SeedTopics(1, "u"))
	// Ten messages on t[0], stamped a second apart from base (recent:
	// older records would fall to retention.ms).
	base := time.Now().Add(-time.Minute).Truncate(time.Second)
	pr, err := NewProducer(client.ConfigMap{"bootstrap.servers": addr(kc), "linger.ms": 1})
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	for i := range 10 {
		_ = pr.Produce(&client.Message{TopicPartition: client.TopicPartition{Topic: "t", Partition: 0},
			Timestamp: base.Add(time.Duration(i) * time.Second)}, nil)
	}
	if left := pr.Flush(10000); left != 0 {
		t.Fatalf("flush: %d left", left)
	}
	c := newConsumer(t, consumerConf(kc, "g", "c"))

	if low, high, err := c.QueryWatermarkOffsets("t", 0, 5000); err != nil || low != 0 || high != 10 {
		t.Fatalf("QueryWatermarkOffsets t[0]: %d %d %v", low, high, err)
	}
	if low, high, err := pr.QueryWatermarkOffsets("t", 1, 5000); err != nil || low != 0 || high != 0 {
		t.Fatalf("producer's QueryWatermarkOffsets t[1]: %d %d %v", low, high, err)
	}
	for _, tp := range []client.TopicPartition{{Topic: "nope"}, {Topic: "t", Partition: 9}} {
		if _, _, err := c.QueryWatermarkOffsets(tp.Topic, tp.Partition, 5000); codeOf(err) != client.ErrUnknownPartition {
			t.Errorf("QueryWatermarkOffsets %s: %v, want _UNKNOWN_PARTITION", tp.Key(), err)
		}
	}

	ms := func(d time.Duration) client.Offset { return client.Offset(base.Add(d).UnixMilli()) }
	// One partition appears once per call (duplicates are not supported,
	// as in librdkafka).
	for _, tc := range []struct {
		at   time.Duration
		want client.Offset
	}{{3 * time.Second, 3}, {3500 * time.Millisecond, 4}, {-time.Hour, 0}, {time.Hour, -1}} {
		got, err := c.OffsetsForTimes([]client.TopicPartition{
			{Topic: "t", Partition: 0, Offset: ms(tc.at)},
			{Topic: "t", Partition: 1, Offset: ms(0)},
			{Topic: "t", Partition: 9, Offset: ms(0)},
			{Topic: "nope", Partition: 0, Offset: ms(0)},
		}, 5000)
		if err != nil {
			t.Fatal(err)
		}
		if got[0].Error != nil || got[0].Offset != tc.want {
			t.Errorf("OffsetsForTimes at base+%v: %v, want %d", tc.at, got[0], tc.want)
		}
		if got[1].Error != nil || got[1].Offset != -1 {
			t.Errorf("empty t[1]: %v, want -1", got[1])
		}
		if codeOf(got[2].Error) != client.ErrUnknownPartition || codeOf(got[3].Error) != client.ErrUnknownTopicOrPart {
			t.Errorf("unknown partition, topic: %v %v", got[2], got[3])
		}
	}
	if _, err := c.OffsetsForTimes([]client.TopicPartition{{Topic: "nope"}}, 5000); codeOf(err) != client.ErrUnknownPartition {
		t.Errorf("OffsetsForTimes of nothing known: %v", err)
	}

	name := "t"
	md, err := c.GetMetadata(&name, false, 5000)
	if err != nil || len(md.Topics) != 1 || len(md.Topics["t"].Partitions) != 2 || len(md.Brokers) != 1 {
		t.Fatalf("GetMetadata t: %+v %v", md, err)
	}
	if p := md.Topics["t"].Partitions[1]; p.ID != 1 || p.Leader != md.Brokers[0].ID || p.Error.Code() != client.ErrNoError {
		t.Errorf("t[1]: %+v", p)
	}
	name = "nope"
	if md, err = c.GetMetadata(&name, false, 5000); err != nil || md.Topics["nope"].Error.Code() != client.ErrUnknownTopicOrPart {
		t.Fatalf("GetMetadata unknown: %+v %v", md, err)
	}
	if md, err = c.GetMetadata(nil, true, 5000); err != nil || len(md.Topics) < 2 {
		t.Fatalf("GetMetadata all: %+v %v", md, err)
	}
	if md, err = c.GetMetadata(nil, false, 5000); err != nil || len(md.Topics) != 0 {
		t.Fatalf("GetMetadata local before any use: %+v %v", md.Topics, err)
	}
	if md, err = pr.GetMetadata(nil, false, 5000); err != nil || len(md.Topics) != 1 || md.Topics["t"].Topic != "t" {
		t.Fatalf("producer's local topics: %+v %v", md.Topics, err)
	}

	// OffsetTail at assignment, then SeekPartitions.
	if err := c.Assign([]client.TopicPartition{{Topic: "t", Partition: 0, Offset: client.OffsetTail(3)}}); err != nil {
		t.Fatal(err)
	}
	m, err := c.ReadMessage(10 * time.Second)
	if err != nil || m.TopicPartition.Offset != 7 {
		t.Fatalf("after Assign(OffsetTail(3)): %v %v, want offset 7", m, err)
	}
	res, err := c.SeekPartitions([]client.TopicPartition{
		{Topic: "t", Partition: 0, Offset: client.OffsetTail(5)},
		{Topic: "t", Partition: 1, Offset: 0}, // known, not assigned
		{Topic: "t", Partition: 9, Offset: 0}, // no such partition
		{Topic: "u", Partition: 0, Offset: 0}, // a topic not consumed
		{Topic: "t", Partition: 0, Offset: client.OffsetStored},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range []client.ErrorCode{0, client.ErrState, client.ErrUnknownPartition, client.ErrUnknownPartition, client.ErrInvalidArg} {
		if codeOf(res[i].Error) != w {
			t.Errorf("SeekPartitions %d: %v, want %v", i, res[i], w)
		}
	}
	if m, err = c.ReadMessage(10 * time.Second); err != nil || m.TopicPartition.Offset != 5 {
		t.Fatalf("after SeekPartitions(OffsetTail(5)): %v %v, want offset 5", m, err)
	}

	_ = c.Close()
	if _, err := c.SeekPartitions(res); !errors.Is(err, client.ErrState) {
		t.Errorf("closed consumer: %v", err)
	}
	if _, _, err := c.QueryWatermarkOffsets("t", 0, 100); !errors.Is(err, client.ErrState) {
		t.Errorf("closed consumer: %v", err)
	}
}

func TestGetMetadataWithoutBroker(t *testing.T) {
	kc, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	gone := addr(kc)
	kc.Close()
	c := newConsumer(t, client.ConfigMap{"bootstrap.servers": gone, "group.id": "g"})
	start := time.Now()
	if _, err := c.GetMetadata(nil, true, 300); codeOf(err) != client.ErrTransport {
		t.Fatalf("no broker: %v, want _TRANSPORT", err)
	}
	if d := time.Since(start); d < 250*time.Millisecond || d > 5*time.Second {
		t.Fatalf("returned after %v, want about the 300ms timeout", d)
	}
	if _, _, err := c.QueryWatermarkOffsets("t", 0, 300); !client.ErrorFrom(err).IsTimeout() && codeOf(err) != client.ErrTransport {
		t.Fatalf("no broker: %v, want a timeout", err)
	}
}
