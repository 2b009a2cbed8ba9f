package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	fkerr "github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/internal/consumerstate"
)

// partState is one assigned partition, guarded by Consumer.mu.
type partState struct {
	key       client.PartitionKey
	pos       client.Offset // next offset Poll hands out; OffsetInvalid until known
	stored    client.Offset
	storedMD  *string
	committed client.Offset // last commit this consumer made or saw
	paused    bool
	stopped   bool // auto.offset.reset=error: waits for Seek
	eof       bool
	low, high int64
	hasWM     bool
	errSeen   client.ErrorCode
	// seekTo is a Seek not yet confirmed by a fetch: kgo.SetOffsets skips
	// a partition whose cursor is not set up yet (a group assignment in
	// progress), so Poll re-applies it until records from there arrive.
	seekTo client.Offset
}

// rebReq is a rebalance step waiting to be served by Poll. kgo's
// callback goroutine blocks on done until Poll (or Close) has served it.
type rebReq struct {
	sess     uint64
	assign   bool
	lost     bool
	parts    []client.TopicPartition
	done     chan struct{}
	finished bool
}

// item is an entry of the app queue: an event, a rebalance step, or a
// rejoin after max.poll.interval.ms expiry.
type item struct {
	ev     client.Event
	req    *rebReq
	rejoin bool
}

type bufRec struct {
	rec  *kgo.Record
	high int64
}

// Consumer is a client.Consumer (and client.Crasher) over a franz-go
// client. Create it with NewConsumer. Like every client.Consumer it is
// used from one goroutine; kgo's own goroutines hand their work (rebalance
// callbacks, commit results, connection errors) to Poll.
type Consumer struct {
	cfg    client.ConsumerConfig
	hooks  client.Hooks
	java   bool
	base   []kgo.Opt
	root   context.Context
	cancel context.CancelFunc
	admin  *kgo.Client
	adm    *kadm.Client
	watch  *connWatch
	bg     sync.WaitGroup
	commit commitWorker

	mu         sync.Mutex
	kcl        *kgo.Client // consuming client: group (subscribed) or direct (Assign)
	group      bool
	sess       uint64
	closed     bool
	crashed    bool
	fatal      *client.Error
	topics     []string
	subscribed bool
	cb         client.RebalanceCb
	protocol   string
	groupErrs  map[client.ErrorCode]bool

	parts map[client.PartitionKey]*partState
	lost  bool

	queue      []item
	curReq     *rebReq
	cbApplied  bool
	pendingApp *rebReq
	revokeTrig client.CommitTrigger
	explicit   map[client.PartitionKey]client.Offset

	buf   []bufRec
	bufAt int

	inPoll     bool
	lastPoll   time.Time
	mpTimer    *time.Timer
	expired    bool
	lastMember string
	lastGen    int32
	pollCancel context.CancelFunc
	wake       chan struct{}

	commitSeq uint64
	javaNext  time.Time
	acStop    chan struct{}
}

var (
	_ client.Consumer = (*Consumer)(nil)
	_ client.Crasher  = (*Consumer)(nil)
)

// CheckConsumerConfig reports what NewConsumer would refuse in conf (an
// unknown or malformed key, a malformed broker address), without making a
// client or contacting the cluster: a caller about to connect checks its
// configuration first.
func CheckConsumerConfig(conf client.ConfigMap) error {
	_, _, err := consumerConfig(conf)
	return err
}

// consumerConfig parses conf and translates what every consumer shares.
func consumerConfig(conf client.ConfigMap) (client.ConsumerConfig, []kgo.Opt, error) {
	conf, verify, err := splitBackendKeys(conf)
	if err != nil {
		return client.ConsumerConfig{}, nil, err
	}
	cfg, err := client.ParseConsumerConfig(conf)
	if err != nil {
		return client.ConsumerConfig{}, nil, err
	}
	base, err := commonOpts(cfg.CommonConfig, verify)
	if err != nil {
		return client.ConsumerConfig{}, nil, err
	}
	if _, err := groupOpts(cfg); err != nil {
		return client.ConsumerConfig{}, nil, err
	}
	return cfg, base, nil
}

