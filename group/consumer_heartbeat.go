package group

// ConsumerGroupHeartbeat (API key 68, KIP-848), as Kafka's
// GroupMetadataManager.consumerGroupHeartbeat. One request does what
// JoinGroup, SyncGroup and Heartbeat do in the classic protocol: it joins
// (epoch 0), keeps the session, reports what the member owns, and carries
// back the member's epoch and, when it changed, its assignment. Leaving
// (epoch -1 and -2) is in consumer_leave.go.
//
// Modelled: request validation (INVALID_REQUEST, UNSUPPORTED_ASSIGNOR),
// the group found or created (GROUP_ID_NOT_FOUND for a classic group with
// members), group.consumer.max.size, member epoch fencing (a heartbeat
// with the previous epoch is accepted when what it owns is a subset of
// its assignment, a lost response; a rejoin with epoch 0 is accepted from
// a member the coordinator still has, as Kafka does since KAFKA-19233),
// static members (UNRELEASED_INSTANCE_ID while the instance is in use,
// FENCED_INSTANCE_ID for another member id, replacement of a member that
// left with epoch -2), the group epoch bump on a subscription change or a
// change in the subscribed topics' partitions, the target assignment, the
// member's reconciliation, the session timeout and the rebalance timeout,
// and when the assignment is sent back. Not modelled: member ids checked
// against the protocol version (an empty id on a join is filled in, as
// the first version of the API did), regular expressions, racks.

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/group/assign"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// ConsumerHeartbeat handles a ConsumerGroupHeartbeat request and answers
// at once. See ConsumerHeartbeatRequest for the fields and
// ConsumerHeartbeatResponse for the errors. While the broker is down the
// error wraps kerr.CoordinatorNotAvailable and broker.ErrUnavailable.
func (c *Coordinator) ConsumerHeartbeat(req ConsumerHeartbeatRequest) ConsumerHeartbeatResponse {
	if !c.consumerUp() {
		return ConsumerHeartbeatResponse{Err: unavailable("consumer heartbeat", req.Group)}
	}
	if err := validateConsumerHeartbeat(req); err != nil {
		return ConsumerHeartbeatResponse{Err: err}
	}
	if req.MemberEpoch == LeaveEpoch || req.MemberEpoch == LeaveStaticEpoch {
		return c.consumerLeave(req)
	}
	resp, err := c.consumerHeartbeat(req)
	if err != nil {
		return ConsumerHeartbeatResponse{Err: err}
	}
	return resp
}

// validateConsumerHeartbeat is Kafka's
// throwIfConsumerGroupHeartbeatRequestIsInvalid.
func validateConsumerHeartbeat(req ConsumerHeartbeatRequest) error {
	bad := func(format string, args ...any) error {
		return errf(kerr.InvalidRequest, "consumer heartbeat", req.Group, format, args...)
	}
	if strings.TrimSpace(req.Group) == "" {
		return bad("empty group id")
	}
	switch e := req.MemberEpoch; {
	case e > 0 || e == LeaveEpoch:
		if strings.TrimSpace(req.MemberID) == "" {
			return bad("member epoch %d without a member id", e)
		}
	case e == JoinEpoch:
		if req.RebalanceTimeout <= 0 {
			return bad("a join must give its rebalance timeout (max.poll.interval.ms)")
		}
		if req.Owned == nil || len(req.Owned) > 0 {
			return bad("a join must report that it owns no partitions (an empty, non-nil Owned)")
		}
		if len(req.SubscribedTopics) == 0 {
			return bad("a join must subscribe to some topic")
		}
	case e == LeaveStaticEpoch:
		if strings.TrimSpace(req.MemberID) == "" {
			return bad("member epoch %d without a member id", e)
		}
		if req.InstanceID == "" {
			return bad("member epoch -2 is a static member's leave and needs its group.instance.id")
		}
	default:
		return bad("member epoch %d is not valid", e)
	}
	if req.ServerAssignor != "" {
		if _, err := assign.ServerByName(req.ServerAssignor); err != nil {
			return errf(kerr.UnsupportedAssignor, "consumer heartbeat", req.Group, "server assignor %q is not supported (supported: %s)",
				req.ServerAssignor, strings.Join(assign.ServerAssignorNames(), ", "))
		}
	}
	return nil
}

