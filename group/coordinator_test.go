package group

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/internal/clock"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

func at(d time.Duration) time.Time { return clock.Epoch.Add(d) }

// stableGroup starts the named members on topic t (6 partitions) and runs
// until the group is Stable.
func stableGroup(t *testing.T, protocol string, names ...string) (*env, []*tmember) {
	t.Helper()
	e := newEnv(t, map[string]int{"t": 6}, Config{})
	var ms []*tmember
	for _, n := range names {
		m := e.member(n, "g", []string{"t"}, protocol)
		m.start()
		ms = append(ms, m)
	}
	e.run(10 * time.Second)
	if st := e.c.State("g"); st != Stable {
		t.Fatalf("group is %s after 10s, want Stable\n%s", st, e.describe("g"))
	}
	return e, ms
}

func TestJoinWithInitialDelay(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 6}, Config{})
	a := e.member("a", "g", []string{"t"})
	b := e.member("b", "g", []string{"t"})
	a.start()
	e.settle()
	// a got MEMBER_ID_REQUIRED with an id and joined again with it.
	if a.joins != 2 || !strings.HasPrefix(a.id, "a-") || !errors.Is(a.lastErr, kerr.MemberIDRequired) {
		t.Fatalf("a: joins=%d id=%q lastErr=%v", a.joins, a.id, a.lastErr)
	}
	if st := e.c.State("g"); st != PreparingRebalance {
		t.Fatalf("state %s, want PreparingRebalance", st)
	}
	e.run(time.Second)
	b.start() // at 1s: extends the initial delay once
	e.run(4*time.Second + 999*time.Millisecond)
	if st := e.c.State("g"); st != PreparingRebalance {
		t.Fatalf("at 5.999s state %s, want still PreparingRebalance (3s delay + one 3s extension)", st)
	}
	e.run(time.Millisecond)
	if st, gen := e.c.State("g"), e.c.Generation("g"); st != Stable || gen != 1 {
		t.Fatalf("at 6s: %s generation %d, want Stable 1", st, gen)
	}
	formed := e.transitions(StateChanged)
	var toCompleting Transition
	for _, tr := range formed {
		if tr.To == CompletingRebalance {
			toCompleting = tr
		}
	}
	if !toCompleting.Time.Equal(at(6 * time.Second)) {
		t.Fatalf("CompletingRebalance at %v, want 6s", toCompleting.Time.Sub(clock.Epoch))
	}
	// Range over two members, leader = first joiner.
	if d := e.c.Describe("g"); d.Leader != a.id || d.Protocol != "range" {
		t.Fatalf("leader %s protocol %s", d.Leader, d.Protocol)
	}
	want := map[*tmember]string{a: "[t[0] t[1] t[2]]", b: "[t[3] t[4] t[5]]"}
	if a.id > b.id {
		want = map[*tmember]string{b: "[t[0] t[1] t[2]]", a: "[t[3] t[4] t[5]]"}
	}
	for m, w := range want {
		if got := tpsString(m.owned); got != w {
			t.Errorf("%s owns %s, want %s", m.name, got, w)
		}
	}
}

func tpsString(tps []broker.TopicPartition) string {
	s := make([]string, len(tps))
	for i, tp := range tps {
		s[i] = tp.String()
	}
	return "[" + strings.Join(s, " ") + "]"
}

func TestInitialDelayCappedByRebalanceTimeout(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 1}, Config{})
	var ms []*tmember
	// Rebalance timeout 7s: delays 3s, then 3s, then min(3s, 1s) = 1s.
	for i := range 5 {
		m := e.member(string(rune('a'+i)), "g", []string{"t"})
		m.rebalance = 7 * time.Second
		m.session = 10 * time.Second
		ms = append(ms, m)
	}
	for _, m := range ms {
		m.start()
		e.run(1500 * time.Millisecond) // a new member every 1.5s
	}
	e.run(10 * time.Second)
	for _, tr := range e.transitions(StateChanged) {
		if tr.To == CompletingRebalance {
			if d := tr.Time.Sub(clock.Epoch); d != 7*time.Second {
				t.Fatalf("rebalance completed at %v, want 7s (capped by the rebalance timeout)", d)
			}
			return
		}
	}
	t.Fatal("never completed")
}