// NewConsumer creates a consumer for the real cluster named by
// bootstrap.servers, configured with librdkafka keys (group.id is
// required; see Translation for how each key maps onto kgo). hooks observe
// it as they observe a client/sim consumer; on this backend they may be
// called from kgo's goroutines, but never concurrently with each other.
//
// NewConsumer does not contact the cluster: an unreachable broker shows up
// as ErrTransport / ErrAllBrokersDown events from Poll. A malformed
// configuration or broker address is an error naming the key.
func NewConsumer(conf client.ConfigMap, hooks ...client.Hook) (*Consumer, error) {
	cfg, base, err := consumerConfig(conf)
	if err != nil {
		return nil, err
	}
	c := &Consumer{
		cfg:        cfg,
		hooks:      hooks,
		java:       cfg.AutoCommitMode == client.AutoCommitJava,
		parts:      map[client.PartitionKey]*partState{},
		explicit:   map[client.PartitionKey]client.Offset{},
		groupErrs:  map[client.ErrorCode]bool{},
		wake:       make(chan struct{}, 1),
		lastGen:    -1,
		revokeTrig: client.TriggerRevoke,
	}
	c.root, c.cancel = context.WithCancel(context.Background())
	c.watch = newConnWatch(func(e client.Error) {
		c.mu.Lock()
		c.raiseLocked(e)
		c.mu.Unlock()
	})
	c.base = append(append(base, dialOpts(hooks)...), kgo.WithHooks(c.watch), kgo.WithContext(c.root))
	// The admin client sends the raw OffsetCommits: pin OffsetCommit to
	// v9, the last version naming topics (v10 wants topic IDs).
	vers := kversion.Stable()
	vers.SetMaxKeyVersion(kmsg.OffsetCommit.Int16(), 9)
	c.admin, err = kgo.NewClient(append(slices.Clone(c.base), kgo.MaxVersions(vers))...)
	if err != nil {
		c.cancel()
		return nil, invalid("bootstrap.servers", err.Error())
	}
	c.adm = kadm.NewClient(c.admin)
	c.commit.start(c)
	c.mu.Lock()
	c.startAutoCommitLocked()
	c.mu.Unlock()
	c.lifecycle(client.LifecycleCreated, nil)
	return c, nil
}

// Config is the validated configuration.
func (c *Consumer) Config() client.ConsumerConfig { return c.cfg }

// String names the consumer by client.id and member id (never a secret).
func (c *Consumer) String() string { return fmt.Sprintf("%s(%s)", c.cfg.ClientID, c.MemberID()) }

// check returns the error every call gets on a closed or failed consumer.
func (c *Consumer) checkLocked() error {
	if c.closed {
		return client.ClosedError()
	}
	if c.fatal != nil {
		return *c.fatal
	}
	return nil
}

func (c *Consumer) check() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.checkLocked()
}

func (c *Consumer) memberGenLocked() (string, int32) {
	if c.expired {
		return c.lastMember, c.lastGen
	}
	if c.kcl != nil && c.group {
		m, g := c.kcl.GroupMetadata()
		return m, g
	}
	return "", -1
}

func (c *Consumer) infoLocked() client.Info {
	m, g := c.memberGenLocked()
	return client.Info{Time: time.Now(), ClientID: c.cfg.ClientID, GroupID: c.cfg.GroupID,
		MemberID: m, InstanceID: c.cfg.InstanceID, Generation: g}
}

func (c *Consumer) lifecycle(k client.LifecycleKind, topics []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lifecycleLocked(k, topics)
}

func (c *Consumer) lifecycleLocked(k client.LifecycleKind, topics []string) {
	if len(c.hooks) == 0 {
		return
	}
	info := c.infoLocked()
	client.Each(c.hooks, func(h client.HookLifecycle) {
		h.OnLifecycle(client.Lifecycle{Info: info, Kind: k, Topics: topics})
	})
}

func (c *Consumer) groupEventLocked(ev client.GroupEvent) {
	if len(c.hooks) == 0 {
		return
	}
	ev.Info = c.infoLocked()
	client.Each(c.hooks, func(h client.HookGroup) { h.OnGroup(ev) })
}

