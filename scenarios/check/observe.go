package check

// What the world checks as it happens, from facts the timeline does not
// carry (the values of messages, the coordinator's assignment, when a
// timer was due): invariant 1's one message per offset, invariant 7's
// timers, and the coordinator's assignment at each move to Stable for the
// checker's invariant 3 (invariants.go).

import (
	"bytes"
	"fmt"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/group"
	"github.com/kafkasim/kafkasim/scenarios"
)

// observer is the world's record of those facts.
type observer struct {
	// produced is what each offset was acknowledged to hold.
	produced map[msgID]message
	// stable is the coordinator's assignment at each group_state Stable
	// event of a classic group, by event seq.
	stable map[int]*stableSnap
	// prepAt and complAt are when each group last began
	// PreparingRebalance and CompletingRebalance; changedAt when its
	// state last changed.
	prepAt, complAt, changedAt map[string]time.Duration
	// seen is when the coordinator last did something with a member
	// (joined, rejoined, synced: each restarts its session).
	seen map[string]time.Duration
	// crashed is when each member's consumer crashed, and its session.
	crashed map[string]crashRec
	// downAt is when the broker last went down.
	downAt time.Duration
	downed bool
	// k848 is what the world keeps of consumer groups (kip848.go).
	k848 observer848
}

type message struct {
	key, value []byte
	actor      string
}

type crashRec struct {
	at, session time.Duration
}

func newObserver() observer {
	return observer{produced: map[msgID]message{}, stable: map[int]*stableSnap{},
		prepAt: map[string]time.Duration{}, complAt: map[string]time.Duration{}, changedAt: map[string]time.Duration{},
		seen: map[string]time.Duration{}, crashed: map[string]crashRec{}}
}

// violation records a problem the world found (the first one is the
// case's).
func (w *world) violation(rule string, seq int, tp scenarios.TP, off int64, format string, args ...any) {
	w.found = append(w.found, problem{rule: rule, text: fmt.Sprintf(format, args...), seq: seq, tp: tp, off: off})
}

// lastSeq is the seq of the last event recorded.
func (w *world) lastSeq() int { return len(w.events) - 1 }

// consumerProtocol reports whether the group's consumers use the consumer
// group protocol (KIP-848).
func (w *world) consumerProtocol(groupID string) bool {
	for _, m := range w.members {
		if m.spec.Group == groupID {
			if v, ok := m.spec.Config["group.protocol"]; ok && fmt.Sprint(v) == client.GroupProtocolConsumer {
				return true
			}
		}
	}
	return false
}

// produced notes what a produced message's offset holds (invariant 1: a
// second acknowledgement of one offset is a second message there).
func (w *world) noteProduced(m *client.Message, actor string) {
	tp := scenarios.TP{Topic: m.TopicPartition.Topic, Partition: m.TopicPartition.Partition}
	id := msgID{tp, int64(m.TopicPartition.Offset)}
	if old, ok := w.obs.produced[id]; ok {
		w.violation(ruleOneValue, w.lastSeq(), tp, id.off, "%s@%d was acknowledged to %s with key %q and to %s with key %q: two messages at one offset",
			tp, id.off, old.actor, old.key, actor, m.Key)
		return
	}
	w.obs.produced[id] = message{key: bytes.Clone(m.Key), value: bytes.Clone(m.Value), actor: actor}
}

// checkDelivered compares a delivered message with what was produced at
// its offset (invariant 1).
func (w *world) checkDelivered(m *client.Message, actor string) {
	tp := scenarios.TP{Topic: m.TopicPartition.Topic, Partition: m.TopicPartition.Partition}
	id := msgID{tp, int64(m.TopicPartition.Offset)}
	p, ok := w.obs.produced[id]
	if !ok || (bytes.Equal(p.key, m.Key) && bytes.Equal(p.value, m.Value)) {
		return
	}
	w.violation(ruleOneValue, w.lastSeq(), tp, id.off, "%s@%d was produced as %s and delivered to %s as %s: one offset, two messages",
		tp, id.off, showMsg(p.key, p.value), actor, showMsg(m.Key, m.Value))
}

func showMsg(k, v []byte) string { return fmt.Sprintf("key %q value %q", k, v) }

