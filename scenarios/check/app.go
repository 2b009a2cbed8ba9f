package check

import (
	"context"

	"github.com/kafkasim/kafkasim/client"
)

// App is a consumer application as you ship it: the function your main
// runs, given the consumer it would have created. It subscribes, polls,
// processes (reporting each side effect to rec), commits however it
// commits (from the poll loop, a ticker, worker goroutines, the rebalance
// callback), and when ctx is cancelled, as SIGTERM would cancel it, it
// closes the consumer and returns.
//
// The check runs it once per consumer incarnation, on a goroutine of its
// own, in a testing/synctest bubble on the simulated cluster: time.Sleep,
// time.Ticker, time.After, channels, sync.WaitGroup and the client's
// blocking calls all run in virtual time, and the goroutines it starts
// are its own. A crash kills the incarnation at once: every later call on
// its consumer or rec (from any of its goroutines) ends that goroutine,
// and nothing it does afterwards counts. A restart runs the function
// again with a fresh consumer.
//
// The app must not depend on anything but the calls it makes and the
// virtual time for the check to be deterministic: see docs/testing.md for
// what breaks it (select between two ready channels, map order).
type App func(ctx context.Context, c client.Consumer, rec Recorder) error