// raiseLocked queues an error event for the app.
func (c *Consumer) raiseLocked(e client.Error) {
	if c.closed {
		return
	}
	c.pushLocked(item{ev: e})
	if len(c.hooks) > 0 {
		info := c.infoLocked()
		client.Each(c.hooks, func(h client.HookError) { h.OnError(client.ErrorRaised{Info: info, Err: e}) })
	}
}

func (c *Consumer) setFatalLocked(code client.ErrorCode, why string) {
	if c.fatal != nil {
		return
	}
	e := client.NewFatalError(code, fmt.Sprintf("Fatal error: %s: %s", why, code.Error()))
	c.raiseLocked(e)
	c.fatal = &e
}

func (c *Consumer) pushLocked(it item) {
	c.queue = append(c.queue, it)
	c.notifyLocked()
}

// notifyLocked wakes a Poll waiting for records or a Close waiting for
// kgo.
func (c *Consumer) notifyLocked() {
	if c.pollCancel != nil {
		c.pollCancel()
	}
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// MemberID is the group member id ("" before the first join).
func (c *Consumer) MemberID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, _ := c.memberGenLocked()
	return m
}

// Generation is the group generation kgo last joined (-1: none).
func (c *Consumer) Generation() int32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, g := c.memberGenLocked()
	return g
}

// IsClosed reports whether Close (or Crash) has been called.
func (c *Consumer) IsClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// AssignmentLost reports whether the assignment being revoked was lost.
func (c *Consumer) AssignmentLost() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lost
}

// GetRebalanceProtocol is EAGER or COOPERATIVE once a rebalance has
// happened, NONE before.
func (c *Consumer) GetRebalanceProtocol() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.protocol == "" {
		return client.RebalanceNone
	}
	return c.protocol
}

func (c *Consumer) protoName() string {
	if c.cfg.Cooperative {
		return client.RebalanceCooperative
	}
	return client.RebalanceEager
}

// Subscribe subscribes to one topic; see SubscribeTopics.
func (c *Consumer) Subscribe(topic string, rebalanceCb client.RebalanceCb) error {
	return c.SubscribeTopics([]string{topic}, rebalanceCb)
}

// SubscribeTopics replaces the subscription. The first call starts a kgo
// group client (JoinGroup happens in the background; the assignment
// arrives through Poll); later calls add and purge topics on it, which
// rejoins the group.
func (c *Consumer) SubscribeTopics(topics []string, rebalanceCb client.RebalanceCb) error {
	if len(topics) == 0 {
		return client.NewError(client.ErrInvalidArg, "empty subscription", false)
	}
	ts := slices.Clone(topics)
	slices.Sort(ts)
	ts = slices.Compact(ts)
	for _, t := range ts {
		if len(t) > 0 && t[0] == '^' {
			return client.NewError(client.ErrInvalidArg, fmt.Sprintf("regex subscription %q is not supported (as in the simulator)", t), false)
		}
	}
	c.mu.Lock()
	if err := c.checkLocked(); err != nil {
		c.mu.Unlock()
		return err
	}
	c.cb = rebalanceCb
	old := c.topics
	c.topics = ts
	c.lifecycleLocked(client.LifecycleSubscribed, slices.Clone(ts))
	if c.subscribed {
		kcl := c.kcl
		c.mu.Unlock()
		if kcl == nil {
			return nil // rejoins with the new topics after max.poll.interval.ms expiry
		}
		var added, removed []string
		for _, t := range ts {
			if !slices.Contains(old, t) {
				added = append(added, t)
			}
		}
		for _, t := range old {
			if !slices.Contains(ts, t) {
				removed = append(removed, t)
			}
		}
		if len(removed) > 0 {
			kcl.PurgeTopicsFromConsuming(removed...)
		}
		if len(added) > 0 {
			kcl.AddConsumeTopics(added...)
		}
		return nil
	}
	direct := c.kcl
	c.subscribed = true
	c.mu.Unlock()
	if direct != nil {
		c.dropDirect(client.TriggerRevoke)
	}
	return c.startGroup()
}

