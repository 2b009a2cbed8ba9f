package check

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/internal/kerr"
	"github.com/kafkasim/kafkasim/scenarios"
)

// hooks turns a client's observation hooks into timeline events, in the
// scenario runner's words (scenarios/hooks.go), so that its classifier
// reads them. They run with the simulation held.
type hooks struct {
	w     *world
	inc   *incarnation // nil for producers
	actor string       // producers
}

func (h *hooks) base(info client.Info, k scenarios.Kind) scenarios.Event {
	e := scenarios.Event{Kind: k, Member: info.MemberID, Generation: info.Generation, Partition: -1, Offset: -1}
	if h.inc != nil {
		e.Actor, e.Group = h.inc.m.spec.ID, h.inc.m.spec.Group
	} else {
		e.Actor = h.actor
	}
	if info.ClientID == "" && info.Generation == 0 {
		e.Generation = -1
	}
	return e
}

func tpsOf(parts []client.TopicPartition) []scenarios.TP {
	out := make([]scenarios.TP, len(parts))
	for i, p := range parts {
		out[i] = scenarios.TP{Topic: p.Topic, Partition: p.Partition}
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
func (h *hooks) OnLifecycle(l client.Lifecycle) {
	switch l.Kind {
	case client.LifecycleSubscribed:
		e := h.base(l.Info, scenarios.KindSubscribed)
		e.Topics = append([]string(nil), l.Topics...)
		h.w.emit(e)
		if t := h.w.cfg.topic(); h.inc != nil && !slices.Contains(l.Topics, t) {
			h.w.found = append(h.w.found, problem{rule: "app", seq: e.Seq, off: -1,
				text: fmt.Sprintf("%s subscribed to %v, but the check produces to %q: set Config.Topic", e.Actor, l.Topics, t)})
		}
	case client.LifecycleClosed:
		h.w.emit(h.base(l.Info, scenarios.KindClosed))
	}
}

// OnMessageDelivered records poll handing a message to the app (and the
// store enable.auto.offset.store makes then).
func (h *hooks) OnMessageDelivered(m client.MessageDelivered) {
	tp := m.Message.TopicPartition
	e := h.base(m.Info, scenarios.KindDeliver)
	e.Topic, e.Partition, e.Offset = tp.Topic, tp.Partition, int64(tp.Offset)
	h.w.emit(e)
	if h.inc != nil {
		h.inc.flights = append(h.inc.flights, flight{tp: e.TP(), off: e.Offset})
		h.inc.lastDeliver = e.At
		h.w.checkDelivered(m.Message, e.Actor)
	}
	if m.Stored {
		e.Kind, e.Offset = scenarios.KindStore, e.Offset+1
		e.Detail = "enable.auto.offset.store: stored at delivery, before processing"
		h.w.emit(e)
	}
}

// OnOffsetsStored records the app's own stores (the automatic ones are
// recorded with their delivery).
func (h *hooks) OnOffsetsStored(s client.OffsetsStored) {
	if s.Auto {
		return
	}
	for _, tp := range s.Offsets {
		e := h.base(s.Info, scenarios.KindStore)
		e.Topic, e.Partition, e.Offset = tp.Topic, tp.Partition, int64(tp.Offset)
		e.Detail = "stored by the app"
		h.w.emit(e)
	}
}

func (h *hooks) trigger(c client.Commit) string {
	switch c.Trigger {
	case client.TriggerAutoTimer:
		return scenarios.CommitAuto
	case client.TriggerRevoke:
		return scenarios.CommitRevoke
	case client.TriggerClose:
		return scenarios.CommitClose
	case client.TriggerJavaPoll:
		return scenarios.CommitJavaPoll
	}
	if h.inc != nil && h.inc.committing != "" {
		return h.inc.committing
	}
	return scenarios.CommitManual
}

func (h *hooks) commitID(c client.Commit) uint64 {
	k := commitKey{h.inc.label, c.ID}
	if v, ok := h.w.commitIDs[k]; ok {
		return v
	}
	h.w.commitSeq++
	h.w.commitIDs[k] = h.w.commitSeq
	return h.w.commitSeq
}

// OnCommitStarted records a commit request, one event per partition.
func (h *hooks) OnCommitStarted(c client.Commit) {
	trig := h.trigger(c)
	for _, p := range c.Offsets {
		e := h.base(c.Info, scenarios.KindCommit)
		e.Topic, e.Partition, e.Offset = p.Topic, p.Partition, int64(p.Offset)
		e.Commit, e.CommitID, e.Async = trig, h.commitID(c), c.Async
		h.w.emit(e)
	}
	if c.Trigger == client.TriggerAutoTimer && len(c.Offsets) > 0 {
		h.w.checkAutoCommit(h.inc)
	}
}

// OnCommitFinished records each partition's commit result; an accepted
// commit finishes the messages below it that the app had processed.
func (h *hooks) OnCommitFinished(c client.Commit) {
	trig := h.trigger(c)
	for _, p := range c.Offsets {
		err := p.Error
		if err == nil {
			err = c.Err
		}
		k := scenarios.KindCommitOK
		if err != nil {
			k = scenarios.KindCommitFailed
		}
		e := h.base(c.Info, k)
		e.Topic, e.Partition, e.Offset = p.Topic, p.Partition, int64(p.Offset)
		e.Commit, e.CommitID, e.Async = trig, h.commitID(c), c.Async
		e.Error = errName(err)
		h.w.emit(e)
		if err == nil {
			if h.inc.committed == nil {
				h.inc.committed = map[scenarios.TP]int64{}
			}
			h.inc.committed[e.TP()] = max(h.inc.committed[e.TP()], e.Offset)
			h.inc.done(e.TP(), e.Offset)
		}
	}
	if len(c.Offsets) == 0 && c.Err != nil && !errors.Is(c.Err, kerr.NoOffset) {
		e := h.base(c.Info, scenarios.KindCommitFailed)
		e.Commit, e.CommitID, e.Async, e.Error = trig, h.commitID(c), c.Async, errName(c.Err)
		h.w.emit(e)
	}
}

// done drops the messages of tp below off that were processed: a commit
// covered them.
func (inc *incarnation) done(tp scenarios.TP, off int64) {
	kept := inc.flights[:0]
	for _, f := range inc.flights {
		if !(f.tp == tp && f.off < off && f.effected) {
			kept = append(kept, f)
		}
	}
	inc.flights = kept
}

// OnRebalance records assignment changes.
func (h *hooks) OnRebalance(rb client.Rebalance) {
	k := scenarios.KindAssign
	switch rb.Kind {
	case client.RebalanceRevoked:
		k = scenarios.KindRevoke
	case client.RebalanceLost:
		k = scenarios.KindLost
	}
	e := h.base(rb.Info, k)
	e.Partitions = tpsOf(rb.Partitions)
	e.Detail = strings.ToLower(rb.Protocol)
	if rb.Manual {
		e.Detail = "manual"
	}
	h.w.emit(e)
	if k != scenarios.KindAssign && h.inc != nil && h.inc.onRemoved != nil {
		h.inc.onRemoved(e.Partitions)
	}
	if k != scenarios.KindAssign && h.inc != nil {
		// What was processed of a partition given up will not be
		// committed by this incarnation any more.
		kept := h.inc.flights[:0]
		for _, f := range h.inc.flights {
			if !(f.effected && slices.Contains(e.Partitions, f.tp)) {
				kept = append(kept, f)
			}
		}
		h.inc.flights = kept
	}
}

// OnPosition records where reading starts.
func (h *hooks) OnPosition(p client.Position) {
	e := h.base(p.Info, scenarios.KindPosition)
	e.Topic, e.Partition, e.Offset = p.Partition.Topic, p.Partition.Partition, int64(p.Partition.Offset)
	switch p.Reason {
	case client.PositionReset:
		e.Detail = "auto.offset.reset=" + resetName(p.Reset)
	case client.PositionCommitted:
		e.Detail = "the committed offset"
	default:
		e.Detail = p.Reason.String()
	}
	h.w.emit(e)
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
func (h *hooks) OnGroup(g client.GroupEvent) {
	var e scenarios.Event
	switch g.Kind {
	case client.GroupJoined:
		if g.Err != nil {
			return
		}
		e = h.base(g.Info, scenarios.KindJoin)
		if g.Protocol == client.GroupProtocolConsumer {
			e.Detail = joinedDetail // KIP-848: Generation is the member epoch
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
		e = h.base(g.Info, scenarios.KindRejoin)
		e.Cause = g.Reason
		e.Error = errName(g.Err)
	case client.GroupLeft:
		e = h.base(g.Info, scenarios.KindLeave)
		e.Cause = g.Reason
	case client.GroupHeartbeatFailed:
		e = h.base(g.Info, scenarios.KindHeartbeat)
		e.Error = errName(g.Err)
	default:
		return
	}
	h.w.emit(e)
}

// OnMaxPollExceeded records max.poll.interval.ms expiring.
func (h *hooks) OnMaxPollExceeded(m client.MaxPollExceeded) {
	e := h.base(m.Info, scenarios.KindMaxPoll)
	e.Detail = "no poll for " + scenarios.FormatDuration(m.Interval) + " (max.poll.interval.ms): the member leaves the group and its partitions are lost"
	h.w.emit(e)
	if h.inc != nil {
		h.w.checkMaxPoll(h.inc, m)
	}
}

// OnError records errors raised to the app.
func (h *hooks) OnError(er client.ErrorRaised) {
	e := h.base(er.Info, scenarios.KindClientErr)
	e.Error = er.Err.Code().String()
	e.Detail = er.Err.Error()
	if tp, ok := er.Err.TopicPartition(); ok {
		e.Topic, e.Partition = tp.Topic, tp.Partition
	}
	h.w.emit(e)
}

// OnProduced records a message reaching the log.
func (h *hooks) OnProduced(p client.Produced) {
	m := p.Message
	h.w.reported++
	if m.TopicPartition.Error != nil {
		h.w.emit(scenarios.Event{Actor: h.actor, Kind: scenarios.KindClientErr, Generation: -1, Topic: m.TopicPartition.Topic, Partition: m.TopicPartition.Partition, Offset: -1, Key: string(m.Key),
			Error: errName(m.TopicPartition.Error), Detail: "produce failed"})
		return
	}
	h.w.emit(scenarios.Event{Actor: h.actor, Kind: scenarios.KindProduce, Generation: -1, Topic: m.TopicPartition.Topic, Partition: m.TopicPartition.Partition,
		Offset: int64(m.TopicPartition.Offset), Key: string(m.Key)})
	h.w.noteProduced(m, h.actor)
	if h.w.reported > h.w.asked {
		h.w.violation(ruleOneValue, h.w.lastSeq(), scenarios.TP{Topic: m.TopicPartition.Topic, Partition: m.TopicPartition.Partition}, int64(m.TopicPartition.Offset),
			"%d messages were acknowledged, but only %d were produced: a message at two offsets", h.w.reported, h.w.asked)
	}
}
