package kafka

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/internal/consumerstate"
)

// Rebalances: kgo calls OnPartitionsAssigned / Revoked / Lost on its own
// goroutine and waits for them to return before it goes on (for an eager
// revoke: before JoinGroup; for an assign: before fetching offsets). bridge
// turns each call into a rebReq on the app queue and blocks until Poll (or
// Close / Unsubscribe) has served it — the app's rebalance callback runs
// inside Poll, on the app's goroutine, exactly as in confluent-kafka. A
// consumer that does not poll therefore holds up the rebalance, as a
// librdkafka consumer does, until max.poll.interval.ms.

func toTPs(m map[string][]int32) []client.TopicPartition {
	var out []client.TopicPartition
	for t, ps := range m {
		for _, p := range ps {
			out = append(out, client.TopicPartition{Topic: t, Partition: p, Offset: client.OffsetInvalid})
		}
	}
	sortTPs(out)
	return out
}

func (c *Consumer) bridge(ctx context.Context, s uint64, assign, lost bool, m map[string][]int32) {
	parts := toTPs(m)
	c.mu.Lock()
	if c.sess != s || c.crashed || c.closed && !assign && !lost {
		c.mu.Unlock()
		return
	}
	if !assign && len(parts) == 0 {
		c.mu.Unlock()
		return
	}
	req := &rebReq{sess: s, assign: assign, lost: lost, parts: parts, done: make(chan struct{})}
	c.pushLocked(item{req: req})
	c.mu.Unlock()
	select {
	case <-req.done:
	case <-ctx.Done():
	case <-c.root.Done():
	}
}

// serveReqsNow serves the queued rebalance steps without returning events
// (Close, Unsubscribe): callbacks run, changes are applied.
func (c *Consumer) serveReqsNow() {
	for {
		c.mu.Lock()
		if c.pendingApp != nil {
			req := c.pendingApp
			c.mu.Unlock()
			c.applyReq(req, nil)
			continue
		}
		idx := slices.IndexFunc(c.queue, func(it item) bool { return it.req != nil })
		if idx < 0 {
			c.mu.Unlock()
			return
		}
		req := c.queue[idx].req
		c.queue = slices.Delete(c.queue, idx, idx+1)
		c.mu.Unlock()
		c.serveReq(req, false)
	}
}

// serveReq hands a rebalance step to the callback (applying it afterwards
// if the callback did not), returns it as an event for the app
// (go.application.rebalance.enable, when events is true), or applies it.
func (c *Consumer) serveReq(req *rebReq, events bool) client.Event {
	c.mu.Lock()
	if req.sess != c.sess && req.done != nil {
		req.finish()
		c.mu.Unlock()
		return nil
	}
	if !req.assign {
		req.parts = consumerstate.StillAssigned(req.parts, func(k client.PartitionKey) bool { return c.parts[k] != nil })
		if len(req.parts) == 0 {
			req.finish()
			c.mu.Unlock()
			return nil
		}
		if req.lost {
			c.lost = true
		}
	}
	if c.protocol == "" {
		c.protocol = c.protoName()
	}
	ev := consumerstate.RebalanceEvent(req.assign, req.parts, req.lost)
	cb := c.cb
	switch {
	case cb != nil:
		c.curReq, c.cbApplied = req, false
		c.mu.Unlock()
		_ = cb(c, ev)
		c.mu.Lock()
		c.curReq = nil
		applied := c.cbApplied
		c.mu.Unlock()
		if !applied {
			c.applyReq(req, nil)
		}
		return nil
	case c.cfg.ApplicationRebalance && events:
		c.curReq, c.pendingApp = req, req
		c.mu.Unlock()
		return ev
	}
	c.mu.Unlock()
	c.applyReq(req, nil)
	return nil
}

