package fidelity

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/scenarios/realkafka"
)

// Required are the built-in scenarios the real backend must agree on:
// the lessons' own crash, commit and rebalance stories. RunnableLibrary
// lists every built-in a real cluster can run.
var Required = []string{
	"auto-commit-loss",
	"manual-commit-duplicates",
	"commit-before-process",
	"close-vs-crash",
	"scale-out",
	"eager-vs-cooperative",
	"static-membership",
	"protocols-scale-out",
	"protocols-crash",
}

// RunnableLibrary lists the built-in scenarios an in-process kfake
// cluster can run (see realkafka.CheckConfig: its broker can be taken
// down), in library order.
func RunnableLibrary() []string {
	var out []string
	for _, n := range scenarios.Names() {
		s, err := scenarios.Builtin(n)
		if err == nil && realkafka.CheckConfig(s, realkafka.Config{Broker: noBroker{}}) == nil {
			out = append(out, n)
		}
	}
	return out
}

// noBroker stands for a broker that can be taken down, in checks.
type noBroker struct{}

func (noBroker) SetAvailable(bool) error { return nil }

// hasBrokerSteps reports whether s takes the broker down or up.
func hasBrokerSteps(s *scenarios.Scenario) bool {
	for _, a := range s.Script {
		if a.Do == scenarios.DoBrokerDown || a.Do == scenarios.DoBrokerUp {
			return true
		}
	}
	return false
}

// Status is a scenario's fidelity result.
type Status string

// Statuses.
const (
	// Agree: the simulator and the cluster agree.
	Agree Status = "agree"
	// Differ: they disagree; a simulator (or backend) bug until explained.
	Differ Status = "DIFFER"
	// Documented: they disagree in a way Explained explains (a property
	// of kfake or kgo, not of Kafka's semantics).
	Documented Status = "documented difference"
	// CannotRun: the scenario needs something a real cluster cannot do.
	CannotRun Status = "cannot run for real"
	// Failed: a run failed.
	Failed Status = "FAILED"
)

// Explained lists, per client library, the scenarios whose difference is
// a known property of kfake or of the client, with the reason
// (docs/real-kafka.md explains each).
var Explained = map[string]map[string]string{
	realkafka.FranzGo:    explainedFranzGo,
	realkafka.Librdkafka: explainedLibrdkafka,
}

var explainedLibrdkafka = map[string]string{
	"sticky-balance-check": "librdkafka 2.0.2's check for a balanced assignment reuses its member loop's index in an " +
		"inner loop and skips members (isBalanced, rdkafka_sticky_assignor.c:697 and :715; fixed in 2.6.1), so it stops " +
		"at 5/3/3 with c1 t1[0,1,2,4,6]; the simulator's assignor follows current librdkafka and goes on to 4/3/4, " +
		"moving t1[0] to c3",
	"sticky-old-generation": "librdkafka does not drop an assignment when max.poll.interval.ms runs out in the middle of a " +
		"rebalance (rd_kafka_cgrp_revoke_all_rejoin_maybe does nothing then, rdkafka_cgrp.c:4171 and :3966), so the " +
		"stalled static member rejoins still claiming a partition the group gave away, and keeps reading it meanwhile; " +
		"the simulator drops the assignment. Between librdkafka 2.0.2 members a claim carries no generation, and of two " +
		"claims the member listed first in the JoinGroup response wins (rdkafka_sticky_assignor.c:1223), in random " +
		"order on kfake; current librdkafka lets the newer generation win",
	"sticky-rebalance-cost": "the sticky group commits every 20 messages while its cooperative rebalances run; a commit " +
		"that reaches the coordinator after it formed the next generation but before the member learnt it is refused " +
		"with ILLEGAL_GENERATION, and librdkafka 2.0.2 then treats the whole assignment as lost and rejoins " +
		"(rd_kafka_cgrp_op_handle_OffsetCommit, rdkafka_cgrp.c), which starts another rebalance: how many messages " +
		"are repeated depends on milliseconds. The simulator's coordinator answers a join at the instant the " +
		"generation forms, so that window does not exist there",
}

