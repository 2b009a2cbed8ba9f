package rdkafka

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kafkasim/kafkasim/client"
)

// The lesson's consumer loop, written as the lesson writes it (poll with a
// one-second timeout, skip empty polls and _PARTITION_EOF, process, commit
// the message, close at the end), run on the real librdkafka against
// kfake.
func TestLessonLoop(t *testing.T) {
	needLibrdkafka(t)
	kc := cluster(t, kfake.SeedTopics(2, "task-created"))
	ev := newEvents()
	produce(t, kc, "task-created", 0, 3, ev)
	produce(t, kc, "task-created", 1, 2, ev)

	consumer, err := NewConsumer(client.ConfigMap{
		"bootstrap.servers":    brokers(kc),
		"group.id":             "task-audit-service",
		"auto.offset.reset":    "earliest",
		"enable.auto.commit":   false,
		"enable.partition.eof": true,
		"session.timeout.ms":   6000,
	}, ev)
	if err != nil {
		t.Fatal(err)
	}
	if err := consumer.Subscribe("task-created", nil); err != nil {
		t.Fatal(err)
	}
	processed := map[int32][]client.Offset{}
	eofs := map[int32]bool{}
	deadline := time.Now().Add(20 * time.Second)
	for len(eofs) < 2 && time.Now().Before(deadline) {
		switch e := consumer.Poll(1000).(type) {
		case nil:
			continue
		case client.PartitionEOF:
			eofs[e.Partition] = true
		case client.Error:
			t.Logf("consumer error: %v", e)
		case *client.Message:
			processed[e.TopicPartition.Partition] = append(processed[e.TopicPartition.Partition], e.TopicPartition.Offset)
			if _, err := consumer.CommitMessage(e); err != nil {
				t.Fatalf("commit %s: %v", e.TopicPartition, err)
			}
		}
	}
	if err := consumer.Close(); err != nil {
		t.Fatal(err)
	}
	if len(processed[0]) != 3 || len(processed[1]) != 2 {
		t.Fatalf("processed %v, want 3 messages of partition 0 and 2 of partition 1\n%s", processed, ev)
	}
	for _, want := range []string{
		"commit_done manual [task-created[0]@3]",
		"commit_done manual [task-created[1]@2]",
		"group joined gen=1 leader=true",
		"assigned EAGER",
		"position task-created[0]@0 reset smallest",
		"closed",
	} {
		if !ev.has(want) {
			t.Errorf("no %q in the hooks:\n%s", want, ev)
		}
	}
	t.Logf("hooks:\n%s", ev)
	if ev.has("crashed") {
		t.Errorf("a closed consumer reported a crash:\n%s", ev)
	}
}
