package assign

// This file follows the behaviour of librdkafka's sticky assignor
// (src/rdkafka_sticky_assignor.c, rd_kafka_sticky_assignor_assign_cb) as of
// librdkafka v2.15.0, without rack awareness. The code is our own; the
// steps, their order and their tie-breaks are librdkafka's, because they
// decide which member gets which partition.
//
// Where v2.15.0 differs from v2.0.2 (the version in Debian's
// python3-confluent-kafka, which the fidelity checks run):
//
//   - Ownership claims (since v2.2.0): the highest generation claiming a
//     partition wins and a generation claimed twice voids the partition.
//     v2.0.2 let the lowest generation win and never voided; it also never
//     reads a generation from the JoinGroup metadata, so between v2.0.2
//     members every claim has generation -1.
//   - The balance check (since v2.6.1): v2.0.2 reused the outer loop's index
//     inside isBalanced, so it skipped members and, with some member orders
//     and unequal subscriptions, spun forever. stickyOptions.skipScan202
//     reproduces the skipping for comparisons; the default is the fixed scan.
//
// Three places where librdkafka v2.15.0 can hand one partition to two
// members, or to a member that does not subscribe to its topic, are kept
// consistent here instead (each needs claims from different generations,
// which librdkafka clients do not produce in practice):
//
//   - librdkafka remembers the last claimant in JoinGroup order as a
//     partition's current owner even when an earlier claimant of a higher
//     generation won it; here the winner is the owner.
//   - librdkafka moves a partition back to its previous owner without
//     checking that the previous owner still subscribes to its topic or
//     still takes part in balancing; here such a previous owner is ignored.
//   - librdkafka leaves a stale movement record behind when a partition
//     moves back to where it started (a later move of it aborts on an
//     assertion); here the record is dropped.

import (
	"cmp"
	"slices"
	"strings"

	"github.com/kafkasim/kafkasim/broker"
)

// stickyTopic is one subscribed, existing topic as the leader's Metadata
// response lists it.
type stickyTopic struct {
	name       string
	partitions int32
}

// stickyOptions selects version-specific behaviour of the port.
type stickyOptions struct {
	// skipScan202 makes the balance check skip members as librdkafka
	// v2.0.2 to v2.6.0 did (see isBalanced202).
	skipScan202 bool
	// endlessScan, when not nil, is set to true when the v2.0.2 scan came
	// back to a member it had checked, where librdkafka looped forever.
	endlessScan *bool
}

// stickyRun is the state of one run of the sticky algorithm. Members and
// partitions are numbered: members in JoinGroup order, partitions in
// Metadata order (topics as listed, partitions ascending).
type stickyRun struct {
	opts  stickyOptions
	ids   []string                // member ids
	subs  []map[string]bool       // topics each member subscribes to
	parts []broker.TopicPartition // every partition some member could own
	index map[broker.TopicPartition]int

	potential [][]int  // partitions each member could own, Metadata order
	canTake   [][]bool // canTake[m][p]: p is in potential[m]
	eligible  [][]int  // members that could own each partition, JoinGroup order

	current  [][]int // the assignment being built
	owner    []int   // member owning each partition, -1 for none
	previous []int   // previous owner of each partition (second-newest claim), -1 for none

	active []bool // members still taking part in balancing
	byLoad []int  // active members, fewest partitions first, ties by member id
	moves  movements

	revocationRequired bool // a member owns a partition of a topic it left
}

// stickyAssign runs librdkafka's sticky algorithm over members (JoinGroup
// order) and topics (Metadata order) and returns every member's partitions,
// sorted, nil when it gets none.
func stickyAssign(members []Member, topics []stickyTopic, opts stickyOptions) map[string][]broker.TopicPartition {
	out := newResult(members)
	if len(members) == 0 {
		return out
	}
	r := newStickyRun(members, topics, opts)
	r.prepopulate(members)
	sorted := r.sortPartitions()
	unassigned := r.keepOnlyValidOwnership(slices.Clone(sorted))
	r.balance(sorted, unassigned)
	for m, ps := range r.current {
		for _, p := range ps {
			out[r.ids[m]] = append(out[r.ids[m]], r.parts[p])
		}
	}
	sortResult(out)
	return out
}

