package check_test

import (
	"context"
	"testing"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios/check"
)

// ignoresCtxApp commits after each message but never looks at ctx: told
// to stop, it goes on polling and never closes. The check reports it as
// hanging and names its goroutine.
func ignoresCtxApp(ctx context.Context, c client.Consumer, rec check.Recorder) error {
	if err := c.Subscribe(topic, nil); err != nil {
		return err
	}
	for {
		if m, ok := c.Poll(1000).(*client.Message); ok {
			process(m)
			rec.Effect(m)
			_, _ = c.CommitMessage(m)
		}
	}
}

// A loop that never looks at its context: told to stop, it goes on
// polling. The check reports it as hanging, naming the goroutine and where
// it waits, instead of freezing the test (TestIgnoringCtxHangs).
//
// An App runs in testing/synctest bubbles, which need the test's
// *testing.T: this example shows the test to write, and is not run as one.
func Example_ignoresContext() {
	cfg := check.Config{
		App:       ignoresCtxApp,
		Topic:     "orders",
		Guarantee: check.AtLeastOnce,
		Consumer:  client.ConfigMap{"enable.auto.commit": false},
	}
	test := func(t *testing.T) { check.TestConsumer(t, cfg) }
	_ = test // func TestMyConsumer(t *testing.T) { check.TestConsumer(t, cfg) }
}
