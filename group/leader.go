package group

import (
	"slices"
	"strings"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/group/assign"
)

// AssignMembers converts a leader's JoinResponse.Members to the assignor's
// input.
func AssignMembers(ms []MemberMetadata) []assign.Member {
	out := make([]assign.Member, len(ms))
	for i, m := range ms {
		out[i] = assign.Member{
			ID:         m.MemberID,
			InstanceID: m.InstanceID,
			Topics:     m.Subscription.Topics,
			Owned:      m.Subscription.OwnedPartitions,
			Generation: m.Subscription.Generation,
		}
	}
	return out
}

// LeaderAssign is what a group leader does between JoinGroup and SyncGroup:
// look up the partition count of every subscribed topic on b, run the
// assignor named protocol over members, and return one MemberAssignment
// per member, sorted by member id, ready for SyncRequest.Assignments.
// Topics that do not exist are skipped (librdkafka reports them to the
// application as UNKNOWN_TOPIC_OR_PART). The error is an unknown assignor.
func LeaderAssign(b *broker.Broker, protocol string, members []MemberMetadata) ([]MemberAssignment, error) {
	a, err := assign.ByName(protocol)
	if err != nil {
		return nil, err
	}
	topics := map[string]int32{}
	for _, m := range members {
		for _, t := range m.Subscription.Topics {
			if _, seen := topics[t]; seen {
				continue
			}
			if n, err := b.Partitions(t); err == nil {
				topics[t] = n
			}
		}
	}
	res := a.Assign(AssignMembers(members), topics)
	out := make([]MemberAssignment, 0, len(res))
	for id, tps := range res {
		out = append(out, MemberAssignment{MemberID: id, Partitions: tps})
	}
	slices.SortFunc(out, func(x, y MemberAssignment) int { return strings.Compare(x.MemberID, y.MemberID) })
	return out, nil
}
