package check_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios/check"
)

// In a test you would write
//
//	func TestAuditConsumer(t *testing.T) {
//		check.TestConsumer(t, check.Config{Guarantee: check.AtLeastOnce, Handler: handler})
//	}
//
// Examples cannot take a *testing.T, so these use Find, which returns the
// shrunk counterexample instead of failing a test.

// A consumer that processes each message and then commits it keeps
// at-least-once under every fault schedule: Find returns nil.
func Example_atLeastOncePasses() {
	dir, _ := os.MkdirTemp("", "kafkasim-check")
	defer os.RemoveAll(dir)

	audit := map[string]int{} // stands for the audit database
	f := check.Find(check.Config{
		Guarantee: check.AtLeastOnce,
		Handler: check.Handler{
			Process: func(ctx context.Context, m *client.Message) error {
				audit[string(m.Key)]++ // the side effect
				return nil
			},
			Strategy: check.CommitAfterEach, // process, then commit
		},
		Setup: func() { clear(audit) }, // a fresh database for every case
		Dir:   dir,
	})
	fmt.Println("counterexample:", f)
	// Output:
	// counterexample: <nil>
}

// Committing before processing loses the message in hand when the consumer
// crashes: Find shrinks a failing case to a minimal schedule and writes it
// as a scenario file (f.File) for `kafkasim run` and `kafkasim tui`.
func Example_commitBeforeProcessFails() {
	dir, _ := os.MkdirTemp("", "kafkasim-check")
	defer os.RemoveAll(dir)

	f := check.Find(check.Config{
		Guarantee: check.AtLeastOnce,
		Handler:   check.Handler{Strategy: check.CommitBeforeProcess},
		Faults:    check.Crash | check.Restart,
		// A small topology keeps the search and the shrinking short.
		MaxConsumers: 2, MaxMessages: 20,
		Dir: dir,
	})
	if f == nil {
		fmt.Println("no counterexample")
		return
	}
	fmt.Println(strings.SplitN(f.Problems[0], ":", 3)[1])
	fmt.Println("schedule steps:", len(f.Schedule) <= 4)
	_, err := os.Stat(f.File)
	fmt.Println("scenario written:", err == nil)
	// Output:
	//  COMMITTED-TOO-FAR
	// schedule steps: true
	// scenario written: true
}
