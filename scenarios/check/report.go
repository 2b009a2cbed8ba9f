package check

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios"
)

// Failure is a counterexample: a case in which the consumer broke its
// guarantee or the simulator broke an invariant. Error is the readable
// report.
type Failure struct {
	// Guarantee is the guarantee checked.
	Guarantee Guarantee
	// Strategy is the handler's commit strategy.
	Strategy Strategy
	// Problems are the broken rules, first the one found first; each is
	// "rule: explanation".
	Problems []string
	// Schedule is the case's script, one line per step: time, action,
	// consumer and the fault point it hit ("while processing t[0]@3").
	Schedule []string
	// Timeline is the part of the timeline that tells the story: events of
	// the affected message and partition, and every fault.
	Timeline []string
	// Faults are the fault kinds the case's schedule uses (a kind the
	// case enabled but never drew is left out: it plays no part).
	Faults Faults
	// File is the scenario file written for the case, or the one
	// replayed ("" if writing failed; WriteErr says why).
	File string
	// WriteErr is why the scenario file could not be written.
	WriteErr error
	// Rerun is the flag that makes rapid search the same way again
	// ("-rapid.seed=N"), "" for a replay.
	Rerun string
	// Stale: the failure is that of a scenario file saved by an earlier
	// run, replayed; the search found nothing else. It was shrunk for the
	// code of that run and may not be minimal now.
	Stale bool
	// Err is set when the check could not run at all (ErrConfig, a
	// scenario file that does not load); Problems then holds its text.
	Err error
	// app: the consumer is an App, not a Handler.
	app bool
	// latency is the case's JoinGroup/SyncGroup latency (fence.go).
	latency time.Duration
	// res is the case it reports (for minimize); name is the test's.
	res  *caseResult
	name string
	// Scenario is the case as a scenario.
	Scenario *scenarios.Scenario
	// Outcome is the classification of every message.
	Outcome scenarios.Outcome
	// Events is the whole timeline.
	Events []scenarios.Event
}

// Error is the report.
func (f *Failure) Error() string {
	var b strings.Builder
	if f.Err != nil {
		return f.Err.Error()
	}
	if f.app {
		fmt.Fprintf(&b, "kafkasim/check: %s app broke a rule:\n", f.Guarantee)
	} else {
		fmt.Fprintf(&b, "kafkasim/check: %s consumer (strategy %s) broke a rule:\n", f.Guarantee, f.Strategy)
	}
	for i, p := range f.Problems {
		if i == 3 {
			fmt.Fprintf(&b, "  ... and %d more\n", len(f.Problems)-3)
			break
		}
		fmt.Fprintf(&b, "  %s\n", p)
	}
	fmt.Fprintf(&b, "\n%s\n", describeTopology(f.Scenario, f.Faults))
	if f.latency > 0 {
		fmt.Fprintf(&b, "  JoinGroup/SyncGroup latency: %s (the check's own suite; kafkasim run answers at once)\n", scenarios.FormatDuration(f.latency))
	}
	fmt.Fprintf(&b, "\nschedule (%d steps):\n", len(f.Schedule))
	for _, s := range f.Schedule {
		fmt.Fprintf(&b, "  %s\n", s)
	}
	fmt.Fprintf(&b, "\ntimeline (the affected partition and the faults; the whole run: kafkasim run FILE):\n")
	for _, s := range f.Timeline {
		fmt.Fprintf(&b, "  %s\n", s)
	}
	switch {
	case f.File != "" && f.app:
		fmt.Fprintf(&b, "\nscenario file: %s\n  replay: check.Replay(t, %q, cfg)\n", f.File, f.File)
	case f.File != "":
		fmt.Fprintf(&b, "\nscenario file: %s\n  replay: kafkasim run %s\n  watch:  kafkasim tui %s\n", f.File, f.File, f.File)
	case f.WriteErr != nil:
		fmt.Fprintf(&b, "\nscenario file not written: %v\n", f.WriteErr)
	}
	if f.Stale {
		fmt.Fprintf(&b, "\nThis is the counterexample an earlier run saved, replayed: this run's search found no other. It was\nshrunk for the code of that run and may not be minimal now; delete the file to search afresh.\n")
	}
	if f.Rerun != "" {
		fmt.Fprintf(&b, "\nthe same search again: go test -run '^%s$' %s\n", regexp.QuoteMeta(f.name), f.Rerun)
	}
	return b.String()
}

