package rdkafka

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"sync"
	"time"

	"github.com/kafkasim/kafkasim/client"
)

// Producer is a client.Producer driving the real librdkafka (a
// confluent_kafka.Producer) in an agent process. librdkafka's delivery
// reports are collected as they come (the agent polls in the background,
// as confluent-kafka-go does) and handed to the app by Poll and Flush:
// onDelivery is called there, or the report is returned as a *Message
// event (unless go.delivery.reports=false). HookProduced observers see
// each report as it arrives, on a goroutine of the producer's.
type Producer struct {
	p     *proc
	cfg   client.ProducerConfig
	hooks client.Hooks

	callMu  sync.Mutex // one call at a time
	replies chan msg

	mu       sync.Mutex
	cond     *sync.Cond
	nextID   uint64
	pending  map[uint64]*pendingMsg
	reports  []report // arrived, not yet served
	closed   bool
	readDone chan struct{}
}

type pendingMsg struct {
	m  *client.Message
	cb func(*client.Message)
}

type report struct {
	m  *client.Message
	cb func(*client.Message)
}

// NewProducer starts an agent process running a
// confluent_kafka.Producer with conf (librdkafka keys; go.* keys are the
// Go side's). A *Pool among hooks supplies an agent started in advance.
func NewProducer(conf client.ConfigMap, hooks ...client.Hook) (*Producer, error) {
	cfg, err := client.ParseProducerConfig(conf)
	if err != nil {
		return nil, err
	}
	lconf, err := librdkafkaConf(conf, false)
	if err != nil {
		return nil, err
	}
	if os.Getenv(LogDirEnv) == "" {
		delete(lconf, "debug") // the producer's log is not read
	} else {
		lconf["debug"] = "topic,metadata,msg,broker"
	}
	p, err := agentFor(hooks)
	if err != nil {
		return nil, err
	}
	pr := &Producer{p: p, cfg: cfg, hooks: hooks, replies: make(chan msg, 1), pending: map[uint64]*pendingMsg{}, readDone: make(chan struct{})}
	pr.cond = sync.NewCond(&pr.mu)
	go pr.read()
	go func() {
		// The log is not read; keep the pipe from filling.
		for p.logs.wait() {
			p.logs.take()
		}
	}()
	if _, err := pr.call(map[string]any{"op": "producer", "conf": lconf}, 0); err != nil {
		p.kill()
		<-pr.readDone
		return nil, err
	}
	return pr, nil
}

// read dispatches the agent's lines: replies to the call waiting,
// delivery reports to the queue.
func (pr *Producer) read() {
	defer close(pr.readDone)
	defer close(pr.replies)
	for m := range pr.p.lines {
		switch m.T {
		case "ret":
			pr.replies <- m
		case "cb":
			if m.CB == "delivery" {
				pr.delivered(m)
			}
		}
	}
	pr.mu.Lock()
	pr.closed = true
	pr.cond.Broadcast()
	pr.mu.Unlock()
}

func (pr *Producer) delivered(m msg) {
	pr.mu.Lock()
	pm := pr.pending[m.ID]
	delete(pr.pending, m.ID)
	pr.mu.Unlock()
	if pm == nil {
		return
	}
	out := *pm.m
	out.TopicPartition.Partition = m.Partition
	out.TopicPartition.Offset = client.Offset(m.Offset)
	if m.Err != nil && m.Err.Code != 0 {
		out.TopicPartition.Error = client.NewError(client.ErrorCode(m.Err.Code), m.Err.Str, false)
		out.TopicPartition.Offset = client.OffsetInvalid
	}
	if m.TS[0] != 0 {
		out.TimestampType = client.TimestampType(m.TS[0])
		out.Timestamp = time.UnixMilli(m.TS[1])
	}
	info := client.Info{Time: time.Now(), ClientID: pr.cfg.ClientID, Generation: -1}
	client.Each(pr.hooks, func(h client.HookProduced) { h.OnProduced(client.Produced{Info: info, Message: &out}) })
	pr.mu.Lock()
	if pm.cb != nil || pr.cfg.DeliveryReports {
		pr.reports = append(pr.reports, report{m: &out, cb: pm.cb})
	}
	pr.cond.Broadcast()
	pr.mu.Unlock()
}

// call sends req and waits for its reply.
func (pr *Producer) call(req map[string]any, wait time.Duration) (json.RawMessage, error) {
	pr.callMu.Lock()
	defer pr.callMu.Unlock()
	if err := pr.p.send(req); err != nil {
		return nil, client.ClosedError()
	}
	t := time.NewTimer(callTimeout + max(wait, 0))
	defer t.Stop()
	select {
	case m, ok := <-pr.replies:
		if !ok {
			return nil, client.ClosedError()
		}
		if m.Err != nil {
			return nil, client.NewError(client.ErrorCode(m.Err.Code), m.Err.Str, false)
		}
		return m.V, nil
	case <-t.C:
		pr.p.kill()
		return nil, client.NewError(client.ErrFail, "librdkafka agent: no answer", false)
	}
}

