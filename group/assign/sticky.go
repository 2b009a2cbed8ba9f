package assign

import "github.com/kafkasim/kafkasim/broker"

// CooperativeSticky returns the cooperative-sticky assignor (KIP-429). Its
// goals, in order: balance (for members with the same subscription, owned
// counts differ by at most one), then stickiness (a member keeps what it
// owns). Being cooperative, the assignment it returns withholds every
// partition that is still owned by another member: the owner revokes it
// (owned − assigned), rejoins, and the follow-up rebalance hands it over.
func CooperativeSticky() Assignor { return stickyAssignor{} }

type stickyAssignor struct{}

func (stickyAssignor) Name() string                { return "cooperative-sticky" }
func (stickyAssignor) Protocol() RebalanceProtocol { return Cooperative }

func (stickyAssignor) Assign(members []Member, topics map[string]int32) map[string][]broker.TopicPartition {
	return Withhold(members, StickyTarget(members, topics))
}

// StickyTarget is the balanced, sticky assignment the cooperative-sticky
// assignor aims for, before withholding partitions that move.
func StickyTarget(members []Member, topics map[string]int32) map[string][]broker.TopicPartition {
	out := newResult(members)
	return out // TODO
}

// Withhold removes from target every partition that some other member still
// owns (by the members' Owned lists): what the leader of a cooperative group
// hands out, so that no partition ever has two owners at once.
func Withhold(members []Member, target map[string][]broker.TopicPartition) map[string][]broker.TopicPartition {
	return target // TODO
}
