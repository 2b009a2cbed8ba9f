package broker_test

import (
	"fmt"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/internal/clock"
)

// Create a topic, produce to it, fetch back, commit and read a group offset.
func Example() {
	sim := clock.NewSim(1)
	b := broker.New(sim, broker.Config{})

	if err := b.CreateTopic("orders", 3, broker.TopicConfig{}); err != nil {
		panic(err)
	}
	// Pick partitions the way librdkafka's default partitioner does.
	part := broker.NewConsistentRandom(sim, sim.Rand(), broker.DefaultStickyLinger)
	p := part.Partition([]byte("kafka"), 3)
	base, err := b.Produce("orders", p, []broker.Record{
		{Key: []byte("kafka"), Value: []byte("first")},
		{Key: []byte("kafka"), Value: []byte("second")},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("partition", p, "base offset", base)

	tp := broker.TopicPartition{Topic: "orders", Partition: p}
	res, err := b.Fetch(tp, 0, 10, 0)
	if err != nil {
		panic(err)
	}
	for _, r := range res.Records {
		fmt.Printf("%s@%d %s=%s\n", tp, r.Offset, r.Key, r.Value)
	}
	fmt.Println("high watermark", res.HighWatermark)

	b.StoreCommittedOffset("billing", tp, broker.OffsetAndMetadata{Offset: 2})
	om, _ := b.CommittedOffset("billing", tp)
	fmt.Println("committed", om.Offset, "at", om.CommitTime.Format("2006-01-02"))
	// Output:
	// partition 2 base offset 0
	// orders[2]@0 kafka=first
	// orders[2]@1 kafka=second
	// high watermark 2
	// committed 2 at 2026-01-01
}
