package group

// JoinGroup (API key 11), as Kafka's GroupCoordinator.handleJoinGroup for
// the classic protocol.
//
// Modelled: MEMBER_ID_REQUIRED for dynamic members (KIP-394), static
// members joining directly and replacing an earlier instance (KIP-345),
// session timeout bounds, group.max.size, protocol support and vote, the
// initial rebalance delay, the rebalance timeout, leader (re)election,
// known members rejoining in each state, a consumer group (KIP-848) of the
// same id refusing the join unless it is Empty.
// Not modelled: the 5-minute new-member join timeout, protocol types other
// than "consumer", classic members inside a consumer group.

import (
	"fmt"
	"slices"

	"github.com/kafkasim/kafkasim/internal/kerr"
)

// Join handles a JoinGroup request. reply is always called later from the
// clock's loop — at the current instant for an immediate answer, or when
// the rebalance completes — never inside Join.
func (c *Coordinator) Join(req JoinRequest, reply func(JoinResponse)) {
	if d := c.latency(); d > 0 {
		// A test hook's network delay: the request arrives d later.
		c.clk.After(d, func() { c.join(req, reply) })
		return
	}
	c.join(req, reply)
}

func (c *Coordinator) join(req JoinRequest, reply func(JoinResponse)) {
	fail := func(code kerr.Code, format string, args ...any) {
		err := errf(code, "join", req.Group, format, args...)
		id := req.MemberID
		c.later(func() { reply(JoinResponse{Err: err, Generation: -1, MemberID: id}) })
	}
	if !c.b.Available() {
		err := unavailable("join", req.Group)
		c.later(func() { reply(JoinResponse{Err: err, Generation: -1, MemberID: req.MemberID}) })
		return
	}
	if req.Group == "" {
		fail(kerr.InvalidGroupID, "empty group.id")
		return
	}
	if req.SessionTimeout < c.cfg.MinSessionTimeout || req.SessionTimeout > c.cfg.MaxSessionTimeout {
		fail(kerr.InvalidSessionTimeout, "session.timeout.ms %s outside the broker's [%s, %s]",
			dur(req.SessionTimeout), dur(c.cfg.MinSessionTimeout), dur(c.cfg.MaxSessionTimeout))
		return
	}
	if cg := c.consumer[req.Group]; cg != nil {
		// One protocol per group id: an Empty consumer group gives way to
		// the classic one (Kafka deletes it); one with members refuses
		// the classic member (Kafka would take it in as a classic member
		// of the consumer group, which is not modelled).
		if len(cg.members) > 0 {
			fail(kerr.InconsistentGroupProtocol, "group %s is a consumer group (group.protocol=consumer) with members; a classic member cannot join it", req.Group)
			return
		}
		c.deleteConsumerGroup(cg, "an Empty consumer group is replaced by a classic group (its offsets stay)")
	}
	g := c.getOrCreate(req.Group)
	if !g.supportsProtocols(req.Protocols) {
		fail(kerr.InconsistentGroupProtocol, "none of %v is supported by every member", protocolNames(req.Protocols))
		return
	}
	if req.MemberID == "" {
		c.joinUnknown(g, req, reply, fail)
		return
	}
	c.joinKnown(g, req, reply, fail)
}

func protocolNames(ps []Protocol) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

func (c *Coordinator) full(g *group) bool {
	return c.cfg.MaxSize > 0 && len(g.members)+len(g.pending) >= c.cfg.MaxSize
}