var explainedFranzGo = map[string]string{
	"sticky-balance-check": kgoNotLibrdkafka,
	"sticky-old-generation": kgoNotLibrdkafka + "; client/kafka also drops the stalled member's assignment when " +
		"max.poll.interval.ms runs out, as the simulator does",
	"sticky-static-returns": kgoNotLibrdkafka + ", so the crash leaves other messages uncommitted",
	"sticky-unequal-subscriptions": "kgo's CooperativeStickyBalancer is not librdkafka's cooperative-sticky: it evens " +
		"group arrivals out to 2/2/2 by a chain of moves, where librdkafka (the real one and the simulator's) stops at 2/3/1",
	"broker-outage": "client/kafka on franz-go does not ride out an outage as librdkafka does: kgo fails the records " +
		"produced while no broker answers (librdkafka keeps them until message.timeout.ms) and its consumer loses its " +
		"group membership, so the messages sent during the outage are missing; the real librdkafka agrees with the simulator",
	"sticky-rebalance-cost": "kgo's CooperativeStickyBalancer is not librdkafka's cooperative-sticky: it moves other " +
		"partitions to the new member, so other messages are repeated in the sticky group (the lesson's counts, few " +
		"revoked partitions and few repeats against the eager group's many, hold on both)",
}

// kgoNotLibrdkafka explains why the fidelity checks of librdkafka's
// cooperative-sticky assignor differ on franz-go.
const kgoNotLibrdkafka = "a check of librdkafka's cooperative-sticky assignor: kgo's CooperativeStickyBalancer " +
	"picks other partitions, and with unequal subscriptions other counts"

// Throughput lists the scenarios whose consumers are slower than their
// producers on purpose, with the share of the messages the simulator
// processed that may end the run processed on one side and still pending
// on the other (at least 5 per partition): where the boundary falls at the
// end of the run depends on throughput (a real client spends a few
// milliseconds per message the simulator does not, more on a busy
// machine), not on semantics. Check treats such a difference, with the
// committed offsets that follow from it, as agreement and says so in the
// note.
var Throughput = map[string]float64{
	"lag-growth": 0.1,
}

// behindRetries is how many times Check runs a scenario that falls
// behind its real-time schedule before it reports the failure.
const behindRetries = 3

// Report is one scenario's comparison.
type Report struct {
	Scenario string
	// Library is the client library of the real run (realkafka.FranzGo
	// or realkafka.Librdkafka).
	Library string
	Status  Status
	// Diff is go-cmp's difference (-sim +real), when they differ.
	Diff string
	// Note explains a documented difference, why the scenario cannot
	// run, or the error.
	Note string
	// Sim and Real are the compared views.
	Sim, Real View
	// SimResult and RealResult are the whole runs (nil when a run did
	// not happen), for a closer look at a difference.
	SimResult, RealResult *scenarios.Result
	// Took is the real run's wall (or bubble) time.
	Took time.Duration
}

// OK reports whether the status is not a failure.
func (r Report) OK() bool { return r.Status != Differ && r.Status != Failed }

// Target is the real cluster a check runs against.
type Target struct {
	// Config is the real backend's configuration (Brokers, Client keys,
	// Dialer). RunID is set per scenario.
	Config realkafka.Config
	// Kfake, when the target is an in-process kfake cluster, emulates
	// group.initial.rebalance.delay.ms with the scenario's value.
	Kfake *Kfake
	// InitialRebalanceDelay, when set, is the broker's
	// group.initial.rebalance.delay.ms: the simulator runs with it
	// instead of the scenario's value (a real broker's setting cannot be
	// changed per run). Ignored with Kfake.
	InitialRebalanceDelay *time.Duration
	// Seed, when SeedSet, replaces the scenarios' seeds.
	Seed    uint64
	SeedSet bool
}

