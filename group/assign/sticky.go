package assign

import (
	"slices"

	"github.com/kafkasim/kafkasim/broker"
)

// CooperativeSticky returns the cooperative-sticky assignor (KIP-429) as
// librdkafka runs it in a group leader. The assignment is librdkafka's: the
// sticky algorithm of rdkafka_sticky_assignor.c as of librdkafka v2.15.0
// (see stickyRun), which keeps what members own, hands out unowned
// partitions to the least loaded member that can take them, and then moves
// single partitions from a member to one holding at least two fewer until no
// such move is left. It has no special case for equal subscriptions.
//
// Being cooperative, the assignment it returns withholds every partition
// still owned by another member (Withhold): the owner revokes it
// (owned − assigned), rejoins, and the follow-up rebalance hands it over.
//
// Members are taken in the order given, which is the order of the leader's
// JoinGroup response (as in librdkafka, the assignor does not sort them);
// where the algorithm needs a tie broken between members it compares member
// ids, never group.instance.ids.
func CooperativeSticky() Assignor { return stickyAssignor{} }

type stickyAssignor struct{}

func (stickyAssignor) Name() string                { return "cooperative-sticky" }
func (stickyAssignor) Protocol() RebalanceProtocol { return Cooperative }

func (stickyAssignor) Assign(members []Member, topics map[string]int32) map[string][]broker.TopicPartition {
	return Withhold(members, StickyTarget(members, topics))
}

// StickyTarget is the assignment the cooperative-sticky assignor aims for,
// before withholding partitions that move: what librdkafka's sticky
// algorithm returns for members (in JoinGroup order) and topics. The
// subscribed topics are taken in name order, standing in for the topic order
// of the leader's Metadata response, which only decides where brand-new
// partitions of several topics go when all subscriptions are equal.
func StickyTarget(members []Member, topics map[string]int32) map[string][]broker.TopicPartition {
	var meta []stickyTopic
	for _, t := range sortedTopics(members, topics) {
		meta = append(meta, stickyTopic{name: t, partitions: topics[t]})
	}
	return stickyAssign(members, meta, stickyOptions{})
}

// Withhold removes from target every partition that another member still
// claims in its Owned list: what the leader of a cooperative group hands
// out, so that no partition ever has two owners at once. The claimant
// revokes it and rejoins; the next rebalance hands it over.
func Withhold(members []Member, target map[string][]broker.TopicPartition) map[string][]broker.TopicPartition {
	claimed := map[broker.TopicPartition][]string{}
	for i := range members {
		for _, tp := range members[i].Owned {
			claimed[tp] = append(claimed[tp], members[i].ID)
		}
	}
	out := make(map[string][]broker.TopicPartition, len(target))
	for id, tps := range target {
		var kept []broker.TopicPartition
		for _, tp := range tps {
			if !claimedByOther(claimed[tp], id) {
				kept = append(kept, tp)
			}
		}
		out[id] = kept
	}
	return out
}

// claimedByOther reports whether any claimant other than id is listed.
func claimedByOther(claimants []string, id string) bool {
	return slices.ContainsFunc(claimants, func(c string) bool { return c != id })
}
