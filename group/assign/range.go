package assign

import "github.com/kafkasim/kafkasim/broker"

// Range returns the range assignor (eager). Per topic, the members that
// subscribe to it are sorted; with P partitions and N members each gets P/N
// consecutive partitions and the first P mod N get one more
// (librdkafka rdkafka_range_assignor.c, Kafka RangeAssignor without racks).
func Range() Assignor { return rangeAssignor{} }

type rangeAssignor struct{}

func (rangeAssignor) Name() string                { return "range" }
func (rangeAssignor) Protocol() RebalanceProtocol { return Eager }

func (rangeAssignor) Assign(members []Member, topics map[string]int32) map[string][]broker.TopicPartition {
	out := newResult(members)
	sorted := sortedMembers(members)
	for _, topic := range sortedTopics(members, topics) {
		var subs []*Member
		for _, m := range sorted {
			if subscribes(m, topic) {
				subs = append(subs, m)
			}
		}
		n := int32(len(subs))
		p := topics[topic]
		per, extra := p/n, p%n
		for i, m := range subs {
			i := int32(i)
			start := per*i + min(i, extra)
			length := per
			if i < extra {
				length++
			}
			for q := start; q < start+length; q++ {
				out[m.ID] = append(out[m.ID], broker.TopicPartition{Topic: topic, Partition: q})
			}
		}
	}
	sortResult(out)
	return out
}
