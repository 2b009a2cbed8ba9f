package sim

import (
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/internal/consumerstate"
	"github.com/kafkasim/kafkasim/group"
	"github.com/kafkasim/kafkasim/internal/clock"
)

// joinState is where the consumer is in the group protocol.
type joinState int

const (
	stInit    joinState = iota // not in a group, or waiting to (re)join
	stJoining                  // JoinGroup sent
	stSyncing                  // SyncGroup sent
	stWaitApp                  // rebalance events queued for the app
	stSteady                   // assignment applied
)

// fetchBatch is how many records one simulated fetch returns at most.
const fetchBatch = 1000

// partState is one assigned partition.
type partState struct {
	tp        broker.TopicPartition
	pos       client.Offset // next offset to hand out, or a logical offset to resolve
	posReason client.PositionReason
	stored    client.Offset
	storedMD  *string
	committed client.Offset // last commit this consumer saw
	paused    bool
	stopped   bool // auto.offset.reset=error hit; waits for Seek
	eof       bool // PartitionEOF raised at the current position
	unknown   bool // UNKNOWN_TOPIC_OR_PART raised
	low, high int64
	hasWM     bool
	// rd fetches the partition; batch is the fetched records not yet
	// handed out.
	rd    broker.Reader
	batch broker.Batch
}

func (ps *partState) key() client.PartitionKey {
	return client.PartitionKey{Topic: ps.tp.Topic, Partition: ps.tp.Partition}
}

func (ps *partState) dropBuffer() { ps.batch.Reset() }

// rebOp is a rebalance step waiting to be served by Poll.
type rebOp struct {
	assign      bool
	parts       []client.TopicPartition
	lost        bool
	incremental bool
	after       func()
	// javaCommit: the Java model commits its positions before this
	// revoke is served (consumer protocol).
	javaCommit bool
	// epoch and gen stamp an assignment with the membership it came from.
	// An assignment still queued when that membership is lost (or a newer
	// generation joined) is outdated and dropped unserved, as librdkafka
	// drops outdated ops by version.
	epoch uint64
	gen   int32
}

func (op *rebOp) event() client.Event {
	return consumerstate.RebalanceEvent(op.assign, op.parts, op.lost)
}

// item is an entry of the consumer's app queue: an event for the app, a
// rebalance step, or a deferred rejoin.
type item struct {
	ev     client.Event
	op     *rebOp
	rejoin bool
	// javaPrepare: the Java model's onJoinPrepare (commit positions, then
	// revoke and rejoin), which the Java client runs inside the next poll().
	javaPrepare bool
}

