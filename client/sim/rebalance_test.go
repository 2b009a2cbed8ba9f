package sim

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/internal/clock"
)

// cbLog returns a rebalance callback that logs what it is called with.
func cbLog(name string, log *[]string) client.RebalanceCb {
	return func(c client.Consumer, ev client.Event) error {
		switch e := ev.(type) {
		case client.AssignedPartitions:
			*log = append(*log, fmt.Sprintf("%s assign [%s]", name, keys(e.Partitions)))
		case client.RevokedPartitions:
			*log = append(*log, fmt.Sprintf("%s revoke [%s] lost=%v", name, keys(e.Partitions), e.Lost))
		}
		return nil
	}
}

// A second member joins a group whose only member owns 4 partitions.
// Eager: the first member's callback sees every partition revoked, then
// its new half assigned. Cooperative: it sees only the 2 moving partitions
// revoked, and the newcomer gets them in a follow-up rebalance.
func TestEagerVersusCooperativeCallbacks(t *testing.T) {
	for _, strategy := range []string{"range", "cooperative-sticky"} {
		t.Run(strategy, func(t *testing.T) {
			cl := newTestCluster(t, "t", 4)
			var log []string
			conf := client.ConfigMap{"group.id": "g", "partition.assignment.strategy": strategy}
			a := mustConsumer(t, cl, conf)
			_ = a.Subscribe("t", cbLog("a", &log))
			drive(cl, 5*time.Second, a)
			b := mustConsumer(t, cl, conf.Clone())
			_ = b.Subscribe("t", cbLog("b", &log))
			drive(cl, 20*time.Second, a, b)
			got := strings.Join(log, "\n")
			want := map[string]string{
				"range": `a assign [t[0] t[1] t[2] t[3]]
a revoke [t[0] t[1] t[2] t[3]] lost=false
a assign [t[0] t[1]]
b assign [t[2] t[3]]`,
				// KIP-429: only the moving partitions are revoked; assign
				// always runs (empty here); the follow-up rebalance hands
				// the freed partitions to b.
				// librdkafka's sticky assignor moves the lowest partitions
				// of the busiest member to the newcomer.
				"cooperative-sticky": `a assign [t[0] t[1] t[2] t[3]]
a revoke [t[0] t[1]] lost=false
a assign []
b assign []
a assign []
b assign [t[0] t[1]]`,
			}[strategy]
			if got != want {
				t.Fatalf("callbacks:\n%s\nwant:\n%s", got, want)
			}
			wantProto := map[string]string{"range": client.RebalanceEager, "cooperative-sticky": client.RebalanceCooperative}[strategy]
			if p := a.GetRebalanceProtocol(); p != wantProto {
				t.Errorf("GetRebalanceProtocol = %s, want %s", p, wantProto)
			}
			ab, _ := a.Assignment()
			bb, _ := b.Assignment()
			if len(ab) != 2 || len(bb) != 2 {
				t.Fatalf("final a %v b %v\n%s", ab, bb, got)
			}
		})
	}
}

// A static member (group.instance.id) that restarts within
// session.timeout.ms gets its partitions back with no rebalance: the other
// member sees no callbacks.
func TestStaticMembershipRestart(t *testing.T) {
	cl := newTestCluster(t, "t", 2)
	var log []string
	static := client.ConfigMap{"group.id": "g", "group.instance.id": "pod-a", "client.id": "a"}
	a := mustConsumer(t, cl, static)
	b := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "group.instance.id": "pod-b", "client.id": "b"})
	_ = a.Subscribe("t", cbLog("a", &log))
	_ = b.Subscribe("t", cbLog("b", &log))
	drive(cl, 10*time.Second, a, b)
	before, _ := a.Assignment()
	gen := cl.Coordinator().Generation("g")
	_ = a.Close() // static: no LeaveGroup
	log = nil
	drive(cl, 5*time.Second, b)
	a2 := mustConsumer(t, cl, static.Clone())
	_ = a2.Subscribe("t", cbLog("a2", &log))
	drive(cl, 10*time.Second, a2, b)
	after, _ := a2.Assignment()
	if keys(before) != keys(after) || len(after) != 1 {
		t.Fatalf("restarted static member got %v, had %v", after, before)
	}
	for _, l := range log {
		if strings.HasPrefix(l, "b ") {
			t.Fatalf("other member saw a rebalance: %v", log)
		}
	}
	if g := cl.Coordinator().Generation("g"); g != gen {
		t.Fatalf("generation moved %d -> %d", gen, g)
	}
}

