package group

// The consumer group of KIP-848 (Kafka's ConsumerGroup and
// ConsumerGroupMember): members, epochs, the target assignment, who owns
// which partition now, and the group state derived from them.
//
// Modelled: the group epoch and the target assignment epoch, each
// member's epoch, previous epoch, reconciliation state, assigned
// partitions and partitions pending revocation; the partition owner map
// (Kafka's currentPartitionEpoch) that keeps a partition from a new owner
// until the previous one released it; the group states Empty, Assigning,
// Reconciling, Stable; one protocol per group id (a consumer group
// replaces an Empty classic group and the other way round). Not modelled:
// regular-expression subscriptions, racks, classic members inside a
// consumer group and online upgrade/downgrade between the protocols
// (group.consumer.migration.policy), the persisted records.

import (
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/group/assign"
	"github.com/kafkasim/kafkasim/internal/clock"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// cgroup is one consumer group.
type cgroup struct {
	id              string
	state           State
	epoch           int32 // group epoch
	assignmentEpoch int32 // target assignment epoch

	members map[string]*cmember
	order   []string          // member ids in join order
	static  map[string]string // group.instance.id → member id

	target map[string][]broker.TopicPartition // member id → target partitions
	owners map[broker.TopicPartition]owner    // assigned or pending revocation
	meta   map[string]int32                   // subscribed topics that exist → partitions
}

// owner is who holds a partition and at which of its epochs.
type owner struct {
	member string
	epoch  int32
}

// cmember is one member of a consumer group.
type cmember struct {
	g                    *cgroup
	id, instanceID       string
	clientID, clientHost string
	topics               []string // sorted, no duplicates
	assignor             string
	rebalance            time.Duration

	recon // epoch, state, assigned and pending partitions

	// Session expiry is lazy, as for classic members (touch).
	deadline time.Time
	timer    clock.Timer
	expireFn func()
	removed  bool

	revokeTimer clock.Timer // rebalance timeout while revoking
}

// recon is what reconciliation changes about a member.
type recon struct {
	state     memberState
	epoch     int32
	prevEpoch int32
	assigned  []broker.TopicPartition // sorted
	pending   []broker.TopicPartition // sorted; pending revocation
}

// reconciled is Kafka's isReconciledTo.
func (r recon) reconciled(targetEpoch int32) bool {
	return r.state == memberStable && r.epoch == targetEpoch
}

func newCGroup(id string) *cgroup {
	return &cgroup{
		id:      id,
		members: map[string]*cmember{},
		static:  map[string]string{},
		target:  map[string][]broker.TopicPartition{},
		owners:  map[broker.TopicPartition]owner{},
		meta:    map[string]int32{},
	}
}

// consumerGroup finds the consumer group for a heartbeat (Kafka's
// getOrMaybeCreateConsumerGroup). With create it makes one, replacing an
// Empty (or Dead) classic group of that id; offsets stay. A classic group
// with members is not converted (Kafka would, under its default
// group.consumer.migration.policy): the heartbeat gets GROUP_ID_NOT_FOUND.
func (c *Coordinator) consumerGroup(id string, create bool) (*cgroup, error) {
	if cg := c.consumer[id]; cg != nil {
		return cg, nil
	}
	if g := c.groups[id]; g != nil && g.state != Dead && g.state != Empty {
		return nil, errf(kerr.GroupIDNotFound, "consumer heartbeat", id, "group %s is a classic group with members (%s), not a consumer group", id, g.state)
	}
	if !create {
		return nil, errf(kerr.GroupIDNotFound, "consumer heartbeat", id, "consumer group %s not found", id)
	}
	if g := c.groups[id]; g != nil {
		if g.state != Dead {
			c.setState(g, Dead, "an Empty classic group is replaced by a consumer group (its offsets stay)")
		}
		delete(c.groups, id)
		c.lastGroup = nil
	}
	cg := newCGroup(id)
	c.consumer[id] = cg
	return cg, nil
}

// deleteConsumerGroup removes an Empty consumer group: a classic JoinGroup
// takes its id, or its offsets all expired.
func (c *Coordinator) deleteConsumerGroup(cg *cgroup, cause string) {
	c.setConsumerState(cg, Dead, cause)
	delete(c.consumer, cg.id)
}

// newMemberID draws a member id as Kafka's Uuid.toString prints one:
// 16 random bytes in unpadded URL-safe base64.
func (c *Coordinator) newMemberID() string {
	var b [16]byte
	a, d := c.rnd.Uint64(), c.rnd.Uint64()
	for i := range 8 {
		b[i], b[8+i] = byte(a>>(56-8*i)), byte(d>>(56-8*i))
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (c *Coordinator) newConsumerMember(cg *cgroup, id string) *cmember {
	m := &cmember{g: cg, id: id}
	m.expireFn = func() { c.consumerSessionFired(m) }
	return m
}

// addConsumerMember puts a new member in the group.
func (cg *cgroup) add(m *cmember) {
	cg.members[m.id] = m
	cg.order = append(cg.order, m.id)
	if m.instanceID != "" {
		cg.static[m.instanceID] = m.id
	}
	cg.own(m)
}

// own records m's assigned and pending partitions as its own; a partition
// owned by another member is an internal error (Kafka throws
// IllegalStateException).
func (cg *cgroup) own(m *cmember) {
	for _, tps := range [][]broker.TopicPartition{m.assigned, m.pending} {
		for _, tp := range tps {
			if o, ok := cg.owners[tp]; ok && o.member != m.id {
				panic(fmt.Sprintf("group %s: %v given to %s while %s owns it", cg.id, tp, m.id, o.member))
			}
			cg.owners[tp] = owner{m.id, m.epoch}
		}
	}
}

// disown forgets m's partitions in the owner map.
func (cg *cgroup) disown(m *cmember) {
	for _, tps := range [][]broker.TopicPartition{m.assigned, m.pending} {
		for _, tp := range tps {
			if cg.owners[tp].member == m.id {
				delete(cg.owners, tp)
			}
		}
	}
}

// ownerOf is Kafka's currentPartitionEpoch: the member holding tp and its
// epoch, or false when tp is free.
func (cg *cgroup) ownerOf(tp broker.TopicPartition) (owner, bool) {
	o, ok := cg.owners[tp]
	return o, ok
}

// drop takes m out of the group (its partitions become free, its target
// goes), without bumping the epoch.
func (cg *cgroup) drop(m *cmember) {
	m.removed = true
	m.timer.Stop()
	m.revokeTimer.Stop()
	cg.disown(m)
	delete(cg.members, m.id)
	delete(cg.target, m.id)
	if i := slices.Index(cg.order, m.id); i >= 0 {
		cg.order = slices.Delete(cg.order, i, i+1)
	}
	if m.instanceID != "" && cg.static[m.instanceID] == m.id {
		delete(cg.static, m.instanceID)
	}
}

// sortedIDs returns the member ids sorted.
func (cg *cgroup) sortedIDs() []string {
	ids := slices.Clone(cg.order)
	slices.Sort(ids)
	return ids
}

// subscriptionMeta maps every topic some member subscribes to and that
// exists to its partition count (Kafka's subscription metadata).
func (c *Coordinator) subscriptionMeta(cg *cgroup) map[string]int32 {
	meta := map[string]int32{}
	for _, id := range cg.order {
		for _, t := range cg.members[id].topics {
			if _, seen := meta[t]; seen {
				continue
			}
			if n, err := c.b.Partitions(t); err == nil {
				meta[t] = n
			}
		}
	}
	return meta
}

// subscribed reports whether m subscribes to topic and topic exists.
func (c *Coordinator) subscribed(m *cmember, topic string) bool {
	if !slices.Contains(m.topics, topic) {
		return false
	}
	_, err := c.b.Partitions(topic)
	return err == nil
}

// assignorName is the group's server assignor: the one most members ask
// for (ties in the order of assign.ServerAssignorNames), else the default.
func (cg *cgroup) assignorName() string {
	counts := map[string]int{}
	for _, m := range cg.members {
		if m.assignor != "" {
			counts[m.assignor]++
		}
	}
	best, n := assign.DefaultServerAssignor, 0
	for _, name := range assign.ServerAssignorNames() {
		if counts[name] > n {
			best, n = name, counts[name]
		}
	}
	return best
}

// bump raises the group epoch.
func (c *Coordinator) bump(cg *cgroup, cause string) {
	cg.epoch++
	c.emitConsumer(cg, EpochBumped, "", fmt.Sprintf("group epoch %d: %s", cg.epoch, cause), nil)
}

// updateConsumerState derives the group state (Kafka's
// maybeUpdateGroupState) and reports a change.
func (c *Coordinator) updateConsumerState(cg *cgroup, cause string) {
	s := Stable
	switch {
	case len(cg.members) == 0:
		s = Empty
	case cg.epoch > cg.assignmentEpoch:
		s = Assigning
	default:
		for _, id := range cg.order {
			if !cg.members[id].reconciled(cg.assignmentEpoch) {
				s = Reconciling
				break
			}
		}
	}
	c.setConsumerState(cg, s, cause)
}

// setConsumerState moves cg to s, reports it, and keeps the broker's
// offset expiry in step (nothing expires while the group has members).
func (c *Coordinator) setConsumerState(cg *cgroup, s State, cause string) {
	from := cg.state
	if from == s {
		return
	}
	cg.state = s
	switch {
	case s == Empty:
		c.b.MarkGroupEmpty(cg.id)
	case from == Empty && s != Dead:
		c.b.MarkGroupActive(cg.id)
	}
	if len(c.observers) == 0 {
		return
	}
	t := Transition{Time: c.clk.Now(), Group: cg.id, Kind: StateChanged, From: from, To: s, Generation: cg.epoch, Cause: cause}
	c.notify(t)
}

func (c *Coordinator) emitConsumer(cg *cgroup, kind TransitionKind, memberID, cause string, moved []PartitionMove) {
	if len(c.observers) == 0 {
		return
	}
	t := Transition{Time: c.clk.Now(), Group: cg.id, Kind: kind, From: cg.state, To: cg.state,
		Generation: cg.epoch, MemberID: memberID, Cause: cause, Moved: moved}
	if m := cg.members[memberID]; m != nil {
		t.MemberEpoch, t.ClientID = m.epoch, m.clientID
		if kind == MemberReconciled {
			t.Assigned, t.Revoking = slices.Clone(m.assigned), slices.Clone(m.pending)
		}
	}
	c.notify(t)
}

// removeConsumerMember is Kafka's consumerGroupFenceMember: the member
// goes, its partitions are free at once, and the group epoch rises; the
// new target assignment waits for the next heartbeat.
func (c *Coordinator) removeConsumerMember(cg *cgroup, m *cmember, kind TransitionKind, cause string) {
	c.emitConsumer(cg, kind, m.id, cause, nil)
	cg.drop(m)
	cg.meta = c.subscriptionMeta(cg)
	c.bump(cg, fmt.Sprintf("%s is no longer a member", m.id))
	c.updateConsumerState(cg, cause)
}

// replaceStaticMember lets a new member id take over a static member's
// place (Kafka's replaceMember): same assignment, pending revocations and
// target, epoch 0 until it reconciles. The old member id is fenced.
func (c *Coordinator) replaceStaticMember(cg *cgroup, old *cmember, newID string) *cmember {
	m := c.newConsumerMember(cg, newID)
	m.instanceID, m.clientID, m.clientHost = old.instanceID, old.clientID, old.clientHost
	m.topics, m.assignor, m.rebalance = old.topics, old.assignor, old.rebalance
	m.recon = old.recon
	m.assigned, m.pending = slices.Clone(old.assigned), slices.Clone(old.pending)
	m.epoch, m.prevEpoch = 0, 0
	target, hadTarget := cg.target[old.id]
	cause := fmt.Sprintf("static instance %s rejoined as %s, which takes the place of %s", old.instanceID, newID, old.id)
	if newID == old.id {
		cause = fmt.Sprintf("static instance %s rejoined under the same member id %s", old.instanceID, newID)
	}
	c.emitConsumer(cg, MemberFenced, old.id, cause, nil)
	cg.drop(old)
	if hadTarget {
		cg.target[newID] = target
	}
	cg.add(m)
	return m
}

// consumerGroupView builds the read-only view of cg.
func (c *Coordinator) consumerGroupView(cg *cgroup) ConsumerGroupInfo {
	info := ConsumerGroupInfo{Group: cg.id, State: cg.state, GroupEpoch: cg.epoch, AssignmentEpoch: cg.assignmentEpoch, Assignor: cg.assignorName()}
	for _, id := range cg.sortedIDs() {
		m := cg.members[id]
		info.Members = append(info.Members, ConsumerMemberInfo{
			MemberID: m.id, InstanceID: m.instanceID, ClientID: m.clientID,
			MemberEpoch: m.epoch, PreviousEpoch: m.prevEpoch, State: m.state.String(),
			Topics: slices.Clone(m.topics), Assigned: slices.Clone(m.assigned),
			PendingRevocation: slices.Clone(m.pending), Target: slices.Clone(cg.target[m.id]),
			RebalanceTimeout: m.rebalance,
		})
	}
	return info
}

// ConsumerGroup returns a read-only view of a consumer group (KIP-848),
// and false when id is not one.
func (c *Coordinator) ConsumerGroup(id string) (ConsumerGroupInfo, bool) {
	cg := c.consumer[id]
	if cg == nil {
		return ConsumerGroupInfo{}, false
	}
	return c.consumerGroupView(cg), true
}

func cloneMeta(m map[string]int32) map[string]int32 { return maps.Clone(m) }
