package check

import (
	"fmt"
	"slices"
	"time"

	"github.com/kafkasim/kafkasim/scenarios"
)

// checker checks the safety invariants of docs/guarantees.md event by event.
// feed is called after every step of a case with the whole timeline so far;
// it looks at the events it has not seen and returns the first violation.
// Everything it knows about a group (generation, state, members, who holds
// which partition, what had an effect) is kept per group, so that a
// timeline with several groups is judged group by group.
//
// From the timeline it checks 1 (a dense, append-only log), 2 (contiguous
// deliveries within an epoch), 3 (one owner per partition per generation;
// with the coordinator's assignment at each move to Stable, which the
// world keeps: no partition given twice, none left out), 4 (fenced
// commits: an accepted commit comes from a member of the current
// generation, outside CompletingRebalance, that holds the partition; a
// generation −1 commit only to an Empty group), 5 (committed offset ≤ log
// end), 6 (under an at-least-once claim, every offset below an accepted
// commit has had an effect), 8 (time never goes back), and REORDERED for a
// Handler's loop (an effect before the first effect of an earlier offset
// only from a consumer that no longer holds the partition). The world
// checks the rest as it happens (hooks.go, world.go): invariant 1's one
// message per offset at every delivery and over the whole log at the end,
// and invariant 7's timers; judge checks 9 and 10 after the heal phase.
//
// A consumer group (KIP-848) has no generation its members share: each
// member's epoch is the one its last reconciliation step gave it, and
// invariants 3 and 4 are judged by it. An accepted commit carries its
// member's current epoch (a revoked partition's commit the epoch of the
// revocation, at which the member stays until it has confirmed it); a
// partition goes to a consumer only once its previous holder has revoked
// or lost it or was removed from the group; at each move to Stable every
// partition of the subscribed topics is exactly one member's.
type checker struct {
	noLoss bool
	// order: judge REORDERED (a Handler's loop processes one message at
	// a time; an App's own concurrency may reorder, as the worker pool
	// does, so an App is not judged).
	order bool
	// w, if set, holds the coordinator's assignment at each move to
	// Stable (world.stable).
	w      *world
	next   int
	lastAt int64
	logEnd map[scenarios.TP]int64
	groups map[string]*groupState
}

// groupState is what the checker knows of one group.
type groupState struct {
	gen    int32 // the generation (a consumer group's group epoch)
	genSet bool
	state  string
	// consumerProtocol: a consumer group (KIP-848), whose members commit
	// with their member epochs: the classic generation rules do not
	// apply to it; each member's gen is its member epoch.
	consumerProtocol bool
	members          map[string]*memberState
	// topics the group's consumers subscribed to.
	topics  map[string]bool
	holders map[scenarios.TP]*holding
	epoch   map[epochKey]int64 // last delivered offset in the epoch
	posAt   map[epochKey]int64 // the epoch's start position
	effects map[scenarios.TP]*partEffects
	done    map[scenarios.TP]int64 // offsets below this all have an effect
	// claimed are the partitions a consumer held when it rejoined, since
	// the group was last Stable: the owned partitions its JoinGroup
	// names, which a cooperative leader withholds from a new owner.
	claimed map[scenarios.TP]bool
}

// memberState is one member id of a group, as its consumer's events show it.
type memberState struct {
	actor   string
	gen     int32 // the generation (member epoch) it last joined
	removed bool  // expired, timed out, fenced or left
}

type epochKey struct {
	actor, member string
	gen           int32
	tp            scenarios.TP
}

// holding is a consumer holding a partition: from its assign to its revoke
// or loss, as its own events say.
type holding struct {
	actor, member string
	gen           int32 // the generation it was assigned in
	// released: revoked in an orderly way at generation relGen; the
	// commit of its revoke (or close, or a commit from the rebalance
	// callback) may still follow in that generation.
	released bool
	relGen   int32
}

// partEffects is what had an effect in one partition.
type partEffects struct {
	done  map[int64]bool // offsets with an effect
	max   int64          // the highest of them, -1 if none
	tried map[int64]bool // offsets whose processing failed or was skipped
}

func newChecker(cfg *Config, w *world) *checker {
	return &checker{
		noLoss: cfg.Guarantee.noLoss() && !cfg.showLoss,
		order:  cfg.builtin,
		w:      w,
		logEnd: map[scenarios.TP]int64{},
		groups: map[string]*groupState{},
	}
}

// group returns the state of group id.
func (c *checker) group(id string) *groupState {
	g := c.groups[id]
	if g == nil {
		g = &groupState{members: map[string]*memberState{}, topics: map[string]bool{}, holders: map[scenarios.TP]*holding{},
			epoch: map[epochKey]int64{}, posAt: map[epochKey]int64{}, effects: map[scenarios.TP]*partEffects{}, done: map[scenarios.TP]int64{},
			claimed: map[scenarios.TP]bool{}}
		if c.w != nil {
			g.consumerProtocol = c.w.consumerProtocol(id)
		}
		c.groups[id] = g
	}
	return g
}

