package rdkafka

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/internal/consumerstate"
)

// Consumer is a client.Consumer driving the real librdkafka (through
// confluent-kafka-python) in an agent process of its own. Calls are
// serialized: one at a time reaches librdkafka, in the order they were
// made; a call from another goroutine waits. The rebalance callback may
// call back into the consumer.
type Consumer struct {
	p     *proc
	cfg   client.ConsumerConfig
	hooks client.Hooks
	in    *interpreter

	mu sync.Mutex // one call at a time; held while log lines are read

	topics     []string
	cb         client.RebalanceCb
	subscribed bool
	memberID   string
	generation int32
	protocol   string // "" until the first rebalance
	lost       bool
	inCb       bool
	closing    bool
	closed     bool
	crashed    bool
	fatal      *client.Error
	events     []client.Event
	lastPoll   time.Time
	// manual are the app's commits not yet seen in librdkafka's log, in
	// order.
	manual []manualCommit
	// commits maps a commit's id (the interpreter's) to what the hooks
	// need at its end.
	commits map[uint64]commitInfo
	// syncResult is the per-partition result of the synchronous commit
	// whose reply is being handled.
	syncResult []client.TopicPartition
	pumpDone   chan struct{}
	dying      atomic.Bool // Crash was called
	// maxPollRaised counts _MAX_POLL_EXCEEDED errors reported from the
	// log and not yet handed out by Poll.
	maxPollRaised int
}

// manualCommit is a commit the app asked for: whether it is asynchronous,
// and its offsets when given (librdkafka logs only stored offsets it
// looks up itself).
type manualCommit struct {
	async   bool
	offsets []client.TopicPartition
}

type commitInfo struct {
	trig    client.CommitTrigger
	async   bool
	offsets []client.TopicPartition
}

// callTimeout bounds how long a call waits for the agent beyond its own
// timeout: past it the agent is taken for hung and killed.
const callTimeout = 2 * time.Minute

// NewConsumer starts an agent process running a confluent_kafka.Consumer
// (librdkafka) with conf, librdkafka's keys as given (group.id is
// required); go.* and kafkasim.* keys are the Go side's, and the Java
// auto-commit model and go.application.rebalance.enable are refused.
// hooks observe it as they observe a client/sim consumer; they are called
// on the goroutine making a call, or, for what librdkafka does between
// calls (its auto-commit timer, leaving on max.poll.interval.ms), on a
// goroutine of the consumer's, never concurrently with each other. A *Pool
// among hooks supplies an agent started in advance.
//
// librdkafka starts its auto-commit timer when the consumer is created:
// NewConsumer returns once it has been.
func NewConsumer(conf client.ConfigMap, hooks ...client.Hook) (*Consumer, error) {
	cfg, err := client.ParseConsumerConfig(conf)
	if err != nil {
		return nil, err
	}
	lconf, err := librdkafkaConf(conf, true)
	if err != nil {
		return nil, err
	}
	p, err := agentFor(hooks)
	if err != nil {
		return nil, err
	}
	c := &Consumer{p: p, cfg: cfg, hooks: hooks, in: newInterpreter(p.errs()), generation: -1,
		commits: map[uint64]commitInfo{}, pumpDone: make(chan struct{})}
	c.mu.Lock()
	if _, err := c.callLocked(map[string]any{"op": "consumer", "conf": lconf}, 0); err != nil {
		c.mu.Unlock()
		p.kill()
		return nil, err
	}
	c.lastPoll = time.Now()
	c.lifecycleLocked(client.LifecycleCreated, nil)
	c.mu.Unlock()
	go c.pump()
	return c, nil
}

// Config is the validated configuration.
func (c *Consumer) Config() client.ConsumerConfig { return c.cfg }

// String names the consumer by client.id and member id.
func (c *Consumer) String() string { return fmt.Sprintf("%s(%s)", c.cfg.ClientID, c.MemberID()) }

// Versions reports the confluent-kafka-python and librdkafka versions the
// agent runs.
func (c *Consumer) Versions() (clientVersion, librdkafka string) {
	return c.p.info.Client, c.p.info.Librdkafka
}

// --- calls ---