// Consumer is the simulated consumer. It implements client.Consumer and
// client.Crasher. Create it with Cluster.NewConsumer.
type Consumer struct {
	cl *Cluster
	// id numbers the cluster's clients in creation order (callKey).
	id uint32
	// stalled: the owner of a driver holds the consumer's calls back
	// (Stall); killed: its process is gone (Kill). See driver.go.
	stalled bool
	killed  atomic.Bool
	// pollReadyF is pollReady, for a driven cluster's parks (readyFn).
	pollReadyF func() bool
	cfg        client.ConsumerConfig
	hooks      client.Hooks
	// dh are the hooks of every delivery, picked out of hooks once.
	dh   consumerstate.DeliveryHooks
	java bool
	// javaPreparing: a Java-model rebalance waits for the next Poll.
	javaPreparing bool
	// assignEpoch counts lost memberships (see rebOp.epoch).
	assignEpoch uint64
	// commitBuf is the reused offsets list of commit requests.
	commitBuf []group.OffsetCommit

	closed, crashed bool
	fatal           *client.Error

	topics     []string
	subscribed bool
	cb         client.RebalanceCb
	missing    map[string]bool
	metaSnap   map[string]int32

	memberID   string
	generation int32
	protocol   string
	state      joinState
	joinSeq    uint64
	pendJoin   bool // join waits for the broker
	// k848 is the member's state under group.protocol=consumer
	// (KIP-848; group848.go).
	k848 member848

	parts []*partState
	byKey map[client.PartitionKey]*partState
	rr    int
	lost  bool

	// idle: the last look at the partitions (nextMessage) found nothing
	// and changed nothing, the broker was at version idleVer, and nothing
	// else the look reads has changed since. While the broker stays at
	// idleVer, serve skips the look (about a hundred instructions per
	// partition on every idle poll): it would find nothing and change
	// nothing again. What the look reads, besides the broker, is the
	// assignment, the partitions' positions, buffers and flags, and
	// brokerDown; everything outside nextMessage that changes them clears
	// idle (addPartitions, removePartitions, setPaused, Seek, net).
	idle    bool
	idleVer uint64
	// fetched: the look now running went past the cheap caught-up check
	// (fetch), which may change state; it is then not marked idle.
	fetched bool

	queue        []item
	qhead        int
	queuedRevoke *rebOp
	applying     *rebOp
	curOp        *rebOp // op the app or callback may apply
	cbApplied    bool
	pendingApp   *rebOp
	revokeTrig   client.CommitTrigger

	inPoll bool
	polled bool
	// lastPollNs is when the last poll returned, in Unix nanoseconds (an
	// integer: a time.Time field written at every poll would be a write
	// barrier each while the collector marks).
	lastPollNs      int64
	maxPollExceeded bool
	// mpArmed is mpTimer.Pending(): set when it is started, cleared when
	// it fires (maxPollCheck) or is stopped (stopTimers), its only ends.
	mpArmed bool

	hbTimer, acTimer, mpTimer, mdTimer, reconnTimer clock.Timer
	javaNext                                        time.Time
	brokerDown                                      bool
	backoff                                         time.Duration
	pendingCommits                                  []*pendingCommit
	commitSeq                                       uint64

	// blocks the next delivered messages and stored-offset slices are
	// carved from (see newMessage).
	msgFree            []client.Message
	offFree            []client.TopicPartition
	msgBlock, offBlock int // lengths of the last blocks
	// released are delivered messages the app gave back (Release), to be
	// delivered again before a block is carved; relSlot holds one more,
	// given back without the gate (see Release).
	released []*client.Message
	relSlot  atomic.Pointer[client.Message]
	// reuseResults (ReuseCommitResults): the app's synchronous commits
	// return resBuf, one buffer rewritten by each of them; toResBuf asks
	// the next commit for it. msgOff holds what CommitMessage commits.
	reuseResults, toResBuf bool
	// releaseCommitted (ReleaseCommitted): CommitMessage releases its
	// message.
	releaseCommitted bool
	resBuf           []client.TopicPartition
	msgOff           [1]client.TopicPartition
}

type pendingCommit struct {
	id      uint64
	offs    []client.TopicPartition
	trig    client.CommitTrigger
	noEvent bool
	expiry  clock.Timer // gives the commit up after session.timeout.ms
}

// NewConsumer creates a consumer from a librdkafka-style configuration
// (group.id is required). hooks observe it (see client.Hook).
func (cl *Cluster) NewConsumer(conf client.ConfigMap, hooks ...client.Hook) (*Consumer, error) {
	cfg, err := client.ParseConsumerConfig(conf)
	if err != nil {
		return nil, err
	}
	defer cl.exit(cl.enter(0, opNew, cl.keyString(cfg.GroupID+"/"+cfg.ClientID), nil))
	cl.clients++
	c := &Consumer{
		id: uint32(cl.clients), cl: cl, cfg: cfg, hooks: hooks, dh: consumerstate.NewDeliveryHooks(hooks), java: cfg.AutoCommitMode == client.AutoCommitJava,
		generation: -1, byKey: map[client.PartitionKey]*partState{}, missing: map[string]bool{},
		revokeTrig: client.TriggerRevoke,
	}
	if cfg.GroupProtocol == client.GroupProtocolConsumer {
		// librdkafka makes up the member id when it creates the
		// consumer (KIP-1082) and keeps it.
		c.k848.on = true
		c.memberID = cl.newMemberID848()
	}
	c.javaNext = cl.clk.Now().Add(cfg.AutoCommitInterval)
	c.startAutoCommit()
	c.lifecycle(client.LifecycleCreated, nil)
	return c, nil
}

// Config is the consumer's parsed configuration.
func (c *Consumer) Config() client.ConsumerConfig { return c.cfg }

// String is "client.id(member id)".
func (c *Consumer) String() string {
	defer c.cl.exit(c.cl.enter(c.id, opQuery, 0, c))
	return fmt.Sprintf("%s(%s)", c.cfg.ClientID, c.memberID)
}

func (c *Consumer) dead() bool { return c.closed }

// check returns the error every call gets on a closed or failed consumer.
func (c *Consumer) check() error {
	if c.closed {
		return client.ClosedError()
	}
	if c.fatal != nil {
		return *c.fatal
	}
	return nil
}

