package check

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/group"
	"github.com/kafkasim/kafkasim/scenarios"
)

// Guarantee is the delivery guarantee a consumer claims. It decides which
// outcomes (docs/guarantees.md) fail the check.
type Guarantee int

// Guarantees.
const (
	// NoGuarantee claims nothing about loss or duplication: only the
	// invariants every strategy keeps are checked (no skipped or
	// out-of-order delivery within an assignment, no fenced commit
	// accepted, no commit past the log end, one value per offset, and a
	// final committed offset at the log end after the heal phase).
	NoGuarantee Guarantee = iota
	// AtLeastOnce forbids LOST and COMMITTED-TOO-FAR, and after the heal
	// phase requires every message to have had its effect.
	AtLeastOnce
	// AtMostOnce forbids DUPLICATED: no message has its effect twice.
	AtMostOnce
	// EffectivelyOnce forbids LOST, DUPLICATED and COMMITTED-TOO-FAR:
	// every message has its effect exactly once (at-least-once delivery
	// plus idempotent processing).
	EffectivelyOnce
)

// String is "at-least-once", "at-most-once", "effectively-once" or "none".
func (g Guarantee) String() string {
	switch g {
	case AtLeastOnce:
		return "at-least-once"
	case AtMostOnce:
		return "at-most-once"
	case EffectivelyOnce:
		return "effectively-once"
	}
	return "none"
}

func (g Guarantee) noLoss() bool { return g == AtLeastOnce || g == EffectivelyOnce }
func (g Guarantee) noDup() bool  { return g == AtMostOnce || g == EffectivelyOnce }

// Strategy is when the consumer commits. The names are the scenario file's
// processing.commit values, so a counterexample can be written as a
// scenario.
type Strategy struct {
	commit string
	every  int
	java   bool
}

// Commit strategies.
var (
	// CommitAfterEach commits each message synchronously (or with
	// Handler.Async, asynchronously) after processing it, with
	// enable.auto.commit=false.
	CommitAfterEach = Strategy{commit: scenarios.StrategyAfterEach}
	// CommitBeforeProcess commits each message as soon as poll returns
	// it, then processes it: at-most-once.
	CommitBeforeProcess = Strategy{commit: scenarios.StrategyBeforeProcess}
	// StoreAfterProcess stores each offset after processing it
	// (enable.auto.offset.store=false) and lets librdkafka's auto-commit
	// commit the stored offsets: librdkafka's recommended at-least-once
	// pattern.
	StoreAfterProcess = Strategy{commit: scenarios.StrategyStoreAfter}
	// AutoCommit is librdkafka's default: enable.auto.commit=true with
	// offsets stored the moment poll hands a message out, committed by a
	// timer whether or not processing has finished.
	AutoCommit = Strategy{commit: scenarios.StrategyAuto}
	// AutoCommitJava is the Java client's auto-commit
	// (kafkasim.auto.commit.mode=java): commit inside poll, before a
	// rebalance and on close.
	AutoCommitJava = Strategy{commit: scenarios.StrategyAuto, java: true}
)

// CommitEvery commits the processed offsets after every n processed
// messages (and on close).
func CommitEvery(n int) Strategy {
	return Strategy{commit: scenarios.StrategyEvery, every: max(n, 1)}
}

// String is the scenario file's name for the strategy, e.g. "after-each"
// or "every-10" ("auto (java)" for AutoCommitJava).
func (s Strategy) String() string {
	switch {
	case s.commit == "":
		return scenarios.StrategyAfterEach
	case s.commit == scenarios.StrategyEvery:
		return fmt.Sprintf("every-%d", s.every)
	case s.java:
		return "auto (java)"
	}
	return s.commit
}

// config is the consumer configuration the strategy needs.
func (s Strategy) config() client.ConfigMap {
	switch s.commit {
	case scenarios.StrategyAuto:
		m := client.ConfigMap{"enable.auto.commit": true}
		if s.java {
			m["kafkasim.auto.commit.mode"] = client.AutoCommitJava
		}
		return m
	case scenarios.StrategyStoreAfter:
		return client.ConfigMap{"enable.auto.commit": true, "enable.auto.offset.store": false}
	}
	return client.ConfigMap{"enable.auto.commit": false}
}

