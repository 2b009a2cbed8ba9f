package sim

import (
	"fmt"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/group"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// joinRetry is how long the consumer waits before retrying a JoinGroup or
// SyncGroup that failed with a retriable error.
const joinRetry = 500 * time.Millisecond

func (c *Consumer) owned() []broker.TopicPartition {
	out := make([]broker.TopicPartition, len(c.parts))
	for i, ps := range c.parts {
		out[i] = ps.tp
	}
	return out
}

// join sends a JoinGroup (librdkafka's join state machine, classic
// protocol). Replies are matched by joinSeq, so a reply to a superseded
// request is ignored.
func (c *Consumer) join() {
	if c.dead() || c.fatal != nil || !c.subscribed || c.maxPollExceeded {
		return
	}
	if c.k848.on {
		c.join848()
		return
	}
	c.joinSeq++
	seq := c.joinSeq
	c.state = stJoining
	c.hbTimer.Stop()
	if !c.net() {
		c.pendJoin = true
		return
	}
	var owned []broker.TopicPartition
	if c.cfg.Cooperative {
		owned = c.owned()
	}
	protos := make([]group.Protocol, len(c.cfg.AssignmentStrategies))
	for i, name := range c.cfg.AssignmentStrategies {
		protos[i] = group.Protocol{Name: name, Subscription: group.Subscription{
			Topics: c.topics, OwnedPartitions: owned, Generation: c.generation}}
	}
	c.metaSnap = c.snapshot()
	c.groupEvent(client.GroupEvent{Kind: client.GroupJoinSent})
	c.cl.coord.Join(group.JoinRequest{
		Group: c.cfg.GroupID, MemberID: c.memberID, InstanceID: c.cfg.InstanceID,
		ClientID: c.cfg.ClientID, ClientHost: "/127.0.0.1",
		SessionTimeout: c.cfg.SessionTimeout, RebalanceTimeout: c.cfg.MaxPollInterval,
		Protocols: protos,
	}, func(r group.JoinResponse) {
		if seq != c.joinSeq || c.dead() || c.fatal != nil {
			return
		}
		c.onJoin(r)
	})
}

func (c *Consumer) retryJoin() {
	seq := c.joinSeq
	c.cl.clk.After(joinRetry, func() {
		if seq == c.joinSeq && !c.dead() {
			c.join()
		}
	})
}

func (c *Consumer) onJoin(r group.JoinResponse) {
	if r.Err != nil {
		code := kerr.CodeOf(r.Err)
		c.groupEvent(client.GroupEvent{Kind: client.GroupJoined, Err: r.Err})
		switch code {
		case kerr.MemberIDRequired:
			c.memberID = r.MemberID
			if c.cfg.Cooperative && len(c.parts) > 0 {
				// A member that must join anew (it was removed: its
				// UNKNOWN_MEMBER_ID keeps the assignment) loses what it
				// still holds before it rejoins, so that its JoinGroup
				// claims none of it: librdkafka's cooperative path
				// (rd_kafka_cgrp_handle_JoinGroup: MEMBER_ID_REQUIRED or
				// ILLEGAL_GENERATION → rd_kafka_cgrp_revoke_all_rejoin,
				// assignment lost).
				c.lose("JoinGroup: MEMBER_ID_REQUIRED", false)
				return
			}
			c.join()
		case kerr.UnknownMemberID:
			c.memberID = ""
			c.join()
		case kerr.FencedInstanceID:
			c.setFatal(code, "JoinGroup")
		case kerr.InconsistentGroupProtocol, kerr.InvalidSessionTimeout, kerr.GroupMaxSizeReached, kerr.InvalidGroupID:
			c.raise(client.NewError(code, fmt.Sprintf("JoinGroup failed: %v", r.Err), false))
			c.state = stInit
			c.retryJoin()
		default:
			c.net()
			c.state = stInit
			c.retryJoin()
		}
		return
	}
	c.memberID, c.generation, c.protocol = r.MemberID, r.Generation, r.Protocol
	leader := r.Leader == c.memberID
	c.groupEvent(client.GroupEvent{Kind: client.GroupJoined, Leader: leader, Members: len(r.Members), Protocol: r.Protocol})
	var assignments []group.MemberAssignment
	if leader {
		var err error
		assignments, err = group.LeaderAssign(c.cl.b, r.Protocol, r.Members)
		if err != nil {
			c.raise(client.NewError(client.ErrFail, fmt.Sprintf("assignor %s failed: %v", r.Protocol, err), false))
		}
	}
	c.state = stSyncing
	seq := c.joinSeq
	c.groupEvent(client.GroupEvent{Kind: client.GroupSyncSent, Leader: leader})
	c.cl.coord.Sync(group.SyncRequest{
		Group: c.cfg.GroupID, MemberID: c.memberID, InstanceID: c.cfg.InstanceID,
		Generation: c.generation, Protocol: c.protocol, Assignments: assignments,
	}, func(sr group.SyncResponse) {
		if seq != c.joinSeq || c.dead() || c.fatal != nil {
			return
		}
		c.onSync(sr)
	})
}

func toClient(tps []broker.TopicPartition) []client.TopicPartition {
	out := make([]client.TopicPartition, len(tps))
	for i, tp := range tps {
		out[i] = client.TopicPartition{Topic: tp.Topic, Partition: tp.Partition, Offset: client.OffsetInvalid}
	}
	return out
}

func (c *Consumer) onSync(sr group.SyncResponse) {
	if sr.Err != nil {
		code := kerr.CodeOf(sr.Err)
		c.groupEvent(client.GroupEvent{Kind: client.GroupSynced, Err: sr.Err})
		switch {
		case code == kerr.RebalanceInProgress:
			c.join()
		case c.fenced(code, "SyncGroup"):
		default:
			c.net()
			c.state = stInit
			c.retryJoin()
		}
		return
	}
	assigned := toClient(sr.Assignment)
	c.groupEvent(client.GroupEvent{Kind: client.GroupSynced, Assignment: assigned, Protocol: c.protocol})
	c.checkTopics()
	c.state = stWaitApp
	c.startHeartbeat()
	if !c.cfg.Cooperative {
		c.pushOp(&rebOp{assign: true, parts: assigned})
		return
	}
	newSet := map[client.PartitionKey]bool{}
	for _, tp := range assigned {
		newSet[tp.Key()] = true
	}
	var added, revoked []client.TopicPartition
	for _, tp := range assigned {
		if c.byKey[tp.Key()] == nil {
			added = append(added, tp)
		}
	}
	for _, ps := range c.parts {
		if !newSet[ps.key()] {
			revoked = append(revoked, client.TopicPartition{Topic: ps.tp.Topic, Partition: ps.tp.Partition, Offset: client.OffsetInvalid})
		}
	}
	if len(revoked) > 0 {
		// KIP-429: give up what moves, then rejoin so the new owner gets it.
		c.pushOp(&rebOp{parts: revoked, incremental: true, after: func() { c.join() }})
	}
	c.pushOp(&rebOp{assign: true, parts: added, incremental: true})
}

func (c *Consumer) pushOp(op *rebOp) {
	if op.assign {
		op.epoch, op.gen = c.assignEpoch, c.generation
	}
	if !op.assign && len(op.parts) == len(c.parts) {
		c.queuedRevoke = op
	}
	c.push(item{op: op})
}

// rejoin starts a rebalance from this side: eager members revoke
// everything first (through Poll), cooperative ones rejoin at once keeping
// their partitions.
func (c *Consumer) rejoin(reason string) {
	if c.dead() || c.fatal != nil || !c.subscribed || c.maxPollExceeded {
		return
	}
	if c.k848.on {
		// No rebalance to start: the next heartbeat says what changed.
		c.resubscribe848()
		return
	}
	if c.state == stJoining || c.state == stSyncing || c.queuedRevoke != nil || c.javaPreparing {
		return
	}
	c.groupEvent(client.GroupEvent{Kind: client.GroupRejoin, Reason: reason})
	if c.java && c.cfg.EnableAutoCommit && len(c.parts) > 0 {
		// The Java client notices the rebalance on its heartbeat thread but
		// prepares for it (onJoinPrepare: a synchronous commit of the
		// positions, then the revoke) inside the app's next poll(), so a
		// message still being processed is not committed. Keep
		// heartbeating meanwhile.
		c.javaPreparing = true
		c.state = stWaitApp
		c.push(item{javaPrepare: true})
		return
	}
	c.hbTimer.Stop()
	c.rejoinNow()
}

// javaPrepareRejoin runs the Java model's onJoinPrepare inside Poll: commit
// the positions synchronously, then revoke and rejoin.
func (c *Consumer) javaPrepareRejoin() {
	c.javaPreparing = false
	if c.dead() || c.fatal != nil || !c.subscribed || c.maxPollExceeded || c.state != stWaitApp {
		// Closed, fenced or lost meanwhile: that path rejoins by itself.
		return
	}
	c.hbTimer.Stop()
	if len(c.parts) > 0 && !c.lost {
		c.commitPositions(client.TriggerRevoke)
	}
	c.rejoinNow()
}

// rejoinNow revokes (eager, through Poll) or keeps (cooperative) the
// assignment and sends JoinGroup.
func (c *Consumer) rejoinNow() {
	if !c.cfg.Cooperative && len(c.parts) > 0 {
		c.state = stWaitApp
		c.startHeartbeat()
		c.pushOp(&rebOp{parts: c.assignedList(), after: func() { c.join() }})
		return
	}
	c.join()
}

// lose handles a lost assignment (fenced commit, heartbeat or sync error,
// max.poll.interval.ms): the partitions are revoked as lost, not committed,
// and the member rejoins after the app has served the revoke.
func (c *Consumer) lose(reason string, forgetID bool) {
	c.assignEpoch++ // assignments still queued are outdated
	if forgetID {
		c.memberID = ""
	}
	c.hbTimer.Stop()
	c.groupEvent(client.GroupEvent{Kind: client.GroupRejoin, Reason: reason})
	rejoin := func() { c.join() }
	if c.maxPollExceeded {
		rejoin = nil
	}
	switch {
	case c.applying != nil:
		c.lost = true
		c.applying.lost = true
		if c.applying.after == nil {
			c.applying.after = rejoin
		}
	case c.queuedRevoke != nil:
		c.queuedRevoke.lost = true
		if c.queuedRevoke.after == nil {
			c.queuedRevoke.after = rejoin
		}
	case len(c.parts) == 0:
		c.state = stInit
		if rejoin != nil {
			rejoin()
		}
	default:
		c.lost = true
		c.state = stInit
		c.pushOp(&rebOp{parts: c.assignedList(), lost: true, incremental: c.cfg.Cooperative, after: rejoin})
	}
}

// --- heartbeats ---

func (c *Consumer) startHeartbeat() {
	if c.k848.on || c.hbTimer.Pending() {
		return
	}
	c.hbTimer = c.cl.clk.After(c.cfg.HeartbeatInterval, c.heartbeat)
}

func (c *Consumer) heartbeat() {
	if c.dead() || c.fatal != nil || c.memberID == "" || (c.state != stSteady && c.state != stWaitApp) {
		return
	}
	c.hbTimer = c.cl.clk.After(c.cfg.HeartbeatInterval, c.heartbeat)
	if !c.net() {
		return
	}
	err := c.cl.coord.Heartbeat(c.cfg.GroupID, c.memberID, c.cfg.InstanceID, c.generation)
	if err == nil {
		return
	}
	code := kerr.CodeOf(err)
	c.groupEvent(client.GroupEvent{Kind: client.GroupHeartbeatFailed, Err: err})
	if code == kerr.RebalanceInProgress {
		if c.state == stSteady {
			c.rejoin("group is rebalancing (heartbeat: REBALANCE_IN_PROGRESS)")
		}
		return
	}
	c.fencedMaybe(code, "heartbeat")
}

// fencedMaybe is fenced for a heartbeat's or an OffsetCommit's error:
// librdkafka ignores ILLEGAL_GENERATION from those while a rebalance is
// under way (rd_kafka_cgrp_revoke_all_rejoin_maybe, rdkafka_cgrp.c), since
// the rebalance brings a new generation anyway. Losing the assignment
// then would revoke partitions the JoinGroup in flight still claims, and
// the next assignment would build on a stale view of who owns what.
// (librdkafka 2.0.2 also forgets its generation id there, so a heartbeat
// after a SyncGroup already answered can fail and lose the assignment
// after all, librdkafka issue #4059, fixed in 2.8.3; that is not
// modelled.) UNKNOWN_MEMBER_ID and FENCED_INSTANCE_ID act as always.
// (librdkafka skips the loss for UNKNOWN_MEMBER_ID too while it
// rebalances, forgetting only the member id; not modelled:
// docs/kafka-semantics.md §4.)
func (c *Consumer) fencedMaybe(code kerr.Code, request string) bool {
	if code == kerr.IllegalGeneration && c.rebalancing() {
		return true
	}
	return c.fenced(code, request)
}

// rebalancing reports whether a rebalance is under way for this member,
// as librdkafka's RD_KAFKA_CGRP_REBALANCING (rdkafka_cgrp.c) says: a
// JoinGroup in flight with a member id, a SyncGroup in flight, rebalance
// steps queued for the app or being applied (WAIT_ASSIGN_CALL,
// WAIT_UNASSIGN_CALL), or the Java model's rejoin pending.
func (c *Consumer) rebalancing() bool {
	switch {
	case c.state == stJoining:
		return c.memberID != ""
	case c.state == stSyncing, c.state == stWaitApp:
		return true
	}
	return c.applying != nil || c.queuedRevoke != nil || c.javaPreparing
}

// fenced applies librdkafka's reaction to the coordinator fencing this
// member (docs/kafka-semantics.md §4), whichever request (heartbeat,
// SyncGroup, OffsetCommit) learnt it: ILLEGAL_GENERATION loses the
// assignment and rejoins; UNKNOWN_MEMBER_ID also forgets the member id;
// FENCED_INSTANCE_ID is fatal. It reports whether code was one of those.
func (c *Consumer) fenced(code kerr.Code, request string) bool {
	switch code {
	case kerr.IllegalGeneration:
		c.lose(request+": ILLEGAL_GENERATION", false)
	case kerr.UnknownMemberID:
		c.lose(request+": UNKNOWN_MEMBER_ID", true)
	case kerr.FencedInstanceID:
		c.setFatal(code, request)
	default:
		return false
	}
	return true
}

// --- max.poll.interval.ms ---

// armMaxPoll starts the max.poll.interval.ms timer unless it is pending.
// It runs after every poll: mpArmed, not mpTimer.Pending, tells (a field
// load instead of a call into the clock).
func (c *Consumer) armMaxPoll() {
	if c.mpArmed || !c.subscribed || c.maxPollExceeded {
		return
	}
	c.mpTimer, c.mpArmed = c.cl.clk.After(c.maxPollLeft(), c.maxPollCheck), true
}

// maxPollLeft is how long until max.poll.interval.ms after the last poll
// (negative once past).
func (c *Consumer) maxPollLeft() time.Duration {
	return time.Duration(c.lastPollNs-c.cl.clk.UnixNano()) + c.cfg.MaxPollInterval
}

func (c *Consumer) maxPollCheck() {
	c.mpArmed = false // (fired)
	if c.dead() || c.fatal != nil || !c.subscribed || c.inPoll || c.maxPollExceeded {
		return
	}
	if left := c.maxPollLeft(); left > 0 {
		c.mpTimer, c.mpArmed = c.cl.clk.After(left, c.maxPollCheck), true
		return
	}
	// librdkafka: _MAX_POLL_EXCEEDED queued, leave group (dynamic members),
	// assignment lost; rejoin when the app polls again.
	over := -c.maxPollLeft()
	client.Each(c.hooks, func(h client.HookMaxPollExceeded) {
		h.OnMaxPollExceeded(client.MaxPollExceeded{Info: c.info(), LastPoll: time.Unix(0, c.lastPollNs).UTC(), Interval: c.cfg.MaxPollInterval})
	})
	c.raise(client.NewError(client.ErrMaxPollExceeded, fmt.Sprintf(
		"Application maximum poll interval (%dms) exceeded by %dms", c.cfg.MaxPollInterval.Milliseconds(), over.Milliseconds()), false))
	c.maxPollExceeded = true
	c.hbTimer.Stop()
	c.joinSeq++ // a join in flight is abandoned
	if c.k848.on {
		// librdkafka leaves with epoch -1, or -2 for a static member
		// (rd_kafka_cgrp_consumer_leave), keeping its member id.
		c.leave848("max.poll.interval.ms exceeded")
	} else {
		c.leaveClassic("max.poll.interval.ms exceeded")
	}
	c.lose("max.poll.interval.ms exceeded", false)
	c.state = stInit
}
