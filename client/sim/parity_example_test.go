package sim_test

import (
	"fmt"
	"time"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/sim"
)

// produce sends n messages to topic's partition 0, one every gap of
// virtual time, and waits for them.
func produce(cluster *sim.Cluster, topic string, n int, gap time.Duration) {
	p, _ := cluster.NewProducer(client.ConfigMap{"linger.ms": 0})
	defer p.Close()
	for i := range n {
		if i > 0 {
			cluster.Sleep(gap)
		}
		_ = p.Produce(&client.Message{
			TopicPartition: client.TopicPartition{Topic: topic, Partition: 0},
			Value:          fmt.Appendf(nil, "order %d", i),
		}, nil)
		p.Flush(1000)
	}
}

// The lag of a consumer group on a partition is the high watermark minus
// the group's committed offset (what kafka-consumer-groups.sh --describe
// prints as LAG).
func ExampleConsumer_QueryWatermarkOffsets() {
	cluster := sim.NewCluster(sim.Config{Seed: 1})
	_ = cluster.CreateTopic("orders", 1)
	produce(cluster, "orders", 10, 0)

	c, _ := cluster.NewConsumer(client.ConfigMap{
		"group.id":           "billing",
		"auto.offset.reset":  "earliest",
		"enable.auto.commit": false,
	})
	defer c.Close()
	_ = c.Subscribe("orders", nil)
	for range 4 {
		msg, err := c.ReadMessage(-1)
		if err != nil {
			fmt.Println(err)
			return
		}
		_, _ = c.CommitMessage(msg)
	}

	committed, _ := c.Committed([]client.TopicPartition{{Topic: "orders", Partition: 0}}, 5000)
	low, high, err := c.QueryWatermarkOffsets("orders", 0, 5000)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("log [%d, %d), committed %d, lag %d\n", low, high, committed[0].Offset, high-int64(committed[0].Offset))

	_, _, err = c.QueryWatermarkOffsets("no-such-topic", 0, 5000)
	fmt.Println(client.ErrorFrom(err).Code().String())
	// Output:
	// log [0, 10), committed 4, lag 6
	// _UNKNOWN_PARTITION
}

func ExampleConsumer_GetMetadata() {
	cluster := sim.NewCluster(sim.Config{Seed: 1})
	_ = cluster.CreateTopic("orders", 3)
	c, _ := cluster.NewConsumer(client.ConfigMap{"group.id": "billing"})
	defer c.Close()

	topic := "orders"
	md, err := c.GetMetadata(&topic, false, 5000)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range md.Topics["orders"].Partitions {
		fmt.Printf("orders[%d] leader %d replicas %v\n", p.ID, p.Leader, p.Replicas)
	}

	topic = "payments"
	md, _ = c.GetMetadata(&topic, false, 5000)
	fmt.Println(md.Topics["payments"].Error.Code().String())
	// Output:
	// orders[0] leader 1 replicas [1]
	// orders[1] leader 1 replicas [1]
	// orders[2] leader 1 replicas [1]
	// UNKNOWN_TOPIC_OR_PART
}

// Replaying from a point in time: find the first offset at or after it,
// then start there.
func ExampleConsumer_OffsetsForTimes() {
	cluster := sim.NewCluster(sim.Config{Seed: 1})
	_ = cluster.CreateTopic("orders", 1)
	start := cluster.Now()
	produce(cluster, "orders", 6, time.Minute) // one order a minute

	c, _ := cluster.NewConsumer(client.ConfigMap{"group.id": "replay"})
	defer c.Close()
	since := start.Add(150 * time.Second) // 2.5 minutes in
	offsets, err := c.OffsetsForTimes([]client.TopicPartition{
		{Topic: "orders", Partition: 0, Offset: client.Offset(since.UnixMilli())},
	}, 5000)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("first offset since 2m30s:", offsets[0].Offset)

	_ = c.Assign(offsets)
	msg, _ := c.ReadMessage(-1)
	fmt.Printf("%s, produced at %v\n", msg.Value, msg.Timestamp.Sub(start))
	// Output:
	// first offset since 2m30s: 3
	// order 3, produced at 3m0s
}

func ExampleConsumer_SeekPartitions() {
	cluster := sim.NewCluster(sim.Config{Seed: 1})
	_ = cluster.CreateTopic("orders", 1)
	produce(cluster, "orders", 10, 0)

	c, _ := cluster.NewConsumer(client.ConfigMap{"group.id": "billing", "auto.offset.reset": "earliest"})
	defer c.Close()
	_ = c.Assign([]client.TopicPartition{{Topic: "orders", Partition: 0}})
	msg, _ := c.ReadMessage(-1)
	fmt.Println("read", msg.TopicPartition)

	// Back to the last two messages; partition 1 does not exist.
	res, err := c.SeekPartitions([]client.TopicPartition{
		{Topic: "orders", Partition: 0, Offset: client.OffsetTail(2)},
		{Topic: "orders", Partition: 1, Offset: 0},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, tp := range res {
		fmt.Printf("seek %s[%d]: %v\n", tp.Topic, tp.Partition, client.ErrorFrom(tp.Error).Code().String())
	}
	msg, _ = c.ReadMessage(-1)
	fmt.Println("read", msg.TopicPartition)
	// Output:
	// read orders[0]@0
	// seek orders[0]: NO_ERROR
	// seek orders[1]: _UNKNOWN_PARTITION
	// read orders[0]@8
}

// ReadMessage(-1) waits for a message as long as one may still come; in
// the simulation it gives up at the cluster's horizon.
func ExampleCluster_SetHorizon() {
	cluster := sim.NewCluster(sim.Config{Seed: 1, Horizon: time.Hour})
	_ = cluster.CreateTopic("orders", 1)
	start := cluster.Now()
	c, _ := cluster.NewConsumer(client.ConfigMap{"group.id": "billing"})
	defer c.Close()
	_ = c.Subscribe("orders", nil)

	_, err := c.ReadMessage(-1)
	fmt.Println(err, client.ErrorFrom(err).IsTimeout(), cluster.Now().Sub(start))
	// Output:
	// _TIMED_OUT: Local: Timed out true 1h0m0s
}

func ExampleProducer_OffsetsForTimes() {
	cluster := sim.NewCluster(sim.Config{Seed: 1})
	_ = cluster.CreateTopic("orders", 1)
	start := cluster.Now()
	produce(cluster, "orders", 3, time.Second)

	p, _ := cluster.NewProducer(client.ConfigMap{})
	defer p.Close()
	later := start.Add(time.Hour)
	res, _ := p.OffsetsForTimes([]client.TopicPartition{
		{Topic: "orders", Partition: 0, Offset: client.Offset(start.UnixMilli())},
		{Topic: "orders", Partition: 0, Offset: client.Offset(later.UnixMilli())},
	}, 5000)
	fmt.Println(res[0].Offset, int64(res[1].Offset), res[1].Offset == client.OffsetEnd)
	// Output:
	// 0 -1 true
}