// memberGen is the generation a holding counts in: its member's current
// one while the member is in the group, else the one it was assigned in.
func (g *groupState) memberGen(h *holding) int32 {
	if m := g.members[h.member]; m != nil && !m.removed && m.actor == h.actor {
		return max(m.gen, h.gen)
	}
	return h.gen
}

func (c *checker) feed(events []scenarios.Event) *problem {
	for ; c.next < len(events); c.next++ {
		if p := c.event(&events[c.next]); p != nil {
			c.next++
			return p
		}
	}
	return nil
}

// Rule names.
const (
	ruleLog      = "invariant 1 (dense append-only log)"
	ruleDeliver  = "invariant 2 (contiguous deliveries)"
	ruleOwner    = "invariant 3 (one owner per partition)"
	ruleFence    = "invariant 4 (fenced commits)"
	ruleEnd      = "invariant 5 (commit ≤ log end): COMMIT-BEYOND-END"
	ruleTooFar   = "invariant 6 (commit after process): COMMITTED-TOO-FAR"
	ruleTimer    = "invariant 7 (timers on time)"
	ruleTime     = "invariant 8 (time never goes back)"
	ruleOneValue = "invariant 1 (one message per offset)"
	ruleReorder  = "every strategy: REORDERED"
)

func (c *checker) event(e *scenarios.Event) *problem {
	bad := func(rule, format string, args ...any) *problem {
		return &problem{rule: rule, text: fmt.Sprintf(format, args...), seq: e.Seq, tp: e.TP(), off: e.Offset}
	}
	if int64(e.At) < c.lastAt {
		return bad(ruleTime, "event %d at T=%s comes after T=%s", e.Seq, scenarios.FormatDuration(e.At), scenarios.FormatDuration(time.Duration(c.lastAt)))
	}
	c.lastAt = int64(e.At)
	tp := e.TP()
	if e.Kind == scenarios.KindProduce {
		if e.Offset != c.logEnd[tp] {
			return bad(ruleLog, "%s: a message was appended at offset %d, but the log end was %d", tp, e.Offset, c.logEnd[tp])
		}
		c.logEnd[tp] = e.Offset + 1
		return nil
	}
	if e.Group == "" {
		return nil
	}
	g := c.group(e.Group)
	ek := epochKey{e.Actor, e.Member, e.Generation, tp}
	switch e.Kind {
	case scenarios.KindSubscribed:
		for _, t := range e.Topics {
			g.topics[t] = true
		}
	case scenarios.KindPosition:
		g.posAt[ek] = e.Offset
		delete(g.epoch, ek)
	case scenarios.KindDeliver:
		if last, ok := g.epoch[ek]; ok && e.Offset != last+1 {
			return bad(ruleDeliver, "%s delivered %s@%d right after @%d in the same assignment (member %s, generation %d)", e.Actor, tp, e.Offset, last, e.Member, e.Generation)
		}
		if pos, ok := g.posAt[ek]; ok {
			delete(g.posAt, ek)
			if e.Offset != pos {
				return bad(ruleDeliver, "%s started %s at offset %d, but its position was %d", e.Actor, tp, e.Offset, pos)
			}
		}
		g.epoch[ek] = e.Offset
	case scenarios.KindEffect:
		return c.effect(g, e, bad)
	case scenarios.KindEffectSkipped, scenarios.KindProcessFailed:
		pe := g.partEffects(tp)
		pe.tried[e.Offset] = true
	case scenarios.KindJoin:
		if e.Member != "" {
			g.members[e.Member] = &memberState{actor: e.Actor, gen: e.Generation}
		}
		if e.Detail == joinedDetail {
			g.consumerProtocol = true
		}
	case scenarios.KindGroupEvent:
		if g.consumerProtocol && isReconcileStep(e) {
			// The coordinator moved the member to this epoch: it is a
			// member (again, if it had been removed and rejoined).
			if m := g.members[e.Member]; m != nil && !m.removed {
				m.gen = e.Generation
			} else {
				g.members[e.Member] = &memberState{gen: e.Generation}
			}
		}
	case scenarios.KindRejoin:
		for p, h := range g.holders {
			if h.actor == e.Actor && !h.released {
				g.claimed[p] = true
			}
		}
	case scenarios.KindMemberExpired, scenarios.KindLeave:
		if m := g.members[e.Member]; m != nil {
			m.removed = true
		} else if e.Member != "" {
			g.members[e.Member] = &memberState{removed: true, gen: -1}
		}
	case scenarios.KindAssign:
		for _, p := range e.Partitions {
			if h := g.holders[p]; g.consumerProtocol && h != nil && h.actor != e.Actor && !h.released && !g.removed(h.member) {
				return bad(ruleOwner, "%s was assigned to %s (member epoch %d) while %s still owned it (member %s): it had neither revoked nor lost it and was still a member of the group",
					p, e.Actor, e.Generation, h.actor, h.member)
			}
			if h := g.holders[p]; !g.consumerProtocol && h != nil && h.actor != e.Actor && !h.released && e.Generation >= 0 && g.memberGen(h) == e.Generation {
				return bad(ruleOwner, "%s was assigned to %s in generation %d while %s still owned it in that generation", p, e.Actor, e.Generation, h.actor)
			}
			g.holders[p] = &holding{actor: e.Actor, member: e.Member, gen: e.Generation}
			delete(g.epoch, epochKey{e.Actor, e.Member, e.Generation, p})
		}
	case scenarios.KindRevoke:
		for _, p := range e.Partitions {
			if h := g.holders[p]; h != nil && h.actor == e.Actor {
				h.released, h.relGen = true, e.Generation
			}
			delete(g.epoch, epochKey{e.Actor, e.Member, e.Generation, p})
		}
	case scenarios.KindLost:
		for _, p := range e.Partitions {
			if h := g.holders[p]; h != nil && h.actor == e.Actor {
				delete(g.holders, p)
			}
			delete(g.epoch, epochKey{e.Actor, e.Member, e.Generation, p})
		}
	case scenarios.KindCrash, scenarios.KindClosed, scenarios.KindRestart:
		for p, h := range g.holders {
			if h.actor == e.Actor {
				delete(g.holders, p)
			}
		}
	case scenarios.KindGroupState:
		g.state = e.State
		if e.Generation >= 0 {
			g.gen, g.genSet = e.Generation, true
		}
		if e.State == "Stable" && c.w != nil {
			if snap := c.w.obs.stable[e.Seq]; snap != nil {
				return c.stable(g, e, snap, bad)
			}
		}
	case scenarios.KindCommitOK:
		if p := c.fenced(g, e, bad); p != nil {
			return p
		}
		if e.Offset > c.logEnd[tp] {
			return bad(ruleEnd, "%s committed %s@%d past the log end %d", e.Actor, tp, e.Offset, c.logEnd[tp])
		}
		if c.noLoss {
			d := g.done[tp]
			pe := g.effects[tp]
			for d < e.Offset && pe != nil && pe.done[d] {
				d++
			}
			g.done[tp] = d
			if o := d; o < e.Offset {
				return &problem{rule: ruleTooFar,
					text: fmt.Sprintf("%s committed %s@%d (%s) while offset %d had had no effect yet", e.Actor, tp, e.Offset, e.Commit, o),
					seq:  e.Seq, tp: tp, off: o}
			}
		}
	}
	return nil
}