// newStickyRun numbers members and the partitions of the topics some member
// subscribes to, and works out which member could own which partition
// (librdkafka's populatePotentialMaps).
func newStickyRun(members []Member, topics []stickyTopic, opts stickyOptions) *stickyRun {
	n := len(members)
	r := &stickyRun{
		opts:      opts,
		ids:       make([]string, n),
		subs:      make([]map[string]bool, n),
		index:     map[broker.TopicPartition]int{},
		potential: make([][]int, n),
		canTake:   make([][]bool, n),
		current:   make([][]int, n),
		active:    make([]bool, n),
		moves:     newMovements(),
	}
	for m := range members {
		r.ids[m] = members[m].ID
		r.subs[m] = map[string]bool{}
		for _, t := range members[m].Topics {
			r.subs[m][t] = true
		}
	}
	for _, t := range topics {
		if !slices.ContainsFunc(r.subs, func(sub map[string]bool) bool { return sub[t.name] }) {
			continue // not an eligible topic: nobody subscribes to it
		}
		for q := int32(0); q < t.partitions; q++ {
			tp := broker.TopicPartition{Topic: t.name, Partition: q}
			if _, dup := r.index[tp]; dup {
				continue
			}
			r.index[tp] = len(r.parts)
			r.parts = append(r.parts, tp)
		}
	}
	r.eligible = make([][]int, len(r.parts))
	r.owner = filled(len(r.parts), -1)
	r.previous = filled(len(r.parts), -1)
	for m := range members {
		r.canTake[m] = make([]bool, len(r.parts))
	}
	for _, t := range topics {
		for m := range members {
			if !r.subs[m][t.name] {
				continue
			}
			for q := int32(0); q < t.partitions; q++ {
				p := r.index[broker.TopicPartition{Topic: t.name, Partition: q}]
				if r.canTake[m][p] {
					continue
				}
				r.canTake[m][p] = true
				r.potential[m] = append(r.potential[m], p)
				r.eligible[p] = append(r.eligible[p], m)
			}
		}
	}
	return r
}

