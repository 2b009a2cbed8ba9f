package assign

import (
	"slices"

	"github.com/kafkasim/kafkasim/broker"
)

// CooperativeSticky returns the cooperative-sticky assignor (KIP-429). Its
// goals, in order: balance (for members with the same subscription, owned
// counts differ by at most one), then stickiness (a member keeps what it
// owns). Being cooperative, the assignment it returns withholds every
// partition still owned by another member: the owner revokes it
// (owned − assigned), rejoins, and the follow-up rebalance hands it over.
//
// Like Kafka's AbstractStickyAssignor, ownership claims count only from
// members of the highest generation among those claiming anything, and a
// partition claimed twice in that generation counts as unowned. With equal
// subscriptions it follows Kafka's constrained algorithm (each member keeps
// up to its quota of owned partitions, the rest are dealt to the members
// below quota in member order); otherwise unowned partitions go to the
// least loaded eligible member and partitions then move from the most to the
// least loaded members while that narrows the gap by at least two.
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
	sorted := sortedMembers(members)
	if len(sorted) == 0 {
		return out
	}
	all := allPartitions(members, topics)
	owned := validOwned(sorted, topics)
	if uniform(sorted, topics) {
		constrained(sorted, all, owned, out)
	} else {
		general(sorted, all, owned, out)
	}
	sortResult(out)
	return out
}

// allPartitions lists every partition of every subscribed, existing topic,
// sorted.
func allPartitions(members []Member, topics map[string]int32) []broker.TopicPartition {
	var all []broker.TopicPartition
	for _, t := range sortedTopics(members, topics) {
		for p := int32(0); p < topics[t]; p++ {
			all = append(all, broker.TopicPartition{Topic: t, Partition: p})
		}
	}
	return all
}

// validOwned returns each member's valid ownership claims, sorted: existing
// partitions of subscribed topics, from the highest claiming generation,
// claimed by exactly one member.
func validOwned(sorted []*Member, topics map[string]int32) map[string][]broker.TopicPartition {
	maxGen := int32(-1 << 31)
	for _, m := range sorted {
		if len(m.Owned) > 0 && m.Generation > maxGen {
			maxGen = m.Generation
		}
	}
	claims := map[broker.TopicPartition]int{}
	valid := func(m *Member, tp broker.TopicPartition) bool {
		n, ok := topics[tp.Topic]
		return ok && tp.Partition >= 0 && tp.Partition < n && subscribes(m, tp.Topic)
	}
	for _, m := range sorted {
		if m.Generation != maxGen {
			continue
		}
		seen := map[broker.TopicPartition]bool{}
		for _, tp := range m.Owned {
			if valid(m, tp) && !seen[tp] {
				seen[tp] = true
				claims[tp]++
			}
		}
	}
	out := map[string][]broker.TopicPartition{}
	for _, m := range sorted {
		if m.Generation != maxGen {
			continue
		}
		var mine []broker.TopicPartition
		for _, tp := range m.Owned {
			if valid(m, tp) && claims[tp] == 1 && !slices.Contains(mine, tp) {
				mine = append(mine, tp)
			}
		}
		broker.SortTopicPartitions(mine)
		out[m.ID] = mine
	}
	return out
}

// uniform reports whether every member subscribes to the same existing topics.
func uniform(sorted []*Member, topics map[string]int32) bool {
	set := func(m *Member) []string {
		var s []string
		for _, t := range m.Topics {
			if _, ok := topics[t]; ok {
				s = append(s, t)
			}
		}
		slices.Sort(s)
		return slices.Compact(s)
	}
	first := set(sorted[0])
	for _, m := range sorted[1:] {
		if !slices.Equal(first, set(m)) {
			return false
		}
	}
	return true
}

// constrained is Kafka's constrainedAssign for equal subscriptions.
func constrained(sorted []*Member, all []broker.TopicPartition, owned map[string][]broker.TopicPartition, out map[string][]broker.TopicPartition) {
	n := len(sorted)
	minQuota := len(all) / n
	maxQuota := (len(all) + n - 1) / n
	overMin := len(all) % n // members that may hold maxQuota
	taken := map[broker.TopicPartition]bool{}
	for _, m := range sorted {
		mine := owned[m.ID]
		keep := len(mine)
		if keep > minQuota {
			if keep >= maxQuota && overMin > 0 && maxQuota > minQuota {
				keep = maxQuota
				overMin--
			} else {
				keep = minQuota
			}
		}
		for _, tp := range mine[:keep] {
			out[m.ID] = append(out[m.ID], tp)
			taken[tp] = true
		}
	}
	var free []broker.TopicPartition
	for _, tp := range all {
		if !taken[tp] {
			free = append(free, tp)
		}
	}
	// Fill every member to minQuota, then hand out the rest one each to
	// members at minQuota while over-quota slots remain.
	for _, m := range sorted {
		for len(out[m.ID]) < minQuota && len(free) > 0 {
			out[m.ID] = append(out[m.ID], free[0])
			free = free[1:]
		}
	}
	for _, m := range sorted {
		if len(free) == 0 {
			break
		}
		if len(out[m.ID]) == minQuota && overMin > 0 {
			out[m.ID] = append(out[m.ID], free[0])
			free = free[1:]
			overMin--
		}
	}
}

// general handles members with different subscriptions.
func general(sorted []*Member, all []broker.TopicPartition, owned map[string][]broker.TopicPartition, out map[string][]broker.TopicPartition) {
	owner := map[broker.TopicPartition]string{}
	for _, m := range sorted {
		for _, tp := range owned[m.ID] {
			out[m.ID] = append(out[m.ID], tp)
			owner[tp] = m.ID
		}
	}
	eligible := func(tp broker.TopicPartition) []*Member {
		var e []*Member
		for _, m := range sorted {
			if subscribes(m, tp.Topic) {
				e = append(e, m)
			}
		}
		return e
	}
	least := func(ms []*Member) *Member {
		var best *Member
		for _, m := range ms {
			if best == nil || len(out[m.ID]) < len(out[best.ID]) {
				best = m
			}
		}
		return best
	}
	// Unowned partitions, those with the fewest eligible members first.
	var free []broker.TopicPartition
	for _, tp := range all {
		if _, ok := owner[tp]; !ok {
			free = append(free, tp)
		}
	}
	slices.SortStableFunc(free, func(a, b broker.TopicPartition) int {
		return len(eligible(a)) - len(eligible(b))
	})
	for _, tp := range free {
		m := least(eligible(tp))
		out[m.ID] = append(out[m.ID], tp)
		owner[tp] = m.ID
	}
	// Move partitions from loaded owners to members with at least two
	// fewer, until no such move exists. Each move lowers the sum of
	// squared counts, so this ends.
	for moved := true; moved; {
		moved = false
		for _, tp := range all {
			from := owner[tp]
			to := least(eligible(tp))
			if to != nil && len(out[to.ID])+2 <= len(out[from]) {
				i := slices.Index(out[from], tp)
				out[from] = slices.Delete(out[from], i, i+1)
				out[to.ID] = append(out[to.ID], tp)
				owner[tp] = to.ID
				moved = true
			}
		}
	}
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
		kept := []broker.TopicPartition{}
		for _, tp := range tps {
			other := false
			for _, c := range claimed[tp] {
				if c != id {
					other = true
				}
			}
			if !other {
				kept = append(kept, tp)
			}
		}
		if len(kept) == 0 {
			kept = nil
		}
		out[id] = kept
	}
	return out
}
