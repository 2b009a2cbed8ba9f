package scenarios_test

import (
	"fmt"

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
	for _, m := range r.Outcome.Messages {
		if m.Outcome == scenarios.Lost {
			fmt.Printf("%s[%d]@%d %s: %s\n", m.Topic, m.Partition, m.Offset, m.CauseKind, m.Cause)
		}
	}
	fmt.Println("expectations failing:", len(s.Check(r)))
	// Output:
	// 4 OK, 1 LOST, 0 DUPLICATED
	// orders[0]@1 crash-after-commit: auto-commit at T=8.1s by c1 committed offset 2 while offset 1 was still being processed (delivered to c1 at T=7.1s); consumer c1 crashed at T=10s before finishing it
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
