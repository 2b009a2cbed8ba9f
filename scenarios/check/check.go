package check

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/kafkasim/kafkasim/broker"
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
// value of every field but Handler or App has a useful default.
type Config struct {
	// Guarantee is what the consumer claims.
	Guarantee Guarantee
	// App is your consumer application, run unchanged (see App). Set it
	// or Handler, not both. An App needs the test's *testing.T
	// (TestConsumer, Search, Replay): each case runs in a testing/synctest
	// bubble.
	App App
	// Handler is the consumer's logic, run by the check's own poll loop
	// for the strategy it names (a built-in App).
	Handler Handler
	// Topic is the topic the check creates and produces to, which an App
	// subscribes to (default "t").
	Topic string
	// CloseTimeout is how long an App may take to return once told to stop
	// (its context cancelled) before the check reports it as hanging,
	// naming its goroutines (default 30s of virtual time; time while the
	// broker is down does not count).
	CloseTimeout time.Duration
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
	// Cases. Default: the KAFKASIM_CHECKS environment variable, else
	// DefaultCases (-short: a fifth).
	Cases int
	// Dir is where a counterexample is written as a scenario file.
	// Default: the KAFKASIM_FAILURES environment variable, else
	// testdata/kafkasim in the test's package directory.
	Dir string
	// Name names the scenario file (default: the test's name).
	Name string

	// group and broker configure the coordinator and the broker; the
	// package's own tests use them to plant bugs (internal/testhook).
	group  group.Config
	broker broker.Config
	// fence: each case also draws a stream of messages, its group's
	// assignor and a JoinGroup/SyncGroup latency, so that commits cross
	// rebalances and reach the generation fence (fence.go). The package's
	// own suite sets it; a scenario file cannot carry the latency.
	fence bool
	// stats, if set, counts what a search's cases reached.
	stats *searchStats
	// fixedShape draws no topology: always the maximum (benchmarks).
	fixedShape bool
	// builtin: the App is the Handler's; handlerSet: a Handler field is
	// set (withDefaults).
	builtin, handlerSet bool
	// tt is the test, for an App's bubbles.
	tt *testing.T
	// found is the last Failure a case built (the shrunk one, once rapid
	// is done).
	found *Failure
	// showLoss: do not stop at a commit ahead of processing (invariant 6),
	// to see what a crash makes of it (showLoss in minimize.go).
	showLoss bool
}

// ErrConfig is what a Config that cannot be run wraps: an App and a
// Handler both set, an App without a *testing.T.
var ErrConfig = errors.New("kafkasim/check: invalid Config")

// handlerSet reports whether any Handler field is set.
func (h Handler) set() bool {
	return h.Process != nil || h.Strategy.commit != "" || h.Async || h.Idempotent || h.ProcessingTime != 0
}

// validate says what is wrong with a Config (after withDefaults).
func (cfg *Config) validate() error {
	if cfg.App != nil && cfg.handlerSet {
		return fmt.Errorf("%w: set App or Handler, not both", ErrConfig)
	}
	return nil
}

// app is the App every consumer runs.
func (cfg *Config) app() App {
	if cfg.App != nil {
		return cfg.App
	}
	return builtinApp(cfg.Handler)
}

// topic is the case's topic.
func (cfg *Config) topic() string { return cmp.Or(cfg.Topic, "t") }

// closeTimeout is CloseTimeout with its default.
func (cfg *Config) closeTimeout() time.Duration {
	if cfg.CloseTimeout > 0 {
		return cfg.CloseTimeout
	}
	return 30 * time.Second
}

// faults are the fault kinds cases may draw: an App's processing time is
// its own, so SlowProcessing does not apply to it.
func (cfg *Config) faults() Faults {
	if cfg.App != nil {
		return cfg.Faults &^ SlowProcessing
	}
	return cfg.Faults
}

func (cfg Config) withDefaults() Config {
	cfg.handlerSet = cfg.Handler.set()
	cfg.builtin = cfg.App == nil
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
		cfg.Cases = DefaultCases
		if n, err := strconv.Atoi(os.Getenv("KAFKASIM_CHECKS")); err == nil && n > 0 {
			cfg.Cases = n
		}
		if testing.Short() {
			cfg.Cases = max(cfg.Cases/5, 1)
		}
	}
	return cfg
}

// DefaultCases is how many cases a check runs when neither Config.Cases
// nor KAFKASIM_CHECKS says: enough to find a dedupe store that remembers
// only the last key (a case in thirty or so shows it) in every one of 40
// searches (docs/testing.md).
const DefaultCases = 500

