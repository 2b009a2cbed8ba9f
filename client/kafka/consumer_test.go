package kafka

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kafkasim/kafkasim/client"
)

func TestProduceConsumeCommitSync(t *testing.T) {
	t.Parallel()
	kc := cluster(t, kfake.SeedTopics(2, "t"))
	produce(t, kc, "t", 0, 0, 20)
	produce(t, kc, "t", 1, 20, 10)
	rec := &recorder{}
	c := newConsumer(t, consumerConf(kc, "g", "c1", "enable.auto.commit", false), rec)
	if err := c.Subscribe("t", nil); err != nil {
		t.Fatal(err)
	}
	msgs := drain(t, c, 30, 10*time.Second)
	seen := map[string]bool{}
	last := map[int32]client.Offset{}
	for _, m := range msgs {
		if seen[string(m.Value)] {
			t.Fatalf("duplicate %s", m.Value)
		}
		seen[string(m.Value)] = true
		if o, ok := last[m.TopicPartition.Partition]; ok && m.TopicPartition.Offset != o+1 {
			t.Fatalf("out of order on %d: %d after %d", m.TopicPartition.Partition, m.TopicPartition.Offset, o)
		}
		last[m.TopicPartition.Partition] = m.TopicPartition.Offset
	}
	if got, err := c.CommitMessage(msgs[0]); err != nil || got[0].Offset != msgs[0].TopicPartition.Offset+1 {
		t.Fatalf("CommitMessage = %v, %v", got, err)
	}
	// Stored offsets: everything handed out.
	offs, err := c.Commit()
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	slices.SortFunc(offs, func(a, b client.TopicPartition) int { return int(a.Partition - b.Partition) })
	if len(offs) != 2 || offs[0].Offset != 20 || offs[1].Offset != 10 {
		t.Fatalf("Commit = %v", offs)
	}
	if _, err := c.Commit(); !errors.Is(err, client.ErrNoOffset) {
		t.Fatalf("second Commit = %v, want ErrNoOffset", err)
	}
	com, err := c.Committed([]client.TopicPartition{{Topic: "t", Partition: 0}, {Topic: "t", Partition: 1}}, 3000)
	if err != nil || com[0].Offset != 20 || com[1].Offset != 10 {
		t.Fatalf("Committed = %v, %v", com, err)
	}
	info := kc.GroupInfo("g")
	if info.Commits["t"][0].Offset != 20 || info.Commits["t"][1].Offset != 10 {
		t.Fatalf("kfake commits = %+v", info.Commits)
	}
	pos, _ := c.Position([]client.TopicPartition{{Topic: "t", Partition: 0}})
	if pos[0].Offset != 20 {
		t.Fatalf("Position = %v", pos)
	}
	if lo, hi, _ := c.GetWatermarkOffsets("t", 0); lo != 0 || hi != 20 {
		t.Fatalf("watermarks = %d %d", lo, hi)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Commit(); !errors.Is(err, client.ErrState) {
		t.Fatalf("after Close: %v", err)
	}
}

func TestCommitAsyncAndRestartFromCommitted(t *testing.T) {
	t.Parallel()
	kc := cluster(t, kfake.SeedTopics(1, "t"))
	produce(t, kc, "t", 0, 0, 10)
	c := newConsumer(t, consumerConf(kc, "g", "c1", "enable.auto.commit", false))
	_ = c.Subscribe("t", nil)
	msgs := drain(t, c, 5, 10*time.Second)
	if err := c.CommitMessageAsync(msgs[4]); err != nil {
		t.Fatal(err)
	}
	var oc *client.OffsetsCommitted
	pollUntil(t, c, 5*time.Second, func(ev client.Event) {
		if e, ok := ev.(client.OffsetsCommitted); ok {
			oc = &e
		}
	}, func() bool { return oc != nil })
	if oc.Error != nil || len(oc.Offsets) != 1 || oc.Offsets[0].Offset != 5 {
		t.Fatalf("OffsetsCommitted = %v", oc)
	}
	_ = c.Close()
	// A new member starts from the committed offset 5.
	c2 := newConsumer(t, consumerConf(kc, "g", "c2", "enable.auto.commit", false))
	_ = c2.Subscribe("t", nil)
	got := drain(t, c2, 1, 10*time.Second)
	if got[0].TopicPartition.Offset != 5 {
		t.Fatalf("restart at %v, want 5", got[0].TopicPartition)
	}
}

func TestAutoCommitLibrdkafkaCommitsHandedOut(t *testing.T) {
	t.Parallel()
	kc := cluster(t, kfake.SeedTopics(1, "t"))
	produce(t, kc, "t", 0, 0, 10)
	rec := &recorder{}
	c := newConsumer(t, consumerConf(kc, "g", "c1", "auto.commit.interval.ms", 100), rec)
	_ = c.Subscribe("t", nil)
	drain(t, c, 3, 10*time.Second)
	// The timer commits offset 3 (stored at hand-out) without more polls.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if info := kc.GroupInfo("g"); info != nil && info.Commits["t"][0].Offset == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("auto-commit did not commit 3: %+v", kc.GroupInfo("g").Commits)
		}
		time.Sleep(20 * time.Millisecond)
	}
	rec.mu.Lock()
	trig := rec.commits[0].Trigger
	rec.mu.Unlock()
	if trig != client.TriggerAutoTimer {
		t.Fatalf("trigger %v", trig)
	}
}

