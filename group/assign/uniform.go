package assign

// The uniform server-side assignor (Kafka's UniformAssignor): balance
// first (partition counts differ by at most one where the subscriptions
// allow it), then stickiness (members keep as much of their previous
// target as balance allows). It picks one of two algorithms: the
// homogeneous one when every member subscribes to the same topics
// (UniformHomogeneousAssignmentBuilder, this file), the heterogeneous one
// otherwise (uniform_hetero.go).

import (
	"slices"

	"github.com/kafkasim/kafkasim/broker"
)

// ServerUniform returns the uniform server-side assignor, Kafka's default.
func ServerUniform() ServerAssignor { return uniformAssignor{} }

type uniformAssignor struct{}

func (uniformAssignor) Name() string { return "uniform" }

func (uniformAssignor) AssignTarget(members []ServerMember, topics map[string]int32) map[string][]broker.TopicPartition {
	if len(members) == 0 {
		return map[string][]broker.TopicPartition{}
	}
	ms := membersByID(members)
	if homogeneous(ms) {
		return uniformHomogeneous(ms, topics)
	}
	return newHeteroBuilder(ms, topics).build()
}

// uniformHomogeneous is Kafka's UniformHomogeneousAssignmentBuilder.
// Members (sorted by id) get quota = total / members, and the first
// total % members of them one more, in member order. Each member keeps its
// previous target up to its quota, lowest partitions first, topic by topic
// in name order; what it keeps beyond the quota and every partition nobody
// held go, in that order, to the members still under their quota, in
// member order. Partitions of topics nobody subscribes to any more are
// dropped.
func uniformHomogeneous(ms []ServerMember, topics map[string]int32) map[string][]broker.TopicPartition {
	out := emptyServerResult(ms)
	subscribed := existingTopics(ms[0].Topics, topics)
	if len(subscribed) == 0 {
		return out
	}
	isSubscribed := map[string]bool{}
	for _, t := range subscribed {
		isSubscribed[t] = true
	}

	// Partitions nobody held in the previous target come first in the
	// list of partitions to hand out (Kafka's isPartitionAssigned over
	// the inverted target assignment).
	held := map[broker.TopicPartition]bool{}
	for _, m := range ms {
		for _, tp := range m.Target {
			held[tp] = true
		}
	}
	var unassigned []broker.TopicPartition
	total := 0
	for _, t := range subscribed {
		n := topics[t]
		for p := range n {
			tp := broker.TopicPartition{Topic: t, Partition: p}
			if !held[tp] {
				unassigned = append(unassigned, tp)
			}
		}
		total += int(n)
	}

	minQuota, extra := total/len(ms), total%len(ms)
	type unfilled struct {
		id    string
		quota int
	}
	var under []unfilled
	for _, m := range ms {
		quota := minQuota
		if extra > 0 {
			quota++
			extra--
		}
		prev := byTopic(m.Target)
		for _, t := range keysSorted(prev) {
			if !isSubscribed[t] {
				continue // the whole topic is dropped
			}
			for _, p := range prev[t] {
				if p >= topics[t] {
					continue // no such partition any more
				}
				tp := broker.TopicPartition{Topic: t, Partition: p}
				if quota > 0 {
					quota--
					out[m.ID] = append(out[m.ID], tp)
				} else {
					unassigned = append(unassigned, tp)
				}
			}
		}
		if quota > 0 {
			under = append(under, unfilled{m.ID, quota})
		}
	}
	next := 0
	for _, u := range under {
		for i := 0; i < u.quota && next < len(unassigned); i++ {
			out[u.id] = append(out[u.id], unassigned[next])
			next++
		}
	}
	// Kafka fails the computation if partitions are left over; the
	// quotas add up to the partition count, so only an invalid previous
	// target (a partition held twice) could leave any.
	sortResult(out)
	return out
}

func keysSorted[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
