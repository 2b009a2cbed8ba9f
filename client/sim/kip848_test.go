package sim

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/group"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// cbLogAt is cbLog with the virtual time of each call, from the
// cluster's start.
func cbLogAt(cl *Cluster, name string, log *[]string) client.RebalanceCb {
	return func(c client.Consumer, ev client.Event) error {
		at := cl.Now().Sub(simEpoch).Round(time.Millisecond)
		switch e := ev.(type) {
		case client.AssignedPartitions:
			*log = append(*log, fmt.Sprintf("%v %s assign [%s]", at, name, keys(e.Partitions)))
		case client.RevokedPartitions:
			*log = append(*log, fmt.Sprintf("%v %s revoke [%s] lost=%v", at, name, keys(e.Partitions), e.Lost))
		}
		return nil
	}
}

// kip848Conf is a consumer of the consumer group protocol.
func kip848Conf(id string, kv ...any) client.ConfigMap {
	m := client.ConfigMap{"group.id": "g", "group.protocol": "consumer", "client.id": id, "auto.offset.reset": "earliest"}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// simEpoch is where a new cluster's clock starts.
var simEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func startAt0(t *testing.T, cl *Cluster) {
	t.Helper()
	if got := cl.Now(); !got.Equal(simEpoch) {
		t.Fatalf("cluster starts at %v", got)
	}
}

// A member joins a group of the consumer group protocol whose only
// member owns 4 partitions. The callbacks are incremental: the first
// member revokes only the 2 partitions that move, at its next heartbeat
// (the broker's 5 s interval), and keeps consuming the other 2; the
// newcomer gets them at its own next heartbeat after the owner
// acknowledged the revocation.
func TestKIP848ScaleOutIsIncremental(t *testing.T) {
	cl := newTestCluster(t, "t", 4)
	startAt0(t, cl)
	var log []string
	a := mustConsumer(t, cl, kip848Conf("a"))
	if p := a.GetRebalanceProtocol(); p != client.RebalanceNone {
		t.Errorf("before subscribing GetRebalanceProtocol = %s, want NONE", p)
	}
	_ = a.Subscribe("t", cbLogAt(cl, "a", &log))
	drive(cl, 7*time.Second, a)
	b := mustConsumer(t, cl, kip848Conf("b"))
	_ = b.Subscribe("t", cbLogAt(cl, "b", &log))
	for p := range int32(4) {
		produceN(t, cl, "t", p, 0, 1)
	}
	drive(cl, 20*time.Second, a, b)
	got := strings.Join(log, "\n")
	// a heartbeats at 0, 5, 10 s; b joins at 7 s and heartbeats at 7,
	// 12 s; a callback runs in the consumer's next Poll (the test polls
	// each for 50 ms in turn).
	want := `0s a assign [t[0] t[1] t[2] t[3]]
10.05s a revoke [t[2] t[3]] lost=false
10.05s a assign []
12s b assign [t[2] t[3]]`
	if got != want {
		t.Fatalf("callbacks:\n%s\nwant:\n%s", got, want)
	}
	if p := a.GetRebalanceProtocol(); p != client.RebalanceCooperative {
		t.Errorf("GetRebalanceProtocol = %s, want COOPERATIVE", p)
	}
	info, _ := cl.Coordinator().ConsumerGroup("g")
	if info.State != group.Stable || info.GroupEpoch != 2 {
		t.Errorf("group %s epoch %d, want Stable at 2", info.State, info.GroupEpoch)
	}
	if a.Generation() != 2 || b.Generation() != 2 {
		t.Errorf("member epochs a %d b %d, want 2 and 2", a.Generation(), b.Generation())
	}
	if a.MemberID() == "" || a.MemberID() == b.MemberID() || len(a.MemberID()) != 22 {
		t.Errorf("member ids %q %q: want distinct 22-character UUIDs", a.MemberID(), b.MemberID())
	}
}

// An Assign (eager) inside the rebalance callback of the consumer
// protocol is refused as under cooperative-sticky.
func TestKIP848CallbackMustBeIncremental(t *testing.T) {
	cl := newTestCluster(t, "t", 2)
	a := mustConsumer(t, cl, kip848Conf("a"))
	var err error
	_ = a.Subscribe("t", func(c client.Consumer, ev client.Event) error {
		if e, ok := ev.(client.AssignedPartitions); ok {
			err = c.Assign(e.Partitions)
		}
		return nil
	})
	drive(cl, time.Second, a)
	if err == nil || !strings.Contains(err.Error(), "IncrementalAssign") {
		t.Fatalf("Assign in the callback: %v, want the cooperative refusal", err)
	}
}

// A crashed member sends nothing: the broker removes it when its session
// (group.consumer.session.timeout.ms, 45 s, counted from its last
// heartbeat) runs out, and the survivor takes its partitions at its next
// heartbeat. The survivor's own partitions never stop.
func TestKIP848CrashWaitsForTheBrokersSession(t *testing.T) {
	cl := newTestCluster(t, "t", 2)
	startAt0(t, cl)
	var log []string
	a := mustConsumer(t, cl, kip848Conf("a"))
	b := mustConsumer(t, cl, kip848Conf("b"))
	_ = a.Subscribe("t", cbLogAt(cl, "a", &log))
	_ = b.Subscribe("t", cbLogAt(cl, "b", &log))
	drive(cl, 21*time.Second, a, b)
	settled := strings.Join(log, "\n")
	a.Crash() // at 21 s; a's last heartbeat was at 20 s
	log = nil
	drive(cl, 60*time.Second, b)
	got := strings.Join(log, "\n")
	if !strings.HasPrefix(got, "1m5.0") || !strings.Contains(got, " b assign [t[") || strings.Contains(got, "revoke") {
		t.Fatalf("after the crash:\n%s\nwant only an assign to b just after 65 s (20 s + 45 s)\n(before:\n%s)", got, settled)
	}
	ab, _ := b.Assignment()
	if len(ab) != 2 {
		t.Errorf("b owns %v, want both", ab)
	}
}

// Close revokes (callback, then the commit of stored offsets), leaves
// with epoch -1; the other member takes the partitions at its next
// heartbeat. A static member leaves with -2 instead: its partitions stay
// its own until it comes back under the same group.instance.id, which
// gets them back with nobody else's callback running.
func TestKIP848CloseDynamicAndStatic(t *testing.T) {
	for _, static := range []bool{false, true} {
		t.Run(fmt.Sprintf("static=%v", static), func(t *testing.T) {
			cl := newTestCluster(t, "t", 2)
			produceN(t, cl, "t", 0, 0, 3)
			produceN(t, cl, "t", 1, 0, 3)
			var log []string
			rec := &recorder{}
			kv := []any{}
			if static {
				kv = []any{"group.instance.id", "a-1"}
			}
			a := mustConsumer(t, cl, kip848Conf("a", kv...), rec)
			b := mustConsumer(t, cl, kip848Conf("b"))
			_ = a.Subscribe("t", cbLogAt(cl, "a", &log))
			_ = b.Subscribe("t", cbLogAt(cl, "b", &log))
			drive(cl, 21*time.Second, a, b)
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
			if !rec.has("a commit revoke") && !rec.has("a commit close") {
				t.Errorf("no commit on close: %v", rec.lines)
			}
			log = nil
			drive(cl, 10*time.Second, b)
			info, _ := cl.Coordinator().ConsumerGroup("g")
			if !static {
				if len(log) != 1 || !strings.Contains(log[0], "b assign [t[") || len(info.Members) != 1 {
					t.Fatalf("after a's close: %q, %d members; want b assigned a's partition", log, len(info.Members))
				}
				return
			}
			if len(log) != 0 || len(info.Members) != 2 || info.Members[0].MemberEpoch != group.LeaveStaticEpoch && info.Members[1].MemberEpoch != group.LeaveStaticEpoch {
				t.Fatalf("after a static close: %q, members %+v; want nothing moved and a at epoch -2", log, info.Members)
			}
			a2 := mustConsumer(t, cl, kip848Conf("a", kv...))
			_ = a2.Subscribe("t", cbLogAt(cl, "a2", &log))
			drive(cl, 10*time.Second, a2, b)
			if len(log) != 1 || !strings.Contains(log[0], "a2 assign [t[") {
				t.Fatalf("static restart: %q, want only a2 getting its partition back", log)
			}
		})
	}
}

// max.poll.interval.ms under the consumer protocol: _MAX_POLL_EXCEEDED,
// the member leaves (epoch -1), its partitions are lost (not committed),
// and it rejoins with epoch 0 and the same member id when the app polls
// again.
func TestKIP848MaxPollExceeded(t *testing.T) {
	cl := newTestCluster(t, "t", 2)
	rec := &recorder{}
	var log []string
	a := mustConsumer(t, cl, kip848Conf("a", "max.poll.interval.ms", 10000), rec)
	_ = a.Subscribe("t", cbLogAt(cl, "a", &log))
	drive(cl, time.Second, a)
	id := a.MemberID()
	cl.RunFor(15 * time.Second) // the app does not poll
	if !rec.has("a max-poll") {
		t.Fatalf("no max-poll: %v", rec.lines)
	}
	if info, _ := cl.Coordinator().ConsumerGroup("g"); len(info.Members) != 0 {
		t.Fatalf("the member did not leave: %+v", info.Members)
	}
	evs := drive(cl, 2*time.Second, a)
	var sawErr bool
	for _, ev := range evs[a] {
		if e, ok := ev.(client.Error); ok && e.Code() == client.ErrMaxPollExceeded {
			sawErr = true
		}
	}
	if !sawErr {
		t.Errorf("no _MAX_POLL_EXCEEDED event: %v", evs[a])
	}
	got := strings.Join(log, "\n")
	if !strings.Contains(got, "a revoke [t[0] t[1]] lost=true") || !strings.HasSuffix(got, "a assign [t[0] t[1]]") {
		t.Errorf("callbacks:\n%s\nwant the partitions lost, then assigned again", got)
	}
	if a.MemberID() != id {
		t.Errorf("member id %q after the rejoin, want the same %q", a.MemberID(), id)
	}
	if rec.has("commit revoke") {
		t.Errorf("lost partitions were committed: %v", rec.lines)
	}
}

// Errors librdkafka treats as fatal in a ConsumerGroupHeartbeat: an
// assignor the broker does not have.
func TestKIP848UnsupportedAssignorIsFatal(t *testing.T) {
	cl := newTestCluster(t, "t", 2)
	a := mustConsumer(t, cl, kip848Conf("a", "group.remote.assignor", "sticky"))
	_ = a.Subscribe("t", nil)
	evs := drive(cl, time.Second, a)
	if len(evs[a]) == 0 {
		t.Fatal("no event")
	}
	e, ok := evs[a][0].(client.Error)
	if !ok || !e.IsFatal() || !strings.Contains(e.Error(), "UNSUPPORTED_ASSIGNOR") {
		t.Fatalf("first event %v, want a fatal UNSUPPORTED_ASSIGNOR", evs[a][0])
	}
	if _, err := a.Assignment(); err == nil {
		t.Error("calls after a fatal error succeed")
	}
	// range is one the broker has.
	b := mustConsumer(t, cl, kip848Conf("b", "group.id", "g2", "group.remote.assignor", "range"))
	_ = b.Subscribe("t", nil)
	drive(cl, time.Second, b)
	if info, _ := cl.Coordinator().ConsumerGroup("g2"); info.Assignor != "range" {
		t.Errorf("group assignor %q, want range", info.Assignor)
	}
}

// Commits carry the member epoch; a member the broker removed (its
// session ran out while it was stalled) gets UNKNOWN_MEMBER_ID on its
// commit, heartbeats at once, learns it was fenced, loses its partitions
// and rejoins.
func TestKIP848CommitsCarryTheMemberEpoch(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	produceN(t, cl, "t", 0, 0, 5)
	rec := &recorder{}
	var log []string
	a := mustConsumer(t, cl, kip848Conf("a", "enable.auto.commit", false), rec)
	_ = a.Subscribe("t", cbLogAt(cl, "a", &log))
	m := pollMsg(t, a, time.Second)
	if _, err := a.CommitMessage(m); err != nil {
		t.Fatalf("commit at epoch %d: %v", a.Generation(), err)
	}
	if got := committedIn(cl, "g", "t", 0); got != 1 {
		t.Fatalf("committed %d, want 1", got)
	}
	// The broker forgets the member (session expiry) while the app keeps
	// its assignment without heartbeating.
	a.hbTimer.Stop()
	cl.RunFor(50 * time.Second)
	m = pollMsg(t, a, time.Second)
	_, err := a.CommitMessage(m)
	if kerr.CodeOf(err) != kerr.UnknownMemberID {
		t.Fatalf("commit after expiry: %v, want UNKNOWN_MEMBER_ID", err)
	}
	drive(cl, time.Second, a)
	got := strings.Join(log, "\n")
	if !strings.Contains(got, "revoke [t[0]] lost=true") || !strings.HasSuffix(got, "assign [t[0]]") {
		t.Fatalf("callbacks:\n%s\nwant t[0] lost, then assigned again", got)
	}
}

// A config key the consumer protocol does not allow is refused by
// NewConsumer with librdkafka's message.
func TestKIP848RefusedConfig(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	_, err := cl.NewConsumer(kip848Conf("a", "session.timeout.ms", 10000))
	if err == nil || err.Error() != "`session.timeout.ms` is not supported for `group.protocol=consumer`. It is defined broker side" {
		t.Fatalf("NewConsumer: %v", err)
	}
}

// A consumer-protocol member cannot join a group id that a classic group
// with members holds: kafkasim's coordinator answers GROUP_ID_NOT_FOUND
// (Kafka would convert the group), which the app is told once while the
// member keeps trying; it joins once the classic group is empty.
func TestKIP848ClassicGroupInTheWay(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	classic := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "client.id": "c"})
	_ = classic.Subscribe("t", nil)
	drive(cl, 5*time.Second, classic)
	a := mustConsumer(t, cl, kip848Conf("a"))
	_ = a.Subscribe("t", nil)
	evs := drive(cl, 3*time.Second, a, classic)
	var errs int
	for _, ev := range evs[a] {
		if e, ok := ev.(client.Error); ok && e.Code() == kerr.GroupIDNotFound {
			errs++
		}
	}
	if errs != 1 {
		t.Fatalf("GROUP_ID_NOT_FOUND raised %d times, want once: %v", errs, evs[a])
	}
	_ = classic.Close()
	drive(cl, 3*time.Second, a)
	if as, _ := a.Assignment(); len(as) != 1 {
		t.Fatalf("after the classic group emptied a owns %v", as)
	}
}

