package group

// Reconciliation: one member's step towards the target assignment, taken
// in each of its heartbeats (Kafka's CurrentAssignmentBuilder, as of the
// version that handles subscription changes and partitions a member gets
// back while it is still revoking them).
//
// A member is STABLE, UNREVOKED_PARTITIONS or UNRELEASED_PARTITIONS.
// Moving to a new target epoch, it keeps target ∩ assigned, must give up
// assigned − target, and may take the rest of its target that nobody else
// holds. Revocation comes first: while it still reports (or may still own)
// partitions to give up it stays at its epoch in UNREVOKED_PARTITIONS, and
// only its next heartbeat without them lets it move on, one epoch up at
// most. Partitions another member still holds are not handed over; the
// member waits for them in UNRELEASED_PARTITIONS at the target epoch.
// Partitions of topics it no longer subscribes to count as not in its
// target.

import (
	"slices"

	"github.com/kafkasim/kafkasim/broker"
)

// reconcileInput is everything a reconciliation step looks at besides the
// member's current state.
type reconcileInput struct {
	// targetEpoch and target are the group's target assignment epoch and
	// the member's part of it.
	targetEpoch int32
	target      []broker.TopicPartition
	// subscribed says whether the member subscribes to a topic that
	// exists; noSubscription is true when it subscribes to none.
	subscribed     func(topic string) bool
	noSubscription bool
	// held says whether some member holds tp (assigned or pending
	// revocation): Kafka's currentPartitionEpoch(tp) != -1.
	held func(tp broker.TopicPartition) bool
	// owned is what the member reported owning; nil when it did not say.
	owned []broker.TopicPartition
	// subscriptionChanged is true when this heartbeat changed the
	// member's subscription.
	subscriptionChanged bool
}

// reconcile is CurrentAssignmentBuilder.build: the member's next state.
func reconcile(cur recon, in reconcileInput) recon {
	switch cur.state {
	case memberStable:
		if cur.epoch != in.targetEpoch {
			return nextAssignment(cur, in, cur.epoch)
		}
		if in.subscriptionChanged {
			return dropUnsubscribed(cur, in)
		}
		return cur
	case memberUnrevoked:
		if ownsAny(in.owned, cur.pending) {
			if in.subscriptionChanged {
				return dropUnsubscribed(cur, in)
			}
			return cur
		}
		// Revoked: one epoch up, but never past the target (a
		// subscription change can put a member here at its target epoch).
		return nextAssignment(cur, in, min(cur.epoch+1, in.targetEpoch))
	case memberUnreleased:
		return nextAssignment(cur, in, cur.epoch)
	}
	return cur
}

// ownsAny is Kafka's ownsRevokedPartitions: whether the member still owns
// one of revoking. A member that did not report what it owns may still
// own all of it.
func ownsAny(owned, revoking []broker.TopicPartition) bool {
	if owned == nil {
		return true
	}
	for _, tp := range owned {
		if slices.Contains(revoking, tp) {
			return true
		}
	}
	return false
}

// withEpoch is the builder's updateMemberEpoch.
func withEpoch(r recon, epoch int32) recon {
	r.prevEpoch, r.epoch = r.epoch, epoch
	return r
}

// nextAssignment is computeNextAssignment: epoch is the epoch the member
// stays at if it must revoke first.
func nextAssignment(cur recon, in reconcileInput, epoch int32) recon {
	target := map[broker.TopicPartition]bool{}
	for _, tp := range in.target {
		if in.subscribed(tp.Topic) {
			target[tp] = true
		}
	}
	var keep, revoke, take []broker.TopicPartition
	for _, tp := range cur.assigned {
		if target[tp] {
			keep = append(keep, tp)
		} else {
			revoke = append(revoke, tp)
		}
	}
	unreleased := false
	for _, tp := range in.target {
		if !target[tp] || slices.Contains(keep, tp) {
			continue
		}
		// A partition held by someone else waits; one the member itself
		// is still revoking can be given straight back.
		if in.held(tp) && !slices.Contains(cur.pending, tp) {
			unreleased = true
			continue
		}
		take = append(take, tp)
	}
	next := cur
	next.pending = nil
	switch {
	case len(revoke) > 0 && ownsAny(in.owned, revoke):
		next = withEpoch(cur, epoch)
		next.state, next.assigned, next.pending = memberUnrevoked, keep, revoke
		return next
	case len(take) > 0:
		next = withEpoch(next, in.targetEpoch)
		next.assigned = append(keep, take...)
		broker.SortTopicPartitions(next.assigned)
		next.state = memberStable
		if unreleased {
			next.state = memberUnreleased
		}
	case unreleased:
		next = withEpoch(next, in.targetEpoch)
		next.state, next.assigned = memberUnreleased, keep
	default:
		next = withEpoch(next, in.targetEpoch)
		next.state, next.assigned = memberStable, keep
	}
	return next
}

// dropUnsubscribed is updateCurrentAssignment: after a subscription
// change, partitions of topics the member left are revoked at once,
// without waiting for a new target. The epoch does not change.
func dropUnsubscribed(cur recon, in reconcileInput) recon {
	var keep, drop []broker.TopicPartition
	if in.noSubscription && len(cur.pending) == 0 {
		drop = cur.assigned
	} else {
		for _, tp := range cur.assigned {
			if in.subscribed(tp.Topic) {
				keep = append(keep, tp)
			} else {
				drop = append(drop, tp)
			}
		}
	}
	if len(drop) == 0 {
		return cur
	}
	next := cur
	next.assigned = keep
	pending := append(slices.Clone(cur.pending), drop...)
	broker.SortTopicPartitions(pending)
	pending = slices.Compact(pending)
	if ownsAny(in.owned, pending) {
		next.state, next.pending = memberUnrevoked, pending
	}
	return next
}