// startGroup starts a kgo group client for the subscription.
func (c *Consumer) startGroup() error {
	c.mu.Lock()
	c.sess++
	s := c.sess
	topics := slices.Clone(c.topics)
	c.mu.Unlock()
	gopts, err := groupOpts(c.cfg)
	if err != nil {
		return err
	}
	opts := slices.Clone(c.base)
	opts = append(opts, gopts...)
	opts = append(opts, consumerFetchOpts(c.cfg)...)
	opts = append(opts,
		kgo.ConsumeTopics(topics...),
		kgo.OnPartitionsAssigned(func(ctx context.Context, _ *kgo.Client, m map[string][]int32) { c.bridge(ctx, s, true, false, m) }),
		kgo.OnPartitionsRevoked(func(ctx context.Context, _ *kgo.Client, m map[string][]int32) { c.bridge(ctx, s, false, false, m) }),
		kgo.OnPartitionsLost(func(ctx context.Context, _ *kgo.Client, m map[string][]int32) { c.bridge(ctx, s, false, true, m) }),
		kgo.AdjustFetchOffsetsFn(func(ctx context.Context, offs map[string]map[int32]kgo.Offset) (map[string]map[int32]kgo.Offset, error) {
			return c.adjust(ctx, s, offs), nil
		}),
	)
	kcl, err := kgo.NewClient(opts...)
	if err != nil {
		return toError(err, "subscribe")
	}
	c.mu.Lock()
	if c.closed || c.sess != s {
		c.mu.Unlock()
		kcl.Close()
		return c.check()
	}
	c.kcl, c.group = kcl, true
	c.mu.Unlock()
	return nil
}

// Subscription is the current subscription.
func (c *Consumer) Subscription() ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.checkLocked(); err != nil {
		return nil, err
	}
	return slices.Clone(c.topics), nil
}

// Unsubscribe revokes the assignment (the callback runs, stored offsets
// are auto-committed) and leaves the group: the kgo group client is
// closed.
func (c *Consumer) Unsubscribe() error {
	c.mu.Lock()
	if err := c.checkLocked(); err != nil {
		c.mu.Unlock()
		return err
	}
	if !c.subscribed {
		c.mu.Unlock()
		return nil
	}
	kcl := c.kcl
	c.revokeTrig = client.TriggerRevoke
	c.mu.Unlock()
	if kcl != nil {
		c.closeClient(kcl)
	}
	c.mu.Lock()
	c.sess++
	c.releaseReqsLocked()
	c.kcl, c.group = nil, false
	c.subscribed, c.topics, c.expired = false, nil, false
	c.clearPartsLocked()
	if c.mpTimer != nil {
		c.mpTimer.Stop()
	}
	c.groupEventLocked(client.GroupEvent{Kind: client.GroupLeft, Reason: "unsubscribe"})
	c.lifecycleLocked(client.LifecycleUnsubscribed, nil)
	c.mu.Unlock()
	return nil
}

// closeClient closes a kgo client while serving the rebalance callbacks
// its shutdown runs (the final revoke), bounded by socket.timeout.ms: past
// it the root context is cancelled so that a dead cluster cannot hang
// Close.
func (c *Consumer) closeClient(kcl *kgo.Client) {
	done := make(chan struct{})
	go func() {
		kcl.Close()
		close(done)
	}()
	bound := c.cfg.SocketTimeout
	if bound <= 0 {
		bound = 60 * time.Second
	}
	timer := time.NewTimer(bound)
	defer timer.Stop()
	for {
		c.serveReqsNow()
		select {
		case <-done:
			c.serveReqsNow()
			return
		case <-c.wake:
		case <-timer.C:
			c.cancel()
		}
	}
}

// Assignment is the current assignment.
func (c *Consumer) Assignment() ([]client.TopicPartition, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.checkLocked(); err != nil {
		return nil, err
	}
	return c.assignedLocked(), nil
}

func (c *Consumer) assignedLocked() []client.TopicPartition {
	out := make([]client.TopicPartition, 0, len(c.parts))
	for k := range c.parts {
		out = append(out, client.TopicPartition{Topic: k.Topic, Partition: k.Partition, Offset: client.OffsetInvalid})
	}
	sortTPs(out)
	return out
}