func TestStoreOffsetsAndCloseCommits(t *testing.T) {
	t.Parallel()
	kc := cluster(t, kfake.SeedTopics(1, "t"))
	produce(t, kc, "t", 0, 0, 10)
	rec := &recorder{}
	c := newConsumer(t, consumerConf(kc, "g", "c1", "enable.auto.offset.store", false, "auto.commit.interval.ms", 0), rec)
	_ = c.Subscribe("t", nil)
	msgs := drain(t, c, 6, 10*time.Second)
	if _, err := c.StoreMessage(msgs[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := c.StoreOffsets([]client.TopicPartition{{Topic: "x", Partition: 0, Offset: 1}}); !errors.Is(err, client.ErrState) {
		t.Fatalf("store unassigned: %v", err)
	}
	_ = c.Close()
	if got := kc.GroupInfo("g").Commits["t"][0].Offset; got != 2 {
		t.Fatalf("close committed %d, want 2 (the stored offset)", got)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.commits) != 1 || rec.commits[0].Trigger != client.TriggerClose {
		t.Fatalf("commits %+v", rec.commits)
	}
}

func TestRebalanceOnJoinAndClose(t *testing.T) {
	t.Parallel()
	kc := cluster(t, kfake.SeedTopics(4, "t"))
	var events1 []string
	cb := func(events *[]string) client.RebalanceCb {
		return func(c client.Consumer, ev client.Event) error {
			*events = append(*events, ev.String())
			return nil
		}
	}
	c1 := newConsumer(t, consumerConf(kc, "g", "c1"))
	_ = c1.Subscribe("t", cb(&events1))
	pollUntil(t, c1, 10*time.Second, nil, func() bool { a, _ := c1.Assignment(); return len(a) == 4 })
	var events2 []string
	c2 := newConsumer(t, consumerConf(kc, "g", "c2"))
	_ = c2.Subscribe("t", cb(&events2))
	// Both poll until each has 2 partitions.
	pollSplit(t, c1, c2, 2, 10*time.Second)
	if c1.GetRebalanceProtocol() != client.RebalanceEager {
		t.Fatalf("protocol %s", c1.GetRebalanceProtocol())
	}
	want1 := []string{"AssignedPartitions: [t[0]@unset, t[1]@unset, t[2]@unset, t[3]@unset]",
		"RevokedPartitions: [t[0]@unset, t[1]@unset, t[2]@unset, t[3]@unset]"}
	if len(events1) < 3 || !slices.Equal(events1[:2], want1) {
		t.Fatalf("c1 events %q", events1)
	}
	// Graceful close of c2: c1 gets all four back quickly.
	start := time.Now()
	_ = c2.Close()
	pollUntil(t, c1, 5*time.Second, nil, func() bool { a, _ := c1.Assignment(); return len(a) == 4 })
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("reassignment after close took %s", d)
	}
	if events2[len(events2)-1] != "RevokedPartitions: [t[2]@unset, t[3]@unset]" && events2[len(events2)-1] != "RevokedPartitions: [t[0]@unset, t[1]@unset]" {
		t.Fatalf("c2 events %q", events2)
	}
}

func TestCooperativeRebalance(t *testing.T) {
	t.Parallel()
	kc := cluster(t, kfake.SeedTopics(4, "t"))
	conf := func(id string) client.ConfigMap {
		return consumerConf(kc, "g", id, "partition.assignment.strategy", "cooperative-sticky")
	}
	var ev1 []string
	c1 := newConsumer(t, conf("c1"))
	_ = c1.Subscribe("t", func(_ client.Consumer, ev client.Event) error { ev1 = append(ev1, ev.String()); return nil })
	pollUntil(t, c1, 10*time.Second, nil, func() bool { a, _ := c1.Assignment(); return len(a) == 4 })
	c2 := newConsumer(t, conf("c2"))
	_ = c2.Subscribe("t", nil)
	pollSplit(t, c1, c2, 2, 10*time.Second)
	if c1.GetRebalanceProtocol() != client.RebalanceCooperative {
		t.Fatal(c1.GetRebalanceProtocol())
	}
	// c1 revoked only the two moving partitions.
	for _, e := range ev1 {
		if len(e) > 20 && e[:7] == "Revoked" && e != "RevokedPartitions: [t[2]@unset, t[3]@unset]" && e != "RevokedPartitions: [t[0]@unset, t[1]@unset]" && e != "RevokedPartitions: [t[1]@unset, t[3]@unset]" && e != "RevokedPartitions: [t[0]@unset, t[2]@unset]" {
			t.Fatalf("c1 events %q", ev1)
		}
	}
}

func TestCrashSessionExpiryThenReassignment(t *testing.T) {
	t.Parallel()
	kc := cluster(t, kfake.SeedTopics(2, "t"))
	c1 := newConsumer(t, consumerConf(kc, "g", "c1", "enable.auto.commit", false))
	c2 := newConsumer(t, consumerConf(kc, "g", "c2", "enable.auto.commit", false))
	_ = c1.Subscribe("t", nil)
	_ = c2.Subscribe("t", nil)
	pollSplit(t, c1, c2, 1, 10*time.Second)
	// Whoever has partition 0 reads 5 messages, then crashes.
	produce(t, kc, "t", 0, 0, 5)
	owner, other := c1, c2
	if a, _ := c2.Assignment(); a[0].Partition == 0 {
		owner, other = c2, c1
	}
	drain(t, owner, 5, 10*time.Second)
	start := time.Now()
	owner.Crash()
	if _, err := owner.Commit(); !errors.Is(err, client.ErrState) {
		t.Fatalf("after crash: %v", err)
	}
	// No LeaveGroup: the member stays until the 500 ms session timeout.
	time.Sleep(150 * time.Millisecond)
	if n := len(kc.GroupInfo("g").Members); n != 2 {
		t.Fatalf("members right after crash: %d, want 2 (no LeaveGroup)", n)
	}
	var got []*client.Message
	pollUntil(t, other, 10*time.Second, func(ev client.Event) {
		if m, ok := ev.(*client.Message); ok {
			got = append(got, m)
		}
	}, func() bool { a, _ := other.Assignment(); return len(a) == 2 })
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Fatalf("reassigned after %s: before the session timeout", d)
	}
	// Nothing was committed by the crashed owner: the messages come again.
	got = append(got, drain(t, other, 5-len(got), 10*time.Second)...)
	if got[0].TopicPartition.Offset != 0 {
		t.Fatalf("redelivery starts at %v", got[0].TopicPartition)
	}
}

