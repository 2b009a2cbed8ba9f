package assign

// The range server-side assignor (Kafka's RangeAssignor in the
// group-coordinator module, as rewritten in KAFKA-16944). Per topic, its
// subscribers in member order get contiguous ranges: with P partitions and
// N subscribers each gets P/N, and the first P mod N one more. Member
// order puts static members first, by group.instance.id, then dynamic
// members by member id, so a static member that restarts under a new
// member id keeps its range. It is not sticky: the previous target is not
// looked at, and a member joining can shift every range.

import (
	"cmp"
	"slices"

	"github.com/kafkasim/kafkasim/broker"
)

// ServerRange returns the range server-side assignor.
func ServerRange() ServerAssignor { return serverRange{} }

type serverRange struct{}

func (serverRange) Name() string { return "range" }

func (serverRange) AssignTarget(members []ServerMember, topics map[string]int32) map[string][]broker.TopicPartition {
	out := emptyServerResult(members)
	ms := slices.Clone(members)
	slices.SortStableFunc(ms, compareRangeMembers)
	subscribers := map[string][]string{}
	var ts []string
	for _, m := range ms {
		for _, t := range existingTopics(m.Topics, topics) {
			if _, seen := subscribers[t]; !seen {
				ts = append(ts, t)
			}
			subscribers[t] = append(subscribers[t], m.ID)
		}
	}
	for _, t := range ts {
		subs := subscribers[t]
		n, p := int32(len(subs)), topics[t]
		per, extra := p/n, p%n
		next := int32(0)
		for i, id := range subs {
			quota := per
			if int32(i) < extra {
				quota++
			}
			for q := next; q < min(next+quota, p); q++ {
				out[id] = append(out[id], broker.TopicPartition{Topic: t, Partition: q})
			}
			next += quota
		}
	}
	sortResult(out)
	return out
}

// compareRangeMembers is the order of Kafka's RangeAssignor.sortMemberIds:
// static members first, by instance id; then dynamic ones, by member id.
func compareRangeMembers(a, b ServerMember) int {
	switch {
	case a.InstanceID != "" && b.InstanceID != "":
		return cmp.Or(cmp.Compare(a.InstanceID, b.InstanceID), cmp.Compare(a.ID, b.ID))
	case a.InstanceID != "":
		return -1
	case b.InstanceID != "":
		return 1
	}
	return cmp.Compare(a.ID, b.ID)
}
