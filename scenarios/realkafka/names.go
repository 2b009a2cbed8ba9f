package realkafka

import (
	"slices"
	"strings"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/group"
)

// renamer maps the scenario's topic and group names to the run's
// ("<name>-<run id>") and back.
type renamer struct {
	suffix string
}

func newRenamer(suffix string) *renamer { return &renamer{suffix: suffix} }

func (n *renamer) topic(t string) string {
	if t == "" || strings.HasSuffix(t, n.suffix) {
		return t
	}
	return t + n.suffix
}

func (n *renamer) group(g string) string { return n.topic(g) }

func (n *renamer) scenarioTopic(t string) string { return strings.TrimSuffix(t, n.suffix) }

func (n *renamer) topics(ts []string, f func(string) string) []string {
	if ts == nil {
		return nil
	}
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = f(t)
	}
	return out
}

func (n *renamer) tps(tps []client.TopicPartition, f func(string) string) []client.TopicPartition {
	if tps == nil {
		return nil
	}
	out := slices.Clone(tps)
	for i := range out {
		out[i].Topic = f(out[i].Topic)
		out[i].Error = n.err(out[i].Error)
	}
	return out
}

func (n *renamer) msg(m *client.Message, f func(string) string) *client.Message {
	if m == nil {
		return nil
	}
	c := *m
	c.TopicPartition.Topic = f(c.TopicPartition.Topic)
	c.TopicPartition.Error = n.err(c.TopicPartition.Error)
	return &c
}

// err maps the run's names back in an error's text and partition.
func (n *renamer) err(err error) error {
	if err == nil {
		return nil
	}
	ce, ok := err.(client.Error)
	if !ok {
		if !strings.Contains(err.Error(), n.suffix) {
			return err
		}
		return scrubbed{err, strings.ReplaceAll(err.Error(), n.suffix, "")}
	}
	return n.clientErr(ce)
}

func (n *renamer) clientErr(ce client.Error) client.Error {
	tp, hasTP := ce.TopicPartition()
	if !strings.Contains(ce.Error(), n.suffix) && (!hasTP || !strings.HasSuffix(tp.Topic, n.suffix)) {
		return ce
	}
	out := client.NewError(ce.Code(), strings.ReplaceAll(ce.Error(), n.suffix, ""), ce.IsFatal())
	if hasTP {
		tp.Topic = n.scenarioTopic(tp.Topic)
		out = out.WithTopicPartition(tp)
	}
	return out
}

// event maps a Poll event back to the scenario's names.
func (n *renamer) event(ev client.Event) client.Event {
	back := n.scenarioTopic
	switch e := ev.(type) {
	case *client.Message:
		return n.msg(e, back)
	case client.Error:
		return n.clientErr(e)
	case client.AssignedPartitions:
		return client.AssignedPartitions{Partitions: n.tps(e.Partitions, back)}
	case client.RevokedPartitions:
		return client.RevokedPartitions{Partitions: n.tps(e.Partitions, back), Lost: e.Lost}
	case client.PartitionEOF:
		return client.PartitionEOF(n.tps([]client.TopicPartition{client.TopicPartition(e)}, back)[0])
	case client.OffsetsCommitted:
		return client.OffsetsCommitted{Error: n.err(e.Error), Offsets: n.tps(e.Offsets, back)}
	}
	return ev
}

// scrubbed is an error whose text had the run's suffix removed.
type scrubbed struct {
	err error
	msg string
}

func (s scrubbed) Error() string { return s.msg }
func (s scrubbed) Unwrap() error { return s.err }

func brokerTP(k client.PartitionKey) broker.TopicPartition {
	return broker.TopicPartition{Topic: k.Topic, Partition: k.Partition}
}

func stateOf(s string) group.State {
	switch s {
	case "Empty":
		return group.Empty
	case "PreparingRebalance":
		return group.PreparingRebalance
	case "CompletingRebalance":
		return group.CompletingRebalance
	case "Stable":
		return group.Stable
	case "Assigning":
		return group.Assigning
	case "Reconciling":
		return group.Reconciling
	}
	return group.Dead
}

// describeRows orders the rows as kafka-consumer-groups.sh does (and
// group.Coordinator.Describe), with group.OffsetRows.
func describeRows(d group.Description, committed, end map[client.PartitionKey]int64) []group.PartitionOffset {
	byTP := make(map[broker.TopicPartition]int64, len(committed))
	for k, o := range committed {
		byTP[brokerTP(k)] = o
	}
	return group.OffsetRows(d.Members, byTP, func(tp broker.TopicPartition) (int64, bool) {
		o, ok := end[client.PartitionKey{Topic: tp.Topic, Partition: tp.Partition}]
		return o, ok
	})
}