func TestStaticMembershipNoRebalanceOnRestart(t *testing.T) {
	t.Parallel()
	kc := cluster(t, kfake.SeedTopics(2, "t"))
	conf := func(id, inst string) client.ConfigMap {
		return consumerConf(kc, "g", id, "group.instance.id", inst, "session.timeout.ms", 2000)
	}
	// a joins first (the leader: kfake, like Kafka, rebalances when a
	// static leader rejoins), then b; b restarts.
	a := newConsumer(t, conf("a", "inst-a"))
	_ = a.Subscribe("t", nil)
	pollUntil(t, a, 10*time.Second, nil, func() bool { x, _ := a.Assignment(); return len(x) == 2 })
	b := newConsumer(t, conf("b", "inst-b"))
	_ = b.Subscribe("t", nil)
	pollSplit(t, a, b, 1, 10*time.Second)
	before, _ := b.Assignment()
	gen := kc.GroupInfo("g").Epoch
	_ = b.Close() // static: no LeaveGroup
	if n := len(kc.GroupInfo("g").Members); n != 2 {
		t.Fatalf("static close left the group: %d members", n)
	}
	b2 := newConsumer(t, conf("b2", "inst-b"))
	_ = b2.Subscribe("t", nil)
	pollUntil(t, b2, 10*time.Second, func(client.Event) { a.Poll(0) }, func() bool { x, _ := b2.Assignment(); return len(x) == 1 })
	after, _ := b2.Assignment()
	if after[0].Partition != before[0].Partition {
		t.Fatalf("static restart got %v, had %v", after, before)
	}
	if g := kc.GroupInfo("g").Epoch; g != gen {
		t.Fatalf("generation moved %d → %d: a rebalance happened", gen, g)
	}
}

