// Package check property-tests Kafka consumer code against kafkasim's
// in-memory cluster. You hand it your consumer — your own loop as an App
// (the function your main runs, given the consumer: it subscribes, polls,
// processes, commits from wherever it commits, and closes when its context
// is cancelled), or a Handler (your per-message work and one of the usual
// commit strategies) — and the guarantee it claims, and TestConsumer
// throws hundreds of random fault schedules at it: crashes before, during
// and after processing and around commits, graceful closes, stalls past
// max.poll.interval.ms, slow processing, broker outages, consumers joining
// and leaving. Everything runs in virtual time; an App's goroutines,
// sleeps, tickers and channels too, each case in a testing/synctest
// bubble of its own. Then every message is classified (OK, REDELIVERED,
// DUPLICATED, LOST, PENDING) and the guarantee is checked.
//
// It is built on pgregory.net/rapid: every choice of a case is a rapid
// draw, so a failure shrinks to a minimal schedule, which the check then
// shrinks further step by step. The report names the message that was
// lost or duplicated and why, shows the schedule and the timeline, and the
// case is saved as a scenario file that Replay runs again (and, for a
// Handler, `kafkasim run FILE` replays and `kafkasim tui FILE` opens). An
// App that hangs when told to stop, or leaves goroutines running, is
// reported with its goroutines named.
//
// Import this package only from _test.go files: rapid registers its
// -rapid.* command-line flags when imported, and an App needs the test's
// *testing.T. The package keeps no global state; each case builds its own
// cluster.
//
// A check runs DefaultCases cases unless Config.Cases or the
// KAFKASIM_CHECKS environment variable says otherwise, in rounds of
// rapid's -rapid.checks; -rapid.steps sets the actions per case.
// Counterexamples go to Config.Dir, the KAFKASIM_FAILURES environment
// variable, or testdata/kafkasim. docs/testing.md is the tutorial.
package check
