package realkafka

import (
	"fmt"
	"time"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/kafka"
	"github.com/kafkasim/kafkasim/client/rdkafka"
)

// hookProxy hands a client's observations to the runner's hook: topic
// names mapped back to the scenario's, and on the runner's goroutine (kgo
// calls some hooks from its own goroutines).
type hookProxy struct {
	b     *backend
	inner client.Hook
	group string // scenario group ("" for producers)
	actor string
}

func (h *hookProxy) back(t string) string { return h.b.names.scenarioTopic(t) }

func (h *hookProxy) info(i client.Info) client.Info {
	h.b.noteGeneration(h.group, i.Generation)
	i.GroupID = h.group
	return i
}

// OnLifecycle forwards lifecycle observations.
func (h *hookProxy) OnLifecycle(l client.Lifecycle) {
	if x, ok := h.inner.(client.HookLifecycle); ok {
		l.Info = h.info(l.Info)
		l.Topics = h.b.names.topics(l.Topics, h.back)
		h.b.post(func() { x.OnLifecycle(l) })
	}
}

// OnMessageDelivered forwards deliveries.
func (h *hookProxy) OnMessageDelivered(m client.MessageDelivered) {
	h.b.noteAnswer()
	if x, ok := h.inner.(client.HookMessageDelivered); ok {
		m.Info = h.info(m.Info)
		m.Message = h.b.names.msg(m.Message, h.back)
		h.b.post(func() { x.OnMessageDelivered(m) })
	}
}

// OnOffsetsStored forwards stores.
func (h *hookProxy) OnOffsetsStored(s client.OffsetsStored) {
	if x, ok := h.inner.(client.HookOffsetsStored); ok {
		s.Info = h.info(s.Info)
		s.Offsets = h.b.names.tps(s.Offsets, h.back)
		h.b.post(func() { x.OnOffsetsStored(s) })
	}
}

// OnCommitStarted forwards commit requests.
func (h *hookProxy) OnCommitStarted(c client.Commit) {
	if x, ok := h.inner.(client.HookCommit); ok {
		c = h.commit(c)
		h.b.post(func() { x.OnCommitStarted(c) })
	}
}

// OnCommitFinished forwards commit results.
func (h *hookProxy) OnCommitFinished(c client.Commit) {
	if c.Err == nil {
		h.b.noteAnswer()
	}
	if x, ok := h.inner.(client.HookCommit); ok {
		c = h.commit(c)
		h.b.post(func() { x.OnCommitFinished(c) })
	}
}

func (h *hookProxy) commit(c client.Commit) client.Commit {
	c.Info = h.info(c.Info)
	c.Offsets = h.b.names.tps(c.Offsets, h.back)
	c.Err = h.b.names.err(c.Err)
	return c
}

// OnRebalance forwards assignment changes.
func (h *hookProxy) OnRebalance(r client.Rebalance) {
	if x, ok := h.inner.(client.HookRebalance); ok {
		r.Info = h.info(r.Info)
		r.Partitions = h.b.names.tps(r.Partitions, h.back)
		h.b.post(func() { x.OnRebalance(r) })
	}
}

// OnPosition forwards fetch positions.
func (h *hookProxy) OnPosition(p client.Position) {
	if x, ok := h.inner.(client.HookPosition); ok {
		p.Info = h.info(p.Info)
		p.Partition.Topic = h.back(p.Partition.Topic)
		h.b.post(func() { x.OnPosition(p) })
	}
}

// OnGroup forwards group protocol steps.
func (h *hookProxy) OnGroup(g client.GroupEvent) {
	if x, ok := h.inner.(client.HookGroup); ok {
		g.Info = h.info(g.Info)
		g.Err = h.b.names.err(g.Err)
		g.Assignment = h.b.names.tps(g.Assignment, h.back)
		h.b.post(func() { x.OnGroup(g) })
	}
}

// OnMaxPollExceeded forwards max.poll.interval.ms expiry.
func (h *hookProxy) OnMaxPollExceeded(m client.MaxPollExceeded) {
	if x, ok := h.inner.(client.HookMaxPollExceeded); ok {
		m.Info = h.info(m.Info)
		h.b.post(func() { x.OnMaxPollExceeded(m) })
	}
}

