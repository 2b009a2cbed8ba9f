// Package check property-tests Kafka consumer logic against kafkasim's
// in-memory cluster: you describe your consumer (a Handler with a commit
// strategy) and the guarantee it claims, and TestConsumer throws thousands
// of random fault schedules at it — crashes before, during and after
// processing and around commits, graceful closes, stalls past
// max.poll.interval.ms, slow processing, broker outages, consumers joining
// and leaving — in virtual time, then classifies every message (OK,
// REDELIVERED, DUPLICATED, LOST, PENDING) and checks the guarantee.
//
// It is built on pgregory.net/rapid: every choice of a case is a rapid
// draw, so a failure shrinks to a minimal schedule. The report names the
// message that was lost or duplicated and why, shows the schedule and the
// timeline, and the case is saved as a scenario file that
// `kafkasim run FILE` replays and `kafkasim tui FILE` opens.
//
// Import this package only from _test.go files: rapid registers its
// -rapid.* command-line flags when imported. The package keeps no global
// state; each call builds its own cluster.
//
// Cases are sized by rapid's -rapid.checks flag (cases per round) and
// -rapid.steps (actions per case), and by Config.Cases or the
// KAFKASIM_CHECKS environment variable (least number of cases in all).
// Counterexamples go to Config.Dir, the KAFKASIM_FAILURES environment
// variable, or testdata/kafkasim. docs/testing.md is the tutorial.
package check
