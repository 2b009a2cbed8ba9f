package scenarios

import (
	"cmp"
	"slices"
	"time"
)

// Snapshot is the state of a run after one timeline event, reconstructed
// from the events alone (so it works for a Result loaded from JSON, and for
// runs against real brokers). The TUI shows it beside the timeline.
type Snapshot struct {
	// Seq is the last event applied (-1: before the first event).
	Seq int `json:"seq"`
	// At is that event's time.
	At time.Duration `json:"at_ns"`
	// Partitions is every partition seen, with its log end, sorted.
	Partitions []PartitionState `json:"partitions"`
	// Groups is every group seen, sorted by id.
	Groups []GroupState `json:"groups"`
	// Consumers is every consumer seen, in order of first appearance.
	Consumers []ConsumerState `json:"consumers"`
	// Broker is "up" or "down".
	Broker string `json:"broker"`
}

// PartitionState is a partition's log end.
type PartitionState struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	LogEnd    int64  `json:"log_end"`
}

// GroupState is a group's coordinator-side state and committed offsets.
type GroupState struct {
	Group      string `json:"group"`
	State      string `json:"state"`
	Generation int32  `json:"generation"`
	// Committed lists committed offsets, sorted by partition.
	Committed []CommittedOffset `json:"committed"`
}

// CommittedOffset is a group's committed offset for a partition.
type CommittedOffset struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
}

// Consumer statuses in a Snapshot.
const (
	StatusRunning = "running"
	StatusStalled = "stalled"
	StatusCrashed = "crashed"
	StatusClosed  = "closed"
)

// ConsumerState is a consumer as the timeline shows it.
type ConsumerState struct {
	ID         string `json:"id"`
	Group      string `json:"group"`
	Member     string `json:"member,omitempty"`
	Generation int32  `json:"generation"`
	Status     string `json:"status"`
	// Assigned is the current assignment, sorted.
	Assigned []TP `json:"assigned"`
	// InFlight lists offsets delivered whose processing has not finished.
	InFlight []CommittedOffset `json:"in_flight"`
	// Delivered counts messages delivered to this consumer so far.
	Delivered int `json:"delivered"`
	// Effects counts completed side effects so far.
	Effects int `json:"effects"`
}

// Replayer rebuilds Snapshots by applying events in order. The zero value is
// not ready; use NewReplayer.
type Replayer struct {
	snap      Snapshot
	partIndex map[TP]int
	groupIdx  map[string]int
	consIdx   map[string]int
}

// NewReplayer returns a Replayer at the state before any event.
func NewReplayer() *Replayer {
	return &Replayer{
		snap:      Snapshot{Seq: -1, Broker: "up"},
		partIndex: map[TP]int{},
		groupIdx:  map[string]int{},
		consIdx:   map[string]int{},
	}
}

func (r *Replayer) group(id string) *GroupState {
	i, ok := r.groupIdx[id]
	if !ok {
		r.snap.Groups = append(r.snap.Groups, GroupState{Group: id, State: "Empty", Generation: 0})
		slices.SortFunc(r.snap.Groups, func(a, b GroupState) int { return cmp.Compare(a.Group, b.Group) })
		for j, g := range r.snap.Groups {
			r.groupIdx[g.Group] = j
		}
		i = r.groupIdx[id]
	}
	return &r.snap.Groups[i]
}

func (r *Replayer) consumer(id, group string) *ConsumerState {
	i, ok := r.consIdx[id]
	if !ok {
		i = len(r.snap.Consumers)
		r.consIdx[id] = i
		r.snap.Consumers = append(r.snap.Consumers, ConsumerState{ID: id, Group: group, Generation: -1, Status: StatusRunning})
	}
	return &r.snap.Consumers[i]
}