// OnError forwards errors raised to the app; a refused session timeout
// ends the run with a clear error.
func (h *hookProxy) OnError(e client.ErrorRaised) {
	if e.Err.Code() == client.ErrAllBrokersDown {
		h.b.noteAllDown()
	}
	if e.Err.Code() == client.ErrInvalidSessionTimeout {
		h.b.setFatal(fmt.Errorf("consumer %s: the broker refused its session.timeout.ms (INVALID_SESSION_TIMEOUT): it must lie within the broker's group.min.session.timeout.ms and group.max.session.timeout.ms; change those on the broker or session.timeout.ms in the scenario: %w", h.actor, ErrSessionTimeout))
	}
	if x, ok := h.inner.(client.HookError); ok {
		e.Info = h.info(e.Info)
		e.Err = h.b.names.clientErr(e.Err)
		h.b.post(func() { x.OnError(e) })
	}
}

// OnProduced forwards deliveries to the log.
func (h *hookProxy) OnProduced(p client.Produced) {
	if p.Message.TopicPartition.Error == nil {
		h.b.noteAnswer()
	}
	if x, ok := h.inner.(client.HookProduced); ok {
		p.Info = h.info(p.Info)
		p.Message = h.b.names.msg(p.Message, h.back)
		h.b.post(func() { x.OnProduced(p) })
	}
}

// realConsumer is what a real-cluster consumer offers: client/kafka's
// (franz-go) and client/rdkafka's (librdkafka) both do.
type realConsumer interface {
	client.Consumer
	client.Crasher
	Config() client.ConsumerConfig
	Generation() int32
}

// realProducer is what a real-cluster producer offers.
type realProducer interface {
	client.Producer
	Config() client.ProducerConfig
}

var (
	_ realConsumer = (*kafka.Consumer)(nil)
	_ realConsumer = (*rdkafka.Consumer)(nil)
	_ realProducer = (*kafka.Producer)(nil)
	_ realProducer = (*rdkafka.Producer)(nil)
)

// consumer is a real-cluster consumer seen through the scenario's topic
// names.
type consumer struct {
	c realConsumer
	n *renamer
}

var (
	_ client.Consumer = (*consumer)(nil)
	_ client.Crasher  = (*consumer)(nil)
)

func (c *consumer) to(tps []client.TopicPartition) []client.TopicPartition {
	return c.n.tps(tps, c.n.topic)
}

func (c *consumer) from(tps []client.TopicPartition, err error) ([]client.TopicPartition, error) {
	return c.n.tps(tps, c.n.scenarioTopic), c.n.err(err)
}

func (c *consumer) cb(cb client.RebalanceCb) client.RebalanceCb {
	if cb == nil {
		return nil
	}
	return func(_ client.Consumer, ev client.Event) error { return cb(c, c.n.event(ev)) }
}

// Config is the client's parsed configuration.
func (c *consumer) Config() client.ConsumerConfig { return c.c.Config() }

// Generation is the group generation the client last joined.
func (c *consumer) Generation() int32 { return c.c.Generation() }

// Crash stops the client without commit or LeaveGroup.
func (c *consumer) Crash() { c.c.Crash() }

func (c *consumer) Subscribe(topic string, cb client.RebalanceCb) error {
	return c.n.err(c.c.Subscribe(c.n.topic(topic), c.cb(cb)))
}

func (c *consumer) SubscribeTopics(topics []string, cb client.RebalanceCb) error {
	return c.n.err(c.c.SubscribeTopics(c.n.topics(topics, c.n.topic), c.cb(cb)))
}

func (c *consumer) Unsubscribe() error { return c.n.err(c.c.Unsubscribe()) }

func (c *consumer) Subscription() ([]string, error) {
	ts, err := c.c.Subscription()
	return c.n.topics(ts, c.n.scenarioTopic), c.n.err(err)
}

func (c *consumer) Assign(p []client.TopicPartition) error { return c.n.err(c.c.Assign(c.to(p))) }
func (c *consumer) Unassign() error                        { return c.n.err(c.c.Unassign()) }
func (c *consumer) IncrementalAssign(p []client.TopicPartition) error {
	return c.n.err(c.c.IncrementalAssign(c.to(p)))
}
func (c *consumer) IncrementalUnassign(p []client.TopicPartition) error {
	return c.n.err(c.c.IncrementalUnassign(c.to(p)))
}
func (c *consumer) Assignment() ([]client.TopicPartition, error) { return c.from(c.c.Assignment()) }
func (c *consumer) AssignmentLost() bool                         { return c.c.AssignmentLost() }
func (c *consumer) GetRebalanceProtocol() string                 { return c.c.GetRebalanceProtocol() }
func (c *consumer) Poll(timeoutMs int) client.Event              { return c.n.event(c.c.Poll(timeoutMs)) }