// lock takes the call lock, except inside the consumer's own rebalance
// callback on the goroutine that runs it (the call that holds the lock is
// waiting for that callback).
func (c *Consumer) lock() (unlock func()) {
	if c.mu.TryLock() {
		return c.mu.Unlock
	}
	if c.inCb && inUserCallback() {
		return func() {}
	}
	c.mu.Lock()
	return c.mu.Unlock
}

func (c *Consumer) checkLocked() error {
	if c.closed || c.crashed {
		return client.ClosedError()
	}
	if c.fatal != nil {
		return *c.fatal
	}
	return nil
}

// callLocked sends req and waits for its reply, reading librdkafka's log
// up to it and serving the callbacks librdkafka runs meanwhile. wait is
// the call's own timeout (0 for calls that do not block).
func (c *Consumer) callLocked(req map[string]any, wait time.Duration) (json.RawMessage, error) {
	if err := c.p.send(req); err != nil {
		return nil, c.goneLocked(err)
	}
	limit := callTimeout
	if wait > 0 {
		limit += wait
	}
	if wait < 0 {
		limit = 100 * 365 * 24 * time.Hour
	}
	return c.replyLocked(limit, false)
}

// goneLocked is the error of a call on an agent that ended: ClosedError
// after Crash, else ErrFail naming what happened.
func (c *Consumer) goneLocked(err error) error {
	if c.dying.Load() || c.closed {
		return client.ClosedError()
	}
	return client.NewError(client.ErrFail, "librdkafka agent: "+err.Error(), false)
}

func (c *Consumer) errorOf(e *agentErr) client.Error {
	if e.Fatal {
		return client.NewFatalError(client.ErrorCode(e.Code), e.Str)
	}
	return client.NewError(client.ErrorCode(e.Code), e.Str, false)
}

// callbackLocked handles a callback librdkafka runs inside a call.
func (c *Consumer) callbackLocked(m msg) {
	switch m.CB {
	case "assign", "revoke", "lost":
		c.rebalanceLocked(m.CB, tpsOf(m.Parts))
		if err := c.p.send(map[string]any{"op": "return"}); err != nil {
			return
		}
	case "commit":
		oc := client.OffsetsCommitted{Offsets: tpsOf(m.Parts)}
		if m.Err != nil {
			oc.Error = c.errorOf(m.Err)
		}
		c.events = append(c.events, oc)
	case "error":
		if m.Err == nil {
			return
		}
		e := c.errorOf(m.Err)
		if e.IsFatal() {
			c.fatal = &e
		}
		c.errorHookLocked(e)
		c.events = append(c.events, e)
	}
}

// rebalanceLocked runs the app's rebalance callback for an assign,
// revoke or lost callback of librdkafka's, and reports the change.
func (c *Consumer) rebalanceLocked(kind string, parts []client.TopicPartition) {
	if c.protocol == "" {
		c.protocol = client.RebalanceEager
		if c.cfg.Cooperative {
			c.protocol = client.RebalanceCooperative
		}
	}
	var ev client.Event
	k := client.RebalanceAssigned
	switch kind {
	case "assign":
		ev = client.AssignedPartitions{Partitions: parts}
	case "revoke":
		k = client.RebalanceRevoked
		ev = client.RevokedPartitions{Partitions: parts}
	case "lost":
		k = client.RebalanceLost
		c.lost = true
		ev = client.RevokedPartitions{Partitions: parts, Lost: true}
	}
	if c.cb != nil {
		c.inCb = true
		callUser(func() { _ = c.cb(c, ev) })
		c.inCb = false
	}
	if k != client.RebalanceAssigned {
		c.lost = false
	}
	if k == client.RebalanceAssigned || len(parts) > 0 {
		consumerstate.RebalanceHook(c.hooks, c.infoLocked(), k, parts, c.protocol, false)
	}
}

// callUser runs the app's rebalance callback. Its frame marks the
// goroutine running it (see inUserCallback).
//
//go:noinline
func callUser(f func()) { f() }

var callUserEntry = reflect.ValueOf(callUser).Pointer()

// inUserCallback reports whether callUser is on the caller's stack: the
// caller runs inside a rebalance callback, on the goroutine of the call
// that holds the lock.
func inUserCallback() bool {
	pcs := make([]uintptr, 128)
	n := runtime.Callers(2, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if f.Entry == callUserEntry {
			return true
		}
		if !more {
			return false
		}
	}
}

