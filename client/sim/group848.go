package sim

// The consumer group protocol of KIP-848 (group.protocol=consumer) as
// librdkafka drives it (2.10 and later, src/rdkafka_cgrp.c:
// rd_kafka_cgrp_consumer_serve, rd_kafka_cgrp_consumer_group_heartbeat,
// rd_kafka_cgrp_handle_ConsumerGroupHeartbeat,
// rd_kafka_cgrp_consumer_assignment_done). The member has no JoinGroup
// or SyncGroup: one ConsumerGroupHeartbeat (group.Coordinator.
// ConsumerHeartbeat) joins, keeps the session, reports what it owns and
// brings back its epoch and, when it changed, its assignment.
//
// What the app sees is a cooperative rebalance: when a heartbeat brings
// an assignment that differs from the one the member is at, the
// partitions it no longer has are revoked (the rebalance callback, then
// the auto-commit of their stored offsets) and then the new ones are
// assigned (always, even none), both served by Poll; once the app has
// applied them, a heartbeat is sent at once with what the member owns
// now (the acknowledgement), and only then is a newer assignment
// reconciled. Partitions another member still has come in a later
// heartbeat: the coordinator holds them back until their owner has
// acknowledged giving them up.
//
// Modelled: a member id the client makes up (a random UUID, as
// librdkafka since 2.10 and KIP-1082) and keeps across rejoins; the
// heartbeat interval the broker sends; full requests on a join and after
// an error or a reconnect, keepalives otherwise; the acknowledgement
// heartbeat; FENCED_MEMBER_EPOCH and UNKNOWN_MEMBER_ID (the partitions
// are lost, the member rejoins with epoch 0 and the same id); fatal
// errors (UNRELEASED_INSTANCE_ID, UNSUPPORTED_ASSIGNOR, INVALID_REQUEST,
// GROUP_MAX_SIZE_REACHED, FENCED_INSTANCE_ID); leaving with epoch -1, or
// -2 for a static member, on close, unsubscribe and when
// max.poll.interval.ms runs out (the partitions are lost and the member
// rejoins, with the same id, when the app polls again); commits carry
// the member epoch, and a commit refused with STALE_MEMBER_EPOCH or
// UNKNOWN_MEMBER_ID makes the member heartbeat at once (an automatic
// commit is then sent again, once, with the new epoch; librdkafka retries
// it until session.timeout.ms). Not modelled: regular-expression
// subscriptions, racks, the metadata lookup of assigned topic ids.