func TestCommitFencedUnknownMember(t *testing.T) {
	t.Parallel()
	kc := cluster(t, kfake.SeedTopics(1, "t"))
	produce(t, kc, "t", 0, 0, 3)
	c := newConsumer(t, consumerConf(kc, "g", "c1", "enable.auto.commit", false, "max.poll.interval.ms", 600, "session.timeout.ms", 500))
	var lost bool
	_ = c.Subscribe("t", func(cc client.Consumer, ev client.Event) error {
		if r, ok := ev.(client.RevokedPartitions); ok && r.Lost {
			lost = true
		}
		return nil
	})
	msgs := drain(t, c, 3, 10*time.Second)
	// The app stalls past max.poll.interval.ms: the member leaves the group.
	time.Sleep(1200 * time.Millisecond)
	_, err := c.CommitMessage(msgs[2])
	// The member left: kfake answers ILLEGAL_GENERATION (the group is
	// Empty at a new generation) or UNKNOWN_MEMBER_ID.
	if !errors.Is(err, client.ErrUnknownMemberID) && !errors.Is(err, client.ErrIllegalGeneration) {
		t.Fatalf("commit after leaving: %v, want UNKNOWN_MEMBER_ID or ILLEGAL_GENERATION", err)
	}
	t.Logf("commit after leaving: %v", err)
	// The next Poll: _MAX_POLL_EXCEEDED, then the lost revoke, then a rejoin.
	var got client.Error
	pollUntil(t, c, 5*time.Second, func(ev client.Event) {
		if e, ok := ev.(client.Error); ok && got.Code() == 0 {
			got = e
		}
	}, func() bool { a, _ := c.Assignment(); return got.Code() != 0 && lost && len(a) == 1 })
	if got.Code() != client.ErrMaxPollExceeded {
		t.Fatalf("first error %v", got)
	}
	if _, err := c.CommitMessage(msgs[2]); err != nil {
		t.Fatalf("commit after rejoin: %v", err)
	}
}

func TestCommitFencedIllegalGeneration(t *testing.T) {
	t.Parallel()
	kc := cluster(t, kfake.SeedTopics(2, "t"))
	produce(t, kc, "t", 0, 0, 3)
	c1 := newConsumer(t, consumerConf(kc, "g", "c1", "enable.auto.commit", false))
	_ = c1.Subscribe("t", nil)
	msgs := drain(t, c1, 3, 10*time.Second)
	gen := c1.Generation()
	// Freeze c1's view: a second member joins; while c1 has not yet
	// served the revoke its commit carries the old generation. Once the
	// group moved on, kfake answers ILLEGAL_GENERATION.
	c2 := newConsumer(t, consumerConf(kc, "g", "c2"))
	_ = c2.Subscribe("t", nil)
	deadline := time.Now().Add(10 * time.Second)
	for kc.GroupInfo("g").Epoch == gen {
		c2.Poll(20)
		c1.Poll(0)
		if time.Now().After(deadline) {
			t.Fatal("no new generation")
		}
	}
	// Send a commit with the stale generation directly.
	c1.mu.Lock()
	c1.expired, c1.lastMember, c1.lastGen = true, c1.memberIDLocked(), gen
	c1.mu.Unlock()
	_, err := c1.CommitMessage(msgs[0])
	c1.mu.Lock()
	c1.expired = false
	c1.mu.Unlock()
	if !errors.Is(err, client.ErrIllegalGeneration) && !errors.Is(err, client.ErrRebalanceInProgress) {
		t.Fatalf("stale-generation commit: %v", err)
	}
	t.Logf("stale-generation commit: %v", err)
}

