package sim

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// The simulated cluster is one broker; GetMetadata names it as librdkafka
// names a broker in its messages ("host:port/id").
const (
	brokerID   = 1
	brokerHost = "sim"
	brokerPort = 9092
)

// The calls below ask the broker, as librdkafka's rd_kafka_metadata,
// rd_kafka_query_watermark_offsets and rd_kafka_offsets_for_times do: each
// waits up to its timeout (running the simulation) for the broker to be
// reachable, then answers at once (requests have no latency here).

// waitUp runs the loop until the broker is up or deadline passes.
func (cl *Cluster) waitUp(deadline time.Time) bool {
	return cl.runLoop(deadline, cl.b.Available)
}

// metadata describes the named topics, or every topic if all. An unknown
// topic is created first when create is true and the broker allows it (a
// metadata request that may auto-create, as librdkafka sends for a named
// topic when allow.auto.create.topics is on).
func (cl *Cluster) metadata(topics []string, all, create bool) *client.Metadata {
	b := client.BrokerMetadata{ID: brokerID, Host: brokerHost, Port: brokerPort}
	md := &client.Metadata{
		Brokers:           []client.BrokerMetadata{b},
		Topics:            map[string]client.TopicMetadata{},
		OriginatingBroker: client.BrokerMetadata{ID: brokerID, Host: fmt.Sprintf("%s:%d/%d", brokerHost, brokerPort, brokerID)},
	}
	if all {
		topics = topics[:0:0]
		for _, ti := range cl.b.Topics() {
			topics = append(topics, ti.Name)
		}
	}
	for _, t := range topics {
		ti, err := cl.b.DescribeTopic(t)
		if err != nil && create && cl.b.Config().AllowAutoCreateTopics {
			if cl.b.CreateTopic(t, max(cl.b.Config().AutoCreatePartitions, 1), broker.TopicConfig{}) == nil {
				ti, err = cl.b.DescribeTopic(t)
			}
		}
		if err != nil {
			md.Topics[t] = client.TopicMetadata{Topic: t, Error: client.NewError(client.ErrUnknownTopicOrPart, "", false)}
			continue
		}
		tm := client.TopicMetadata{Topic: t, Partitions: make([]client.PartitionMetadata, len(ti.Partitions))}
		for i, p := range ti.Partitions {
			tm.Partitions[i] = client.PartitionMetadata{ID: p.Partition, Leader: brokerID, Replicas: []int32{brokerID}, Isrs: []int32{brokerID}}
		}
		md.Topics[t] = tm
	}
	return md
}

// getMetadata is GetMetadata for a client whose own topics are local.
func (cl *Cluster) getMetadata(topic *string, allTopics bool, timeoutMs int, local []string, create bool) (*client.Metadata, error) {
	if !cl.waitUp(cl.deadline(timeoutMs)) {
		return nil, client.NewError(client.ErrTransport, "metadata: no broker reachable", false)
	}
	switch {
	case topic != nil:
		return cl.metadata([]string{*topic}, false, create), nil
	case allTopics:
		return cl.metadata(nil, true, false), nil
	}
	return cl.metadata(local, false, false), nil
}

// queryWatermarks is QueryWatermarkOffsets.
func (cl *Cluster) queryWatermarks(topic string, partition int32, timeoutMs int) (low, high int64, err error) {
	if !cl.waitUp(cl.deadline(timeoutMs)) {
		return -1, -1, client.NewError(client.ErrTimedOut, "query watermark offsets: broker unavailable", false)
	}
	tp := broker.TopicPartition{Topic: topic, Partition: partition}
	low, err = cl.b.ListOffset(tp, broker.Earliest())
	if err == nil {
		high, err = cl.b.ListOffset(tp, broker.Latest())
	}
	if err != nil {
		// librdkafka finds no leader for an unknown topic or partition.
		return -1, -1, client.NewError(client.ErrUnknownPartition, fmt.Sprintf("query watermark offsets: %s: %v", tp, err), false)
	}
	return low, high, nil
}

