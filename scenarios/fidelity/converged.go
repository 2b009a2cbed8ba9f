package fidelity

import (
	"maps"
	"slices"
	"strings"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios"
)

// consumerProtocolGroups returns the groups of s whose consumers use the
// consumer group protocol of KIP-848 (group.protocol=consumer).
func consumerProtocolGroups(s *scenarios.Scenario) map[string]bool {
	out := map[string]bool{}
	for _, c := range s.Consumers {
		if p, _ := c.Config["group.protocol"].(string); p == client.GroupProtocolConsumer {
			out[c.Group] = true
		}
	}
	return out
}

// convergeConsumerGroups replaces, in v, the assignments of s's groups of
// the consumer group protocol with their converged assignments
// (convergedAssignments), computed from r's timeline.
func convergeConsumerGroups(s *scenarios.Scenario, v *View, r *scenarios.Result) {
	groups := consumerProtocolGroups(s)
	if len(groups) == 0 {
		return
	}
	conv := convergedAssignments(r.Events(), groups)
	out := v.Assignments[:0:0]
	for _, ga := range v.Assignments {
		if !groups[ga.Group] {
			out = append(out, ga)
		}
	}
	out = append(out, conv...)
	slices.SortFunc(out, func(a, b GroupAssignments) int { return strings.Compare(a.Group, b.Group) })
	v.Assignments = out
}

// convergedAssignments is Assignments for groups of the consumer group
// protocol (KIP-848). Such a group has no generations: every member has
// an epoch of its own and moves towards the target assignment at its own
// heartbeats, giving up and taking partitions one heartbeat at a time,
// so what a member owns right after an assign event depends on where its
// heartbeats fall, to the millisecond. What the protocol settles is the
// assignment the group converges to for each membership: a step is what
// the group's live consumers own right before one of them starts,
// restarts, crashes or is closed, and at the end of the run.
// Consecutive equal steps count once; steps in which nobody owns
// anything are left out. Groups are cooperative: on franz-go Check
// compares the partitions each member owns and keeps by count (kfake's
// uniform assignor need not pick the simulator's partitions).
func convergedAssignments(events []scenarios.Event, groups map[string]bool) []GroupAssignments {
	type groupState struct {
		owned map[string]map[scenarios.TP]bool
		steps []Assignment
	}
	states := map[string]*groupState{}
	step := func(gs *groupState) {
		snap := snapshot(gs.owned)
		if len(snap) == 0 {
			return
		}
		if n := len(gs.steps); n > 0 && equal(gs.steps[n-1], snap) {
			return
		}
		gs.steps = append(gs.steps, snap)
	}
	for _, e := range events {
		if !groups[e.Group] || strings.HasPrefix(e.Actor, "group:") {
			continue
		}
		gs := states[e.Group]
		if gs == nil {
			gs = &groupState{owned: map[string]map[scenarios.TP]bool{}}
			states[e.Group] = gs
		}
		own := gs.owned[e.Actor]
		if own == nil {
			own = map[scenarios.TP]bool{}
			gs.owned[e.Actor] = own
		}
		switch e.Kind {
		case scenarios.KindStart, scenarios.KindRestart, scenarios.KindCrash, scenarios.KindClose:
			step(gs)
			clear(own)
		case scenarios.KindRevoke, scenarios.KindLost:
			for _, tp := range e.Partitions {
				delete(own, tp)
			}
		case scenarios.KindAssign:
			for _, tp := range e.Partitions {
				own[tp] = true
			}
		}
	}
	var out []GroupAssignments
	for _, g := range slices.Sorted(maps.Keys(states)) {
		gs := states[g]
		step(gs)
		if len(gs.steps) > 0 {
			out = append(out, GroupAssignments{Group: g, Cooperative: true, Steps: gs.steps})
		}
	}
	return out
}
