package scenarios

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kafkasim/kafkasim/client"
)

// Budget bounds what one run may cost. Each field limits one quantity; 0
// means the default (DefaultBudget). Start checks a scenario against its
// budget before anything runs, from what the scenario asks for, and the
// runner stops a run that goes over the events or steps budget on the way
// (a rebalance storm, retries): either way the error is a *BudgetError
// (errors.Is(err, ErrBudget)) naming the budget and how to raise it.
// Every field on its own keeps a run's memory or time in check; the
// defaults let any reasonable scenario through (the built-ins use under
// 2% of each).
type Budget struct {
	// Messages is the most messages the producers and produce steps may
	// send (the sum of their counts).
	Messages int64
	// Bytes is the most key and value bytes they may send in all.
	Bytes int64
	// Partitions is the most partitions the topics may have in all.
	Partitions int64
	// Events is the most timeline events a run may record.
	Events int64
	// Steps is the most events the simulator's clock may run (every poll,
	// timer, heartbeat and delivery is one); it bounds a run's time. Real
	// clusters run on the wall clock and are not counted.
	Steps int64
}

// The default budget: about 0.5 GB of memory and 10 s on one core at
// worst (a 100,000-message run with its JSON output takes ~0.4 GB; the
// simulator runs 20-30 million idle steps a second).
const (
	DefaultBudgetMessages   = 100_000
	DefaultBudgetBytes      = 100_000_000
	DefaultBudgetPartitions = 10_000
	DefaultBudgetEvents     = 2_000_000
	DefaultBudgetSteps      = 200_000_000
)

// DefaultBudget is the budget of a run whose Options.Budget leaves a
// field 0.
func DefaultBudget() Budget {
	return Budget{Messages: DefaultBudgetMessages, Bytes: DefaultBudgetBytes, Partitions: DefaultBudgetPartitions,
		Events: DefaultBudgetEvents, Steps: DefaultBudgetSteps}
}

// withDefaults fills the fields left 0 (or negative) with the defaults.
func (b Budget) withDefaults() Budget {
	d := DefaultBudget()
	for _, f := range []struct{ v, def *int64 }{
		{&b.Messages, &d.Messages}, {&b.Bytes, &d.Bytes}, {&b.Partitions, &d.Partitions},
		{&b.Events, &d.Events}, {&b.Steps, &d.Steps},
	} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	return b
}

// BudgetNames are the names of Budget's fields as the command line
// spells them (kafkasim run --budget NAME=N).
var BudgetNames = []string{"messages", "bytes", "partitions", "events", "steps"}

// Set sets the budget called name (one of BudgetNames) to n.
func (b *Budget) Set(name string, n int64) error {
	switch name {
	case "messages":
		b.Messages = n
	case "bytes":
		b.Bytes = n
	case "partitions":
		b.Partitions = n
	case "events":
		b.Events = n
	case "steps":
		b.Steps = n
	default:
		return fmt.Errorf("unknown budget %q: expected one of %s", name, strings.Join(BudgetNames, ", "))
	}
	return nil
}

// ErrBudget is wrapped by every *BudgetError.
var ErrBudget = errors.New("over the run's budget")

// BudgetError is a run that would go over its Budget, or did and was
// stopped.
type BudgetError struct {
	// Pos is what in the scenario asks for most of it (a producer, a
	// topic, a consumer); zero when nothing in particular.
	Pos Pos
	// Budget is the budget's name, one of BudgetNames.
	Budget string
	// Limit is the budget; Need what the scenario asks for (an estimate
	// for events and steps), or for a stopped run how far it got.
	Limit, Need int64
	// Stopped: the run went over the budget at virtual time At and was
	// stopped there (otherwise it was refused before it started).
	Stopped bool
	At      time.Duration
	// Why says what asks for it, in words.
	Why string
}

// Error names the budget, what went over it and how to raise it.
func (e *BudgetError) Error() string {
	var b strings.Builder
	if e.Pos.Line > 0 {
		b.WriteString(e.Pos.String() + ": ")
	}
	if e.Stopped {
		fmt.Fprintf(&b, "stopped at T=%s: the run went over its budget of %d %s", FormatDuration(e.At), e.Limit, e.Budget)
	} else {
		fmt.Fprintf(&b, "over the run's budget of %d %s: the scenario needs %s%d", e.Limit, e.Budget, estimated(e.Budget), e.Need)
	}
	if e.Why != "" {
		b.WriteString(" (" + e.Why + ")")
	}
	need := e.Need
	if e.Stopped {
		need = 0
	}
	fmt.Fprintf(&b, "; raise it with --budget %s=%s (Options.Budget in Go), or make the scenario smaller", e.Budget, raiseTo(e.Limit, need))
	return b.String()
}