// --- librdkafka's log ---

// pump reads librdkafka's log between calls: what it does on its own
// (auto-commit timer, leaving on max.poll.interval.ms) is reported as it
// happens.
func (c *Consumer) pump() {
	defer close(c.pumpDone)
	for c.p.logs.wait() {
		c.mu.Lock()
		for _, l := range c.p.logs.take() {
			c.factsLocked(c.in.feed(l))
		}
		c.mu.Unlock()
	}
}

// readLogLocked handles the log lines librdkafka wrote before the agent's
// line with this sync number.
func (c *Consumer) readLogLocked(sync int64) {
	for _, l := range c.p.logs.until(sync) {
		c.factsLocked(c.in.feed(l))
	}
}

func (c *Consumer) factsLocked(fs []fact) {
	for _, f := range fs {
		c.factLocked(f)
	}
}

func (c *Consumer) factLocked(f fact) {
	if c.crashed {
		return
	}
	switch f.Kind {
	case factMemberID:
		c.memberID = f.MemberID
	case factJoined:
		c.memberID, c.generation = f.MemberID, f.Generation
		c.groupEventLocked(client.GroupEvent{Kind: client.GroupJoined, Leader: f.Leader, Members: f.Members, Protocol: f.Protocol}, f.Time)
	case factSynced:
		c.groupEventLocked(client.GroupEvent{Kind: client.GroupSynced}, f.Time)
	case factLeave:
		reason := "leaving the group"
		if c.closing {
			reason = "close"
		}
		c.groupEventLocked(client.GroupEvent{Kind: client.GroupLeft, Reason: reason}, f.Time)
	case factMaxPoll:
		info := c.infoLocked()
		info.Time = f.Time
		client.Each(c.hooks, func(h client.HookMaxPollExceeded) {
			h.OnMaxPollExceeded(client.MaxPollExceeded{Info: info, LastPoll: c.lastPoll, Interval: c.cfg.MaxPollInterval})
		})
		// librdkafka queues _MAX_POLL_EXCEEDED for the app at this moment
		// (rd_kafka_cgrp_max_poll_interval_check_tmr_cb); Poll hands it
		// out later. The hook reports errors as they are raised.
		c.errorHookLocked(client.NewError(client.ErrMaxPollExceeded, fmt.Sprintf("Application maximum poll interval (%dms) exceeded", c.cfg.MaxPollInterval.Milliseconds()), false))
		c.maxPollRaised++
	case factSessionTimeout, factHeartbeatFailed:
		var err error
		if f.Err != client.ErrNoError {
			err = client.NewError(f.Err, f.ErrText, false)
		}
		c.groupEventLocked(client.GroupEvent{Kind: client.GroupHeartbeatFailed, Err: err, Reason: f.ErrText}, f.Time)
	case factPosition:
		info := c.infoLocked()
		info.Time = f.Time
		client.Each(c.hooks, func(h client.HookPosition) {
			h.OnPosition(client.Position{Info: info, Partition: f.TP, Reason: f.PosReason, Reset: f.Reset})
		})
	case factCommitStarted:
		ci := commitInfo{trig: c.triggerOf(f.Reason), async: f.Reason == reasonTimer}
		if f.Reason == reasonManual && len(c.manual) > 0 {
			mc := c.manual[0]
			c.manual = c.manual[1:]
			ci.async = mc.async
			if len(f.Offsets) == 0 {
				f.Offsets = mc.offsets
			}
		}
		ci.offsets = f.Offsets
		c.commits[f.ID] = ci
		info := c.infoLocked()
		info.Time = f.Time
		cm := client.Commit{Info: info, ID: f.ID, Trigger: ci.trig, Async: ci.async, Offsets: f.Offsets}
		client.Each(c.hooks, func(h client.HookCommit) { h.OnCommitStarted(cm) })
	case factCommitDone:
		ci := c.commits[f.ID]
		delete(c.commits, f.ID)
		info := c.infoLocked()
		info.Time = f.Time
		offs := f.Offsets
		if len(offs) == 0 {
			offs = ci.offsets
		}
		cm := client.Commit{Info: info, ID: f.ID, Trigger: ci.trig, Async: ci.async, Offsets: offs}
		if f.Err != client.ErrNoError {
			cm.Err = client.NewError(f.Err, f.ErrText, false)
		}
		if ci.trig == client.TriggerManual && !ci.async && c.syncResult != nil {
			cm.Offsets, c.syncResult = c.syncResult, nil
		}
		client.Each(c.hooks, func(h client.HookCommit) { h.OnCommitFinished(cm) })
	}
}

