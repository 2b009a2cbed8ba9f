package replay

import (
	"slices"
	"time"

	"github.com/kafkasim/kafkasim/scenarios"
)

// Consumer statuses, as the state shows them.
const (
	StatusNew     = "not started"
	StatusRunning = scenarios.StatusRunning
	StatusStalled = scenarios.StatusStalled
	StatusCrashed = scenarios.StatusCrashed
	StatusClosed  = scenarios.StatusClosed
	StatusClosing = "closing"
)

// State is the state of a run after one step. Its size depends on the
// number of partitions, groups and consumers, never on the timeline length.
type State struct {
	// Seq is the last step applied (-1: none); At its time.
	Seq int
	At  time.Duration
	// BrokerUp is false while the broker is down.
	BrokerUp bool
	// LogEnd is each partition's log end offset, by Index.Parts.
	LogEnd []int64
	// Groups is each group's coordinator state, by Index.Groups.
	Groups []Group
	// Cons is each consumer's state, by Index.Consumers.
	Cons []Consumer
}

// Group is a group as the coordinator sees it.
type Group struct {
	State      string
	Generation int32
	// Committed is the committed offset by partition index, -1 when none.
	Committed []int64
	// Members are the members the coordinator knows, in join order.
	Members []Member
}

// Member is a group member.
type Member struct {
	Consumer string
	ID       string
}

// Consumer is a consumer as the timeline shows it.
type Consumer struct {
	Status     string
	Member     string
	Generation int32
	// Assigned is true for each partition index it owns.
	Assigned []bool
	// Pos is the fetch position by partition index (-1: unknown).
	Pos []int64
	// InFlight are the messages delivered whose processing has not ended.
	InFlight []Msg
	// Delivered and Effects count deliveries and side effects so far.
	Delivered, Effects int
}

// Msg names a message by partition index and offset.
type Msg struct {
	P   int
	Off int64
}

func (x *Index) initial() State {
	st := State{Seq: -1, BrokerUp: true, LogEnd: make([]int64, len(x.Parts))}
	for range x.Groups {
		st.Groups = append(st.Groups, Group{State: "Empty", Committed: filled(len(x.Parts))})
	}
	for range x.Consumers {
		st.Cons = append(st.Cons, Consumer{Status: StatusNew, Generation: -1, Assigned: make([]bool, len(x.Parts)), Pos: filled(len(x.Parts))})
	}
	return st
}

func filled(n int) []int64 {
	s := make([]int64, n)
	for i := range s {
		s[i] = -1
	}
	return s
}

// Clone returns a deep copy.
func (s State) Clone() State {
	s.LogEnd = slices.Clone(s.LogEnd)
	s.Groups = slices.Clone(s.Groups)
	for i := range s.Groups {
		s.Groups[i].Committed = slices.Clone(s.Groups[i].Committed)
		s.Groups[i].Members = slices.Clone(s.Groups[i].Members)
	}
	s.Cons = slices.Clone(s.Cons)
	for i := range s.Cons {
		c := &s.Cons[i]
		c.Assigned = slices.Clone(c.Assigned)
		c.Pos = slices.Clone(c.Pos)
		c.InFlight = slices.Clone(c.InFlight)
	}
	return s
}

func (g *Group) removeConsumer(id string) {
	g.Members = slices.DeleteFunc(g.Members, func(m Member) bool { return m.Consumer == id })
}

// Apply applies one event.
func (s *State) Apply(x *Index, e *scenarios.Event) {
	s.Seq, s.At = e.Seq, e.At
	p := x.PartIndex(e.TP())
	var g *Group
	if gi := x.GroupIndex(e.Group); gi >= 0 {
		g = &s.Groups[gi]
	}
	switch e.Kind {
	case scenarios.KindProduce:
		if p >= 0 && e.Offset+1 > s.LogEnd[p] {
			s.LogEnd[p] = e.Offset + 1
		}
	case scenarios.KindBrokerDown:
		s.BrokerUp = false
	case scenarios.KindBrokerUp:
		s.BrokerUp = true
	case scenarios.KindGroupState:
		if g != nil {
			g.State = e.State
			if e.Generation >= 0 {
				g.Generation = e.Generation
			}
			if e.State == "Empty" || e.State == "Dead" {
				g.Members = nil
			}
		}
	case scenarios.KindOffsetsExpired:
		if g != nil {
			for i := range g.Committed {
				g.Committed[i] = -1
			}
		}
	case scenarios.KindCommitOK:
		if g != nil && p >= 0 {
			g.Committed[p] = e.Offset
		}
	case scenarios.KindMemberExpired:
		if g != nil {
			g.Members = slices.DeleteFunc(g.Members, func(m Member) bool { return m.ID == e.Member })
		}
	}
	ci := x.ConsumerIndex(e.Actor)
	if ci < 0 || !isConsumer(e) {
		return
	}
	c := &s.Cons[ci]
	if e.Member != "" {
		c.Member = e.Member
	}
	if e.Generation >= 0 {
		c.Generation = e.Generation
	}
	reset := func() {
		for i := range c.Assigned {
			c.Assigned[i] = false
			c.Pos[i] = -1
		}
		c.InFlight = nil
	}
	switch e.Kind {
	case scenarios.KindStart, scenarios.KindRestart:
		c.Status = StatusRunning
		c.Member = ""
		reset()
	case scenarios.KindResume:
		c.Status = StatusRunning
	case scenarios.KindStall:
		c.Status = StatusStalled
	case scenarios.KindCrash:
		c.Status = StatusCrashed
		reset()
	case scenarios.KindClose:
		c.Status = StatusClosing
	case scenarios.KindClosed:
		c.Status = StatusClosed
		reset()
	case scenarios.KindJoin:
		if g != nil {
			g.removeConsumer(e.Actor)
			g.Members = append(g.Members, Member{Consumer: e.Actor, ID: e.Member})
		}
	case scenarios.KindLeave, scenarios.KindMaxPoll:
		if g != nil {
			g.removeConsumer(e.Actor)
		}
	case scenarios.KindAssign:
		for _, tp := range e.Partitions {
			if q := x.PartIndex(tp); q >= 0 {
				c.Assigned[q] = true
			}
		}
	case scenarios.KindRevoke, scenarios.KindLost:
		for _, tp := range e.Partitions {
			if q := x.PartIndex(tp); q >= 0 {
				c.Assigned[q] = false
				c.Pos[q] = -1
			}
		}
	case scenarios.KindPosition:
		if p >= 0 {
			c.Pos[p] = e.Offset
		}
	case scenarios.KindDeliver:
		c.Delivered++
		if p >= 0 {
			c.Pos[p] = e.Offset + 1
			c.InFlight = append(c.InFlight, Msg{p, e.Offset})
		}
	case scenarios.KindEffect, scenarios.KindEffectSkipped, scenarios.KindProcessFailed:
		if e.Kind == scenarios.KindEffect {
			c.Effects++
		}
		c.InFlight = slices.DeleteFunc(c.InFlight, func(m Msg) bool { return m.P == p && m.Off == e.Offset })
	}
}

// Owner returns the consumer index that owns partition p in group g at
// this state, or -1.
func (s *State) Owner(x *Index, g, p int) int {
	for ci := range s.Cons {
		if x.ConsGroup[ci] == x.Groups[g] && s.Cons[ci].Assigned[p] {
			return ci
		}
	}
	return -1
}