func describeTopology(sc *scenarios.Scenario, faults Faults) string {
	msgs := 0
	var stream []string // producers sending one message every interval
	for _, p := range sc.Producers {
		if p.Interval > 0 {
			stream = append(stream, fmt.Sprintf("%d one every %s from 0s", p.Count, scenarios.FormatDuration(p.Interval)))
			continue
		}
		msgs += p.Count
	}
	produced := fmt.Sprintf("%d message(s) produced at 0s", msgs)
	switch {
	case msgs == 0 && len(stream) > 0:
		n, rest, _ := strings.Cut(strings.Join(stream, " and "), " ")
		produced = n + " message(s) produced " + rest
	case len(stream) > 0:
		produced += " and " + strings.Join(stream, " and ")
	}
	var cs []string
	for _, c := range sc.Consumers {
		when := "from 0s"
		if c.Start == nil {
			when = "joins later"
		}
		s := fmt.Sprintf("%s %s, processing %s", c.ID, when, scenarios.FormatDuration(c.Processing.Time))
		if c.Processing.CommitDelay > 0 {
			s += ", commit delay " + scenarios.FormatDuration(c.Processing.CommitDelay)
		}
		cs = append(cs, s)
	}
	assignor := ""
	if len(sc.Consumers) > 0 {
		if s, ok := sc.Consumers[0].Config["partition.assignment.strategy"]; ok {
			assignor = fmt.Sprintf(" (%s)", s)
		}
	}
	return fmt.Sprintf("topology: topic %s with %d partition(s), %s, seed %d\n  consumers%s: %s\n  fault kinds used: %s",
		sc.Topics[0].Name, sc.Topics[0].Partitions, produced, sc.Seed, assignor, strings.Join(cs, "; "), faults)
}

// failure builds the Failure of a case, writing its scenario file, or
// returns nil if the case passed.
func (r *caseResult) failure(cfg *Config) *Failure {
	f := r.failureOf(cfg)
	if f == nil {
		return nil
	}
	name := cfg.Name
	if name == "" {
		name = "check"
	}
	r.sc.Name = "check-" + safeName(name)
	r.sc.Summary = fmt.Sprintf("kafkasim/check counterexample: %s", r.problems[0].rule)
	if r.healAt > 0 {
		r.sc.Summary += fmt.Sprintf(" (heal phase from T=%s)", scenarios.FormatDuration(r.healAt))
	}
	if r.latency > 0 {
		r.sc.Summary += latencyNote + scenarios.FormatDuration(r.latency) + ")"
	}
	f.File, f.WriteErr = writeScenario(cfg.Dir, safeName(name)+".yaml", r.sc, f)
	f.res = r
	cfg.found = f
	return f
}

// failureOf is the Failure of a case (nil if it passed), without writing
// a file.
func (r *caseResult) failureOf(cfg *Config) *Failure {
	if len(r.problems) == 0 {
		return nil
	}
	if r.sc.Duration == 0 && len(r.events) > 0 {
		r.sc.Duration = r.events[len(r.events)-1].At.Truncate(time.Millisecond) + time.Second
	}
	f := &Failure{Guarantee: cfg.Guarantee, Strategy: cfg.Handler.Strategy, Faults: r.used(cfg), Scenario: r.sc, Outcome: r.outcome, Events: r.events, app: cfg.App != nil, name: cfg.Name,
		latency: r.latency}
	for _, p := range r.problems {
		f.Problems = append(f.Problems, p.rule+": "+p.text)
	}
	for i, a := range r.sc.Script {
		line := fmt.Sprintf("T=%-12s %s", scenarios.FormatDuration(a.At), a.Do)
		if a.Consumer != "" {
			line += " " + a.Consumer
		}
		if a.Do == scenarios.DoProduce {
			line += fmt.Sprintf(" %d message(s)", a.Count)
		}
		if i < len(r.notes) && r.notes[i] != "" {
			line += " (" + r.notes[i] + ")"
		}
		if r.healAt > 0 && a.At >= r.healAt {
			line = "heal: " + line
		}
		f.Schedule = append(f.Schedule, line)
	}
	f.Timeline = excerpt(r.events, r.problems[0])
	return f
}

