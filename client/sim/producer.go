package sim

import (
	"errors"
	"slices"
	"sync"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/internal/clock"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

type pmsg struct {
	m  *client.Message
	cb func(*client.Message)
	// deadline is when message.timeout.ms fails the message, in Unix
	// nanoseconds of virtual time; 0: never.
	deadline int64
}

// Producer is the simulated producer. Messages wait linger.ms in its queue,
// are appended to the log, and their delivery reports are served by Poll
// and Flush. While the broker is down sends are retried every
// retry.backoff.ms until message.timeout.ms fails them with
// _MSG_TIMED_OUT. It implements client.Producer and client.Crasher.
type Producer struct {
	cl     *Cluster
	id     uint32 // see Consumer.id
	cfg    client.ProducerConfig
	hooks  client.Hooks
	onProd []client.HookProduced // picked out of hooks once
	part   broker.Partitioner
	closed bool
	queue  []pmsg
	// reports[rhead:] wait for Poll or Flush. The queue and the reports
	// trade memory: a send with no report waiting writes its reports over
	// the queue it reads, and the drained reports buffer becomes the next
	// queue, so steady producing allocates nothing.
	reports []pmsg
	rhead   int
	timer   clock.Timer
	sendFn  func() // p.send, made once
	// prod is the event of report's hooks, its Info set once per send.
	prod client.Produced
	// topics produced to, lastTopic the last of them (metadata.go).
	topics    []string
	lastTopic string
}

// NewProducer creates a producer from a librdkafka-style configuration.
func (cl *Cluster) NewProducer(conf client.ConfigMap, hooks ...client.Hook) (*Producer, error) {
	cfg, err := client.ParseProducerConfig(conf)
	if err != nil {
		return nil, err
	}
	part, err := broker.PartitionerByName(cfg.Partitioner, cl.clk, cl.clk.Rand(), cfg.StickyLinger)
	if err != nil {
		return nil, client.NewError(client.ErrInvalidArg, err.Error(), false)
	}
	defer cl.exit(cl.enter(0, opNew, cl.keyString("producer/"+cfg.ClientID), nil))
	cl.clients++
	p := &Producer{id: uint32(cl.clients), cl: cl, cfg: cfg, hooks: hooks, onProd: client.Of[client.HookProduced](hooks), part: part}
	p.sendFn = p.send
	p.queue, p.reports = takeQueue(), takeQueue()
	cl.producers = append(cl.producers, p)
	client.Each(hooks, func(h client.HookLifecycle) {
		h.OnLifecycle(client.Lifecycle{Info: p.info(), Kind: client.LifecycleCreated})
	})
	return p, nil
}

func (p *Producer) info() client.Info {
	return client.Info{Time: p.cl.clk.Now(), ClientID: p.cfg.ClientID, Generation: -1}
}

// Config is the producer's parsed configuration.
func (p *Producer) Config() client.ProducerConfig { return p.cfg }

// Produce queues msg; see client.Producer.
func (p *Producer) Produce(msg *client.Message, onDelivery func(*client.Message)) error {
	defer p.cl.exit(p.cl.enter(p.id, opProduce, p.cl.keyMsg(msg), nil))
	return p.queueMsg(msg, onDelivery)
}

// ProduceBatch queues msgs in order, each as Produce(&msgs[i], nil)
// would, and stops at the first one Produce would refuse: it returns how
// many it queued and that message's error (nil when it queued them all).
// It is one call for a burst of messages (a scenario's produce step sends
// hundreds at one instant) instead of one each; what is queued, and when
// it is sent, is the same. Not part of client.Producer.
func (p *Producer) ProduceBatch(msgs []client.Message) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	defer p.cl.exit(p.cl.enter(p.id, opProduce, p.cl.keyMsg(&msgs[0]), nil))
	if p.closed {
		return 0, p.queueMsg(&msgs[0], nil)
	}
	// What queueMsg does for each message, with what is the same for all
	// of them done once: nothing in between can close the producer, move
	// the clock or touch the queue but this loop. The messages that fit
	// in the queue (queue.buffering.max.messages) are the plain case; at
	// the first that is not (no room, no topic), queueMsg says why.
	n := len(msgs)
	if qmax := p.cfg.QueueMaxMessages; qmax > 0 {
		n = min(n, max(qmax-p.len(), 0))
	}
	now := p.cl.clk.Now()
	var deadline int64
	if p.cfg.MessageTimeout > 0 {
		deadline = now.UnixNano() + int64(p.cfg.MessageTimeout)
	}
	p.queue = slices.Grow(p.queue, n)
	queued := 0
	for i := range n {
		msg := &msgs[i]
		t := msg.TopicPartition.Topic
		if t == "" {
			break
		}
		if t != p.lastTopic {
			p.noteTopic(t)
		}
		if msg.Timestamp.IsZero() {
			msg.Timestamp = now
			msg.TimestampType = client.TimestampCreateTime
		}
		p.queue = append(p.queue, pmsg{m: msg, deadline: deadline})
		queued++
	}
	if queued > 0 && !p.timer.Pending() {
		p.timer = p.cl.clk.After(p.cfg.Linger, p.sendFn)
	}
	for ; queued < len(msgs); queued++ {
		if err := p.queueMsg(&msgs[queued], nil); err != nil {
			return queued, err
		}
	}
	return queued, nil
}

