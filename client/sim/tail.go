package sim

import (
	"errors"
	"fmt"
	"slices"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// isTail reports whether o is a client.OffsetTail value.
func isTail(o client.Offset) bool {
	_, ok := o.Tail()
	return ok
}

// resolveTail turns an OffsetTail(n) position into an offset: the high
// watermark minus n, or 0 when the partition holds fewer than n messages
// (rd_kafka_toppar_next_offset_handle). An offset below the log start
// then fails the fetch and auto.offset.reset applies, as in librdkafka.
func (c *Consumer) resolveTail(ps *partState) client.Event {
	n, _ := ps.pos.Tail()
	end, err := c.cl.b.ListOffset(ps.tp, broker.Latest())
	if err != nil {
		if errors.Is(err, kerr.UnknownTopicOrPart) && !ps.unknown {
			ps.unknown = true
			return client.NewError(client.ErrUnknownTopicOrPart, fmt.Sprintf("%s: Broker: Unknown topic or partition", ps.tp), false)
		}
		c.net()
		return nil
	}
	ps.pos = client.Offset(max(end-n, 0))
	c.positionHook(ps, ps.posReason, "")
	return nil
}

// notAssigned is Seek's error for a partition not assigned, as
// rd_kafka_seek answers: librdkafka keeps state for every partition of a
// topic it has fetched from, and a seek on one of those that is not being
// fetched fails with _STATE; any other partition is _UNKNOWN_PARTITION.
// "Fetched from" is read here as "a partition of the topic is assigned".
func (c *Consumer) notAssigned(k client.PartitionKey) error {
	n, err := c.cl.b.Partitions(k.Topic)
	if err == nil && k.Partition >= 0 && k.Partition < n && slices.ContainsFunc(c.parts, func(ps *partState) bool { return ps.tp.Topic == k.Topic }) {
		return client.NewError(client.ErrState, fmt.Sprintf("seek: %s is not being consumed (not assigned)", k), false)
	}
	return client.NewError(client.ErrUnknownPartition, fmt.Sprintf("seek: %s is not assigned", k), false)
}
