package group

// What kafka-consumer-groups.sh --describe shows for a consumer group
// (Kafka 4's ConsumerGroupCommand over ConsumerGroupDescribe, API key 69):
// the same three tables as for a classic group; STATE is Empty, Assigning,
// Reconciling or Stable (the last-but-one two print the "is rebalancing"
// warning); ASSIGNMENT-STRATEGY is the server assignor; each member's
// partitions are its current assignment, shown in every state (a classic
// group shows them only when Stable). Not modelled: the --verbose columns
// (GROUP-EPOCH, TARGET-ASSIGNMENT-EPOCH, CURRENT-EPOCH, TARGET-ASSIGNMENT):
// their values are in Description instead.

import "slices"

func (c *Coordinator) describeConsumer(cg *cgroup) Description {
	d := Description{Group: cg.id, State: cg.state, ProtocolType: ProtocolType, GroupProtocol: GroupProtocolConsumer,
		Protocol: cg.assignorName(), Generation: cg.epoch, AssignmentEpoch: cg.assignmentEpoch}
	for _, id := range cg.sortedIDs() {
		m := cg.members[id]
		d.Members = append(d.Members, MemberDescription{MemberID: m.id, InstanceID: m.instanceID, ClientID: m.clientID,
			ClientHost: m.clientHost, Assignment: slices.Clone(m.assigned), MemberEpoch: m.epoch,
			TargetAssignment: slices.Clone(cg.target[m.id])})
	}
	d.Offsets = c.offsetRows(cg.id, d.Members)
	return d
}