// Unwrap makes errors.Is(err, ErrBudget) match.
func (e *BudgetError) Unwrap() error { return ErrBudget }

func estimated(budget string) string {
	if budget == "events" || budget == "steps" {
		return "about "
	}
	return ""
}

// raiseTo suggests a new budget: what is needed, rounded up to two
// significant digits, or ten times the old one when that is unknown.
func raiseTo(limit, need int64) string {
	n := need
	if n <= limit {
		n = limit * 10
	}
	p := int64(1)
	for n/p >= 100 {
		p *= 10
	}
	n = (n + p - 1) / p * p
	return strconv.FormatInt(n, 10)
}

// CheckBudget reports whether the scenario fits in the budget b (fields
// 0: the defaults): the messages, bytes and partitions it asks for, and
// estimates of the events it records and the steps its clock runs. The
// error is a *BudgetError with the position of what asks for most.
func (s *Scenario) CheckBudget(b Budget) error {
	b = b.withDefaults()
	// What asks for most is remembered by index and put in words only
	// for an error: this runs before every run.
	type sender struct {
		script bool // a produce step (else a producer)
		i      int
		n, per int64
	}
	msgs, bytesN := int64(0), int64(0)
	var biggest, heaviest sender
	add := func(x sender, id string, key string, keys []string, value string) {
		msgs += x.n
		digits := int64(len(strconv.Itoa(max(int(x.n)-1, 0))))
		size := func(tmpl string) int64 {
			k := int64(strings.Count(tmpl, "{i}"))
			return int64(len(tmpl)) - 3*k + k*digits
		}
		if value == "" {
			value = id + "-{i}"
		}
		x.per = size(key) + size(value)
		for _, k := range keys {
			x.per = max(x.per, int64(len(k))+size(value))
		}
		bytesN = satAdd(bytesN, satMul(x.n, x.per))
		if x.n > biggest.n {
			biggest = x
		}
		if satMul(x.n, x.per) > satMul(heaviest.n, heaviest.per) {
			heaviest = x
		}
	}
	for i := range s.Producers {
		p := &s.Producers[i]
		add(sender{i: i, n: int64(p.Count)}, p.ID, p.Key, p.Keys, p.Value)
	}
	for i := range s.Script {
		if a := &s.Script[i]; a.Do == DoProduce {
			add(sender{script: true, i: i, n: int64(a.Count)}, "script", a.Key, nil, a.Value)
		}
	}
	where := func(x sender) (Pos, string) {
		if x.script {
			return s.Script[x.i].Pos, fmt.Sprintf("script[%d]", x.i)
		}
		return s.Producers[x.i].Pos, fmt.Sprintf("producers[%d]", x.i)
	}
	if msgs > b.Messages {
		pos, what := where(biggest)
		return &BudgetError{Pos: pos, Budget: "messages", Limit: b.Messages, Need: msgs, Why: fmt.Sprintf("%s sends %d", what, biggest.n)}
	}
	if bytesN > b.Bytes {
		pos, what := where(heaviest)
		return &BudgetError{Pos: pos, Budget: "bytes", Limit: b.Bytes, Need: bytesN,
			Why: fmt.Sprintf("%s sends %d messages of %d bytes (keys and values)", what, heaviest.n, heaviest.per)}
	}
	parts := int64(0)
	for i, t := range s.Topics {
		parts += int64(t.Partitions)
		if parts > b.Partitions {
			return &BudgetError{Pos: t.Pos, Budget: "partitions", Limit: b.Partitions, Need: s.partitions(), Why: fmt.Sprintf("the topics have %d partitions in all; topics[%d] goes over", s.partitions(), i)}
		}
	}
	if n, _ := eventsEstimate(s, int(min(msgs, math.MaxInt32))); int64(n) > b.Events {
		pos, _ := where(biggest)
		return &BudgetError{Pos: pos, Budget: "events", Limit: b.Events, Need: int64(n), Why: fmt.Sprintf("%d messages, each recorded when produced and by every group", msgs)}
	}
	if n, top := s.stepsEstimate(msgs); n > b.Steps {
		pos, why := s.stepsWhy(top)
		return &BudgetError{Pos: pos, Budget: "steps", Limit: b.Steps, Need: n, Why: why}
	}
	return nil
}

func (s *Scenario) partitions() int64 {
	n := int64(0)
	for _, t := range s.Topics {
		n += int64(t.Partitions)
	}
	return n
}

// satAdd and satMul are + and * that stop at math.MaxInt64.
func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func satMul(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}

