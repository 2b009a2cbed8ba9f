package group

// SyncGroup (API key 14), as Kafka's GroupCoordinator.handleSyncGroup.
//
// Modelled: validation order (Dead, fencing, unknown member, generation,
// protocol), followers parked until the leader's assignment arrives, the
// leader's assignment installed for every member (missing members get
// nothing), answers in Stable from the stored assignment, the pending-sync
// timeout. Not modelled: assignment validation (Kafka does none either).

import (
	"fmt"
	"slices"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/internal/kerr"
	"github.com/kafkasim/kafkasim/internal/testhook"
)

// Sync handles a SyncGroup request; reply is delivered as for Join. A
// follower's Sync in CompletingRebalance waits for the leader's.
func (c *Coordinator) Sync(req SyncRequest, reply func(SyncResponse)) {
	if d := c.latency(); d > 0 {
		// A test hook's network delay: the request arrives d later.
		c.clk.After(d, func() { c.sync(req, reply) })
		return
	}
	c.sync(req, reply)
}

func (c *Coordinator) sync(req SyncRequest, reply func(SyncResponse)) {
	fail := func(code kerr.Code, format string, args ...any) {
		err := errf(code, "sync", req.Group, format, args...)
		c.later(func() { reply(SyncResponse{Err: err}) })
	}
	if !c.b.Available() {
		err := unavailable("sync", req.Group)
		c.later(func() { reply(SyncResponse{Err: err}) })
		return
	}
	g := c.groups[req.Group]
	if g == nil {
		fail(kerr.UnknownMemberID, "no such group")
		return
	}
	if g.state == Dead {
		fail(kerr.CoordinatorNotAvailable, "group is Dead")
		return
	}
	m, code := g.validateMember(req.MemberID, req.InstanceID)
	if code != kerr.NoError {
		fail(code, "member %s (instance %q) is not in the group", req.MemberID, req.InstanceID)
		return
	}
	if req.Generation != g.generation {
		fail(kerr.IllegalGeneration, "generation %d, group is at %d", req.Generation, g.generation)
		return
	}
	if req.Protocol != "" && req.Protocol != g.protocol {
		fail(kerr.InconsistentGroupProtocol, "protocol %s, group uses %s", req.Protocol, g.protocol)
		return
	}
	switch g.state {
	case Empty:
		fail(kerr.UnknownMemberID, "group is Empty")
	case PreparingRebalance:
		fail(kerr.RebalanceInProgress, "group is rebalancing")
	case CompletingRebalance:
		delete(g.pendingSync, m.id)
		if old := m.syncReply; old != nil {
			err := errf(kerr.RebalanceInProgress, "sync", g.id, "superseded by a newer SyncGroup")
			c.later(func() { old(SyncResponse{Err: err}) })
		}
		m.syncReply = reply
		if m.id == g.leader {
			c.installAssignment(g, req.Assignments)
		}
	case Stable:
		delete(g.pendingSync, m.id)
		c.touch(m)
		c.answerSync(g, m, reply)
	}
}

func (c *Coordinator) answerSync(g *group, m *member, reply func(SyncResponse)) {
	a := slices.Clone(m.assignment)
	c.emit(g, MemberSynced, m.id, fmt.Sprintf("%s received its assignment for generation %d: %s", m.id, g.generation, tpList(a)), nil)
	c.later(func() { reply(SyncResponse{Assignment: a}) })
}

// installAssignment stores the leader's assignment, moves the group to
// Stable and answers every parked SyncGroup.
func (c *Coordinator) installAssignment(g *group, as []MemberAssignment) {
	byID := map[string][]broker.TopicPartition{}
	for _, a := range as {
		byID[a.MemberID] = append(byID[a.MemberID], a.Partitions...)
	}
	if h := c.cfg.Hooks; h != nil {
		g.plantAssignmentBugs(h, byID)
	}
	next := map[broker.TopicPartition]string{}
	for _, id := range g.order {
		m := g.members[id]
		m.assignment = slices.Clone(byID[id])
		broker.SortTopicPartitions(m.assignment)
		m.assignment = slices.Compact(m.assignment)
		for _, tp := range m.assignment {
			next[tp] = id
		}
	}
	var moved []PartitionMove
	var tps []broker.TopicPartition
	for tp := range g.owners {
		tps = append(tps, tp)
	}
	for tp := range next {
		if _, ok := g.owners[tp]; !ok {
			tps = append(tps, tp)
		}
	}
	broker.SortTopicPartitions(tps)
	for _, tp := range tps {
		if g.owners[tp] != next[tp] {
			moved = append(moved, PartitionMove{Partition: tp, From: g.owners[tp], To: next[tp]})
		}
	}
	g.owners = next
	c.emit(g, AssignmentComputed, g.leader, fmt.Sprintf("leader %s assigned %d partitions to %d members with %s; %d changed owner", g.leader, len(next), len(g.members), g.protocol, len(moved)), moved)
	c.setState(g, Stable, fmt.Sprintf("the leader's assignment for generation %d arrived", g.generation))
	for _, id := range g.order {
		m := g.members[id]
		if r := m.syncReply; r != nil {
			m.syncReply = nil
			c.touch(m)
			c.answerSync(g, m, r)
		}
	}
}

// plantAssignmentBugs applies the test hooks' planted assignment bugs
// to the leader's assignment, by member id.
func (g *group) plantAssignmentBugs(h *testhook.Group, byID map[string][]broker.TopicPartition) {
	var with []string // members with partitions, in join order
	for _, id := range g.order {
		if len(byID[id]) > 0 {
			broker.SortTopicPartitions(byID[id])
			with = append(with, id)
		}
	}
	if h.DuplicateOwner && len(with) > 0 {
		if i := slices.Index(g.order, with[0]); i+1 < len(g.order) {
			next := g.order[i+1]
			byID[next] = append(byID[next], byID[with[0]][0])
		}
	}
	if h.DropPartition && len(with) > 0 {
		last := with[len(with)-1]
		byID[last] = byID[last][:len(byID[last])-1]
	}
}

func tpList(tps []broker.TopicPartition) string {
	if len(tps) == 0 {
		return "nothing"
	}
	s := ""
	for i, tp := range tps {
		if i > 0 {
			s += " "
		}
		s += tp.String()
	}
	return s
}
