package group

// The two timers of a consumer group member (Kafka's
// scheduleConsumerGroupSessionTimeout and
// scheduleConsumerGroupRebalanceTimeout).
//
// Session timeout: group.consumer.session.timeout.ms (45 s), set by the
// broker, restarted by every accepted heartbeat (not by commits); when it
// runs out the member is removed as if it had left (partitions free, group
// epoch up). A static member away at epoch -2 sends no heartbeats, so this
// is what ends its absence.
//
// Rebalance timeout: the member's max.poll.interval.ms, started whenever a
// reconciliation step leaves it with partitions to revoke (restarted on
// every such step); if the member is still at that epoch when it runs out,
// it is removed. While the broker is down, a timer that runs out starts
// again instead (as the classic coordinator's sessions do). A real
// coordinator reloads its groups when it comes back and restarts every
// member's session and rebalance timeouts (GroupMetadataManager.onLoaded);
// so does this one, the moment the broker is back
// (broker.OnAvailabilityChanged), or at the first heartbeat or timer
// after an outage it had not been told of.

import (
	"fmt"
	"slices"
)

// consumerUp reports whether the broker is up, noting outages and
// restarting the consumer group timers at the first call after one.
func (c *Coordinator) consumerUp() bool {
	if !c.b.Available() {
		c.consumerDown = true
		return false
	}
	if c.consumerDown {
		c.consumerDown = false
		ids := make([]string, 0, len(c.consumer))
		for id := range c.consumer {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			cg := c.consumer[id]
			for _, mid := range cg.order {
				m := cg.members[mid]
				c.touchConsumer(m)
				if m.state == memberUnrevoked {
					c.armRevokeTimer(m)
				}
			}
		}
	}
	return true
}

// touchConsumer restarts m's session.
func (c *Coordinator) touchConsumer(m *cmember) {
	m.deadline = c.clk.Now().Add(c.cfg.ConsumerSessionTimeout)
	if !m.timer.Pending() {
		m.timer = c.clk.At(m.deadline, m.expireFn)
	}
}

func (c *Coordinator) consumerSessionFired(m *cmember) {
	if m.removed || c.consumer[m.g.id] != m.g {
		return
	}
	if !c.consumerUp() {
		c.touchConsumer(m)
		return
	}
	deadline := m.deadline
	if h := c.cfg.Hooks; h != nil {
		deadline = deadline.Add(h.LateSession) // planted bug: the session ends late
	}
	if now := c.clk.Now(); now.Before(deadline) {
		if !m.timer.Pending() {
			m.timer = c.clk.At(deadline, m.expireFn)
		}
		return
	}
	c.removeConsumerMember(m.g, m, SessionExpired, fmt.Sprintf("session of %s expired: no heartbeat for %s (group.consumer.session.timeout.ms)",
		m.id, dur(c.cfg.ConsumerSessionTimeout)))
}

// armRevokeTimer (re)starts m's rebalance timeout for its current epoch.
func (c *Coordinator) armRevokeTimer(m *cmember) {
	m.revokeTimer.Stop()
	epoch := m.epoch
	m.revokeTimer = c.clk.After(m.rebalance, func() { c.revokeTimerFired(m, epoch) })
}

func (c *Coordinator) revokeTimerFired(m *cmember, epoch int32) {
	if m.removed || c.consumer[m.g.id] != m.g || m.epoch != epoch {
		return
	}
	if !c.consumerUp() {
		c.armRevokeTimer(m)
		return
	}
	if m.revokeTimer.Pending() {
		return // restarted after an outage
	}
	c.removeConsumerMember(m.g, m, RebalanceTimedOut, fmt.Sprintf("%s did not confirm revoking %s within its rebalance timeout (%s, max.poll.interval.ms) and was removed",
		m.id, tpList(m.pending), dur(m.rebalance)))
}