func (c *Consumer) info() client.Info {
	return client.Info{Time: c.cl.clk.Now(), ClientID: c.cfg.ClientID, GroupID: c.cfg.GroupID,
		MemberID: c.memberID, InstanceID: c.cfg.InstanceID, Generation: c.generation}
}

// fillInfo writes what info returns into *in, which is zero.
func (c *Consumer) fillInfo(in *client.Info) {
	in.Time, in.ClientID, in.GroupID = c.cl.clk.Now(), c.cfg.ClientID, c.cfg.GroupID
	in.MemberID, in.InstanceID, in.Generation = c.memberID, c.cfg.InstanceID, c.generation
}

func (c *Consumer) lifecycle(k client.LifecycleKind, topics []string) {
	client.Each(c.hooks, func(h client.HookLifecycle) {
		h.OnLifecycle(client.Lifecycle{Info: c.info(), Kind: k, Topics: topics})
	})
}

func (c *Consumer) groupEvent(ev client.GroupEvent) {
	if len(c.hooks) == 0 {
		return
	}
	ev.Info = c.info()
	client.Each(c.hooks, func(h client.HookGroup) { h.OnGroup(ev) })
}

// raise queues an error event for the app.
func (c *Consumer) raise(e client.Error) {
	c.push(item{ev: e})
	client.Each(c.hooks, func(h client.HookError) { h.OnError(client.ErrorRaised{Info: c.info(), Err: e}) })
}

func (c *Consumer) push(it item) {
	if c.qhead > 0 && c.qhead == len(c.queue) {
		c.queue, c.qhead = c.queue[:0], 0
	}
	c.queue = append(c.queue, it)
}

func (c *Consumer) setFatal(code client.ErrorCode, why string) {
	if c.fatal != nil {
		return
	}
	e := client.NewFatalError(code, fmt.Sprintf("Fatal error: %s: %s", why, code.Error()))
	c.fatal = &e
	c.stopTimers()
	c.joinSeq++
	c.state = stInit
	c.raise(e)
}

func (c *Consumer) stopTimers() {
	c.hbTimer.Stop()
	c.acTimer.Stop()
	c.mpTimer.Stop()
	c.mpArmed = false
	c.mdTimer.Stop()
	c.reconnTimer.Stop()
}

// --- broker connectivity ---

// net reports whether the broker is reachable, raising _TRANSPORT and
// _ALL_BROKERS_DOWN when it goes away and retrying what waited when it
// comes back.
func (c *Consumer) net() bool {
	up := c.cl.b.Available()
	if !up && !c.brokerDown {
		c.brokerDown, c.idle = true, false
		c.raise(client.NewError(client.ErrTransport, "sim:9092/1: Disconnected (broker unavailable)", false))
		c.raise(client.NewError(client.ErrAllBrokersDown, "1/1 brokers are down", false))
		c.backoff = c.cfg.ReconnectBackoff
		c.scheduleReconnect()
	} else if up && c.brokerDown {
		c.brokerDown, c.idle = false, false
		c.reconnTimer.Stop()
		c.onReconnect()
	}
	return up
}

func (c *Consumer) scheduleReconnect() {
	d := max(c.backoff, time.Millisecond)
	c.reconnTimer = c.cl.clk.After(d, func() {
		if c.dead() || c.fatal != nil {
			return
		}
		if !c.net() {
			c.backoff = min(2*c.backoff, max(c.cfg.ReconnectBackoffMax, c.cfg.ReconnectBackoff))
			c.reconnTimer.Stop()
			c.scheduleReconnect()
		}
	})
}

func (c *Consumer) onReconnect() {
	pend := c.pendingCommits
	c.pendingCommits = nil
	for _, p := range pend {
		p.expiry.Stop()
		err := c.sendCommit(p.offs)
		c.finishCommit(p.id, p.offs, err, p.trig, true, p.noEvent)
	}
	if c.pendJoin {
		c.pendJoin = false
		c.join()
		if c.k848.on {
			return
		}
	}
	if c.k848.on {
		if c.k848.joined && c.fatal == nil && c.subscribed && !c.maxPollExceeded && !c.k848.leaving {
			c.k848.full = true
			c.heartbeat848()
		}
		return
	}
	if c.state == stSteady || c.state == stWaitApp {
		c.startHeartbeat()
	}
}

// --- subscription ---

// Subscribe subscribes to one topic (see SubscribeTopics).
func (c *Consumer) Subscribe(topic string, rebalanceCb client.RebalanceCb) error {
	defer c.cl.exit(c.cl.enter(c.id, opSubscribe, c.cl.keyString(topic), c))
	return c.subscribeTopics([]string{topic}, rebalanceCb)
}

