package sim

import (
	"errors"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/client"
)

// app is a tiny consumer application: it records the effect of each
// message it finishes processing.
type app struct {
	effects map[client.Offset]int
}

func newApp() *app { return &app{effects: map[client.Offset]int{}} }

// drive polls several consumers in turn for d of virtual time, recording
// what each saw.
func drive(cl *Cluster, d time.Duration, cs ...*Consumer) map[*Consumer][]client.Event {
	seen := map[*Consumer][]client.Event{}
	end := cl.Now().Add(d)
	for cl.Now().Before(end) {
		for _, c := range cs {
			if ev := c.Poll(50); ev != nil {
				seen[c] = append(seen[c], ev)
			}
		}
	}
	return seen
}

// The lesson's first timeline: auto-commit, processing slower than
// auto.commit.interval.ms, crash mid-processing: the in-flight message is
// lost, because librdkafka stored its offset + 1 when poll handed it out
// and the background timer committed it.
func TestLessonAutoCommitCrashLosesInFlightMessage(t *testing.T) {
	cl := newTestCluster(t, "orders", 1)
	produceN(t, cl, "orders", 0, 0, 2)
	rec := &recorder{}
	conf := client.ConfigMap{"group.id": "audit", "client.id": "a", "auto.offset.reset": "earliest",
		"enable.auto.commit": true, "auto.commit.interval.ms": 5000}
	a := mustConsumer(t, cl, conf, rec)
	_ = a.Subscribe("orders", nil)
	ap := newApp()

	m := pollMsg(t, a, 10*time.Second)
	if m == nil || m.TopicPartition.Offset != 0 {
		t.Fatalf("first message %v", m)
	}
	cl.Sleep(6 * time.Second) // processing takes longer than the interval...
	if !rec.has("a commit auto-timer [orders[0]@1]") {
		t.Fatalf("auto-commit timer did not commit offset 1 during processing:\n%v", rec.lines)
	}
	a.Crash() // ...and the process dies before finishing: no effect for offset 0.

	b := mustConsumer(t, cl, conf.Clone())
	_ = b.Subscribe("orders", nil)
	m2 := pollMsg(t, b, 2*time.Minute)
	if m2 == nil || m2.TopicPartition.Offset != 1 {
		t.Fatalf("restarted consumer got %v, want offset 1 (offset 0 lost)", m2)
	}
	if ap.effects[0] != 0 || committedIn(cl, "audit", "orders", 0) < 1 {
		t.Fatal("expected offset 0 committed but never processed")
	}
}

// The lesson's second timeline: manual commit after processing, crash
// between processing and commit: the message is delivered again.
func TestLessonCommitAfterProcessCrashRedelivers(t *testing.T) {
	cl := newTestCluster(t, "orders", 1)
	produceN(t, cl, "orders", 0, 0, 2)
	conf := client.ConfigMap{"group.id": "audit", "auto.offset.reset": "earliest", "enable.auto.commit": false}
	a := mustConsumer(t, cl, conf)
	_ = a.Subscribe("orders", nil)
	ap := newApp()

	m := pollMsg(t, a, 10*time.Second)
	if _, err := a.CommitMessage(m); err != nil { // offset 0: processed, then committed
		t.Fatal(err)
	}
	ap.effects[m.TopicPartition.Offset]++
	m = pollMsg(t, a, time.Second)
	cl.Sleep(time.Second)
	ap.effects[m.TopicPartition.Offset]++ // offset 1 processed...
	a.Crash()                             // ...crash before the commit

	b := mustConsumer(t, cl, conf.Clone())
	_ = b.Subscribe("orders", nil)
	m2 := pollMsg(t, b, 2*time.Minute)
	if m2 == nil || m2.TopicPartition.Offset != 1 {
		t.Fatalf("restart got %v, want offset 1 again", m2)
	}
	ap.effects[m2.TopicPartition.Offset]++
	if ap.effects[1] != 2 || ap.effects[0] != 1 {
		t.Fatalf("effects %v: want offset 1 processed twice (redelivered), offset 0 once", ap.effects)
	}
}

