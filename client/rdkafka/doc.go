// Package rdkafka drives the real librdkafka — the engine of
// confluent-kafka-python and confluent-kafka-go, the clients kafkasim
// models — behind client.Consumer, client.Producer and client.Crasher, so
// that a scenario, or any code written against those interfaces, runs on
// the client the lessons are about and not on a second implementation of
// it.
//
//	c, err := rdkafka.NewConsumer(client.ConfigMap{
//		"bootstrap.servers": "localhost:9092",
//		"group.id":          "billing",
//	}, hooks...)
//
// # How
//
// Each client is an agent process: a small Python program (agent.py,
// embedded) running one confluent_kafka.Consumer or Producer, spoken to
// over stdin/stdout with one JSON object per line. The Go side implements
// the interfaces and turns what the agent reports — messages, rebalance
// callbacks, commit results, error_cb — into client events and hooks.
// The rebalance callback runs in Go while the agent waits inside
// librdkafka's callback, so it may call Assign, Commit and the like, as
// in confluent-kafka-go.
//
// What librdkafka does on its own threads (the auto-commit timer, the
// commit of revoked partitions, joins, leaving the group on
// max.poll.interval.ms) an app learns late or never: commit results only
// at its next poll, member ids and generations not at all. The agent runs
// librdkafka with debug=cgrp,topic; librdkafka's log lines, which it
// writes to stderr as things happen, are read and turned into the hooks
// (HookCommit with the offsets and the trigger, HookGroup, HookPosition,
// HookMaxPollExceeded), in order with the calls: before answering a call
// the agent writes a marker to stderr, and the Go side reads the log up
// to the marker first. The lines read are librdkafka 2.0.2's (Debian's,
// the version under confluent-kafka-python 1.7, the lesson's); a line a
// later version words differently is skipped, which loses detail in a
// timeline but never changes what the app's calls do.
//
// Crash is SIGKILL of the agent: nothing committed, no LeaveGroup — as
// real as a crash gets. An agent whose Go parent dies is killed with it
// (Linux) or exits when its stdin closes.
//
// # Requirements
//
// A Python 3 that can import confluent_kafka: Debian's
// python3-confluent-kafka (apt-get install -y python3-confluent-kafka),
// or any, named by $KAFKASIM_PYTHON. Find reports what it found; every
// constructor fails with an error wrapping ErrNotInstalled when there is
// none. Nothing else in kafkasim needs it.
//
// # Differences from confluent-kafka-go
//
//   - Calls are serialized: one reaches librdkafka at a time (a Poll
//     waiting for a message holds back a Commit from another goroutine
//     until it returns).
//   - go.application.rebalance.enable is refused (confluent-kafka-python
//     has no such mode); pass a rebalance callback.
//   - kafkasim.auto.commit.mode=java is refused: the Java client's
//     auto-commit is a model of the simulator's.
//   - QueryWatermarkOffsets and OffsetsForTimes on a Producer fail:
//     confluent-kafka-python's Producer has no such calls.
package rdkafka