// SubscribeTopics replaces the subscription and joins the group; the
// assignment arrives through Poll.
func (c *Consumer) SubscribeTopics(topics []string, rebalanceCb client.RebalanceCb) error {
	defer c.cl.exit(c.cl.enter(c.id, opSubscribe, 0, c))
	return c.subscribeTopics(topics, rebalanceCb)
}

// subscribeTopics is SubscribeTopics without the gate, for calls from inside a call.
func (c *Consumer) subscribeTopics(topics []string, rebalanceCb client.RebalanceCb) error {
	if err := c.check(); err != nil {
		return err
	}
	if len(topics) == 0 {
		return client.NewError(client.ErrInvalidArg, "empty subscription", false)
	}
	ts := slices.Clone(topics)
	slices.Sort(ts)
	ts = slices.Compact(ts)
	for _, t := range ts {
		if len(t) > 0 && t[0] == '^' {
			return client.NewError(client.ErrInvalidArg, fmt.Sprintf("regex subscription %q is not modelled by the simulator", t), false)
		}
	}
	changed := !slices.Equal(ts, c.topics)
	c.topics, c.cb = ts, rebalanceCb
	wasSubscribed := c.subscribed
	c.subscribed = true
	c.lifecycle(client.LifecycleSubscribed, slices.Clone(ts))
	if c.k848.on {
		c.protocol = client.GroupProtocolConsumer // librdkafka: COOPERATIVE once subscribed
	}
	c.checkTopics()
	c.startMetadataTimer()
	if !wasSubscribed {
		c.join()
	} else if changed {
		c.rejoin("subscription changed")
	}
	return nil
}

// Subscription is the current subscription.
func (c *Consumer) Subscription() ([]string, error) {
	defer c.cl.exit(c.cl.enter(c.id, opQuery, 0, c))
	if err := c.check(); err != nil {
		return nil, err
	}
	return slices.Clone(c.topics), nil
}

// Unsubscribe revokes the assignment (committing stored offsets when
// auto-commit is on) and leaves the group.
func (c *Consumer) Unsubscribe() error {
	defer c.cl.exit(c.cl.enter(c.id, opUnsubscribe, 0, c))
	if err := c.check(); err != nil {
		return err
	}
	if !c.subscribed {
		return nil
	}
	c.leaveGroup("unsubscribe", client.TriggerRevoke)
	c.subscribed = false
	c.topics = nil
	c.lifecycle(client.LifecycleUnsubscribed, nil)
	return nil
}

// leaveGroup revokes everything (serving the callback), then sends
// LeaveGroup for a dynamic member.
func (c *Consumer) leaveGroup(reason string, trig client.CommitTrigger) {
	if c.k848.on {
		// librdkafka sends no heartbeat once it is leaving (its revoke
		// and commit included: rd_kafka_cgrp_will_leave).
		c.k848.leaving = true
		c.hbTimer.Stop()
	}
	// A JoinGroup or SyncGroup answer still in flight is ignored from
	// now on: librdkafka drops it once the consumer is closing
	// (RD_KAFKA_CGRP_F_TERMINATE in rd_kafka_cgrp_handle_JoinGroup and
	// rd_kafka_cgrp_handle_SyncGroup_memberstate) or its join state moved
	// on ("discarding outdated request"). Taken during the revoke below
	// (its commit may wait for the coordinator), it would give that
	// commit a generation in which this member owns nothing.
	c.joinSeq++
	if c.java && c.cfg.EnableAutoCommit && !c.lost && len(c.parts) > 0 {
		c.commitPositions(trig)
	}
	c.drainOps()
	if len(c.parts) > 0 {
		c.revokeTrig = trig
		op := &rebOp{parts: c.assignedList(), lost: c.lost, incremental: c.cfg.Cooperative}
		c.serveOpNow(op)
		c.revokeTrig = client.TriggerRevoke
	}
	c.hbTimer.Stop()
	c.mdTimer.Stop()
	c.joinSeq++
	if c.k848.on {
		// Static members too: they leave with epoch -2. The member id
		// is kept for a later subscribe.
		c.leave848(reason)
		c.state = stInit
		return
	}
	c.leaveClassic(reason)
	c.memberID = ""
	c.generation = -1
	c.state = stInit
}

