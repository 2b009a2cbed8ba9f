package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// The confluent-kafka-go calls that ask the cluster directly
// (GetMetadata, QueryWatermarkOffsets, OffsetsForTimes), shared by
// Consumer and Producer: raw requests through a kgo client, answered with
// librdkafka's errors.

// waitCtx bounds a call by timeoutMs as librdkafka does: negative waits
// for ever (until parent ends).
func waitCtx(parent context.Context, timeoutMs int) (context.Context, context.CancelFunc) {
	if timeoutMs < 0 {
		return context.WithCancel(parent)
	}
	return context.WithTimeout(parent, time.Duration(timeoutMs)*time.Millisecond)
}

// isolation is the ListOffsets isolation level for isolation.level.
func isolation(level string) int8 {
	if level == "read_uncommitted" {
		return 0
	}
	return 1
}

// getMetadata sends a Metadata request for topics (nil: all topics;
// empty: none) and converts the answer. With no broker answering before
// the deadline it fails with ErrTransport, as rd_kafka_metadata does when
// no broker is usable.
func getMetadata(ctx context.Context, kcl *kgo.Client, topics []string, autoCreate bool) (*client.Metadata, error) {
	req := kmsg.NewPtrMetadataRequest()
	req.AllowAutoTopicCreation = autoCreate
	if topics != nil {
		req.Topics = []kmsg.MetadataRequestTopic{}
		for _, t := range topics {
			rt := kmsg.NewMetadataRequestTopic()
			rt.Topic = kmsg.StringPtr(t)
			req.Topics = append(req.Topics, rt)
		}
	}
	var kr *kmsg.MetadataResponse
	for {
		var err error
		kr, err = req.RequestWith(ctx, kcl)
		if err == nil {
			break
		}
		switch toError(err, "").Code() {
		case client.ErrTransport, client.ErrTimedOut, client.ErrFail:
		default:
			return nil, toError(err, "metadata")
		}
		// No broker answers: try again until the timeout, as
		// rd_kafka_metadata waits for a usable broker.
		select {
		case <-ctx.Done():
			return nil, client.NewError(client.ErrTransport, "metadata: no broker reachable: "+err.Error(), false)
		case <-time.After(100 * time.Millisecond):
		}
	}
	md := &client.Metadata{Topics: map[string]client.TopicMetadata{}}
	for _, b := range kr.Brokers {
		md.Brokers = append(md.Brokers, client.BrokerMetadata{ID: b.NodeID, Host: b.Host, Port: int(b.Port)})
	}
	slices.SortFunc(md.Brokers, func(a, b client.BrokerMetadata) int { return int(a.ID) - int(b.ID) })
	if len(md.Brokers) > 0 {
		// kgo does not say which broker answered: name the first.
		b := md.Brokers[0]
		md.OriginatingBroker = client.BrokerMetadata{ID: b.ID, Host: fmt.Sprintf("%s:%d/%d", b.Host, b.Port, b.ID)}
	}
	for _, t := range kr.Topics {
		if t.Topic == nil {
			continue
		}
		tm := client.TopicMetadata{Topic: *t.Topic, Error: codeError(t.ErrorCode)}
		for _, p := range t.Partitions {
			tm.Partitions = append(tm.Partitions, client.PartitionMetadata{
				ID: p.Partition, Error: codeError(p.ErrorCode), Leader: p.Leader,
				Replicas: slices.Clone(p.Replicas), Isrs: slices.Clone(p.ISR),
			})
		}
		slices.SortFunc(tm.Partitions, func(a, b client.PartitionMetadata) int { return int(a.ID) - int(b.ID) })
		md.Topics[tm.Topic] = tm
	}
	return md, nil
}

// codeError is a protocol error code as a client.Error (code ErrNoError
// for 0).
func codeError(code int16) client.Error {
	if code == 0 {
		return client.Error{}
	}
	return client.NewError(kerr.Code(code), "", false)
}

// queryWatermarks lists a partition's start and end offsets.
func queryWatermarks(ctx context.Context, adm *kadm.Client, level int8, topic string, partition int32) (low, high int64, err error) {
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return -1, -1, toError(err, "query watermark offsets")
	}
	var ends kadm.ListedOffsets
	if level == 1 {
		ends, err = adm.ListCommittedOffsets(ctx, topic)
	} else {
		ends, err = adm.ListEndOffsets(ctx, topic)
	}
	if err != nil {
		return -1, -1, toError(err, "query watermark offsets")
	}
	lo, ok1 := starts.Lookup(topic, partition)
	hi, ok2 := ends.Lookup(topic, partition)
	if !ok1 || !ok2 {
		// librdkafka finds no leader for an unknown topic or partition.
		return -1, -1, client.NewError(client.ErrUnknownPartition, fmt.Sprintf("query watermark offsets: %s[%d]: Local: Unknown partition", topic, partition), false)
	}
	for _, o := range []kadm.ListedOffset{lo, hi} {
		if o.Err != nil {
			return -1, -1, toError(o.Err, "query watermark offsets")
		}
	}
	return lo.Offset, hi.Offset, nil
}

