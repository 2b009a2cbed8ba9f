package check

// The consumer group protocol (KIP-848; docs/kip-848.md) in the property
// suite. A consumer group has no generation that its members share: each
// member has its own epoch, which its reconciliation steps move, and
// commits are fenced with it. The world records those steps on the
// timeline as the scenario runner does (a group_event whose Member is the
// member, Generation its epoch, Partitions what it is assigned now), so
// that the checker and the classifier judge every commit by its member's
// epoch. The world checks, from the coordinator's own view:
//
//   - invariant 3: at every reconciliation step no partition is counted
//     as two members' (partitions pending revocation included: a
//     partition goes to its new owner only once the old one has revoked
//     it); when the group becomes Stable, every partition of the
//     subscribed topics is some member's (invariants.go's stable);
//   - invariant 7: the rebalance timeout runs from the revocation
//     request: a member is removed for it exactly its
//     max.poll.interval.ms after the last reconciliation step that left
//     it with partitions to revoke, or after the broker came back when
//     that is later (the coordinator restarts its timers then; a static
//     member that left with epoch -2 while revoking only then), and not
//     left revoking past that; a crashed member's session ends within
//     group.consumer.session.timeout.ms of its crash or of the broker's
//     return, and never while the broker is down.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/group"
	"github.com/kafkasim/kafkasim/scenarios"
)

// reconcilePrefix starts the Detail of a reconciliation step, in the
// scenario runner's words (the classifier reads it).
const reconcilePrefix = "reconcile: "

// observer848 is what the world keeps of consumer groups.
type observer848 struct {
	// groups caches consumerGroup.
	groups map[string]bool
	// revoking is, for each member asked to revoke partitions, when its
	// rebalance timeout started and how long it is.
	revoking map[string]revokeRec
}

type revokeRec struct {
	group   string
	at      time.Duration
	timeout time.Duration
	// away: a static member that left with epoch -2 while it was
	// revoking (at is its leave). It keeps that state, and only the
	// broker's return restarts its timer (Kafka's onLoaded).
	away bool
}

// consumerGroup reports whether the group's consumers use the consumer
// group protocol (group.protocol=consumer).
func (o *observer848) consumerGroup(w *world, id string) bool {
	is, ok := o.groups[id]
	if !ok {
		if o.groups == nil {
			o.groups = map[string]bool{}
		}
		is = w.consumerProtocol(id)
		o.groups[id] = is
	}
	return is
}

// consumerStep fills e for a transition only a consumer group has: the
// group epoch rising, a member's reconciliation step, a static member's
// leave with epoch -2. It reports false for any other.
func (w *world) consumerStep(t group.Transition, e *scenarios.Event) bool {
	e.Kind = scenarios.KindGroupEvent
	switch t.Kind {
	case group.EpochBumped:
		e.Detail = "group epoch " + strconv.Itoa(int(t.Generation))
	case group.MemberReconciled:
		e.Generation = t.MemberEpoch // the member's epoch, not the group's
		e.Detail = reconciledDetail(t)
		for _, tp := range t.Assigned {
			e.Partitions = append(e.Partitions, scenarios.TP{Topic: tp.Topic, Partition: tp.Partition})
		}
	case group.StaticLeft:
		e.Detail = "static member left for now (epoch -2): it keeps its partitions"
	default:
		return false
	}
	return true
}

// reconciledDetail is a reconciliation step's Detail: "reconcile: owned
// by M at member epoch 3, which must still revoke t[2]", or "reconcile: M
// at member epoch 2 owns nothing".
func reconciledDetail(t group.Transition) string {
	var b strings.Builder
	b.WriteString(reconcilePrefix)
	if len(t.Assigned) == 0 {
		fmt.Fprintf(&b, "%s at member epoch %d owns nothing", t.MemberID, t.MemberEpoch)
	} else {
		fmt.Fprintf(&b, "owned by %s at member epoch %d", t.MemberID, t.MemberEpoch)
	}
	if len(t.Revoking) > 0 {
		b.WriteString(", which must still revoke")
		for _, tp := range t.Revoking {
			fmt.Fprintf(&b, " %s[%d]", tp.Topic, tp.Partition)
		}
	}
	return b.String()
}

