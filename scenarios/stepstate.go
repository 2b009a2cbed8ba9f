package scenarios

import (
	"slices"
	"strings"
	"time"
)

// Consumer statuses a StepState adds to the Snapshot ones.
const (
	// StatusNew: the consumer has not started yet.
	StatusNew = "not started"
	// StatusClosing: close() was called and has not returned.
	StatusClosing = "closing"
)

// StepState is the state of a run after one step, as Steps.At returns
// it. Its slices are indexed like the Steps' Parts, Groups and Consumers;
// its size depends on those, not on the length of the timeline.
type StepState struct {
	// Seq is the last event applied (-1: none); At its time.
	Seq int
	At  time.Duration
	// BrokerUp is false while the broker is down.
	BrokerUp bool
	// LogEnd is each partition's log end offset, by Steps.Parts.
	LogEnd []int64
	// Groups is each group's coordinator state, by Steps.Groups.
	Groups []StepGroup
	// Cons is each consumer's state, by Steps.Consumers.
	Cons []StepConsumer
}

// StepGroup is a group as the coordinator sees it.
type StepGroup struct {
	State      string
	Generation int32
	// Protocol is the assignor its members last joined with
	// ("range", "cooperative-sticky"), "" before any join.
	Protocol string
	// Committed is the committed offset by partition index, -1 when none.
	Committed []int64
	// Members are the members the coordinator knows, in join order.
	Members []StepMember
	// Owners is, for a group of the consumer group protocol (KIP-848),
	// the coordinator's members with what each is assigned now (its
	// reconciliation steps), in the order they joined; nil for classic
	// groups.
	Owners []StepOwner
}

// StepOwner is a member of a consumer-protocol group as the coordinator
// sees it.
type StepOwner struct {
	ID       string
	Consumer string // the consumer id, once its join was seen
	// Assigned is true for each partition index the coordinator assigned
	// it (not those it still has to revoke).
	Assigned []bool
	// Away: a static member that left with epoch -2; it stays a member,
	// with its partitions, until it returns or its session expires.
	Away bool
}

// Cooperative reports whether the group rebalances incrementally
// (KIP-429: cooperative-sticky; the consumer group protocol of KIP-848):
// members keep what they own while it rebalances.
func (g *StepGroup) Cooperative() bool {
	return strings.Contains(g.Protocol, "cooperative") || g.ConsumerProtocol()
}

// ConsumerProtocol reports whether the group uses the consumer group
// protocol of KIP-848 (group.protocol=consumer): no leader, no
// JoinGroup barrier; the broker assigns and members reconcile one
// heartbeat at a time.
func (g *StepGroup) ConsumerProtocol() bool { return g.Protocol == "consumer" }

// StepMember is a group member.
type StepMember struct {
	Consumer string
	ID       string
}

// StepConsumer is a consumer as the timeline shows it.
type StepConsumer struct {
	Status     string
	Member     string
	Generation int32
	// Assigned is true for each partition index it owns: what it took
	// in its last assignment, less what it gave up. A crashed consumer
	// keeps them until the coordinator expires its member.
	Assigned []bool
	// Pos is the fetch position by partition index (-1: unknown).
	Pos []int64
	// InFlight are the messages delivered whose processing has not ended.
	InFlight []StepMsg
	// Delivered and Effects count deliveries and side effects so far.
	Delivered, Effects int
}

// StepMsg names a message by partition index and offset.
type StepMsg struct {
	P   int
	Off int64
}