// leaveClassic sends LeaveGroup for a dynamic member of a classic group
// that has a member id (a static member sends none, as librdkafka).
func (c *Consumer) leaveClassic(reason string) {
	if c.memberID != "" && c.cfg.InstanceID == "" && c.net() {
		c.leaveReported(reason, func() error { return c.cl.coord.Leave(c.cfg.GroupID, c.memberID, "") })
	}
}

// leaveReported sends a leave with send and reports it (GroupLeft) with
// send's answer, before the coordinator's reaction to it: the
// coordinator answers inside send, so its transitions are held until the
// report is out.
func (c *Consumer) leaveReported(reason string, send func() error) {
	c.cl.coord.HoldTransitions()
	defer c.cl.coord.ReleaseTransitions()
	c.groupEvent(client.GroupEvent{Kind: client.GroupLeft, Err: send(), Reason: reason})
}

// drainOps drops queued rebalance steps (the consumer is leaving); app
// events stay queued.
func (c *Consumer) drainOps() {
	kept := c.queue[:c.qhead]
	for _, it := range c.queue[c.qhead:] {
		if it.op == nil && !it.rejoin {
			kept = append(kept, it)
		}
	}
	c.queue = kept
	c.queuedRevoke = nil
	c.pendingApp = nil
	c.curOp = nil
}

// checkTopics raises UNKNOWN_TOPIC_OR_PART once for each subscribed topic
// that does not exist (creating it if both sides allow auto-creation).
func (c *Consumer) checkTopics() {
	if !c.cl.b.Available() {
		return
	}
	for _, t := range c.topics {
		_, err := c.cl.b.Partitions(t)
		if err != nil && c.cfg.AllowAutoCreateTopics && c.cl.b.Config().AllowAutoCreateTopics {
			if c.cl.b.CreateTopic(t, max(c.cl.b.Config().AutoCreatePartitions, 1), broker.TopicConfig{}) == nil {
				err = nil
			}
		}
		if err != nil {
			if !c.missing[t] {
				c.missing[t] = true
				c.raise(client.NewError(client.ErrUnknownTopicOrPart,
					fmt.Sprintf("Subscribed topic not available: %s: Broker: Unknown topic or partition", t), false))
			}
		} else {
			delete(c.missing, t)
		}
	}
}

func (c *Consumer) snapshot() map[string]int32 {
	m := map[string]int32{}
	for _, t := range c.topics {
		if n, err := c.cl.b.Partitions(t); err == nil {
			m[t] = n
		}
	}
	return m
}

func (c *Consumer) startMetadataTimer() {
	iv := c.cfg.MetadataRefreshInterval
	if iv <= 0 || c.mdTimer.Pending() {
		return
	}
	c.mdTimer = c.cl.clk.After(iv, func() {
		if c.dead() || c.fatal != nil || !c.subscribed {
			return
		}
		c.startMetadataTimer()
		if !c.cl.b.Available() {
			return
		}
		c.checkTopics()
		// The consumer protocol's coordinator follows the topics itself.
		if c.state == stSteady && !c.k848.on && !maps32Equal(c.snapshot(), c.metaSnap) {
			c.rejoin("subscribed topics changed (metadata refresh)")
		}
	})
}

func maps32Equal(a, b map[string]int32) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// --- accessors ---

// MemberID is the group member id ("" before the first join).
func (c *Consumer) MemberID() string {
	if c.cl.direct() {
		return c.memberID
	}
	defer c.cl.exit(c.cl.enter(c.id, opQuery, 0, c))
	return c.memberID
}

// Generation is the generation of the last successful join (-1: none).
func (c *Consumer) Generation() int32 {
	if c.cl.direct() {
		return c.generation
	}
	defer c.cl.exit(c.cl.enter(c.id, opQuery, 1, c))
	return c.generation
}

// IsClosed reports whether Close (or Crash) was called.
func (c *Consumer) IsClosed() bool {
	if c.cl.direct() {
		return c.closed
	}
	defer c.cl.exit(c.cl.enter(c.id, opQuery, 2, c))
	return c.closed
}

// AssignmentLost reports whether the current assignment was lost.
func (c *Consumer) AssignmentLost() bool {
	if c.cl.direct() {
		return c.lost
	}
	defer c.cl.exit(c.cl.enter(c.id, opQuery, 3, c))
	return c.lost
}

// GetRebalanceProtocol is EAGER or COOPERATIVE once the consumer has joined
// a group, NONE before.
func (c *Consumer) GetRebalanceProtocol() string {
	defer c.cl.exit(c.cl.enter(c.id, opQuery, 4, c))
	return c.rebalanceProtocol()
}

