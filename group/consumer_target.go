package group

// The target assignment (Kafka's TargetAssignmentBuilder): when the group
// epoch has moved past the target assignment epoch, the first heartbeat
// to arrive runs the group's server assignor over every member (a static
// member that is away included) with each member's current target as the
// starting point, and the target assignment epoch catches up with the
// group epoch. Members then reconcile towards it one heartbeat at a time.
//
// Not modelled: assignor errors (the assignors here cannot fail: topics
// that do not exist are left out beforehand, as Kafka does).

import (
	"fmt"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/group/assign"
)

// computeTarget installs a new target assignment for cg at its group
// epoch.
func (c *Coordinator) computeTarget(cg *cgroup) {
	name := cg.assignorName()
	a, err := assign.ServerByName(name)
	if err != nil {
		// Heartbeats only accept known assignors.
		panic(fmt.Sprintf("group %s: %v", cg.id, err))
	}
	ids := cg.sortedIDs()
	members := make([]assign.ServerMember, 0, len(ids))
	for _, id := range ids {
		m := cg.members[id]
		members = append(members, assign.ServerMember{ID: id, InstanceID: m.instanceID, Topics: m.topics, Target: cg.target[id]})
	}
	next := a.AssignTarget(members, cloneMeta(cg.meta))

	// What changed owner in the target, for the timeline.
	prevOwner := map[broker.TopicPartition]string{}
	for _, id := range ids {
		for _, tp := range cg.target[id] {
			prevOwner[tp] = id
		}
	}
	nextOwner := map[broker.TopicPartition]string{}
	var tps []broker.TopicPartition
	for _, id := range ids {
		for _, tp := range next[id] {
			nextOwner[tp] = id
			tps = append(tps, tp)
		}
	}
	for tp := range prevOwner {
		if _, ok := nextOwner[tp]; !ok {
			tps = append(tps, tp)
		}
	}
	broker.SortTopicPartitions(tps)
	var moved []PartitionMove
	for _, tp := range tps {
		if prevOwner[tp] != nextOwner[tp] {
			moved = append(moved, PartitionMove{Partition: tp, From: prevOwner[tp], To: nextOwner[tp]})
		}
	}

	clear(cg.target)
	n := 0
	for _, id := range ids {
		if len(next[id]) > 0 {
			cg.target[id] = next[id]
			n += len(next[id])
		}
	}
	cg.assignmentEpoch = cg.epoch
	c.emitConsumer(cg, AssignmentComputed, "", fmt.Sprintf("target assignment for epoch %d: %s assigned %d partitions to %d members; %d change owner",
		cg.epoch, name, n, len(ids), len(moved)), moved)
}
