package check

import (
	"fmt"
	"time"

	"github.com/kafkasim/kafkasim/scenarios"
)

// checker checks the safety invariants of docs/guarantees.md event by event.
// feed is called after every step of a case with the whole timeline so far;
// it looks at the events it has not seen and returns the first violation.
//
// Checked: 1 (dense, append-only log), 2 (contiguous deliveries within an
// epoch), 3 (one owner per partition per generation), 4 (fenced commits),
// 5 (committed offset ≤ log end), 6 (under an at-least-once claim, every
// offset below an accepted commit has had an effect) and 8 (time never goes
// back). Invariant 7 (timers fire on time) is left to the simulator's own
// tests: the timeline does not show when a timer was due.
type checker struct {
	noLoss  bool
	next    int
	lastAt  int64
	logEnd  map[scenarios.TP]int64
	epoch   map[epochKey]int64 // last delivered offset in the epoch; -1: position known
	posAt   map[epochKey]int64 // the epoch's start position
	owner   map[scenarios.TP]holding
	gen     int32
	genSet  bool
	removed map[string]bool
	effects map[scenarios.TP]map[int64]bool
	done    map[scenarios.TP]int64 // offsets below this all have an effect
}

type epochKey struct {
	actor, member string
	gen           int32
	tp            scenarios.TP
}

type holding struct {
	actor string
	gen   int32
}

func newChecker(cfg *Config) *checker {
	return &checker{
		noLoss: cfg.Guarantee.noLoss() && !cfg.showLoss,
		logEnd: map[scenarios.TP]int64{}, epoch: map[epochKey]int64{}, posAt: map[epochKey]int64{},
		owner: map[scenarios.TP]holding{}, removed: map[string]bool{},
		effects: map[scenarios.TP]map[int64]bool{}, done: map[scenarios.TP]int64{},
	}
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

func (c *checker) event(e *scenarios.Event) *problem {
	bad := func(rule, format string, args ...any) *problem {
		return &problem{rule: rule, text: fmt.Sprintf(format, args...), seq: e.Seq, tp: e.TP(), off: e.Offset}
	}
	if int64(e.At) < c.lastAt {
		return bad("invariant 8 (time never goes back)", "event %d at T=%s comes after T=%s", e.Seq, scenarios.FormatDuration(e.At), scenarios.FormatDuration(time.Duration(c.lastAt)))
	}
	c.lastAt = int64(e.At)
	tp := e.TP()
	ek := epochKey{e.Actor, e.Member, e.Generation, tp}
	switch e.Kind {
	case scenarios.KindProduce:
		if e.Offset != c.logEnd[tp] {
			return bad("invariant 1 (dense append-only log)", "%s: a message was appended at offset %d, but the log end was %d", tp, e.Offset, c.logEnd[tp])
		}
		c.logEnd[tp] = e.Offset + 1
	case scenarios.KindPosition:
		c.posAt[ek] = e.Offset
		delete(c.epoch, ek)
	case scenarios.KindDeliver:
		if last, ok := c.epoch[ek]; ok && e.Offset != last+1 {
			return bad("invariant 2 (contiguous deliveries)", "%s delivered %s@%d right after @%d in the same assignment (member %s, generation %d)", e.Actor, tp, e.Offset, last, e.Member, e.Generation)
		}
		if pos, ok := c.posAt[ek]; ok {
			delete(c.posAt, ek)
			if e.Offset != pos {
				return bad("invariant 2 (contiguous deliveries)", "%s started %s at offset %d, but its position was %d", e.Actor, tp, e.Offset, pos)
			}
		}
		c.epoch[ek] = e.Offset
	case scenarios.KindEffect:
		m := c.effects[tp]
		if m == nil {
			m = map[int64]bool{}
			c.effects[tp] = m
		}
		m[e.Offset] = true
	case scenarios.KindAssign:
		for _, p := range e.Partitions {
			if h, ok := c.owner[p]; ok && h.actor != e.Actor && h.gen == e.Generation && e.Generation >= 0 {
				return bad("invariant 3 (one owner per partition)", "%s was assigned to %s in generation %d while %s still owned it in that generation", p, e.Actor, e.Generation, h.actor)
			}
			c.owner[p] = holding{e.Actor, e.Generation}
			delete(c.epoch, epochKey{e.Actor, e.Member, e.Generation, p})
		}
	case scenarios.KindRevoke, scenarios.KindLost:
		for _, p := range e.Partitions {
			if h, ok := c.owner[p]; ok && h.actor == e.Actor {
				delete(c.owner, p)
			}
			delete(c.epoch, epochKey{e.Actor, e.Member, e.Generation, p})
		}
	case scenarios.KindCrash, scenarios.KindClosed, scenarios.KindRestart:
		for p, h := range c.owner {
			if h.actor == e.Actor {
				delete(c.owner, p)
			}
		}
	case scenarios.KindGroupState:
		if e.Generation >= 0 {
			c.gen, c.genSet = e.Generation, true
		}
	case scenarios.KindMemberExpired, scenarios.KindLeave:
		if e.Member != "" {
			c.removed[e.Member] = true
		}
	case scenarios.KindJoin:
		if e.Member != "" {
			delete(c.removed, e.Member)
		}
	case scenarios.KindCommitOK:
		if (e.Member != "" && c.removed[e.Member]) || (c.genSet && e.Generation >= 0 && e.Generation != c.gen) {
			return bad("invariant 4 (fenced commits): STALE-COMMIT-ACCEPTED", "the commit of %s@%d by %s (member %s, generation %d) was accepted although the group is at generation %d or the member had been removed", tp, e.Offset, e.Actor, e.Member, e.Generation, c.gen)
		}
		if e.Offset > c.logEnd[tp] {
			return bad("invariant 5 (commit ≤ log end): COMMIT-BEYOND-END", "%s committed %s@%d past the log end %d", e.Actor, tp, e.Offset, c.logEnd[tp])
		}
		if c.noLoss {
			d := c.done[tp]
			for d < e.Offset && c.effects[tp][d] {
				d++
			}
			c.done[tp] = d
			if o := d; o < e.Offset {
				return &problem{rule: "invariant 6 (commit after process): COMMITTED-TOO-FAR",
					text: fmt.Sprintf("%s committed %s@%d (%s) while offset %d had had no effect yet", e.Actor, tp, e.Offset, e.Commit, o),
					seq:  e.Seq, tp: tp, off: o}
			}
		}
	}
	return nil
}