func TestPartitionEOFAndAutoOffsetResetError(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	produceN(t, cl, "t", 0, 0, 1)
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "auto.offset.reset": "error", "enable.partition.eof": true})
	_ = c.Subscribe("t", nil)
	var got []string
	for range 200 {
		if ev := c.Poll(100); ev != nil {
			got = append(got, fmt.Sprintf("%T", ev))
			if e, ok := ev.(client.Error); ok {
				if e.Code() != client.ErrAutoOffsetReset {
					t.Fatalf("error %v", e)
				}
				tp, _ := e.TopicPartition()
				_ = c.Seek(client.TopicPartition{Topic: tp.Topic, Partition: tp.Partition, Offset: client.OffsetBeginning}, 0)
			}
		}
		if len(got) == 3 {
			break
		}
	}
	if strings.Join(got, ",") != "client.Error,*client.Message,client.PartitionEOF" {
		t.Fatalf("events %v, want reset error, message after seek, EOF", got)
	}
	produceN(t, cl, "t", 0, 1, 1)
	if m := pollMsg(t, c, time.Second); m == nil || m.TopicPartition.Offset != 1 {
		t.Fatalf("got %v", m)
	}
	if _, ok := c.Poll(100).(client.PartitionEOF); !ok {
		t.Fatal("no EOF again after consuming new messages to the end")
	}
}

func TestUnknownTopicAndLatestDefault(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	produceN(t, cl, "t", 0, 0, 3)
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g"})
	_ = c.SubscribeTopics([]string{"t", "missing"}, nil)
	ev := c.Poll(0)
	if e, ok := ev.(client.Error); !ok || e.Code() != client.ErrUnknownTopicOrPart || int(e.Code()) != 3 {
		t.Fatalf("first event %v, want UNKNOWN_TOPIC_OR_PART", ev)
	}
	drive(cl, 5*time.Second, c)
	pos, _ := c.Position([]client.TopicPartition{{Topic: "t"}})
	if pos[0].Offset != 3 {
		t.Fatalf("default auto.offset.reset=latest: position %v, want 3 (end)", pos[0].Offset)
	}
	produceN(t, cl, "t", 0, 3, 1)
	if m := pollMsg(t, c, time.Second); m == nil || m.TopicPartition.Offset != 3 {
		t.Fatalf("got %v", m)
	}
}

// Broker outage: error events, an async commit held and completed when the
// broker is back, reported as OffsetsCommitted.
func TestBrokerDownAsyncCommit(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	produceN(t, cl, "t", 0, 0, 2)
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "auto.offset.reset": "earliest", "enable.auto.commit": false})
	_ = c.Subscribe("t", nil)
	m := pollMsg(t, c, 10*time.Second)
	cl.SetBrokerAvailable(false)
	if err := c.CommitMessageAsync(m); err != nil {
		t.Fatal(err)
	}
	var codes []client.ErrorCode
	for range 20 {
		if e, ok := c.Poll(100).(client.Error); ok {
			codes = append(codes, e.Code())
		}
	}
	if len(codes) != 2 || codes[0] != client.ErrTransport || codes[1] != client.ErrAllBrokersDown {
		t.Fatalf("error events %v, want _TRANSPORT, _ALL_BROKERS_DOWN", codes)
	}
	if committedIn(cl, "g", "t", 0) != -1 {
		t.Fatal("commit went through while the broker was down")
	}
	cl.SetBrokerAvailable(true)
	var oc *client.OffsetsCommitted
	for range 100 {
		if e, ok := c.Poll(100).(client.OffsetsCommitted); ok {
			oc = &e
			break
		}
	}
	if oc == nil || oc.Error != nil || len(oc.Offsets) != 1 || oc.Offsets[0].Offset != 1 {
		t.Fatalf("OffsetsCommitted %+v", oc)
	}
	if committedIn(cl, "g", "t", 0) != 1 {
		t.Fatal("held commit not sent after the broker came back")
	}
}

