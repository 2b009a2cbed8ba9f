package sim

import (
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/client"
)

// timedCommits records when each auto-commit timer commit was made.
type timedCommits struct {
	start time.Time
	at    []time.Duration
}

func (r *timedCommits) OnCommitStarted(c client.Commit) {
	if c.Trigger == client.TriggerAutoTimer {
		r.at = append(r.at, c.Time.Sub(r.start))
	}
}
func (r *timedCommits) OnCommitFinished(client.Commit) {}

// librdkafka starts the auto-commit timer when the consumer is created
// (rd_kafka_cgrp_new), not at its first assignment: a consumer created at
// 0 s and assigned at 3.7 s commits at 5 s and 10 s, not at 8.7 s.
func TestAutoCommitTimerCountsFromCreation(t *testing.T) {
	cl := newTestCluster(t, "orders", 1)
	produceN(t, cl, "orders", 0, 0, 3)
	rec := &timedCommits{start: cl.Now()}
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "auto.offset.reset": "earliest"}, rec)
	// The consumer idles for 3.7 s before it subscribes, so the assignment
	// comes long after creation.
	cl.Sleep(3700 * time.Millisecond)
	if err := c.Subscribe("orders", nil); err != nil {
		t.Fatal(err)
	}
	if m := pollMsg(t, c, 2*time.Second); m == nil {
		t.Fatal("no message")
	}
	assigned := cl.Now().Sub(rec.start)
	for cl.Now().Sub(rec.start) < 11*time.Second {
		// Poll once a second: the timer must not depend on polls either.
		c.Poll(0)
		cl.Sleep(time.Second)
	}
	if len(rec.at) == 0 {
		t.Fatalf("no auto-commit in 11 s (assigned at %v)", assigned)
	}
	if rec.at[0] != 5*time.Second {
		t.Errorf("first auto-commit at %v after creation, want 5s (the tick counted from creation; assigned at %v)", rec.at[0], assigned)
	}
	for _, at := range rec.at {
		if at%(5*time.Second) != 0 {
			t.Errorf("auto-commit at %v: not on a 5 s tick counted from creation (%v)", at, rec.at)
		}
	}
}
