package sim

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kafkasim/kafkasim/client"
)

// workerPool is the app of the concurrency tests: one goroutine polls and
// hands messages to workers, which process them (sleep) and commit from
// their own goroutines, as confluent-kafka-go users do. sleep is how
// processing time passes. It returns when finished reports true (asked
// between polls), then closes the consumer.
func workerPool(ctx context.Context, c *Consumer, workers int, sleep func(time.Duration), finished func() bool, log func(string)) error {
	if err := c.Subscribe("t", nil); err != nil {
		return err
	}
	work := make(chan *client.Message)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range work {
				// The time depends on the message, not on the worker:
				// which idle worker gets a message is the Go
				// scheduler's choice.
				sleep(time.Duration(10+10*(m.TopicPartition.Offset%3)) * time.Millisecond)
				if _, err := c.CommitMessage(m); err != nil {
					log(fmt.Sprintf("commit %v: %v", m.TopicPartition, err))
				}
			}
		}()
	}
	defer func() {
		close(work)
		wg.Wait()
		_ = c.Close()
	}()
	for ctx.Err() == nil {
		if finished() {
			return nil
		}
		switch e := c.Poll(100).(type) {
		case *client.Message:
			work <- e
		case client.Error:
			log("error: " + e.Error())
		}
	}
	return ctx.Err()
}

// commitLog records every commit and rebalance, as lines.
type commitLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *commitLog) add(s string) {
	l.mu.Lock()
	l.lines = append(l.lines, s)
	l.mu.Unlock()
}

func (l *commitLog) OnCommitStarted(client.Commit) {}
func (l *commitLog) OnCommitFinished(c client.Commit) {
	l.add(fmt.Sprintf("%s %s commit %v err=%v", c.Time.Format("15:04:05.000000"), c.ClientID, client.TopicPartitions(c.Offsets), c.Err))
}
func (l *commitLog) OnRebalance(e client.Rebalance) {
	l.add(fmt.Sprintf("%s %s %s %s", e.Time.Format("15:04:05.000000"), e.ClientID, e.Kind, keys(e.Partitions)))
}

// TestWorkerPoolUndriven: without a driver the clients take the cluster's
// lock, so an app that commits from worker goroutines is safe (run it
// with -race). Virtual time is not the workers' concern here: their sleep
// does nothing.
func TestWorkerPoolUndriven(t *testing.T) {
	cl := newTestCluster(t, "t", 3)
	for p := range int32(3) {
		produceN(t, cl, "t", p, 0, 20)
	}
	var log commitLog
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "auto.offset.reset": "earliest", "enable.auto.commit": false}, &log)
	seen := map[string]bool{}
	polls := 0
	if err := workerPool(context.Background(), c, 4, func(time.Duration) {}, func() bool {
		polls++
		return polls > 200
	}, log.add); err != nil {
		t.Fatal(err)
	}
	for _, l := range log.lines {
		if strings.Contains(l, "commit") && strings.Contains(l, "err=<nil>") {
			seen[strings.Fields(l)[3]] = true
		}
	}
	// Workers commit each message as they finish it, out of order: what
	// matters here is that every message was committed once, without a
	// race (-race) or a lost call.
	if len(seen) != 60 {
		t.Fatalf("%d distinct offsets committed, want 60:\n%s", len(seen), strings.Join(log.lines, "\n"))
	}
}

// runPoolInBubble runs workerPool for three consumers in a synctest
// bubble on a driven cluster and returns the commit log.
func runPoolInBubble(t *testing.T) []string {
	var log commitLog
	synctest.Test(t, func(t *testing.T) {
		cl := newTestCluster(t, "t", 3)
		for p := range int32(3) {
			produceN(t, cl, "t", p, 0, 30)
		}
		d := cl.DriveInBubble(synctest.Wait)
		d.Start()
		defer d.Stop()
		var wg sync.WaitGroup
		finished := func() bool {
			for p := range int32(3) {
				if cl.committed("g", "t", p) < 30 {
					return false
				}
			}
			return true
		}
		for i := range 3 {
			c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "client.id": fmt.Sprintf("c%d", i+1),
				"auto.offset.reset": "earliest", "enable.auto.commit": false}, &log)
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = workerPool(t.Context(), c, 3, time.Sleep, finished, log.add)
			}()
		}
		wg.Wait()
		for p := range int32(3) {
			if got := cl.committed("g", "t", p); got != 30 {
				t.Errorf("t[%d] committed %d, want 30", p, got)
			}
		}
	})
	return log.lines
}

