package kafka

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/internal/clock"
)

type pmsg struct {
	m  *client.Message
	cb func(*client.Message)
}

// Producer is a client.Producer (and client.Crasher) over a franz-go
// client: Produce hands records to kgo; delivery reports are collected
// from kgo's promises and served by Poll and Flush.
type Producer struct {
	cfg    client.ProducerConfig
	hooks  client.Hooks
	kcl    *kgo.Client
	root   context.Context
	cancel context.CancelFunc
	watch  *connWatch

	mu          sync.Mutex
	reports     []pmsg
	outstanding int
	closed      bool
	wake        chan struct{}
	topics      []string // produced to (GetMetadata)
}

var (
	_ client.Producer = (*Producer)(nil)
	_ client.Crasher  = (*Producer)(nil)
)

// partitioner adapts broker's librdkafka partitioners to kgo, so a keyed
// message lands on the partition the simulator would pick; an explicit
// partition (Record.Partition >= 0 when produced) is kept.
type partitioner struct {
	mu     sync.Mutex
	name   string
	linger time.Duration
	clk    clock.Clock
	rnd    *rand.Rand
	topics map[string]broker.Partitioner
}

func (p *partitioner) ForTopic(topic string) kgo.TopicPartitioner {
	return kgo.BasicConsistentPartitioner(func(string) func(*kgo.Record, int) int {
		return func(r *kgo.Record, n int) int {
			if r.Partition >= 0 {
				return int(r.Partition)
			}
			p.mu.Lock()
			defer p.mu.Unlock()
			bp := p.topics[topic]
			if bp == nil {
				bp, _ = broker.PartitionerByName(p.name, p.clk, p.rnd, p.linger)
				p.topics[topic] = bp
			}
			return int(bp.Partition(r.Key, int32(n)))
		}
	}).ForTopic(topic)
}

// CheckProducerConfig reports what NewProducer would refuse in conf,
// without making a client or contacting the cluster (see
// CheckConsumerConfig).
func CheckProducerConfig(conf client.ConfigMap) error {
	_, _, err := producerConfig(conf)
	return err
}

// producerConfig parses conf and translates it into kgo options.
func producerConfig(conf client.ConfigMap) (client.ProducerConfig, []kgo.Opt, error) {
	conf, verify, err := splitBackendKeys(conf)
	if err != nil {
		return client.ProducerConfig{}, nil, err
	}
	cfg, err := client.ParseProducerConfig(conf)
	if err != nil {
		return client.ProducerConfig{}, nil, err
	}
	base, err := commonOpts(cfg.CommonConfig, verify)
	if err != nil {
		return client.ProducerConfig{}, nil, err
	}
	popts, err := producerOpts(cfg)
	if err != nil {
		return client.ProducerConfig{}, nil, err
	}
	if _, err := broker.PartitionerByName(cfg.Partitioner, clock.NewWall(), rand.New(rand.NewPCG(1, 2)), cfg.StickyLinger); err != nil {
		return client.ProducerConfig{}, nil, invalid("partitioner", err.Error())
	}
	return cfg, append(base, popts...), nil
}

// NewProducer creates a producer for the cluster named by
// bootstrap.servers (see NewConsumer for hooks and errors).
func NewProducer(conf client.ConfigMap, hooks ...client.Hook) (*Producer, error) {
	cfg, opts, err := producerConfig(conf)
	if err != nil {
		return nil, err
	}
	p := &Producer{cfg: cfg, hooks: hooks, wake: make(chan struct{}, 1)}
	p.root, p.cancel = context.WithCancel(context.Background())
	p.watch = newConnWatch(func(client.Error) {})
	part := &partitioner{name: cfg.Partitioner, linger: cfg.StickyLinger, clk: clock.NewWall(),
		rnd: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x6b61666b)), topics: map[string]broker.Partitioner{}}
	opts = append(opts, dialOpts(hooks)...)
	opts = append(opts, kgo.WithHooks(p.watch), kgo.WithContext(p.root), kgo.RecordPartitioner(part))
	p.kcl, err = kgo.NewClient(opts...)
	if err != nil {
		p.cancel()
		return nil, invalid("bootstrap.servers", err.Error())
	}
	p.lifecycle(client.LifecycleCreated)
	return p, nil
}

// Config is the producer's parsed configuration.
func (p *Producer) Config() client.ProducerConfig { return p.cfg }

func (p *Producer) info() client.Info {
	return client.Info{Time: time.Now(), ClientID: p.cfg.ClientID, Generation: -1}
}

func (p *Producer) lifecycle(k client.LifecycleKind) {
	client.Each(p.hooks, func(h client.HookLifecycle) {
		h.OnLifecycle(client.Lifecycle{Info: p.info(), Kind: k})
	})
}

