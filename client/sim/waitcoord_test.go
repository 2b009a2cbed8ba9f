package sim

import (
	"errors"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/client"
)

// Without a coordinator librdkafka holds a commit for at most
// session.timeout.ms, then fails it with _WAIT_COORD: a synchronous commit
// returns that after waiting, an asynchronous one reports it as its
// OffsetsCommitted event.
func TestCommitGivenUpAfterSessionTimeout(t *testing.T) {
	cl := newTestCluster(t, "orders", 1)
	produceN(t, cl, "orders", 0, 0, 2)
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "auto.offset.reset": "earliest",
		"enable.auto.commit": false, "session.timeout.ms": 6000})
	_ = c.Subscribe("orders", nil)
	m := pollMsg(t, c, 5*time.Second)
	if m == nil {
		t.Fatal("no message")
	}
	cl.SetBrokerAvailable(false)
	start := cl.Now()
	_, err := c.CommitMessage(m)
	if !errors.Is(err, client.ErrWaitCoord) {
		t.Errorf("sync commit without a coordinator: %v, want _WAIT_COORD", err)
	}
	if took := cl.Now().Sub(start); took != 6*time.Second {
		t.Errorf("the sync commit waited %v, want session.timeout.ms (6s)", took)
	}
	if err := c.CommitMessageAsync(m); err != nil {
		t.Fatal(err)
	}
	start = cl.Now()
	var got *client.OffsetsCommitted
	for got == nil && cl.Now().Sub(start) < 10*time.Second {
		if oc, ok := c.Poll(100).(client.OffsetsCommitted); ok {
			got = &oc
		}
	}
	if got == nil || !errors.Is(got.Error, client.ErrWaitCoord) {
		t.Fatalf("async commit without a coordinator: %+v, want an OffsetsCommitted with _WAIT_COORD", got)
	}
	if took := cl.Now().Sub(start); took < 6*time.Second || took > 6100*time.Millisecond {
		t.Errorf("the async commit was given up after %v, want session.timeout.ms (6s)", took)
	}
}

// A consumer that crashes while its synchronous commit waits for the
// coordinator sends nothing when the coordinator comes back: the process
// is gone.
func TestCrashWhileCommitWaits(t *testing.T) {
	cl := newTestCluster(t, "orders", 1)
	produceN(t, cl, "orders", 0, 0, 2)
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "auto.offset.reset": "earliest",
		"enable.auto.commit": false, "session.timeout.ms": 6000})
	_ = c.Subscribe("orders", nil)
	m := pollMsg(t, c, 5*time.Second)
	if m == nil {
		t.Fatal("no message")
	}
	cl.SetBrokerAvailable(false)
	cl.Clock().After(time.Second, func() {
		c.crash()
		cl.SetBrokerAvailable(true)
	})
	if _, err := c.CommitMessage(m); err == nil {
		t.Error("the commit of a consumer that crashed while it waited succeeded")
	}
	if got := cl.Coordinator().FetchOffsets("g", nil); len(got) != 0 {
		t.Errorf("committed after the crash: %v", got)
	}
}