// observe848 checks and keeps what the world needs of a consumer group's
// transition; seq is its timeline event, -1 if it has none.
func (w *world) observe848(t group.Transition, seq int) {
	o := &w.obs.k848
	if o.revoking == nil {
		o.revoking = map[string]revokeRec{}
	}
	now := w.now()
	switch t.Kind {
	case group.MemberReconciled:
		info, _ := w.cl.Coordinator().ConsumerGroup(t.Group)
		w.checkOwners848(info, seq)
		delete(o.revoking, t.MemberID)
		if len(t.Revoking) > 0 {
			for _, m := range info.Members {
				if m.MemberID == t.MemberID {
					o.revoking[t.MemberID] = revokeRec{group: t.Group, at: now, timeout: m.RebalanceTimeout}
				}
			}
		}
	case group.StaticLeft:
		if r, ok := o.revoking[t.MemberID]; ok {
			o.revoking[t.MemberID] = revokeRec{group: r.group, at: now, timeout: r.timeout, away: true}
		}
	case group.SessionExpired, group.MemberFenced, group.MemberLeft:
		delete(o.revoking, t.MemberID)
	}
	w.checkRevoking848(t)
}

// checkOwners848 checks invariant 3 on the coordinator's view of a
// consumer group: no partition is two members' (pending revocations
// included).
func (w *world) checkOwners848(info group.ConsumerGroupInfo, seq int) {
	owner := map[scenarios.TP]string{}
	for _, m := range info.Members {
		for _, list := range [][]broker.TopicPartition{m.Assigned, m.PendingRevocation} {
			for _, p := range list {
				tp := scenarios.TP{Topic: p.Topic, Partition: p.Partition}
				if o, ok := owner[tp]; ok && o != m.MemberID {
					w.violation(ruleOwner, seq, tp, -1, "at group epoch %d the coordinator counts %s as both %s's and %s's (assigned or pending revocation)",
						info.GroupEpoch, tp, o, m.MemberID)
					return
				}
				owner[tp] = m.MemberID
			}
		}
	}
}

// due848 is when a revoking member's rebalance timeout runs out: its
// timeout after the revocation request, or after the broker came back
// if that is later (the coordinator restarts its timers then); false
// for a static member away since before the broker's last return.
func (w *world) due848(r revokeRec) (time.Duration, bool) {
	if r.away && w.brokerUpAt <= r.at {
		return 0, false
	}
	return max(r.at, w.brokerUpAt) + r.timeout, true
}

// checkRevokeTimeout848 checks a removal for the rebalance timeout in a
// consumer group (invariant 7): exactly when its timeout ran out, counted
// from the revocation request (KIP-848), for a member asked to revoke.
func (w *world) checkRevokeTimeout848(t group.Transition, seq int) {
	o := &w.obs.k848
	r, ok := o.revoking[t.MemberID]
	delete(o.revoking, t.MemberID)
	now := w.now()
	if !ok {
		w.violation(ruleTimer, seq, scenarios.TP{}, -1, "%s was removed for the rebalance timeout at T=%s, but it had no partitions to revoke",
			t.MemberID, scenarios.FormatDuration(now))
		return
	}
	if due, ok := w.due848(r); !ok || now != due || !w.cl.Broker().Available() {
		w.violation(ruleTimer, seq, scenarios.TP{}, -1, "%s was removed for the rebalance timeout at T=%s, but it was asked to revoke at T=%s, the broker was last back at T=%s and its rebalance timeout is %s (max.poll.interval.ms): due at T=%s%s",
			t.MemberID, scenarios.FormatDuration(now), scenarios.FormatDuration(r.at), scenarios.FormatDuration(w.brokerUpAt),
			scenarios.FormatDuration(r.timeout), scenarios.FormatDuration(due), downNote(w))
	}
}

