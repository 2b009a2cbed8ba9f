package assign

// Server-side assignors: with the consumer group protocol of KIP-848
// (group.protocol=consumer) the group coordinator, not a group leader,
// computes the target assignment. Kafka ships two of them
// (group.consumer.assignors): uniform, the default, and range. A member
// names the one it prefers in its heartbeat (group.remote.assignor).
//
// Modelled: Kafka's UniformAssignor (its homogeneous and heterogeneous
// builders) and RangeAssignor from the group-coordinator module, without
// racks. Where Kafka iterates a hash map (member ids, topic ids) we use a
// fixed order instead: members sorted by member id, topics by name.
// Not modelled: rack-aware placement, regular-expression subscriptions,
// custom assignors.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kafkasim/kafkasim/broker"
)

// DefaultServerAssignor is the assignor a consumer group uses when no member
// names one: the first of Kafka's group.consumer.assignors.
const DefaultServerAssignor = "uniform"

// ServerMember is one member of a consumer group as a server-side assignor
// sees it.
type ServerMember struct {
	// ID is the member id.
	ID string
	// InstanceID is its group.instance.id; empty for a dynamic member.
	InstanceID string
	// Topics it subscribes to. Topics that do not exist are ignored.
	Topics []string
	// Target is the member's target assignment before this computation
	// (what stickiness preserves); nil for a new member.
	Target []broker.TopicPartition
}

// ServerAssignor computes a consumer group's target assignment on the
// group coordinator (KIP-848).
type ServerAssignor interface {
	// Name is the name a member sends as its server assignor: "uniform"
	// or "range".
	Name() string
	// AssignTarget maps every member id to its new target partitions,
	// sorted. topics gives the partition count of every existing topic.
	// Every member appears in the result, with nil when it gets nothing.
	// The result does not depend on the order of members.
	AssignTarget(members []ServerMember, topics map[string]int32) map[string][]broker.TopicPartition
}

// ServerByName returns the server-side assignor called name ("uniform" or
// "range"), as the coordinator resolves group.remote.assignor.
func ServerByName(name string) (ServerAssignor, error) {
	switch name {
	case "uniform":
		return ServerUniform(), nil
	case "range":
		return ServerRange(), nil
	}
	return nil, fmt.Errorf("assign: unknown server assignor %q (want uniform or range)", name)
}

// ServerAssignorNames lists the server-side assignors, the default first
// (Kafka's group.consumer.assignors default order).
func ServerAssignorNames() []string { return []string{"uniform", "range"} }

// homogeneous reports whether every member subscribes to the same set of
// topic names (Kafka's SubscriptionType, computed from names, existing or
// not).
func homogeneous(members []ServerMember) bool {
	if len(members) == 0 {
		return true
	}
	first := topicSet(members[0].Topics)
	for _, m := range members[1:] {
		if !slices.Equal(first, topicSet(m.Topics)) {
			return false
		}
	}
	return true
}

// topicSet returns topics sorted with duplicates removed.
func topicSet(topics []string) []string {
	out := slices.Clone(topics)
	slices.Sort(out)
	return slices.Compact(out)
}

// existingTopics returns the topics of ts that exist in topics, sorted and
// without duplicates.
func existingTopics(ts []string, topics map[string]int32) []string {
	var out []string
	for _, t := range topicSet(ts) {
		if _, ok := topics[t]; ok {
			out = append(out, t)
		}
	}
	return out
}

// membersByID returns a copy of members sorted by member id.
func membersByID(members []ServerMember) []ServerMember {
	out := slices.Clone(members)
	slices.SortStableFunc(out, func(a, b ServerMember) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// byTopic groups tps by topic; within a topic, partitions ascending.
func byTopic(tps []broker.TopicPartition) map[string][]int32 {
	out := map[string][]int32{}
	for _, tp := range tps {
		out[tp.Topic] = append(out[tp.Topic], tp.Partition)
	}
	for t := range out {
		slices.Sort(out[t])
		out[t] = slices.Compact(out[t])
	}
	return out
}

func emptyServerResult(members []ServerMember) map[string][]broker.TopicPartition {
	out := make(map[string][]broker.TopicPartition, len(members))
	for _, m := range members {
		out[m.ID] = nil
	}
	return out
}