// genLog records the member epoch of each revoke and commit.
type genLog struct{ lines []string }

func (g *genLog) OnCommitStarted(client.Commit) {}
func (g *genLog) OnCommitFinished(c client.Commit) {
	g.lines = append(g.lines, fmt.Sprintf("commit %s epoch %d err=%v", c.Trigger, c.Generation, c.Err))
}
func (g *genLog) OnRebalance(e client.Rebalance) {
	g.lines = append(g.lines, fmt.Sprintf("%s [%s] epoch %d", e.Kind, keys(e.Partitions), e.Generation))
}

// A revocation is confirmed only by the acknowledgement after its
// commit: when the broker comes back while the commit of a revoked
// partition waits for it, the full heartbeat the member sends reports
// the assignment it last acknowledged (librdkafka's current assignment),
// so the member stays at its epoch and the commit is made with it.
func TestKIP848RevokeCommitKeepsItsEpochAcrossAnOutage(t *testing.T) {
	cl := newTestCluster(t, "t", 2)
	produceN(t, cl, "t", 0, 0, 3)
	produceN(t, cl, "t", 1, 0, 3)
	gl := &genLog{}
	a := mustConsumer(t, cl, kip848Conf("a", "enable.auto.commit", true, "auto.commit.interval.ms", 60000), gl)
	_ = a.Subscribe("t", nil)
	drive(cl, 7*time.Second, a) // a reads everything; stored offsets wait for a commit
	b := mustConsumer(t, cl, kip848Conf("b"))
	_ = b.Subscribe("t", nil)
	cl.RunFor(3*time.Second + 10*time.Millisecond) // a's heartbeat at 10 s queues the revoke
	cl.SetBrokerAvailable(false)
	cl.Clock().After(time.Second, func() { cl.SetBrokerAvailable(true) })
	drive(cl, 3*time.Second, a, b) // a serves the revoke: its commit waits for the broker
	got := strings.Join(gl.lines, "\n")
	var revokeEpoch, commitEpoch int32 = -9, -8
	for _, l := range gl.lines {
		if strings.HasPrefix(l, "revoked ") {
			fmt.Sscanf(l[strings.Index(l, "epoch"):], "epoch %d", &revokeEpoch)
		}
		if strings.HasPrefix(l, "commit revoke") {
			fmt.Sscanf(l[strings.Index(l, "epoch"):], "epoch %d", &commitEpoch)
		}
	}
	if revokeEpoch != commitEpoch || !strings.Contains(got, "commit revoke epoch 1 err=<nil>") {
		t.Fatalf("revoke at epoch %d, its commit at epoch %d:\n%s", revokeEpoch, commitEpoch, got)
	}
}