func TestApplicationRebalanceEvents(t *testing.T) {
	cl := newTestCluster(t, "t", 2)
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "go.application.rebalance.enable": true})
	_ = c.Subscribe("t", nil)
	var ap *client.AssignedPartitions
	for range 100 {
		if e, ok := c.Poll(100).(client.AssignedPartitions); ok {
			ap = &e
			break
		}
	}
	if ap == nil || len(ap.Partitions) != 2 {
		t.Fatalf("AssignedPartitions %v", ap)
	}
	if got, _ := c.Assignment(); len(got) != 0 {
		t.Fatalf("assigned before the app called Assign: %v", got)
	}
	if err := c.IncrementalAssign(ap.Partitions); !errors.Is(err, client.ErrState) {
		t.Fatalf("IncrementalAssign in an eager rebalance: %v, want _STATE", err)
	}
	if err := c.Assign(ap.Partitions); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Assignment(); len(got) != 2 {
		t.Fatalf("assignment %v", got)
	}
}

// Poll called from inside a clock callback must not run the loop.
func TestPollReentrantDoesNotRunLoop(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g"})
	_ = c.Subscribe("t", nil)
	var at, after time.Duration
	cl.Clock().After(time.Second, func() {
		at = cl.Clock().Elapsed()
		c.Poll(10_000)
		after = cl.Clock().Elapsed()
	})
	cl.Sleep(2 * time.Second)
	if at != time.Second || after != time.Second {
		t.Fatalf("re-entrant Poll moved time from %v to %v", at, after)
	}
}

// Two consumers, a producer and crash/restart driven from one goroutine
// give the same hook trace for the same seed.
func TestDeterministic(t *testing.T) {
	trace := func(seed uint64) string {
		cl := NewCluster(Config{Clock: clock.NewSim(seed)})
		_ = cl.CreateTopic("t", 3)
		rec := &recorder{}
		p, _ := cl.NewProducer(client.ConfigMap{"client.id": "p"})
		for i := range 30 {
			_ = p.Produce(&client.Message{TopicPartition: client.TopicPartition{Topic: "t", Partition: client.PartitionAny},
				Key: fmt.Appendf(nil, "k%d", i%7)}, nil)
		}
		p.Flush(1000)
		a := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "client.id": "a", "auto.offset.reset": "earliest"}, rec)
		b := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "client.id": "b", "auto.offset.reset": "earliest"}, rec)
		_ = a.Subscribe("t", nil)
		_ = b.Subscribe("t", nil)
		drive(cl, 10*time.Second, a, b)
		a.Crash()
		drive(cl, 60*time.Second, b)
		_ = b.Close()
		return strings.Join(rec.lines, "\n") + fmt.Sprint(a.MemberID(), b.MemberID())
	}
	x, y, z := trace(7), trace(7), trace(8)
	if x != y {
		t.Fatalf("same seed, different traces:\n%s\n---\n%s", x, y)
	}
	if x == z {
		t.Fatal("different seeds gave identical member ids and traces")
	}
}

