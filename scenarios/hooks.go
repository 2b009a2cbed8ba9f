package scenarios

import (
	"errors"
	"strings"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// recorder turns a client's observation hooks into timeline events.
type recorder struct {
	r     *runner
	actor string
	group string
	app   *app // nil for producers
	refs  recRefs
}

func (h *recorder) base(info client.Info, k Kind) Event {
	var e Event
	h.fill(&e, info, k)
	return e
}

// fill sets the consumer fields of an event of kind k.
func (h *recorder) fill(e *Event, info client.Info, k Kind) {
	e.Actor, e.Kind, e.Group, e.Member, e.Generation, e.Partition, e.Offset = h.actor, k, h.group, info.MemberID, info.Generation, -1, -1
	if info.ClientID == "" && info.Generation == 0 {
		e.Generation = -1
	}
}

func tpsOf(parts []client.TopicPartition) []TP {
	out := make([]TP, len(parts))
	for i, p := range parts {
		out[i] = TP{p.Topic, p.Partition}
	}
	return out
}

func errName(err error) string {
	if err == nil {
		return ""
	}
	var ce client.Error
	if errors.As(err, &ce) {
		return ce.Code().String()
	}
	if c := kerr.CodeOf(err); c != kerr.Fail || strings.HasPrefix(err.Error(), "_FAIL") {
		return c.String()
	}
	return err.Error()
}

// OnLifecycle records subscriptions and the end of Close.
func (h *recorder) OnLifecycle(l client.Lifecycle) {
	switch l.Kind {
	case client.LifecycleSubscribed:
		e := h.base(l.Info, KindSubscribed)
		e.Topics = append([]string(nil), l.Topics...)
		h.r.emit(e)
	case client.LifecycleClosed:
		h.r.emit(h.base(l.Info, KindClosed))
	}
}

// OnMessageDelivered records poll handing a message to the app and, when
// enable.auto.offset.store stored its offset at once, that store. (The
// recorder is no OffsetsStored hook: the app records its own stores.)
func (h *recorder) OnMessageDelivered(m client.MessageDelivered) {
	tp := &m.Message.TopicPartition
	var x rec
	h.msgRec(&x, recDeliver, &m.Info, tp.Topic, tp.Partition, int64(tp.Offset))
	h.r.add(&x)
	if m.Stored {
		x.kind, x.off = recStoreAuto, x.off+1
		h.r.add(&x)
	}
}

// msgRec fills x as a compact consumer event: what fill sets, and the
// message.
func (h *recorder) msgRec(x *rec, k recKind, info *client.Info, topic string, part int32, off int64) {
	r := h.r
	x.kind, x.gen, x.part, x.off = k, info.Generation, part, off
	x.actor = r.strFixed(&h.refs.actor, h.actor)
	x.group = r.strFixed(&h.refs.group, h.group)
	x.member = r.str(&h.refs.member, info.MemberID)
	x.topic = r.str(&h.refs.topic, topic)
	if info.ClientID == "" && info.Generation == 0 {
		x.gen = -1
	}
}

func (h *recorder) trigger(c client.Commit) string {
	switch c.Trigger {
	case client.TriggerAutoTimer:
		return CommitAuto
	case client.TriggerRevoke:
		return CommitRevoke
	case client.TriggerClose:
		return CommitClose
	case client.TriggerJavaPoll:
		return CommitJavaPoll
	}
	if h.app != nil && h.app.committing != "" {
		return h.app.committing
	}
	return CommitManual
}

// OnCommitStarted records a commit request, one event per partition.
func (h *recorder) OnCommitStarted(c client.Commit) {
	trig := h.trigger(c)
	h.r.commitTrig[c.ID] = trig
	for _, p := range c.Offsets {
		e := h.base(c.Info, KindCommit)
		e.Topic, e.Partition, e.Offset = p.Topic, p.Partition, int64(p.Offset)
		e.Commit, e.CommitID, e.Async = trig, h.r.commitID(h.actor, c.ID), c.Async
		h.r.emit(e)
	}
}

// OnCommitFinished records each partition's commit result.
func (h *recorder) OnCommitFinished(c client.Commit) {
	trig, ok := h.r.commitTrig[c.ID]
	if !ok {
		trig = h.trigger(c)
	}
	delete(h.r.commitTrig, c.ID)
	for _, p := range c.Offsets {
		err := p.Error
		if err == nil {
			err = c.Err
		}
		k := KindCommitOK
		if err != nil {
			k = KindCommitFailed
		}
		e := h.base(c.Info, k)
		e.Topic, e.Partition, e.Offset = p.Topic, p.Partition, int64(p.Offset)
		e.Commit, e.CommitID, e.Async = trig, h.r.commitID(h.actor, c.ID), c.Async
		e.Error = errName(err)
		h.r.emit(e)
	}
	if len(c.Offsets) == 0 && c.Err != nil && !errors.Is(c.Err, kerr.NoOffset) {
		e := h.base(c.Info, KindCommitFailed)
		e.Commit, e.CommitID, e.Async, e.Error = trig, h.r.commitID(h.actor, c.ID), c.Async, errName(c.Err)
		h.r.emit(e)
	}
}

// OnRebalance records assignment changes.
func (h *recorder) OnRebalance(rb client.Rebalance) {
	k := KindAssign
	switch rb.Kind {
	case client.RebalanceRevoked:
		k = KindRevoke
	case client.RebalanceLost:
		k = KindLost
	}
	e := h.base(rb.Info, k)
	e.Partitions = tpsOf(rb.Partitions)
	e.Detail = strings.ToLower(rb.Protocol)
	if rb.Manual {
		e.Detail = "manual"
	}
	h.r.emit(e)
	if h.app != nil && (k == KindRevoke || k == KindLost) {
		h.app.onRemoved(e.Partitions)
	}
}

// OnPosition records where reading starts.
func (h *recorder) OnPosition(p client.Position) {
	e := h.base(p.Info, KindPosition)
	e.Topic, e.Partition, e.Offset = p.Partition.Topic, p.Partition.Partition, int64(p.Partition.Offset)
	switch p.Reason {
	case client.PositionReset:
		e.Detail = "auto.offset.reset=" + resetName(p.Reset)
	case client.PositionCommitted:
		e.Detail = "the committed offset"
	default:
		e.Detail = p.Reason.String()
	}
	h.r.emit(e)
}

func resetName(s string) string {
	switch s {
	case "smallest":
		return "earliest"
	case "largest":
		return "latest"
	}
	return s
}

// OnGroup records the group protocol steps worth showing.
func (h *recorder) OnGroup(g client.GroupEvent) {
	var e Event
	switch g.Kind {
	case client.GroupJoined:
		if g.Err != nil {
			return
		}
		e = h.base(g.Info, KindJoin)
		if g.Protocol == client.GroupProtocolConsumer {
			// KIP-848: the first heartbeat answered; no leader, the
			// broker assigns. Generation is the member epoch.
			e.Detail = "no leader, " + client.GroupProtocolConsumer
			break
		}
		role := "follower"
		if g.Leader {
			role = "leader"
		}
		e.Detail = role
		if g.Protocol != "" {
			e.Detail += ", " + g.Protocol
		}
	case client.GroupRejoin:
		e = h.base(g.Info, KindRejoin)
		e.Cause = g.Reason
		e.Error = errName(g.Err)
	case client.GroupLeft:
		e = h.base(g.Info, KindLeave)
		e.Cause = g.Reason
	case client.GroupHeartbeatFailed:
		e = h.base(g.Info, KindHeartbeat)
		e.Error = errName(g.Err)
	default:
		return
	}
	h.r.emit(e)
}

// OnMaxPollExceeded records max.poll.interval.ms expiring.
func (h *recorder) OnMaxPollExceeded(m client.MaxPollExceeded) {
	e := h.base(m.Info, KindMaxPoll)
	e.Detail = "no poll for " + FormatDuration(m.Interval) + " (max.poll.interval.ms): the member leaves the group and its partitions are lost"
	h.r.emit(e)
}

// OnError records errors raised to the app.
func (h *recorder) OnError(er client.ErrorRaised) {
	e := h.base(er.Info, KindClientErr)
	e.Error = er.Err.Code().String()
	e.Detail = er.Err.Error()
	if tp, ok := er.Err.TopicPartition(); ok {
		e.Topic, e.Partition = tp.Topic, tp.Partition
	}
	h.r.emit(e)
}

// OnProduced records a message reaching the log.
func (h *recorder) OnProduced(p client.Produced) { h.produced(p.Message) }

// produced is OnProduced without the event (a scripted producer's hook
// passes the message on, not a copy of the whole event).
func (h *recorder) produced(m *client.Message) {
	h.r.reported++
	if m.TopicPartition.Error != nil {
		h.r.emit(Event{Actor: h.actor, Kind: KindClientErr, Generation: -1, Topic: m.TopicPartition.Topic, Partition: m.TopicPartition.Partition, Offset: -1, Key: string(m.Key),
			Error: errName(m.TopicPartition.Error), Detail: "produce failed"})
		return
	}
	r := h.r
	var x rec
	x.kind, x.gen, x.part, x.off = recProduce, -1, m.TopicPartition.Partition, int64(m.TopicPartition.Offset)
	x.actor = r.strFixed(&h.refs.actor, h.actor)
	x.topic = r.str(&h.refs.topic, m.TopicPartition.Topic)
	x.key, x.keyLen = r.t.addKey(m.Key)
	r.add(&x)
}