// A member that is leaving sends no heartbeat before its leave
// (librdkafka's rd_kafka_cgrp_will_leave): closing while the broker is
// down, its close commit waits for the broker, and when the broker is
// back the commit goes out and then the leave, with no heartbeat between
// them that would move the member a step towards a new target.
func TestKIP848NoHeartbeatWhileLeaving(t *testing.T) {
	cl := newTestCluster(t, "t", 2)
	produceN(t, cl, "t", 0, 0, 3)
	produceN(t, cl, "t", 1, 0, 3)
	gl := &genLog{}
	a := mustConsumer(t, cl, kip848Conf("a", "enable.auto.commit", true, "auto.commit.interval.ms", 60000), gl)
	_ = a.Subscribe("t", nil)
	drive(cl, 7*time.Second, a) // a reads everything at epoch 1
	b := mustConsumer(t, cl, kip848Conf("b"))
	_ = b.Subscribe("t", nil)
	drive(cl, 100*time.Millisecond, b) // b joins: group epoch 2, a should give up a partition
	var steps []string
	closing, aID := false, a.MemberID()
	cl.Coordinator().OnTransition(func(tr group.Transition) {
		if closing && tr.MemberID == aID {
			steps = append(steps, fmt.Sprintf("%v %s epoch %d: %s", tr.Time.Sub(simEpoch), tr.Kind, tr.MemberEpoch, tr.Cause))
		}
	})
	cl.SetBrokerAvailable(false)
	cl.Clock().After(2*time.Second, func() { cl.SetBrokerAvailable(true) })
	closing = true
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(steps, "\n")
	if len(steps) != 1 || !strings.Contains(got, "9.1s leave epoch 1") {
		t.Errorf("the coordinator's steps for a while it closed:\n%s\nwant only its leave", got)
	}
	if log := strings.Join(gl.lines, "\n"); !strings.Contains(log, "commit close epoch 1 err=<nil>") {
		t.Errorf("a's close commit:\n%s", log)
	}
}
