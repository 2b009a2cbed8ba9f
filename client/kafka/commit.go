package kafka

import (
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/internal/consumerstate"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// Commits are raw OffsetCommit requests sent by the admin kgo client with
// the member id and generation the group client currently holds (-1 for a
// manual assignment), one at a time and in order by a commit goroutine.
// So the broker's answers — REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION,
// UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID — reach the app unfiltered, as
// they do in librdkafka (kgo's own commit functions hold commits back
// during join and sync), and commit metadata is kept.

type commitJob struct {
	offs []client.TopicPartition
	done func(parts map[client.PartitionKey]error, err error)
}

// commitWorker sends commits one at a time, in order.
type commitWorker struct {
	c       *Consumer
	mu      sync.Mutex
	jobs    []commitJob
	stopped bool
	signal  chan struct{}
	quit    chan struct{}
	wg      sync.WaitGroup
}

func (w *commitWorker) start(c *Consumer) {
	w.c = c
	w.signal = make(chan struct{}, 1)
	w.quit = make(chan struct{})
	w.wg.Add(1)
	go w.loop()
}

func (w *commitWorker) submit(j commitJob) bool {
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return false
	}
	w.jobs = append(w.jobs, j)
	w.mu.Unlock()
	select {
	case w.signal <- struct{}{}:
	default:
	}
	return true
}

func (w *commitWorker) loop() {
	defer w.wg.Done()
	for {
		w.mu.Lock()
		if len(w.jobs) == 0 {
			w.mu.Unlock()
			select {
			case <-w.signal:
				continue
			case <-w.quit:
				return
			}
		}
		j := w.jobs[0]
		w.jobs = w.jobs[1:]
		w.mu.Unlock()
		parts, err := w.c.sendCommit(j.offs)
		j.done(parts, err)
	}
}

// stop refuses new commits, fails queued ones and waits for the one in
// flight.
func (w *commitWorker) stop() {
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return
	}
	w.stopped = true
	jobs := w.jobs
	w.jobs = nil
	w.mu.Unlock()
	close(w.quit)
	w.wg.Wait()
	for _, j := range jobs {
		j.done(nil, client.NewError(client.ErrDestroy, "commit: consumer closed", false))
	}
}

// sendCommit sends one OffsetCommit and returns per-partition errors.
func (c *Consumer) sendCommit(offs []client.TopicPartition) (map[client.PartitionKey]error, error) {
	c.mu.Lock()
	member, gen := c.memberGenLocked()
	if !c.subscribed && !c.expired {
		member, gen = "", -1
	}
	c.mu.Unlock()
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Group = c.cfg.GroupID
	req.Generation = gen
	req.MemberID = member
	if c.cfg.InstanceID != "" && member != "" {
		id := c.cfg.InstanceID
		req.InstanceID = &id
	}
	idx := map[string]int{}
	for _, tp := range offs {
		i, ok := idx[tp.Topic]
		if !ok {
			t := kmsg.NewOffsetCommitRequestTopic()
			t.Topic = tp.Topic
			req.Topics = append(req.Topics, t)
			i = len(req.Topics) - 1
			idx[tp.Topic] = i
		}
		p := kmsg.NewOffsetCommitRequestTopicPartition()
		p.Partition = tp.Partition
		p.Offset = int64(tp.Offset)
		p.LeaderEpoch = -1
		if tp.Metadata != nil {
			md := *tp.Metadata
			p.Metadata = &md
		}
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, p)
	}
	ctx, cancel := bounded(c.root, c.cfg.SocketTimeout)
	defer cancel()
	resp, err := req.RequestWith(ctx, c.admin)
	if err != nil {
		return nil, toError(err, "commit")
	}
	parts := map[client.PartitionKey]error{}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if p.ErrorCode != 0 {
				code := kerr.Code(p.ErrorCode)
				parts[client.PartitionKey{Topic: t.Topic, Partition: p.Partition}] = client.NewError(code, "", false)
			}
		}
	}
	return parts, nil
}

// doCommit commits offs; trig and async say why and how (for hooks and
// the OffsetsCommitted event). noEvent suppresses the event of an async
// commit (Java-model auto-commit). A synchronous commit waits at most
// socket.timeout.ms.
func (c *Consumer) doCommit(offs []client.TopicPartition, trig client.CommitTrigger, async, noEvent bool) ([]client.TopicPartition, error) {
	offs = slices.Clone(offs)
	for i := range offs {
		offs[i].Error = nil
	}
	c.mu.Lock()
	c.commitSeq++
	id := c.commitSeq
	if len(c.hooks) > 0 {
		ev := client.Commit{Info: c.infoLocked(), ID: id, Trigger: trig, Async: async, Offsets: slices.Clone(offs)}
		client.Each(c.hooks, func(h client.HookCommit) { h.OnCommitStarted(ev) })
	}
	c.mu.Unlock()
	if len(offs) == 0 {
		return c.finishCommit(id, offs, nil, client.NewError(client.ErrNoOffset, "", false), trig, async, noEvent)
	}
	if async {
		ok := c.commit.submit(commitJob{offs: offs, done: func(parts map[client.PartitionKey]error, err error) {
			_, _ = c.finishCommit(id, offs, parts, err, trig, async, noEvent)
		}})
		if !ok {
			return c.finishCommit(id, offs, nil, client.NewError(client.ErrDestroy, "commit: consumer closed", false), trig, async, noEvent)
		}
		return nil, nil
	}
	type result struct {
		parts map[client.PartitionKey]error
		err   error
	}
	ch := make(chan result, 1)
	if !c.commit.submit(commitJob{offs: offs, done: func(parts map[client.PartitionKey]error, err error) { ch <- result{parts, err} }}) {
		return c.finishCommit(id, offs, nil, client.NewError(client.ErrDestroy, "commit: consumer closed", false), trig, async, noEvent)
	}
	r := <-ch
	return c.finishCommit(id, offs, r.parts, r.err, trig, async, noEvent)
}

