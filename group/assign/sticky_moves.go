package assign

import "slices"

// movePair is a move of partitions from one member to another within one
// run of the sticky algorithm.
type movePair struct{ from, to int }

// movements remembers, during one run, where each moved partition started
// and where it is now (librdkafka's PartitionMovements), so that a later
// move in the opposite direction can undo an earlier one instead of moving
// a second partition.
type movements struct {
	byPartition map[int]movePair
	byTopic     map[string]map[movePair][]int // partitions per move, oldest first
}

func newMovements() movements {
	return movements{byPartition: map[int]movePair{}, byTopic: map[string]map[movePair][]int{}}
}

// partitionToMove is the partition to move when p of topic should go from
// from to to: the oldest partition of the same topic that moved from to to
// from earlier in the run, else p itself.
func (mv movements) partitionToMove(topic string, p, from, to int) int {
	pairs, ok := mv.byTopic[topic]
	if !ok {
		return p
	}
	if back := pairs[movePair{from: to, to: from}]; len(back) > 0 {
		return back[0]
	}
	return p
}

// record notes that p of topic moves from from to to. A partition moving
// back to where it started is forgotten.
func (mv movements) record(topic string, p, from, to int) {
	start := from
	if earlier, ok := mv.byPartition[p]; ok {
		mv.forget(topic, p, earlier)
		start = earlier.from
	}
	if start == to {
		return
	}
	pair := movePair{from: start, to: to}
	mv.byPartition[p] = pair
	if mv.byTopic[topic] == nil {
		mv.byTopic[topic] = map[movePair][]int{}
	}
	mv.byTopic[topic][pair] = append(mv.byTopic[topic][pair], p)
}

// forget removes the record of p's earlier move.
func (mv movements) forget(topic string, p int, earlier movePair) {
	delete(mv.byPartition, p)
	pairs := mv.byTopic[topic]
	list := slices.DeleteFunc(pairs[earlier], func(q int) bool { return q == p })
	if len(list) == 0 {
		delete(pairs, earlier)
	} else {
		pairs[earlier] = list
	}
	if len(pairs) == 0 {
		delete(mv.byTopic, topic)
	}
}