// audit compares the whole log with what was produced (invariant 1, at
// the end of a case, when the broker is up).
func (w *world) audit() *problem {
	b := w.cl.Broker()
	if !b.Available() {
		return nil
	}
	topic := w.cfg.topic()
	n, err := b.Partitions(topic)
	if err != nil {
		return nil
	}
	for p := range n {
		tp := broker.TopicPartition{Topic: topic, Partition: p}
		start, err := b.ListOffset(tp, broker.Earliest())
		if err != nil {
			continue
		}
		res, err := b.Fetch(tp, start, 0, 0)
		if err != nil {
			continue
		}
		for i, r := range res.Records {
			off := start + int64(i)
			id := msgID{scenarios.TP{Topic: topic, Partition: p}, off}
			m, ok := w.obs.produced[id]
			if ok && (!bytes.Equal(m.key, r.Key) || !bytes.Equal(m.value, r.Value)) {
				return &problem{rule: ruleOneValue, seq: -1, tp: id.tp, off: off,
					text: fmt.Sprintf("%s@%d was produced as %s, but the log holds %s there at the end", id.tp, off, showMsg(m.key, m.value), showMsg(r.Key, r.Value))}
			}
		}
	}
	return nil
}

// noteCrash records when a consumer's member crashed, for the session
// expiry check.
func (w *world) noteCrash(inc *incarnation) {
	if inc.c == nil {
		return
	}
	if id := inc.c.MemberID(); id != "" {
		w.obs.crashed[id] = crashRec{at: w.now(), session: inc.c.Config().SessionTimeout}
	}
}

// noteBroker records an outage's start.
func (w *world) noteBroker(up bool) {
	if !up {
		w.obs.downAt, w.obs.downed = w.now(), true
	}
}

// observeTransition checks the coordinator's timers and keeps what the
// checker needs of a transition; seq is its timeline event, -1 if it has
// none.
func (w *world) observeTransition(t group.Transition, seq int) {
	o := &w.obs
	now := w.now()
	switch t.Kind {
	case group.StateChanged:
		o.changedAt[t.Group] = now
		switch t.To {
		case group.PreparingRebalance:
			o.prepAt[t.Group] = now
		case group.CompletingRebalance:
			o.complAt[t.Group] = now
		case group.Stable:
			if seq >= 0 {
				w.snapStable(t, seq)
			}
		}
	case group.SessionExpired:
		w.checkSession(t, seq)
	case group.RebalanceTimedOut:
		w.checkRebalanceTimeout(t, seq)
	}
	if o.k848.consumerGroup(w, t.Group) {
		w.observe848(t, seq)
	}
	if t.MemberID != "" {
		o.seen[t.MemberID] = now
	}
}

// snapStable keeps the coordinator's assignment of a group that just
// became Stable.
func (w *world) snapStable(t group.Transition, seq int) {
	if w.obs.k848.consumerGroup(w, t.Group) {
		if snap := w.snapConsumerGroup(t.Group); snap != nil {
			w.obs.stable[seq] = snap
		}
		return
	}
	d := w.cl.Coordinator().Describe(t.Group)
	if d.GroupProtocol != "" {
		return
	}
	snap := &stableSnap{gen: d.Generation, cooperative: d.Protocol == "cooperative-sticky",
		assignment: map[string][]scenarios.TP{}, partitions: map[string]int32{}}
	for _, m := range d.Members {
		tps := make([]scenarios.TP, len(m.Assignment))
		for i, tp := range m.Assignment {
			tps[i] = scenarios.TP{Topic: tp.Topic, Partition: tp.Partition}
		}
		snap.assignment[m.MemberID] = tps
	}
	for _, ti := range w.cl.Broker().Topics() {
		snap.partitions[ti.Name] = int32(len(ti.Partitions))
	}
	w.obs.stable[seq] = snap
}

// checkSession checks a session expiry against the crash of the member's
// consumer (invariant 7): a crashed consumer sends nothing more, so its
// session must end within session.timeout.ms of the last thing that
// restarted it — the crash, a join or sync the coordinator handled for
// it later (a request in flight), a state change of its group (a
// rebalance restarts the sessions of the members it answers), the
// broker's return from an outage (every session restarts). Expiries of
// members whose consumer did not crash are not judged: their last
// heartbeat is not on the timeline. A consumer group's (KIP-848), whose
// session the broker sets, are checkSession848's.
func (w *world) checkSession(t group.Transition, seq int) {
	o := &w.obs
	cr, ok := o.crashed[t.MemberID]
	if ok && o.k848.consumerGroup(w, t.Group) {
		w.checkSession848(t, seq, cr)
		return
	}
	if !ok || w.brokerDown {
		return
	}
	from := max(cr.at, o.seen[t.MemberID], o.changedAt[t.Group], w.brokerUpAt)
	if due, now := from+cr.session, w.now(); now > due {
		w.violation(ruleTimer, seq, scenarios.TP{}, -1, "the session of %s expired at T=%s, but it was due at T=%s: its consumer crashed at T=%s and nothing restarted the session after T=%s (session.timeout.ms %s)",
			t.MemberID, scenarios.FormatDuration(now), scenarios.FormatDuration(due), scenarios.FormatDuration(cr.at), scenarios.FormatDuration(from), scenarios.FormatDuration(cr.session))
	}
}

