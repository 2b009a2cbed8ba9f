// Package assign holds the consumer partition assignors a group leader runs:
// range, roundrobin (both eager) and cooperative-sticky (incremental,
// KIP-429). They are pure functions of their input: no clock, no randomness,
// no map-order dependence, so the same members and topics always give the
// same assignment.
//
// Range and roundrobin order members as librdkafka does
// (rd_kafka_group_member_cmp): when both members are static their
// group.instance.ids are compared, otherwise their member ids, in byte
// order. Cooperative-sticky, like librdkafka's, takes members in the order
// given (the JoinGroup response's) and breaks ties by member id. Results
// are sorted by topic, then partition.
//
// It also holds the server-side assignors of the consumer group protocol
// (KIP-848), which the group coordinator runs itself rather than a leader:
// ServerUniform and ServerRange behind the ServerAssignor interface
// (server.go), ported from Kafka's group-coordinator module.
package assign

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kafkasim/kafkasim/broker"
)

// RebalanceProtocol says how a group moves partitions between members.
type RebalanceProtocol int

const (
	// Eager protocols revoke every partition at the start of a rebalance
	// and hand out the full new assignment at its end.
	Eager RebalanceProtocol = iota
	// Cooperative protocols (KIP-429) let members keep what they own; a
	// partition that moves is first revoked by its owner and handed to its
	// new owner by a follow-up rebalance.
	Cooperative
)

// String is "EAGER" or "COOPERATIVE", as librdkafka names them.
func (p RebalanceProtocol) String() string {
	if p == Cooperative {
		return "COOPERATIVE"
	}
	return "EAGER"
}

// Member is one group member as the leader's assignor sees it: the
// subscription it sent in JoinGroup.
type Member struct {
	// ID is the member id the coordinator gave it.
	ID string
	// InstanceID is its group.instance.id; empty for a dynamic member.
	InstanceID string
	// Topics it subscribes to.
	Topics []string
	// Owned is what it owns now (cooperative protocols send it).
	Owned []broker.TopicPartition
	// Generation in which it owned Owned; -1 when unknown.
	Generation int32
}

// Assignor computes a group's assignment.
type Assignor interface {
	// Name is the protocol name sent in JoinGroup: "range", "roundrobin",
	// "cooperative-sticky".
	Name() string
	// Protocol says whether the assignor is eager or cooperative.
	Protocol() RebalanceProtocol
	// Assign maps every member id to its partitions, sorted. topics gives
	// the partition count of every existing topic; subscribed topics that
	// are missing from it are ignored. Every member appears in the result,
	// with an empty (nil) slice if it gets nothing.
	Assign(members []Member, topics map[string]int32) map[string][]broker.TopicPartition
}

// ByName returns the assignor for a partition.assignment.strategy name.
func ByName(name string) (Assignor, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "range":
		return Range(), nil
	case "roundrobin":
		return RoundRobin(), nil
	case "cooperative-sticky":
		return CooperativeSticky(), nil
	}
	return nil, fmt.Errorf("assign: unknown partition.assignment.strategy %q (want range, roundrobin or cooperative-sticky)", name)
}

// Revoked is what a member must give up: owned minus assigned, sorted.
func Revoked(owned, assigned []broker.TopicPartition) []broker.TopicPartition {
	return minus(owned, assigned)
}

// Added is what a member gains: assigned minus owned, sorted.
func Added(owned, assigned []broker.TopicPartition) []broker.TopicPartition {
	return minus(assigned, owned)
}

func minus(a, b []broker.TopicPartition) []broker.TopicPartition {
	in := make(map[broker.TopicPartition]bool, len(b))
	for _, tp := range b {
		in[tp] = true
	}
	var out []broker.TopicPartition
	for _, tp := range a {
		if !in[tp] {
			out = append(out, tp)
			in[tp] = true // drop duplicates
		}
	}
	broker.SortTopicPartitions(out)
	return out
}

// compareMembers orders members as librdkafka does: by group.instance.id
// when both are static, else by member id.
func compareMembers(a, b *Member) int {
	if a.InstanceID != "" && b.InstanceID != "" {
		if c := strings.Compare(a.InstanceID, b.InstanceID); c != 0 {
			return c
		}
	}
	return strings.Compare(a.ID, b.ID)
}

// sortedMembers returns pointers to members in librdkafka order.
func sortedMembers(members []Member) []*Member {
	out := make([]*Member, len(members))
	for i := range members {
		out[i] = &members[i]
	}
	slices.SortStableFunc(out, compareMembers)
	return out
}

func subscribes(m *Member, topic string) bool {
	return slices.Contains(m.Topics, topic)
}

// sortedTopics returns the topics some member subscribes to that exist.
func sortedTopics(members []Member, topics map[string]int32) []string {
	seen := map[string]bool{}
	var out []string
	for i := range members {
		for _, t := range members[i].Topics {
			if _, ok := topics[t]; ok && !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	slices.Sort(out)
	return out
}

func newResult(members []Member) map[string][]broker.TopicPartition {
	out := make(map[string][]broker.TopicPartition, len(members))
	for i := range members {
		out[members[i].ID] = nil
	}
	return out
}

func sortResult(out map[string][]broker.TopicPartition) {
	for _, v := range out {
		broker.SortTopicPartitions(v)
	}
}