func (r *Replayer) partition(tp TP) *PartitionState {
	i, ok := r.partIndex[tp]
	if !ok {
		r.snap.Partitions = append(r.snap.Partitions, PartitionState{Topic: tp.Topic, Partition: tp.Partition})
		slices.SortFunc(r.snap.Partitions, func(a, b PartitionState) int {
			return cmp.Or(cmp.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
		})
		for j, p := range r.snap.Partitions {
			r.partIndex[TP{p.Topic, p.Partition}] = j
		}
		i = r.partIndex[tp]
	}
	return &r.snap.Partitions[i]
}

func tpLess(a, b TP) int {
	return cmp.Or(cmp.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
}

func coLess(a, b CommittedOffset) int {
	return cmp.Or(cmp.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.Offset, b.Offset))
}

// Apply applies one event.
func (r *Replayer) Apply(e *Event) {
	r.snap.Seq, r.snap.At = e.Seq, e.At
	switch e.Kind {
	case KindProduce:
		p := r.partition(e.TP())
		if e.Offset+1 > p.LogEnd {
			p.LogEnd = e.Offset + 1
		}
	case KindBrokerDown:
		r.snap.Broker = "down"
	case KindBrokerUp:
		r.snap.Broker = "up"
	case KindGroupState:
		g := r.group(e.Group)
		g.State = e.State
		if e.Generation >= 0 {
			g.Generation = e.Generation
		}
	case KindOffsetsExpired:
		g := r.group(e.Group)
		g.Committed = nil
	case KindCommitOK:
		g := r.group(e.Group)
		set := false
		for i := range g.Committed {
			if g.Committed[i].Topic == e.Topic && g.Committed[i].Partition == e.Partition {
				g.Committed[i].Offset = e.Offset
				set = true
			}
		}
		if !set {
			g.Committed = append(g.Committed, CommittedOffset{e.Topic, e.Partition, e.Offset})
			slices.SortFunc(g.Committed, coLess)
		}
	}
	if e.Group == "" || e.Actor == "" || e.Actor == "script" || e.Actor == "broker" || len(e.Actor) > 6 && e.Actor[:6] == "group:" {
		return
	}
	if e.Kind == KindProduce {
		return
	}
	c := r.consumer(e.Actor, e.Group)
	if e.Member != "" {
		c.Member = e.Member
	}
	if e.Generation >= 0 {
		c.Generation = e.Generation
	}
	switch e.Kind {
	case KindStart, KindRestart, KindResume:
		c.Status = StatusRunning
		if e.Kind != KindResume {
			c.Assigned, c.InFlight = nil, nil
		}
	case KindStall:
		c.Status = StatusStalled
	case KindCrash:
		c.Status = StatusCrashed
		c.Assigned, c.InFlight = nil, nil
	case KindClosed:
		c.Status = StatusClosed
		c.Assigned, c.InFlight = nil, nil
	case KindAssign:
		c.Assigned = append(c.Assigned, e.Partitions...)
		slices.SortFunc(c.Assigned, tpLess)
		c.Assigned = slices.Compact(c.Assigned)
	case KindRevoke, KindLost:
		c.Assigned = slices.DeleteFunc(c.Assigned, func(tp TP) bool { return slices.Contains(e.Partitions, tp) })
	case KindDeliver:
		c.Delivered++
		c.InFlight = append(c.InFlight, CommittedOffset{e.Topic, e.Partition, e.Offset})
	case KindEffect, KindEffectSkipped, KindProcessFailed:
		if e.Kind == KindEffect {
			c.Effects++
		}
		c.InFlight = slices.DeleteFunc(c.InFlight, func(o CommittedOffset) bool {
			return o.Topic == e.Topic && o.Partition == e.Partition && o.Offset == e.Offset
		})
	}
}

// Snapshot returns a deep copy of the current state.
func (r *Replayer) Snapshot() Snapshot {
	s := r.snap
	s.Partitions = slices.Clone(s.Partitions)
	s.Groups = slices.Clone(s.Groups)
	for i := range s.Groups {
		s.Groups[i].Committed = slices.Clone(s.Groups[i].Committed)
	}
	s.Consumers = slices.Clone(s.Consumers)
	for i := range s.Consumers {
		s.Consumers[i].Assigned = slices.Clone(s.Consumers[i].Assigned)
		s.Consumers[i].InFlight = slices.Clone(s.Consumers[i].InFlight)
	}
	return s
}

// SnapshotAt is the state after event i (i < 0: before the first event; i
// past the end: after the last).
func (r *Result) SnapshotAt(i int) Snapshot {
	rp := NewReplayer()
	evs := r.Events()
	for j := 0; j <= i && j < len(evs); j++ {
		rp.Apply(&evs[j])
	}
	return rp.Snapshot()
}

// SnapshotAtTime is the state after every event at or before virtual time t.
func (r *Result) SnapshotAtTime(t time.Duration) Snapshot {
	rp := NewReplayer()
	evs := r.Events()
	for j := range evs {
		if evs[j].At > t {
			break
		}
		rp.Apply(&evs[j])
	}
	s := rp.Snapshot()
	s.At = t
	return s
}