import (
	"encoding/base64"
	"fmt"
	"slices"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/group"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// member848 is a consumer's state in the consumer group protocol.
type member848 struct {
	on bool
	// interval is the broker's heartbeat interval, from the last
	// response (0 before the first).
	interval time.Duration
	// joined: a join was answered; heartbeats carry the member epoch.
	joined bool
	// full: the next heartbeat is a full request (joins, and after an
	// error or a reconnect).
	full bool
	// newSub: the next heartbeat carries the (changed) subscription.
	newSub bool
	// waitAck: a target assignment is being reconciled (target); once
	// the app applied it, heartbeats carry it as owned until one is
	// answered (librdkafka's WAIT_ACK).
	waitAck bool
	target  []broker.TopicPartition
	// next is an assignment received while reconciling another.
	next    []broker.TopicPartition
	hasNext bool
	// current is the last acknowledged assignment.
	current []broker.TopicPartition
	// lastErr is the last heartbeat error reported to the app.
	lastErr kerr.Code
	// leaving: close or unsubscribe is under way; no heartbeat goes out
	// before the leave.
	leaving bool
}

// newMemberID848 draws the member id a consumer of the consumer group
// protocol makes up for itself: a random UUID in Kafka's text form (16
// bytes, unpadded URL-safe base64), as librdkafka does since 2.10.
func (cl *Cluster) newMemberID848() string {
	var b [16]byte
	r := cl.clk.Rand()
	a, d := r.Uint64(), r.Uint64()
	for i := range 8 {
		b[i], b[8+i] = byte(a>>(56-8*i)), byte(d>>(56-8*i))
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// join848 joins (or rejoins) with member epoch 0 and a full request.
func (c *Consumer) join848() {
	c.joinSeq++
	c.hbTimer.Stop()
	c.resetMember848()
	c.state = stInit
	if !c.net() {
		c.pendJoin = true
		return
	}
	c.groupEvent(client.GroupEvent{Kind: client.GroupJoinSent, Protocol: client.GroupProtocolConsumer})
	c.heartbeat848()
}

// resetMember848 forgets the assignment being reconciled and the epoch
// (librdkafka's rd_kafka_cgrp_consumer_reset).
func (c *Consumer) resetMember848() {
	k := &c.k848
	k.joined, k.full, k.newSub, k.leaving = false, true, false, false
	k.waitAck, k.target, k.next, k.hasNext, k.current = false, nil, nil, false, nil
	c.generation = 0
}

// heartbeat848Tick is the heartbeat timer.
func (c *Consumer) heartbeat848Tick() {
	if c.dead() || c.fatal != nil || !c.subscribed || c.maxPollExceeded || c.k848.leaving {
		return
	}
	if !c.k848.joined {
		// A join that failed is retried.
		c.join848()
		return
	}
	c.heartbeat848()
}

// heartbeat848 sends a ConsumerGroupHeartbeat now and handles the
// answer; the next one is due an interval later.
func (c *Consumer) heartbeat848() {
	k := &c.k848
	c.hbTimer.Stop()
	every := k.interval
	if every <= 0 {
		every = joinRetry
	}
	c.hbTimer = c.cl.clk.After(every, c.heartbeat848Tick)
	if !c.net() {
		k.full = true
		return
	}
	req := group.ConsumerHeartbeatRequest{Group: c.cfg.GroupID, MemberID: c.memberID, MemberEpoch: c.generation,
		InstanceID: c.cfg.InstanceID, ClientID: c.cfg.ClientID, ClientHost: "/127.0.0.1"}
	if !k.joined {
		req.MemberEpoch = group.JoinEpoch
	}
	sendingAck := c.state == stSteady && k.waitAck
	switch {
	case sendingAck:
		req.Owned = slices.Clone(k.target)
		if req.Owned == nil {
			req.Owned = []broker.TopicPartition{}
		}
	case k.full || !k.joined:
		// The last acknowledged assignment (librdkafka's
		// rkcg_current_assignment), not what the app holds while a
		// reconciliation is under way: a revocation is confirmed only by
		// the acknowledgement, after its commit.
		req.Owned = slices.Clone(k.current)
		if req.Owned == nil {
			req.Owned = []broker.TopicPartition{}
		}
	}
	if k.full || !k.joined {
		req.RebalanceTimeout = c.cfg.MaxPollInterval
		req.SubscribedTopics = slices.Clone(c.topics)
		req.ServerAssignor = c.cfg.RemoteAssignor
		if !k.joined {
			req.Owned = []broker.TopicPartition{}
		}
	}
	if k.newSub {
		req.SubscribedTopics = slices.Clone(c.topics)
	}
	resp := c.cl.coord.ConsumerHeartbeat(req)
	if resp.Err != nil {
		c.heartbeat848Failed(resp.Err)
		return
	}
	first := !k.joined
	k.joined, k.full, k.newSub, k.lastErr = true, false, false, 0
	c.memberID, c.generation = resp.MemberID, resp.MemberEpoch
	if resp.HeartbeatInterval > 0 && resp.HeartbeatInterval != k.interval {
		k.interval = resp.HeartbeatInterval
		c.hbTimer.Stop()
		c.hbTimer = c.cl.clk.After(k.interval, c.heartbeat848Tick)
	}
	if first {
		c.groupEvent(client.GroupEvent{Kind: client.GroupJoined, Protocol: client.GroupProtocolConsumer})
		if c.state == stInit {
			c.state = stSteady
		}
	}
	if resp.HasAssignment {
		was := k.current
		if k.target != nil || k.waitAck {
			was = k.target
		}
		k.next, k.hasNext = nil, false
		if !slices.Equal(resp.Assignment, was) {
			k.next, k.hasNext = resp.Assignment, true
		}
	}
	if sendingAck {
		k.current, k.target, k.waitAck = k.target, nil, false
	}
	c.reconcile848()
}

// heartbeat848Failed reacts to a heartbeat error as librdkafka does.
func (c *Consumer) heartbeat848Failed(err error) {
	k := &c.k848
	code := kerr.CodeOf(err)
	c.groupEvent(client.GroupEvent{Kind: client.GroupHeartbeatFailed, Err: err})
	switch code {
	case kerr.CoordinatorNotAvailable:
		// Retried at the next heartbeat, as a full request.
		c.net()
		k.full = true
	case kerr.UnknownMemberID, kerr.FencedMemberEpoch:
		// The assignment is lost; rejoin with epoch 0 and the same id
		// once the app has served the loss.
		c.resetMember848()
		c.lose("ConsumerGroupHeartbeat: "+code.String(), false)
	case kerr.UnreleasedInstanceID, kerr.UnsupportedAssignor, kerr.InvalidRequest, kerr.GroupMaxSizeReached, kerr.FencedInstanceID:
		c.setFatal(code, "ConsumerGroupHeartbeat")
		c.assignEpoch++
		if len(c.parts) > 0 {
			c.lost = true
			c.pushOp(&rebOp{parts: c.assignedList(), lost: true, incremental: true})
		}
	default:
		// Not an error librdkafka acts on (GROUP_ID_NOT_FOUND: the id
		// belongs to a classic group with members, which Kafka would
		// convert and kafkasim does not): told to the app once, retried.
		if code != k.lastErr {
			k.lastErr = code
			c.raise(client.NewError(code, fmt.Sprintf("ConsumerGroupHeartbeat failed: %v", err), false))
		}
		k.full = true
	}
}

// reconcile848 starts reconciling a new assignment when the member is
// not busy with another: revoke what it no longer has, then assign what
// is new (rd_kafka_cgrp_consumer_handle_next_assignment and
// rd_kafka_cgrp_handle_assignment_cooperative).
func (c *Consumer) reconcile848() {
	k := &c.k848
	if !k.hasNext || k.waitAck || (c.state != stInit && c.state != stSteady) {
		return
	}
	target := k.next
	k.next, k.hasNext = nil, false
	k.target, k.waitAck = target, true
	if target == nil {
		k.target = []broker.TopicPartition{}
	}
	keep := make(map[broker.TopicPartition]bool, len(target))
	for _, tp := range target {
		keep[tp] = true
	}
	var added, revoked []client.TopicPartition
	for _, tp := range target {
		if c.byKey[client.PartitionKey{Topic: tp.Topic, Partition: tp.Partition}] == nil {
			added = append(added, client.TopicPartition{Topic: tp.Topic, Partition: tp.Partition, Offset: client.OffsetInvalid})
		}
	}
	for _, ps := range c.parts {
		if !keep[ps.tp] {
			revoked = append(revoked, client.TopicPartition{Topic: ps.tp.Topic, Partition: ps.tp.Partition, Offset: client.OffsetInvalid})
		}
	}
	c.state = stWaitApp
	if len(revoked) > 0 {
		c.pushOp(&rebOp{parts: revoked, incremental: true, javaCommit: c.java})
	}
	c.pushOp(&rebOp{assign: true, parts: added, incremental: true, after: c.assignmentDone848})
}

// assignmentDone848 runs once the app applied the assignment: the
// acknowledgement goes out at once (librdkafka expedites the heartbeat).
func (c *Consumer) assignmentDone848() {
	if c.dead() || c.fatal != nil || !c.subscribed || c.maxPollExceeded || c.k848.leaving || !c.k848.waitAck {
		return
	}
	if c.state == stWaitApp {
		c.state = stSteady
	}
	c.heartbeat848()
}

// leave848 leaves the group: member epoch -1, or -2 for a static member
// (rd_kafka_cgrp_consumer_leave), if the member has joined.
func (c *Consumer) leave848(reason string) {
	k := &c.k848
	if !k.joined || c.memberID == "" || !c.net() {
		c.resetMember848()
		return
	}
	epoch := group.LeaveEpoch
	if c.cfg.InstanceID != "" {
		epoch = group.LeaveStaticEpoch
	}
	c.leaveReported(reason, func() error {
		return c.cl.coord.ConsumerHeartbeat(group.ConsumerHeartbeatRequest{Group: c.cfg.GroupID, MemberID: c.memberID,
			MemberEpoch: epoch, InstanceID: c.cfg.InstanceID}).Err
	})
	c.resetMember848()
}

// resubscribe848 sends a changed subscription at once.
func (c *Consumer) resubscribe848() {
	if !c.k848.joined {
		return // the join carries it
	}
	c.k848.newSub = true
	c.heartbeat848()
}

// commitFailed848 is librdkafka's reaction to a commit error under the
// consumer protocol: UNKNOWN_MEMBER_ID and STALE_MEMBER_EPOCH make the
// member heartbeat at once (which learns whether it was fenced); the
// assignment is not given up on the commit's word.
func (c *Consumer) commitFailed848(code kerr.Code) {
	switch code {
	case kerr.UnknownMemberID, kerr.StaleMemberEpoch:
		if c.k848.joined && !c.maxPollExceeded && !c.k848.leaving {
			c.heartbeat848()
		}
	}
}
