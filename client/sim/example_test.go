package sim_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/sim"
)

// The lesson's manual-commit consumer ("Your First Consumer"), in Go against
// kafkasim: poll, skip partition EOF, process, commit after successful
// processing, close in the end. Processing of offset 3 fails once, so it is
// not committed and the restarted consumer processes it again.
func Example() {
	cluster := sim.NewCluster(sim.Config{Seed: 1})
	_ = cluster.CreateTopic("task-created", 1)

	producer, _ := cluster.NewProducer(client.ConfigMap{"bootstrap.servers": "localhost:9092"})
	for i := range 4 {
		topic := "task-created"
		_ = producer.Produce(&client.Message{
			TopicPartition: client.TopicPartition{Topic: topic, Partition: client.PartitionAny},
			Value:          fmt.Appendf(nil, `{"id": %d}`, i),
		}, nil)
	}
	producer.Flush(1000)

	dbDown := true // the database fails once, on task 3
	saveToAuditLog := func(task map[string]int) error {
		if task["id"] == 3 && dbDown {
			dbDown = false
			return errors.New("Database connection error")
		}
		return nil
	}

	runConsumer := func() {
		consumer, err := cluster.NewConsumer(client.ConfigMap{
			"bootstrap.servers":    "task-events-kafka-bootstrap.kafka.svc.cluster.local:9092",
			"group.id":             "task-audit-service",
			"auto.offset.reset":    "earliest",
			"enable.auto.commit":   false, // commit after processing
			"enable.partition.eof": true,  // so this example knows when it caught up
		})
		if err != nil {
			fmt.Println(err)
			return
		}
		defer consumer.Close() // finally: leave the group at once, no 45 s wait

		_ = consumer.Subscribe("task-created", nil)
		running := true // a signal handler would clear this
		for running {
			switch msg := consumer.Poll(1000).(type) {
			case nil:
				continue
			case client.PartitionEOF:
				running = false // caught up: shut down gracefully for the example
			case client.Error:
				fmt.Println("Error:", msg)
			case *client.Message:
				var value map[string]int
				if err := json.Unmarshal(msg.Value, &value); err != nil {
					fmt.Println("Processing failed:", err)
					continue
				}
				if err := saveToAuditLog(value); err != nil {
					fmt.Println("Processing failed:", err)
					continue // don't commit: reprocessed on restart
				}
				if _, err := consumer.CommitMessage(msg); err != nil {
					fmt.Println("Commit failed:", err)
					continue
				}
				fmt.Printf("Processed and committed offset %d\n", msg.TopicPartition.Offset)
			}
		}
	}

	runConsumer()
	fmt.Println("# Consumer restarts later...")
	runConsumer()

	// Output:
	// Processed and committed offset 0
	// Processed and committed offset 1
	// Processed and committed offset 2
	// Processing failed: Database connection error
	// # Consumer restarts later...
	// Processed and committed offset 3
}