// rebalanceProtocol is GetRebalanceProtocol without the gate, for calls from inside a call.
func (c *Consumer) rebalanceProtocol() string {
	if c.protocol == "" {
		return client.RebalanceNone
	}
	if c.cfg.Cooperative {
		return client.RebalanceCooperative
	}
	return client.RebalanceEager
}

// Assignment is the current assignment, sorted.
func (c *Consumer) Assignment() ([]client.TopicPartition, error) {
	defer c.cl.exit(c.cl.enter(c.id, opQuery, 5, c))
	if err := c.check(); err != nil {
		return nil, err
	}
	return c.assignedList(), nil
}

func (c *Consumer) assignedList() []client.TopicPartition {
	out := make([]client.TopicPartition, len(c.parts))
	for i, ps := range c.parts {
		out[i] = client.TopicPartition{Topic: ps.tp.Topic, Partition: ps.tp.Partition, Offset: client.OffsetInvalid}
	}
	return out
}

// Position is the next offset Poll would hand out for each partition
// (OffsetInvalid if not yet known).
func (c *Consumer) Position(partitions []client.TopicPartition) ([]client.TopicPartition, error) {
	defer c.cl.exit(c.cl.enter(c.id, opQuery, c.cl.keyTP(partitions), c))
	if err := c.check(); err != nil {
		return nil, err
	}
	return consumerstate.Positions(partitions, func(k client.PartitionKey) (client.Offset, bool) {
		if ps := c.byKey[k]; ps != nil {
			return ps.pos, true
		}
		return client.OffsetInvalid, false
	}), nil
}

// GetWatermarkOffsets is the log start and end last seen by a fetch.
func (c *Consumer) GetWatermarkOffsets(topic string, partition int32) (low, high int64, err error) {
	defer c.cl.exit(c.cl.enter(c.id, opQuery, c.cl.keyString(topic)+uint64(partition), c))
	if err := c.check(); err != nil {
		return 0, 0, err
	}
	ps := c.byKey[client.PartitionKey{Topic: topic, Partition: partition}]
	if ps == nil || !ps.hasWM {
		return -1001, -1001, nil
	}
	return ps.low, ps.high, nil
}

// Committed fetches the group's committed offsets, waiting up to timeoutMs
// for the broker if it is down.
func (c *Consumer) Committed(partitions []client.TopicPartition, timeoutMs int) ([]client.TopicPartition, error) {
	defer c.cl.exit(c.cl.enter(c.id, opQuery, c.cl.keyTP(partitions)+1, c))
	if err := c.check(); err != nil {
		return nil, err
	}
	if !c.waitBroker(c.cl.deadline(timeoutMs)) {
		return nil, client.NewError(client.ErrTimedOut, "committed: broker unavailable", false)
	}
	tps := make([]broker.TopicPartition, len(partitions))
	for i, tp := range partitions {
		tps[i] = broker.TopicPartition{Topic: tp.Topic, Partition: tp.Partition}
	}
	got := c.cl.coord.FetchOffsets(c.cfg.GroupID, tps)
	out := make([]client.TopicPartition, len(partitions))
	for i, tp := range partitions {
		out[i] = client.TopicPartition{Topic: tp.Topic, Partition: tp.Partition, Offset: client.OffsetInvalid}
		if om, ok := got[tps[i]]; ok && om.Offset >= 0 {
			out[i].Offset = client.Offset(om.Offset)
			if om.Metadata != "" {
				md := om.Metadata
				out[i].Metadata = &md
			}
		}
	}
	return out, nil
}

// waitBroker runs the loop until the broker is up or deadline passes.
func (c *Consumer) waitBroker(deadline time.Time) bool {
	ok := c.cl.runLoopReady(deadline, c.cl.b.Available, c.cl.b.Available)
	c.net()
	return ok
}

// --- assignment ---

func (c *Consumer) sortParts() {
	slices.SortFunc(c.parts, func(a, b *partState) int { return broker.CompareTopicPartitions(a.tp, b.tp) })
}

