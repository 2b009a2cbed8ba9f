package assign

// The uniform assignor for members with different subscriptions (Kafka's
// UniformHeterogeneousAssignmentBuilder, as reworked in KAFKA-17710):
//
//  1. every member keeps its previous target on topics it still subscribes
//     to;
//  2. the partitions nobody keeps are handed out topic by topic, each to
//     the least loaded subscriber of its topic;
//  3. topic by topic, partitions move from the most loaded subscribers to
//     the least loaded ones until no two subscribers of a topic differ by
//     more than one, repeating the round over the topics (at most 16 times)
//     until a full round moves nothing.
//
// Topics are visited by partitions per subscriber (descending), then
// subscriber count (ascending), then name; members are numbered in member
// id order, and ties between equally loaded members go to the lower
// number. A member gives up its highest numbered partitions of a topic
// first.

import (
	"cmp"
	"slices"

	"github.com/kafkasim/kafkasim/broker"
)

// heteroMaxRounds bounds the balancing rounds (Kafka's MAX_ITERATION_COUNT).
const heteroMaxRounds = 16

type heteroBuilder struct {
	ids         []string         // member number → id
	topics      map[string]int32 // partition counts of existing topics
	subscribers map[string][]int // topic → member numbers, ascending
	subscribed  []string         // every subscribed existing topic, sorted
	prev        [][]broker.TopicPartition
	owner       map[string][]int // topic → partition → member number or -1
	size        []int            // partitions per member in the target
	target      []map[string][]int32
}

func newHeteroBuilder(ms []ServerMember, topics map[string]int32) *heteroBuilder {
	b := &heteroBuilder{
		topics:      topics,
		subscribers: map[string][]int{},
		owner:       map[string][]int{},
		size:        make([]int, len(ms)),
		target:      make([]map[string][]int32, len(ms)),
	}
	for i, m := range ms {
		b.ids = append(b.ids, m.ID)
		b.prev = append(b.prev, m.Target)
		b.target[i] = map[string][]int32{}
		for _, t := range existingTopics(m.Topics, topics) {
			if _, seen := b.subscribers[t]; !seen {
				b.subscribed = append(b.subscribed, t)
			}
			b.subscribers[t] = append(b.subscribers[t], i)
		}
	}
	slices.Sort(b.subscribed)
	for _, t := range b.subscribed {
		b.owner[t] = filled(int(topics[t]), -1)
	}
	return b
}

func (b *heteroBuilder) build() map[string][]broker.TopicPartition {
	out := make(map[string][]broker.TopicPartition, len(b.ids))
	for _, id := range b.ids {
		out[id] = nil
	}
	if len(b.subscribed) == 0 {
		return out
	}
	b.keepPrevious()
	b.assignRemaining()
	b.balance()
	for i, id := range b.ids {
		for _, t := range keysSorted(b.target[i]) {
			for _, p := range b.target[i][t] {
				out[id] = append(out[id], broker.TopicPartition{Topic: t, Partition: p})
			}
		}
	}
	sortResult(out)
	return out
}

func (b *heteroBuilder) subscribes(m int, topic string) bool {
	return slices.Contains(b.subscribers[topic], m)
}

// keepPrevious is Kafka's maybeRevokePartitions: a member keeps its
// previous target on the topics it still subscribes to.
func (b *heteroBuilder) keepPrevious() {
	for m, prev := range b.prev {
		byT := byTopic(prev)
		for _, t := range keysSorted(byT) {
			if !b.subscribes(m, t) {
				continue
			}
			for _, p := range byT[t] {
				if p < 0 || p >= b.topics[t] || b.owner[t][p] != -1 {
					continue // no such partition, or an invalid double claim
				}
				b.add(t, p, m)
			}
		}
	}
}

func (b *heteroBuilder) add(t string, p int32, m int) {
	b.target[m][t] = append(b.target[m][t], p)
	b.owner[t][p] = m
	b.size[m]++
}

func (b *heteroBuilder) remove(t string, p int32, m int) {
	ps := b.target[m][t]
	if i := slices.Index(ps, p); i >= 0 {
		b.target[m][t] = slices.Delete(ps, i, i+1)
		if len(b.target[m][t]) == 0 {
			delete(b.target[m], t)
		}
	}
	b.owner[t][p] = -1
	b.size[m]--
}

// move is Kafka's assignPartition.
func (b *heteroBuilder) move(t string, p int32, to int) {
	if from := b.owner[t][p]; from != -1 {
		b.remove(t, p, from)
	}
	b.add(t, p, to)
}

// sortTopics orders topics by partitions per subscriber (descending),
// subscriber count (ascending), then name.
func (b *heteroBuilder) sortTopics(ts []string) []string {
	out := slices.Clone(ts)
	slices.SortStableFunc(out, func(x, y string) int {
		nx, ny := int64(b.topics[x]), int64(b.topics[y])
		sx, sy := int64(len(b.subscribers[x])), int64(len(b.subscribers[y]))
		// ny/sy vs nx/sx, descending, in exact arithmetic.
		if c := cmp.Compare(ny*sx, nx*sy); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(sx, sy), cmp.Compare(x, y))
	})
	return out
}

// assignRemaining hands every partition nobody kept to the least loaded
// subscriber of its topic.
func (b *heteroBuilder) assignRemaining() {
	free := map[string][]int32{}
	var ts []string
	for _, t := range b.subscribed {
		for p, o := range b.owner[t] {
			if o == -1 {
				free[t] = append(free[t], int32(p))
			}
		}
		if len(free[t]) > 0 {
			ts = append(ts, t)
		}
	}
	bal := &balancer{size: b.size}
	for _, t := range b.sortTopics(ts) {
		bal.init(b.subscribers[t])
		for _, p := range free[t] {
			b.move(t, p, bal.nextLeast())
		}
	}
}