// consumerHeartbeat handles a join (epoch 0) or a heartbeat (epoch > 0).
func (c *Coordinator) consumerHeartbeat(req ConsumerHeartbeatRequest) (ConsumerHeartbeatResponse, error) {
	const op = "consumer heartbeat"
	join := req.MemberEpoch == JoinEpoch
	cg, err := c.consumerGroup(req.Group, join)
	if err != nil {
		return ConsumerHeartbeatResponse{}, err
	}
	if max := c.cfg.ConsumerMaxSize; max > 0 && len(cg.members) >= max && (req.MemberID == "" || cg.members[req.MemberID] == nil) {
		return ConsumerHeartbeatResponse{}, errf(kerr.GroupMaxSizeReached, op, cg.id, "group.consumer.max.size %d reached", max)
	}
	id := req.MemberID
	if id == "" {
		id = c.newMemberID()
	}

	m, isNew, replaced, err := c.findConsumerMember(cg, id, req)
	if err != nil {
		return ConsumerHeartbeatResponse{}, err
	}
	beforeAssigned := slices.Clone(m.assigned)

	// 1. Update the member; a new subscription bumps the group epoch.
	prevTopics := m.topics
	if req.RebalanceTimeout > 0 {
		m.rebalance = req.RebalanceTimeout
	}
	if req.ServerAssignor != "" {
		m.assignor = req.ServerAssignor
	}
	if req.SubscribedTopics != nil {
		m.topics = sortedUnique(req.SubscribedTopics)
	}
	if req.InstanceID != "" && m.instanceID != req.InstanceID {
		m.instanceID = req.InstanceID
		if !isNew {
			cg.static[m.instanceID] = m.id // a member that became static
		}
	}
	if req.ClientID != "" {
		m.clientID = req.ClientID
	}
	if req.ClientHost != "" {
		m.clientHost = req.ClientHost
	}
	subscriptionChanged := !slices.Equal(prevTopics, m.topics)
	switch {
	case isNew:
		cg.add(m)
		kind := "dynamic"
		if m.instanceID != "" {
			kind = "static (group.instance.id " + m.instanceID + ")"
		}
		c.emitConsumer(cg, MemberJoined, m.id, fmt.Sprintf("%s joined as a %s member subscribed to %s", m.id, kind, strings.Join(m.topics, ",")), nil)
	case join && replaced == "":
		c.emitConsumer(cg, MemberRejoined, m.id, fmt.Sprintf("%s rejoined with epoch 0 and keeps its place (epoch %d)", m.id, m.epoch), nil)
	}

	var why []string
	if subscriptionChanged {
		if isNew {
			why = append(why, m.id+" joined")
		} else {
			why = append(why, fmt.Sprintf("%s now subscribes to %s", m.id, strings.Join(m.topics, ",")))
		}
	}
	if meta := c.subscriptionMeta(cg); !maps.Equal(meta, cg.meta) {
		cg.meta = meta
		if !subscriptionChanged {
			why = append(why, "the subscribed topics or their partitions changed")
		}
	}
	if len(why) > 0 {
		c.bump(cg, strings.Join(why, "; "))
	}

	// 2. A new target assignment when the group epoch moved past it.
	if cg.epoch > cg.assignmentEpoch {
		c.computeTarget(cg)
	}

	// 3. The member's step towards its target.
	if subscriptionChanged || !m.reconciled(cg.assignmentEpoch) {
		c.reconcileMember(cg, m, req.Owned, subscriptionChanged)
	}
	if replaced != "" {
		c.emitConsumer(cg, StaticRejoined, m.id, fmt.Sprintf("static instance %s is back as %s with its %d partitions", m.instanceID, m.id, len(m.assigned)), nil)
	}
	c.touchConsumer(m)
	c.updateConsumerState(cg, c.stateCause(cg))

	resp := ConsumerHeartbeatResponse{MemberID: m.id, MemberEpoch: m.epoch, HeartbeatInterval: c.cfg.ConsumerHeartbeatInterval}
	full := join || (req.RebalanceTimeout > 0 && req.SubscribedTopics != nil && req.Owned != nil)
	if full || !slices.Equal(beforeAssigned, m.assigned) {
		resp.HasAssignment = true
		resp.Assignment = slices.Clone(m.assigned)
	}
	return resp, nil
}

// findConsumerMember finds or makes the member a heartbeat is for (Kafka's
// getOrMaybeSubscribe{Dynamic,Static}ConsumerGroupMember). It reports
// whether the member is new (not yet in the group) and, when a static
// member replaced an earlier one, the earlier member id.
func (c *Coordinator) findConsumerMember(cg *cgroup, id string, req ConsumerHeartbeatRequest) (m *cmember, isNew bool, replaced string, err error) {
	const op = "consumer heartbeat"
	join := req.MemberEpoch == JoinEpoch
	if req.InstanceID == "" {
		if m = cg.members[id]; m == nil {
			if !join {
				return nil, false, "", errf(kerr.UnknownMemberID, op, cg.id, "member %s is not in the group", id)
			}
			return c.newConsumerMember(cg, id), true, "", nil
		}
		return m, false, "", checkMemberEpoch(cg, m, req)
	}
	existing := cg.members[cg.static[req.InstanceID]]
	if join {
		if existing == nil {
			if m = cg.members[id]; m != nil {
				return m, false, "", nil
			}
			return c.newConsumerMember(cg, id), true, "", nil
		}
		if existing.epoch != LeaveStaticEpoch {
			return nil, false, "", errf(kerr.UnreleasedInstanceID, op, cg.id, "group.instance.id %s is still in use by member %s (epoch %d)", req.InstanceID, existing.id, existing.epoch)
		}
		return c.replaceStaticMember(cg, existing, id), false, existing.id, nil
	}
	if existing == nil {
		return nil, false, "", errf(kerr.UnknownMemberID, op, cg.id, "no member has group.instance.id %s", req.InstanceID)
	}
	if existing.id != id {
		return nil, false, "", errf(kerr.FencedInstanceID, op, cg.id, "group.instance.id %s belongs to member %s, not %s", req.InstanceID, existing.id, id)
	}
	return existing, false, "", checkMemberEpoch(cg, existing, req)
}

