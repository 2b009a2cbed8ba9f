package group

// Leaving a consumer group: a ConsumerGroupHeartbeat with member epoch -1
// or -2, as Kafka's GroupMetadataManager.consumerGroupLeave.
//
// Modelled: with epoch -1 the member goes at once, its partitions are free
// for the others, and the group epoch rises (the new target waits for the
// next heartbeat, so the group is Assigning meanwhile). With epoch -2 a
// static member leaves for a while: it stays in the group at epoch -2,
// keeps its assigned partitions (nobody else gets them), gives back only
// those it was revoking, and the group epoch does not move; it comes back
// under a new member id with the same group.instance.id (epoch 0), or its
// session timeout removes it. Errors: GROUP_ID_NOT_FOUND, UNKNOWN_MEMBER_ID,
// FENCED_INSTANCE_ID.

import (
	"fmt"

	"github.com/kafkasim/kafkasim/internal/kerr"
)

func (c *Coordinator) consumerLeave(req ConsumerHeartbeatRequest) ConsumerHeartbeatResponse {
	const op = "consumer leave"
	fail := func(code kerr.Code, format string, args ...any) ConsumerHeartbeatResponse {
		return ConsumerHeartbeatResponse{Err: errf(code, op, req.Group, format, args...)}
	}
	cg := c.consumer[req.Group]
	if cg == nil {
		return fail(kerr.GroupIDNotFound, "consumer group %s not found", req.Group)
	}
	var m *cmember
	if req.InstanceID == "" {
		if m = cg.members[req.MemberID]; m == nil {
			return fail(kerr.UnknownMemberID, "member %s is not in the group", req.MemberID)
		}
	} else {
		if m = cg.members[cg.static[req.InstanceID]]; m == nil {
			return fail(kerr.UnknownMemberID, "no member has group.instance.id %s", req.InstanceID)
		}
		if m.id != req.MemberID {
			return fail(kerr.FencedInstanceID, "group.instance.id %s belongs to member %s, not %s", req.InstanceID, m.id, req.MemberID)
		}
	}
	if req.MemberEpoch == LeaveStaticEpoch {
		c.staticLeave(cg, m)
		return ConsumerHeartbeatResponse{MemberID: m.id, MemberEpoch: LeaveStaticEpoch}
	}
	c.removeConsumerMember(cg, m, MemberLeft, fmt.Sprintf("%s left the group (heartbeat with epoch -1)", m.id))
	return ConsumerHeartbeatResponse{MemberID: req.MemberID, MemberEpoch: LeaveEpoch}
}

// staticLeave is Kafka's consumerGroupStaticMemberGroupLeave.
func (c *Coordinator) staticLeave(cg *cgroup, m *cmember) {
	cg.disown(m)
	m.epoch = LeaveStaticEpoch
	m.pending = nil
	cg.own(m)
	m.revokeTimer.Stop()
	c.emitConsumer(cg, StaticLeft, m.id, fmt.Sprintf("static instance %s (%s) left for now (epoch -2): it keeps its %d partitions until it returns or its session times out (%s)",
		m.instanceID, m.id, len(m.assigned), dur(c.cfg.ConsumerSessionTimeout)), nil)
	c.updateConsumerState(cg, c.stateCause(cg))
}