// finishCommit records a commit's result and reports it.
func (c *Consumer) finishCommit(id uint64, offs []client.TopicPartition, parts map[client.PartitionKey]error, err error, trig client.CommitTrigger, async, noEvent bool) ([]client.TopicPartition, error) {
	var cerr error
	if err != nil {
		cerr = toError(err, "")
	}
	cerr = consumerstate.CommitResult(offs, cerr, parts)
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range offs {
		if offs[i].Error == nil {
			if ps := c.parts[offs[i].Key()]; ps != nil && offs[i].Offset > ps.committed {
				ps.committed = offs[i].Offset
			}
		}
	}
	if len(c.hooks) > 0 {
		ev := client.Commit{Info: c.infoLocked(), ID: id, Trigger: trig, Async: async, Offsets: slices.Clone(offs), Err: cerr}
		client.Each(c.hooks, func(h client.HookCommit) { h.OnCommitFinished(ev) })
	}
	if async && !noEvent && !c.closed {
		c.pushLocked(item{ev: client.OffsetsCommitted{Error: cerr, Offsets: slices.Clone(offs)}})
	}
	if cerr != nil && kerr.CodeOf(cerr) == kerr.FencedInstanceID {
		c.setFatalLocked(client.ErrFencedInstanceID, "OffsetCommit")
	}
	return offs, cerr
}

// storedAheadLocked lists stored offsets (of parts, or of the whole
// assignment when parts is nil) ahead of the committed ones.
func (c *Consumer) storedAheadLocked(parts []client.TopicPartition) []client.TopicPartition {
	var out []client.TopicPartition
	add := func(ps *partState) {
		if ps.stored >= 0 && ps.stored > ps.committed {
			out = append(out, client.TopicPartition{Topic: ps.key.Topic, Partition: ps.key.Partition, Offset: ps.stored, Metadata: ps.storedMD})
		}
	}
	if parts == nil {
		for _, tp := range c.assignedLocked() {
			add(c.parts[tp.Key()])
		}
		return out
	}
	for _, tp := range parts {
		if ps := c.parts[tp.Key()]; ps != nil {
			add(ps)
		}
	}
	return out
}

// positionsLocked is the Java model's commit: the position of every given
// partition, changed or not.
func (c *Consumer) positionsLocked(parts []client.TopicPartition) []client.TopicPartition {
	var out []client.TopicPartition
	for _, tp := range parts {
		if ps := c.parts[tp.Key()]; ps != nil && ps.pos >= 0 {
			out = append(out, client.TopicPartition{Topic: tp.Topic, Partition: tp.Partition, Offset: ps.pos})
		}
	}
	return out
}

// leavingOffsetsLocked is what auto-commit commits for parts as they leave
// the assignment: their positions in the Java model, else every stored
// offset, even one already committed (librdkafka's
// rd_kafka_assignment_serve_removals).
func (c *Consumer) leavingOffsetsLocked(parts []client.TopicPartition) []client.TopicPartition {
	if c.java {
		return c.positionsLocked(parts)
	}
	var out []client.TopicPartition
	for _, tp := range parts {
		if ps := c.parts[tp.Key()]; ps != nil && ps.stored >= 0 {
			out = append(out, client.TopicPartition{Topic: ps.key.Topic, Partition: ps.key.Partition, Offset: ps.stored, Metadata: ps.storedMD})
		}
	}
	return out
}

// startAutoCommitLocked starts librdkafka's auto-commit timer: a goroutine
// committing the stored offsets every auto.commit.interval.ms whether or
// not the app polls. As in librdkafka (rd_kafka_cgrp_new), it starts when
// the consumer is created, so its ticks are counted from creation, not
// from the first assignment.
func (c *Consumer) startAutoCommitLocked() {
	if c.java || !c.cfg.EnableAutoCommit || c.cfg.AutoCommitInterval <= 0 || c.acStop != nil || c.closed {
		return
	}
	stop := make(chan struct{})
	c.acStop = stop
	iv := c.cfg.AutoCommitInterval
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		t := time.NewTicker(iv)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-c.root.Done():
				return
			case <-t.C:
				c.autoCommitTick()
			}
		}
	}()
}