// queueMsg is Produce inside the gate.
func (p *Producer) queueMsg(msg *client.Message, onDelivery func(*client.Message)) error {
	if p.closed {
		return client.ClosedError()
	}
	if msg == nil || msg.TopicPartition.Topic == "" {
		return client.NewError(client.ErrInvalidArg, "message without a topic", false)
	}
	if p.cfg.QueueMaxMessages > 0 && p.len() >= p.cfg.QueueMaxMessages {
		return client.NewError(client.ErrQueueFull, "", false)
	}
	if t := msg.TopicPartition.Topic; t != p.lastTopic {
		p.noteTopic(t)
	}
	if msg.Timestamp.IsZero() {
		msg.Timestamp = p.cl.clk.Now()
		msg.TimestampType = client.TimestampCreateTime
	}
	pm := pmsg{m: msg, cb: onDelivery}
	if p.cfg.MessageTimeout > 0 {
		pm.deadline = p.cl.clk.UnixNano() + int64(p.cfg.MessageTimeout)
	}
	if len(p.queue) == cap(p.queue) {
		// Double from 64: a burst copies (pointers, under GC write
		// barriers) and allocates less than append's small first steps.
		p.queue = slices.Grow(p.queue, max(len(p.queue), 64))
	}
	p.queue = append(p.queue, pm)
	if !p.timer.Pending() {
		p.timer = p.cl.clk.After(p.cfg.Linger, p.sendFn)
	}
	return nil
}

// send appends the queued messages to the log.
func (p *Producer) send() {
	if p.closed {
		return
	}
	now := p.cl.clk.UnixNano()
	q := p.queue
	// With no report waiting, reports are written over q as it is read:
	// each message has at most one report, written at or before its own
	// slot (see Producer.reports).
	inPlace := p.rhead == len(p.reports)
	w := 0
	var keep []pmsg
	// One report event, the message set for each.
	p.prod.Info = p.info()
	// The topic of the messages in a row (usually all of them), looked up
	// once: Appender calls are Partitions and Produce of one record.
	var app broker.Appender
	if len(q) > 0 {
		app = p.cl.b.Appender(q[0].m.TopicPartition.Topic)
	}
	for i := range q {
		pm := q[i]
		if !p.sendMsg(&app, pm, now) {
			keep = append(keep, pm)
			continue
		}
		// Sent or failed: the hooks hear of it, then, if asked for, a
		// delivery report waits for Poll.
		if len(p.onProd) > 0 {
			p.prod.Message = pm.m
			for _, h := range p.onProd {
				h.OnProduced(p.prod)
			}
		}
		if pm.cb == nil && !p.cfg.DeliveryReports {
			continue
		}
		if !inPlace {
			p.reports = append(p.reports, pm)
			continue
		}
		if w != i {
			q[w] = pm // (in place, the usual case, nothing moves: no pointer writes)
		}
		w++
	}
	p.prod.Message = nil
	if inPlace {
		// q[:w] are the reports; the drained reports buffer takes what is
		// left (usually nothing).
		clear(q[w:])
		next := p.reports[:cap(p.reports)]
		clear(next)
		p.reports, p.rhead = q[:w], 0
		q = next
	} else {
		clear(q)
	}
	p.queue = append(q[:0], keep...)
	if len(p.queue) > 0 {
		p.timer = p.cl.clk.After(p.cfg.RetryBackoff, p.sendFn)
	}
}