// triggerOf names what made librdkafka commit.
func (c *Consumer) triggerOf(reason string) client.CommitTrigger {
	switch reason {
	case reasonTimer:
		return client.TriggerAutoTimer
	case reasonUnassigned:
		if c.closing {
			return client.TriggerClose
		}
		return client.TriggerRevoke
	}
	return client.TriggerManual
}

// --- hooks ---

func (c *Consumer) infoLocked() client.Info {
	return client.Info{Time: time.Now(), ClientID: c.cfg.ClientID, GroupID: c.cfg.GroupID,
		MemberID: c.memberID, InstanceID: c.cfg.InstanceID, Generation: c.generation}
}

func (c *Consumer) lifecycleLocked(k client.LifecycleKind, topics []string) {
	info := c.infoLocked()
	client.Each(c.hooks, func(h client.HookLifecycle) {
		h.OnLifecycle(client.Lifecycle{Info: info, Kind: k, Topics: topics})
	})
}

func (c *Consumer) groupEventLocked(ev client.GroupEvent, at time.Time) {
	ev.Info = c.infoLocked()
	if !at.IsZero() {
		ev.Info.Time = at
	}
	client.Each(c.hooks, func(h client.HookGroup) { h.OnGroup(ev) })
}

func (c *Consumer) errorHookLocked(e client.Error) {
	info := c.infoLocked()
	client.Each(c.hooks, func(h client.HookError) { h.OnError(client.ErrorRaised{Info: info, Err: e}) })
}

// --- conversions ---

func tpsOf(a []agentTP) []client.TopicPartition {
	out := make([]client.TopicPartition, len(a))
	for i, x := range a {
		out[i] = client.TopicPartition{Topic: x.Topic, Partition: x.Partition, Offset: client.Offset(x.Offset), Metadata: x.Metadata}
		if x.Err != nil && x.Err.Code != 0 {
			out[i].Error = client.NewError(client.ErrorCode(x.Err.Code), x.Err.Str, false)
		}
	}
	return out
}

func tpsArg(tps []client.TopicPartition) []map[string]any {
	out := make([]map[string]any, len(tps))
	for i, tp := range tps {
		out[i] = map[string]any{"topic": tp.Topic, "partition": tp.Partition, "offset": int64(tp.Offset)}
	}
	return out
}

func decodeTPs(v json.RawMessage) ([]client.TopicPartition, error) {
	var a []agentTP
	if err := json.Unmarshal(v, &a); err != nil {
		return nil, client.NewError(client.ErrFail, "librdkafka agent: "+err.Error(), false)
	}
	return tpsOf(a), nil
}

// agentMsg is a message (or a per-partition event) as the agent encodes
// it.
type agentMsg struct {
	Topic     string      `json:"topic"`
	Partition int32       `json:"partition"`
	Offset    int64       `json:"offset"`
	Err       *agentErr   `json:"err"`
	Key       *string     `json:"key"`
	Value     *string     `json:"value"`
	TS        [2]int64    `json:"ts"`
	Headers   [][2]string `json:"headers"`
}

func unb64(s *string) []byte {
	if s == nil {
		return nil
	}
	b, _ := base64.StdEncoding.DecodeString(*s)
	return b
}

// --- client.Consumer ---

// Subscribe subscribes to one topic (see SubscribeTopics).
func (c *Consumer) Subscribe(topic string, rebalanceCb client.RebalanceCb) error {
	return c.SubscribeTopics([]string{topic}, rebalanceCb)
}

// SubscribeTopics replaces the subscription and joins the group.
// rebalanceCb, if not nil, runs inside Poll (or Close) for every
// assignment change; librdkafka's binding applies the change itself after
// it returns if the callback did not.
func (c *Consumer) SubscribeTopics(topics []string, rebalanceCb client.RebalanceCb) error {
	unlock := c.lock()
	defer unlock()
	if err := c.checkLocked(); err != nil {
		return err
	}
	if _, err := c.callLocked(map[string]any{"op": "subscribe", "topics": topics}, 0); err != nil {
		return err
	}
	c.topics, c.cb, c.subscribed = slices.Clone(topics), rebalanceCb, true
	c.lifecycleLocked(client.LifecycleSubscribed, topics)
	return nil
}