// Check runs the named scenario on the simulator and on the target and
// compares them.
func Check(s *scenarios.Scenario, t Target) Report {
	lib := t.Config.Library
	if lib == "" {
		lib = realkafka.FranzGo
	}
	rep := Report{Scenario: s.Name, Library: lib}
	k := t.Kfake
	if k != nil && hasBrokerSteps(s) {
		// Its broker goes down: a cluster of its own.
		pk, err := k.Private()
		if err != nil {
			rep.Status, rep.Note = Failed, "kfake: "+err.Error()
			return rep
		}
		defer pk.Close()
		k = pk
		t.Config.Brokers = pk.Brokers()
		if d := pk.Dialer(); d != nil {
			t.Config.Dialer = d
		}
	}
	if k != nil {
		t.Config.Broker = k
	}
	if err := realkafka.CheckConfig(s, realkafka.Config{Library: lib, Broker: t.Config.Broker}); err != nil {
		rep.Status, rep.Note = CannotRun, err.Error()
		return rep
	}
	sim := *s
	if t.Kfake == nil && t.InitialRebalanceDelay != nil {
		d := *t.InitialRebalanceDelay
		sim.Cluster.GroupInitialRebalanceDelay = &d
	}
	opts := scenarios.Options{Seed: t.Seed, SeedSet: t.SeedSet}
	sr, err := scenarios.Run(&sim, opts)
	if err != nil {
		rep.Status, rep.Note = Failed, "simulator: "+err.Error()
		return rep
	}
	cfg := t.Config
	cfg.Library = lib
	cfg.RunID = fmt.Sprintf("ks%06x", rand.Uint32()&0xffffff)
	if k != nil {
		k.PrepareRun(s, cfg.RunID)
	}
	start := time.Now()
	rr, err := realkafka.Run(s, opts, cfg)
	for try := 1; errors.Is(err, realkafka.ErrBehindSchedule) && try < behindRetries; try++ {
		// The machine was too busy for this run's timings to mean
		// anything: run it again.
		cfg.RunID = fmt.Sprintf("ks%06x", rand.Uint32()&0xffffff)
		if k != nil {
			k.PrepareRun(s, cfg.RunID)
		}
		start = time.Now()
		rr, err = realkafka.Run(s, opts, cfg)
	}
	rep.Took = time.Since(start)
	if err != nil {
		rep.Status, rep.Note = Failed, lib+": "+err.Error()
		if errors.Is(err, realkafka.ErrNotPossible) {
			rep.Status = CannotRun
		}
		return rep
	}
	rep.SimResult, rep.RealResult = sr, rr
	rep.Sim, rep.Real = ViewOf(sr), ViewOf(rr)
	convergeConsumerGroups(s, &rep.Sim, sr)
	convergeConsumerGroups(s, &rep.Real, rr)
	if lib != realkafka.Librdkafka {
		// client/kafka reports no join steps and no empty revokes, and
		// its order is our emulation's: the order is the real client's
		// to check.
		rep.Sim.Order, rep.Real.Order = nil, nil
		// kgo's CooperativeStickyBalancer is not librdkafka's assignor:
		// compare how many partitions each consumer owns and keeps.
		rep.Sim.Assignments, rep.Real.Assignments = countCooperative(rep.Sim.Assignments), countCooperative(rep.Real.Assignments)
	}
	cmpReal := rep.Real
	if share := Throughput[s.Name]; share > 0 {
		n := max(5, int64(share*float64(sr.Outcome.Counts.OK+sr.Outcome.Counts.Redelivered)))
		var moved int
		cmpReal, moved = alignThroughput(rep.Sim, rep.Real, n)
		if moved > 0 {
			rep.Note = fmt.Sprintf("throughput: %d message(s) at the end of the run were processed on one side and pending on the other (within the scenario's tolerance of %d per partition)", moved, n)
		}
	}
	rep.Diff = cmp.Diff(rep.Sim, cmpReal)
	switch {
	case rep.Diff == "":
		rep.Status = Agree
	case Explained[lib][s.Name] != "":
		rep.Status, rep.Note = Documented, Explained[lib][s.Name]
	default:
		rep.Status = Differ
	}
	return rep
}

// Print writes a report: the status line, then the note and the
// difference (-sim +kafka), indented.
func (r Report) Print(w io.Writer) {
	took := ""
	if r.Took > 0 {
		took = fmt.Sprintf(" (%s)", r.Took.Round(10*time.Millisecond))
	}
	lib := ""
	if r.Library != "" {
		lib = r.Library + ": "
	}
	fmt.Fprintf(w, "%-32s %s%s%s\n", r.Scenario, lib, r.Status, took)
	if r.Note != "" {
		fmt.Fprintf(w, "    %s\n", r.Note)
	}
	if r.Diff != "" {
		fmt.Fprintf(w, "    difference (-sim +%s):\n", r.Library)
		for _, l := range strings.Split(strings.TrimRight(r.Diff, "\n"), "\n") {
			fmt.Fprintf(w, "    %s\n", l)
		}
	}
}

// Names expands an empty selection to the built-in library.
func Names(names []string) []string {
	if len(names) > 0 {
		return names
	}
	return slices.Clone(scenarios.Names())
}