// sendMsg appends pm's message to the log through app (made afresh for
// another topic) and sets its partition and offset, or its error. It
// reports whether the message is done with (sent or failed: a report);
// false: it waits for a retry (the cluster is down).
func (p *Producer) sendMsg(app *broker.Appender, pm pmsg, now int64) bool {
	b := p.cl.b
	m := pm.m
	tp := &m.TopicPartition
	if !b.Available() {
		if pm.deadline != 0 && now >= pm.deadline {
			tp.Error = client.NewError(client.ErrMsgTimedOut, "", false)
			return true
		}
		return false
	}
	if tp.Topic != app.Topic() {
		*app = b.Appender(tp.Topic)
	}
	part := tp.Partition
	if part == client.PartitionAny {
		n, err := app.Partitions()
		if err != nil && b.Config().AllowAutoCreateTopics {
			n, err = int32(max(b.Config().AutoCreatePartitions, 1)), nil
		}
		if err != nil {
			tp.Error = client.NewError(client.ErrUnknownTopic, "", false)
			return true
		}
		part = p.part.Partition(m.Key, n)
	}
	var base int64
	var err error
	if len(m.Headers) == 0 {
		base, err = app.Append(part, m.Key, m.Value, m.Timestamp)
	} else {
		rec := [1]broker.Record{{Key: m.Key, Value: m.Value, Timestamp: m.Timestamp, Headers: make([]broker.Header, len(m.Headers))}}
		for j, h := range m.Headers {
			rec[0].Headers[j] = broker.Header{Key: h.Key, Value: h.Value}
		}
		base, err = b.Produce(tp.Topic, part, rec[:])
	}
	switch {
	case err == nil:
		tp.Partition, tp.Offset = part, client.Offset(base)
		if tp.Error != nil {
			tp.Error = nil
		}
	case errors.Is(err, broker.ErrUnavailable):
		return false
	default:
		tp.Partition = part
		tp.Error = client.NewError(kerr.CodeOf(err), err.Error(), false)
	}
	return true
}

// serve calls delivery callbacks and returns the first report without one.
func (p *Producer) serve() client.Event {
	for p.rhead < len(p.reports) {
		pm := p.reports[p.rhead]
		p.reports[p.rhead] = pmsg{}
		p.rhead++
		if pm.cb != nil {
			p.deliveryReport(pm)
			continue
		}
		return pm.m
	}
	p.reports, p.rhead = p.reports[:0], 0
	return nil
}

// Poll serves delivery reports for up to timeoutMs of virtual time (see
// Consumer.Poll for how time runs) and returns the first report that has
// no delivery function, or nil.
func (p *Producer) Poll(timeoutMs int) client.Event {
	defer p.cl.exit(p.cl.enter(p.id, opPoll, uint64(timeoutMs), nil))
	if p.closed {
		return nil
	}
	if timeoutMs == 0 && p.cl.drv == nil {
		// What runLoop does when no time may pass: look once (without
		// the closure, which would be an allocation per call).
		return p.serve()
	}
	var ev client.Event
	p.cl.runLoopReady(p.cl.deadline(timeoutMs), func() bool {
		ev = p.serve()
		return ev != nil
	}, p.reportsWaiting)
	return ev
}