// Unsubscribe revokes the assignment (the callback runs inside) and leaves
// the group.
func (c *Consumer) Unsubscribe() error {
	unlock := c.lock()
	defer unlock()
	if err := c.checkLocked(); err != nil {
		return err
	}
	if _, err := c.callLocked(map[string]any{"op": "unsubscribe"}, 0); err != nil {
		return err
	}
	c.topics, c.subscribed = nil, false
	c.lifecycleLocked(client.LifecycleUnsubscribed, nil)
	return nil
}

// Subscription is the current subscription.
func (c *Consumer) Subscription() ([]string, error) {
	unlock := c.lock()
	defer unlock()
	if err := c.checkLocked(); err != nil {
		return nil, err
	}
	return slices.Clone(c.topics), nil
}

func (c *Consumer) assignCall(op string, parts []client.TopicPartition, kind client.RebalanceKind) error {
	unlock := c.lock()
	defer unlock()
	if err := c.checkLocked(); err != nil {
		return err
	}
	if _, err := c.callLocked(map[string]any{"op": op, "parts": tpsArg(parts)}, 0); err != nil {
		return err
	}
	if !c.inCb {
		// Outside a rebalance callback (whose change is reported once,
		// after it).
		consumerstate.RebalanceHook(c.hooks, c.infoLocked(), kind, parts, c.GetRebalanceProtocol(), true)
	}
	return nil
}

// Assign replaces the whole assignment.
func (c *Consumer) Assign(partitions []client.TopicPartition) error {
	return c.assignCall("assign", partitions, client.RebalanceAssigned)
}

// Unassign removes the whole assignment.
func (c *Consumer) Unassign() error {
	return c.assignCall("unassign", nil, client.RebalanceRevoked)
}

// IncrementalAssign adds partitions to the assignment.
func (c *Consumer) IncrementalAssign(partitions []client.TopicPartition) error {
	return c.assignCall("incremental_assign", partitions, client.RebalanceAssigned)
}

// IncrementalUnassign removes partitions from the assignment.
func (c *Consumer) IncrementalUnassign(partitions []client.TopicPartition) error {
	return c.assignCall("incremental_unassign", partitions, client.RebalanceRevoked)
}

// Assignment is the current assignment.
func (c *Consumer) Assignment() ([]client.TopicPartition, error) {
	unlock := c.lock()
	defer unlock()
	if err := c.checkLocked(); err != nil {
		return nil, err
	}
	v, err := c.callLocked(map[string]any{"op": "assignment"}, 0)
	if err != nil {
		return nil, err
	}
	return decodeTPs(v)
}

// AssignmentLost reports whether the assignment being revoked was lost;
// meaningful in the rebalance callback.
func (c *Consumer) AssignmentLost() bool { return c.lost }

// GetRebalanceProtocol is EAGER or COOPERATIVE once the consumer took
// part in a rebalance, NONE before.
func (c *Consumer) GetRebalanceProtocol() string {
	if c.protocol == "" {
		return client.RebalanceNone
	}
	return c.protocol
}

// Poll waits up to timeoutMs (negative: forever) for a message or event;
// librdkafka runs the rebalance callback and queues commit results and
// errors inside it. With enable.auto.offset.store=true (the default)
// librdkafka stores a message's offset + 1 as it returns the message.
func (c *Consumer) Poll(timeoutMs int) client.Event {
	unlock := c.lock()
	defer unlock()
	if c.closed || c.crashed {
		return nil
	}
	if len(c.events) == 0 {
		wait := time.Duration(timeoutMs) * time.Millisecond
		secs := float64(timeoutMs) / 1000
		if timeoutMs < 0 {
			secs, wait = -1, -1
		}
		v, err := c.callLocked(map[string]any{"op": "poll", "timeout": secs}, wait)
		c.lastPoll = time.Now()
		if err != nil {
			if c.closed || c.crashed {
				return nil
			}
			e := client.ErrorFrom(err)
			c.errorHookLocked(e)
			return e
		}
		if ev := c.eventOfLocked(v); ev != nil {
			c.events = append(c.events, ev)
		}
	}
	if len(c.events) == 0 {
		return nil
	}
	ev := c.events[0]
	c.events = c.events[1:]
	return ev
}