// stepsEstimate estimates the clock events of a run: every consumer's
// periodic timers (its idle polls, heartbeats, auto-commits, metadata
// refreshes) over the time it may run, the broker's periodic checks, and
// a few per message and group. top is the consumer with the most (-1:
// the cluster's offsets_retention_check), for stepsWhy.
func (s *Scenario) stepsEstimate(msgs int64) (total int64, top int) {
	groups := 0
	for i := range s.Consumers {
		first := true
		for j := range i {
			if s.Consumers[j].Group == s.Consumers[i].Group {
				first = false
				break
			}
		}
		if first {
			groups++
		}
	}
	total = satMul(msgs, 4*int64(1+groups))
	topN := int64(-1)
	for i := range s.Consumers {
		n := s.consumerSteps(i)
		total = satAdd(total, n)
		if n > topN {
			topN, top = n, i
		}
	}
	if ch := s.Cluster.OffsetsRetentionCheck; ch > 0 {
		n := int64(s.Duration / ch)
		total = satAdd(total, n)
		if n > topN {
			top = -1
		}
	}
	return total, top
}

// consumerSpan is how long consumer i may run: from its start to the end.
func (s *Scenario) consumerSpan(i int) time.Duration {
	span := s.Duration
	if c := &s.Consumers[i]; c.Start != nil {
		span -= *c.Start
	}
	return span
}

// consumerSteps is consumer i's share of stepsEstimate: its periodic
// timers. It reads the few keys it needs, not client.ParseConsumerConfig:
// this runs before every run, and parsing the whole configuration cost
// more than a small run's events.
func (s *Scenario) consumerSteps(i int) int64 {
	c := &s.Consumers[i]
	span := s.consumerSpan(i)
	per := func(every time.Duration) int64 {
		if every <= 0 {
			return 0
		}
		return int64(span / every)
	}
	n := per(c.PollIdle) + per(configMs(c.Config, "heartbeat.interval.ms")) + per(configMs(c.Config, "topic.metadata.refresh.interval.ms"))
	if configBool(c.Config, "enable.auto.commit") {
		n += per(configMs(c.Config, "auto.commit.interval.ms"))
	}
	return n
}

// stepsWhy puts stepsEstimate's top in words, with its position.
func (s *Scenario) stepsWhy(top int) (Pos, string) {
	if top < 0 || top >= len(s.Consumers) {
		return s.Cluster.Pos, fmt.Sprintf("cluster.offsets_retention_check runs every %s for %s",
			FormatDuration(s.Cluster.OffsetsRetentionCheck), durationText(s.Duration))
	}
	c := &s.Consumers[top]
	return c.Pos, fmt.Sprintf("consumers[%d] (%s) polls every %s when idle and heartbeats every %s for %s", top, c.ID,
		FormatDuration(c.PollIdle), FormatDuration(configMs(c.Config, "heartbeat.interval.ms")), durationText(s.consumerSpan(top)))
}

// Runtime limits, enforced by the runner.

// overEvents stops the run: it recorded as many events as its budget
// allows.
func (r *runner) overEvents() {
	r.stop(&BudgetError{Budget: "events", Limit: r.budget.Events, Stopped: true, At: r.now(),
		Why: "timeline events recorded; retries or rebalances may repeat without end"})
}

// overSteps stops the run: its clock ran as many events as its budget
// allows.
func (r *runner) overSteps() {
	r.stop(&BudgetError{Budget: "steps", Limit: r.budget.Steps, Stopped: true, At: r.now(),
		Why: "clock events run (polls, timers, deliveries); something repeats faster than virtual time moves"})
}

// stop ends the run with err: nothing more is recorded, the apps stop,
// and the simulator's loop returns.
func (r *runner) stop(err error) {
	r.fail(err)
	r.stopped = true
}

// runBounded runs the backend to t; on the simulator one event at a
// time, so that a run over its step budget, or stopped, ends at once.
func (r *runner) runBounded(t time.Time) {
	if r.stopped {
		return
	}
	sb, ok := r.b.(*simBackend)
	if !ok {
		r.b.RunUntil(t)
		return
	}
	if !sb.cl.RunBounded(t, uint64(r.budget.Steps), &r.stopped) {
		r.overSteps()
	}
}

// configValue is the value of key name (or of one of its aliases) in m,
// else librdkafka's default, as text.
func configValue(m client.ConfigMap, name string) string {
	k, _ := client.LookupKey(name)
	for _, n := range append([]string{name}, k.Aliases...) {
		if v, ok := m[n]; ok {
			return fmt.Sprint(v)
		}
	}
	return k.Default
}

// configMs reads an integer key in milliseconds (see configValue); 0 when
// it is not a number.
func configMs(m client.ConfigMap, name string) time.Duration {
	n, _ := strconv.ParseInt(strings.TrimSpace(configValue(m, name)), 10, 64)
	return time.Duration(n) * time.Millisecond
}

// configBool reads a true/false key (see configValue).
func configBool(m client.ConfigMap, name string) bool {
	b, _ := strconv.ParseBool(strings.TrimSpace(configValue(m, name)))
	return b
}