// addPartitions adds partitions to the assignment (an existing one gets
// its position replaced when an explicit offset is given).
func (c *Consumer) addPartitions(tps []client.TopicPartition, manual bool) {
	c.idle = false
	var added []client.TopicPartition
	for _, tp := range tps {
		ps := c.byKey[tp.Key()]
		if ps == nil {
			ps = &partState{tp: broker.TopicPartition{Topic: tp.Topic, Partition: tp.Partition},
				pos: client.OffsetStored, stored: client.OffsetInvalid, committed: client.OffsetInvalid}
			ps.rd = c.cl.b.Reader(ps.tp)
			c.byKey[tp.Key()] = ps
			c.parts = append(c.parts, ps)
			added = append(added, client.TopicPartition{Topic: tp.Topic, Partition: tp.Partition, Offset: tp.Offset})
		}
		switch {
		case tp.Offset >= 0, tp.Offset == client.OffsetBeginning, tp.Offset == client.OffsetEnd, isTail(tp.Offset):
			ps.pos, ps.posReason = tp.Offset, client.PositionExplicit
			ps.dropBuffer()
			ps.stopped, ps.eof = false, false
			if tp.Offset >= 0 {
				c.positionHook(ps, client.PositionExplicit, "")
			}
		}
	}
	c.sortParts()
	c.rebalanceHook(client.RebalanceAssigned, added, manual)
}

// removePartitions removes partitions, auto-committing their stored
// offsets first unless the assignment was lost.
func (c *Consumer) removePartitions(tps []client.TopicPartition, lost, manual bool) {
	c.idle = false
	var gone []client.TopicPartition
	for _, tp := range tps {
		if c.byKey[tp.Key()] != nil {
			gone = append(gone, client.TopicPartition{Topic: tp.Topic, Partition: tp.Partition, Offset: client.OffsetInvalid})
		}
	}
	// As librdkafka's unassign does (rd_kafka_assignment_serve_removals):
	// the partitions leave the assignment, then, with auto-commit and
	// unless the assignment was lost, every one with a stored offset has
	// it committed, even one already committed.
	var offs []client.TopicPartition
	if !lost && c.cfg.EnableAutoCommit && !c.java && c.fatal == nil && len(gone) > 0 {
		offs = c.storedValid(gone)
	}
	for _, tp := range gone {
		ps := c.byKey[tp.Key()]
		delete(c.byKey, tp.Key())
		c.parts = slices.DeleteFunc(c.parts, func(x *partState) bool { return x == ps })
	}
	if c.rr >= len(c.parts) {
		c.rr = 0
	}
	kind := client.RebalanceRevoked
	if lost {
		kind = client.RebalanceLost
	}
	if len(gone) > 0 {
		c.rebalanceHook(kind, gone, manual)
	}
	if len(offs) > 0 {
		_, _ = c.commit(offs, c.revokeTrig, false, false)
	}
	if len(c.parts) == 0 {
		c.lost = false
	}
}

func (c *Consumer) rebalanceHook(k client.RebalanceKind, tps []client.TopicPartition, manual bool) {
	if len(c.hooks) == 0 {
		return
	}
	consumerstate.RebalanceHook(c.hooks, c.info(), k, tps, c.rebalanceProtocol(), manual)
}

func (c *Consumer) positionHook(ps *partState, r client.PositionReason, reset string) {
	if len(c.hooks) == 0 {
		return
	}
	client.Each(c.hooks, func(h client.HookPosition) {
		h.OnPosition(client.Position{Info: c.info(), Partition: client.TopicPartition{Topic: ps.tp.Topic, Partition: ps.tp.Partition, Offset: ps.pos}, Reason: r, Reset: reset})
	})
}

// Assign replaces the assignment. Inside an eager rebalance (callback, or
// an AssignedPartitions event with go.application.rebalance.enable) it
// completes the rebalance.
func (c *Consumer) Assign(partitions []client.TopicPartition) error {
	defer c.cl.exit(c.cl.enter(c.id, opAssign, c.cl.keyTP(partitions), c))
	if err := c.check(); err != nil {
		return err
	}
	if op := c.curOp; op != nil {
		if op.incremental {
			return client.NewError(client.ErrState, "Changes to the current assignment must be made using IncrementalAssign() when rebalance protocol type is COOPERATIVE", false)
		}
		c.cbApplied = true
		c.finishOp(op, func() { c.replaceAssignment(partitions, false) })
		return nil
	}
	c.replaceAssignment(partitions, true)
	return nil
}

func (c *Consumer) replaceAssignment(partitions []client.TopicPartition, manual bool) {
	keep := map[client.PartitionKey]bool{}
	for _, tp := range partitions {
		keep[tp.Key()] = true
	}
	var drop []client.TopicPartition
	for _, ps := range c.parts {
		if !keep[ps.key()] {
			drop = append(drop, client.TopicPartition{Topic: ps.tp.Topic, Partition: ps.tp.Partition})
		}
	}
	if len(drop) > 0 {
		c.removePartitions(drop, c.lost, manual)
	}
	// Even an empty assignment is applied and observed: librdkafka calls
	// the rebalance callback (and kafkasim's hooks) with it too.
	c.addPartitions(partitions, manual)
}