// Produce queues msg for its topic; Partition PartitionAny lets
// librdkafka's partitioner choose. A full queue is ErrQueueFull.
func (pr *Producer) Produce(m *client.Message, onDelivery func(*client.Message)) error {
	if pr.IsClosed() {
		return client.ClosedError()
	}
	pr.mu.Lock()
	pr.nextID++
	id := pr.nextID
	pr.pending[id] = &pendingMsg{m: m, cb: onDelivery}
	pr.mu.Unlock()
	req := map[string]any{"op": "produce", "id": id, "topic": m.TopicPartition.Topic, "partition": m.TopicPartition.Partition}
	if m.Key != nil {
		req["key"] = base64.StdEncoding.EncodeToString(m.Key)
	}
	if m.Value != nil {
		req["value"] = base64.StdEncoding.EncodeToString(m.Value)
	}
	if !m.Timestamp.IsZero() {
		req["timestamp"] = m.Timestamp.UnixMilli()
	}
	if len(m.Headers) > 0 {
		hs := make([][2]string, len(m.Headers))
		for i, h := range m.Headers {
			hs[i] = [2]string{h.Key, base64.StdEncoding.EncodeToString(h.Value)}
		}
		req["headers"] = hs
	}
	if _, err := pr.call(req, 0); err != nil {
		pr.mu.Lock()
		delete(pr.pending, id)
		pr.mu.Unlock()
		return err
	}
	return nil
}

// serve hands out queued reports: calls their callbacks (outside
// the lock) and returns the first one without a callback as an event.
func (pr *Producer) serve() client.Event {
	for {
		pr.mu.Lock()
		if len(pr.reports) == 0 {
			pr.mu.Unlock()
			return nil
		}
		r := pr.reports[0]
		pr.reports = pr.reports[1:]
		pr.mu.Unlock()
		if r.cb == nil {
			return r.m
		}
		r.cb(r.m)
	}
}

// Poll serves delivery reports for up to timeoutMs (negative: until one
// arrives) and returns the first event, or nil.
func (pr *Producer) Poll(timeoutMs int) client.Event {
	deadline := time.Now().Add(time.Duration(timeoutMs) * time.Millisecond)
	for {
		if ev := pr.serve(); ev != nil {
			return ev
		}
		if !pr.waitReport(timeoutMs < 0, deadline) {
			return pr.serve()
		}
	}
}

// waitReport waits until a report is queued (true) or the deadline
// passes or the producer ends (false).
func (pr *Producer) waitReport(forever bool, deadline time.Time) bool {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	for len(pr.reports) == 0 {
		if pr.closed || (!forever && !time.Now().Before(deadline)) {
			return false
		}
		waitCond(pr.cond, forever, deadline)
	}
	return true
}

// waitCond waits on cond, at most until deadline unless forever (cond's
// lock is held).
func waitCond(cond *sync.Cond, forever bool, deadline time.Time) {
	if forever {
		cond.Wait()
		return
	}
	t := time.AfterFunc(time.Until(deadline), func() {
		cond.L.Lock()
		cond.Broadcast()
		cond.L.Unlock()
	})
	cond.Wait()
	t.Stop()
}

// Flush waits up to timeoutMs for every message to be delivered, serving
// the reports, and returns how many are still outstanding.
func (pr *Producer) Flush(timeoutMs int) int {
	deadline := time.Now().Add(time.Duration(timeoutMs) * time.Millisecond)
	for {
		for pr.serve() != nil {
		}
		pr.mu.Lock()
		n := len(pr.pending)
		if n == 0 || pr.closed || !time.Now().Before(deadline) {
			n += len(pr.reports)
			pr.mu.Unlock()
			return n
		}
		waitCond(pr.cond, false, deadline)
		pr.mu.Unlock()
	}
}

// Len is the number of messages not yet delivered plus reports not yet
// served.
func (pr *Producer) Len() int {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return len(pr.pending) + len(pr.reports)
}

// IsClosed reports whether Close has been called.
func (pr *Producer) IsClosed() bool {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return pr.closed
}

// Close ends the agent; messages not delivered are lost (Flush first).
func (pr *Producer) Close() {
	pr.mu.Lock()
	if pr.closed {
		pr.mu.Unlock()
		return
	}
	pr.mu.Unlock()
	_, _ = pr.call(map[string]any{"op": "stop"}, 0)
	pr.p.exit(5 * time.Second)
	<-pr.readDone
}

// Config is the validated configuration.
func (pr *Producer) Config() client.ProducerConfig { return pr.cfg }
