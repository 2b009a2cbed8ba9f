package check

import (
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios"
)

// windowWorld is a one-consumer world (lockstep, a Handler's app) reading
// msgs messages of one partition, each taking proc to process, with
// commitDelay between processing and committing.
func windowWorld(t *testing.T, s Strategy, msgs int, proc, commitDelay time.Duration) *world {
	t.Helper()
	cfg := Config{Handler: Handler{Strategy: s}}.withDefaults()
	cfg.tt = t
	zero := time.Duration(0)
	conf := client.ConfigMap{"auto.offset.reset": "earliest"}
	for k, v := range s.config() {
		conf[k] = v
	}
	sc := &scenarios.Scenario{
		Seed:     1,
		Topics:   []scenarios.Topic{{Name: cfg.topic(), Partitions: 1}},
		Cluster:  scenarios.Cluster{GroupInitialRebalanceDelay: &zero},
		Duration: time.Minute,
		Consumers: []scenarios.Consumer{{ID: "c1", Group: groupName, Topics: []string{cfg.topic()}, Config: conf, PollIdle: pollIdle, Start: &zero,
			Processing: scenarios.Processing{Time: proc, TimeMax: proc, Commit: s.commit, Every: s.every, OnFailure: scenarios.FailSkip, CommitDelay: commitDelay}}},
	}
	if msgs > 0 {
		sc.Producers = []scenarios.Producer{{ID: "p", Topic: cfg.topic(), Count: msgs, Key: "k-{i}", Partition: client.PartitionAny}}
	}
	w, err := newWorld(sc, &cfg, cfg.app(), false, "window-test", 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.close)
	w.setup()
	return w
}

// TestWindowWait: a window wait stops at the first millisecond boundary
// at which the consumer is inside the window it was drawn for, so that a
// crash scripted next lands there (the words of the crash's fault point
// say so); with nothing to consume it runs to its cap.
func TestWindowWait(t *testing.T) {
	cases := []struct {
		name     string
		strategy Strategy
		from     time.Duration
		proc     time.Duration
		delay    time.Duration
		win      window
		doing    string
	}{
		// 10 ms of processing, then 30 ms before the commit: the crash
		// lands in those 30 ms.
		{"uncommitted", CommitAfterEach, 0, 10 * time.Millisecond, 30 * time.Millisecond, windowUncommitted, "after processing t[0]@0, before committing it"},
		{"processing", CommitAfterEach, 0, 10 * time.Millisecond, 30 * time.Millisecond, windowProcessing, "while processing t[0]@0"},
		// Auto-commit's 5 s tick commits the offset of the message in
		// hand (stored when it was delivered): from then until its
		// processing ends, a crash loses it.
		{"committed-ahead", AutoCommit, 4 * time.Second, 300 * time.Millisecond, 0, windowCommittedAhead, "while processing t[0]@13"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := windowWorld(t, c.strategy, 40, c.proc, c.delay)
			w.runTo(c.from)
			at := w.runToWindow(c.win, c.from)
			if at%time.Millisecond != 0 || at <= c.from || at >= c.from+windowCap {
				t.Fatalf("stopped at %v: want a millisecond boundary after %v, before the cap", at, c.from)
			}
			if !w.inWindow(c.win) {
				t.Fatalf("stopped at %v outside the window", at)
			}
			note := w.act(scenarios.Action{At: at + time.Microsecond, Do: scenarios.DoCrash, Consumer: "c1", Partition: client.PartitionAny})
			if note != c.doing {
				t.Fatalf("the crash at %v landed %q, want %q", at, note, c.doing)
			}
		})
	}
	t.Run("nothing-to-consume", func(t *testing.T) {
		w := windowWorld(t, CommitAfterEach, 0, 10*time.Millisecond, 0)
		if at := w.runToWindow(windowProcessing, 0); at != windowCap {
			t.Fatalf("stopped at %v with nothing to consume, want the cap %v", at, windowCap)
		}
	})
	t.Run("no-consumer-running", func(t *testing.T) {
		w := windowWorld(t, CommitAfterEach, 40, 10*time.Millisecond, 0)
		w.runTo(time.Second)
		w.act(scenarios.Action{At: time.Second + time.Microsecond, Do: scenarios.DoCrash, Consumer: "c1", Partition: client.PartitionAny})
		if at := w.runToWindow(windowProcessing, 2*time.Second); at != 2*time.Second {
			t.Fatalf("ran on to %v with its only consumer crashed, want to stop at once (2s)", at)
		}
	})
}