// committed is the group's committed offset of topic[p] (-1: none),
// through the gate.
func (cl *Cluster) committed(grp, topic string, p int32) int64 {
	defer cl.exit(cl.enter(0, opQuery, 0, nil))
	return committedIn(cl, grp, topic, p)
}

// TestWorkerPoolInBubble: in a synctest bubble the driver serves the
// workers' commits in a fixed order, so the same app gives the same run,
// byte for byte, however the Go scheduler interleaves its goroutines
// (time.Sleep in a worker is virtual time).
func TestWorkerPoolInBubble(t *testing.T) {
	first := runPoolInBubble(t)
	if len(first) < 10 {
		t.Fatalf("only %d commits and rebalances:\n%s", len(first), strings.Join(first, "\n"))
	}
	for range 5 {
		if again := runPoolInBubble(t); !slices.Equal(first, again) {
			t.Fatalf("two runs differ:\n%s\n---\n%s", strings.Join(first, "\n"), strings.Join(again, "\n"))
		}
	}
}

// TestPollWaitsForAnotherGoroutine: in a bubble, a Poll with a timeout
// waits in virtual time for what another goroutine produces later, and
// returns as soon as it is there.
func TestPollWaitsForAnotherGoroutine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cl := newTestCluster(t, "t", 1)
		d := cl.DriveInBubble(synctest.Wait)
		d.Start()
		defer d.Stop()
		p, err := cl.NewProducer(client.ConfigMap{"linger.ms": 0})
		if err != nil {
			t.Fatal(err)
		}
		c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "auto.offset.reset": "earliest"})
		_ = c.Subscribe("t", nil)
		go func() {
			time.Sleep(7 * time.Second)
			_ = p.Produce(&client.Message{TopicPartition: client.TopicPartition{Topic: "t", Partition: 0}, Value: []byte("x")}, nil)
		}()
		start := time.Now()
		var got *client.Message
		for got == nil && time.Since(start) < time.Minute {
			if m, ok := c.Poll(30_000).(*client.Message); ok {
				got = m
			}
		}
		if got == nil {
			t.Fatal("no message")
		}
		if el := time.Since(start); el != 7*time.Second {
			t.Fatalf("Poll returned the message after %v of bubble time, want 7s (when it was produced)", el)
		}
		if el := cl.Now().Sub(got.Timestamp); el != 0 {
			t.Fatalf("virtual time and bubble time drifted apart by %v", el)
		}
		_ = c.Close()
		p.Close()
	})
}

// TestKillEndsTheGoroutine: a goroutine waiting in Poll on a consumer the
// owner kills ends there (its deferred calls run), and so does one that
// calls the consumer later.
func TestKillEndsTheGoroutine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cl := newTestCluster(t, "t", 1)
		d := cl.DriveInBubble(synctest.Wait)
		var c *Consumer
		d.Do(func() {
			c = mustConsumer(t, cl, client.ConfigMap{"group.id": "g"})
			_ = c.Subscribe("t", nil)
		})
		var ended sync.WaitGroup
		ended.Add(2)
		returned := false
		go func() {
			defer ended.Done()
			c.Poll(60_000)
			returned = true
		}()
		go func() {
			defer ended.Done()
			time.Sleep(20 * time.Second)
			_, _ = c.Commit()
			returned = true
		}()
		d.RunFor(10 * time.Second)
		d.Do(func() { c.Kill() })
		d.RunFor(time.Minute)
		ended.Wait()
		if returned {
			t.Fatal("a call on a killed consumer returned")
		}
		d.Do(func() {
			if !c.IsClosed() {
				t.Error("Kill did not crash the consumer")
			}
		})
	})
}

// TestStallHoldsCalls: a stalled consumer's calls wait until Unstall.
func TestStallHoldsCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cl := newTestCluster(t, "t", 1)
		d := cl.DriveInBubble(synctest.Wait)
		var c *Consumer
		d.Do(func() {
			c = mustConsumer(t, cl, client.ConfigMap{"group.id": "g"})
			c.Stall()
		})
		var at time.Duration
		done := make(chan struct{})
		start := time.Now()
		go func() {
			defer close(done)
			time.Sleep(time.Second)
			_ = c.Subscribe("t", nil)
			at = time.Since(start)
		}()
		d.RunFor(5 * time.Second)
		d.Do(func() { c.Unstall() })
		d.RunFor(time.Second)
		<-done
		if at != 5*time.Second {
			t.Fatalf("the stalled call returned at %v, want 5s (when unstalled)", at)
		}
	})
}

