package check_test

import (
	"context"
	"testing"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios/check"
)

// rebalanceApp processes each message, commits every 10 messages, and,
// when commitOnRevoke, commits what it has processed of the partitions
// being revoked in the rebalance callback, before they move: no other
// member reads them again. Without it (rebalanceAppNoRevokeCommit) a
// partition moved by a cooperative rebalance is read again from its last
// commit by its new owner: DUPLICATED.
func rebalanceApp(commitOnRevoke bool) check.App {
	return func(ctx context.Context, c client.Consumer, rec check.Recorder) error {
		pending := batch{}
		onRebalance := func(c client.Consumer, ev client.Event) error {
			if revoked, ok := ev.(client.RevokedPartitions); ok && commitOnRevoke && !c.AssignmentLost() {
				var offs []client.TopicPartition
				for _, tp := range revoked.Partitions {
					if off, ok := pending[tp.Key()]; ok {
						offs = append(offs, client.TopicPartition{Topic: tp.Topic, Partition: tp.Partition, Offset: off})
						delete(pending, tp.Key())
					}
				}
				if len(offs) > 0 {
					_, _ = c.CommitOffsets(offs)
				}
			}
			return nil
		}
		if err := c.Subscribe(topic, onRebalance); err != nil {
			return err
		}
		n := 0
		for ctx.Err() == nil {
			if m, ok := c.Poll(1000).(*client.Message); ok {
				process(m)
				rec.Effect(m)
				pending[m.TopicPartition.Key()] = m.TopicPartition.Offset + 1
				if n++; n%10 == 0 {
					pending.commit(c)
				}
			}
		}
		pending.commit(c)
		return c.Close()
	}
}

// A loop that commits what it has processed of the partitions being
// revoked, in its rebalance callback, so that no other member reads them
// again: under cooperative-sticky rebalances, with consumers joining and
// leaving gracefully, no message has its effect twice. The same loop
// without that commit shows DUPLICATED (TestRebalanceCommitLoop).
//
// An App runs in testing/synctest bubbles, which need the test's
// *testing.T: this example shows the test to write, and is not run as one.
func Example_commitOnRevoke() {
	cfg := check.Config{
		App:       rebalanceApp(true),
		Topic:     "orders",
		Guarantee: check.AtMostOnce,
		Consumer:  client.ConfigMap{"enable.auto.commit": false, "partition.assignment.strategy": "cooperative-sticky"},
		Faults:    check.Join | check.Close | check.Produce,
	}
	test := func(t *testing.T) { check.TestConsumer(t, cfg) }
	_ = test // func TestMyConsumer(t *testing.T) { check.TestConsumer(t, cfg) }
}
