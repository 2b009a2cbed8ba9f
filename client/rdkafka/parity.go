package rdkafka

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/kafkasim/kafkasim/client"
)

// SeekPartitions seeks each partition to its Offset and returns each
// one's result in Error.
func (c *Consumer) SeekPartitions(partitions []client.TopicPartition) ([]client.TopicPartition, error) {
	if len(partitions) == 0 {
		return nil, client.NewError(client.ErrInvalidArg, "SeekPartitions: no partitions", false)
	}
	out := slices.Clone(partitions)
	for i := range out {
		if out[i].Offset == client.OffsetStored {
			out[i].Error = client.NewError(client.ErrInvalidArg, "cannot seek to the stored offset", false)
			continue
		}
		if err := c.Seek(out[i], 0); err != nil {
			if e := client.ErrorFrom(err); e.Code() == client.ErrState || e.IsFatal() {
				return nil, err
			}
			out[i].Error = err
		}
	}
	return out, nil
}

// QueryWatermarkOffsets asks the broker for a partition's low and high
// watermarks, waiting up to timeoutMs.
func (c *Consumer) QueryWatermarkOffsets(topic string, partition int32, timeoutMs int) (low, high int64, err error) {
	unlock := c.lock()
	defer unlock()
	if err := c.checkLocked(); err != nil {
		return 0, 0, err
	}
	v, err := c.callLocked(map[string]any{"op": "query_watermarks", "topic": topic, "partition": partition,
		"timeout": float64(timeoutMs) / 1000}, time.Duration(timeoutMs)*time.Millisecond)
	if err != nil {
		return 0, 0, err
	}
	var lh [2]int64
	if err := json.Unmarshal(v, &lh); err != nil {
		return 0, 0, client.NewError(client.ErrFail, "librdkafka agent: "+err.Error(), false)
	}
	return lh[0], lh[1], nil
}

// OffsetsForTimes looks up, per partition, the earliest offset whose
// timestamp is at or after the time in Offset (ms since the epoch).
func (c *Consumer) OffsetsForTimes(times []client.TopicPartition, timeoutMs int) ([]client.TopicPartition, error) {
	return c.tpsCall(map[string]any{"op": "offsets_for_times", "parts": tpsArg(times), "timeout": float64(timeoutMs) / 1000},
		time.Duration(timeoutMs)*time.Millisecond)
}

// GetMetadata describes the cluster's brokers and the topic named (or
// every topic).
func (c *Consumer) GetMetadata(topic *string, allTopics bool, timeoutMs int) (*client.Metadata, error) {
	unlock := c.lock()
	defer unlock()
	if err := c.checkLocked(); err != nil {
		return nil, err
	}
	v, err := c.callLocked(metadataReq(topic, allTopics, timeoutMs), time.Duration(timeoutMs)*time.Millisecond)
	if err != nil {
		return nil, err
	}
	return decodeMetadata(v)
}

func metadataReq(topic *string, allTopics bool, timeoutMs int) map[string]any {
	req := map[string]any{"op": "metadata", "timeout": float64(timeoutMs) / 1000}
	if topic != nil {
		req["topic"] = *topic
	}
	return req
}

type agentMetadata struct {
	Brokers []struct {
		ID   int32  `json:"id"`
		Host string `json:"host"`
		Port int    `json:"port"`
	} `json:"brokers"`
	Topics []struct {
		Topic      string    `json:"topic"`
		Err        *agentErr `json:"err"`
		Partitions []struct {
			ID       int32     `json:"id"`
			Leader   int32     `json:"leader"`
			Replicas []int32   `json:"replicas"`
			Isrs     []int32   `json:"isrs"`
			Err      *agentErr `json:"err"`
		} `json:"partitions"`
	} `json:"topics"`
	Orig int32 `json:"orig"`
}

func errOrNone(e *agentErr) client.Error {
	if e == nil || e.Code == 0 {
		return client.NewError(client.ErrNoError, "", false)
	}
	return client.NewError(client.ErrorCode(e.Code), e.Str, false)
}

func decodeMetadata(v json.RawMessage) (*client.Metadata, error) {
	var am agentMetadata
	if err := json.Unmarshal(v, &am); err != nil {
		return nil, client.NewError(client.ErrFail, "librdkafka agent: "+err.Error(), false)
	}
	md := &client.Metadata{Topics: map[string]client.TopicMetadata{}}
	for _, b := range am.Brokers {
		bm := client.BrokerMetadata{ID: b.ID, Host: b.Host, Port: b.Port}
		md.Brokers = append(md.Brokers, bm)
		if b.ID == am.Orig {
			md.OriginatingBroker = bm
		}
	}
	slices.SortFunc(md.Brokers, func(a, b client.BrokerMetadata) int { return int(a.ID - b.ID) })
	for _, t := range am.Topics {
		tm := client.TopicMetadata{Topic: t.Topic, Error: errOrNone(t.Err)}
		for _, p := range t.Partitions {
			tm.Partitions = append(tm.Partitions, client.PartitionMetadata{ID: p.ID, Leader: p.Leader, Replicas: p.Replicas, Isrs: p.Isrs, Error: errOrNone(p.Err)})
		}
		slices.SortFunc(tm.Partitions, func(a, b client.PartitionMetadata) int { return int(a.ID - b.ID) })
		md.Topics[t.Topic] = tm
	}
	return md, nil
}

// QueryWatermarkOffsets is not offered by confluent_kafka's Producer.
func (pr *Producer) QueryWatermarkOffsets(topic string, partition int32, timeoutMs int) (low, high int64, err error) {
	return 0, 0, client.NewError(client.ErrInvalidArg, "QueryWatermarkOffsets: confluent-kafka-python's Producer has no such call; use a Consumer", false)
}

// OffsetsForTimes is not offered by confluent_kafka's Producer.
func (pr *Producer) OffsetsForTimes(times []client.TopicPartition, timeoutMs int) ([]client.TopicPartition, error) {
	return nil, client.NewError(client.ErrInvalidArg, "OffsetsForTimes: confluent-kafka-python's Producer has no such call; use a Consumer", false)
}

// GetMetadata describes the cluster's brokers and the topic named (or
// every topic).
func (pr *Producer) GetMetadata(topic *string, allTopics bool, timeoutMs int) (*client.Metadata, error) {
	v, err := pr.call(metadataReq(topic, allTopics, timeoutMs), time.Duration(timeoutMs)*time.Millisecond)
	if err != nil {
		return nil, err
	}
	return decodeMetadata(v)
}
