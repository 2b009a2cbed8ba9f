// This file is the consumer of confluent-kafka-go's examples
// (consumer_example: subscribe with a rebalance callback, a Poll loop
// with a type switch, a commit per message, Close), with a lag report from
// QueryWatermarkOffsets, pasted with only the changes the package doc's
// "Go differences" table lists. Each change is marked "kafkasim:"; what
// is marked "test:" makes the example end and print what it checks.

package client_test

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	kafka "github.com/kafkasim/kafkasim/client" // kafkasim: was github.com/confluentinc/confluent-kafka-go/v2/kafka
	"github.com/kafkasim/kafkasim/client/sim"
)

func consumerExample(cluster *sim.Cluster, broker, group string, topics []string) { // kafkasim: the cluster to run on
	sigchan := make(chan os.Signal, 1)
	signal.Notify(sigchan, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigchan) // test: leave no handler behind

	c, err := cluster.NewConsumer(kafka.ConfigMap{ // kafkasim: was kafka.NewConsumer(&kafka.ConfigMap{
		"bootstrap.servers":    broker,
		"group.id":             group,
		"session.timeout.ms":   6000,
		"auto.offset.reset":    "earliest",
		"enable.auto.commit":   false,
		"enable.partition.eof": true, // test: to know when it has caught up
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "Failed to create consumer: %s\n", err)
		os.Exit(1)
	}
	fmt.Printf("Created Consumer %v\n", c)

	err = c.SubscribeTopics(topics, rebalanceCallback)
	if err != nil {
		fmt.Fprintf(os.Stderr, "Failed to subscribe to topics: %s\n", err)
		os.Exit(1)
	}

	caughtUp := map[int32]bool{} // test
	run := true
	for run {
		select {
		case sig := <-sigchan:
			fmt.Printf("Caught signal %v: terminating\n", sig)
			run = false
		default:
			ev := c.Poll(100)
			if ev == nil {
				continue
			}

			switch e := ev.(type) {
			case *kafka.Message:
				fmt.Printf("%% Message on %s:\n%s\n", e.TopicPartition, string(e.Value))
				if e.Headers != nil {
					fmt.Printf("%% Headers: %v\n", e.Headers)
				}
				// Commit after processing (at-least-once).
				_, err := c.CommitMessage(e)
				if err != nil {
					fmt.Fprintf(os.Stderr, "%% Error storing offset after message %s:\n", e.TopicPartition)
				}
			case kafka.Error:
				// Errors should generally be considered informational,
				// the client will try to automatically recover.
				fmt.Fprintf(os.Stderr, "%% Error: %v: %v\n", e.Code(), e)
				if e.Code() == kafka.ErrAllBrokersDown {
					run = false
				}
			case kafka.PartitionEOF:
				fmt.Printf("%% Reached %v\n", e)
				caughtUp[e.Partition] = true // test
				run = len(caughtUp) < 2      // test: both partitions read
			default:
				fmt.Printf("Ignored %v\n", e)
			}
		}
	}

	printLag(c)
	fmt.Printf("Closing consumer\n")
	c.Close()
}

// rebalanceCallback is called on each group rebalance to assign additional
// partitions, or remove existing partitions, from the consumer's current
// assignment.
func rebalanceCallback(c kafka.Consumer, event kafka.Event) error { // kafkasim: was c *kafka.Consumer
	switch ev := event.(type) {
	case kafka.AssignedPartitions:
		fmt.Printf("%% %s rebalance: %d new partition(s) assigned: %v\n",
			c.GetRebalanceProtocol(), len(ev.Partitions), ev.Partitions)

		// The application may update the start .Offset of each assigned
		// partition and then call Assign(). It is optional to call Assign
		// in case the application is not modifying any start .Offsets.
		err := c.Assign(ev.Partitions)
		if err != nil {
			panic(err)
		}

	case kafka.RevokedPartitions:
		fmt.Printf("%% %s rebalance: %d partition(s) revoked: %v\n",
			c.GetRebalanceProtocol(), len(ev.Partitions), ev.Partitions)

		// Usually, the rebalance callback for `RevokedPartitions` is called
		// just before the partitions are revoked. We can be certain that a
		// partition being revoked is not yet owned by any other consumer.
		// This way, logic like storing any pending offsets or committing
		// offsets can be handled.
		// However, there can be cases where the assignment is lost
		// involuntarily. In this case, the partition might already be owned
		// by another consumer, and operations including committing
		// offsets may not work.
		if c.AssignmentLost() {
			// Our consumer has been kicked out of the group and the
			// entire assignment is thus lost.
			fmt.Fprintln(os.Stderr, "Assignment lost involuntarily, commit may fail")
		}

		// The client automatically calls Unassign() unless
		// the callback has already called that method.
	}

	return nil
}

// printLag prints, for each assigned partition, the committed offset, the
// high watermark and their difference.
func printLag(c kafka.Consumer) { // kafkasim: was c *kafka.Consumer
	assigned, err := c.Assignment()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%% Assignment: %v\n", err)
		return
	}
	committed, err := c.Committed(assigned, 5000)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%% Committed: %v\n", err)
		return
	}
	for _, tp := range committed {
		_, high, err := c.QueryWatermarkOffsets(tp.Topic, tp.Partition, 5000) // kafkasim: was *tp.Topic
		if err != nil {
			fmt.Fprintf(os.Stderr, "%% QueryWatermarkOffsets: %v\n", err)
			continue
		}
		fmt.Printf("%% %s[%d]: committed %v, high watermark %d, lag %d\n",
			tp.Topic, tp.Partition, tp.Offset, high, high-int64(tp.Offset)) // kafkasim: was *tp.Topic
	}
}

// The consumer above, run on the in-memory cluster against five orders
// produced with confluent-kafka-go's producer calls.
func Example_confluentKafkaGoConsumer() {
	cluster := sim.NewCluster(sim.Config{Seed: 1})
	_ = cluster.CreateTopic("orders", 2)

	p, _ := cluster.NewProducer(kafka.ConfigMap{"bootstrap.servers": "localhost:9092"}) // kafkasim: was kafka.NewProducer(&kafka.ConfigMap{
	topic := "orders"
	for i := range 5 {
		_ = p.Produce(&kafka.Message{
			TopicPartition: kafka.TopicPartition{Topic: topic, Partition: int32(i % 2)}, // kafkasim: was Topic: &topic
			Value:          fmt.Appendf(nil, "order %d", i),
		}, nil)
	}
	p.Flush(15 * 1000)
	p.Close()

	consumerExample(cluster, "localhost:9092", "billing", []string{"orders"})
	// Output:
	// Created Consumer rdkafka()
	// % EAGER rebalance: 2 new partition(s) assigned: [orders[0]@unset orders[1]@unset]
	// % Message on orders[0]@0:
	// order 0
	// % Message on orders[0]@1:
	// order 2
	// % Message on orders[0]@2:
	// order 4
	// % Reached EOF at orders[0]@3
	// % Message on orders[1]@0:
	// order 1
	// % Message on orders[1]@1:
	// order 3
	// % Reached EOF at orders[1]@2
	// % orders[0]: committed 3, high watermark 3, lag 0
	// % orders[1]: committed 2, high watermark 2, lag 0
	// Closing consumer
	// % EAGER rebalance: 2 partition(s) revoked: [orders[0]@unset orders[1]@unset]
}
