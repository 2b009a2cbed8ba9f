// Command kafkasim runs Kafka consumer scenarios on an in-memory, virtual-time
// Kafka: list the built-in lessons, run one and read its timeline and
// outcome, check scenario files' expectations, describe a group at any
// moment.
//
//	kafkasim list
//	kafkasim run auto-commit-loss [--seed N] [--format text|json]
//	kafkasim check my-scenario.yaml ...
//	kafkasim describe auto-commit-loss --at 30s
package main

import (
	"os"
)

func main() {
	os.Exit(Main())
}

// Main runs the command line with os.Args and returns the exit code: 0 on
// success, 1 when a scenario's expectation failed or a run failed, 2 on
// invalid input (bad flags, unknown scenario, invalid scenario file, a
// scenario over its run budget), 70 on an internal error (a bug in
// kafkasim, never the input's fault).
func Main() int {
	return execute(os.Args[1:], os.Stdout, os.Stderr)
}