// joinUnknown handles a join with no member id.
func (c *Coordinator) joinUnknown(g *group, req JoinRequest, reply func(JoinResponse), fail func(kerr.Code, string, ...any)) {
	if req.InstanceID != "" {
		newID := req.InstanceID + "-" + c.uuid()
		if oldID, ok := g.static[req.InstanceID]; ok {
			c.replaceStatic(g, g.members[oldID], newID, req, reply)
			return
		}
		if c.full(g) {
			fail(kerr.GroupMaxSizeReached, "group.max.size %d reached", c.cfg.MaxSize)
			return
		}
		c.addMemberAndRebalance(g, newID, req, reply)
		return
	}
	if c.full(g) {
		fail(kerr.GroupMaxSizeReached, "group.max.size %d reached", c.cfg.MaxSize)
		return
	}
	// KIP-394: a dynamic member first gets its id and must join again with
	// it. Until then it is pending: the rebalance waits for it, up to its
	// session timeout (restarted, as every session, while the broker is
	// down: the group does not move meanwhile).
	id := req.ClientID + "-" + c.uuid()
	var expire func()
	expire = func() {
		if _, ok := g.pending[id]; !ok {
			return
		}
		if !c.b.Available() {
			g.pending[id] = c.clk.After(req.SessionTimeout, expire)
			return
		}
		delete(g.pending, id)
		c.tryCompleteJoin(g)
	}
	g.pending[id] = c.clk.After(req.SessionTimeout, expire)
	err := errf(kerr.MemberIDRequired, "join", g.id, "join again with member id %s", id)
	c.later(func() { reply(JoinResponse{Err: err, Generation: -1, MemberID: id}) })
}

// joinKnown handles a join with a member id.
func (c *Coordinator) joinKnown(g *group, req JoinRequest, reply func(JoinResponse), fail func(kerr.Code, string, ...any)) {
	if t, ok := g.pending[req.MemberID]; ok {
		t.Stop()
		delete(g.pending, req.MemberID)
		c.addMemberAndRebalance(g, req.MemberID, req, reply)
		return
	}
	m, code := g.validateMember(req.MemberID, req.InstanceID)
	if code != kerr.NoError {
		fail(code, "member %s (instance %q) is not in the group", req.MemberID, req.InstanceID)
		return
	}
	switch g.state {
	case PreparingRebalance:
		c.updateMemberAndRebalance(g, m, req, reply, "")
	case CompletingRebalance:
		if sameProtocols(m.protocols, req.Protocols) {
			// It missed the JoinGroup response: send it again.
			c.emit(g, MemberRejoined, m.id, fmt.Sprintf("%s rejoined with the same metadata; it gets generation %d again", m.id, g.generation), nil)
			c.replyCurrent(g, m, reply)
			return
		}
		c.updateMemberAndRebalance(g, m, req, reply, fmt.Sprintf("%s rejoined with new metadata", m.id))
	case Stable:
		if m.id == g.leader {
			c.updateMemberAndRebalance(g, m, req, reply, fmt.Sprintf("the leader %s rejoined", m.id))
			return
		}
		if !sameProtocols(m.protocols, req.Protocols) {
			c.updateMemberAndRebalance(g, m, req, reply, fmt.Sprintf("%s rejoined with a new subscription", m.id))
			return
		}
		c.emit(g, MemberRejoined, m.id, fmt.Sprintf("%s rejoined with the same subscription; no rebalance", m.id), nil)
		c.replyCurrent(g, m, reply)
	default:
		fail(kerr.UnknownMemberID, "group is %s", g.state)
	}
}

// replyCurrent answers with the current generation, as Kafka does for a
// member whose metadata did not change.
func (c *Coordinator) replyCurrent(g *group, m *member, reply func(JoinResponse)) {
	c.touch(m)
	resp := JoinResponse{Generation: g.generation, Protocol: g.protocol, Leader: g.leader, MemberID: m.id}
	if m.id == g.leader && g.state == CompletingRebalance {
		for _, id := range g.sortedIDs() {
			o := g.members[id]
			resp.Members = append(resp.Members, MemberMetadata{MemberID: o.id, InstanceID: o.instanceID, Subscription: o.subscription(g.protocol)})
		}
	}
	c.later(func() { reply(resp) })
}

func (c *Coordinator) parkJoin(g *group, m *member, reply func(JoinResponse)) {
	if old := m.joinReply; old != nil {
		err := errf(kerr.RebalanceInProgress, "join", g.id, "superseded by a newer JoinGroup from %s", m.id)
		c.later(func() { old(JoinResponse{Err: err, Generation: -1, MemberID: m.id}) })
	}
	g.setJoinReply(m, reply)
}