// TestCallbackMayCallTheConsumer: a rebalance callback runs without
// holding the simulation, so it may call the consumer through any
// reference, in a bubble as without a driver.
func TestCallbackMayCallTheConsumer(t *testing.T) {
	run := func(t *testing.T, c *Consumer) []string {
		var got []string
		_ = c.Subscribe("t", func(_ client.Consumer, ev client.Event) error {
			// c, not the callback's argument: the outer reference
			asg, _ := c.Assignment()
			got = append(got, fmt.Sprintf("%T %d", ev, len(asg)))
			if a, ok := ev.(client.AssignedPartitions); ok {
				return c.Assign(a.Partitions)
			}
			return c.Unassign()
		})
		for range 20 {
			c.Poll(100)
		}
		_ = c.Close()
		return got
	}
	want := []string{"client.AssignedPartitions 0", "client.RevokedPartitions 2"}
	t.Run("undriven", func(t *testing.T) {
		cl := newTestCluster(t, "t", 2)
		if got := run(t, mustConsumer(t, cl, client.ConfigMap{"group.id": "g"})); !slices.Equal(got, want) {
			t.Fatalf("callbacks saw %q, want %q", got, want)
		}
	})
	t.Run("bubble", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			cl := newTestCluster(t, "t", 2)
			d := cl.DriveInBubble(synctest.Wait)
			d.Start()
			defer d.Stop()
			if got := run(t, mustConsumer(t, cl, client.ConfigMap{"group.id": "g"})); !slices.Equal(got, want) {
				t.Fatalf("callbacks saw %q, want %q", got, want)
			}
		})
	})
}

// TestLockstep: goroutines started with Go run one at a time, woken in
// the order of their deadlines' events, without a bubble.
func TestLockstep(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	d := cl.DriveInLockstep()
	var got []string
	start := cl.Now()
	for _, n := range []struct {
		name  string
		sleep time.Duration
	}{{"a", 3 * time.Second}, {"b", time.Second}, {"c", 3 * time.Second}} {
		d.Do(func() {
			d.Go(func() {
				for range 2 {
					d.Sleep(n.sleep)
					got = append(got, fmt.Sprintf("%s@%v", n.name, cl.Now().Sub(start)))
				}
			})
		})
	}
	d.RunFor(10 * time.Second)
	want := []string{"b@1s", "b@2s", "a@3s", "c@3s", "a@6s", "c@6s"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if el := cl.Now().Sub(start); el != 10*time.Second {
		t.Fatalf("RunUntil stood at %v, want 10s", el)
	}
}

// TestRunUntilChange: RunUntilChange returns at the instant the world
// changes (here a goroutine that sleeps 7s and then produces), not at its
// target, and returns false, standing at the target, once nothing changes
// before it; in a bubble and in lockstep.
func TestRunUntilChange(t *testing.T) {
	run := func(t *testing.T, cl *Cluster, d *Driver, sleep func(time.Duration), start func(func())) {
		var p *Producer
		var err error
		d.Do(func() { p, err = cl.NewProducer(client.ConfigMap{"linger.ms": 0}) })
		if err != nil {
			t.Fatal(err)
		}
		defer d.Do(p.Close)
		produced := false
		start(func() {
			sleep(7 * time.Second)
			_ = p.Produce(&client.Message{TopicPartition: client.TopicPartition{Topic: "t", Partition: 0}, Value: []byte("x")}, nil)
			produced = true
		})
		t0 := d.Now()
		target := t0.Add(time.Minute)
		var early []time.Duration
		for d.RunUntilChange(target) {
			early = append(early, d.Now().Sub(t0))
			if len(early) > 100 {
				t.Fatalf("more than 100 changes in a world with one: %v", early[:10])
			}
		}
		if !produced {
			t.Fatal("the goroutine did not produce")
		}
		if !slices.Contains(early, 7*time.Second) {
			t.Fatalf("returned early at %v, never at 7s (the produce)", early)
		}
		for _, at := range early {
			if at > 7*time.Second {
				t.Fatalf("returned early at %v, after the only change (7s): %v", at, early)
			}
		}
		if got := d.Now().Sub(t0); got != time.Minute {
			t.Fatalf("stands at %v after the last call, want its target (1m)", got)
		}
	}
	t.Run("bubble", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			cl := newTestCluster(t, "t", 1)
			d := cl.DriveInBubble(synctest.Wait)
			var wg sync.WaitGroup
			run(t, cl, d, time.Sleep, func(fn func()) { wg.Go(fn) })
			wg.Wait()
		})
	})
	t.Run("lockstep", func(t *testing.T) {
		cl := newTestCluster(t, "t", 1)
		d := cl.DriveInLockstep()
		run(t, cl, d, d.Sleep, d.Go)
	})
}