// offsetsForTimes is OffsetsForTimes.
func (cl *Cluster) offsetsForTimes(times []client.TopicPartition, timeoutMs int) ([]client.TopicPartition, error) {
	if len(times) == 0 {
		return nil, client.NewError(client.ErrInvalidArg, "offsets for times: no partitions", false)
	}
	if !cl.waitUp(cl.deadline(timeoutMs)) {
		return nil, client.NewError(client.ErrTimedOut, "offsets for times: broker unavailable", false)
	}
	out := slices.Clone(times)
	known := 0
	for i := range out {
		tp := &out[i]
		tp.Error = nil
		n, err := cl.b.Partitions(tp.Topic)
		switch {
		case err != nil:
			tp.Error = client.NewError(client.ErrUnknownTopicOrPart, "", false)
			continue
		case tp.Partition < 0 || tp.Partition >= n:
			tp.Error = client.NewError(client.ErrUnknownPartition, "", false)
			continue
		}
		known++
		off, err := offsetForTime(cl.b, broker.TopicPartition{Topic: tp.Topic, Partition: tp.Partition}, int64(tp.Offset))
		if err != nil {
			tp.Error = client.ErrorFrom(err)
			continue
		}
		tp.Offset = client.Offset(off)
	}
	if known == 0 {
		return nil, client.NewError(client.ErrUnknownPartition, "offsets for times: no partition is known", false)
	}
	return out, nil
}

// offsetForTime answers a ListOffsets request for one partition: ms is a
// timestamp in milliseconds, or -1 (end) or -2 (start) as in the protocol.
// Kafka answers -1 when no message is at or after the timestamp.
func offsetForTime(b *broker.Broker, tp broker.TopicPartition, ms int64) (int64, error) {
	switch {
	case ms == -1:
		return b.ListOffset(tp, broker.Latest())
	case ms == -2:
		return b.ListOffset(tp, broker.Earliest())
	case ms < 0:
		return 0, fmt.Errorf("offsets for times: %s: timestamp %d: %w", tp, ms, kerr.InvalidArg)
	}
	off, err := b.ListOffset(tp, broker.AtTimestamp(time.UnixMilli(ms)))
	if err != nil {
		return 0, err
	}
	end, err := b.ListOffset(tp, broker.Latest())
	if err != nil {
		return 0, err
	}
	if off >= end {
		return -1, nil
	}
	return off, nil
}

// --- Consumer ---

// localTopics are the topics the consumer uses: its subscription and the
// topics of its assignment, sorted.
func (c *Consumer) localTopics() []string {
	ts := slices.Clone(c.topics)
	for _, ps := range c.parts {
		ts = append(ts, ps.tp.Topic)
	}
	slices.Sort(ts)
	return slices.Compact(ts)
}

// GetMetadata describes the cluster (see client.Consumer). An unknown
// topic asked for by name is created when allow.auto.create.topics and
// the broker's auto-creation are both on. While the broker is down it
// waits up to timeoutMs of virtual time, then fails with ErrTransport.
func (c *Consumer) GetMetadata(topic *string, allTopics bool, timeoutMs int) (*client.Metadata, error) {
	defer c.cl.exit(c.cl.enter(c.id, opQuery, 6, c))
	if err := c.check(); err != nil {
		return nil, err
	}
	md, err := c.cl.getMetadata(topic, allTopics, timeoutMs, c.localTopics(), c.cfg.AllowAutoCreateTopics)
	c.net()
	return md, err
}

// QueryWatermarkOffsets asks the broker for a partition's log start and
// high watermark (see client.Consumer). While the broker is down it waits
// up to timeoutMs of virtual time, then fails with ErrTimedOut. It does
// not change what GetWatermarkOffsets reports, which fetches update.
func (c *Consumer) QueryWatermarkOffsets(topic string, partition int32, timeoutMs int) (low, high int64, err error) {
	defer c.cl.exit(c.cl.enter(c.id, opQuery, c.cl.keyString(topic)+uint64(partition)+7, c))
	if err := c.check(); err != nil {
		return -1, -1, err
	}
	low, high, err = c.cl.queryWatermarks(topic, partition, timeoutMs)
	c.net()
	return low, high, err
}

