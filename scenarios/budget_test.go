package scenarios

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/client"
)

// TestStallingValuesRefused: every value that would let a run spin
// without virtual time moving is an error at its position.
func TestStallingValuesRefused(t *testing.T) {
	head := "topics: [t]\nproducers: [{topic: t, count: 2}]\n"
	cases := []struct{ src, want string }{
		{head + "consumers: [{id: c1, group: g, topics: [t], poll_idle: 0s}]\n",
			"x.yaml:3:56: consumers[0].poll_idle: must be at least 1ms"},
		{head + "consumers: [{id: c1, group: g, topics: [t], poll_idle: 1ns}]\n",
			"x.yaml:3:56: consumers[0].poll_idle: must be at least 1ms"},
		{head + "consumers: [{id: c1, group: g, topics: [t], poll_idle: 999us}]\n",
			"x.yaml:3:56: consumers[0].poll_idle: must be at least 1ms"},
		{head + "consumers: [{id: c1, group: g, topics: [t], processing: {time: 0s, fail_probability: 1, on_failure: retry}}]\n",
			"x.yaml:3:86: consumers[0].processing: fail_probability 1 with on_failure: retry fails every attempt and retries at once"},
		{head + "consumers: [{id: c1, group: g, topics: [t], processing: {fail_probability: 1.0, on_failure: retry}}]\n",
			"x.yaml:3:76: consumers[0].processing: fail_probability 1 with on_failure: retry"},
		{head + "cluster: {offsets_retention_check: 1ns}\n",
			"x.yaml:3:36: cluster.offsets_retention_check: must be at least 1ms"},
		{head + "duration: 99999999h\n", "x.yaml:3:11: scenario.duration: a duration must be at most 30d (the longest a scenario can run), got \"99999999h\""},
		{head + "duration: 31d\n", "x.yaml:3:11: scenario.duration: a duration must be at most 30d"},
		{head + "duration: 30d1ns\n", "x.yaml:3:11: scenario.duration: a duration must be at most 30d"},
		{head + "duration: 99999999999999999999d\n", "x.yaml:3:11: scenario.duration: a duration must be at most 30d"},
		{head + "consumers: [{id: c1, group: g, topics: [t], processing: {time: 40d}}]\n",
			"x.yaml:3:64: consumers[0].processing.time: a duration must be at most 30d"},
	}
	for _, c := range cases {
		_, err := Parse("x.yaml", []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q:\n got %v\nwant %s", c.src, err, c.want)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: not ErrInvalid: %v", c.src, err)
		}
	}
	// At the limits, and the ways to stay in them, all load.
	for _, src := range []string{
		head + "consumers: [{id: c1, group: g, topics: [t], poll_idle: 1ms}]\n",
		head + "consumers: [{id: c1, group: g, topics: [t], processing: {time: 1ms, fail_probability: 1, on_failure: retry}}]\n",
		head + "consumers: [{id: c1, group: g, topics: [t], processing: {time: 0s, fail_probability: 0.5, on_failure: retry}}]\n",
		head + "cluster: {offsets_retention_check: 0s}\n",
		head + "duration: 30d\n",
		head + "duration: 29d23h59m59s\n",
	} {
		if _, err := Parse("x.yaml", []byte(src)); err != nil {
			t.Errorf("%q: %v", src, err)
		}
	}
}

