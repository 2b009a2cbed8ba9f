package scenarios_test

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kafkasim/kafkasim/scenarios"
)

// Load a scenario (here a built-in; scenarios.Load reads a file), run it on
// the in-memory cluster and look at the outcome.
func Example() {
	s, err := scenarios.Builtin("auto-commit-loss")
	if err != nil {
		panic(err)
	}
	r, err := scenarios.Run(s, scenarios.Options{})
	if err != nil {
		panic(err)
	}
	c := r.Outcome.Counts
	fmt.Printf("%d OK, %d LOST, %d DUPLICATED\n", c.OK, c.Lost, c.Duplicated)
	for _, m := range r.Outcome.Messages() {
		if m.Outcome == scenarios.Lost {
			fmt.Printf("%s[%d]@%d %s: %s\n", m.Topic, m.Partition, m.Offset, m.CauseKind, m.Cause)
		}
	}
	fmt.Println("expectations failing:", len(s.Check(r)))
	// Output:
	// 4 OK, 1 LOST, 0 DUPLICATED
	// orders[0]@0 crash-after-commit: auto-commit at T=5s by c1 committed offset 1 while offset 0 was still being processed (delivered to c1 at T=3.1s); consumer c1 crashed at T=6s before finishing it
	// expectations failing: 0
}

// Parse a scenario from bytes; errors carry file:line:column.
func ExampleParse() {
	_, err := scenarios.Parse("mine.yaml", []byte(`
topics: [orders]
consumers:
  - id: c1
    group: g
    topics: [orders]
script:
  - {at: 5s, do: crash, consumer: c2}
`))
	fmt.Println(err)
	// Output:
	// mine.yaml:8:35: script[0]: unknown consumer "c2" (did you mean "c1"?); declared consumers: c1
}

// Drive a run step by step: run to an instant, act, look at the events so
// far, then take the Result.
func ExampleStart() {
	s, err := scenarios.Builtin("auto-commit-loss")
	if err != nil {
		panic(err)
	}
	s.Script = nil // no script: this session decides its own faults
	ss, err := scenarios.Start(s, scenarios.Options{})
	if err != nil {
		panic(err)
	}
	if err := ss.RunUntil(4 * time.Second); err != nil {
		panic(err)
	}
	c1 := ss.Consumers()[0]
	fmt.Println("c1 running:", c1.Running, "busy:", c1.Current != nil)
	// The crash of the lesson, as an action: Do runs the world to 6s and
	// crashes c1 there.
	if err := ss.Do(scenarios.Action{At: 6 * time.Second, Do: scenarios.DoCrash, Consumer: c1.Spec.ID}); err != nil {
		panic(err)
	}
	evs := ss.Events()
	fmt.Println("last event:", evs[len(evs)-1].Kind)
	if err := ss.RunUntil(s.Duration); err != nil {
		panic(err)
	}
	r, err := ss.Finish()
	if err != nil {
		panic(err)
	}
	fmt.Println("duration:", r.Duration, "lost:", r.Outcome.Counts.Lost)
	// Output:
	// c1 running: true busy: true
	// last event: crash
	// duration: 1m30s lost: 1
}

// Run a scenario with many seeds, keeping only the counts: each Result is
// released once read, so that the next run reuses its memory.
func ExampleResult_Release() {
	s, err := scenarios.Builtin("auto-commit-loss")
	if err != nil {
		panic(err)
	}
	lost := 0
	for seed := uint64(1); seed <= 20; seed++ {
		r, err := scenarios.Run(s, scenarios.Options{Seed: seed, SeedSet: true})
		if err != nil {
			panic(err)
		}
		lost += r.Outcome.Counts.Lost
		r.Release() // r is empty from here on
	}
	fmt.Println("messages lost in 20 runs:", lost)
	// Output:
	// messages lost in 20 runs: 20
}

// Write a run as JSON Lines (kafkasim run --format jsonl) and read it
// back; a stream cut short is refused, not read as a smaller result.
func ExampleReadJSONL() {
	s, err := scenarios.Builtin("manual-commit-duplicates")
	if err != nil {
		panic(err)
	}
	r, err := scenarios.Run(s, scenarios.Options{})
	if err != nil {
		panic(err)
	}
	var buf strings.Builder
	if err := r.WriteJSONL(&buf); err != nil {
		panic(err)
	}
	back, err := scenarios.ReadJSONL(strings.NewReader(buf.String()))
	if err != nil {
		panic(err)
	}
	fmt.Println(back.Scenario, back.Outcome.Counts == r.Outcome.Counts, len(back.Events()) == len(r.Events()))

	cut := buf.String()[:len(buf.String())/2]
	cut = cut[:strings.LastIndexByte(cut, '\n')+1] // whole lines, the rest missing
	_, err = scenarios.ReadJSONL(strings.NewReader(cut))
	fmt.Println(errors.Is(err, scenarios.ErrJSONLCut))
	// Output:
	// manual-commit-duplicates true true
	// true
}