// Produce queues msg; see client.Producer. Beyond
// queue.buffering.max.messages it fails with ErrQueueFull.
func (p *Producer) Produce(msg *client.Message, onDelivery func(*client.Message)) error {
	if msg == nil || msg.TopicPartition.Topic == "" {
		return client.NewError(client.ErrInvalidArg, "message without a topic", false)
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return client.ClosedError()
	}
	if p.cfg.QueueMaxMessages > 0 && p.outstanding+len(p.reports) >= p.cfg.QueueMaxMessages {
		p.mu.Unlock()
		return client.NewError(client.ErrQueueFull, "", false)
	}
	p.outstanding++
	if !slices.Contains(p.topics, msg.TopicPartition.Topic) {
		p.topics = append(p.topics, msg.TopicPartition.Topic)
	}
	p.mu.Unlock()
	if msg.Timestamp.IsZero() {
		msg.Timestamp = time.Now()
		msg.TimestampType = client.TimestampCreateTime
	}
	rec := &kgo.Record{
		Topic:     msg.TopicPartition.Topic,
		Partition: msg.TopicPartition.Partition,
		Key:       msg.Key,
		Value:     msg.Value,
		Timestamp: msg.Timestamp,
	}
	if rec.Partition < 0 {
		rec.Partition = -1
	}
	for _, h := range msg.Headers {
		rec.Headers = append(rec.Headers, kgo.RecordHeader{Key: h.Key, Value: h.Value})
	}
	p.kcl.TryProduce(p.root, rec, func(r *kgo.Record, err error) { p.delivered(msg, onDelivery, r, err) })
	return nil
}

func (p *Producer) delivered(msg *client.Message, cb func(*client.Message), r *kgo.Record, err error) {
	m := *msg
	m.TopicPartition = client.TopicPartition{Topic: r.Topic, Partition: r.Partition, Offset: client.Offset(r.Offset)}
	if err != nil {
		e := toError(err, "produce")
		switch {
		case err == kgo.ErrMaxBuffered:
			e = client.NewError(client.ErrQueueFull, "", false)
		case e.Code() == client.ErrTimedOut:
			e = client.NewError(client.ErrMsgTimedOut, "", false)
		}
		m.TopicPartition.Offset = client.OffsetInvalid
		m.TopicPartition.Error = e
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.outstanding--
	if p.closed {
		return
	}
	client.Each(p.hooks, func(h client.HookProduced) {
		h.OnProduced(client.Produced{Info: p.info(), Message: &m})
	})
	if cb == nil && !p.cfg.DeliveryReports {
		return
	}
	p.reports = append(p.reports, pmsg{m: &m, cb: cb})
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// serve calls delivery functions and returns the first report without
// one; with onlyCallbacks, reports without a function stay queued.
func (p *Producer) serve(onlyCallbacks bool) client.Event {
	for {
		p.mu.Lock()
		i := 0
		if onlyCallbacks {
			for i < len(p.reports) && p.reports[i].cb == nil {
				i++
			}
		}
		if i >= len(p.reports) {
			p.mu.Unlock()
			return nil
		}
		pm := p.reports[i]
		p.reports = append(p.reports[:i], p.reports[i+1:]...)
		p.mu.Unlock()
		if pm.cb != nil {
			pm.cb(pm.m)
			continue
		}
		return pm.m
	}
}

// Poll serves delivery reports for up to timeoutMs and returns the first
// report that has no delivery function, or nil.
func (p *Producer) Poll(timeoutMs int) client.Event {
	deadline := time.Now().Add(time.Duration(timeoutMs) * time.Millisecond)
	for {
		if p.IsClosed() {
			return nil
		}
		if ev := p.serve(false); ev != nil {
			return ev
		}
		wait := time.Until(deadline)
		if timeoutMs >= 0 && wait <= 0 {
			return nil
		}
		if timeoutMs < 0 {
			wait = time.Hour
		}
		t := time.NewTimer(wait)
		select {
		case <-p.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// Flush waits until every produced message has been delivered or
// timeoutMs passes, calling delivery functions on the way (reports without
// one stay for Poll). It returns the number still undelivered.
func (p *Producer) Flush(timeoutMs int) int {
	deadline := time.Now().Add(time.Duration(timeoutMs) * time.Millisecond)
	for {
		p.serve(true)
		p.mu.Lock()
		n, closed := p.outstanding, p.closed
		p.mu.Unlock()
		if n == 0 || closed {
			return n
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return n
		}
		t := time.NewTimer(min(wait, 50*time.Millisecond))
		select {
		case <-p.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// Len is the number of messages not yet delivered plus reports not yet
// served.
func (p *Producer) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.outstanding + len(p.reports)
}

// IsClosed reports whether Close (or Crash) was called.
func (p *Producer) IsClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// Close releases the producer; messages not yet delivered are dropped.
func (p *Producer) Close() {
	if p.stop() {
		p.lifecycle(client.LifecycleClosed)
	}
}

// Crash stops the producer at once; queued messages are lost.
func (p *Producer) Crash() {
	if p.stop() {
		p.lifecycle(client.LifecycleCrashed)
	}
}

func (p *Producer) stop() bool {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return false
	}
	p.closed = true
	p.mu.Unlock()
	p.watch.stop()
	p.cancel()
	p.kcl.Close()
	return true
}