// TestRetryIsNotRecursive: an app that retries a message processed at
// once tries again in a loop, not in a call from inside the failed
// attempt: the stack stays as deep however many attempts fail (it grew by
// three calls an attempt, and retry-forever overflowed it).
func TestRetryIsNotRecursive(t *testing.T) {
	s, err := Parse("retry.yaml", []byte(`
duration: 10s
topics: [t]
producers: [{topic: t, count: 2}]
consumers:
  - {id: c1, group: g, topics: [t], config: {auto.offset.reset: earliest}, processing: {time: 0s, on_failure: retry, commit: after-each}}
`))
	if err != nil {
		t.Fatal(err)
	}
	const fails = 2000
	attempts, lo, hi := 0, 1<<30, 0
	pcs := make([]uintptr, 4096)
	_, err = Run(s, Options{Process: func(ctx context.Context, m *client.Message) error {
		depth := runtime.Callers(0, pcs)
		lo, hi = min(lo, depth), max(hi, depth)
		attempts++
		if attempts <= fails {
			return errors.New("not yet")
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if attempts != fails+2 {
		t.Errorf("%d attempts, want %d", attempts, fails+2)
	}
	if hi-lo > 8 {
		t.Errorf("the stack grew from %d to %d calls over %d retries", lo, hi, fails)
	}
}

// TestBudgetRefusesBeforeRunning: a scenario asking for more than its
// budget is refused by Start, naming the budget, what asks for it (with
// its position) and the flag that raises it; raised, it runs.
func TestBudgetRefusesBeforeRunning(t *testing.T) {
	cases := []struct {
		name, src string
		budget    Budget
		want      string
	}{
		{"messages", "topics: [t]\nproducers:\n  - {topic: t, count: 10}\n  - {topic: t, count: 150000}\n", Budget{},
			"x.yaml:4:6: over the run's budget of 100000 messages: the scenario needs 150010 (producers[1] sends 150000); raise it with --budget messages=160000"},
		{"script messages", "topics: [t]\nscript:\n  - {at: 1s, do: produce, topic: t, count: 20}\n", Budget{Messages: 10},
			"x.yaml:3:6: over the run's budget of 10 messages: the scenario needs 20 (script[0] sends 20); raise it with --budget messages=20"},
		{"bytes", "topics: [t]\nproducers: [{topic: t, count: 20000, value: \"" + strings.Repeat("x", 6000) + "-{i}\"}]\n", Budget{},
			"x.yaml:2:14: over the run's budget of 100000000 bytes: the scenario needs 120120000 (producers[0] sends 20000 messages of 6006 bytes (keys and values)); raise it with --budget bytes=130000000"},
		{"partitions", "topics:\n  - {name: a, partitions: 6000}\n  - {name: b, partitions: 6000}\n", Budget{},
			"x.yaml:3:6: over the run's budget of 10000 partitions: the scenario needs 12000 (the topics have 12000 partitions in all; topics[1] goes over); raise it with --budget partitions=12000"},
		{"events", "topics: [t]\nproducers: [{topic: t, count: 5000}]\nconsumers: [{id: c, group: g, topics: [t]}]\n", Budget{Events: 10000},
			"x.yaml:2:14: over the run's budget of 10000 events: the scenario needs about "},
		{"steps", "duration: 30d\ntopics: [t]\nconsumers: [{id: c, group: g, topics: [t], poll_idle: 1ms}]\n", Budget{},
			"x.yaml:3:14: over the run's budget of 200000000 steps: the scenario needs about 2593391040 (consumers[0] (c) polls every 1ms when idle and heartbeats every 3s for 30d); raise it with --budget steps=2600000000"},
		{"retention check", "duration: 30d\ncluster: {offsets_retention_check: 1ms}\ntopics: [t]\n", Budget{},
			"x.yaml:2:11: over the run's budget of 200000000 steps: the scenario needs about 2592000000 (cluster.offsets_retention_check runs every 1ms for 30d)"},
	}
	for _, c := range cases {
		s, err := Parse("x.yaml", []byte(c.src))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		_, err = Start(s, Options{Budget: c.budget})
		var be *BudgetError
		if !errors.As(err, &be) || !errors.Is(err, ErrBudget) || be.Stopped {
			t.Errorf("%s: got %v, want a BudgetError", c.name, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s:\n got %v\nwant %s", c.name, err, c.want)
		}
		if be.Budget != c.name && !strings.Contains(c.name, be.Budget) && c.name != "retention check" {
			t.Errorf("%s: budget %q", c.name, be.Budget)
		}
		raised := c.budget
		if err := raised.Set(be.Budget, be.Need*2); err != nil {
			t.Fatal(err)
		}
		if err := s.CheckBudget(raised); err != nil {
			t.Errorf("%s: raised to %d: %v", c.name, be.Need*2, err)
		}
	}
}

// TestBudgetStopsARun: a run that goes over its events or steps budget on
// the way is stopped there, at once, with a BudgetError saying when.
func TestBudgetStopsARun(t *testing.T) {
	// Retries at one instant: a failure event each, no time passing.
	s, err := Parse("x.yaml", []byte(`
duration: 1m
topics: [t]
producers: [{topic: t, count: 3}]
consumers:
  - {id: c1, group: g, topics: [t], config: {auto.offset.reset: earliest}, processing: {time: 0s, fail_probability: 0.999999, on_failure: retry}}
`))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = Run(s, Options{Budget: Budget{Events: 20_000}})
	var be *BudgetError
	if !errors.As(err, &be) || be.Budget != "events" || !be.Stopped {
		t.Fatalf("got %v, want the events budget", err)
	}
	if want := "run x: stopped at T=3.1s: the run went over its budget of 20000 events"; !strings.HasPrefix(err.Error(), want) ||
		!strings.Contains(err.Error(), "raise it with --budget events=200000") {
		t.Errorf("got %q, want %s... raise it with --budget events=200000", err, want)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("stopping took %v", el)
	}

	// A session driven past the scenario's end runs more steps than the
	// estimate counted: the clock stops at the budget.
	s, err = Parse("x.yaml", []byte("duration: 10s\ntopics: [t]\nconsumers: [{id: c1, group: g, topics: [t]}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	ss, err := Start(s, Options{Budget: Budget{Steps: 5000}})
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	err = ss.RunUntil(24 * time.Hour)
	if !errors.As(err, &be) || be.Budget != "steps" || !be.Stopped || be.At <= 10*time.Second || be.At >= 24*time.Hour {
		t.Fatalf("got %v, want the steps budget between 10s and 24h", err)
	}
	if _, err := ss.Finish(); !errors.Is(err, ErrBudget) {
		t.Errorf("Finish after the stop: %v", err)
	}
}

// TestBudgetErrorRaise: the suggested budget covers what is needed.
func TestBudgetErrorRaise(t *testing.T) {
	for _, c := range []struct {
		limit, need int64
		want        string
	}{
		{100, 150, "150"}, {100_000, 150_010, "160000"}, {10, 20, "20"}, {100, 0, "1000"}, {100, 99, "1000"}, {7, 8, "8"},
	} {
		if got := raiseTo(c.limit, c.need); got != c.want {
			t.Errorf("raiseTo(%d, %d) = %s, want %s", c.limit, c.need, got, c.want)
		}
	}
	var b Budget
	if err := b.Set("nope", 1); err == nil {
		t.Error("unknown budget accepted")
	}
	for _, n := range BudgetNames {
		if err := b.Set(n, 7); err != nil {
			t.Error(err)
		}
	}
	if b != (Budget{7, 7, 7, 7, 7}) {
		t.Errorf("Set: %+v", b)
	}
}

// TestLibraryWithinBudget: every built-in runs on a fiftieth of the
// default budget.
func TestLibraryWithinBudget(t *testing.T) {
	small := Budget{Messages: DefaultBudgetMessages / 50, Bytes: DefaultBudgetBytes / 50, Partitions: DefaultBudgetPartitions / 50,
		Events: DefaultBudgetEvents / 50, Steps: DefaultBudgetSteps / 50}
	lib, err := Library()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range lib {
		if _, err := Run(s, Options{Budget: small}); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
	}
}

// TestInvalidTopicNames: a name the broker would refuse is an error in the
// file, not a failed run (found by FuzzLoadAndRun: a topic "$").
func TestInvalidTopicNames(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"topics: [$]\n", `x.yaml:1:10: topics[0]: invalid topic name "$": Kafka's topic names are 1 to 249 letters`},
		{"topics: [{name: ..}]\n", `topics[0]: invalid topic name ".."`},
		{"topics: [" + strings.Repeat("t", 250) + "]\n", "topics[0]: invalid topic name"},
		{"cluster: {auto_create_topics: true}\nproducers: [{topic: a b}]\n", `x.yaml:2:14: producers[0]: invalid topic name "a b"`},
		{"cluster: {auto_create_topics: true}\nscript: [{at: 1s, do: produce, topic: \"ü\"}]\n", `script[0]: invalid topic name "ü"`},
	} {
		_, err := Parse("x.yaml", []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %s", c.src, err, c.want)
		}
	}
	if _, err := Parse("x.yaml", []byte("topics: [a.b_c-D9, "+strings.Repeat("t", 249)+"]\n")); err != nil {
		t.Error(err)
	}
}