// Handler is a consumer's logic: what it does with each message and when
// it commits. The check runs it inside a poll loop shaped like the one in
// the confluent-kafka tutorials: poll, process, commit per the strategy.
type Handler struct {
	// Process is the app's work on one message, called when its virtual
	// processing time is over. Returning nil means the side effect
	// happened; ErrSkipped means the handler recognised a repeat and did
	// nothing (an idempotent consumer); any other error means processing
	// failed, and the loop logs it and moves on to the next message. nil
	// Process always succeeds.
	Process func(ctx context.Context, m *client.Message) error
	// Strategy is when the loop commits (default CommitAfterEach).
	Strategy Strategy
	// Async makes the loop's own commits asynchronous.
	Async bool
	// Idempotent makes the loop keep a store of processed messages, shared
	// by the group's consumers and surviving crashes, and skip repeats.
	Idempotent bool
	// ProcessingTime is the longest virtual time one message takes; each
	// consumer of a case draws its own time up to it (default 20ms).
	ProcessingTime time.Duration
}

// Faults is a set of fault kinds a case may draw. Each case enables a
// random subset of them (swarm testing), so that rare combinations and
// single kinds in isolation are both explored.
type Faults uint

// Fault kinds.
const (
	// Crash kills a consumer at once: before, during or after processing,
	// before or after its commit, wherever the drawn instant falls.
	Crash Faults = 1 << iota
	// Close shuts a consumer down gracefully (finish the message in hand,
	// commit what the strategy commits on close, leave the group).
	Close
	// Restart starts a crashed or closed consumer again, or kills and
	// restarts a running one.
	Restart
	// Stall makes a consumer stop polling (stuck processing), possibly past
	// max.poll.interval.ms, and later resume.
	Stall
	// SlowProcessing gives some consumers processing times far above
	// Handler.ProcessingTime (up to 2s a message).
	SlowProcessing
	// BrokerOutage takes the broker down and brings it back.
	BrokerOutage
	// Join starts consumers late: they join the running group.
	Join
	// Produce adds messages while the consumers run.
	Produce

	// AllFaults is every fault kind.
	AllFaults = Crash | Close | Restart | Stall | SlowProcessing | BrokerOutage | Join | Produce
)

var faultNames = []struct {
	f    Faults
	name string
}{
	{Crash, "crash"}, {Close, "close"}, {Restart, "restart"}, {Stall, "stall"},
	{SlowProcessing, "slow-processing"}, {BrokerOutage, "broker-outage"}, {Join, "join"}, {Produce, "produce"},
}