func TestManualAssignCommitsGenerationMinusOne(t *testing.T) {
	t.Parallel()
	kc := cluster(t, kfake.SeedTopics(2, "t"))
	produce(t, kc, "t", 1, 0, 5)
	c := newConsumer(t, consumerConf(kc, "manual", "c1", "enable.auto.commit", false, "enable.partition.eof", true))
	if err := c.Assign([]client.TopicPartition{{Topic: "t", Partition: 1, Offset: 2}, {Topic: "t", Partition: 0, Offset: client.OffsetStored}}); err != nil {
		t.Fatal(err)
	}
	var msgs []*client.Message
	var eofs []client.PartitionEOF
	pollUntil(t, c, 10*time.Second, func(ev client.Event) {
		switch e := ev.(type) {
		case *client.Message:
			msgs = append(msgs, e)
		case client.PartitionEOF:
			eofs = append(eofs, e)
		}
	}, func() bool { return len(msgs) == 3 && len(eofs) == 2 })
	if msgs[0].TopicPartition.Offset != 2 {
		t.Fatalf("first %v", msgs[0].TopicPartition)
	}
	if _, err := c.CommitMessage(msgs[2]); err != nil {
		t.Fatal(err)
	}
	if got := kc.GroupInfo("manual").Commits["t"][1].Offset; got != 5 {
		t.Fatalf("committed %d", got)
	}
	if err := c.Seek(client.TopicPartition{Topic: "t", Partition: 1, Offset: 0}, 0); err != nil {
		t.Fatal(err)
	}
	got := drain(t, c, 1, 5*time.Second)
	if got[0].TopicPartition.Offset != 0 {
		t.Fatalf("after seek %v", got[0].TopicPartition)
	}
	_ = eofs
}

func TestAutoOffsetResetError(t *testing.T) {
	t.Parallel()
	kc := cluster(t, kfake.SeedTopics(1, "t"))
	produce(t, kc, "t", 0, 0, 3)
	c := newConsumer(t, consumerConf(kc, "g", "c1", "auto.offset.reset", "error"))
	_ = c.Subscribe("t", nil)
	var e client.Error
	pollUntil(t, c, 10*time.Second, func(ev client.Event) {
		if x, ok := ev.(client.Error); ok {
			e = x
		}
		if _, ok := ev.(*client.Message); ok {
			t.Fatal("message from a stopped partition")
		}
	}, func() bool { return e.Code() != 0 })
	if e.Code() != client.ErrAutoOffsetReset {
		t.Fatalf("error %v", e)
	}
	if tp, ok := e.TopicPartition(); !ok || tp.Topic != "t" {
		t.Fatalf("tp %v", tp)
	}
	_ = c.Seek(client.TopicPartition{Topic: "t", Partition: 0, Offset: 1}, 0)
	got := drain(t, c, 2, 5*time.Second)
	if got[0].TopicPartition.Offset != 1 {
		t.Fatalf("after seek %v", got[0].TopicPartition)
	}
}

func TestClusterKilledGivesErrorEventNoHang(t *testing.T) {
	t.Parallel()
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "t"), kfake.GroupMinSessionTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	produce(t, kc, "t", 0, 0, 3)
	c := newConsumer(t, consumerConf(kc, "g", "c1"))
	_ = c.Subscribe("t", nil)
	drain(t, c, 3, 10*time.Second)
	kc.Close()
	var codes []client.ErrorCode
	pollUntil(t, c, 10*time.Second, func(ev client.Event) {
		if e, ok := ev.(client.Error); ok {
			codes = append(codes, e.Code())
		}
	}, func() bool { return slices.Contains(codes, client.ErrAllBrokersDown) })
	if !slices.Contains(codes, client.ErrTransport) {
		t.Fatalf("codes %v", codes)
	}
	start := time.Now()
	if _, err := c.Commit(); err == nil {
		t.Fatal("commit against a dead cluster succeeded")
	}
	_ = c.Close()
	if d := time.Since(start); d > 8*time.Second {
		t.Fatalf("commit+close took %s", d)
	}
}

func TestUnreachableBrokerAtStart(t *testing.T) {
	t.Parallel()
	c := newConsumer(t, client.ConfigMap{"bootstrap.servers": "127.0.0.1:1", "group.id": "g", "socket.timeout.ms": 1000})
	_ = c.Subscribe("t", nil)
	var codes []client.ErrorCode
	pollUntil(t, c, 10*time.Second, func(ev client.Event) {
		if e, ok := ev.(client.Error); ok {
			codes = append(codes, e.Code())
		}
	}, func() bool { return slices.Contains(codes, client.ErrAllBrokersDown) })
	_ = c.Close()
}

func TestInvalidSessionTimeoutSurfaced(t *testing.T) {
	t.Parallel()
	kc := cluster(t, kfake.SeedTopics(1, "t"), kfake.GroupMinSessionTimeout(6*time.Second))
	c := newConsumer(t, consumerConf(kc, "g", "c1"))
	_ = c.Subscribe("t", nil)
	var e client.Error
	pollUntil(t, c, 10*time.Second, func(ev client.Event) {
		if x, ok := ev.(client.Error); ok {
			e = x
		}
	}, func() bool { return e.Code() != 0 })
	if e.Code() != client.ErrInvalidSessionTimeout {
		t.Fatalf("error %v", e)
	}
}
