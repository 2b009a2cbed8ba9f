package sim

import (
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/internal/consumerstate"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// Poll returns the next event: a queued error or commit result, a
// rebalance (served through the callback, or returned with
// go.application.rebalance.enable), a partition EOF, or a message. With
// nothing to return it runs the simulation forward — every client's due
// timers, the coordinator's — until something arrives or timeoutMs of
// virtual time has passed, and then returns nil. Called from inside a clock
// callback it does not run the loop (the timeout counts as 0).
func (c *Consumer) Poll(timeoutMs int) client.Event {
	if c.cl.direct() {
		// a scenario runner's poll, every step: no lock, no defer
		c.cl.clk.Enter()
		ev := c.poll(timeoutMs)
		c.cl.clk.Leave()
		return ev
	}
	defer c.cl.exit(c.cl.enter(c.id, opPoll, uint64(timeoutMs), c))
	return c.poll(timeoutMs)
}

// poll is Poll without the gate, for calls from inside a call.
func (c *Consumer) poll(timeoutMs int) client.Event {
	if c.closed {
		if c.crashed && c.cl.drv != nil && timeoutMs != 0 {
			// A crashed process's goroutine polling on (a driven
			// cluster's app): nothing comes, and its timeout passes, so
			// that a loop that does not stop does not spin.
			c.cl.runLoopReady(c.cl.deadline(timeoutMs), func() bool { return false }, never)
		}
		return nil
	}
	c.inPoll = true
	if c.maxPollExceeded {
		// The app is back: rejoin after the lost revoke is served.
		c.maxPollExceeded = false
		c.push(item{rejoin: true})
	}
	var ev client.Event
	if ps := c.batchReady(); ps != nil {
		// A busy consumer's usual poll: serve's first look would hand out
		// ps's next fetched record (see batchReady), whatever the timeout.
		c.idle, c.fetched = false, false
		ev = c.deliverNext(ps)
		if ps.batch.Len() == 0 {
			c.rr++
		}
	} else if timeoutMs == 0 || c.cl.InLoop() {
		// What runLoop does when time may not run: look once.
		ev = c.serve()
	} else if c.cl.drv == nil {
		// runLoop's first look, made before the deadline is worked out:
		// most polls of a busy consumer find a message at once.
		if ev = c.serve(); ev == nil && !c.closed {
			c.cl.runLoopLooked(c.cl.deadline(timeoutMs), func() bool {
				ev = c.serve()
				return ev != nil || c.closed
			})
		}
	} else {
		c.cl.runLoopReady(c.cl.deadline(timeoutMs), func() bool {
			ev = c.serve()
			return ev != nil || c.closed
		}, c.readyFn())
	}
	c.inPoll = false
	c.pollReturned()
	return ev
}

func (c *Consumer) pollReturned() {
	if c.closed {
		return
	}
	c.lastPollNs = c.cl.clk.UnixNano()
	c.polled = true
	if !c.mpArmed { // (armMaxPoll's first test, without the call)
		c.armMaxPoll()
	}
}

// ReadMessage polls until a message arrives (returned), an error event
// arrives (returned as the error), or the timeout passes (ErrTimedOut).
// Other events are served and dropped. A negative timeout waits until the
// cluster's horizon (see Cluster.SetHorizon).
func (c *Consumer) ReadMessage(timeout time.Duration) (*client.Message, error) {
	defer c.cl.exit(c.cl.enter(c.id, opPoll, uint64(timeout), c))
	if err := c.check(); err != nil {
		return nil, err
	}
	if timeout < 0 {
		timeout = c.cl.foreverFrom()
	}
	var deadline time.Time
	if timeout >= 0 {
		deadline = c.cl.clk.Now().Add(timeout)
	}
	for {
		ms := -1
		if timeout >= 0 {
			left := deadline.Sub(c.cl.clk.Now())
			if left < 0 {
				left = 0
			}
			ms = int((left + time.Millisecond - 1) / time.Millisecond) // up: a rest under 1 ms still moves time
		}
		switch e := c.poll(ms).(type) {
		case *client.Message:
			return e, nil
		case client.Error:
			return nil, e
		case nil:
			if timeout >= 0 && !c.cl.clk.Now().Before(deadline) || c.closed || c.cl.InLoop() {
				return nil, client.NewError(client.ErrTimedOut, "", false)
			}
		}
	}
}

// batchReady returns the partition whose next fetched record serve would
// hand out at once, nil if it would do anything else first (or might):
// serve applies no pending rebalance step (pendingApp, the Java model's
// commit) and finds the queue empty and the consumer not idle, so it
// asks nextMessage, which reads the partition at c.rr first: one neither
// paused nor stopped with records left in its batch is delivered from.
// nextMessage's idle and fetched flags are then false, and c.rr moves on
// once the batch is read. (Pausing or stopping a partition drops its
// batch; the checks are fromPartition's all the same.) Cluster.lookAlways
// turns it off, so that TestIdleShortcutMatchesLooking holds it to serve.
func (c *Consumer) batchReady() *partState {
	if c.pendingApp != nil || c.java || c.qhead < len(c.queue) || c.idle || c.rr >= len(c.parts) || c.cl.lookAlways {
		return nil
	}
	ps := c.parts[c.rr]
	if ps.paused || ps.stopped || ps.batch.Len() == 0 {
		return nil
	}
	return ps
}

// serve returns the next event for the app, doing the queued work on the
// way; nil when there is nothing now.
func (c *Consumer) serve() client.Event {
	if c.closed {
		return nil
	}
	if op := c.pendingApp; op != nil {
		// go.application.rebalance.enable: the app got the event but did
		// not apply it before polling again; apply it now.
		c.pendingApp = nil
		c.applyOp(op)
	}
	if c.java {
		c.javaPollCommit()
	}
	for {
		for c.qhead < len(c.queue) {
			it := c.queue[c.qhead]
			c.queue[c.qhead] = item{}
			c.qhead++
			switch {
			case it.rejoin:
				if !c.k848.on {
					c.memberID = ""
				}
				c.join()
			case it.javaPrepare:
				c.javaPrepareRejoin()
			case it.op != nil:
				if ev := c.serveOp(it.op); ev != nil {
					return ev
				}
				if c.closed {
					return nil
				}
			default:
				return it.ev
			}
		}
		if c.idle && c.idleVer == c.cl.b.Version() && !c.cl.lookAlways {
			return nil // (the queue is empty)
		}
		ev := c.nextMessage()
		if ev != nil {
			return ev
		}
		if c.qhead >= len(c.queue) {
			return nil
		}
	}
}

// serveOp hands a rebalance step to the callback (applying it afterwards
// if the callback did not), returns it as an event for the app
// (go.application.rebalance.enable), or applies it silently.
func (c *Consumer) serveOp(op *rebOp) client.Event {
	if c.queuedRevoke == op {
		c.queuedRevoke = nil
	}
	if op.assign && (op.epoch != c.assignEpoch || (!c.k848.on && op.gen != c.generation)) {
		// Outdated: the membership it was for is gone.
		c.finishOp(op, func() {})
		return nil
	}
	if !op.assign {
		// Only what is still assigned can be revoked.
		op.parts = consumerstate.StillAssigned(op.parts, func(k client.PartitionKey) bool { return c.byKey[k] != nil })
		if len(op.parts) == 0 && op.incremental {
			// Cooperative: revoke is skipped when empty.
			c.finishOp(op, func() {})
			return nil
		}
		if op.lost {
			c.lost = true
		}
		if op.javaCommit && !op.lost && !c.lost && c.cfg.EnableAutoCommit && c.fatal == nil {
			// The Java consumer commits what it consumed before it
			// revokes (the consumer protocol has no onJoinPrepare).
			c.commitPositions(client.TriggerRevoke)
		}
	}
	ev := op.event()
	switch {
	case c.cb != nil:
		c.curOp, c.cbApplied = op, false
		c.callback(ev)
		c.curOp = nil
		if !c.cbApplied && !c.closed {
			c.applyOp(op)
		}
		return nil
	case c.cfg.ApplicationRebalance:
		c.curOp, c.pendingApp = op, op
		return ev
	}
	c.applyOp(op)
	return nil
}

// serveOpNow serves a revoke outside Poll (Close, Unsubscribe): the
// callback runs, the change is applied.
func (c *Consumer) serveOpNow(op *rebOp) {
	if op.lost {
		c.lost = true
	}
	if c.cb != nil {
		c.curOp, c.cbApplied = op, false
		c.callback(op.event())
		c.curOp = nil
		if c.cbApplied {
			return
		}
	}
	c.applyOp(op)
}

// callback calls the app's rebalance callback with ev, without holding
// the simulation (see Cluster.callout): the callback calls the consumer.
func (c *Consumer) callback(ev client.Event) {
	cb := c.cb
	c.cl.callout(c.cl.tok(), func() { _ = cb(c, ev) })
}

// readyFn is c.pollReady as a func value, made once (a method value
// allocates each time).
func (c *Consumer) readyFn() func() bool {
	if c.pollReadyF == nil {
		c.pollReadyF = c.pollReady
	}
	return c.pollReadyF
}

// pollReady reports whether a Poll waiting on a driven cluster may find
// something now (Driver: asked after every event, so it only reads): an
// event is queued, the consumer is not idle (see Consumer.idle), the
// Java model's commit is due, or it was closed.
func (c *Consumer) pollReady() bool {
	if c.closed || c.qhead < len(c.queue) || c.pendingApp != nil || c.maxPollExceeded {
		return true
	}
	if c.java && c.cfg.EnableAutoCommit && !c.cl.clk.Now().Before(c.javaNext) {
		return true
	}
	return !c.idle || c.idleVer != c.cl.b.Version() || c.cl.lookAlways
}

func (c *Consumer) applyOp(op *rebOp) {
	c.finishOp(op, func() {
		if op.assign {
			if op.incremental {
				c.addPartitions(op.parts, false)
			} else {
				c.replaceAssignment(op.parts, false)
			}
		} else {
			c.removePartitions(op.parts, op.lost, false)
		}
	})
}

// finishOp applies a rebalance step and runs what follows it.
func (c *Consumer) finishOp(op *rebOp, apply func()) {
	if c.pendingApp == op {
		c.pendingApp = nil
	}
	if c.curOp == op && c.cb == nil {
		c.curOp = nil
	}
	c.applying = op
	apply()
	c.applying = nil
	if op.assign && c.state == stWaitApp && c.queuedRevoke == nil {
		c.state = stSteady
	}
	if op.after != nil && !c.closed {
		op.after()
	}
}

// nextMessage returns the next message (or a per-partition event),
// serving partitions round-robin, a fetched batch at a time.
//
// A look that finds nothing without fetching (every partition paused,
// stopped, caught up or waiting for the broker) marks the consumer idle
// (see Consumer.idle). Such a look changes nothing a second look would
// read: the watermarks it writes are the ones it read, and the
// round-robin index ends where it started (or at len, which is 0 next
// time).
func (c *Consumer) nextMessage() client.Event {
	c.idle, c.fetched = false, false
	ver := c.cl.b.Version()
	n := len(c.parts)
	for range n {
		if c.rr >= len(c.parts) {
			c.rr = 0
		}
		ps := c.parts[c.rr]
		ev := c.fromPartition(ps)
		if ps.batch.Len() == 0 {
			c.rr++
		}
		if ev != nil {
			return ev
		}
		if c.qhead < len(c.queue) {
			return nil
		}
	}
	c.idle, c.idleVer = !c.fetched, ver
	return nil
}

// fromPartition returns ps's next message or event: from the fetched
// batch, else from a new fetch. Small, for the polls that find nothing.
func (c *Consumer) fromPartition(ps *partState) client.Event {
	if ps.paused || ps.stopped {
		return nil
	}
	if ps.batch.Len() > 0 {
		return c.deliverNext(ps)
	}
	if !c.brokerDown && ps.pos >= 0 {
		if start, idle := ps.rd.Idle(int64(ps.pos)); idle {
			// Caught up (most polls of an idle consumer): what an empty
			// fetch does, without one. The broker is up and was up.
			ps.unknown = false
			ps.low, ps.high, ps.hasWM = start, int64(ps.pos), true
			return c.caughtUp(ps)
		}
	}
	return c.fetch(ps)
}

// fetch fetches a batch of ps (resolving its position first if needed)
// and hands out its first record, or the fetch's error or EOF event.
func (c *Consumer) fetch(ps *partState) client.Event {
	if c.brokerDown && !c.cl.b.Available() {
		return nil
	}
	c.fetched = true
	if ps.pos < 0 {
		if ev := c.resolve(ps); ev != nil || ps.pos < 0 {
			return ev
		}
	}
	res, err := ps.rd.FetchBatch(&ps.batch, int64(ps.pos), fetchBatch, c.cfg.MaxPartitionFetchBytes)
	if err != nil {
		switch {
		case errors.Is(err, broker.ErrUnavailable):
			c.net()
		case errors.Is(err, kerr.OffsetOutOfRange):
			ps.low, ps.high, ps.hasWM = res.LogStartOffset, res.HighWatermark, true
			return c.reset(ps, fmt.Sprintf("fetch offset %d is out of range [%d, %d]", ps.pos, res.LogStartOffset, res.HighWatermark))
		case errors.Is(err, kerr.UnknownTopicOrPart):
			if !ps.unknown {
				ps.unknown = true
				return client.NewError(client.ErrUnknownTopicOrPart, fmt.Sprintf("%s: Broker: Unknown topic or partition", ps.tp), false).
					WithTopicPartition(client.TopicPartition{Topic: ps.tp.Topic, Partition: ps.tp.Partition, Offset: ps.pos})
			}
		}
		return nil
	}
	c.net()
	ps.unknown = false
	ps.low, ps.high, ps.hasWM = res.LogStartOffset, res.HighWatermark, true
	if ps.batch.Len() == 0 {
		if int64(ps.pos) == res.HighWatermark {
			return c.caughtUp(ps)
		}
		return nil
	}
	return c.deliverNext(ps)
}

// caughtUp is a fetch at the high watermark finding nothing: the partition
// EOF event, once per time the end is reached (enable.partition.eof).
func (c *Consumer) caughtUp(ps *partState) client.Event {
	if c.cfg.EnablePartitionEOF && !ps.eof {
		ps.eof = true
		return client.PartitionEOF{Topic: ps.tp.Topic, Partition: ps.tp.Partition, Offset: ps.pos}
	}
	return nil
}

// resolve turns a logical position into an offset: the committed offset,
// else auto.offset.reset; beginning / end by ListOffsets.
func (c *Consumer) resolve(ps *partState) client.Event {
	if !c.net() {
		return nil
	}
	switch ps.pos {
	case client.OffsetStored, client.OffsetInvalid:
		got := c.cl.coord.FetchOffsets(c.cfg.GroupID, []broker.TopicPartition{ps.tp})
		if om, ok := got[ps.tp]; ok && om.Offset >= 0 {
			ps.pos, ps.committed = client.Offset(om.Offset), client.Offset(om.Offset)
			c.positionHook(ps, client.PositionCommitted, "")
			return nil
		}
		if ev := c.reset(ps, "no committed offset"); ev != nil || ps.pos >= 0 {
			return ev
		}
	}
	if isTail(ps.pos) {
		return c.resolveTail(ps)
	}
	var spec broker.OffsetSpec
	switch ps.pos {
	case client.OffsetBeginning:
		spec = broker.Earliest()
	case client.OffsetEnd:
		spec = broker.Latest()
	default:
		ps.pos = client.OffsetStored // unsupported logical offset: start over
		return nil
	}
	off, err := c.cl.b.ListOffset(ps.tp, spec)
	if err != nil {
		if errors.Is(err, kerr.UnknownTopicOrPart) && !ps.unknown {
			ps.unknown = true
			return client.NewError(client.ErrUnknownTopicOrPart, fmt.Sprintf("%s: Broker: Unknown topic or partition", ps.tp), false)
		}
		c.net()
		return nil
	}
	reason := ps.posReason
	ps.pos = client.Offset(off)
	policy := ""
	if reason == client.PositionReset {
		policy = c.cfg.AutoOffsetReset
	}
	c.positionHook(ps, reason, policy)
	return nil
}

// reset applies auto.offset.reset to ps.
func (c *Consumer) reset(ps *partState, why string) client.Event {
	ps.dropBuffer()
	switch c.cfg.AutoOffsetReset {
	case "smallest":
		ps.pos, ps.posReason = client.OffsetBeginning, client.PositionReset
	case "largest":
		ps.pos, ps.posReason = client.OffsetEnd, client.PositionReset
	default:
		ps.stopped = true
		tp := client.TopicPartition{Topic: ps.tp.Topic, Partition: ps.tp.Partition, Offset: ps.pos}
		e := client.NewError(client.ErrAutoOffsetReset, fmt.Sprintf(
			"%s: %s and auto.offset.reset=error: partition stopped until Seek", tp.Key(), why), false).WithTopicPartition(tp)
		client.Each(c.hooks, func(h client.HookError) { h.OnError(client.ErrorRaised{Info: c.info(), Err: e}) })
		return e
	}
	return c.resolve(ps)
}

// deliverNext hands the next record of ps's batch to the app: the
// position moves past it and, with enable.auto.offset.store, its offset
// + 1 is stored for the next commit.
func (c *Consumer) deliverNext(ps *partState) client.Event {
	var r broker.Record
	ps.batch.Next(&r)
	rec := &r
	m := c.newMessage()
	m.TopicPartition.Topic, m.TopicPartition.Partition, m.TopicPartition.Offset = ps.tp.Topic, ps.tp.Partition, client.Offset(rec.Offset)
	m.Key, m.Value = rec.Key, rec.Value
	m.Timestamp, m.TimestampType = rec.Timestamp, client.TimestampCreateTime
	if len(rec.Headers) > 0 {
		m.Headers = make([]client.Header, len(rec.Headers))
		for i, h := range rec.Headers {
			m.Headers[i] = client.Header{Key: h.Key, Value: h.Value}
		}
	}
	ps.pos = client.Offset(rec.Offset + 1)
	ps.eof = false
	store := c.cfg.EnableAutoOffsetStore && !c.java
	if store {
		ps.stored, ps.storedMD = ps.pos, nil
	}
	if c.dh.Any() {
		// What consumerstate.Delivered does, with the hooks picked once
		// (c.dh) and called here: the Info is written straight into
		// their event instead of built and copied.
		ev := client.MessageDelivered{Message: m, Stored: store}
		c.fillInfo(&ev.Info)
		for _, h := range c.dh.Delivered {
			h.OnMessageDelivered(ev)
		}
		if store && len(c.dh.Stored) > 0 {
			c.reportStored(&ev.Info, ps)
		}
	}
	if c.cfg.EnablePartitionEOF && ps.batch.Len() == 0 && ps.hasWM && rec.Offset+1 >= ps.high {
		// Reached the end as last seen: raise EOF right after the message.
		ps.eof = true
		c.push(item{ev: client.PartitionEOF{Topic: ps.tp.Topic, Partition: ps.tp.Partition, Offset: ps.pos}})
	}
	return m
}

// reportStored tells the OffsetsStored hooks that ps's position was
// stored at delivery (enable.auto.offset.store).
func (c *Consumer) reportStored(info *client.Info, ps *partState) {
	offs := c.storedOffset(ps.tp.Topic, ps.tp.Partition, ps.pos)
	ev := client.OffsetsStored{Info: *info, Offsets: offs, Auto: true}
	for _, h := range c.dh.Stored {
		h.OnOffsetsStored(ev)
	}
}

// Delivered messages and stored-offset slices are carved from blocks that
// start at blockFirst elements and double per block up to about
// blockBytes: a consumer that delivers a handful of messages allocates
// little, a busy one allocates once per 8 KiB.
const (
	blockFirst = 8
	blockBytes = 8 << 10
)

// nextBlockLen is the length of the block after one of length last, for
// elements of size elem.
func nextBlockLen(last int, elem uintptr) int {
	if last == 0 {
		return blockFirst
	}
	return max(min(2*last, int(blockBytes/elem)), last)
}

// newMessage returns a message for a delivery whose fields but those
// deliverNext always sets are zero: one the app released, or a fresh one.
// Fresh messages are carved from blocks: each delivery still gets its own
// *Message, which the app may keep and modify; it only keeps its block
// alive.
func (c *Consumer) newMessage() *client.Message {
	var m *client.Message
	if c.relSlot.Load() != nil {
		m = c.relSlot.Swap(nil)
	}
	if n := len(c.released); m == nil && n > 0 {
		m = c.released[n-1]
		c.released = c.released[:n-1]
	}
	if m != nil {
		// Released as the app left it: zero what deliverNext does not set,
		// and only what is not zero (each pointer written is a write
		// barrier while the collector marks; clearing the whole message
		// would be a barrier on every pointer in it).
		tp := &m.TopicPartition
		if tp.Metadata != nil {
			tp.Metadata = nil
		}
		if tp.Error != nil {
			tp.Error = nil
		}
		if m.Headers != nil {
			m.Headers = nil
		}
		if m.Opaque != nil {
			m.Opaque = nil
		}
		return m
	}
	if len(c.msgFree) == 0 {
		c.msgBlock = nextBlockLen(c.msgBlock, unsafe.Sizeof(client.Message{}))
		c.msgFree = make([]client.Message, c.msgBlock)
	}
	m = &c.msgFree[0]
	c.msgFree = c.msgFree[1:]
	return m
}

// Release gives back a message Poll returned, which the app is done with:
// the consumer may deliver a later message in the same memory, so the app
// must neither read nor keep m (nor its fields) afterwards. Releasing is
// optional: a message never released is collected as garbage. It is not
// part of client.Consumer (confluent-kafka hands out a new message every
// time); the scenario runner uses it for the messages no one but its own
// loop has seen, which makes a run allocate a fifth less.
func (c *Consumer) Release(m *client.Message) {
	if m == nil {
		return
	}
	if c.cl.direct() {
		c.released = append(c.released, m)
		return
	}
	if c.cl.drv == nil && c.relSlot.CompareAndSwap(nil, m) {
		// The usual loop (Poll, process, Release, Poll) gives back one
		// message at a time: an atomic slot takes it without the gate.
		return
	}
	defer c.cl.exit(c.cl.enter(c.id, opQuery, c.cl.keyMsg(m), c))
	c.released = append(c.released, m)
}

// storedOffset returns a one-element slice holding the offset of a
// partition for an OffsetsStored hook, carved (capped) from a shared,
// zeroed block: only the fields set are written (fewer pointer writes).
func (c *Consumer) storedOffset(topic string, partition int32, offset client.Offset) []client.TopicPartition {
	if len(c.offFree) == 0 {
		c.offBlock = nextBlockLen(c.offBlock, unsafe.Sizeof(client.TopicPartition{}))
		c.offFree = make([]client.TopicPartition, c.offBlock)
	}
	s := c.offFree[0:1:1]
	c.offFree = c.offFree[1:]
	s[0].Topic, s[0].Partition, s[0].Offset = topic, partition, offset
	return s
}