// checkRevoking848 reports a member still revoking after its rebalance
// timeout ran out (the coordinator must have removed it by then).
func (w *world) checkRevoking848(t group.Transition) {
	o := &w.obs.k848
	if len(o.revoking) == 0 || !w.cl.Broker().Available() {
		return
	}
	now := w.now()
	var late []string
	for id, r := range o.revoking {
		if due, ok := w.due848(r); ok && now > due {
			late = append(late, id)
		}
	}
	if len(late) == 0 {
		return
	}
	slices.Sort(late)
	id := late[0]
	r := o.revoking[id]
	delete(o.revoking, id)
	due, _ := w.due848(r)
	w.violation(ruleTimer, w.lastSeq(), scenarios.TP{}, -1, "%s was asked to revoke at T=%s and is still revoking at T=%s, past its rebalance timeout of %s (max.poll.interval.ms, due at T=%s)",
		id, scenarios.FormatDuration(r.at), scenarios.FormatDuration(now), scenarios.FormatDuration(r.timeout), scenarios.FormatDuration(due))
}

// checkSession848 checks the session expiry of a crashed member of a
// consumer group (invariant 7): the broker's session
// (group.consumer.session.timeout.ms) ends within that long of the crash
// (its last heartbeat was no later) or of the broker's return (every
// session restarts then), and not while the broker is down.
func (w *world) checkSession848(t group.Transition, seq int, cr crashRec) {
	session := w.cfg.group.ConsumerSessionTimeout
	if session <= 0 {
		session = group.DefaultConfig().ConsumerSessionTimeout
	}
	from := max(cr.at, w.brokerUpAt)
	if due, now := from+session, w.now(); now > due || !w.cl.Broker().Available() {
		w.violation(ruleTimer, seq, scenarios.TP{}, -1, "the session of %s expired at T=%s, but it was due at T=%s: its consumer crashed at T=%s and the broker was last back at T=%s (group.consumer.session.timeout.ms %s)%s",
			t.MemberID, scenarios.FormatDuration(now), scenarios.FormatDuration(due), scenarios.FormatDuration(cr.at),
			scenarios.FormatDuration(w.brokerUpAt), scenarios.FormatDuration(session), downNote(w))
	}
}

func downNote(w *world) string {
	if !w.cl.Broker().Available() {
		return ", and the broker is down"
	}
	return ""
}

// snapConsumerGroup is the coordinator's assignment of a consumer group
// that just became Stable: every member at the target, nothing pending.
func (w *world) snapConsumerGroup(groupID string) *stableSnap {
	info, ok := w.cl.Coordinator().ConsumerGroup(groupID)
	if !ok {
		return nil
	}
	snap := &stableSnap{gen: info.GroupEpoch, assignment: map[string][]scenarios.TP{}, partitions: map[string]int32{}}
	for _, m := range info.Members {
		var tps []scenarios.TP
		for _, list := range [][]broker.TopicPartition{m.Assigned, m.PendingRevocation} {
			for _, tp := range list {
				tps = append(tps, scenarios.TP{Topic: tp.Topic, Partition: tp.Partition})
			}
		}
		snap.assignment[m.MemberID] = tps
	}
	for _, ti := range w.cl.Broker().Topics() {
		snap.partitions[ti.Name] = int32(len(ti.Partitions))
	}
	return snap
}

// isReconcileStep reports whether e is a consumer group member's
// reconciliation step (consumerStep).
func isReconcileStep(e *scenarios.Event) bool {
	return e.Kind == scenarios.KindGroupEvent && e.Member != "" && strings.HasPrefix(e.Detail, reconcilePrefix)
}

// joinedDetail is a join's Detail with the consumer group protocol, in
// the scenario runner's words: no leader, the broker assigns.
const joinedDetail = "no leader, " + client.GroupProtocolConsumer