// checkRebalanceTimeout checks that a member of a classic group removed
// for not rejoining (or not syncing) is removed when the rebalance timeout
// (the largest max.poll.interval.ms of the group's members) runs out,
// counted from the start of PreparingRebalance (of CompletingRebalance).
// Skipped when the broker was down meanwhile (the coordinator's timers
// wait for it), for static members (the coordinator may wait for them)
// and when the group's consumers differ in max.poll.interval.ms.
func (w *world) checkRebalanceTimeout(t group.Transition, seq int) {
	if w.obs.k848.consumerGroup(w, t.Group) {
		w.checkRevokeTimeout848(t, seq) // from the revocation request
		return
	}
	var timeout time.Duration
	for _, m := range w.members {
		if m.spec.Group != t.Group {
			continue
		}
		for _, inc := range m.all {
			if inc.c == nil {
				continue
			}
			cfg := inc.c.Config()
			if cfg.InstanceID != "" || (timeout != 0 && cfg.MaxPollInterval != timeout) {
				return
			}
			timeout = cfg.MaxPollInterval
		}
	}
	o := &w.obs
	start, what := o.prepAt[t.Group], "PreparingRebalance"
	if t.From != group.PreparingRebalance {
		start, what = o.complAt[t.Group], "CompletingRebalance"
	}
	if timeout == 0 || w.brokerDown || (o.downed && o.downAt >= start) {
		return
	}
	if due, now := start+timeout, w.now(); now != due {
		w.violation(ruleTimer, seq, scenarios.TP{}, -1, "%s was removed for the rebalance timeout at T=%s, but %s began at T=%s and the rebalance timeout is %s (max.poll.interval.ms): due at T=%s",
			t.MemberID, scenarios.FormatDuration(now), what, scenarios.FormatDuration(start), scenarios.FormatDuration(timeout), scenarios.FormatDuration(due))
	}
}

// checkMaxPoll checks that max.poll.interval.ms expired exactly that long
// after the last poll, and that the consumer's last poll is not older
// than the last message it handed out (a delivery is a poll's return).
func (w *world) checkMaxPoll(inc *incarnation, m client.MaxPollExceeded) {
	now := w.now()
	last := time.Duration(m.LastPoll.UnixNano() - w.start.UnixNano())
	switch {
	case last < inc.lastDeliver:
		w.violation(ruleTimer, w.lastSeq(), scenarios.TP{}, -1, "%s: max.poll.interval.ms counted from a poll at T=%s, but the consumer handed out a message at T=%s",
			inc.m.spec.ID, scenarios.FormatDuration(last), scenarios.FormatDuration(inc.lastDeliver))
	case now != last+m.Interval:
		w.violation(ruleTimer, w.lastSeq(), scenarios.TP{}, -1, "%s: max.poll.interval.ms (%s) expired at T=%s, but the last poll was at T=%s: due at T=%s",
			inc.m.spec.ID, scenarios.FormatDuration(m.Interval), scenarios.FormatDuration(now), scenarios.FormatDuration(last), scenarios.FormatDuration(last+m.Interval))
	}
}

// checkAutoCommit checks that librdkafka's auto-commit timer commits on
// its ticks: every auto.commit.interval.ms from the consumer's creation.
func (w *world) checkAutoCommit(inc *incarnation) {
	iv := inc.c.Config().AutoCommitInterval
	if iv <= 0 {
		return
	}
	if since := w.now() - inc.createdAt; since%iv != 0 {
		w.violation(ruleTimer, w.lastSeq(), scenarios.TP{}, -1, "%s: the auto-commit timer fired at T=%s, off its ticks (every %s from the consumer's creation at T=%s)",
			inc.m.spec.ID, scenarios.FormatDuration(w.now()), scenarios.FormatDuration(iv), scenarios.FormatDuration(inc.createdAt))
	}
}