func sortTPs(tps []client.TopicPartition) {
	slices.SortFunc(tps, func(a, b client.TopicPartition) int {
		if a.Topic != b.Topic {
			if a.Topic < b.Topic {
				return -1
			}
			return 1
		}
		return int(a.Partition) - int(b.Partition)
	})
}

// Position is the next offset Poll would hand out for each partition
// (OffsetInvalid if not yet known).
func (c *Consumer) Position(partitions []client.TopicPartition) ([]client.TopicPartition, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.checkLocked(); err != nil {
		return nil, err
	}
	return consumerstate.Positions(partitions, func(k client.PartitionKey) (client.Offset, bool) {
		if ps := c.parts[k]; ps != nil {
			return ps.pos, true
		}
		return client.OffsetInvalid, false
	}), nil
}

// GetWatermarkOffsets is the log start and end last seen by a fetch or
// by the ListOffsets done at assignment (-1001 when unknown).
func (c *Consumer) GetWatermarkOffsets(topic string, partition int32) (low, high int64, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.checkLocked(); err != nil {
		return 0, 0, err
	}
	ps := c.parts[client.PartitionKey{Topic: topic, Partition: partition}]
	if ps == nil || !ps.hasWM {
		return -1001, -1001, nil
	}
	return ps.low, ps.high, nil
}

// Committed fetches the group's committed offsets (OffsetFetch through
// kadm), waiting up to timeoutMs.
func (c *Consumer) Committed(partitions []client.TopicPartition, timeoutMs int) ([]client.TopicPartition, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	ctx, cancel := bounded(c.root, time.Duration(timeoutMs)*time.Millisecond)
	defer cancel()
	got, err := c.fetchCommitted(ctx, partitions)
	if err != nil {
		return nil, err
	}
	out := make([]client.TopicPartition, len(partitions))
	for i, tp := range partitions {
		out[i] = client.TopicPartition{Topic: tp.Topic, Partition: tp.Partition, Offset: client.OffsetInvalid}
		if o, ok := got[tp.Key()]; ok {
			out[i].Offset, out[i].Metadata = o.Offset, o.Metadata
		}
	}
	return out, nil
}

func (c *Consumer) fetchCommitted(ctx context.Context, partitions []client.TopicPartition) (map[client.PartitionKey]client.TopicPartition, error) {
	var topics []string
	for _, tp := range partitions {
		if !slices.Contains(topics, tp.Topic) {
			topics = append(topics, tp.Topic)
		}
	}
	resp, err := c.adm.FetchOffsetsForTopics(ctx, c.cfg.GroupID, topics...)
	if errors.Is(err, fkerr.GroupIDNotFound) {
		return map[client.PartitionKey]client.TopicPartition{}, nil
	}
	if err != nil {
		return nil, toError(err, "committed")
	}
	out := map[client.PartitionKey]client.TopicPartition{}
	for _, tp := range partitions {
		o, ok := resp.Lookup(tp.Topic, tp.Partition)
		if !ok || o.Err != nil || o.At < 0 {
			continue
		}
		r := client.TopicPartition{Topic: tp.Topic, Partition: tp.Partition, Offset: client.Offset(o.At)}
		if o.Metadata != "" {
			md := o.Metadata
			r.Metadata = &md
		}
		out[tp.Key()] = r
	}
	return out, nil
}

// Pause stops fetching the partitions; buffered messages of theirs are
// dropped (as librdkafka purges its fetch queue) and kgo is rewound to the
// position, so nothing is skipped on Resume.
func (c *Consumer) Pause(partitions []client.TopicPartition) error {
	return c.setPaused(partitions, true)
}

// Resume restarts fetching paused partitions.
func (c *Consumer) Resume(partitions []client.TopicPartition) error {
	return c.setPaused(partitions, false)
}

