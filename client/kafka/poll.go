package kafka

import (
	"context"
	"errors"
	"fmt"
	"time"

	fkerr "github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/internal/consumerstate"
)

// maxPollRecords bounds one kgo.PollRecords call; Poll hands the records
// out one at a time from its buffer.
const maxPollRecords = 10000

// Poll returns the next event: a queued error or commit result, a
// rebalance (served through the callback, or returned with
// go.application.rebalance.enable), a partition EOF, or a message. With
// nothing buffered it waits in kgo.PollRecords up to timeoutMs (negative:
// forever); a rebalance callback, a commit result or an error wakes it.
func (c *Consumer) Poll(timeoutMs int) client.Event {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.inPoll = true
	if c.mpTimer != nil {
		c.mpTimer.Stop()
	}
	c.mu.Unlock()
	defer c.pollReturned()
	var deadline time.Time
	if timeoutMs >= 0 {
		deadline = time.Now().Add(time.Duration(timeoutMs) * time.Millisecond)
	}
	drained := false
	for {
		if ev := c.serve(); ev != nil {
			return ev
		}
		wait := time.Hour
		if !deadline.IsZero() {
			wait = time.Until(deadline)
			if wait <= 0 {
				// Past the deadline (Poll(0) at once): one
				// non-blocking drain of what kgo has buffered.
				if drained {
					return nil
				}
				drained, wait = true, 0
			}
		}
		c.fetch(wait)
	}
}

func (c *Consumer) pollReturned() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inPoll = false
	c.lastPoll = time.Now()
	c.armMaxPollLocked()
}

// ReadMessage polls until a message arrives or the timeout passes
// (negative: forever). Error events are returned as the error; other
// events are served and dropped; a timeout is an ErrTimedOut Error.
func (c *Consumer) ReadMessage(timeout time.Duration) (*client.Message, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	var deadline time.Time
	if timeout >= 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
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
			if c.IsClosed() || timeout >= 0 && !time.Now().Before(deadline) {
				return nil, client.NewError(client.ErrTimedOut, "", false)
			}
		}
	}
}

// serve returns the next event for the app, doing queued work on the way;
// nil when there is nothing now.
func (c *Consumer) serve() client.Event {
	c.mu.Lock()
	if req := c.pendingApp; req != nil {
		// go.application.rebalance.enable: the app got the event but did
		// not apply it before polling again; apply it now.
		c.mu.Unlock()
		c.applyReq(req, nil)
		c.mu.Lock()
	}
	if c.java {
		c.mu.Unlock()
		c.javaPollCommit()
		c.mu.Lock()
	}
	for {
		if c.closed {
			c.mu.Unlock()
			return nil
		}
		if len(c.queue) > 0 {
			it := c.queue[0]
			c.queue[0] = item{}
			c.queue = c.queue[1:]
			c.mu.Unlock()
			switch {
			case it.rejoin:
				c.rejoin()
			case it.req != nil:
				if ev := c.serveReq(it.req, true); ev != nil {
					return ev
				}
			default:
				return it.ev
			}
			c.mu.Lock()
			continue
		}
		ev := c.nextMessageLocked()
		c.mu.Unlock()
		return ev
	}
}

// fetch waits up to wait for records (kgo.PollRecords), or for work from
// kgo's goroutines (which cancel the wait).
func (c *Consumer) fetch(wait time.Duration) {
	c.mu.Lock()
	if len(c.queue) > 0 || c.closed {
		c.mu.Unlock()
		return
	}
	ctx, cancel := context.WithTimeout(c.root, wait)
	defer cancel()
	c.pollCancel = cancel
	kcl := c.kcl
	fetchable := false
	for _, ps := range c.parts {
		if !ps.paused && !ps.stopped {
			fetchable = true
			break
		}
	}
	var reseek map[string]map[int32]kgo.EpochOffset
	var resume map[string][]int32
	for k, ps := range c.parts {
		if ps.seekTo >= 0 {
			if reseek == nil {
				reseek, resume = map[string]map[int32]kgo.EpochOffset{}, map[string][]int32{}
			}
			if reseek[k.Topic] == nil {
				reseek[k.Topic] = map[int32]kgo.EpochOffset{}
			}
			reseek[k.Topic][k.Partition] = kgo.EpochOffset{Epoch: -1, Offset: int64(ps.seekTo)}
			if !ps.paused && !ps.stopped {
				resume[k.Topic] = append(resume[k.Topic], k.Partition)
			}
		}
	}
	c.mu.Unlock()
	if kcl != nil && reseek != nil {
		kcl.SetOffsets(reseek)
		kcl.ResumeFetchPartitions(resume)
	}
	if kcl != nil && (fetchable || c.group) {
		pctx := ctx
		if wait <= 0 {
			pctx = nil // kgo: a nil context drains what is buffered and returns
		}
		fs := kcl.PollRecords(pctx, maxPollRecords)
		c.mu.Lock()
		c.pollCancel = nil
		c.absorbLocked(fs)
		c.mu.Unlock()
		return
	}
	select {
	case <-ctx.Done():
	case <-c.wake:
	}
	c.mu.Lock()
	c.pollCancel = nil
	c.mu.Unlock()
}