// TestConsumer checks that the consumer keeps its claimed guarantee under
// random fault schedules. Each case draws a topology (partitions,
// consumers, messages, processing times) and a fault schedule through
// rapid, runs a chaos phase and then a heal phase (faults off, crashed
// consumers restarted, catch-up, everyone closes gracefully) in virtual
// time on the in-memory cluster, checks the safety invariants after every
// step and the outcome of every message at the end.
//
// On failure rapid shrinks the case to a minimal schedule; the test fails
// once, with a report (the guarantee broken, the message and why, the
// schedule, the relevant timeline, how to rerun it) and the case is
// written as a scenario file that Replay runs again from Go and, for a
// Handler, `kafkasim run FILE` replays and `kafkasim tui FILE` opens. See
// Search for what happens to a file saved by an earlier run.
func TestConsumer(t *testing.T, cfg Config) {
	t.Helper()
	if f := Search(t, cfg); f != nil {
		t.Fatal(f.Error())
	}
}

// Search is TestConsumer without failing the test: it returns the shrunk
// counterexample, or nil. It needs the test's t for an App (each case runs
// in a testing/synctest bubble) and to name the scenario file; it logs
// what rapid says only with -rapid.v or KAFKASIM_VERBOSE set.
//
// A scenario file saved by an earlier run (Config.Dir, named after the
// test) is replayed first. A failure found afresh is reported, shrunk for
// the code as it is now, and replaces the file; when the search finds
// none but the saved case still fails, that case is reported as such: it
// was minimal for the code of the run that saved it, and may not be now
// (delete the file to search afresh).
//
// When every case passes, Search logs (t.Log: shown with -v) how many ran
// and how many reached the generation fence: a commit refused with
// ILLEGAL_GENERATION or REBALANCE_IN_PROGRESS (STALE_MEMBER_EPOCH with
// the consumer protocol) because the group had moved on, and how many had
// a removed member's commit refused.
func Search(t *testing.T, cfg Config) *Failure {
	t.Helper()
	cfg = cfg.withDefaults()
	cfg.tt = t
	if cfg.Name == "" {
		cfg.Name = t.Name()
	}
	if err := cfg.validate(); err != nil {
		return configFailure(&cfg, err)
	}
	var stale *Failure
	if path := filepath.Join(cfg.Dir, safeName(cfg.Name)+".yaml"); fileExists(path) {
		stale = replayFile(t, path, cfg)
		if stale != nil {
			stale.Stale = true
		}
	}
	f := search(&cfg, verbose(t))
	if f == nil && stale != nil {
		return stale
	}
	if f == nil {
		t.Log(cfg.stats)
	}
	return f
}

// verbose is t when rapid's output was asked for (-rapid.v, or
// KAFKASIM_VERBOSE set), else nil.
func verbose(t *testing.T) *testing.T {
	if os.Getenv("KAFKASIM_VERBOSE") != "" {
		return t
	}
	if f := flag.Lookup("rapid.v"); f != nil && f.Value.String() == "true" {
		return t
	}
	return nil
}

// search runs rounds of rapid checks of cfg until one fails or cfg.Cases
// have run, and returns the shrunk counterexample. Rapid reports to a
// quiet TB (log, if not nil, gets what it says); the fail file rapid
// writes is removed, since the scenario file is the counterexample this
// package keeps. cfg.stats (set if nil) counts what the passing cases
// reached.
func search(cfg *Config, log *testing.T) *Failure {
	if cfg.stats == nil {
		cfg.stats = &searchStats{}
	}
	prop := func(t *rapid.T) {
		res := runCase(t, cfg)
		if f := res.failure(cfg); f != nil {
			t.Fatalf("%s", f.Error())
		}
		cfg.stats.add(res)
	}
	per := rapidChecks()
	rounds := max((cfg.Cases+per-1)/per, 1)
	if rapidSeeded() {
		// Every round would start from the same seed and run the same
		// cases: one is the whole search (-rapid.seed reruns a search).
		rounds = 1
	}
	for range rounds {
		tb := &quietTB{name: cfg.Name, log: log}
		cfg.found = nil
		rapid.Check(tb, prop)
		last := cfg.found
		if tb.failed {
			tb.removeFailFile()
			if last == nil {
				// rapid failed without a failing case: too many cases
				// skipped, a panic in the check itself.
				err := fmt.Errorf("kafkasim/check: the search failed: %s", strings.Join(tb.msgs, "; "))
				return &Failure{Guarantee: cfg.Guarantee, Strategy: cfg.Handler.Strategy, app: cfg.App != nil, Problems: []string{err.Error()}, Err: err}
			}
			rerun := tb.rerun()
			if last.res != nil {
				m := minimize(cfg, last.res)
				if l := showLoss(cfg, m); l != nil {
					m = l
				}
				if m != last.res {
					last = m.failure(cfg)
				}
			}
			last.Rerun = rerun
			return last
		}
	}
	return nil
}

// rapidSeeded reports whether rapid's seed is fixed (-rapid.seed, or
// RAPID_SEED): each rapid.Check then draws the same cases.
func rapidSeeded() bool {
	f := flag.Lookup("rapid.seed")
	return f != nil && f.Value.String() != "0"
}