// removed reports whether member id was removed from the group (left,
// expired, timed out or fenced) and has not joined again.
func (g *groupState) removed(id string) bool {
	m := g.members[id]
	return m != nil && m.removed
}

func (g *groupState) partEffects(tp scenarios.TP) *partEffects {
	pe := g.effects[tp]
	if pe == nil {
		pe = &partEffects{done: map[int64]bool{}, max: -1, tried: map[int64]bool{}}
		g.effects[tp] = pe
	}
	return pe
}

// effect records an effect and judges its order: the first effect of an
// offset after an effect of a later one (REORDERED) is what a consumer
// that lost the partition does when it finishes late (a zombie); from the
// partition's holder it means the loop skipped ahead.
func (c *checker) effect(g *groupState, e *scenarios.Event, bad func(string, string, ...any) *problem) *problem {
	tp := e.TP()
	pe := g.partEffects(tp)
	first := !pe.done[e.Offset]
	pe.done[e.Offset] = true
	later := pe.max
	pe.max = max(pe.max, e.Offset)
	if !c.order || !first || later <= e.Offset || pe.tried[e.Offset] {
		return nil
	}
	h := g.holders[tp]
	if h == nil || h.actor != e.Actor || h.released {
		return nil // a zombie, or a consumer that gave the partition up
	}
	if m := g.members[h.member]; m == nil || m.removed || (!g.consumerProtocol && g.genSet && g.memberGen(h) != g.gen) {
		return nil // no longer a member of the current generation
	}
	return bad(ruleReorder, "%s had its first effect of %s@%d after the effect of @%d although it held %s all along (member %s, generation %d): offsets were processed out of order",
		e.Actor, tp, e.Offset, later, tp, e.Member, e.Generation)
}