// absorbLocked buffers fetched records of partitions still assigned and
// turns fetch errors into events.
func (c *Consumer) absorbLocked(fs kgo.Fetches) {
	if c.closed {
		return
	}
	if c.bufAt > 0 && c.bufAt >= len(c.buf) {
		c.buf, c.bufAt = c.buf[:0], 0
	}
	for _, f := range fs {
		for _, t := range f.Topics {
			for i := range t.Partitions {
				p := &t.Partitions[i]
				if p.Err != nil {
					c.fetchErrLocked(t.Topic, p.Partition, p.Err)
				}
				ps := c.parts[client.PartitionKey{Topic: t.Topic, Partition: p.Partition}]
				if ps == nil {
					continue
				}
				if p.HighWatermark >= 0 && p.Err == nil {
					ps.high, ps.low, ps.hasWM = p.HighWatermark, p.LogStartOffset, true
				}
				if len(p.Records) > 0 {
					ps.errSeen = 0
					if ps.seekTo >= 0 {
						if p.Records[0].Offset != int64(ps.seekTo) {
							continue // fetched from before the Seek took hold
						}
						ps.seekTo = -1
					}
				}
				for _, r := range p.Records {
					c.buf = append(c.buf, bufRec{rec: r, high: p.HighWatermark})
				}
			}
		}
	}
}

func (c *Consumer) fetchErrLocked(topic string, partition int32, err error) {
	if ignorable(err) {
		return
	}
	var gs *kgo.ErrGroupSession
	if errors.As(err, &gs) {
		e := toError(gs.Err, "group")
		switch e.Code() {
		case client.ErrUnknownMemberID, client.ErrIllegalGeneration, client.ErrRebalanceInProgress, client.ErrDestroy:
			return // the lost revoke is the app's signal; kgo rejoins
		case client.ErrFencedInstanceID:
			c.setFatalLocked(client.ErrFencedInstanceID, "group")
			return
		case client.ErrTransport:
			return // raised by the connection watch
		}
		if !c.groupErrs[e.Code()] {
			c.groupErrs[e.Code()] = true
			c.raiseLocked(e)
		}
		return
	}
	key := client.PartitionKey{Topic: topic, Partition: partition}
	ps := c.parts[key]
	if errors.Is(err, fkerr.OffsetOutOfRange) && ps != nil {
		// kgo.NoResetOffset (auto.offset.reset=error) reports it.
		if !ps.stopped {
			ps.stopped = true
			tp := client.TopicPartition{Topic: topic, Partition: partition, Offset: ps.pos}
			c.raiseLocked(client.NewError(client.ErrAutoOffsetReset, fmt.Sprintf(
				"%s: fetch offset out of range and auto.offset.reset=error: partition stopped until Seek", key), false).WithTopicPartition(tp))
		}
		return
	}
	e := toError(err, key.String())
	if e.Code() == client.ErrTransport {
		return // raised by the connection watch
	}
	if ps != nil {
		if ps.errSeen == e.Code() {
			return
		}
		ps.errSeen = e.Code()
	} else if topic != "" || c.groupErrs[e.Code()] {
		return
	} else {
		c.groupErrs[e.Code()] = true
	}
	if topic != "" && partition >= 0 {
		e = e.WithTopicPartition(client.TopicPartition{Topic: topic, Partition: partition, Offset: client.OffsetInvalid})
	}
	c.raiseLocked(e)
}

// nextMessageLocked hands out the next buffered record of a partition
// still assigned, not paused and at or past its position.
func (c *Consumer) nextMessageLocked() client.Event {
	for c.bufAt < len(c.buf) {
		b := c.buf[c.bufAt]
		c.buf[c.bufAt] = bufRec{}
		c.bufAt++
		if b.rec == nil {
			continue
		}
		ps := c.parts[client.PartitionKey{Topic: b.rec.Topic, Partition: b.rec.Partition}]
		if ps == nil || ps.paused || ps.stopped {
			continue
		}
		if ps.pos >= 0 && client.Offset(b.rec.Offset) < ps.pos {
			continue // before a Seek
		}
		return c.deliverLocked(ps, b)
	}
	c.buf, c.bufAt = c.buf[:0], 0
	return nil
}

// deliverLocked hands rec to the app: the position moves past it and, with
// enable.auto.offset.store, its offset + 1 is stored for the next commit.
func (c *Consumer) deliverLocked(ps *partState, b bufRec) client.Event {
	r := b.rec
	m := &client.Message{
		TopicPartition: client.TopicPartition{Topic: r.Topic, Partition: r.Partition, Offset: client.Offset(r.Offset)},
		Key:            r.Key,
		Value:          r.Value,
		Timestamp:      r.Timestamp,
		TimestampType:  client.TimestampCreateTime,
	}
	if r.Attrs.TimestampType() == 1 {
		m.TimestampType = client.TimestampLogAppendTime
	}
	if len(r.Headers) > 0 {
		m.Headers = make([]client.Header, len(r.Headers))
		for i, h := range r.Headers {
			m.Headers[i] = client.Header{Key: h.Key, Value: h.Value}
		}
	}
	ps.pos = client.Offset(r.Offset + 1)
	ps.eof = false
	store := c.cfg.EnableAutoOffsetStore && !c.java
	if store {
		ps.stored, ps.storedMD = ps.pos, nil
	}
	if len(c.hooks) > 0 {
		var offs []client.TopicPartition
		if store {
			offs = []client.TopicPartition{{Topic: r.Topic, Partition: r.Partition, Offset: ps.pos}}
		}
		consumerstate.Delivered(c.hooks, c.infoLocked(), m, offs)
	}
	if c.cfg.EnablePartitionEOF && b.high >= 0 && r.Offset+1 >= b.high {
		ps.eof = true
		c.queue = append(c.queue, item{ev: client.PartitionEOF{Topic: r.Topic, Partition: r.Partition, Offset: ps.pos}})
	}
	return m
}