// The same single-threaded schedule (poll, process 6 s, poll, crash 5 s
// into processing) under both auto-commit models: librdkafka's timer
// commits the in-flight message and loses it; Java commits only inside
// poll what earlier polls returned, so nothing is lost.
func TestAutoCommitLibrdkafkaVsJava(t *testing.T) {
	run := func(mode string) (restartAt client.Offset, lines []string) {
		cl := newTestCluster(t, "t", 1)
		produceN(t, cl, "t", 0, 0, 3)
		rec := &recorder{}
		conf := client.ConfigMap{"group.id": "g", "client.id": "c", "auto.offset.reset": "earliest",
			"kafkasim.auto.commit.mode": mode}
		a := mustConsumer(t, cl, conf, rec)
		_ = a.Subscribe("t", nil)
		if m := pollMsg(t, a, 10*time.Second); m.TopicPartition.Offset != 0 {
			t.Fatal(m)
		}
		cl.Sleep(6 * time.Second) // process offset 0 completely
		if m := pollMsg(t, a, time.Second); m.TopicPartition.Offset != 1 {
			t.Fatal(m)
		}
		cl.Sleep(5 * time.Second) // mid-processing of offset 1...
		a.Crash()
		return client.Offset(committedIn(cl, "g", "t", 0)), rec.lines
	}
	lib, libLines := run("librdkafka")
	java, javaLines := run("java")
	if lib != 2 {
		t.Errorf("librdkafka: committed %d, want 2 (offset 1 lost)\n%v", lib, libLines)
	}
	if java != 1 {
		t.Errorf("java: committed %d, want 1 (offset 1 redelivered)\n%v", java, javaLines)
	}
}

// Close rebalances at once; a crash is noticed only at session.timeout.ms
// (45 s), after which the survivor gets the partitions.
func TestCloseVersusCrash(t *testing.T) {
	for _, crash := range []bool{false, true} {
		cl := newTestCluster(t, "t", 2)
		rec := &recorder{}
		conf := func(id string) client.ConfigMap {
			return client.ConfigMap{"group.id": "g", "client.id": id}
		}
		a := mustConsumer(t, cl, conf("a"), rec)
		b := mustConsumer(t, cl, conf("b"), rec)
		_ = a.Subscribe("t", nil)
		_ = b.Subscribe("t", nil)
		drive(cl, 10*time.Second, a, b)
		ab, _ := a.Assignment()
		bb, _ := b.Assignment()
		if len(ab) != 1 || len(bb) != 1 {
			t.Fatalf("before: a %v b %v", ab, bb)
		}
		start := cl.Now()
		if crash {
			a.Crash()
		} else {
			_ = a.Close()
		}
		var took time.Duration
		for cl.Now().Sub(start) < 2*time.Minute {
			b.Poll(50)
			if got, _ := b.Assignment(); len(got) == 2 {
				took = cl.Now().Sub(start)
				break
			}
		}
		// The session runs from the last heartbeat, up to 3 s before the
		// crash; the survivor learns of the rebalance at its next heartbeat.
		if crash && (took < 42*time.Second || took > 45*time.Second+4*time.Second) {
			t.Errorf("crash: survivor got both partitions after %v, want at the 45s session timeout", took)
		}
		if !crash && (took == 0 || took > 4*time.Second) {
			t.Errorf("close: survivor got both partitions after %v, want within a heartbeat", took)
		}
	}
}

