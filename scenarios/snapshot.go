package scenarios

import (
	"slices"
	"time"
)

// Snapshot is the state of a run after one timeline event, as JSON-ready
// data: the form of a StepState (Steps.At) that lists only what has
// appeared by then, by name. It is built from the events alone, so it
// works for a Result loaded from JSON and for runs against real brokers.
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
	// Status is running, stalled, crashed or closed (a consumer that is
	// closing is still running).
	Status string `json:"status"`
	// Assigned is the current assignment, sorted (none once crashed).
	Assigned []TP `json:"assigned"`
	// InFlight lists offsets delivered whose processing has not finished.
	InFlight []CommittedOffset `json:"in_flight"`
	// Delivered counts messages delivered to this consumer so far.
	Delivered int `json:"delivered"`
	// Effects counts completed side effects so far.
	Effects int `json:"effects"`
}

// Snapshot is the state after step i (i < 0: before the first event; i
// past the end: after the last), listing the partitions, groups and
// consumers that have appeared by then.
func (x *Steps) Snapshot(i int) Snapshot {
	i = min(i, x.Len()-1)
	st := x.At(i)
	s := Snapshot{Seq: st.Seq, At: st.At, Broker: "up", Partitions: []PartitionState{}, Groups: []GroupState{}, Consumers: []ConsumerState{}}
	if !st.BrokerUp {
		s.Broker = "down"
	}
	for p, tp := range x.Parts {
		if int(x.partFirst[p]) <= i {
			s.Partitions = append(s.Partitions, PartitionState{Topic: tp.Topic, Partition: tp.Partition, LogEnd: st.LogEnd[p]})
		}
	}
	for g, id := range x.Groups {
		if int(x.grpFirst[g]) > i {
			continue
		}
		gs := st.Groups[g]
		out := GroupState{Group: id, State: gs.State, Generation: gs.Generation, Committed: []CommittedOffset{}}
		for p, off := range gs.Committed {
			if off >= 0 {
				out.Committed = append(out.Committed, CommittedOffset{x.Parts[p].Topic, x.Parts[p].Partition, off})
			}
		}
		s.Groups = append(s.Groups, out)
	}
	for c, id := range x.Consumers {
		if int(x.consFirst[c]) > i {
			continue
		}
		cs := st.Cons[c]
		out := ConsumerState{ID: id, Group: x.ConsGroup[c], Member: cs.Member, Generation: cs.Generation, Status: cs.Status,
			Assigned: []TP{}, InFlight: []CommittedOffset{}, Delivered: cs.Delivered, Effects: cs.Effects}
		if out.Status == StatusClosing || out.Status == StatusNew {
			out.Status = StatusRunning
		}
		for p, a := range cs.Assigned {
			if a && cs.Status != StatusCrashed { // a snapshot's crashed consumer owns nothing
				out.Assigned = append(out.Assigned, x.Parts[p])
			}
		}
		for _, m := range cs.InFlight {
			out.InFlight = append(out.InFlight, CommittedOffset{x.Parts[m.P].Topic, x.Parts[m.P].Partition, m.Off})
		}
		slices.SortFunc(out.InFlight, func(a, b CommittedOffset) int {
			if c := tpLess(TP{a.Topic, a.Partition}, TP{b.Topic, b.Partition}); c != 0 {
				return c
			}
			return int(a.Offset - b.Offset)
		})
		s.Consumers = append(s.Consumers, out)
	}
	return s
}

// SnapshotAt is the state after event i (i < 0: before the first event; i
// past the end: after the last). It indexes the run (NewSteps); to look
// at many steps, index it once and call Steps.Snapshot.
func (r *Result) SnapshotAt(i int) Snapshot { return NewSteps(r).Snapshot(i) }

// SnapshotAtTime is the state after every event at or before virtual time t.
func (r *Result) SnapshotAtTime(t time.Duration) Snapshot {
	x := NewSteps(r)
	s := x.Snapshot(x.StepAtTime(t))
	s.At = t
	return s
}