// Unassign removes the whole assignment (inside an eager revoke, it
// completes it).
func (c *Consumer) Unassign() error {
	defer c.cl.exit(c.cl.enter(c.id, opAssign, 0, c))
	if err := c.check(); err != nil {
		return err
	}
	if op := c.curOp; op != nil {
		if op.incremental {
			return client.NewError(client.ErrState, "Changes to the current assignment must be made using IncrementalUnassign() when rebalance protocol type is COOPERATIVE", false)
		}
		c.cbApplied = true
		c.finishOp(op, func() { c.removePartitions(c.assignedList(), op.lost, false) })
		return nil
	}
	c.removePartitions(c.assignedList(), c.lost, true)
	return nil
}

// IncrementalAssign adds partitions (inside a cooperative rebalance, it
// completes the assign step).
func (c *Consumer) IncrementalAssign(partitions []client.TopicPartition) error {
	defer c.cl.exit(c.cl.enter(c.id, opAssign, c.cl.keyTP(partitions)+1, c))
	if err := c.check(); err != nil {
		return err
	}
	if op := c.curOp; op != nil {
		if !op.incremental {
			return client.NewError(client.ErrState, "Changes to the current assignment must be made using Assign() when rebalance protocol type is EAGER", false)
		}
		c.cbApplied = true
		c.finishOp(op, func() { c.addPartitions(partitions, false) })
		return nil
	}
	c.addPartitions(partitions, true)
	return nil
}

// IncrementalUnassign removes partitions (inside a cooperative revoke, it
// completes it).
func (c *Consumer) IncrementalUnassign(partitions []client.TopicPartition) error {
	defer c.cl.exit(c.cl.enter(c.id, opAssign, c.cl.keyTP(partitions)+2, c))
	if err := c.check(); err != nil {
		return err
	}
	if op := c.curOp; op != nil {
		if !op.incremental {
			return client.NewError(client.ErrState, "Changes to the current assignment must be made using Unassign() when rebalance protocol type is EAGER", false)
		}
		c.cbApplied = true
		c.finishOp(op, func() { c.removePartitions(partitions, op.lost, false) })
		return nil
	}
	c.removePartitions(partitions, c.lost, true)
	return nil
}

// Pause stops fetching the partitions.
func (c *Consumer) Pause(partitions []client.TopicPartition) error {
	defer c.cl.exit(c.cl.enter(c.id, opPause, c.cl.keyTP(partitions), c))
	return c.setPaused(partitions, true)
}

// Resume restarts fetching the partitions.
func (c *Consumer) Resume(partitions []client.TopicPartition) error {
	defer c.cl.exit(c.cl.enter(c.id, opPause, c.cl.keyTP(partitions)+1, c))
	return c.setPaused(partitions, false)
}

func (c *Consumer) setPaused(partitions []client.TopicPartition, p bool) error {
	if err := c.check(); err != nil {
		return err
	}
	c.idle = false
	for _, tp := range partitions {
		if ps := c.byKey[tp.Key()]; ps != nil {
			ps.paused = p
			if p {
				// Prefetched messages of a paused partition are purged,
				// as librdkafka does; the position does not move.
				ps.dropBuffer()
			}
		}
	}
	return nil
}

// Seek moves an assigned partition's position.
func (c *Consumer) Seek(partition client.TopicPartition, ignoredTimeoutMs int) error {
	defer c.cl.exit(c.cl.enter(c.id, opSeek, c.cl.keyTP([]client.TopicPartition{partition}), c))
	return c.seek(partition, ignoredTimeoutMs)
}

// seek is Seek without the gate, for calls from inside a call.
func (c *Consumer) seek(partition client.TopicPartition, ignoredTimeoutMs int) error {
	if err := c.check(); err != nil {
		return err
	}
	ps := c.byKey[partition.Key()]
	if ps == nil {
		return c.notAssigned(partition.Key())
	}
	c.idle = false
	ps.pos, ps.posReason = partition.Offset, client.PositionSeek
	if ps.pos == client.OffsetInvalid {
		ps.pos = client.OffsetStored
	}
	ps.dropBuffer()
	ps.stopped, ps.eof = false, false
	if ps.pos >= 0 {
		c.positionHook(ps, client.PositionSeek, "")
	}
	return nil
}