// eventOfLocked converts what poll returned, reporting deliveries and
// errors to the hooks.
func (c *Consumer) eventOfLocked(v json.RawMessage) client.Event {
	if len(v) == 0 || string(v) == "null" {
		return nil
	}
	var am agentMsg
	if err := json.Unmarshal(v, &am); err != nil {
		return client.NewError(client.ErrFail, "librdkafka agent: "+err.Error(), false)
	}
	tp := client.TopicPartition{Topic: am.Topic, Partition: am.Partition, Offset: client.Offset(am.Offset)}
	if am.Err != nil {
		code := client.ErrorCode(am.Err.Code)
		if code == client.ErrPartitionEOF {
			return client.PartitionEOF(tp)
		}
		e := c.errorOf(am.Err)
		if am.Topic != "" {
			e = e.WithTopicPartition(tp)
		}
		if e.IsFatal() {
			c.fatal = &e
		}
		if code == client.ErrMaxPollExceeded && c.maxPollRaised > 0 {
			c.maxPollRaised-- // reported when librdkafka raised it
		} else {
			c.errorHookLocked(e)
		}
		return e
	}
	m := &client.Message{TopicPartition: tp, Key: unb64(am.Key), Value: unb64(am.Value)}
	if am.TS[0] != 0 {
		m.TimestampType = client.TimestampType(am.TS[0])
		m.Timestamp = time.UnixMilli(am.TS[1])
	}
	for _, h := range am.Headers {
		hs := h[1]
		m.Headers = append(m.Headers, client.Header{Key: h[0], Value: unb64(&hs)})
	}
	stored := c.cfg.EnableAutoOffsetStore
	info := c.infoLocked()
	client.Each(c.hooks, func(h client.HookMessageDelivered) {
		h.OnMessageDelivered(client.MessageDelivered{Info: info, Message: m, Stored: stored})
	})
	if stored {
		offs := []client.TopicPartition{{Topic: tp.Topic, Partition: tp.Partition, Offset: tp.Offset + 1}}
		client.Each(c.hooks, func(h client.HookOffsetsStored) {
			h.OnOffsetsStored(client.OffsetsStored{Info: info, Offsets: offs, Auto: true})
		})
	}
	return m
}

// ReadMessage polls until a message arrives (returned), an error event
// arrives (returned as the error) or the timeout passes (ErrTimedOut;
// negative: no timeout). Other events are dropped.
func (c *Consumer) ReadMessage(timeout time.Duration) (*client.Message, error) {
	var deadline time.Time
	if timeout >= 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		if c.IsClosed() {
			return nil, client.ClosedError()
		}
		ms := -1
		if timeout >= 0 {
			ms = int(max(time.Until(deadline), 0) / time.Millisecond)
		}
		switch e := c.Poll(ms).(type) {
		case *client.Message:
			return e, nil
		case client.Error:
			return nil, e
		case nil:
			if timeout >= 0 && !time.Now().Before(deadline) {
				return nil, client.NewError(client.ErrTimedOut, "", false)
			}
		}
	}
}

func (c *Consumer) commitCall(offs []client.TopicPartition, async bool) ([]client.TopicPartition, error) {
	unlock := c.lock()
	defer unlock()
	if err := c.checkLocked(); err != nil {
		return nil, err
	}
	req := map[string]any{}
	if offs != nil {
		req["offsets"] = tpsArg(offs)
	}
	req["op"], req["async"] = "commit", async
	c.manual = append(c.manual, manualCommit{async: async, offsets: offs})
	if err := c.p.send(req); err != nil {
		return nil, c.goneLocked(err)
	}
	// The reply is read by callLocked's loop; the sync result is attached
	// to the commit's end before the log up to the reply is read.
	v, err := c.replyLocked(callTimeout+c.cfg.SocketTimeout, !async)
	if err != nil || async {
		return nil, err
	}
	return decodeTPs(v)
}