// String lists the kinds, e.g. "crash|stall".
func (f Faults) String() string {
	var out []string
	for _, n := range faultNames {
		if f&n.f != 0 {
			out = append(out, n.name)
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, "|")
}

// Config describes the consumer under test and the cases to draw. The zero
// value of every field but Handler has a useful default.
type Config struct {
	// Guarantee is what the consumer claims.
	Guarantee Guarantee
	// Handler is the consumer's logic.
	Handler Handler
	// Consumer is extra consumer configuration in librdkafka spelling
	// (for example session.timeout.ms); the strategy's own keys
	// (enable.auto.commit ...) win over it. The check's defaults are
	// auto.offset.reset=earliest, session.timeout.ms=10000,
	// max.poll.interval.ms=20000.
	Consumer client.ConfigMap
	// Setup, if set, runs at the start of every case: reset the fakes
	// your Process writes to (a map standing for your database).
	Setup func()
	// Faults are the fault kinds cases may draw (default AllFaults).
	Faults Faults
	// MaxPartitions, MaxConsumers and MaxMessages bound the drawn
	// topology (defaults 3, 3 and 200).
	MaxPartitions, MaxConsumers, MaxMessages int
	// Cases is the least number of cases to run. TestConsumer runs rapid
	// in rounds of -rapid.checks cases (default 100) until it has run
	// Cases. Default: the KAFKASIM_CHECKS environment variable, else one
	// round.
	Cases int
	// Dir is where a counterexample is written as a scenario file.
	// Default: the KAFKASIM_FAILURES environment variable, else
	// testdata/kafkasim in the test's package directory.
	Dir string
	// Name names the scenario file (default: the test's name).
	Name string

	// group configures the coordinator; the package's own tests use it to
	// plant a bug.
	group group.Config
	// fixedShape draws no topology: always the maximum (benchmarks).
	fixedShape bool
}

func (cfg Config) withDefaults() Config {
	if cfg.Faults == 0 {
		cfg.Faults = AllFaults
	}
	if cfg.MaxPartitions <= 0 {
		cfg.MaxPartitions = 3
	}
	if cfg.MaxConsumers <= 0 {
		cfg.MaxConsumers = 3
	}
	if cfg.MaxMessages <= 0 {
		cfg.MaxMessages = 200
	}
	if cfg.Handler.ProcessingTime <= 0 {
		cfg.Handler.ProcessingTime = 20 * time.Millisecond
	}
	if cfg.Handler.Strategy.commit == "" {
		cfg.Handler.Strategy = CommitAfterEach
	}
	if cfg.Dir == "" {
		cfg.Dir = os.Getenv("KAFKASIM_FAILURES")
	}
	if cfg.Dir == "" {
		cfg.Dir = "testdata/kafkasim"
	}
	if cfg.Cases <= 0 {
		if n, err := strconv.Atoi(os.Getenv("KAFKASIM_CHECKS")); err == nil && n > 0 {
			cfg.Cases = n
		}
	}
	return cfg
}

// TestConsumer checks that the consumer keeps its claimed guarantee under
// random fault schedules. Each case draws a topology (partitions,
// consumers, messages, processing times) and a fault schedule through
// rapid, runs a chaos phase and then a heal phase (faults off, crashed
// consumers restarted, catch-up, everyone closes gracefully) in virtual
// time on the in-memory cluster, checks the safety invariants after every
// step and the outcome of every message at the end.
//
// On failure rapid shrinks the case to a minimal schedule; the test fails
// with a report (the guarantee broken, the message and why, the schedule,
// the relevant timeline) and the case is written as a scenario file that
// `kafkasim run FILE` replays and `kafkasim tui FILE` opens.
func TestConsumer(t *testing.T, cfg Config) {
	t.Helper()
	cfg = cfg.withDefaults()
	if cfg.Name == "" {
		cfg.Name = t.Name()
	}
	prop := Property(cfg)
	per := rapidChecks()
	rounds := 1
	if cfg.Cases > per {
		rounds = (cfg.Cases + per - 1) / per
	}
	for range rounds {
		rapid.Check(t, prop)
		if t.Failed() {
			return
		}
	}
}

// rapidChecks is the -rapid.checks flag (cases per rapid.Check).
func rapidChecks() int {
	if f := flag.Lookup("rapid.checks"); f != nil {
		if g, ok := f.Value.(flag.Getter); ok {
			if n, ok := g.Get().(int); ok && n > 0 {
				if testing.Short() {
					n /= 5
				}
				return max(n, 1)
			}
		}
	}
	return 100
}

// Property is the check as a rapid property, for rapid.Check or
// rapid.MakeCheck. A failing case calls t.Fatalf with the report and
// writes the scenario file (overwritten by each smaller failing case, so
// that after shrinking it holds the minimal one).
func Property(cfg Config) func(*rapid.T) {
	cfg = cfg.withDefaults()
	if cfg.Name == "" {
		cfg.Name = "check"
	}
	return func(t *rapid.T) {
		res := runCase(t, &cfg)
		if f := res.failure(&cfg); f != nil {
			t.Fatalf("%s", f.Error())
		}
	}
}

// Find runs the check outside a test and returns the shrunk
// counterexample, or nil if every case passed (or Cases were run without
// one). It is TestConsumer for examples and tools; rapid's own fail file
// is written under testdata/rapid unless -rapid.nofailfile is set.
func Find(cfg Config) *Failure {
	cfg = cfg.withDefaults()
	if cfg.Name == "" {
		cfg.Name = "find"
	}
	var last *Failure
	prop := func(t *rapid.T) {
		res := runCase(t, &cfg)
		if f := res.failure(&cfg); f != nil {
			last = f
			t.Fatalf("%s", f.Error())
		}
	}
	per := rapidChecks()
	rounds := 1
	if cfg.Cases > per {
		rounds = (cfg.Cases + per - 1) / per
	}
	for range rounds {
		tb := &quietTB{name: cfg.Name}
		rapid.Check(tb, prop)
		if tb.failed {
			return last
		}
	}
	return nil
}

// quietTB is a rapid.TB that records a failure instead of failing a test.
type quietTB struct {
	name   string
	failed bool
}

func (q *quietTB) Helper()               {}
func (q *quietTB) Name() string          { return q.name }
func (q *quietTB) Logf(string, ...any)   {}
func (q *quietTB) Log(...any)            {}
func (q *quietTB) Skipf(string, ...any)  { q.SkipNow() }
func (q *quietTB) Skip(...any)           { q.SkipNow() }
func (q *quietTB) SkipNow()              {}
func (q *quietTB) Errorf(string, ...any) { q.failed = true }
func (q *quietTB) Error(...any)          { q.failed = true }
func (q *quietTB) Fatalf(string, ...any) { q.failed = true }
func (q *quietTB) Fatal(...any)          { q.failed = true }
func (q *quietTB) FailNow()              { q.failed = true }
func (q *quietTB) Fail()                 { q.failed = true }
func (q *quietTB) Failed() bool          { return q.failed }
