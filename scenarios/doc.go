// Package scenarios loads kafkasim scenario files, runs them through the
// client interfaces on a clock, records the timeline and classifies what
// happened to every message (OK, REDELIVERED, DUPLICATED, LOST, PENDING, as
// docs/guarantees.md defines them).
//
// The data types here — Result, Event, Outcome, Snapshot — are what the CLI,
// the TUI and property tests code against. Their JSON form is stable and
// documented in docs/json-schema.md. Nothing here imports a UI package.
package scenarios