// used are the fault kinds the case's chaos steps (the script before the
// heal phase) and topology use.
func (r *caseResult) used(cfg *Config) Faults {
	var f Faults
	for _, a := range r.sc.Script {
		if r.healAt > 0 && a.At >= r.healAt {
			break
		}
		switch a.Do {
		case scenarios.DoCrash:
			f |= Crash
		case scenarios.DoClose:
			f |= Close
		case scenarios.DoRestart:
			f |= Restart
		case scenarios.DoStall, scenarios.DoResume:
			f |= Stall
		case scenarios.DoBrokerDown, scenarios.DoBrokerUp:
			f |= BrokerOutage
		case scenarios.DoStart:
			f |= Join
		case scenarios.DoProduce:
			f |= Produce
		}
	}
	for _, c := range r.sc.Consumers {
		if cfg.App == nil && c.Processing.Time > cfg.Handler.ProcessingTime {
			f |= SlowProcessing
		}
	}
	return f
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '-'
	}, s)
}

// excerpt picks the events that tell the story of problem p.
func excerpt(events []scenarios.Event, p problem) []string {
	var out []string
	near := func(o int64) bool { return p.off < 0 || (o >= p.off-2 && o <= p.off+3) }
	for i := range events {
		e := &events[i]
		keep := false
		switch e.Kind {
		case scenarios.KindCrash, scenarios.KindClose, scenarios.KindRestart, scenarios.KindStart, scenarios.KindStall,
			scenarios.KindResume, scenarios.KindMaxPoll, scenarios.KindMemberExpired, scenarios.KindBrokerDown,
			scenarios.KindBrokerUp, scenarios.KindLeave, scenarios.KindJoin:
			keep = true
		case scenarios.KindAssign, scenarios.KindRevoke, scenarios.KindLost:
			keep = p.tp.Topic == "" || slices.Contains(e.Partitions, p.tp)
		case scenarios.KindGroupState:
			// The group's generations, for a broken fence or ownership.
			keep = strings.HasPrefix(p.rule, ruleFence) || strings.HasPrefix(p.rule, ruleOwner)
		case scenarios.KindDeliver, scenarios.KindEffect, scenarios.KindEffectSkipped, scenarios.KindProcessFailed,
			scenarios.KindCommitOK, scenarios.KindCommitFailed, scenarios.KindPosition:
			keep = e.TP() == p.tp && near(e.Offset)
		}
		if e.Seq == p.seq {
			keep = true
		}
		if keep {
			line := e.String()
			if e.Seq == p.seq {
				line += "   <-- here"
			}
			out = append(out, line)
		}
	}
	const maxLines = 60
	if len(out) > maxLines {
		head := out[:15]
		tail := out[len(out)-(maxLines-15):]
		out = append(append(slices.Clone(head), fmt.Sprintf("... %d lines left out ...", len(out)-maxLines)), tail...)
	}
	return out
}

// writeScenario writes the case as a scenario file in the format of
// docs/scenarios.md.
func writeScenario(dir, file string, sc *scenarios.Scenario, f *Failure) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("write scenario: %w", err)
	}
	path := filepath.Join(dir, file)
	text := ScenarioYAML(sc, f.Problems, f.Guarantee)
	if f.app {
		text = strings.Replace(text, replayLine, appReplayLine, 1)
	}
	if f.latency > 0 {
		text = strings.Replace(text, "name: ", fmt.Sprintf(latencyComment, scenarios.FormatDuration(f.latency))+"name: ", 1)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return "", fmt.Errorf("write scenario: %w", err)
	}
	return path, nil
}

// latencyComment says, in a counterexample's file, that its JoinGroup and
// SyncGroup answers were delayed (fence.go), which the scenario format
// cannot say: Replay delays them again (the summary keeps the latency),
// kafkasim run does not.
const latencyComment = "# JoinGroup/SyncGroup answers took %s in this case (the check's own suite). check.Replay\n# delays them again; kafkasim run answers at once and may tell another story.\n"