// applyReq applies a rebalance step (with the partitions the app gave, if
// any) and releases kgo's callback.
func (c *Consumer) applyReq(req *rebReq, given []client.TopicPartition) {
	if req.assign {
		parts := req.parts
		if given != nil {
			parts = given
		}
		c.mu.Lock()
		if !c.cfg.Cooperative {
			// Eager: the assignment is replaced (what is not in it was
			// revoked before).
			var drop []client.TopicPartition
			for k := range c.parts {
				if !slices.ContainsFunc(parts, func(tp client.TopicPartition) bool { return tp.Key() == k }) {
					drop = append(drop, client.TopicPartition{Topic: k.Topic, Partition: k.Partition})
				}
			}
			if len(drop) > 0 {
				sortTPs(drop)
				c.removeLocked(drop, c.lost, false)
			}
		}
		c.addLocked(parts, false)
		clear(c.groupErrs)
		c.finishReqLocked(req)
		c.mu.Unlock()
		return
	}
	parts := req.parts
	if given != nil {
		parts = given
	}
	c.mu.Lock()
	trig := c.revokeTrig
	autoCommit := !req.lost && c.cfg.EnableAutoCommit && c.fatal == nil
	var offs []client.TopicPartition
	if autoCommit {
		offs = c.leavingOffsetsLocked(parts)
	}
	// As librdkafka's unassign: the partitions leave the assignment (the
	// revoke is reported), then their offsets are committed.
	c.removeLocked(parts, req.lost, false)
	c.mu.Unlock()
	if len(offs) > 0 {
		// kgo is blocked in OnPartitionsRevoked: the commit goes out
		// before the JoinGroup (or the LeaveGroup), as librdkafka's
		// revoke commit does.
		_, _ = c.doCommit(offs, trig, false, c.java)
	}
	c.mu.Lock()
	c.finishReqLocked(req)
	c.mu.Unlock()
}

func (c *Consumer) finishReqLocked(req *rebReq) {
	if c.pendingApp == req {
		c.pendingApp = nil
	}
	if c.curReq == req && c.cb == nil {
		c.curReq = nil
	}
	req.finish()
}

// addLocked adds partitions to the assignment. Explicit offsets are
// remembered for AdjustFetchOffsetsFn (group) or used directly (Assign).
func (c *Consumer) addLocked(tps []client.TopicPartition, manual bool) {
	var added []client.TopicPartition
	for _, tp := range tps {
		k := tp.Key()
		ps := c.parts[k]
		if ps == nil {
			ps = &partState{key: k, pos: client.OffsetInvalid, stored: client.OffsetInvalid, committed: client.OffsetInvalid, seekTo: -1}
			c.parts[k] = ps
			added = append(added, client.TopicPartition{Topic: tp.Topic, Partition: tp.Partition, Offset: tp.Offset})
		}
		if tp.Offset >= 0 || tp.Offset == client.OffsetBeginning || tp.Offset == client.OffsetEnd || isTail(tp.Offset) {
			c.explicit[k] = tp.Offset
		}
	}
	c.rebalanceHookLocked(client.RebalanceAssigned, added, manual)
}

// removeLocked removes partitions and drops their buffered records.
func (c *Consumer) removeLocked(tps []client.TopicPartition, lost, manual bool) {
	var gone []client.TopicPartition
	for _, tp := range tps {
		if c.parts[tp.Key()] != nil {
			gone = append(gone, client.TopicPartition{Topic: tp.Topic, Partition: tp.Partition, Offset: client.OffsetInvalid})
			delete(c.parts, tp.Key())
			delete(c.explicit, tp.Key())
			c.dropBufferedLocked(tp.Key())
		}
	}
	kind := client.RebalanceRevoked
	if lost {
		kind = client.RebalanceLost
	}
	if len(gone) > 0 {
		c.rebalanceHookLocked(kind, gone, manual)
	}
	if len(c.parts) == 0 {
		c.lost = false
	}
}

