package client_test

import (
	"fmt"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/sim"
)

// Reading the last three messages of a partition: assign it at
// OffsetTail(3).
func ExampleOffsetTail() {
	cluster := sim.NewCluster(sim.Config{Seed: 1})
	_ = cluster.CreateTopic("orders", 1)
	p, _ := cluster.NewProducer(client.ConfigMap{})
	for i := range 10 {
		_ = p.Produce(&client.Message{TopicPartition: client.TopicPartition{Topic: "orders", Partition: 0},
			Value: fmt.Appendf(nil, "order %d", i)}, nil)
	}
	p.Flush(1000)

	c, _ := cluster.NewConsumer(client.ConfigMap{"group.id": "audit"})
	defer c.Close()
	_ = c.Assign([]client.TopicPartition{{Topic: "orders", Partition: 0, Offset: client.OffsetTail(3)}})
	for range 3 {
		msg, _ := c.ReadMessage(-1)
		fmt.Printf("%s: %s\n", msg.TopicPartition, msg.Value)
	}
	fmt.Println(int64(client.OffsetTail(3)))
	// Output:
	// orders[0]@7: order 7
	// orders[0]@8: order 8
	// orders[0]@9: order 9
	// -2003
}