// checkMemberEpoch is Kafka's throwIfConsumerGroupMemberEpochIsInvalid:
// a member ahead of the coordinator, or behind it other than by one lost
// response, is fenced. Epoch 0 is a rejoin and always accepted.
func checkMemberEpoch(cg *cgroup, m *cmember, req ConsumerHeartbeatRequest) error {
	e := req.MemberEpoch
	switch {
	case e == JoinEpoch:
		return nil
	case e > m.epoch:
		return errf(kerr.FencedMemberEpoch, "consumer heartbeat", cg.id, "member %s sent epoch %d, ahead of its epoch %d; it must give up its partitions and rejoin", m.id, e, m.epoch)
	case e < m.epoch && (e != m.prevEpoch || req.Owned == nil || !subsetOf(req.Owned, m.assigned)):
		return errf(kerr.FencedMemberEpoch, "consumer heartbeat", cg.id, "member %s sent epoch %d, behind its epoch %d; it must give up its partitions and rejoin", m.id, e, m.epoch)
	}
	return nil
}

// reconcileMember runs one reconciliation step for m and applies it: the
// owner map, the timeline, and the rebalance timeout (running while the
// member has partitions to revoke).
func (c *Coordinator) reconcileMember(cg *cgroup, m *cmember, owned []broker.TopicPartition, subscriptionChanged bool) {
	none := true
	for _, t := range m.topics {
		if c.subscribed(m, t) {
			none = false
			break
		}
	}
	next := reconcile(m.recon, reconcileInput{
		targetEpoch:         cg.assignmentEpoch,
		target:              cg.target[m.id],
		subscribed:          func(topic string) bool { return c.subscribed(m, topic) },
		noSubscription:      none,
		held:                func(tp broker.TopicPartition) bool { _, ok := cg.ownerOf(tp); return ok },
		owned:               owned,
		subscriptionChanged: subscriptionChanged,
	})
	if sameRecon(next, m.recon) {
		return
	}
	prev := m.recon
	cg.disown(m)
	m.recon = next
	cg.own(m)
	c.emitConsumer(cg, MemberReconciled, m.id, describeStep(m.id, prev, next, cg.assignmentEpoch), nil)
	if next.state == memberUnrevoked {
		c.armRevokeTimer(m)
	} else {
		m.revokeTimer.Stop()
	}
}

// describeStep says in plain words what a reconciliation step did.
func describeStep(id string, prev, next recon, targetEpoch int32) string {
	var b strings.Builder
	if prev.epoch != next.epoch {
		fmt.Fprintf(&b, "%s epoch %d → %d", id, prev.epoch, next.epoch)
	} else {
		fmt.Fprintf(&b, "%s stays at epoch %d", id, next.epoch)
	}
	if got := assign.Added(prev.assigned, next.assigned); len(got) > 0 {
		fmt.Fprintf(&b, "; takes %s", tpList(got))
	}
	switch next.state {
	case memberUnrevoked:
		fmt.Fprintf(&b, "; must revoke %s before moving to epoch %d", tpList(next.pending), targetEpoch)
	case memberUnreleased:
		b.WriteString("; waits for partitions other members still own")
	default:
		if lost := assign.Revoked(prev.assigned, next.assigned); len(lost) > 0 {
			fmt.Fprintf(&b, "; gives up %s", tpList(lost))
		}
	}
	return b.String()
}

// stateCause explains the group state in plain words.
func (c *Coordinator) stateCause(cg *cgroup) string {
	switch {
	case len(cg.members) == 0:
		return "no members left"
	case cg.epoch > cg.assignmentEpoch:
		return fmt.Sprintf("group epoch %d has no target assignment yet", cg.epoch)
	}
	for _, id := range cg.order {
		if m := cg.members[id]; !m.reconciled(cg.assignmentEpoch) {
			return fmt.Sprintf("%s is at epoch %d (%s), the target at %d", m.id, m.epoch, m.state, cg.assignmentEpoch)
		}
	}
	return fmt.Sprintf("every member reached the target assignment of epoch %d", cg.assignmentEpoch)
}

func sameRecon(a, b recon) bool {
	return a.state == b.state && a.epoch == b.epoch && a.prevEpoch == b.prevEpoch &&
		slices.Equal(a.assigned, b.assigned) && slices.Equal(a.pending, b.pending)
}

// subsetOf reports whether every partition of a is in b.
func subsetOf(a, b []broker.TopicPartition) bool {
	for _, tp := range a {
		if !slices.Contains(b, tp) {
			return false
		}
	}
	return true
}

func sortedUnique(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return slices.Compact(out)
}