// Flush runs the simulation until every queued message has been sent or
// timeoutMs passes, calling delivery functions on the way (reports without
// one stay for Poll). It returns the number of messages still unsent.
func (p *Producer) Flush(timeoutMs int) int {
	defer p.cl.exit(p.cl.enter(p.id, opFlush, uint64(timeoutMs), nil))
	if p.closed {
		return 0
	}
	p.cl.runLoopReady(p.cl.deadline(timeoutMs), func() bool {
		for i := p.rhead; i < len(p.reports); {
			if pm := p.reports[i]; pm.cb != nil {
				p.reports = slices.Delete(p.reports, i, i+1)
				p.deliveryReport(pm)
				continue
			}
			i++
		}
		return len(p.queue) == 0
	}, func() bool { return len(p.queue) == 0 || p.reportsWaiting() })
	return len(p.queue)
}

// deliveryReport calls pm's delivery-report function, without holding
// the simulation (see Cluster.callout).
func (p *Producer) deliveryReport(pm pmsg) {
	p.cl.callout(p.cl.tok(), func() { pm.cb(pm.m) })
}

// reportsWaiting reports whether delivery reports wait to be served, or
// the producer was closed (Poll's readiness on a driven cluster).
func (p *Producer) reportsWaiting() bool { return p.rhead < len(p.reports) || p.closed }

// Len is the number of messages not yet sent plus reports not yet served.
func (p *Producer) Len() int {
	defer p.cl.exit(p.cl.enter(p.id, opQuery, 0, nil))
	return p.len()
}

// len is Len without the gate, for calls from inside a call.
func (p *Producer) len() int { return len(p.queue) + len(p.reports) - p.rhead }

// IsClosed reports whether Close (or Crash) was called.
func (p *Producer) IsClosed() bool {
	defer p.cl.exit(p.cl.enter(p.id, opQuery, 1, nil))
	return p.closed
}

// Close stops the producer; unsent messages are dropped (Flush first).
func (p *Producer) Close() {
	defer p.cl.exit(p.cl.enter(p.id, opClose, 0, nil))
	if p.closed {
		return
	}
	p.timer.Stop()
	p.closed = true
	p.cl.forget(p)
	client.Each(p.hooks, func(h client.HookLifecycle) {
		h.OnLifecycle(client.Lifecycle{Info: p.info(), Kind: client.LifecycleClosed})
	})
}

// Crash stops the producer at once; queued messages are lost.
func (p *Producer) Crash() {
	defer p.cl.exit(p.cl.enter(p.id, opCrash, 0, nil))
	if p.closed {
		return
	}
	p.timer.Stop()
	p.closed = true
	p.cl.forget(p)
	p.queue, p.reports, p.rhead = nil, nil, 0
	client.Each(p.hooks, func(h client.HookLifecycle) {
		h.OnLifecycle(client.Lifecycle{Info: p.info(), Kind: client.LifecycleCrashed})
	})
}

// queuePool holds the queue buffers of the producers of recycled clusters
// (Cluster.Recycle), cleared: a new producer's first burst does not grow
// its queue by copying.
var queuePool sync.Pool

// takeQueue is an empty queue, a recycled one's room when there is one.
func takeQueue() []pmsg {
	if q, ok := queuePool.Get().(*[]pmsg); ok {
		return (*q)[:0]
	}
	return nil
}

// recycle drops what the producer holds and gives its queue and report
// buffers to queuePool (the larger first). The producer must not be used
// afterwards.
func (p *Producer) recycle() {
	p.timer.Stop()
	p.closed = true
	for _, q := range [][]pmsg{p.queue, p.reports} {
		if cap(q) > 0 {
			q = q[:cap(q)]
			clear(q)
			q = q[:0]
			queuePool.Put(&q)
		}
	}
	p.queue, p.reports, p.rhead = nil, nil, 0
}
