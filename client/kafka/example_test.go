package kafka_test

import (
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/kafka"
)

// The example starts an in-process kfake cluster; against a real one,
// bootstrap.servers is its address (and security.protocol, sasl.* / ssl.*
// as needed).
func ExampleNewConsumer() {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "orders"),
		kfake.GroupMinSessionTimeout(100*time.Millisecond))
	if err != nil {
		panic(err)
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()[0]

	p, err := kafka.NewProducer(client.ConfigMap{"bootstrap.servers": brokers})
	if err != nil {
		panic(err)
	}
	for i := range 3 {
		_ = p.Produce(&client.Message{TopicPartition: client.TopicPartition{Topic: "orders", Partition: client.PartitionAny},
			Value: fmt.Appendf(nil, "order-%d", i)}, nil)
	}
	p.Flush(10000)
	p.Close()

	c, err := kafka.NewConsumer(client.ConfigMap{
		"bootstrap.servers":     brokers,
		"group.id":              "billing",
		"auto.offset.reset":     "earliest",
		"enable.auto.commit":    false,
		"session.timeout.ms":    1000,
		"heartbeat.interval.ms": 100,
	})
	if err != nil {
		panic(err)
	}
	defer c.Close() // revokes (the callback prints it), leaves the group
	_ = c.Subscribe("orders", func(_ client.Consumer, ev client.Event) error {
		fmt.Println(ev)
		return nil
	})
	for n := 0; n < 3; {
		switch e := c.Poll(100).(type) {
		case *client.Message:
			fmt.Printf("%s %s\n", e.TopicPartition, e.Value)
			if _, err := c.CommitMessage(e); err != nil {
				fmt.Println("commit:", err)
			}
			n++
		case client.Error:
			fmt.Println("error:", e)
		}
	}
	committed, _ := c.Committed([]client.TopicPartition{{Topic: "orders", Partition: 0}}, 5000)
	fmt.Println("committed:", client.TopicPartitions(committed))
	// Output:
	// AssignedPartitions: [orders[0]@unset]
	// orders[0]@0 order-0
	// orders[0]@1 order-1
	// orders[0]@2 order-2
	// committed: [orders[0]@3]
	// RevokedPartitions: [orders[0]@unset]
}