func (c *Consumer) setPaused(partitions []client.TopicPartition, p bool) error {
	c.mu.Lock()
	if err := c.checkLocked(); err != nil {
		c.mu.Unlock()
		return err
	}
	kcl := c.kcl
	m := map[string][]int32{}
	rewind := map[string]map[int32]kgo.EpochOffset{}
	for _, tp := range partitions {
		ps := c.parts[tp.Key()]
		if ps == nil {
			continue
		}
		ps.paused = p
		if !ps.stopped {
			m[tp.Topic] = append(m[tp.Topic], tp.Partition)
		}
		if p {
			c.dropBufferedLocked(tp.Key())
			if ps.pos >= 0 {
				if rewind[tp.Topic] == nil {
					rewind[tp.Topic] = map[int32]kgo.EpochOffset{}
				}
				rewind[tp.Topic][tp.Partition] = kgo.EpochOffset{Epoch: -1, Offset: int64(ps.pos)}
			}
		}
	}
	c.mu.Unlock()
	if kcl == nil || len(m) == 0 {
		return nil
	}
	if p {
		kcl.PauseFetchPartitions(m)
		if len(rewind) > 0 {
			kcl.SetOffsets(rewind)
		}
	} else {
		kcl.ResumeFetchPartitions(m)
	}
	return nil
}

func (c *Consumer) dropBufferedLocked(k client.PartitionKey) {
	for i := c.bufAt; i < len(c.buf); i++ {
		if r := c.buf[i].rec; r != nil && r.Topic == k.Topic && r.Partition == k.Partition {
			c.buf[i].rec = nil
		}
	}
}

// Seek moves an assigned partition's position: buffered messages are
// dropped and kgo.SetOffsets moves the fetch cursor. A partition stopped
// by auto.offset.reset=error restarts.
func (c *Consumer) Seek(partition client.TopicPartition, ignoredTimeoutMs int) error {
	if err := c.check(); err != nil {
		return err
	}
	off := partition.Offset
	if off == client.OffsetBeginning || off == client.OffsetEnd {
		r, err := c.listOffsets(c.root, []string{partition.Topic}, off == client.OffsetBeginning)
		if err != nil {
			return err
		}
		o, ok := r[partition.Key()]
		if !ok {
			return client.NewError(client.ErrUnknownPartition, fmt.Sprintf("seek: %s: no such partition", partition.Key()), false)
		}
		off = client.Offset(o)
	}
	if n, ok := off.Tail(); ok {
		r, err := c.listOffsets(c.root, []string{partition.Topic}, false)
		if err != nil {
			return err
		}
		end, ok := r[partition.Key()]
		if !ok {
			return client.NewError(client.ErrUnknownPartition, fmt.Sprintf("seek: %s: no such partition", partition.Key()), false)
		}
		off = tailOffset(n, end)
	}
	if off < 0 {
		return client.NewError(client.ErrInvalidArg, fmt.Sprintf("seek: unsupported offset %s", partition.Offset), false)
	}
	c.mu.Lock()
	ps := c.parts[partition.Key()]
	if ps == nil {
		known := c.topicAssignedLocked(partition.Topic)
		c.mu.Unlock()
		return c.notAssigned(partition.Key(), known)
	}
	c.dropBufferedLocked(ps.key)
	ps.pos, ps.eof = off, false
	ps.seekTo = off
	wasStopped := ps.stopped
	ps.stopped = false
	c.positionHookLocked(ps, client.PositionSeek, "")
	kcl := c.kcl
	paused := ps.paused
	c.mu.Unlock()
	if kcl != nil {
		kcl.SetOffsets(map[string]map[int32]kgo.EpochOffset{partition.Topic: {partition.Partition: {Epoch: -1, Offset: int64(off)}}})
		if wasStopped && !paused {
			kcl.ResumeFetchPartitions(map[string][]int32{partition.Topic: {partition.Partition}})
		}
	}
	return nil
}

// listOffsets lists the start (or end) offset of every partition of
// topics.
func (c *Consumer) listOffsets(ctx context.Context, topics []string, start bool) (map[client.PartitionKey]int64, error) {
	var (
		l   kadm.ListedOffsets
		err error
	)
	ctx, cancel := bounded(ctx, c.cfg.SocketTimeout)
	defer cancel()
	if start {
		l, err = c.adm.ListStartOffsets(ctx, topics...)
	} else {
		l, err = c.adm.ListEndOffsets(ctx, topics...)
	}
	if err != nil {
		return nil, toError(err, "list offsets")
	}
	out := map[client.PartitionKey]int64{}
	l.Each(func(o kadm.ListedOffset) {
		if o.Err == nil {
			out[client.PartitionKey{Topic: o.Topic, Partition: o.Partition}] = o.Offset
		}
	})
	return out, nil
}