func TestJoinErrors(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 1}, Config{MaxSize: 1})
	var got []JoinResponse
	reply := func(r JoinResponse) { got = append(got, r) }
	ps := []Protocol{{Name: "range", Subscription: Subscription{Topics: []string{"t"}}}}
	e.c.Join(JoinRequest{Group: "g", SessionTimeout: 5 * time.Second, Protocols: ps}, reply)
	e.c.Join(JoinRequest{Group: "g", SessionTimeout: 31 * time.Minute, Protocols: ps}, reply)
	if len(got) != 0 {
		t.Fatal("reply delivered inside Join")
	}
	e.settle()
	for i, r := range got {
		if !errors.Is(r.Err, kerr.InvalidSessionTimeout) {
			t.Errorf("join %d: %v, want INVALID_SESSION_TIMEOUT", i, r.Err)
		}
	}
	got = nil
	e.c.Join(JoinRequest{Group: "g", ClientID: "c", SessionTimeout: 45 * time.Second, Protocols: ps}, reply)
	e.settle()
	id := got[0].MemberID
	if !errors.Is(got[0].Err, kerr.MemberIDRequired) || !strings.HasPrefix(id, "c-") || len(id) != len("c-")+36 {
		t.Fatalf("first join: %v id %q", got[0].Err, id)
	}
	e.c.Join(JoinRequest{Group: "g", MemberID: id, ClientID: "c", SessionTimeout: 45 * time.Second, Protocols: ps}, reply)
	// A second member: the group is full (group.max.size 1).
	e.c.Join(JoinRequest{Group: "g", ClientID: "d", SessionTimeout: 45 * time.Second, Protocols: ps}, reply)
	// A member with an unknown id.
	e.c.Join(JoinRequest{Group: "g", MemberID: "nobody", SessionTimeout: 45 * time.Second, Protocols: ps}, reply)
	e.settle()
	if !errors.Is(got[1].Err, kerr.GroupMaxSizeReached) || !errors.Is(got[2].Err, kerr.UnknownMemberID) {
		t.Fatalf("got %v, %v", got[1].Err, got[2].Err)
	}
	// A protocol nobody in the group supports.
	e2 := newEnv(t, map[string]int{"t": 1}, Config{})
	a := e2.member("a", "g", []string{"t"}, "range")
	a.start()
	e2.run(5 * time.Second)
	var r2 JoinResponse
	e2.c.Join(JoinRequest{Group: "g", ClientID: "x", SessionTimeout: 45 * time.Second,
		Protocols: []Protocol{{Name: "cooperative-sticky"}}}, func(r JoinResponse) { r2 = r })
	e2.settle()
	if !errors.Is(r2.Err, kerr.InconsistentGroupProtocol) {
		t.Fatalf("mismatched protocol: %v", r2.Err)
	}
}

func TestProtocolVote(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 4}, Config{})
	a := e.member("a", "g", []string{"t"}, "roundrobin", "range")
	b := e.member("b", "g", []string{"t"}, "range", "roundrobin")
	c := e.member("c", "g", []string{"t"}, "range", "roundrobin")
	a.start()
	b.start()
	c.start()
	e.run(10 * time.Second)
	if p := e.c.Describe("g").Protocol; p != "range" {
		t.Fatalf("protocol %s, want range (2 votes to 1)", p)
	}
}

func TestSessionExpiryExactlyAtLastHeartbeatPlusTimeout(t *testing.T) {
	e, ms := stableGroup(t, "range", "a", "b")
	b := ms[1]
	id, gen := b.id, b.gen
	b.crash()
	e.run(7 * time.Second)
	last := e.sim.Now()
	// One last heartbeat from b's id at a known instant.
	if err := e.c.Heartbeat("g", id, "", gen); err != nil {
		t.Fatal(err)
	}
	e.sim.RunUntil(t.Context(), last.Add(45*time.Second-time.Nanosecond))
	if e.c.Describe("g").State != Stable || len(e.c.Describe("g").Members) != 2 {
		t.Fatalf("b gone before its session ended:\n%s", e.describe("g"))
	}
	e.sim.RunUntil(t.Context(), last.Add(45*time.Second))
	exp := e.transitions(SessionExpired)
	if len(exp) != 1 || exp[0].MemberID != id || !exp[0].Time.Equal(last.Add(45*time.Second)) {
		t.Fatalf("expiries %+v, want %s at last heartbeat + 45s", exp, id)
	}
	if !strings.Contains(exp[0].Cause, "no heartbeat for 45s") {
		t.Errorf("cause %q", exp[0].Cause)
	}
	if st := e.c.State("g"); st != PreparingRebalance {
		t.Fatalf("state %s after expiry, want PreparingRebalance", st)
	}
	// a's next heartbeat sees the rebalance, rejoins, and gets everything.
	e.run(5 * time.Second)
	if st := e.c.State("g"); st != Stable || len(ms[0].owned) != 6 {
		t.Fatalf("after: %s, a owns %v", st, ms[0].owned)
	}
	// The dead member's heartbeat now gets UNKNOWN_MEMBER_ID.
	if err := e.c.Heartbeat("g", id, "", gen); !errors.Is(err, kerr.UnknownMemberID) {
		t.Fatalf("heartbeat of expired member: %v", err)
	}
}