// offsetsForTimes looks offsets up by timestamp: the partitions are
// checked against the topics' metadata (unknown topic:
// UNKNOWN_TOPIC_OR_PART, unknown partition: _UNKNOWN_PARTITION), then one
// ListOffsets request per leader carries each partition's own timestamp.
// Kafka's -1 (no message at or after the timestamp) is returned as is.
func offsetsForTimes(ctx context.Context, kcl *kgo.Client, level int8, times []client.TopicPartition) ([]client.TopicPartition, error) {
	if len(times) == 0 {
		return nil, client.NewError(client.ErrInvalidArg, "offsets for times: no partitions", false)
	}
	var topics []string
	for _, tp := range times {
		if !slices.Contains(topics, tp.Topic) {
			topics = append(topics, tp.Topic)
		}
	}
	md, err := getMetadata(ctx, kcl, topics, false)
	if err != nil {
		if client.ErrorFrom(err).Code() == client.ErrTransport {
			return nil, client.NewError(client.ErrTimedOut, "offsets for times: "+err.Error(), false)
		}
		return nil, err
	}
	out := slices.Clone(times)
	req := kmsg.NewPtrListOffsetsRequest()
	req.IsolationLevel = level
	at := map[client.PartitionKey]int{} // out index
	for i := range out {
		tp := &out[i]
		tp.Error = nil
		tm, ok := md.Topics[tp.Topic]
		switch {
		case !ok || tm.Error.Code() != client.ErrNoError:
			code := client.ErrUnknownTopicOrPart
			if ok {
				code = tm.Error.Code()
			}
			tp.Error = client.NewError(code, "", false)
			continue
		case !slices.ContainsFunc(tm.Partitions, func(p client.PartitionMetadata) bool { return p.ID == tp.Partition }):
			tp.Error = client.NewError(client.ErrUnknownPartition, "", false)
			continue
		}
		at[tp.Key()] = i
		j := slices.IndexFunc(req.Topics, func(t kmsg.ListOffsetsRequestTopic) bool { return t.Topic == tp.Topic })
		if j < 0 {
			rt := kmsg.NewListOffsetsRequestTopic()
			rt.Topic = tp.Topic
			req.Topics = append(req.Topics, rt)
			j = len(req.Topics) - 1
		}
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition, rp.Timestamp = tp.Partition, int64(tp.Offset)
		req.Topics[j].Partitions = append(req.Topics[j].Partitions, rp)
	}
	if len(at) == 0 {
		return nil, client.NewError(client.ErrUnknownPartition, "offsets for times: no partition is known", false)
	}
	for _, shard := range kcl.RequestSharded(ctx, req) {
		if shard.Err != nil {
			if errors.Is(shard.Err, context.DeadlineExceeded) {
				return nil, client.NewError(client.ErrTimedOut, "offsets for times: Local: Timed out", false)
			}
			return nil, toError(shard.Err, "offsets for times")
		}
		for _, t := range shard.Resp.(*kmsg.ListOffsetsResponse).Topics {
			for _, p := range t.Partitions {
				i, ok := at[client.PartitionKey{Topic: t.Topic, Partition: p.Partition}]
				if !ok {
					continue
				}
				if p.ErrorCode != 0 {
					out[i].Error = codeError(p.ErrorCode)
					continue
				}
				out[i].Offset = client.Offset(p.Offset)
			}
		}
	}
	return out, nil
}

// --- Consumer ---

// GetMetadata sends a Metadata request (see client.Consumer); an unknown
// topic asked for by name is auto-created only with
// allow.auto.create.topics (and the broker's consent).
func (c *Consumer) GetMetadata(topic *string, allTopics bool, timeoutMs int) (*client.Metadata, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	ctx, cancel := waitCtx(c.root, timeoutMs)
	defer cancel()
	var topics []string
	switch {
	case topic != nil:
		topics = []string{*topic}
	case !allTopics:
		topics = c.localTopics()
	}
	return getMetadata(ctx, c.admin, topics, topic != nil && c.cfg.AllowAutoCreateTopics)
}

// localTopics are the subscription and the assigned topics, sorted (never
// nil: no topics).
func (c *Consumer) localTopics() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ts := append([]string{}, c.topics...)
	for k := range c.parts {
		ts = append(ts, k.Topic)
	}
	slices.Sort(ts)
	return slices.Compact(ts)
}

