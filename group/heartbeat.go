package group

// Heartbeat (API key 12) and LeaveGroup (API key 13), as Kafka's
// GroupCoordinator.handleHeartbeat and handleLeaveGroup.
//
// Modelled: validation order, the answer per state (docs/kafka-semantics.md
// §4), session restart on every valid heartbeat, static members removed only
// by a leave that names their instance id. Not modelled: leave reasons
// (KIP-800).

import (
	"fmt"

	"github.com/kafkasim/kafkasim/internal/kerr"
)

// Heartbeat handles a Heartbeat request and answers at once: nil, or an
// error wrapping kerr.RebalanceInProgress (join again),
// kerr.IllegalGeneration or kerr.UnknownMemberID (assignment lost; join
// again), kerr.FencedInstanceID (fatal) or kerr.CoordinatorNotAvailable
// (also wrapping broker.ErrUnavailable while the broker is down). A valid
// heartbeat restarts the member's session timeout.
func (c *Coordinator) Heartbeat(group, memberID, instanceID string, generation int32) error {
	if !c.b.Available() {
		return unavailable("heartbeat", group)
	}
	g := c.groups[group]
	if g == nil {
		return errf(kerr.UnknownMemberID, "heartbeat", group, "no such group")
	}
	if g.state == Dead {
		return errf(kerr.CoordinatorNotAvailable, "heartbeat", group, "group is Dead")
	}
	m, code := g.validateMember(memberID, instanceID)
	if code != kerr.NoError {
		return errf(code, "heartbeat", group, "member %s (instance %q) is not in the group", memberID, instanceID)
	}
	if generation != g.generation {
		return errf(kerr.IllegalGeneration, "heartbeat", group, "generation %d, group is at %d", generation, g.generation)
	}
	switch g.state {
	case PreparingRebalance:
		c.touch(m)
		return errf(kerr.RebalanceInProgress, "heartbeat", group, "rebalancing: join again")
	case CompletingRebalance, Stable:
		c.touch(m)
		return nil
	}
	return errf(kerr.UnknownMemberID, "heartbeat", group, "group is %s", g.state)
}

// Leave handles a LeaveGroup request: the member is removed and, if others
// remain, a rebalance starts at once. With an instance id the static
// member is removed (memberID may then be empty, as an admin removal; a
// different member id gets FENCED_INSTANCE_ID).
func (c *Coordinator) Leave(group, memberID, instanceID string) error {
	if !c.b.Available() {
		return unavailable("leave", group)
	}
	g := c.groups[group]
	if g == nil {
		return errf(kerr.UnknownMemberID, "leave", group, "no such group")
	}
	if g.state == Dead {
		return errf(kerr.CoordinatorNotAvailable, "leave", group, "group is Dead")
	}
	var m *member
	if instanceID != "" {
		id, ok := g.static[instanceID]
		if !ok {
			return errf(kerr.UnknownMemberID, "leave", group, "unknown instance %s", instanceID)
		}
		if memberID != "" && id != memberID {
			return errf(kerr.FencedInstanceID, "leave", group, "instance %s belongs to %s, not %s", instanceID, id, memberID)
		}
		m = g.members[id]
	} else {
		if t, ok := g.pending[memberID]; ok {
			t.Stop()
			delete(g.pending, memberID)
			c.tryCompleteJoin(g)
			return nil
		}
		m = g.members[memberID]
		if m == nil {
			return errf(kerr.UnknownMemberID, "leave", group, "unknown member %s", memberID)
		}
	}
	c.removeMemberAndUpdate(g, m, MemberLeft, fmt.Sprintf("%s left the group (LeaveGroup)", m.id))
	return nil
}
