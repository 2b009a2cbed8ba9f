package sim

import (
	"slices"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/internal/consumerstate"
	"github.com/kafkasim/kafkasim/group"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// storedAhead lists the stored offsets (of parts, or of the whole
// assignment when parts is nil) that are ahead of the committed ones. In
// the Java model the stored offset is the position.
func (c *Consumer) storedAhead(parts []client.TopicPartition) []client.TopicPartition {
	var out []client.TopicPartition
	add := func(ps *partState) {
		off := ps.stored
		if c.java {
			off = ps.pos
		}
		if off >= 0 && off > ps.committed {
			out = append(out, client.TopicPartition{Topic: ps.tp.Topic, Partition: ps.tp.Partition, Offset: off, Metadata: ps.storedMD})
		}
	}
	if parts == nil {
		for _, ps := range c.parts {
			add(ps)
		}
		return out
	}
	for _, tp := range parts {
		if ps := c.byKey[tp.Key()]; ps != nil {
			add(ps)
		}
	}
	return out
}

// storedValid lists the stored offsets of parts that are set, whether or
// not they are ahead of the committed ones: what librdkafka commits for
// partitions leaving the assignment.
func (c *Consumer) storedValid(parts []client.TopicPartition) []client.TopicPartition {
	var out []client.TopicPartition
	for _, tp := range parts {
		if ps := c.byKey[tp.Key()]; ps != nil && ps.stored >= 0 {
			out = append(out, client.TopicPartition{Topic: ps.tp.Topic, Partition: ps.tp.Partition, Offset: ps.stored, Metadata: ps.storedMD})
		}
	}
	return out
}

// commitStored commits stored offsets ahead of the committed ones.
// silentEmpty: nothing to commit is not reported (auto-commit).
func (c *Consumer) commitStored(parts []client.TopicPartition, trig client.CommitTrigger, async, silentEmpty bool) ([]client.TopicPartition, error) {
	offs := c.storedAhead(parts)
	if len(offs) == 0 && silentEmpty {
		return nil, nil
	}
	return c.commit(offs, trig, async, false)
}

// positions lists the position of every assigned partition that has one:
// what the Java model commits.
func (c *Consumer) positions() []client.TopicPartition {
	var offs []client.TopicPartition
	for _, ps := range c.parts {
		if ps.pos >= 0 {
			offs = append(offs, client.TopicPartition{Topic: ps.tp.Topic, Partition: ps.tp.Partition, Offset: ps.pos})
		}
	}
	return offs
}

// commitPositions is the Java model's commit: the position of every
// assigned partition, changed or not, synchronously.
func (c *Consumer) commitPositions(trig client.CommitTrigger) {
	if offs := c.positions(); len(offs) > 0 {
		_, _ = c.commit(offs, trig, false, true)
	}
}

// javaPollCommit is the Java client's auto-commit inside poll(): once the
// interval has passed, commit the positions reached by earlier polls
// (asynchronously in Java; answered at once here).
func (c *Consumer) javaPollCommit() {
	if !c.cfg.EnableAutoCommit || c.cfg.AutoCommitInterval <= 0 || c.fatal != nil || c.lost {
		return
	}
	now := c.cl.clk.Now()
	if now.Before(c.javaNext) || (c.subscribed && c.state != stSteady) {
		return
	}
	c.javaNext = now.Add(c.cfg.AutoCommitInterval)
	if offs := c.positions(); len(offs) > 0 {
		_, _ = c.commit(offs, client.TriggerJavaPoll, true, true)
	}
}

// startAutoCommit starts librdkafka's auto-commit timer. librdkafka starts
// it when the consumer is created (rd_kafka_cgrp_new in rdkafka_cgrp.c),
// so its ticks fall every auto.commit.interval.ms counted from creation,
// not from the first assignment.
func (c *Consumer) startAutoCommit() {
	if c.java || !c.cfg.EnableAutoCommit || c.cfg.AutoCommitInterval <= 0 || c.acTimer.Pending() || c.closed {
		return
	}
	c.acTimer = c.cl.clk.After(c.cfg.AutoCommitInterval, c.autoCommitTick)
}

// autoCommitTick is librdkafka's auto-commit timer: commit the stored
// offsets ahead of the committed ones, whether or not the app polls;
// skipped while rebalancing or when the assignment is lost.
func (c *Consumer) autoCommitTick() {
	if c.closed || c.fatal != nil {
		return
	}
	c.acTimer = c.cl.clk.After(c.cfg.AutoCommitInterval, c.autoCommitTick)
	if c.lost || (c.subscribed && c.state != stSteady) || len(c.parts) == 0 {
		return
	}
	_, _ = c.commitStored(nil, client.TriggerAutoTimer, true, true)
}

func (c *Consumer) sendCommit(offs []client.TopicPartition) error {
	req := group.CommitRequest{Group: c.cfg.GroupID, Generation: -1}
	if c.subscribed {
		req.MemberID, req.InstanceID, req.Generation = c.memberID, c.cfg.InstanceID, c.generation
	}
	// The coordinator answers at once and keeps nothing of the request, so
	// one buffer serves every commit.
	req.Offsets = slices.Grow(c.commitBuf[:0], len(offs))[:len(offs)]
	c.commitBuf = req.Offsets
	for i := range offs {
		tp, o := &offs[i], &req.Offsets[i]
		md := ""
		if tp.Metadata != nil {
			md = *tp.Metadata
		}
		// Field by field, the strings only when they changed (see commit).
		if o.Topic != tp.Topic {
			o.Topic = tp.Topic
		}
		if o.Metadata != md {
			o.Metadata = md
		}
		o.Partition, o.Offset = tp.Partition, int64(tp.Offset)
	}
	return c.cl.coord.CommitOffsets(req)
}

// commit sends an OffsetCommit. Synchronous commits wait (running the
// loop, up to session.timeout.ms) for a down broker; asynchronous ones are
// held and sent when it is back, or given up after session.timeout.ms. noEvent suppresses the OffsetsCommitted
// event of an asynchronous commit (Java-model auto-commit).
func (c *Consumer) commit(offs []client.TopicPartition, trig client.CommitTrigger, async, noEvent bool) ([]client.TopicPartition, error) {
	if c.toResBuf && !async {
		// The app's synchronous commit with ReuseCommitResults: the
		// result goes in the consumer's buffer, field by field, writing
		// only what changed (each pointer written is a write barrier
		// while the collector marks).
		c.toResBuf = false
		if cap(c.resBuf) < len(offs) {
			c.resBuf = make([]client.TopicPartition, len(offs))
		}
		res := c.resBuf[:len(offs)]
		for i := range offs {
			from, to := &offs[i], &res[i]
			if to.Topic != from.Topic {
				to.Topic = from.Topic
			}
			to.Partition, to.Offset = from.Partition, from.Offset
			if to.Metadata != from.Metadata {
				to.Metadata = from.Metadata
			}
			if to.Error != nil {
				to.Error = nil
			}
		}
		c.resBuf, offs = res, res
	} else {
		offs = slices.Clone(offs)
		for i := range offs {
			offs[i].Error = nil
		}
	}
	c.commitSeq++
	id := c.commitSeq
	if len(c.hooks) > 0 {
		ev := client.Commit{Info: c.info(), ID: id, Trigger: trig, Async: async, Offsets: slices.Clone(offs)}
		client.Each(c.hooks, func(h client.HookCommit) { h.OnCommitStarted(ev) })
	}
	if len(offs) == 0 {
		return c.finishCommit(id, offs, client.NewError(client.ErrNoOffset, "", false), trig, async, noEvent)
	}
	if !c.net() {
		// As librdkafka does without a coordinator
		// (rd_kafka_cgrp_defer_offset_commit): the commit is held until
		// the coordinator is back, for at most session.timeout.ms, then
		// fails with _WAIT_COORD (rd_kafka_cgrp_timeout_scan); a
		// synchronous one waits for it.
		if async {
			p := &pendingCommit{id: id, offs: offs, trig: trig, noEvent: noEvent}
			p.expiry = c.cl.clk.After(c.cfg.SessionTimeout, func() { c.expireCommit(p) })
			c.pendingCommits = append(c.pendingCommits, p)
			return nil, nil
		}
		if !c.waitBroker(c.cl.clk.Now().Add(c.cfg.SessionTimeout)) {
			return c.finishCommit(id, offs, waitCoordErr(), trig, async, noEvent)
		}
		if c.crashed {
			// The process died while the commit waited: nothing is
			// sent, and nobody hears of a result.
			return nil, client.NewError(client.ErrDestroy, "the consumer crashed", false)
		}
	}
	err := c.sendCommit(offs)
	if c.k848.on && trig != client.TriggerManual && kerr.CodeOf(err) == kerr.StaleMemberEpoch && c.k848.joined && !c.k848.leaving {
		// librdkafka keeps an automatic commit refused for a stale
		// member epoch and sends it again once the heartbeat brought the
		// current one (rd_kafka_cgrp_consumer_defer_offset_commit);
		// manual commits fail. A member that is leaving sends no
		// heartbeat, so its epoch stays stale and the commit fails at
		// once (librdkafka sends it again with that epoch until
		// session.timeout.ms has passed, then fails it).
		c.heartbeat848()
		err = c.sendCommit(offs)
	}
	return c.finishCommit(id, offs, err, trig, async, noEvent)
}

// waitCoordErr is the error of a commit given up for want of a
// coordinator.
func waitCoordErr() client.Error {
	return client.NewError(client.ErrWaitCoord, "Commit failed: Local: Waiting for coordinator", false)
}

// expireCommit gives up an asynchronous commit held for the coordinator.
func (c *Consumer) expireCommit(p *pendingCommit) {
	i := slices.Index(c.pendingCommits, p)
	if i < 0 || c.closed {
		return
	}
	c.pendingCommits = slices.Delete(c.pendingCommits, i, i+1)
	c.finishCommit(p.id, p.offs, waitCoordErr(), p.trig, true, p.noEvent)
}

// finishCommit records a commit's result, reports it, and reacts to the
// error as librdkafka does.
func (c *Consumer) finishCommit(id uint64, offs []client.TopicPartition, err error, trig client.CommitTrigger, async, noEvent bool) ([]client.TopicPartition, error) {
	var cerr error
	if err != nil {
		e := client.ErrorFrom(err)
		if code := kerr.CodeOf(err); code != e.Code() {
			e = client.NewError(code, err.Error(), false)
		}
		cerr = e
	}
	for i := range offs {
		if cerr != nil {
			offs[i].Error = cerr
		} else if ps := c.assigned(offs[i].Topic, offs[i].Partition); ps != nil && offs[i].Offset > ps.committed {
			ps.committed = offs[i].Offset
		}
	}
	if len(c.hooks) > 0 {
		ev := client.Commit{Info: c.info(), ID: id, Trigger: trig, Async: async, Offsets: slices.Clone(offs), Err: cerr}
		client.Each(c.hooks, func(h client.HookCommit) { h.OnCommitFinished(ev) })
	}
	if async && !noEvent && !c.closed {
		c.push(item{ev: client.OffsetsCommitted{Error: cerr, Offsets: slices.Clone(offs)}})
	}
	if cerr != nil && c.subscribed && !c.closed {
		if c.k848.on {
			c.commitFailed848(kerr.CodeOf(cerr))
		} else {
			c.fencedMaybe(kerr.CodeOf(cerr), "OffsetCommit")
		}
	}
	return offs, cerr
}

// assigned is the state of an assigned partition, or nil: a look through
// the assignment when it is small (a commit's usual case, without hashing
// the topic), else the map.
func (c *Consumer) assigned(topic string, partition int32) *partState {
	if len(c.parts) <= 8 {
		for _, ps := range c.parts {
			if ps.tp.Partition == partition && ps.tp.Topic == topic {
				return ps
			}
		}
		return nil
	}
	return c.byKey[client.PartitionKey{Topic: topic, Partition: partition}]
}

// ReuseCommitResults makes the consumer's synchronous commits (Commit,
// CommitMessage, CommitOffsets) return one slice of the consumer's own,
// which the next of them overwrites, instead of a new slice each time:
// for an app that reads what a commit returns before it commits again
// (and from the goroutine that commits), or ignores it. A commit then
// allocates nothing, and with Release a loop of Poll and CommitMessage
// allocates nothing. It is not part of client.Consumer (confluent-kafka
// returns a new slice every time), and is off until called.
func (c *Consumer) ReuseCommitResults() {
	defer c.cl.exit(c.cl.enter(c.id, opQuery, 2, c))
	c.reuseResults = true
}

// Commit synchronously commits the stored offsets of the assignment.
func (c *Consumer) Commit() ([]client.TopicPartition, error) {
	defer c.cl.exit(c.cl.enter(c.id, opCommit, 0, c))
	if err := c.check(); err != nil {
		return nil, err
	}
	c.toResBuf = c.reuseResults
	return c.commitStored(nil, client.TriggerManual, false, false)
}

// CommitMessage synchronously commits m's offset + 1.
func (c *Consumer) CommitMessage(m *client.Message) ([]client.TopicPartition, error) {
	defer c.cl.exit(c.cl.enter(c.id, opCommit, c.cl.keyMsg(m), c))
	if err := c.check(); err != nil {
		return nil, err
	}
	// What it commits, in the consumer's own one-element list (commit
	// copies it).
	tp := &m.TopicPartition
	c.msgOff[0] = client.TopicPartition{Topic: tp.Topic, Partition: tp.Partition, Offset: tp.Offset + 1}
	c.toResBuf = c.reuseResults
	res, err := c.commit(c.msgOff[:], client.TriggerManual, false, false)
	if c.releaseCommitted {
		c.released = append(c.released, m)
	}
	return res, err
}

// ReleaseCommitted makes CommitMessage give its message back, as Release
// does, when it returns (whatever its result): for an app that is done
// with a message once it has committed it, the usual loop of Poll,
// process, CommitMessage. The app must then neither read nor keep a
// message (nor its fields) after committing it. It is not part of
// client.Consumer, and is off until called.
func (c *Consumer) ReleaseCommitted() {
	defer c.cl.exit(c.cl.enter(c.id, opQuery, 3, c))
	c.releaseCommitted = true
}

// CommitOffsets synchronously commits offsets as given.
func (c *Consumer) CommitOffsets(offsets []client.TopicPartition) ([]client.TopicPartition, error) {
	defer c.cl.exit(c.cl.enter(c.id, opCommit, c.cl.keyTP(offsets), c))
	if err := c.check(); err != nil {
		return nil, err
	}
	c.toResBuf = c.reuseResults
	return c.commit(offsets, client.TriggerManual, false, false)
}

// CommitAsync commits the stored offsets; the result arrives as an
// OffsetsCommitted event.
func (c *Consumer) CommitAsync() error {
	defer c.cl.exit(c.cl.enter(c.id, opCommitAsync, 0, c))
	if err := c.check(); err != nil {
		return err
	}
	offs := c.storedAhead(nil)
	if len(offs) == 0 {
		return client.NewError(client.ErrNoOffset, "", false)
	}
	_, _ = c.commit(offs, client.TriggerManual, true, false)
	return nil
}

// CommitMessageAsync commits m's offset + 1; the result arrives as an
// OffsetsCommitted event.
func (c *Consumer) CommitMessageAsync(m *client.Message) error {
	defer c.cl.exit(c.cl.enter(c.id, opCommitAsync, c.cl.keyMsg(m), c))
	if err := c.check(); err != nil {
		return err
	}
	_, _ = c.commit(consumerstate.MessageOffset(m), client.TriggerManual, true, false)
	return nil
}

// CommitOffsetsAsync commits offsets as given; the result arrives as an
// OffsetsCommitted event.
func (c *Consumer) CommitOffsetsAsync(offsets []client.TopicPartition) error {
	defer c.cl.exit(c.cl.enter(c.id, opCommitAsync, c.cl.keyTP(offsets), c))
	if err := c.check(); err != nil {
		return err
	}
	if len(offsets) == 0 {
		return client.NewError(client.ErrNoOffset, "", false)
	}
	_, _ = c.commit(offsets, client.TriggerManual, true, false)
	return nil
}

// StoreOffsets stores offsets to be committed later (needs
// enable.auto.offset.store=false). Partitions not assigned get an
// ErrState error.
func (c *Consumer) StoreOffsets(offsets []client.TopicPartition) ([]client.TopicPartition, error) {
	defer c.cl.exit(c.cl.enter(c.id, opStore, c.cl.keyTP(offsets), c))
	return c.storeOffsets(offsets)
}

// storeOffsets is StoreOffsets without the gate, for calls from inside a call.
func (c *Consumer) storeOffsets(offsets []client.TopicPartition) ([]client.TopicPartition, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if c.cfg.EnableAutoOffsetStore {
		return nil, client.NewError(client.ErrInvalidArg, "StoreOffsets requires enable.auto.offset.store=false", false)
	}
	out, stored, firstErr := consumerstate.Store(offsets, func(tp client.TopicPartition) bool {
		ps := c.byKey[tp.Key()]
		if ps != nil {
			ps.stored, ps.storedMD = tp.Offset, tp.Metadata
		}
		return ps != nil
	})
	consumerstate.StoredHook(c.hooks, c.info, stored)
	return out, firstErr
}

// StoreMessage stores m's offset + 1 (see StoreOffsets).
func (c *Consumer) StoreMessage(m *client.Message) ([]client.TopicPartition, error) {
	defer c.cl.exit(c.cl.enter(c.id, opStore, c.cl.keyMsg(m), c))
	return c.storeOffsets(consumerstate.MessageOffset(m))
}

// BeginClose starts a close that Close will finish: the auto-commit timer
// stops (the close commits instead), and it reports whether Close will
// commit offsets: under enable.auto.commit, offsets stored past the
// committed ones (the Java model: every position). librdkafka's close
// makes that commit synchronously, waiting for the group coordinator; the
// scenario runner asks, when the broker is down, whether its app's close
// must wait. Not part of client.Consumer.
func (c *Consumer) BeginClose() bool {
	defer c.cl.exit(c.cl.enter(c.id, opClose, 0, c))
	if c.closed {
		return false
	}
	c.acTimer.Stop()
	if c.fatal != nil || !c.cfg.EnableAutoCommit || c.lost || len(c.parts) == 0 {
		return false
	}
	if c.java {
		return len(c.positions()) > 0 // leaveGroup's commitPositions
	}
	return len(c.storedAhead(nil)) > 0 // removePartitions' commitStored
}

// Close revokes the assignment (the rebalance callback runs), commits
// stored offsets under auto-commit, leaves the group (dynamic members) and
// stops the consumer.
func (c *Consumer) Close() error {
	defer c.cl.exit(c.cl.enter(c.id, opClose, 1, c))
	if c.closed {
		return nil
	}
	c.lifecycle(client.LifecycleClosing, nil)
	if c.fatal == nil {
		if c.subscribed {
			c.leaveGroup("close", client.TriggerClose)
		} else if len(c.parts) > 0 {
			if c.java && c.cfg.EnableAutoCommit {
				c.commitPositions(client.TriggerClose)
			} else {
				c.revokeTrig = client.TriggerClose
				c.removePartitions(c.assignedList(), false, true)
			}
		}
	}
	c.stopTimers()
	c.joinSeq++
	c.closed = true
	c.lifecycle(client.LifecycleClosed, nil)
	return nil
}

// Crash stops the consumer at once, as if its process died: nothing is
// committed, no LeaveGroup is sent, timers and heartbeats stop. The
// coordinator notices at session.timeout.ms.
func (c *Consumer) Crash() {
	defer c.cl.exit(c.cl.enter(c.id, opCrash, 0, c))
	c.crash()
}

// crash is Crash without the gate.
func (c *Consumer) crash() {
	if c.closed {
		return
	}
	c.stopTimers()
	c.joinSeq++
	c.closed, c.crashed = true, true
	for _, p := range c.pendingCommits {
		p.expiry.Stop()
	}
	c.pendingCommits = nil
	c.lifecycle(client.LifecycleCrashed, nil)
}