// adjust is kgo's AdjustFetchOffsetsFn: it runs after the assignment was
// served and kgo fetched the committed offsets. It resolves every start
// position to a number (committed, explicit, or auto.offset.reset through
// ListOffsets), reports it, raises PartitionEOF for partitions already at
// their end and ErrAutoOffsetReset for auto.offset.reset=error, and hands
// kgo the exact offsets.
func (c *Consumer) adjust(ctx context.Context, s uint64, offs map[string]map[int32]kgo.Offset) map[string]map[int32]kgo.Offset {
	var want []startReq
	c.mu.Lock()
	if c.sess != s || c.closed {
		c.mu.Unlock()
		return offs
	}
	for t, ps := range offs {
		for p, o := range ps {
			k := client.PartitionKey{Topic: t, Partition: p}
			r := startReq{key: k, committed: -1, explicit: client.OffsetStored}
			if e, ok := c.explicit[k]; ok {
				r.explicit = e
				delete(c.explicit, k)
			} else if eo := o.EpochOffset(); eo.Offset >= 0 {
				r.committed = eo.Offset
			}
			want = append(want, r)
		}
	}
	c.mu.Unlock()
	res, err := c.resolveStarts(ctx, want)
	if err != nil {
		return offs // kgo resolves them itself; positions are learnt from the first record
	}
	out := map[string]map[int32]kgo.Offset{}
	pause := c.applyStarts(s, res)
	for _, r := range res {
		if out[r.key.Topic] == nil {
			out[r.key.Topic] = map[int32]kgo.Offset{}
		}
		if r.pos >= 0 {
			out[r.key.Topic][r.key.Partition] = kgo.NewOffset().At(int64(r.pos))
		} else {
			out[r.key.Topic][r.key.Partition] = offs[r.key.Topic][r.key.Partition]
		}
	}
	if len(pause) > 0 {
		c.mu.Lock()
		kcl := c.kcl
		c.mu.Unlock()
		if kcl != nil {
			kcl.PauseFetchPartitions(pause)
		}
	}
	return out
}

type startReq struct {
	key       client.PartitionKey
	committed int64
	explicit  client.Offset
	// results
	pos    client.Offset
	reason client.PositionReason
	high   int64
	low    int64
	stop   bool
}

// resolveStarts turns committed / explicit / reset starts into offsets.
func (c *Consumer) resolveStarts(ctx context.Context, want []startReq) ([]startReq, error) {
	var topics []string
	needStart := false
	for _, r := range want {
		if !slices.Contains(topics, r.key.Topic) {
			topics = append(topics, r.key.Topic)
		}
		if r.explicit == client.OffsetBeginning || (r.explicit == client.OffsetStored && r.committed < 0 && c.cfg.AutoOffsetReset == "smallest") {
			needStart = true
		}
	}
	if len(want) == 0 {
		return nil, nil
	}
	ends, err := c.listOffsets(ctx, topics, false)
	if err != nil {
		return nil, err
	}
	var starts map[client.PartitionKey]int64
	if needStart || c.cfg.EnablePartitionEOF {
		if starts, err = c.listOffsets(ctx, topics, true); err != nil {
			return nil, err
		}
	}
	for i := range want {
		r := &want[i]
		r.high, r.low = ends[r.key], starts[r.key]
		switch {
		case r.explicit >= 0:
			r.pos, r.reason = r.explicit, client.PositionExplicit
		case r.explicit == client.OffsetBeginning:
			r.pos, r.reason = client.Offset(starts[r.key]), client.PositionExplicit
		case r.explicit == client.OffsetEnd:
			r.pos, r.reason = client.Offset(ends[r.key]), client.PositionExplicit
		case isTail(r.explicit):
			n, _ := r.explicit.Tail()
			r.pos, r.reason = tailOffset(n, ends[r.key]), client.PositionExplicit
		case r.committed >= 0:
			r.pos, r.reason = client.Offset(r.committed), client.PositionCommitted
		default:
			r.reason = client.PositionReset
			switch c.cfg.AutoOffsetReset {
			case "smallest":
				r.pos = client.Offset(starts[r.key])
			case "largest":
				r.pos = client.Offset(ends[r.key])
			default:
				r.pos, r.stop = client.Offset(ends[r.key]), true
			}
		}
	}
	return want, nil
}

