package realkafka

import "github.com/kafkasim/kafkasim/client"

// The confluent-kafka-go lookups (QueryWatermarkOffsets, OffsetsForTimes,
// GetMetadata, SeekPartitions), forwarded through the scenario's names.

func (c *consumer) QueryWatermarkOffsets(topic string, partition int32, timeoutMs int) (int64, int64, error) {
	lo, hi, err := c.c.QueryWatermarkOffsets(c.n.topic(topic), partition, timeoutMs)
	return lo, hi, c.n.err(err)
}

func (c *consumer) OffsetsForTimes(times []client.TopicPartition, timeoutMs int) ([]client.TopicPartition, error) {
	return c.from(c.c.OffsetsForTimes(c.to(times), timeoutMs))
}

func (c *consumer) GetMetadata(topic *string, allTopics bool, timeoutMs int) (*client.Metadata, error) {
	return c.n.metadata(c.c.GetMetadata(renamed(c.n, topic), allTopics, timeoutMs))
}

func (c *consumer) SeekPartitions(p []client.TopicPartition) ([]client.TopicPartition, error) {
	return c.from(c.c.SeekPartitions(c.to(p)))
}

func (p *producer) QueryWatermarkOffsets(topic string, partition int32, timeoutMs int) (int64, int64, error) {
	lo, hi, err := p.p.QueryWatermarkOffsets(p.n.topic(topic), partition, timeoutMs)
	return lo, hi, p.n.err(err)
}

func (p *producer) OffsetsForTimes(times []client.TopicPartition, timeoutMs int) ([]client.TopicPartition, error) {
	out, err := p.p.OffsetsForTimes(p.n.tps(times, p.n.topic), timeoutMs)
	return p.n.tps(out, p.n.scenarioTopic), p.n.err(err)
}

func (p *producer) GetMetadata(topic *string, allTopics bool, timeoutMs int) (*client.Metadata, error) {
	return p.n.metadata(p.p.GetMetadata(renamed(p.n, topic), allTopics, timeoutMs))
}

func renamed(n *renamer, topic *string) *string {
	if topic == nil {
		return nil
	}
	t := n.topic(*topic)
	return &t
}

// metadata maps a Metadata's topics back to the scenario's names. Topics
// of the cluster that are not the run's keep their names.
func (n *renamer) metadata(md *client.Metadata, err error) (*client.Metadata, error) {
	if md == nil {
		return nil, n.err(err)
	}
	out := *md
	out.Topics = make(map[string]client.TopicMetadata, len(md.Topics))
	for name, tm := range md.Topics {
		tm.Topic = n.scenarioTopic(name)
		out.Topics[tm.Topic] = tm
	}
	return &out, n.err(err)
}