func (c *consumer) ReadMessage(timeout time.Duration) (*client.Message, error) {
	m, err := c.c.ReadMessage(timeout)
	return c.n.msg(m, c.n.scenarioTopic), c.n.err(err)
}

func (c *consumer) Commit() ([]client.TopicPartition, error) { return c.from(c.c.Commit()) }
func (c *consumer) CommitMessage(m *client.Message) ([]client.TopicPartition, error) {
	return c.from(c.c.CommitMessage(c.n.msg(m, c.n.topic)))
}
func (c *consumer) CommitOffsets(o []client.TopicPartition) ([]client.TopicPartition, error) {
	return c.from(c.c.CommitOffsets(c.to(o)))
}
func (c *consumer) CommitAsync() error { return c.n.err(c.c.CommitAsync()) }
func (c *consumer) CommitMessageAsync(m *client.Message) error {
	return c.n.err(c.c.CommitMessageAsync(c.n.msg(m, c.n.topic)))
}
func (c *consumer) CommitOffsetsAsync(o []client.TopicPartition) error {
	return c.n.err(c.c.CommitOffsetsAsync(c.to(o)))
}
func (c *consumer) StoreOffsets(o []client.TopicPartition) ([]client.TopicPartition, error) {
	return c.from(c.c.StoreOffsets(c.to(o)))
}
func (c *consumer) StoreMessage(m *client.Message) ([]client.TopicPartition, error) {
	return c.from(c.c.StoreMessage(c.n.msg(m, c.n.topic)))
}
func (c *consumer) Committed(p []client.TopicPartition, timeoutMs int) ([]client.TopicPartition, error) {
	return c.from(c.c.Committed(c.to(p), timeoutMs))
}
func (c *consumer) Position(p []client.TopicPartition) ([]client.TopicPartition, error) {
	return c.from(c.c.Position(c.to(p)))
}
func (c *consumer) Seek(p client.TopicPartition, t int) error {
	return c.n.err(c.c.Seek(c.to([]client.TopicPartition{p})[0], t))
}
func (c *consumer) Pause(p []client.TopicPartition) error  { return c.n.err(c.c.Pause(c.to(p))) }
func (c *consumer) Resume(p []client.TopicPartition) error { return c.n.err(c.c.Resume(c.to(p))) }
func (c *consumer) GetWatermarkOffsets(topic string, partition int32) (int64, int64, error) {
	lo, hi, err := c.c.GetWatermarkOffsets(c.n.topic(topic), partition)
	return lo, hi, c.n.err(err)
}
func (c *consumer) MemberID() string { return c.c.MemberID() }
func (c *consumer) IsClosed() bool   { return c.c.IsClosed() }
func (c *consumer) Close() error     { return c.n.err(c.c.Close()) }

// producer is a real-cluster producer seen through the scenario's topic
// names.
type producer struct {
	p realProducer
	n *renamer
}

var _ client.Producer = (*producer)(nil)

// Config is the producer's parsed configuration.
func (p *producer) Config() client.ProducerConfig { return p.p.Config() }

func (p *producer) Produce(m *client.Message, onDelivery func(*client.Message)) error {
	real := p.n.msg(m, p.n.topic)
	var cb func(*client.Message)
	if onDelivery != nil {
		cb = func(d *client.Message) { onDelivery(p.n.msg(d, p.n.scenarioTopic)) }
	}
	return p.n.err(p.p.Produce(real, cb))
}

func (p *producer) Poll(timeoutMs int) client.Event { return p.n.event(p.p.Poll(timeoutMs)) }
func (p *producer) Flush(timeoutMs int) int         { return p.p.Flush(timeoutMs) }
func (p *producer) Len() int                        { return p.p.Len() }
func (p *producer) IsClosed() bool                  { return p.p.IsClosed() }
func (p *producer) Close()                          { p.p.Close() }