func TestHeartbeatsKeepSessionAlive(t *testing.T) {
	e, ms := stableGroup(t, "range", "a", "b")
	e.run(24 * time.Hour)
	if len(e.transitions(SessionExpired)) != 0 || e.c.Generation("g") != 1 {
		t.Fatalf("heartbeating members expired: %v", e.transitions(SessionExpired))
	}
	if len(ms[0].owned)+len(ms[1].owned) != 6 {
		t.Fatal("assignment lost")
	}
}

func TestGracefulLeaveRebalancesAtOnce(t *testing.T) {
	e, ms := stableGroup(t, "range", "a", "b", "c")
	e.run(1500 * time.Millisecond)
	left := e.sim.Now()
	id := ms[2].id
	if err := ms[2].close(); err != nil {
		t.Fatal(err)
	}
	if st := e.c.State("g"); st != PreparingRebalance {
		t.Fatalf("state %s right after leave, want PreparingRebalance", st)
	}
	lt := e.transitions(MemberLeft)
	if len(lt) != 1 || lt[0].MemberID != id || !lt[0].Time.Equal(left) {
		t.Fatalf("leave transitions %+v", lt)
	}
	// Within one heartbeat interval the others have rejoined.
	e.run(3 * time.Second)
	if st, gen := e.c.State("g"), e.c.Generation("g"); st != Stable || gen != 2 {
		t.Fatalf("%s generation %d, want Stable 2", st, gen)
	}
	if len(ms[0].owned) != 3 || len(ms[1].owned) != 3 {
		t.Fatalf("a %v b %v", ms[0].owned, ms[1].owned)
	}
}

func TestLeaderRejoinAndLeaderLeaves(t *testing.T) {
	e, ms := stableGroup(t, "range", "a", "b")
	leader := e.c.Describe("g").Leader
	var l, other *tmember
	for _, m := range ms {
		if m.id == leader {
			l = m
		} else {
			other = m
		}
	}
	l.close()
	e.run(5 * time.Second)
	if d := e.c.Describe("g"); d.Leader != other.id || d.State != Stable || len(other.owned) != 6 {
		t.Fatalf("after leader left: %s leader %s", d, d.Leader)
	}
}

func TestStaticRestartDoesNotRebalance(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 6}, Config{})
	a := e.member("a", "g", []string{"t"})
	b := e.member("b", "g", []string{"t"})
	a.instanceID, b.instanceID = "inst-a", "inst-b"
	a.start()
	b.start()
	e.run(10 * time.Second)
	if !strings.HasPrefix(a.id, "inst-a-") || a.joins != 1 {
		t.Fatalf("static member id %q after %d joins (static members need no MEMBER_ID_REQUIRED)", a.id, a.joins)
	}
	gen := e.c.Generation("g")
	oldID, oldGen, before := b.id, b.gen, slices.Clone(b.owned)
	// b's process dies (static: no leave) and comes back 20s later.
	b.close()
	e.run(20 * time.Second)
	if st := e.c.State("g"); st != Stable {
		t.Fatalf("static close rebalanced: %s", st)
	}
	mark := len(e.log)
	b.start()
	e.run(10 * time.Second)
	if e.c.Generation("g") != gen || e.c.State("g") != Stable {
		t.Fatalf("generation %d state %s, want %d Stable", e.c.Generation("g"), e.c.State("g"), gen)
	}
	for _, tr := range e.log[mark:] {
		if tr.Kind == StateChanged {
			t.Fatalf("static restart changed state: %+v", tr)
		}
	}
	if b.id == oldID || !slices.Equal(b.owned, before) {
		t.Fatalf("b id %s (old %s) owns %v, want its old %v", b.id, oldID, b.owned, before)
	}
	if n := len(e.transitions(StaticRejoined)); n != 1 {
		t.Fatalf("%d StaticRejoined transitions", n)
	}
	// The old instance is fenced.
	if err := e.c.Heartbeat("g", oldID, "inst-b", oldGen); !errors.Is(err, kerr.FencedInstanceID) {
		t.Fatalf("old instance heartbeat: %v", err)
	}
	if err := e.c.CommitOffsets(CommitRequest{Group: "g", MemberID: oldID, InstanceID: "inst-b", Generation: oldGen}); !errors.Is(err, kerr.FencedInstanceID) {
		t.Fatalf("old instance commit: %v", err)
	}
	// A static member that stays away is removed at its session timeout.
	b.close()
	e.run(46 * time.Second)
	if n := len(e.c.Describe("g").Members); n != 1 || len(a.owned) != 6 {
		t.Fatalf("%d members, a owns %v", n, a.owned)
	}
	// Leave naming the instance id removes a static member at once.
	if err := e.c.Leave("g", "", "inst-a"); err != nil {
		t.Fatal(err)
	}
	if st := e.c.State("g"); st != Empty {
		t.Fatalf("state %s after removing the last static member", st)
	}
}