// rapidChecks is how many cases one rapid.Check runs: the -rapid.checks
// flag, which rapid divides by 5 under -short.
func rapidChecks() int {
	n := 100
	if f := flag.Lookup("rapid.checks"); f != nil {
		if g, ok := f.Value.(flag.Getter); ok {
			if v, ok := g.Get().(int); ok && v > 0 {
				n = v
			}
		}
	}
	if testing.Short() {
		n /= 5
	}
	return max(n, 1)
}

// Property is the check as a rapid property, for rapid.Check or
// rapid.MakeCheck, for a Handler (an App needs the test's *testing.T: use
// TestConsumer or Search). A failing case calls t.Fatalf with the report
// and writes the scenario file (overwritten by each smaller failing case,
// so that after shrinking it holds the minimal one).
func Property(cfg Config) func(*rapid.T) {
	cfg = cfg.withDefaults()
	if cfg.Name == "" {
		cfg.Name = "check"
	}
	return func(t *rapid.T) {
		if cfg.App != nil {
			t.Fatalf("%v: Property runs a Handler; an App needs the test's *testing.T (TestConsumer, Search)", ErrConfig)
		}
		res := runCase(t, &cfg)
		if f := res.failure(&cfg); f != nil {
			t.Fatalf("%s", f.Error())
		}
	}
}

// Find runs the check of a Handler outside a test and returns the shrunk
// counterexample, or nil if every case passed (or Cases were run without
// one). It is TestConsumer for examples and tools; an App needs the
// test's *testing.T (Search). Nothing is saved but the scenario file.
func Find(cfg Config) *Failure {
	cfg = cfg.withDefaults()
	if cfg.Name == "" {
		cfg.Name = "find"
	}
	if err := cfg.validate(); err != nil {
		return configFailure(&cfg, err)
	}
	if cfg.App != nil {
		return configFailure(&cfg, fmt.Errorf("%w: Find runs a Handler; an App needs the test's *testing.T (Search)", ErrConfig))
	}
	return search(&cfg, nil)
}

// configFailure is the Failure of a Config that cannot run.
func configFailure(cfg *Config, err error) *Failure {
	return &Failure{Guarantee: cfg.Guarantee, Strategy: cfg.Handler.Strategy, app: cfg.App != nil, Problems: []string{err.Error()}, Err: err}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// quietTB is a rapid.TB that records a failure instead of failing a test,
// and keeps what rapid says (log, if set, gets it too).
type quietTB struct {
	name   string
	failed bool
	log    *testing.T
	msgs   []string
}

func (q *quietTB) Helper()      {}
func (q *quietTB) Name() string { return q.name }
func (q *quietTB) Logf(format string, args ...any) {
	if q.log != nil {
		q.log.Logf(format, args...)
	}
}
func (q *quietTB) Log(args ...any) {
	if q.log != nil {
		q.log.Log(args...)
	}
}
func (q *quietTB) Skipf(string, ...any) { q.SkipNow() }
func (q *quietTB) Skip(...any)          { q.SkipNow() }
func (q *quietTB) SkipNow()             {}
func (q *quietTB) Errorf(format string, args ...any) {
	q.failed = true
	q.msgs = append(q.msgs, fmt.Sprintf(format, args...))
	if q.log != nil {
		q.log.Logf(format, args...)
	}
}
func (q *quietTB) Error(args ...any)                 { q.Errorf("%s", fmt.Sprint(args...)) }
func (q *quietTB) Fatalf(format string, args ...any) { q.Errorf(format, args...) }
func (q *quietTB) Fatal(args ...any)                 { q.Error(args...) }
func (q *quietTB) FailNow()                          { q.failed = true }
func (q *quietTB) Fail()                             { q.failed = true }
func (q *quietTB) Failed() bool                      { return q.failed }

var (
	rerunSeed = regexp.MustCompile(`-rapid\.seed=\d+`)
	failFile  = regexp.MustCompile(`-rapid\.failfile="([^"]+)"`)
)

// rerun is the flag that reruns rapid's failing search, from what it
// said ("-rapid.seed=N"), or "".
func (q *quietTB) rerun() string {
	for _, m := range q.msgs {
		if s := rerunSeed.FindString(m); s != "" {
			return s
		}
	}
	return ""
}

// removeFailFile removes the fail file rapid wrote, so that a later run
// does not replay it unshrunk: the scenario file is the counterexample
// this package keeps (see Search).
func (q *quietTB) removeFailFile() {
	for _, m := range q.msgs {
		if sub := failFile.FindStringSubmatch(m); sub != nil {
			_ = os.Remove(sub[1])
			_ = os.Remove(filepath.Dir(sub[1])) // only if empty
		}
	}
}
