package assign

import "github.com/kafkasim/kafkasim/broker"

// RoundRobin returns the roundrobin assignor (eager). Members sorted, topics
// sorted by name, one cursor walks all partitions of all topics and hands
// each to the next member that subscribes to its topic
// (librdkafka rdkafka_roundrobin_assignor.c).
func RoundRobin() Assignor { return roundRobinAssignor{} }

type roundRobinAssignor struct{}

func (roundRobinAssignor) Name() string                { return "roundrobin" }
func (roundRobinAssignor) Protocol() RebalanceProtocol { return Eager }

func (roundRobinAssignor) Assign(members []Member, topics map[string]int32) map[string][]broker.TopicPartition {
	out := newResult(members)
	sorted := sortedMembers(members)
	if len(sorted) == 0 {
		return out
	}
	next := 0
	for _, topic := range sortedTopics(members, topics) {
		for p := int32(0); p < topics[topic]; p++ {
			// Some member subscribes to topic (sortedTopics), so this ends.
			for !subscribes(sorted[next%len(sorted)], topic) {
				next++
			}
			m := sorted[next%len(sorted)]
			next++
			out[m.ID] = append(out[m.ID], broker.TopicPartition{Topic: topic, Partition: p})
		}
	}
	sortResult(out)
	return out
}