func (x *Steps) initial() StepState {
	st := StepState{Seq: -1, BrokerUp: true, LogEnd: make([]int64, len(x.Parts))}
	for range x.Groups {
		st.Groups = append(st.Groups, StepGroup{State: "Empty", Committed: filled(len(x.Parts))})
	}
	for range x.Consumers {
		st.Cons = append(st.Cons, StepConsumer{Status: StatusNew, Generation: -1, Assigned: make([]bool, len(x.Parts)), Pos: filled(len(x.Parts))})
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
func (s StepState) Clone() StepState {
	s.LogEnd = slices.Clone(s.LogEnd)
	s.Groups = slices.Clone(s.Groups)
	for i := range s.Groups {
		s.Groups[i].Committed = slices.Clone(s.Groups[i].Committed)
		s.Groups[i].Members = slices.Clone(s.Groups[i].Members)
		if o := s.Groups[i].Owners; o != nil {
			o = slices.Clone(o)
			for j := range o {
				o[j].Assigned = slices.Clone(o[j].Assigned)
			}
			s.Groups[i].Owners = o
		}
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

func (g *StepGroup) removeConsumer(id string) {
	g.Members = slices.DeleteFunc(g.Members, func(m StepMember) bool { return m.Consumer == id })
}

// Apply applies one event of x's run.
func (s *StepState) Apply(x *Steps, e *Event) {
	s.Seq, s.At = e.Seq, e.At
	p := x.PartIndex(e.TP())
	var g *StepGroup
	if gi := x.GroupIndex(e.Group); gi >= 0 {
		g = &s.Groups[gi]
	}
	switch e.Kind {
	case KindProduce:
		if p >= 0 && e.Offset+1 > s.LogEnd[p] {
			s.LogEnd[p] = e.Offset + 1
		}
	case KindBrokerDown:
		s.BrokerUp = false
	case KindBrokerUp:
		s.BrokerUp = true
	case KindGroupState:
		if g != nil {
			g.State = e.State
			if e.Generation >= 0 {
				g.Generation = e.Generation
			}
			if e.State == "Empty" || e.State == "Dead" {
				g.Members = nil
				g.Owners = nil
			}
		}
	case KindGroupEvent:
		if g != nil && e.Member != "" {
			g.applyOwner(x, e)
		}
	case KindOffsetsExpired:
		if g != nil {
			for i := range g.Committed {
				g.Committed[i] = -1
			}
		}
	case KindCommitOK:
		if g != nil && p >= 0 {
			g.Committed[p] = e.Offset
		}
	case KindMemberExpired:
		if g != nil {
			g.Members = slices.DeleteFunc(g.Members, func(m StepMember) bool { return m.ID == e.Member })
			g.Owners = slices.DeleteFunc(g.Owners, func(o StepOwner) bool { return o.ID == e.Member })
		}
		// A crashed member's partitions go with it.
		for ci := range s.Cons {
			if c := &s.Cons[ci]; c.Member == e.Member && c.Status == StatusCrashed {
				clear(c.Assigned)
			}
		}
	}
	ci := x.ConsumerIndex(e.Actor)
	if ci < 0 || !isStepConsumer(e) {
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
	case KindStart, KindRestart:
		c.Status = StatusRunning
		c.Member = ""
		reset()
	case KindResume:
		c.Status = StatusRunning
	case KindStall:
		c.Status = StatusStalled
	case KindCrash:
		// The coordinator still counts the member, with its partitions,
		// until its session expires: Assigned stays (Owner, Describe).
		c.Status = StatusCrashed
		for i := range c.Pos {
			c.Pos[i] = -1
		}
		c.InFlight = nil
	case KindClose:
		c.Status = StatusClosing
	case KindClosed:
		c.Status = StatusClosed
		reset()
	case KindJoin:
		if g != nil {
			g.removeConsumer(e.Actor)
			g.Members = append(g.Members, StepMember{Consumer: e.Actor, ID: e.Member})
			if proto := joinProtocol(e.Detail); proto != "" {
				g.Protocol = proto
			}
			for j := range g.Owners {
				if g.Owners[j].ID == e.Member {
					g.Owners[j].Consumer = e.Actor
				}
			}
		}
	case KindLeave, KindMaxPoll:
		if g != nil {
			g.removeConsumer(e.Actor)
			if e.Kind == KindLeave {
				// A member that left with epoch -1 is gone; a static one
				// that left with -2 stays (Away).
				g.Owners = slices.DeleteFunc(g.Owners, func(o StepOwner) bool { return o.ID == e.Member && !o.Away })
			}
		}
	case KindAssign:
		for _, tp := range e.Partitions {
			if q := x.PartIndex(tp); q >= 0 {
				c.Assigned[q] = true
			}
		}
	case KindRevoke, KindLost:
		for _, tp := range e.Partitions {
			if q := x.PartIndex(tp); q >= 0 {
				c.Assigned[q] = false
				c.Pos[q] = -1
			}
		}
	case KindPosition:
		if p >= 0 {
			c.Pos[p] = e.Offset
		}
	case KindDeliver:
		c.Delivered++
		if p >= 0 {
			c.Pos[p] = e.Offset + 1
			c.InFlight = append(c.InFlight, StepMsg{p, e.Offset})
		}
	case KindEffect, KindEffectSkipped, KindProcessFailed:
		if e.Kind == KindEffect {
			c.Effects++
		}
		c.InFlight = slices.DeleteFunc(c.InFlight, func(m StepMsg) bool { return m.P == p && m.Off == e.Offset })
	}
}

// applyOwner applies a consumer-protocol group's coordinator step for
// one member: a reconciliation (what it is assigned now) or a static
// member's leave with epoch -2.
func (g *StepGroup) applyOwner(x *Steps, e *Event) {
	static := e.Detail == staticLeftDetail
	if !static && !strings.HasPrefix(e.Detail, reconcilePrefix) {
		return
	}
	g.Protocol = "consumer"
	j := slices.IndexFunc(g.Owners, func(o StepOwner) bool { return o.ID == e.Member })
	if j < 0 {
		if static {
			return
		}
		g.Owners = append(g.Owners, StepOwner{ID: e.Member, Assigned: make([]bool, len(x.Parts))})
		j = len(g.Owners) - 1
		for _, m := range g.Members {
			if m.ID == e.Member {
				g.Owners[j].Consumer = m.Consumer
			}
		}
	}
	o := &g.Owners[j]
	if static {
		o.Away = true
		return
	}
	o.Away = false
	clear(o.Assigned)
	for _, tp := range e.Partitions {
		if q := x.PartIndex(tp); q >= 0 {
			o.Assigned[q] = true
		}
	}
}

// joinProtocol reads the assignor from a join event's detail ("leader,
// range", "follower, cooperative-sticky").
func joinProtocol(detail string) string {
	_, proto, ok := strings.Cut(detail, ", ")
	if !ok {
		return ""
	}
	return strings.TrimSpace(proto)
}

// Owner returns the consumer index that owns partition p in group g at
// this state, or -1.
func (s *StepState) Owner(x *Steps, g, p int) int {
	for ci := range s.Cons {
		if x.ConsGroup[ci] == x.Groups[g] && s.Cons[ci].Assigned[p] {
			return ci
		}
	}
	return -1
}