// autoCommitTick commits the stored offsets ahead of the committed ones;
// skipped while a rebalance waits for Poll, after max.poll.interval.ms
// expiry, or when the assignment was lost.
func (c *Consumer) autoCommitTick() {
	c.mu.Lock()
	if c.closed || c.fatal != nil || c.expired || c.lost || len(c.parts) == 0 || c.curReq != nil ||
		slices.ContainsFunc(c.queue, func(it item) bool { return it.req != nil }) {
		c.mu.Unlock()
		return
	}
	offs := c.storedAheadLocked(nil)
	c.mu.Unlock()
	if len(offs) > 0 {
		_, _ = c.doCommit(offs, client.TriggerAutoTimer, true, false)
	}
}

// javaPollCommit is the Java client's auto-commit inside poll(): once the
// interval has passed, commit (asynchronously, no event) the positions
// reached by earlier polls.
func (c *Consumer) javaPollCommit() {
	c.mu.Lock()
	if !c.cfg.EnableAutoCommit || c.cfg.AutoCommitInterval <= 0 || c.fatal != nil || c.lost || c.expired || c.closed {
		c.mu.Unlock()
		return
	}
	now := time.Now()
	if now.Before(c.javaNext) || c.curReq != nil {
		c.mu.Unlock()
		return
	}
	c.javaNext = now.Add(c.cfg.AutoCommitInterval)
	offs := c.positionsLocked(c.assignedLocked())
	c.mu.Unlock()
	if len(offs) > 0 {
		_, _ = c.doCommit(offs, client.TriggerJavaPoll, true, true)
	}
}

// Commit synchronously commits the stored offsets of the assignment
// (ErrNoOffset when there are none).
func (c *Consumer) Commit() ([]client.TopicPartition, error) {
	c.mu.Lock()
	if err := c.checkLocked(); err != nil {
		c.mu.Unlock()
		return nil, err
	}
	offs := c.storedAheadLocked(nil)
	c.mu.Unlock()
	return c.doCommit(offs, client.TriggerManual, false, false)
}

// CommitMessage synchronously commits m's offset + 1.
func (c *Consumer) CommitMessage(m *client.Message) ([]client.TopicPartition, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	return c.doCommit(consumerstate.MessageOffset(m), client.TriggerManual, false, false)
}

// CommitOffsets synchronously commits offsets as given.
func (c *Consumer) CommitOffsets(offsets []client.TopicPartition) ([]client.TopicPartition, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	return c.doCommit(offsets, client.TriggerManual, false, false)
}

// CommitAsync commits the stored offsets; the result arrives as an
// OffsetsCommitted event from a later Poll.
func (c *Consumer) CommitAsync() error {
	c.mu.Lock()
	if err := c.checkLocked(); err != nil {
		c.mu.Unlock()
		return err
	}
	offs := c.storedAheadLocked(nil)
	c.mu.Unlock()
	if len(offs) == 0 {
		return client.NewError(client.ErrNoOffset, "", false)
	}
	_, _ = c.doCommit(offs, client.TriggerManual, true, false)
	return nil
}

// CommitMessageAsync commits m's offset + 1 without waiting.
func (c *Consumer) CommitMessageAsync(m *client.Message) error {
	if err := c.check(); err != nil {
		return err
	}
	_, _ = c.doCommit(consumerstate.MessageOffset(m), client.TriggerManual, true, false)
	return nil
}

// CommitOffsetsAsync commits offsets as given without waiting.
func (c *Consumer) CommitOffsetsAsync(offsets []client.TopicPartition) error {
	if err := c.check(); err != nil {
		return err
	}
	if len(offsets) == 0 {
		return client.NewError(client.ErrNoOffset, "", false)
	}
	_, _ = c.doCommit(offsets, client.TriggerManual, true, false)
	return nil
}

// StoreOffsets stores offsets to be committed later (needs
// enable.auto.offset.store=false). Partitions not assigned get ErrState.
func (c *Consumer) StoreOffsets(offsets []client.TopicPartition) ([]client.TopicPartition, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.checkLocked(); err != nil {
		return nil, err
	}
	if c.cfg.EnableAutoOffsetStore {
		return nil, client.NewError(client.ErrInvalidArg, "StoreOffsets requires enable.auto.offset.store=false", false)
	}
	out, stored, firstErr := consumerstate.Store(offsets, func(tp client.TopicPartition) bool {
		ps := c.parts[tp.Key()]
		if ps != nil {
			ps.stored, ps.storedMD = tp.Offset, tp.Metadata
		}
		return ps != nil
	})
	consumerstate.StoredHook(c.hooks, c.infoLocked, stored)
	return out, firstErr
}

// StoreMessage stores m's offset + 1 (see StoreOffsets).
func (c *Consumer) StoreMessage(m *client.Message) ([]client.TopicPartition, error) {
	return c.StoreOffsets(consumerstate.MessageOffset(m))
}