// replyLocked waits up to limit for the reply to the request just sent,
// reading librdkafka's log up to it and serving the callbacks librdkafka
// runs meanwhile; with syncCommit the reply's partitions become the
// commit's result in the hooks.
func (c *Consumer) replyLocked(limit time.Duration, syncCommit bool) (json.RawMessage, error) {
	for {
		m, err := c.p.next(limit)
		if err != nil {
			if !errors.Is(err, errAgentGone) {
				// Hung: a client that does not answer is as good as dead.
				c.p.kill()
			}
			return nil, c.goneLocked(err)
		}
		if m.T == "ret" && syncCommit && m.Err == nil {
			var a []agentTP
			if json.Unmarshal(m.V, &a) == nil {
				c.syncResult = tpsOf(a)
			}
		}
		c.readLogLocked(m.Sync)
		c.syncResult = nil
		switch m.T {
		case "ret":
			if m.Err != nil {
				return nil, c.errorOf(m.Err)
			}
			return m.V, nil
		case "cb":
			c.callbackLocked(m)
		}
	}
}

// Commit synchronously commits the stored offsets of the assignment
// (ErrNoOffset when there are none).
func (c *Consumer) Commit() ([]client.TopicPartition, error) {
	return c.commitCall(nil, false)
}

// CommitMessage synchronously commits m's offset + 1.
func (c *Consumer) CommitMessage(m *client.Message) ([]client.TopicPartition, error) {
	return c.commitCall([]client.TopicPartition{nextOffset(m)}, false)
}

// CommitOffsets synchronously commits the offsets as given.
func (c *Consumer) CommitOffsets(offsets []client.TopicPartition) ([]client.TopicPartition, error) {
	return c.commitCall(slices.Clone(offsets), false)
}

// CommitAsync commits the stored offsets without waiting; the result is
// an OffsetsCommitted event from a later Poll.
func (c *Consumer) CommitAsync() error {
	_, err := c.commitCall(nil, true)
	return err
}

// CommitMessageAsync commits m's offset + 1 without waiting.
func (c *Consumer) CommitMessageAsync(m *client.Message) error {
	_, err := c.commitCall([]client.TopicPartition{nextOffset(m)}, true)
	return err
}

// CommitOffsetsAsync commits the offsets as given without waiting.
func (c *Consumer) CommitOffsetsAsync(offsets []client.TopicPartition) error {
	_, err := c.commitCall(slices.Clone(offsets), true)
	return err
}

func nextOffset(m *client.Message) client.TopicPartition {
	return client.TopicPartition{Topic: m.TopicPartition.Topic, Partition: m.TopicPartition.Partition, Offset: m.TopicPartition.Offset + 1}
}

// StoreOffsets stores offsets as given, for auto-commit or Commit
// (enable.auto.offset.store=false).
func (c *Consumer) StoreOffsets(offsets []client.TopicPartition) ([]client.TopicPartition, error) {
	unlock := c.lock()
	defer unlock()
	if err := c.checkLocked(); err != nil {
		return nil, err
	}
	if _, err := c.callLocked(map[string]any{"op": "store", "offsets": tpsArg(offsets)}, 0); err != nil {
		return nil, err
	}
	info := c.infoLocked()
	stored := slices.Clone(offsets)
	client.Each(c.hooks, func(h client.HookOffsetsStored) {
		h.OnOffsetsStored(client.OffsetsStored{Info: info, Offsets: stored})
	})
	return offsets, nil
}

// StoreMessage stores m's offset + 1.
func (c *Consumer) StoreMessage(m *client.Message) ([]client.TopicPartition, error) {
	return c.StoreOffsets([]client.TopicPartition{nextOffset(m)})
}

// Committed fetches the committed offsets, waiting up to timeoutMs.
func (c *Consumer) Committed(partitions []client.TopicPartition, timeoutMs int) ([]client.TopicPartition, error) {
	return c.tpsCall(map[string]any{"op": "committed", "parts": tpsArg(partitions), "timeout": float64(timeoutMs) / 1000},
		time.Duration(timeoutMs)*time.Millisecond)
}

// Position is the offset of the next message Poll would return.
func (c *Consumer) Position(partitions []client.TopicPartition) ([]client.TopicPartition, error) {
	return c.tpsCall(map[string]any{"op": "position", "parts": tpsArg(partitions)}, 0)
}