// max.poll.interval.ms: a consumer that stops polling is removed, its
// partitions move to the other member, its late commit is rejected, and
// its next Poll reports _MAX_POLL_EXCEEDED and rejoins.
func TestMaxPollIntervalKicksStalledConsumer(t *testing.T) {
	cl := newTestCluster(t, "t", 2)
	rec := &recorder{}
	conf := func(id string) client.ConfigMap {
		return client.ConfigMap{"group.id": "g", "client.id": id, "auto.offset.reset": "earliest",
			"enable.auto.commit": false, "session.timeout.ms": 10000, "max.poll.interval.ms": 20000}
	}
	a := mustConsumer(t, cl, conf("a"), rec)
	b := mustConsumer(t, cl, conf("b"), rec)
	_ = a.Subscribe("t", nil)
	_ = b.Subscribe("t", nil)
	drive(cl, 5*time.Second, a, b)
	if got, _ := a.Assignment(); len(got) != 1 {
		t.Fatalf("a assignment %v", got)
	}
	produceN(t, cl, "t", 0, 0, 5)
	produceN(t, cl, "t", 1, 0, 5)
	var m *client.Message
	for m == nil {
		if ev, ok := a.Poll(100).(*client.Message); ok {
			m = ev
		}
	}
	// a stalls for 30 s (no Poll) while b keeps polling.
	end := cl.Now().Add(30 * time.Second)
	for cl.Now().Before(end) {
		b.Poll(100)
	}
	if !rec.has("a max-poll") {
		t.Fatalf("no max-poll expiry:\n%v", rec.lines)
	}
	if got, _ := b.Assignment(); len(got) != 2 {
		t.Fatalf("b assignment %v, want both partitions", got)
	}
	if _, err := a.CommitMessage(m); err == nil ||
		!(errors.Is(err, client.ErrUnknownMemberID) || errors.Is(err, client.ErrIllegalGeneration)) {
		t.Fatalf("late commit: %v, want UNKNOWN_MEMBER_ID or ILLEGAL_GENERATION", err)
	}
	if got := committedIn(cl, "g", m.TopicPartition.Topic, m.TopicPartition.Partition); got > int64(m.TopicPartition.Offset) {
		t.Fatalf("late commit took effect: committed %d", got)
	}
	ev := a.Poll(0)
	if e, ok := ev.(client.Error); !ok || e.Code() != client.ErrMaxPollExceeded {
		t.Fatalf("next poll returned %v, want _MAX_POLL_EXCEEDED", ev)
	}
	a.Poll(0) // serves the lost revoke
	if !rec.has("a lost t[0]") {
		t.Fatalf("a's partition not revoked as lost:\n%v", rec.lines)
	}
	drive(cl, 20*time.Second, a, b)
	ab, _ := a.Assignment()
	bb, _ := b.Assignment()
	if len(ab) != 1 || len(bb) != 1 {
		t.Fatalf("after rejoin a %v b %v, want one partition each", ab, bb)
	}
}

// In the Java model the commit before a rebalance (onJoinPrepare) runs in
// the app's next poll, not when the heartbeat thread learns of the
// rebalance: a message still being processed when another member joins is
// not committed until the app polls again.
func TestJavaCommitBeforeRebalanceWaitsForPoll(t *testing.T) {
	cl := newTestCluster(t, "t", 2)
	produceN(t, cl, "t", 0, 0, 3)
	produceN(t, cl, "t", 1, 0, 3)
	conf := client.ConfigMap{"group.id": "g", "client.id": "a", "auto.offset.reset": "earliest",
		"kafkasim.auto.commit.mode": "java"}
	a := mustConsumer(t, cl, conf)
	_ = a.Subscribe("t", nil)
	m := pollMsg(t, a, 10*time.Second)
	if m == nil {
		t.Fatal("no message")
	}
	tp := m.TopicPartition
	// a processes m for 20 s; meanwhile b joins and the group rebalances.
	conf2 := conf.Clone()
	conf2["client.id"] = "b"
	b := mustConsumer(t, cl, conf2)
	_ = b.Subscribe("t", nil)
	for range 200 { // 20 s of b polling; a does not poll
		b.Poll(100)
	}
	if got := committedIn(cl, "g", tp.Topic, tp.Partition); got > int64(tp.Offset) {
		t.Fatalf("committed %d while offset %d was still being processed (before a polled again)", got, tp.Offset)
	}
	// a finishes and polls: now onJoinPrepare commits its position.
	a.Poll(0)
	if got := committedIn(cl, "g", tp.Topic, tp.Partition); got != int64(tp.Offset)+1 {
		t.Fatalf("after a's poll committed %d, want %d", got, tp.Offset+1)
	}
}