// Close runs the revoke callback, auto-commits the stored offsets (trigger
// close) and leaves the group; a closed consumer's calls fail with
// _DESTROY.
func TestCloseCommitsAndRevokes(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	produceN(t, cl, "t", 0, 0, 3)
	rec := &recorder{}
	var log []string
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "client.id": "c", "auto.offset.reset": "earliest"}, rec)
	_ = c.Subscribe("t", cbLog("c", &log))
	pollMsg(t, c, 10*time.Second)
	pollMsg(t, c, time.Second)
	_ = c.Close()
	if strings.Join(log, "|") != "c assign [t[0]]|c revoke [t[0]] lost=false" {
		t.Fatalf("callbacks %v", log)
	}
	if !rec.has("c commit close [t[0]@2] err=<nil>") || committedIn(cl, "g", "t", 0) != 2 {
		t.Fatalf("close did not commit offset 2:\n%v", rec.lines)
	}
	if n := len(cl.Coordinator().Describe("g").Members); n != 0 {
		t.Fatalf("%d members left after close", n)
	}
	if _, err := c.Commit(); !errors.Is(err, client.ErrState) {
		t.Fatalf("Commit after Close: %v", err)
	}
}

// An assignment queued for a consumer that never polled is outdated once
// max.poll.interval.ms throws the member out: the next Poll must not apply
// it (and hand out messages under a dead membership) but rejoin, and the
// first message it returns must be committable.
func TestOutdatedAssignmentDroppedAfterMaxPoll(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	produceN(t, cl, "t", 0, 0, 1)
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "client.id": "c", "auto.offset.reset": "earliest",
		"enable.auto.commit": false, "session.timeout.ms": 10000, "max.poll.interval.ms": 20000})
	_ = c.Subscribe("t", nil)
	c.Poll(0)                  // joins; the assignment arrives while the app does not poll
	cl.Sleep(21 * time.Second) // max.poll.interval.ms passes: the member leaves
	gotMaxPoll := false
	var m *client.Message
	for i := 0; i < 100 && m == nil; i++ {
		switch e := c.Poll(100).(type) {
		case client.Error:
			gotMaxPoll = gotMaxPoll || e.Code() == client.ErrMaxPollExceeded
		case *client.Message:
			m = e
		}
	}
	if !gotMaxPoll {
		t.Fatal("no _MAX_POLL_EXCEEDED")
	}
	if m == nil {
		t.Fatal("no message after rejoining")
	}
	if _, err := c.CommitMessage(m); err != nil {
		t.Fatalf("commit of the first message after rejoining: %v (an outdated assignment was applied)", err)
	}
}

// A member that gets nothing (more consumers than partitions) still gets
// its (empty) assignment, through the callback and the hooks, as
// librdkafka reports it.
func TestEmptyAssignmentIsReported(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	rec := &recorder{}
	var a, b *Consumer
	for i, pc := range []**Consumer{&a, &b} {
		*pc = mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "client.id": fmt.Sprintf("c%d", i)}, rec)
		_ = (*pc).Subscribe("t", nil)
	}
	for range 100 {
		a.Poll(100)
		b.Poll(100)
	}
	got := 0
	for _, l := range rec.lines {
		if strings.HasSuffix(strings.TrimSpace(l), " assigned") { // no partitions listed
			got++
		}
	}
	if got != 1 {
		t.Fatalf("empty assignments reported %d times, want 1:\n%s", got, strings.Join(rec.lines, "\n"))
	}
}

// max.poll.interval.ms is watched again after the member rejoins: a second
// stall is caught too (the timer is started again once it has fired), and
// polls in time keep it from firing.
func TestMaxPollExceededTwice(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	rec := &recorder{}
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "client.id": "c", "auto.offset.reset": "earliest",
		"session.timeout.ms": 10000, "max.poll.interval.ms": 20000}, rec)
	_ = c.Subscribe("t", nil)
	count := func() int {
		n := 0
		for _, l := range rec.lines {
			if l == "c max-poll" {
				n++
			}
		}
		return n
	}
	for round := 1; round <= 2; round++ {
		for range 300 { // 30 s of polls in time: no expiry
			c.Poll(100)
		}
		if got := count(); got != round-1 {
			t.Fatalf("round %d: %d expiries while polling, want %d", round, got, round-1)
		}
		cl.Sleep(21 * time.Second)
		if got := count(); got != round {
			t.Fatalf("round %d: %d expiries after a stall, want %d", round, got, round)
		}
	}
}