// QueryWatermarkOffsets lists a partition's log start and high watermark
// (the last stable offset under isolation.level=read_committed, as
// librdkafka asks).
func (c *Consumer) QueryWatermarkOffsets(topic string, partition int32, timeoutMs int) (low, high int64, err error) {
	if err := c.check(); err != nil {
		return -1, -1, err
	}
	ctx, cancel := waitCtx(c.root, timeoutMs)
	defer cancel()
	return queryWatermarks(ctx, c.adm, isolation(c.cfg.IsolationLevel), topic, partition)
}

// OffsetsForTimes looks offsets up by timestamp (see client.Consumer).
func (c *Consumer) OffsetsForTimes(times []client.TopicPartition, timeoutMs int) ([]client.TopicPartition, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	ctx, cancel := waitCtx(c.root, timeoutMs)
	defer cancel()
	return offsetsForTimes(ctx, c.admin, isolation(c.cfg.IsolationLevel), times)
}

// SeekPartitions seeks each partition with Seek and returns each result in
// its Error (see client.Consumer).
func (c *Consumer) SeekPartitions(partitions []client.TopicPartition) ([]client.TopicPartition, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if len(partitions) == 0 {
		return nil, client.NewError(client.ErrInvalidArg, "partitions must be specified", false)
	}
	out := slices.Clone(partitions)
	for i, tp := range out {
		out[i].Error = nil
		if tp.Offset == client.OffsetStored {
			out[i].Error = client.NewError(client.ErrInvalidArg, fmt.Sprintf("seek: %s: cannot seek to the stored offset", tp.Key()), false)
			continue
		}
		if err := c.Seek(tp, 0); err != nil {
			out[i].Error = client.ErrorFrom(err)
		}
	}
	return out, nil
}

// isTail reports whether o is a client.OffsetTail value.
func isTail(o client.Offset) bool {
	_, ok := o.Tail()
	return ok
}

// topicAssignedLocked reports whether a partition of topic is assigned.
func (c *Consumer) topicAssignedLocked(topic string) bool {
	for k := range c.parts {
		if k.Topic == topic {
			return true
		}
	}
	return false
}

// notAssigned is Seek's error for a partition not assigned (see
// client/sim): _STATE for an existing partition of a topic with an
// assigned partition (known), else _UNKNOWN_PARTITION.
func (c *Consumer) notAssigned(k client.PartitionKey, known bool) error {
	if known {
		ctx, cancel := bounded(c.root, c.cfg.SocketTimeout)
		defer cancel()
		if tds, err := c.adm.ListTopics(ctx, k.Topic); err == nil {
			if _, ok := tds[k.Topic].Partitions[k.Partition]; ok {
				return client.NewError(client.ErrState, fmt.Sprintf("seek: %s is not being consumed (not assigned)", k), false)
			}
		}
	}
	return client.NewError(client.ErrUnknownPartition, fmt.Sprintf("seek: %s is not assigned", k), false)
}

// tailOffset resolves OffsetTail(n) against the end offset: n before it,
// or 0 (rd_kafka_toppar_next_offset_handle).
func tailOffset(n, end int64) client.Offset { return client.Offset(max(end-n, 0)) }

// --- Producer ---

// GetMetadata sends a Metadata request (see client.Producer): the topics
// used are those produced to; a topic asked for by name may be
// auto-created (librdkafka's producers allow it).
func (p *Producer) GetMetadata(topic *string, allTopics bool, timeoutMs int) (*client.Metadata, error) {
	if p.IsClosed() {
		return nil, client.ClosedError()
	}
	ctx, cancel := waitCtx(p.root, timeoutMs)
	defer cancel()
	var topics []string
	switch {
	case topic != nil:
		topics = []string{*topic}
	case !allTopics:
		topics = p.usedTopics()
	}
	return getMetadata(ctx, p.kcl, topics, topic != nil)
}

// QueryWatermarkOffsets lists a partition's log start and high watermark.
func (p *Producer) QueryWatermarkOffsets(topic string, partition int32, timeoutMs int) (low, high int64, err error) {
	if p.IsClosed() {
		return -1, -1, client.ClosedError()
	}
	ctx, cancel := waitCtx(p.root, timeoutMs)
	defer cancel()
	return queryWatermarks(ctx, kadm.NewClient(p.kcl), 1, topic, partition)
}

// OffsetsForTimes looks offsets up by timestamp.
func (p *Producer) OffsetsForTimes(times []client.TopicPartition, timeoutMs int) ([]client.TopicPartition, error) {
	if p.IsClosed() {
		return nil, client.ClosedError()
	}
	ctx, cancel := waitCtx(p.root, timeoutMs)
	defer cancel()
	return offsetsForTimes(ctx, p.kcl, 1, times)
}

// usedTopics are the topics produced to, sorted (never nil).
func (p *Producer) usedTopics() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	ts := append([]string{}, p.topics...)
	slices.Sort(ts)
	return ts
}