func (c *Coordinator) addMemberAndRebalance(g *group, id string, req JoinRequest, reply func(JoinResponse)) {
	if g.state == PreparingRebalance && g.generation == 0 {
		g.newMemberAdded = true
	}
	g.protocolType = ProtocolType
	m := c.newMember(g, id, req)
	c.addMember(g, m)
	g.setJoinReply(m, reply)
	kind := "dynamic"
	if m.instanceID != "" {
		kind = "static (group.instance.id " + m.instanceID + ")"
	}
	cause := fmt.Sprintf("%s joined as a %s member", id, kind)
	c.emit(g, MemberJoined, id, cause, nil)
	c.maybePrepareRebalance(g, cause)
	c.tryCompleteJoin(g)
}

func (c *Coordinator) updateMemberAndRebalance(g *group, m *member, req JoinRequest, reply func(JoinResponse), cause string) {
	g.countProtocols(m, -1)
	m.update(req)
	g.countProtocols(m, 1)
	c.parkJoin(g, m, reply)
	if cause == "" {
		c.emit(g, MemberRejoined, m.id, fmt.Sprintf("%s rejoined for the rebalance", m.id), nil)
	} else {
		c.emit(g, MemberRejoined, m.id, cause, nil)
	}
	c.maybePrepareRebalance(g, cause)
	c.tryCompleteJoin(g)
}

func (c *Coordinator) maybePrepareRebalance(g *group, cause string) {
	switch g.state {
	case Empty, Stable, CompletingRebalance:
		c.prepareRebalance(g, cause)
	}
}

// replaceStatic handles a static member coming back with a new instance
// (empty member id, known group.instance.id): the old member id is fenced
// and the new one takes its place, assignment included (KIP-345).
func (c *Coordinator) replaceStatic(g *group, old *member, newID string, req JoinRequest, reply func(JoinResponse)) {
	oldProtocols := old.protocols
	if r := old.joinReply; r != nil {
		g.setJoinReply(old, nil)
		err := errf(kerr.FencedInstanceID, "join", g.id, "instance %s rejoined as %s", old.instanceID, newID)
		c.later(func() { r(JoinResponse{Err: err, Generation: -1, MemberID: old.id}) })
	}
	if r := old.syncReply; r != nil {
		old.syncReply = nil
		err := errf(kerr.FencedInstanceID, "sync", g.id, "instance %s rejoined as %s", old.instanceID, newID)
		c.later(func() { r(SyncResponse{Err: err}) })
	}
	old.removed = true
	old.timer.Stop()
	m := c.newMember(g, newID, req)
	m.assignment = old.assignment
	delete(g.members, old.id)
	g.countProtocols(old, -1)
	g.members[newID] = m
	g.countProtocols(m, 1)
	g.order[slices.Index(g.order, old.id)] = newID
	g.static[m.instanceID] = newID
	if g.leader == old.id {
		g.leader = newID
	}
	if g.pendingSync[old.id] {
		delete(g.pendingSync, old.id)
		g.pendingSync[newID] = true
	}
	for tp, o := range g.owners {
		if o == old.id {
			g.owners[tp] = newID
		}
	}
	c.emit(g, MemberFenced, old.id, fmt.Sprintf("static instance %s restarted: %s replaces %s, which is fenced", m.instanceID, newID, old.id), nil)
	switch g.state {
	case Stable:
		if sameSubscriptions(oldProtocols, req.Protocols) {
			c.touch(m)
			c.emit(g, StaticRejoined, newID, fmt.Sprintf("static instance %s got its %d partitions back with no rebalance", m.instanceID, len(m.assignment)), nil)
			resp := JoinResponse{Generation: g.generation, Protocol: g.protocol, Leader: g.leader, MemberID: newID}
			c.later(func() { reply(resp) })
			return
		}
		g.setJoinReply(m, reply)
		c.prepareRebalance(g, fmt.Sprintf("static instance %s rejoined with a new subscription", m.instanceID))
	case CompletingRebalance:
		g.setJoinReply(m, reply)
		c.prepareRebalance(g, fmt.Sprintf("static instance %s rejoined while the assignment was being computed", m.instanceID))
	default: // PreparingRebalance
		g.setJoinReply(m, reply)
		c.tryCompleteJoin(g)
	}
}