// applyStarts records resolved positions; it returns the partitions to
// pause (auto.offset.reset=error).
func (c *Consumer) applyStarts(s uint64, res []startReq) map[string][]int32 {
	pause := map[string][]int32{}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sess != s || c.closed {
		return nil
	}
	for _, r := range res {
		ps := c.parts[r.key]
		if ps == nil {
			continue
		}
		ps.high, ps.low, ps.hasWM = r.high, r.low, true
		if r.reason == client.PositionCommitted {
			ps.committed = r.pos
		}
		if r.stop {
			ps.stopped = true
			if c.kcl != nil && c.group {
				// Pause before the app can see the error and Seek.
				c.kcl.PauseFetchPartitions(map[string][]int32{r.key.Topic: {r.key.Partition}})
			} else {
				pause[r.key.Topic] = append(pause[r.key.Topic], r.key.Partition)
			}
			tp := client.TopicPartition{Topic: r.key.Topic, Partition: r.key.Partition, Offset: client.OffsetInvalid}
			c.raiseLocked(client.NewError(client.ErrAutoOffsetReset, fmt.Sprintf(
				"%s: no committed offset and auto.offset.reset=error: partition stopped until Seek", r.key), false).WithTopicPartition(tp))
			continue
		}
		ps.pos = r.pos
		policy := ""
		if r.reason == client.PositionReset {
			policy = c.cfg.AutoOffsetReset
		}
		c.positionHookLocked(ps, r.reason, policy)
		if c.cfg.EnablePartitionEOF && int64(ps.pos) >= r.high && !ps.eof {
			ps.eof = true
			c.pushLocked(item{ev: client.PartitionEOF{Topic: r.key.Topic, Partition: r.key.Partition, Offset: ps.pos}})
		}
	}
	return pause
}

// --- assignment calls ---

func (c *Consumer) inRebalance(incremental bool) (*rebReq, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.checkLocked(); err != nil {
		return nil, err
	}
	req := c.curReq
	if req == nil {
		if c.subscribed {
			return nil, client.NewError(client.ErrState, "the assignment of a subscribed consumer changes only inside a rebalance", false)
		}
		return nil, nil
	}
	if incremental != c.cfg.Cooperative {
		want := "Assign()/Unassign()"
		if c.cfg.Cooperative {
			want = "IncrementalAssign()/IncrementalUnassign()"
		}
		return nil, client.NewError(client.ErrState, fmt.Sprintf("Changes to the current assignment must be made using %s when rebalance protocol type is %s", want, c.protoName()), false)
	}
	c.cbApplied = true
	return req, nil
}

// Assign replaces the assignment. Inside an eager rebalance (callback, or
// an AssignedPartitions event) it completes the rebalance; explicit
// offsets are used as start positions. Outside a subscription it is a
// manual assignment: a direct (group-less) kgo consumer, with commits
// sent as generation -1.
func (c *Consumer) Assign(partitions []client.TopicPartition) error {
	return c.completeOr(false, partitions, nil, func() error { return c.assignDirect(partitions, true) })
}

// Unassign removes the whole assignment (inside an eager revoke it
// completes it).
func (c *Consumer) Unassign() error {
	return c.completeOr(false, []client.TopicPartition{}, nil, func() error { return c.assignDirect(nil, true) })
}

// IncrementalAssign adds partitions (inside a cooperative rebalance it
// completes the assign step).
func (c *Consumer) IncrementalAssign(partitions []client.TopicPartition) error {
	return c.completeOr(true, partitions, partitions, func() error { return c.assignDirect(partitions, false) })
}

// IncrementalUnassign removes partitions (inside a cooperative revoke it
// completes it).
func (c *Consumer) IncrementalUnassign(partitions []client.TopicPartition) error {
	return c.completeOr(true, partitions, partitions, func() error {
		c.mu.Lock()
		var keep []client.TopicPartition
		for k, ps := range c.parts {
			if !slices.ContainsFunc(partitions, func(tp client.TopicPartition) bool { return tp.Key() == k }) {
				keep = append(keep, client.TopicPartition{Topic: k.Topic, Partition: k.Partition, Offset: ps.pos})
			}
		}
		c.mu.Unlock()
		return c.assignDirect(keep, true)
	})
}