// fenced checks an accepted commit against the generation fence
// (invariant 4).
func (c *checker) fenced(g *groupState, e *scenarios.Event, bad func(string, string, ...any) *problem) *problem {
	tp := e.TP()
	gen := "generation"
	if g.consumerProtocol {
		gen = "member epoch"
	}
	stale := func(why string) *problem {
		return bad(ruleFence+": STALE-COMMIT-ACCEPTED", "the commit of %s@%d by %s (member %s, %s %d) was accepted although %s",
			tp, e.Offset, e.Actor, orDash(e.Member), gen, e.Generation, why)
	}
	if e.Generation < 0 {
		// A standalone commit (manual assign, admin): only to an Empty
		// (or unknown, or Dead) group.
		if g.state != "" && g.state != "Empty" && g.state != "Dead" {
			return stale(fmt.Sprintf("generation −1 commits are refused while the group is %s (generation %d)", g.state, g.gen))
		}
		return nil
	}
	if m := g.members[e.Member]; e.Member != "" && m != nil && m.removed {
		return stale("the member had been removed from the group")
	}
	if g.consumerProtocol {
		// KIP-848: the member's own epoch, exactly (STALE_MEMBER_EPOCH
		// for another, UNKNOWN_MEMBER_ID for a member not in the group).
		switch m := g.members[e.Member]; {
		case m == nil:
			return stale("the member never joined the group (UNKNOWN_MEMBER_ID expected)")
		case m.gen != e.Generation:
			return stale(fmt.Sprintf("the member is at epoch %d (STALE_MEMBER_EPOCH expected)", m.gen))
		}
	}
	if !g.consumerProtocol && g.genSet {
		if e.Generation != g.gen {
			return stale(fmt.Sprintf("the group is at generation %d (ILLEGAL_GENERATION expected)", g.gen))
		}
		if g.state == "CompletingRebalance" {
			return stale("the group is in CompletingRebalance, waiting for the leader's assignment (REBALANCE_IN_PROGRESS expected)")
		}
	}
	h := g.holders[tp]
	if h == nil || h.actor != e.Actor || (h.released && h.relGen != e.Generation) {
		owner := "nobody"
		if h != nil && h.actor != e.Actor && !h.released {
			owner = h.actor
		} else if h != nil && h.actor == e.Actor {
			owner = fmt.Sprintf("nobody (%s revoked it in generation %d)", e.Actor, h.relGen)
		}
		return bad(ruleFence+": commit from a non-owner", "%s committed %s@%d (%s, member %s, generation %d), a partition it does not own (owner: %s), and the commit was accepted",
			e.Actor, tp, e.Offset, e.Commit, orDash(e.Member), e.Generation, owner)
	}
	return nil
}

// stableSnap is the coordinator's assignment when a classic group became
// Stable (world.groupEvent).
type stableSnap struct {
	gen         int32
	cooperative bool
	assignment  map[string][]scenarios.TP // member id → partitions
	partitions  map[string]int32          // topic → partition count
}

// stable checks invariant 3 when the group becomes Stable: no partition
// of a subscribed topic in two members' assignments, none in nobody's (a
// cooperative group withholds the partitions that move until their owner
// has revoked them: those must still be held, or have been claimed by a
// consumer that rejoined for this generation, and lost since: a commit
// refused with ILLEGAL_GENERATION loses the assignment).
func (c *checker) stable(g *groupState, e *scenarios.Event, snap *stableSnap, bad func(string, string, ...any) *problem) *problem {
	defer clear(g.claimed)
	owner := map[scenarios.TP]string{}
	ids := make([]string, 0, len(snap.assignment))
	for id := range snap.assignment {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		for _, tp := range snap.assignment[id] {
			if o, ok := owner[tp]; ok {
				return bad(ruleOwner, "generation %d became Stable with %s assigned to both %s and %s", snap.gen, tp, o, id)
			}
			owner[tp] = id
		}
	}
	topics := make([]string, 0, len(g.topics))
	for t := range g.topics {
		topics = append(topics, t)
	}
	slices.Sort(topics)
	for _, t := range topics {
		for p := range snap.partitions[t] {
			tp := scenarios.TP{Topic: t, Partition: p}
			if _, ok := owner[tp]; ok {
				continue
			}
			if h := g.holders[tp]; snap.cooperative && (h != nil && !h.released || g.claimed[tp]) {
				continue // withheld until its owner revokes it (KIP-429)
			}
			return &problem{rule: ruleOwner, seq: e.Seq, tp: tp, off: -1,
				text: fmt.Sprintf("generation %d became Stable with %s assigned to nobody (members: %d)", snap.gen, tp, len(snap.assignment))}
		}
	}
	return nil
}