func (c *Consumer) tpsCall(req map[string]any, wait time.Duration) ([]client.TopicPartition, error) {
	unlock := c.lock()
	defer unlock()
	if err := c.checkLocked(); err != nil {
		return nil, err
	}
	v, err := c.callLocked(req, wait)
	if err != nil {
		return nil, err
	}
	return decodeTPs(v)
}

func (c *Consumer) simpleCall(req map[string]any) error {
	unlock := c.lock()
	defer unlock()
	if err := c.checkLocked(); err != nil {
		return err
	}
	_, err := c.callLocked(req, 0)
	return err
}

// Seek moves an assigned partition's position.
func (c *Consumer) Seek(partition client.TopicPartition, ignoredTimeoutMs int) error {
	return c.simpleCall(map[string]any{"op": "seek", "tp": tpsArg([]client.TopicPartition{partition})[0]})
}

// Pause stops fetching the partitions.
func (c *Consumer) Pause(partitions []client.TopicPartition) error {
	return c.simpleCall(map[string]any{"op": "pause", "parts": tpsArg(partitions)})
}

// Resume restarts fetching paused partitions.
func (c *Consumer) Resume(partitions []client.TopicPartition) error {
	return c.simpleCall(map[string]any{"op": "resume", "parts": tpsArg(partitions)})
}

// GetWatermarkOffsets is the cached log start and end offset of a
// partition, as last seen by a fetch.
func (c *Consumer) GetWatermarkOffsets(topic string, partition int32) (low, high int64, err error) {
	unlock := c.lock()
	defer unlock()
	if err := c.checkLocked(); err != nil {
		return 0, 0, err
	}
	v, err := c.callLocked(map[string]any{"op": "watermarks", "topic": topic, "partition": partition, "cached": true}, 0)
	if err != nil {
		return 0, 0, err
	}
	var lh [2]int64
	if err := json.Unmarshal(v, &lh); err != nil {
		return 0, 0, client.NewError(client.ErrFail, "librdkafka agent: "+err.Error(), false)
	}
	return lh[0], lh[1], nil
}

// MemberID is the group member id librdkafka logged last, "" before the
// first join.
func (c *Consumer) MemberID() string {
	unlock := c.lock()
	defer unlock()
	return c.memberID
}

// Generation is the generation of the last join, -1 before.
func (c *Consumer) Generation() int32 {
	unlock := c.lock()
	defer unlock()
	return c.generation
}

// IsClosed reports whether Close (or Crash) has been called.
func (c *Consumer) IsClosed() bool {
	unlock := c.lock()
	defer unlock()
	return c.closed || c.crashed
}

// Close closes the consumer as confluent_kafka's close() does: the
// rebalance callback runs for the revoke, stored offsets are committed
// (enable.auto.commit=true), the member leaves the group (a static member
// does not), and the agent process exits.
func (c *Consumer) Close() error {
	if c.dying.Load() {
		return nil
	}
	unlock := c.lock()
	if c.closed || c.crashed {
		unlock()
		return nil
	}
	c.closing = true
	c.lifecycleLocked(client.LifecycleClosing, nil)
	_, err := c.callLocked(map[string]any{"op": "close"}, time.Duration(c.cfg.SessionTimeout)+time.Duration(c.cfg.SocketTimeout))
	c.closed = true
	c.lifecycleLocked(client.LifecycleClosed, nil)
	unlock()
	c.p.exit(5 * time.Second)
	<-c.pumpDone
	if err != nil && client.ErrorFrom(err).Code() != client.ErrState {
		return err
	}
	return nil
}

// Crash kills the agent process (SIGKILL): nothing is committed, no
// LeaveGroup is sent, the group notices only at session.timeout.ms. What
// librdkafka logged before the kill is still reported; every call
// afterwards returns client.ClosedError.
func (c *Consumer) Crash() {
	if c.dying.Swap(true) {
		return
	}
	// A call blocked in the agent holds the lock: the kill ends it.
	c.p.kill()
	<-c.pumpDone
	unlock := c.lock()
	defer unlock()
	if c.closed {
		return
	}
	c.crashed = true
	c.lifecycleLocked(client.LifecycleCrashed, nil)
}

var _ client.Consumer = (*Consumer)(nil)
var _ client.Crasher = (*Consumer)(nil)