// completeOr completes the rebalance step the app is serving (an
// Assign-family call inside the callback or after a rebalance event) with
// assigned for an assign step or revoked for a revoke step (nil: the
// step's own partitions); outside a rebalance it runs direct, a change of
// the manual assignment.
func (c *Consumer) completeOr(incremental bool, assigned, revoked []client.TopicPartition, direct func() error) error {
	req, err := c.inRebalance(incremental)
	if err != nil {
		return err
	}
	if req == nil {
		return direct()
	}
	if req.assign {
		c.applyReq(req, assigned)
	} else {
		c.applyReq(req, revoked)
	}
	return nil
}

// assignDirect changes a manual assignment: removed partitions are
// auto-committed, the direct kgo client is rebuilt with every partition at
// its resolved position.
func (c *Consumer) assignDirect(partitions []client.TopicPartition, replace bool) error {
	c.mu.Lock()
	var drop []client.TopicPartition
	if replace {
		for k := range c.parts {
			if !slices.ContainsFunc(partitions, func(tp client.TopicPartition) bool { return tp.Key() == k }) {
				drop = append(drop, client.TopicPartition{Topic: k.Topic, Partition: k.Partition})
			}
		}
		sortTPs(drop)
	}
	var offs []client.TopicPartition
	if len(drop) > 0 && c.cfg.EnableAutoCommit {
		offs = c.leavingOffsetsLocked(drop)
	}
	c.removeLocked(drop, false, true)
	c.mu.Unlock()
	if len(offs) > 0 {
		_, _ = c.doCommit(offs, client.TriggerRevoke, false, c.java)
	}
	c.mu.Lock()
	// Partitions to (re)start: new ones, and kept ones at their position.
	var want []startReq
	var newParts []client.TopicPartition
	for _, tp := range partitions {
		if c.parts[tp.Key()] == nil {
			newParts = append(newParts, tp)
		}
	}
	c.addLocked(newParts, true)
	for k, ps := range c.parts {
		r := startReq{key: k, committed: -1, explicit: client.OffsetStored}
		if e, ok := c.explicit[k]; ok {
			r.explicit = e
			delete(c.explicit, k)
		} else if ps.pos >= 0 {
			r.explicit = ps.pos
		}
		want = append(want, r)
	}
	old := c.kcl
	c.kcl = nil
	c.sess++
	s := c.sess
	c.mu.Unlock()
	if old != nil {
		old.Close()
	}
	if len(want) == 0 {
		return nil
	}
	// Committed offsets for partitions without a position.
	var ask []client.TopicPartition
	for _, r := range want {
		if r.explicit == client.OffsetStored {
			ask = append(ask, client.TopicPartition{Topic: r.key.Topic, Partition: r.key.Partition})
		}
	}
	if len(ask) > 0 {
		ctx, cancel := bounded(c.root, c.cfg.SocketTimeout)
		got, err := c.fetchCommitted(ctx, ask)
		cancel()
		if err != nil {
			return err
		}
		for i := range want {
			if o, ok := got[want[i].key]; ok && want[i].explicit == client.OffsetStored {
				want[i].committed = int64(o.Offset)
			}
		}
	}
	res, err := c.resolveStarts(c.root, want)
	if err != nil {
		return err
	}
	pause := c.applyStarts(s, res)
	consume := map[string]map[int32]kgo.Offset{}
	for _, r := range res {
		if consume[r.key.Topic] == nil {
			consume[r.key.Topic] = map[int32]kgo.Offset{}
		}
		consume[r.key.Topic][r.key.Partition] = kgo.NewOffset().At(int64(r.pos))
	}
	opts := slices.Clone(c.base)
	opts = append(opts, consumerFetchOpts(c.cfg)...)
	opts = append(opts, kgo.ConsumePartitions(consume))
	kcl, err := kgo.NewClient(opts...)
	if err != nil {
		return toError(err, "assign")
	}
	c.mu.Lock()
	if c.closed || c.sess != s {
		c.mu.Unlock()
		kcl.Close()
		return c.check()
	}
	c.kcl, c.group = kcl, false
	var paused map[string][]int32
	for k, ps := range c.parts {
		if ps.paused {
			if paused == nil {
				paused = map[string][]int32{}
			}
			paused[k.Topic] = append(paused[k.Topic], k.Partition)
		}
	}
	c.mu.Unlock()
	for t, ps := range paused {
		pause[t] = append(pause[t], ps...)
	}
	if len(pause) > 0 {
		kcl.PauseFetchPartitions(pause)
	}
	return nil
}