// How a counterexample's file says it is replayed: a Handler's with
// kafkasim run (its strategy is the scenario runner's model); an App's from
// Go, since kafkasim run has no app of its own to run.
const (
	replayLine    = "# Replay: kafkasim run THIS_FILE    Watch: kafkasim tui THIS_FILE\n"
	appReplayLine = "# Replay with your App: check.Replay(t, THIS_FILE, cfg). kafkasim run and tui\n# replay the schedule with consumers that never commit, not with your App.\n"
)

// ScenarioYAML renders a scenario in the scenario file format, with the
// problems as a comment and the guarantee's forbidden outcomes as the
// expect block (so `kafkasim check FILE` fails the way the case did).
func ScenarioYAML(sc *scenarios.Scenario, problems []string, g Guarantee) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Counterexample found by kafkasim/check (%s).\n", g)
	for _, p := range problems {
		for _, l := range strings.Split(wrap(p, 76), "\n") {
			w("#   %s\n", l)
		}
	}
	w("%s", replayLine)
	w("name: %s\n", quote(sc.Name))
	w("summary: %s\n", quote(sc.Summary))
	w("seed: %d\n", sc.Seed)
	w("duration: %s\n", scenarios.FormatDuration(sc.Duration))
	w("cluster:\n  group_initial_rebalance_delay: 0s\n")
	w("topics:\n")
	for _, t := range sc.Topics {
		w("  - {name: %s, partitions: %d}\n", t.Name, t.Partitions)
	}
	if len(sc.Producers) > 0 {
		w("producers:\n")
		for _, p := range sc.Producers {
			interval := ""
			if p.Interval > 0 {
				interval = ", interval: " + scenarios.FormatDuration(p.Interval)
			}
			w("  - {id: %s, topic: %s, count: %d, key: %s%s}\n", p.ID, p.Topic, p.Count, quote(p.Key), interval)
		}
	}
	w("consumers:\n")
	for _, c := range sc.Consumers {
		w("  - id: %s\n    group: %s\n    topics: [%s]\n", c.ID, c.Group, strings.Join(c.Topics, ", "))
		if c.Start != nil {
			w("    start: %s\n", scenarios.FormatDuration(*c.Start))
		}
		w("    poll_idle: %s\n", scenarios.FormatDuration(c.PollIdle))
		keys := make([]string, 0, len(c.Config))
		for k := range c.Config {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		w("    config:\n")
		for _, k := range keys {
			w("      %s: %s\n", k, yamlValue(c.Config[k]))
		}
		p := c.Processing
		commit := p.Commit
		if commit == scenarios.StrategyEvery {
			commit = fmt.Sprintf("every-%d", p.Every)
		}
		w("    processing:\n      time: %s\n      commit: %s\n", scenarios.FormatDuration(p.Time), commit)
		if p.CommitDelay > 0 {
			w("      commit_delay: %s\n", scenarios.FormatDuration(p.CommitDelay))
		}
		if p.Async {
			w("      async: true\n")
		}
		if p.Idempotent {
			w("      idempotent: true\n")
		}
	}
	if len(sc.Script) > 0 {
		w("script:\n")
		for _, a := range sc.Script {
			w("  - %s\n", a.YAML())
		}
	}
	var exp []string
	if g.noLoss() {
		exp = append(exp, "lost: 0", "pending: 0")
	}
	if g.noDup() {
		exp = append(exp, "duplicated: 0")
	}
	flags := "flags:\n    - {flag: STALE-COMMIT-ACCEPTED, count: 0}\n    - {flag: COMMIT-BEYOND-END, count: 0}\n    - {flag: SKIP, count: 0}\n    - {flag: NONMONOTONIC, count: 0}"
	if g.noLoss() {
		flags += "\n    - {flag: COMMITTED-TOO-FAR, count: 0}"
	}
	exp = append(exp, flags)
	w("expect:\n")
	for _, e := range exp {
		w("  %s\n", e)
	}
	return b.String()
}

func yamlValue(v client.ConfigValue) string {
	switch x := v.(type) {
	case string:
		return quote(x)
	}
	return fmt.Sprint(v)
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

func wrap(s string, width int) string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return strings.Join(append(lines, line), "\n")
}