// balance runs the balancing rounds over the topics with two or more
// subscribers.
func (b *heteroBuilder) balance() {
	var ts []string
	for _, t := range b.subscribed {
		if len(b.subscribers[t]) >= 2 {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		return
	}
	sorted := b.sortTopics(ts)
	last := -1 // index of the last topic that moved partitions
	bal := &balancer{size: b.size}
	for range heteroMaxRounds {
		for i, t := range sorted {
			if i == last {
				return // a whole round without a move
			}
			if n := b.balanceTopic(t, bal); n > 0 || last == -1 {
				last = i
			}
		}
	}
}

// balanceTopic moves partitions of t from its most loaded subscribers to
// its least loaded ones and returns how many moved.
func (b *heteroBuilder) balanceTopic(t string, bal *balancer) int {
	if bal.init(b.subscribers[t]) <= 1 {
		return 0
	}
	owners := b.owner[t]
	// The topic's partitions grouped by owner (owner number, then
	// partition), and each owner's range in that list.
	parts := make([]int32, len(owners))
	for p := range parts {
		parts[p] = int32(p)
	}
	slices.SortStableFunc(parts, func(x, y int32) int {
		return cmp.Or(cmp.Compare(owners[x], owners[y]), cmp.Compare(x, y))
	})
	start, end := map[int]int{}, map[int]int{}
	for i, p := range parts {
		o := owners[p]
		if _, ok := start[o]; !ok {
			start[o] = i
		}
		end[o] = i + 1
	}
	moved := 0
	for !bal.balanced() {
		from := -1
		for {
			from = bal.nextMost()
			if from == -1 {
				break
			}
			if e, ok := end[from]; !ok || e-start[from] <= 0 {
				bal.excludeMost()
				continue
			}
			break
		}
		if from == -1 {
			break // nobody has a partition of t left to give
		}
		p := parts[end[from]-1]
		end[from]--
		to := bal.nextLeast()
		if bal.balanced() {
			break
		}
		b.move(t, p, to)
		moved++
	}
	return moved
}

// balancer is Kafka's MemberAssignmentBalancer: it walks a topic's
// subscribers sorted by load, handing partitions to the least loaded range
// of members (which widens as its level rises) and taking them from the
// most loaded range (which widens as its level falls).
type balancer struct {
	size          []int // shared with the builder: live partition counts
	sorted        []int
	leastEnd      int // least loaded range is sorted[0:leastEnd]
	leastLevel    int
	nextLeastIdx  int
	mostStart     int // most loaded range is sorted[mostStart:mostEnd]
	mostEnd       int
	mostLevel     int
	nextMostIndex int
}

// init resets the balancer for members and returns the spread between the
// most and the least loaded of them.
func (bl *balancer) init(members []int) int {
	bl.sorted = slices.Clone(members)
	slices.SortStableFunc(bl.sorted, func(x, y int) int {
		return cmp.Or(cmp.Compare(bl.size[x], bl.size[y]), cmp.Compare(x, y))
	})
	n := len(bl.sorted)
	bl.leastEnd, bl.leastLevel, bl.nextLeastIdx = 0, bl.size[bl.sorted[0]]-1, 0
	bl.mostStart, bl.mostEnd = n, n
	bl.mostLevel = bl.size[bl.sorted[n-1]] + 1
	bl.nextMostIndex = n - 1
	return bl.size[bl.sorted[n-1]] - bl.size[bl.sorted[0]]
}

// nextLeast returns the member to give the next partition to.
func (bl *balancer) nextLeast() int {
	if bl.nextLeastIdx >= bl.leastEnd {
		bl.leastLevel++
		for bl.leastEnd < len(bl.sorted) && bl.size[bl.sorted[bl.leastEnd]] == bl.leastLevel {
			bl.leastEnd++
		}
		bl.nextLeastIdx = 0
	}
	m := bl.sorted[bl.nextLeastIdx]
	bl.nextLeastIdx++
	return m
}

// nextMost returns the member to take the next partition from, or -1.
func (bl *balancer) nextMost() int {
	if bl.nextMostIndex < bl.mostStart {
		if bl.mostEnd <= bl.mostStart && bl.mostStart > 0 {
			// The range was emptied by excludeMost: restart its level
			// from the next member down so that it widens.
			bl.mostLevel = bl.size[bl.sorted[bl.mostStart-1]]
		} else {
			bl.mostLevel--
		}
		for bl.mostStart > 0 && bl.size[bl.sorted[bl.mostStart-1]] == bl.mostLevel {
			bl.mostStart--
		}
		bl.nextMostIndex = bl.mostEnd - 1
	}
	if bl.nextMostIndex < 0 {
		return -1
	}
	m := bl.sorted[bl.nextMostIndex]
	bl.nextMostIndex--
	return m
}

// excludeMost drops the member nextMost last returned from the most loaded
// range: it has no partition of the topic to give.
func (bl *balancer) excludeMost() {
	i := bl.nextMostIndex + 1
	bl.sorted[i], bl.sorted[bl.mostEnd-1] = bl.sorted[bl.mostEnd-1], bl.sorted[i]
	bl.mostEnd--
}

// balanced reports whether the two ranges' levels differ by at most one.
func (bl *balancer) balanced() bool { return bl.mostLevel-bl.leastLevel <= 1 }
