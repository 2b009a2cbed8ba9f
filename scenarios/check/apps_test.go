package check_test

// What the example loops (example_*_test.go) share, and a loop with a
// planted bug for the verdict tests.

import (
	"context"
	"time"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios/check"
)

const topic = "orders"

// process is the work on one message: its time depends on the message
// (not on which goroutine does it), so the runs are deterministic.
func process(m *client.Message) {
	time.Sleep(time.Duration(5+5*(m.TopicPartition.Offset%4)) * time.Millisecond)
}

// offsetPlusTwoApp commits offset+2 instead of offset+1 after each
// message: a planted bug, one message past what it has processed.
func offsetPlusTwoApp(ctx context.Context, c client.Consumer, rec check.Recorder) error {
	if err := c.Subscribe(topic, nil); err != nil {
		return err
	}
	for ctx.Err() == nil {
		if m, ok := c.Poll(1000).(*client.Message); ok {
			process(m)
			rec.Effect(m)
			tp := m.TopicPartition
			_, _ = c.CommitOffsets([]client.TopicPartition{{Topic: tp.Topic, Partition: tp.Partition, Offset: tp.Offset + 2}})
		}
	}
	return c.Close()
}
