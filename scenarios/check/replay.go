package check

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/scenarios"
)

// Replay runs a counterexample again: the scenario file a failing check
// wrote (or any file of that shape: one topic, its producers, the
// consumers, a script of start, crash, close, restart, stall, resume,
// produce and broker steps) with cfg's App (or Handler) as every
// consumer's app, and judges it by cfg.Guarantee. It returns the Failure
// if the consumer still breaks a rule, nil once it keeps them: keep the
// file and this call as a regression test. The run is the check's own,
// so it is the same run as the one that failed, byte for byte, as long as
// the app is the same and deterministic.
func Replay(t *testing.T, file string, cfg Config) *Failure {
	t.Helper()
	cfg = cfg.withDefaults()
	cfg.tt = t
	if cfg.Name == "" {
		cfg.Name = t.Name()
	}
	if err := cfg.validate(); err != nil {
		return configFailure(&cfg, err)
	}
	return replayFile(t, file, cfg)
}

// replayFile is Replay of file with a ready cfg.
func replayFile(t *testing.T, file string, cfg Config) *Failure {
	sc, err := scenarios.Load(file)
	if err != nil {
		return configFailure(&cfg, fmt.Errorf("replay %s: %w", file, err))
	}
	if len(sc.Topics) > 0 {
		cfg.Topic = sc.Topics[0].Name
	}
	// A counterexample that shows a loss (showLoss) is judged as it was
	// found: past the early commit, to the loss. Its summary says where
	// the heal phase began, for the report.
	summary, latency := cutLatency(sc.Summary)
	rule, heal, _ := strings.Cut(summary, " (heal phase from T=")
	cfg.showLoss = strings.HasSuffix(rule, ": LOST")
	var healAt time.Duration
	if d, err := time.ParseDuration(strings.TrimSuffix(heal, ")")); err == nil && heal != "" {
		healAt = d
	}
	cfg.tt = t
	res := execute(sc, &cfg, cfg.App != nil, latency)
	res.healAt = healAt
	if res.err != nil {
		return configFailure(&cfg, fmt.Errorf("replay %s: %w", file, res.err))
	}
	f := res.failureOf(&cfg)
	if f != nil {
		f.File = file
	}
	return f
}

// execute runs a scenario's script as a case: the invariants after every
// step, the outcome at the end.
func execute(sc *scenarios.Scenario, cfg *Config, bubble bool, latency time.Duration) *caseResult {
	res := &caseResult{sc: sc, latency: latency}
	w, err := newWorld(sc, cfg, cfg.app(), bubble, caseLabel(), latency)
	if err != nil {
		res.err = err
		return res
	}
	defer w.close()
	chk := newChecker(cfg, w)
	script := slices.Clone(sc.Script)
	for _, c := range sc.Consumers {
		if c.Start != nil && *c.Start > 0 {
			script = append(script, scenarios.Action{At: *c.Start, Do: scenarios.DoStart, Consumer: c.ID})
		}
	}
	slices.SortStableFunc(script, func(a, b scenarios.Action) int { return int(a.At - b.At) })
	w.setup()
	for _, a := range script {
		res.notes = append(res.notes, w.act(a))
		if p := w.problem(); p != nil {
			res.problems = append(res.problems, *p)
			break
		}
		if p := chk.feed(w.events); p != nil {
			res.problems = append(res.problems, *p)
			break
		}
	}
	if len(res.problems) == 0 {
		w.runTo(max(sc.Duration, w.now()+time.Second))
		if p := w.problem(); p != nil {
			res.problems = append(res.problems, *p)
		}
	}
	w.finish()
	if p := w.leaks(); p != nil && len(res.problems) == 0 {
		res.problems = append(res.problems, *p)
	}
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
	if cfg.showLoss {
		res.problems = lostFirst(res.problems)
	}
	return res
}