func TestRebalanceTimeoutRemovesMembersThatDoNotRejoin(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 4}, Config{})
	a := e.member("a", "g", []string{"t"})
	b := e.member("b", "g", []string{"t"})
	for _, m := range []*tmember{a, b} {
		m.session, m.rebalance = 10*time.Minute, time.Minute
		m.start()
	}
	e.run(10 * time.Second)
	// b keeps heartbeating but never rejoins (a stuck poll loop).
	bid, bgen := b.id, b.gen
	b.crash()
	var tick func()
	tick = func() {
		e.c.Heartbeat("g", bid, "", bgen)
		e.sim.After(3*time.Second, tick)
	}
	e.sim.After(0, tick)
	e.run(time.Second)
	start := e.sim.Now()
	// a rejoins (as the leader would after a metadata change).
	a.owned = nil
	a.join()
	e.run(time.Minute + time.Second)
	rt := e.transitions(RebalanceTimedOut)
	if len(rt) != 1 || rt[0].MemberID != bid || !rt[0].Time.Equal(start.Add(time.Minute)) {
		t.Fatalf("rebalance timeout removals %+v, want %s at +1m", rt, bid)
	}
	if e.c.Generation("g") != 2 || len(a.owned) != 4 {
		t.Fatalf("generation %d, a owns %v", e.c.Generation("g"), a.owned)
	}
}

func TestLastMemberLeavesThenOffsetsExpire(t *testing.T) {
	e, ms := stableGroup(t, "range", "a")
	a := ms[0]
	if err := a.commit(OffsetCommit{TopicPartition: broker.TopicPartition{Topic: "t", Partition: 0}, Offset: 5}); err != nil {
		t.Fatal(err)
	}
	a.close()
	if st, gen := e.c.State("g"), e.c.Generation("g"); st != Empty || gen != 2 {
		t.Fatalf("%s generation %d, want Empty 2", st, gen)
	}
	if o := e.c.FetchOffsets("g", nil); o[broker.TopicPartition{Topic: "t"}].Offset != 5 {
		t.Fatalf("offsets not kept: %v", o)
	}
	e.run(7*24*time.Hour - 11*time.Minute)
	if st := e.c.State("g"); st != Empty {
		t.Fatalf("%s before retention", st)
	}
	e.run(25 * time.Minute) // expiry checks run every 10 minutes
	if st := e.c.State("g"); st != Dead {
		t.Fatalf("%s after 7 days Empty, want Dead", st)
	}
	if err := e.c.CommitOffsets(CommitRequest{Group: "g", MemberID: "gone", Generation: 2}); !errors.Is(err, kerr.CoordinatorNotAvailable) {
		t.Fatalf("member commit to Dead group: %v", err)
	}
	// A new join recreates the group from scratch.
	b := e.member("b", "g", []string{"t"})
	b.start()
	e.run(5 * time.Second)
	if st, gen := e.c.State("g"), e.c.Generation("g"); st != Stable || gen != 1 {
		t.Fatalf("recreated group %s generation %d", st, gen)
	}
}