// OffsetsForTimes looks up offsets by message timestamp (see
// client.Consumer). The timestamps are those the broker stored: the
// producer's Message.Timestamp, or the virtual time of the produce call
// when that was zero.
func (c *Consumer) OffsetsForTimes(times []client.TopicPartition, timeoutMs int) ([]client.TopicPartition, error) {
	defer c.cl.exit(c.cl.enter(c.id, opQuery, c.cl.keyTP(times)+8, c))
	if err := c.check(); err != nil {
		return nil, err
	}
	out, err := c.cl.offsetsForTimes(times, timeoutMs)
	c.net()
	return out, err
}

// SeekPartitions seeks each partition (see client.Consumer): the result of
// each is in its Error, as Seek would return it.
func (c *Consumer) SeekPartitions(partitions []client.TopicPartition) ([]client.TopicPartition, error) {
	defer c.cl.exit(c.cl.enter(c.id, opSeek, c.cl.keyTP(partitions)+1, c))
	if err := c.check(); err != nil {
		return nil, err
	}
	if len(partitions) == 0 {
		return nil, client.NewError(client.ErrInvalidArg, "partitions must be specified", false)
	}
	out := slices.Clone(partitions)
	for i := range out {
		out[i].Error = c.seekOne(out[i])
	}
	return out, nil
}

// seekOne seeks one partition for SeekPartitions: librdkafka refuses to
// seek to OffsetStored.
func (c *Consumer) seekOne(tp client.TopicPartition) error {
	if tp.Offset == client.OffsetStored {
		return client.NewError(client.ErrInvalidArg, fmt.Sprintf("seek: %s: cannot seek to the stored offset", tp.Key()), false)
	}
	err := c.seek(tp, 0)
	var ce client.Error
	if err != nil && !errors.As(err, &ce) {
		return client.ErrorFrom(err)
	}
	return err
}

// --- Producer ---

// GetMetadata describes the cluster (see client.Producer). Without a topic
// and allTopics, the topics listed are those the producer has produced to.
// An unknown topic asked for by name is created if the broker
// auto-creates topics (allow.auto.create.topics is on for producers).
func (p *Producer) GetMetadata(topic *string, allTopics bool, timeoutMs int) (*client.Metadata, error) {
	defer p.cl.exit(p.cl.enter(p.id, opQuery, 2, nil))
	if p.closed {
		return nil, client.ClosedError()
	}
	return p.cl.getMetadata(topic, allTopics, timeoutMs, p.usedTopics(), true)
}

// QueryWatermarkOffsets asks the broker for a partition's log start and
// high watermark (see client.Consumer.QueryWatermarkOffsets).
func (p *Producer) QueryWatermarkOffsets(topic string, partition int32, timeoutMs int) (low, high int64, err error) {
	defer p.cl.exit(p.cl.enter(p.id, opQuery, p.cl.keyString(topic)+uint64(partition)+3, nil))
	if p.closed {
		return -1, -1, client.ClosedError()
	}
	return p.cl.queryWatermarks(topic, partition, timeoutMs)
}

// OffsetsForTimes looks up offsets by message timestamp (see
// client.Consumer.OffsetsForTimes).
func (p *Producer) OffsetsForTimes(times []client.TopicPartition, timeoutMs int) ([]client.TopicPartition, error) {
	defer p.cl.exit(p.cl.enter(p.id, opQuery, p.cl.keyTP(times)+4, nil))
	if p.closed {
		return nil, client.ClosedError()
	}
	return p.cl.offsetsForTimes(times, timeoutMs)
}

// usedTopics are the topics the producer has produced to, sorted.
func (p *Producer) usedTopics() []string {
	ts := slices.Clone(p.topics)
	slices.Sort(ts)
	return ts
}

// noteTopic remembers a topic the producer produces to (see usedTopics);
// Produce calls it only when the topic differs from the last one.
func (p *Producer) noteTopic(t string) {
	p.lastTopic = t
	if !slices.Contains(p.topics, t) {
		p.topics = append(p.topics, t)
	}
}