func filled(n, v int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// claim is one member's claim to own a partition.
type claim struct {
	member     int
	generation int32
}

// prepopulate resolves ownership claims per partition
// (prepopulateCurrentAssignments): the claim of the highest generation
// wins and the next highest becomes the partition's previous owner; when
// any two claims share a generation the partition counts as unowned.
// Claims on partitions no member could own are dropped here; librdkafka
// drops them a step later, with the same result.
func (r *stickyRun) prepopulate(members []Member) {
	claims := map[int][]claim{}
	for m := range members {
		for _, tp := range members[m].Owned {
			if p, ok := r.index[tp]; ok {
				claims[p] = append(claims[p], claim{member: m, generation: members[m].Generation})
			}
		}
	}
	for p := range r.parts {
		cs := claims[p]
		if len(cs) == 0 {
			continue
		}
		slices.SortStableFunc(cs, func(a, b claim) int { return cmp.Compare(a.generation, b.generation) })
		if sharedGeneration(cs) {
			continue
		}
		winner := cs[len(cs)-1].member
		r.current[winner] = append(r.current[winner], p)
		r.owner[p] = winner
		if len(cs) >= 2 {
			r.previous[p] = cs[len(cs)-2].member
		}
	}
}

// sharedGeneration reports whether two of the claims, sorted by generation,
// have the same generation.
func sharedGeneration(sorted []claim) bool {
	for i := 1; i < len(sorted); i++ {
		if sorted[i].generation == sorted[i-1].generation {
			return true
		}
	}
	return false
}

// cmpParts orders partition numbers by topic name, then partition.
func (r *stickyRun) cmpParts(a, b int) int {
	return broker.CompareTopicPartitions(r.parts[a], r.parts[b])
}

// sortPartitions is the order in which partitions are considered for a
// move (librdkafka's sortPartitions). With unequal subscriptions: the
// partitions with the fewest possible owners first. With equal ones:
// owned partitions taken in turn from the members owning the most (a
// partition that had a previous owner first), then the unowned ones in
// reverse Metadata order. librdkafka never treats an assignment as fresh
// here (every member is in its map), so a group owning nothing gets its
// partitions in topic and partition order.
func (r *stickyRun) sortPartitions() []int {
	all := make([]int, len(r.parts))
	for p := range all {
		all[p] = p
	}
	if !r.subscriptionsIdentical() {
		slices.SortStableFunc(all, func(a, b int) int {
			if c := cmp.Compare(len(r.eligible[a]), len(r.eligible[b])); c != 0 {
				return c
			}
			return r.cmpParts(a, b)
		})
		return all
	}
	sorted := r.ownedInTurn()
	wasEmpty := len(sorted) == 0
	listed := make([]bool, len(r.parts))
	for _, p := range sorted {
		listed[p] = true
	}
	for p := len(r.parts) - 1; p >= 0; p-- {
		if !listed[p] {
			sorted = append(sorted, p)
		}
	}
	if wasEmpty {
		slices.SortFunc(sorted, r.cmpParts)
	}
	return sorted
}

// ownedInTurn lists owned partitions one at a time from whichever member
// has the most left (ties: the greater member id), each time its first
// partition that had a previous owner, else its first partition.
func (r *stickyRun) ownedInTurn() []int {
	left := make([][]int, len(r.ids))
	var members []int
	for m := range r.ids {
		left[m] = slices.Clone(r.current[m])
		slices.SortFunc(left[m], r.cmpParts)
		if len(left[m]) > 0 {
			members = append(members, m)
		}
	}
	byLeft := func(a, b int) int {
		if c := cmp.Compare(len(left[a]), len(left[b])); c != 0 {
			return c
		}
		return strings.Compare(r.ids[a], r.ids[b])
	}
	slices.SortFunc(members, byLeft)
	var sorted []int
	for len(members) > 0 {
		m := members[len(members)-1]
		if len(left[m]) == 0 {
			members = members[:len(members)-1]
			continue
		}
		i := slices.IndexFunc(left[m], func(p int) bool { return r.previous[p] >= 0 })
		if i < 0 {
			i = 0
		}
		sorted = append(sorted, left[m][i])
		left[m] = slices.Delete(left[m], i, i+1)
		slices.SortFunc(members, byLeft)
	}
	return sorted
}

// subscriptionsIdentical reports whether every member could own exactly the
// same partitions (areSubscriptionsIdentical).
func (r *stickyRun) subscriptionsIdentical() bool {
	for p := 1; p < len(r.parts); p++ {
		if !slices.Equal(r.eligible[p], r.eligible[0]) {
			return false
		}
	}
	for m := 1; m < len(r.ids); m++ {
		if !slices.Equal(r.potential[m], r.potential[0]) {
			return false
		}
	}
	return true
}

// keepOnlyValidOwnership drops owned partitions of topics a member no
// longer subscribes to (which makes a revocation required) and returns
// unassigned without the partitions that stay with their owner.
func (r *stickyRun) keepOnlyValidOwnership(unassigned []int) []int {
	kept := make([]bool, len(r.parts))
	for m := range r.ids {
		var ps []int
		for _, p := range r.current[m] {
			if r.canTake[m][p] {
				ps = append(ps, p)
				kept[p] = true
			} else {
				r.owner[p] = -1
				r.revocationRequired = true
			}
		}
		r.current[m] = ps
	}
	return slices.DeleteFunc(unassigned, func(p int) bool { return kept[p] })
}

// compareLoad orders members by partition count, then member id
// (sort_by_map_elem_val_toppar_list_cnt).
func (r *stickyRun) compareLoad(a, b int) int {
	if c := cmp.Compare(len(r.current[a]), len(r.current[b])); c != 0 {
		return c
	}
	return strings.Compare(r.ids[a], r.ids[b])
}

func (r *stickyRun) resort() { slices.SortFunc(r.byLoad, r.compareLoad) }

// balance hands out the unassigned partitions and then moves partitions
// until the assignment is balanced (librdkafka's balance).
func (r *stickyRun) balance(sorted, unassigned []int) {
	for m := range r.ids {
		r.active[m] = true
		r.byLoad = append(r.byLoad, m)
	}
	r.resort()
	initializing := len(r.current[r.byLoad[len(r.byLoad)-1]]) == 0

	for _, p := range unassigned {
		r.assignToLeastLoaded(p)
	}
	movable := func(p int) bool { return len(r.eligible[p]) >= 2 }
	sorted = slices.DeleteFunc(sorted, func(p int) bool { return !movable(p) })
	unassigned = slices.DeleteFunc(unassigned, func(p int) bool { return !movable(p) })
	r.setAsideFixedMembers()

	before := r.snapshot()
	if !r.revocationRequired && len(unassigned) > 0 {
		r.performReassignments(unassigned)
	}
	moved := r.performReassignments(sorted)
	if !initializing && moved && r.imbalance(r.current) >= r.imbalance(before.current) {
		r.restore(before)
	}
}

// assignToLeastLoaded gives p to the least loaded member that could own it.
func (r *stickyRun) assignToLeastLoaded(p int) {
	for _, m := range r.byLoad {
		if r.canTake[m][p] {
			r.current[m] = append(r.current[m], p)
			r.owner[p] = m
			r.resort()
			return
		}
	}
}

// setAsideFixedMembers takes out of balancing the members that own every
// partition they could own and share none of them with another member.
func (r *stickyRun) setAsideFixedMembers() {
	r.byLoad = slices.DeleteFunc(r.byLoad, func(m int) bool {
		if len(r.current[m]) < len(r.potential[m]) {
			return false
		}
		for _, p := range r.current[m] {
			if len(r.eligible[p]) >= 2 {
				return false
			}
		}
		r.active[m] = false
		return true
	})
}

// stickySnapshot is a copy of the assignment being built.
type stickySnapshot struct {
	current [][]int
	owner   []int
}

func (r *stickyRun) snapshot() stickySnapshot {
	s := stickySnapshot{current: make([][]int, len(r.current)), owner: slices.Clone(r.owner)}
	for m, ps := range r.current {
		s.current[m] = slices.Clone(ps)
	}
	return s
}

func (r *stickyRun) restore(s stickySnapshot) {
	r.current, r.owner = s.current, s.owner
}

// imbalance is librdkafka's balance score over the active members: the sum
// of the differences in partition count over every pair.
func (r *stickyRun) imbalance(current [][]int) int {
	score := 0
	for i := range current {
		for j := i + 1; j < len(current); j++ {
			if r.active[i] && r.active[j] {
				score += abs(len(current[i]) - len(current[j]))
			}
		}
	}
	return score
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// performReassignments walks list, moving a partition whenever its owner
// holds at least two more than another member that could own it, and
// repeats while a pass moved anything; each pass stops early once the
// assignment is balanced. It reports whether it moved anything.
func (r *stickyRun) performReassignments(list []int) bool {
	moved := false
	for {
		modified := false
		for i := 0; i < len(list) && !r.isBalanced(); i++ {
			if r.improve(list[i]) {
				moved, modified = true, true
			}
		}
		if !modified {
			return moved
		}
	}
}

// improve moves p (or, for stickiness, a partition that went the other way
// earlier) when that narrows a gap of two or more: back to its previous
// owner if that one holds two fewer, else to the least loaded member that
// could own it.
func (r *stickyRun) improve(p int) bool {
	from := r.owner[p]
	load := len(r.current[from])
	if prev := r.previous[p]; prev >= 0 && r.active[prev] && r.canTake[prev][p] &&
		load > len(r.current[prev])+1 {
		r.reassign(p, prev)
		return true
	}
	for _, other := range r.eligible[p] {
		if other != from && load > len(r.current[other])+1 {
			r.reassign(p, r.leastLoadedFor(p))
			return true
		}
	}
	return false
}

// leastLoadedFor is the first member in load order that could own p.
func (r *stickyRun) leastLoadedFor(p int) int {
	for _, m := range r.byLoad {
		if r.canTake[m][p] {
			return m
		}
	}
	panic("assign: sticky: no member can own a partition that has two possible owners")
}

// reassign moves p from its owner to to, or instead a partition that
// earlier moved from to to p's owner, which undoes that move.
func (r *stickyRun) reassign(p, to int) {
	p = r.moves.partitionToMove(r.parts[p].Topic, p, r.owner[p], to)
	from := r.owner[p]
	r.moves.record(r.parts[p].Topic, p, from, to)
	i := slices.Index(r.current[from], p)
	r.current[from] = slices.Delete(r.current[from], i, i+1)
	r.current[to] = append(r.current[to], p)
	r.owner[p] = to
	r.resort()
}

// isBalanced reports whether no active member could take a partition from
// a member holding more than it (librdkafka's isBalanced).
func (r *stickyRun) isBalanced() bool {
	if len(r.byLoad) == 0 {
		return true
	}
	least := len(r.current[r.byLoad[0]])
	most := len(r.current[r.byLoad[len(r.byLoad)-1]])
	if least >= most-1 {
		return true
	}
	if r.opts.skipScan202 {
		return r.isBalanced202()
	}
	for _, m := range r.byLoad {
		if r.couldTakeFromBusier(m) {
			return false
		}
	}
	return true
}

// couldTakeFromBusier reports whether m lacks a partition it could own
// that a member with more partitions holds.
func (r *stickyRun) couldTakeFromBusier(m int) bool {
	load := len(r.current[m])
	if load == len(r.potential[m]) {
		return false
	}
	for _, p := range r.potential[m] {
		if o := r.owner[p]; o >= 0 && o != m && load < len(r.current[o]) {
			return true
		}
	}
	return false
}

// isBalanced202 is the member scan of librdkafka v2.0.2 to v2.6.0: after
// checking a member that lacks partitions, the scan resumed at the index
// one past that member's number of possible partitions. Where that index
// comes back to a member already checked, librdkafka looped forever; here
// the scan stops and reports the assignment balanced.
func (r *stickyRun) isBalanced202() bool {
	seen := make([]bool, len(r.byLoad))
	for i := 0; i < len(r.byLoad); {
		if seen[i] {
			if r.opts.endlessScan != nil {
				*r.opts.endlessScan = true
			}
			return true
		}
		seen[i] = true
		m := r.byLoad[i]
		if len(r.current[m]) == len(r.potential[m]) {
			i++
			continue
		}
		if r.couldTakeFromBusier(m) {
			return false
		}
		i = len(r.potential[m]) + 1
	}
	return true
}