func (c *Consumer) positionHookLocked(ps *partState, r client.PositionReason, reset string) {
	if len(c.hooks) == 0 {
		return
	}
	info := c.infoLocked()
	client.Each(c.hooks, func(h client.HookPosition) {
		h.OnPosition(client.Position{Info: info, Partition: client.TopicPartition{Topic: ps.key.Topic, Partition: ps.key.Partition, Offset: ps.pos}, Reason: r, Reset: reset})
	})
}

func (c *Consumer) rebalanceHookLocked(k client.RebalanceKind, tps []client.TopicPartition, manual bool) {
	if len(c.hooks) == 0 {
		return
	}
	proto := c.protocol
	if proto == "" {
		proto = client.RebalanceNone
	}
	consumerstate.RebalanceHook(c.hooks, c.infoLocked(), k, tps, proto, manual)
}

// Crash stops the consumer as if its process died: the
// rebalance callbacks become no-ops, the root context of every kgo client
// is cancelled, then the clients are closed — no commit, no LeaveGroup.
// The coordinator evicts the member at session.timeout.ms.
func (c *Consumer) Crash() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed, c.crashed = true, true
	c.sess++
	c.releaseReqsLocked()
	kcl := c.kcl
	c.kcl = nil
	if c.mpTimer != nil {
		c.mpTimer.Stop()
	}
	c.lifecycleLocked(client.LifecycleCrashed, nil)
	c.mu.Unlock()
	c.cancel()
	if kcl != nil {
		kcl.Close()
	}
	c.shutdown()
}

// Close revokes the assignment (the rebalance callback runs inside Close),
// commits stored offsets when enable.auto.commit=true, leaves the group
// (kgo sends no LeaveGroup for a static member) and releases every
// goroutine and connection. A dead cluster delays it by at most
// socket.timeout.ms.
func (c *Consumer) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.lifecycleLocked(client.LifecycleClosing, nil)
	c.revokeTrig = client.TriggerClose
	kcl, group := c.kcl, c.group
	fatal := c.fatal != nil
	if c.mpTimer != nil {
		c.mpTimer.Stop()
	}
	c.mu.Unlock()
	if kcl != nil && !group && !fatal {
		c.dropDirect(client.TriggerClose)
	} else if kcl != nil {
		c.closeClient(kcl)
	}
	c.mu.Lock()
	c.closed = true
	c.sess++
	c.releaseReqsLocked()
	c.kcl = nil
	if group {
		c.groupEventLocked(client.GroupEvent{Kind: client.GroupLeft, Reason: "close"})
	}
	c.clearPartsLocked()
	c.mu.Unlock()
	c.shutdown()
	c.lifecycle(client.LifecycleClosed, nil)
	return nil
}

// shutdown stops the backend's own goroutines and the admin client.
func (c *Consumer) shutdown() {
	c.mu.Lock()
	if c.acStop != nil {
		close(c.acStop)
		c.acStop = nil
	}
	c.mu.Unlock()
	c.commit.stop()
	c.watch.stop()
	c.cancel()
	c.admin.Close()
	c.bg.Wait()
}

// releaseReqsLocked lets every kgo callback waiting on Poll go (they are
// stale: the consumer crashed, closed or left).
func (c *Consumer) releaseReqsLocked() {
	kept := c.queue[:0]
	for _, it := range c.queue {
		if it.req != nil {
			it.req.finish()
			continue
		}
		kept = append(kept, it)
	}
	c.queue = kept
	if c.pendingApp != nil {
		c.pendingApp.finish()
		c.pendingApp = nil
	}
}

func (r *rebReq) finish() {
	if r.done != nil && !r.finished {
		r.finished = true
		close(r.done)
	}
}

func (c *Consumer) clearPartsLocked() {
	clear(c.parts)
	c.buf, c.bufAt = c.buf[:0], 0
	c.lost = false
}

// memberIDLocked is MemberID for callers holding the lock.
func (c *Consumer) memberIDLocked() string {
	m, _ := c.memberGenLocked()
	return m
}
