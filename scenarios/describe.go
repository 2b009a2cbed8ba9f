package scenarios

import (
	"slices"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/group"
)

// simHost is the HOST of every member in the simulator.
const simHost = "/127.0.0.1"

// Describe is group g as kafka-consumer-groups.sh --describe shows it
// after step i, from the timeline: its state and generation, its members
// (by member id, each with its client id and, while the group is Stable,
// the partitions of the generation's assignment: what its consumer holds
// once it applies it; a crashed member keeps its partitions until its
// session expires), the committed offset and log end of every
// partition it owns or has committed. HOST is the simulator's. A group
// that has not changed state yet (no member ever joined) is Dead: the
// tool says it does not exist.
func (x *Steps) Describe(groupID string, i int) group.Description {
	g := x.GroupIndex(groupID)
	if gs := x.gstates[groupID]; g < 0 || len(gs) == 0 || int(gs[0]) > i {
		// The coordinator has no such group before its first member
		// joins.
		return group.Description{Group: groupID, State: group.Dead}
	}
	st := x.At(i)
	gs := &st.Groups[g]
	d := group.Description{Group: groupID, State: groupState(gs.State), Generation: gs.Generation, Protocol: gs.Protocol, ProtocolType: "consumer"}
	members := gs.Members
	if gs.ConsumerProtocol() {
		// KIP-848: the coordinator's members, each with its current
		// assignment, shown in every state.
		d.GroupProtocol, members = group.GroupProtocolConsumer, nil
		for _, o := range gs.Owners {
			md := group.MemberDescription{MemberID: o.ID, ClientID: o.Consumer, ClientHost: simHost}
			for p, a := range o.Assigned {
				if a {
					md.Assignment = append(md.Assignment, broker.TopicPartition{Topic: x.Parts[p].Topic, Partition: x.Parts[p].Partition})
				}
			}
			d.Members = append(d.Members, md)
		}
	}
	for _, m := range members {
		md := group.MemberDescription{MemberID: m.ID, ClientID: m.Consumer, ClientHost: simHost}
		if ci := x.ConsumerIndex(m.Consumer); ci >= 0 && gs.State == "Stable" {
			// The coordinator's assignment of this generation: what the
			// consumer holds once it applies it (it may not have yet).
			owned := st.Cons[ci].Assigned
			if o, ok := x.genOwned[m.Consumer][gs.Generation]; ok && st.Cons[ci].Status != StatusCrashed {
				owned = o
			}
			for p, a := range owned {
				if a {
					tp := x.Parts[p]
					md.Assignment = append(md.Assignment, broker.TopicPartition{Topic: tp.Topic, Partition: tp.Partition})
				}
			}
		}
		d.Members = append(d.Members, md)
	}
	slices.SortFunc(d.Members, func(a, b group.MemberDescription) int {
		switch {
		case a.MemberID < b.MemberID:
			return -1
		case a.MemberID > b.MemberID:
			return 1
		}
		return 0
	})
	committed := map[broker.TopicPartition]int64{}
	for p, off := range gs.Committed {
		if off >= 0 {
			committed[broker.TopicPartition{Topic: x.Parts[p].Topic, Partition: x.Parts[p].Partition}] = off
		}
	}
	d.Offsets = group.OffsetRows(d.Members, committed, func(tp broker.TopicPartition) (int64, bool) {
		if p := x.PartIndex(TP{tp.Topic, tp.Partition}); p >= 0 {
			return st.LogEnd[p], true
		}
		return 0, false
	})
	return d
}

// DescribeAt is Describe after every event at or before virtual time t.
func (x *Steps) DescribeAt(groupID string, t time.Duration) group.Description {
	return x.Describe(groupID, x.StepAtTime(t))
}

func groupState(s string) group.State {
	for _, st := range []group.State{group.Empty, group.PreparingRebalance, group.CompletingRebalance, group.Stable, group.Dead, group.Assigning, group.Reconciling} {
		if st.String() == s {
			return st
		}
	}
	return group.Empty
}
