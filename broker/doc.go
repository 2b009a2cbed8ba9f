// Package broker is kafkasim's in-memory Kafka cluster: topics with
// partitions, append-only logs with log start offsets and high watermarks,
// list offsets, delete records, retention by time and size, the committed
// offsets store with KIP-211 expiry, cluster availability, and the
// librdkafka partitioners.
//
// The broker is a deterministic state machine: it never
// reads the wall clock, never starts goroutines and never uses the global
// random source. Time comes from the clock.Clock passed to New, on which the
// broker schedules its own periodic retention and offset-expiry checks;
// randomness (sticky partitions) comes from a *rand.Rand passed in.
//
// A Broker is not safe for concurrent use: a simulation drives it from one
// goroutine, the one that runs the clock's loop.
//
// Storage is built for speed: keys and values are copied into large
// append-only byte chunks and each record costs one fixed-size header, so a
// million records cost a few hundred allocations. Records returned by Fetch
// alias that memory and are read-only.
package broker
