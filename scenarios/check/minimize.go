package check

import (
	"slices"
	"strings"
	"time"

	"github.com/kafkasim/kafkasim/client"

	"github.com/kafkasim/kafkasim/scenarios"
)

// Schedules are shrunk twice. rapid shrinks the draws of a case, which
// removes most steps; but a step it draws is several draws (which action,
// which consumer), and a stall is only harmless without its resume, so it
// leaves pairs it cannot take out one draw at a time. minimize then
// removes steps from the schedule itself, pairs first, then single steps,
// and keeps each removal after which the case still breaks the same rule,
// rerunning the case from its topology and remaining steps (the heal
// phase is run afresh each time).

// Bounds of the second shrinking: it stops after minimizeRuns reruns or
// minimizeTime, whichever comes first.
const (
	minimizeRuns = 400
	minimizeTime = 3 * time.Second
)

// minimize returns a case with fewer chaos steps that breaks the same
// rule as res, or res.
func minimize(cfg *Config, res *caseResult) *caseResult {
	if len(res.problems) == 0 {
		return res
	}
	rule := res.problems[0].rule
	chaos := res.chaos()
	best := res
	start := time.Now()
	runs := 0
	for changed := true; changed; {
		changed = false
		for _, size := range []int{2, 1} {
			for i := 0; i+size <= len(chaos); i++ {
				if runs >= minimizeRuns || time.Since(start) > minimizeTime {
					return best
				}
				cand := slices.Concat(chaos[:i], chaos[i+size:])
				runs++
				r := runChaos(cfg, res.sc, cand, res.healAt, res.faults, res.latency)
				if len(r.problems) > 0 && r.problems[0].rule == rule && r.err == nil {
					chaos, best, changed = cand, r, true
					i--
				}
			}
		}
	}
	return best
}

// chaos are the case's steps before its heal phase.
func (r *caseResult) chaos() []scenarios.Action {
	var out []scenarios.Action
	for _, a := range r.sc.Script {
		if r.healAt > 0 && a.At >= r.healAt {
			break
		}
		out = append(out, a)
	}
	return out
}

// runChaos runs a case from base's topology and the chaos steps given (at
// their times, checked after each), then waits until the heal phase's
// time (healAt; for a case that failed during its chaos, until base's end)
// and runs the heal phase and the verdict, as drawAndRun does.
func runChaos(cfg *Config, base *scenarios.Scenario, chaos []scenarios.Action, healAt time.Duration, faults Faults, latency time.Duration) *caseResult {
	if cfg.Setup != nil {
		cfg.Setup()
	}
	sc := *base
	sc.Script = nil
	sc.Consumers = slices.Clone(base.Consumers)
	res := &caseResult{sc: &sc, faults: faults, latency: latency}
	w, err := newWorld(&sc, cfg, cfg.app(), cfg.App != nil, caseLabel(), latency)
	if err != nil {
		res.err = err
		return res
	}
	defer w.close()
	chk := newChecker(cfg, w)
	w.setup()
	failed := func() bool {
		if p := w.problem(); p != nil {
			res.problems = append(res.problems, *p)
		} else if p := chk.feed(w.events); p != nil {
			res.problems = append(res.problems, *p)
		}
		if len(res.problems) == 0 {
			return false
		}
		end := w.events[len(w.events)-1].At.Truncate(time.Millisecond) + time.Second
		w.runTo(end)
		sc.Duration = end
		res.events = w.events
		res.outcome = scenarios.Classify(w.events)
		return true
	}
	brokerDown := false
	for _, a := range chaos {
		sc.Script = append(sc.Script, a)
		res.notes = append(res.notes, w.act(a))
		switch a.Do {
		case scenarios.DoBrokerDown:
			brokerDown = true
		case scenarios.DoBrokerUp:
			brokerDown = false
		}
		if failed() {
			return res
		}
	}
	cursor := healAt - time.Second
	if healAt <= 0 {
		cursor = base.Duration
	}
	w.runTo(cursor)
	if failed() {
		return res
	}
	step := len(chaos)
	script := func(a scenarios.Action) {
		step++
		a.At = cursor + time.Duration(step)*time.Microsecond
		sc.Script = append(sc.Script, a)
		res.notes = append(res.notes, w.act(a))
	}
	heal(w, res, chk, &cursor, &step, brokerDown, script)
	if w.err != nil {
		res.err = w.err
		return res
	}
	res.events = w.events
	if len(res.problems) == 0 {
		if p := chk.feed(w.events); p != nil {
			res.problems = append(res.problems, *p)
		}
	}
	res.outcome = scenarios.Classify(w.events)
	if len(res.problems) == 0 {
		w.do(func() { res.problems = judge(cfg.Guarantee, &res.outcome, w) })
	}
	return res
}

// showLoss turns a commit ahead of processing into the loss it stands for:
// when res failed because a consumer committed past a message it had not
// processed (invariant 6), the same schedule with that consumer crashing
// right after the commit loses the message, and that case is the clearer
// counterexample. It returns nil when there is none (the guarantee does
// not forbid loss, crashes are not among the fault kinds, or no message
// is lost).
func showLoss(cfg *Config, res *caseResult) *caseResult {
	if len(res.problems) == 0 || !cfg.Guarantee.noLoss() || cfg.faults()&Crash == 0 {
		return nil
	}
	p := res.problems[0]
	if !strings.Contains(p.rule, "COMMITTED-TOO-FAR") || p.seq < 0 || p.seq >= len(res.events) {
		return nil
	}
	commit := res.events[p.seq]
	var chaos []scenarios.Action
	for _, a := range res.chaos() {
		if a.At <= commit.At {
			chaos = append(chaos, a)
		}
	}
	chaos = append(chaos, scenarios.Action{At: commit.At + time.Microsecond, Do: scenarios.DoCrash, Consumer: commit.Actor, Partition: client.PartitionAny})
	c := *cfg
	c.showLoss = true
	r := runChaos(&c, res.sc, chaos, 0, res.faults|Crash, res.latency)
	if r.err != nil {
		return nil
	}
	r.problems = lostFirst(r.problems)
	if len(r.problems) == 0 || !strings.HasSuffix(r.problems[0].rule, ": LOST") {
		return nil
	}
	return r
}

// lostFirst puts the LOST messages first.
func lostFirst(ps []problem) []problem {
	var lost, rest []problem
	for _, q := range ps {
		if strings.HasSuffix(q.rule, ": LOST") {
			lost = append(lost, q)
		} else {
			rest = append(rest, q)
		}
	}
	return append(lost, rest...)
}