// dropDirect ends a manual assignment (Close, Subscribe): stored offsets
// are auto-committed, the direct client closed.
func (c *Consumer) dropDirect(trig client.CommitTrigger) {
	c.mu.Lock()
	all := c.assignedLocked()
	var offs []client.TopicPartition
	if c.cfg.EnableAutoCommit && c.fatal == nil {
		offs = c.leavingOffsetsLocked(all)
	}
	c.removeLocked(all, false, true)
	c.mu.Unlock()
	if len(offs) > 0 {
		_, _ = c.doCommit(offs, trig, false, c.java)
	}
	c.mu.Lock()
	kcl := c.kcl
	c.kcl = nil
	c.sess++
	c.mu.Unlock()
	if kcl != nil {
		kcl.Close()
	}
}

// --- max.poll.interval.ms (emulated: kgo heartbeats in the background) ---

func (c *Consumer) armMaxPollLocked() {
	if !c.subscribed || c.closed {
		return
	}
	if c.mpTimer == nil {
		c.mpTimer = time.AfterFunc(c.cfg.MaxPollInterval, c.maxPollExpired)
		return
	}
	c.mpTimer.Reset(c.cfg.MaxPollInterval)
}

// maxPollExpired: the app has not polled for max.poll.interval.ms. As
// librdkafka does, the member leaves the group (kgo.Close: LeaveGroup for
// a dynamic member, no commit — the callbacks of the old client are
// stale), ErrMaxPollExceeded and a lost revoke are queued for the next
// Poll, which then rejoins with a new kgo client.
func (c *Consumer) maxPollExpired() {
	c.mu.Lock()
	if c.closed || c.inPoll || !c.subscribed || c.expired || c.kcl == nil || time.Since(c.lastPoll) < c.cfg.MaxPollInterval {
		c.mu.Unlock()
		return
	}
	c.lastMember, c.lastGen = c.kcl.GroupMetadata()
	c.expired = true
	old := c.kcl
	c.kcl = nil
	c.sess++
	c.releaseReqsLocked()
	if len(c.hooks) > 0 {
		info := c.infoLocked()
		client.Each(c.hooks, func(h client.HookMaxPollExceeded) {
			h.OnMaxPollExceeded(client.MaxPollExceeded{Info: info, LastPoll: c.lastPoll, Interval: c.cfg.MaxPollInterval})
		})
	}
	c.raiseLocked(client.NewError(client.ErrMaxPollExceeded, fmt.Sprintf(
		"Application maximum poll interval (%dms) exceeded by %dms", c.cfg.MaxPollInterval.Milliseconds(),
		(time.Since(c.lastPoll)-c.cfg.MaxPollInterval).Milliseconds()), false))
	if lost := c.assignedLocked(); len(lost) > 0 {
		c.pushLocked(item{req: &rebReq{sess: c.sess, lost: true, parts: lost}})
	}
	c.pushLocked(item{rejoin: true})
	c.groupEventLocked(client.GroupEvent{Kind: client.GroupLeft, Reason: "max.poll.interval.ms exceeded"})
	c.bg.Add(1)
	c.mu.Unlock()
	go func() {
		defer c.bg.Done()
		old.Close()
	}()
}

// rejoin starts a new group client after max.poll.interval.ms expiry.
func (c *Consumer) rejoin() {
	c.mu.Lock()
	if c.closed || !c.expired || !c.subscribed {
		c.mu.Unlock()
		return
	}
	c.expired = false
	c.lastMember, c.lastGen = "", -1
	c.groupEventLocked(client.GroupEvent{Kind: client.GroupRejoin, Reason: "poll after max.poll.interval.ms exceeded"})
	c.mu.Unlock()
	if err := c.startGroup(); err != nil {
		c.mu.Lock()
		c.raiseLocked(client.ErrorFrom(err))
		c.mu.Unlock()
	}
}