func TestBrokerUnavailable(t *testing.T) {
	e, ms := stableGroup(t, "range", "a")
	e.b.SetAvailable(false)
	for _, err := range []error{
		e.c.Heartbeat("g", ms[0].id, "", ms[0].gen),
		ms[0].commit(),
		e.c.Leave("g", ms[0].id, ""),
	} {
		if !errors.Is(err, broker.ErrUnavailable) || !errors.Is(err, kerr.CoordinatorNotAvailable) {
			t.Fatalf("err %v", err)
		}
	}
	// Sessions do not expire while the coordinator is down.
	e.run(2 * time.Minute)
	e.b.SetAvailable(true)
	e.run(10 * time.Second)
	if st := e.c.State("g"); st != Stable || len(e.transitions(SessionExpired)) != 0 {
		t.Fatalf("state %s, expiries %d", st, len(e.transitions(SessionExpired)))
	}
}

func TestCooperativeStickyTwoRounds(t *testing.T) {
	e, ms := stableGroup(t, "cooperative-sticky", "a", "b")
	a, b := ms[0], ms[1]
	aBefore := slices.Clone(a.owned)
	// Check after every event that no partition has two owners.
	c := e.member("c", "g", []string{"t"}, "cooperative-sticky")
	c.start()
	for range 200 {
		if !e.sim.Step() || e.sim.Elapsed() > 30*time.Second {
			break
		}
		seen := map[broker.TopicPartition]string{}
		for _, m := range []*tmember{a, b, c} {
			for _, tp := range m.owned {
				if o, dup := seen[tp]; dup {
					t.Fatalf("at %v %v owned by %s and %s", e.sim.Elapsed(), tp, o, m.name)
				}
				seen[tp] = m.name
			}
		}
	}
	e.run(10 * time.Second)
	if len(a.owned) != 2 || len(b.owned) != 2 || len(c.owned) != 2 {
		t.Fatalf("a %v b %v c %v", a.owned, b.owned, c.owned)
	}
	for _, tp := range a.owned {
		if !slices.Contains(aBefore, tp) {
			t.Fatalf("a gained %v: not sticky (had %v, has %v)", tp, aBefore, a.owned)
		}
	}
	// Two rebalances: one that revokes, one that hands over.
	if gen := e.c.Generation("g"); gen != 3 {
		t.Fatalf("generation %d, want 3", gen)
	}
	var moved []PartitionMove
	for _, tr := range e.transitions(AssignmentComputed) {
		moved = append(moved, tr.Moved...)
	}
	withheld, handed := 0, 0
	for _, mv := range moved {
		if mv.To == "" && mv.From != "" {
			withheld++
		}
		if mv.To == c.id && mv.From == "" {
			handed++
		}
	}
	if withheld != 2 || handed != 2 {
		t.Fatalf("moves %+v", moved)
	}
}

func TestDeterministic(t *testing.T) {
	runOnce := func() string {
		e, ms := stableGroup(t, "roundrobin", "a", "b", "c")
		ms[1].crash()
		e.run(time.Minute)
		ms[1].start()
		e.run(time.Minute)
		var sb strings.Builder
		for _, tr := range e.log {
			sb.WriteString(tr.Time.Format(time.RFC3339Nano) + " " + tr.Kind.String() + " " + tr.MemberID + " " + tr.Cause + "\n")
		}
		return sb.String()
	}
	if a, b := runOnce(), runOnce(); a != b {
		t.Fatalf("two runs differ:\n%s\n---\n%s", a, b)
	}
}

// After a group died of expired offsets, standalone (generation -1) commits
// to the same id start a fresh group whose offsets expire again, counted
// from their commit time.
func TestStandaloneCommitsAfterDeadGroupExpire(t *testing.T) {
	e, ms := stableGroup(t, "range", "a")
	tp := broker.TopicPartition{Topic: "t", Partition: 0}
	if err := ms[0].commit(OffsetCommit{TopicPartition: tp, Offset: 1}); err != nil {
		t.Fatal(err)
	}
	ms[0].close()
	e.run(7*24*time.Hour + 20*time.Minute)
	if st := e.c.State("g"); st != Dead {
		t.Fatalf("%s, want Dead", st)
	}
	if err := e.c.CommitOffsets(CommitRequest{Group: "g", Generation: -1,
		Offsets: []OffsetCommit{{TopicPartition: tp, Offset: 3}}}); err != nil {
		t.Fatalf("standalone commit after Dead: %v", err)
	}
	if o, ok := e.b.CommittedOffset("g", tp); !ok || o.Offset != 3 {
		t.Fatalf("committed %v %v", o, ok)
	}
	e.run(7*24*time.Hour + 20*time.Minute)
	if _, ok := e.b.CommittedOffset("g", tp); ok {
		t.Fatal("standalone offset never expired: the Dead group was marked active")
	}
}
