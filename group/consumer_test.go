package group

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/internal/clock"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// checkSingleOwner fails if a partition is owned twice, counting
// partitions pending revocation as owned: in the coordinator's view, and
// among the clients that are alive.
func checkSingleOwner(t tb, e *env, group string, clients []*cclient) {
	t.Helper()
	info, isGroup := e.c.ConsumerGroup(group)
	if isGroup {
		seen := map[broker.TopicPartition]string{}
		for _, m := range info.Members {
			for _, tp := range append(slices.Clone(m.Assigned), m.PendingRevocation...) {
				if o, dup := seen[tp]; dup {
					t.Errorf("coordinator: %v held by %s and %s", tp, o, m.MemberID)
				}
				seen[tp] = m.MemberID
			}
		}
	}
	seen := map[broker.TopicPartition]string{}
	for _, c := range clients {
		if !c.alive || (isGroup && zombie(info, c)) {
			continue
		}
		for _, tp := range c.owned {
			if o, dup := seen[tp]; dup {
				t.Errorf("clients: %v owned by %s and %s", tp, o, c.name)
			}
			seen[tp] = c.name
		}
	}
}

// zombie reports whether c, alive, is a member the coordinator removed
// (its rebalance timeout ran out while it was stalled, say): it holds on
// to its partitions until its next heartbeat tells it (UNKNOWN_MEMBER_ID),
// and they may already be another member's. Its commits are fenced.
func zombie(info ConsumerGroupInfo, c *cclient) bool {
	if c.id == "" || c.epoch == JoinEpoch {
		return false
	}
	_, ok := info.member(c.id)
	return !ok
}

// runChecked advances time second by second, checking single ownership.
func runChecked(t *testing.T, e *env, d time.Duration, clients ...*cclient) {
	t.Helper()
	for end := e.sim.Now().Add(d); e.sim.Now().Before(end); {
		e.run(min(time.Second, end.Sub(e.sim.Now())))
		checkSingleOwner(t, e, "g", clients)
	}
}

// TestConsumerRevokeBeforeAssign walks one scale-out through the protocol:
// the joiner gets nothing its target names until the old owner confirmed,
// in a heartbeat, that it revoked those partitions.
func TestConsumerRevokeBeforeAssign(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 4}, Config{})
	c1, c2 := e.client("c1", "g", "t"), e.client("c2", "g", "t")
	c1.start()
	info := e.consumerInfo("g")
	if info.State != Stable || info.GroupEpoch != 1 || c1.epoch != 1 || tpList(c1.owned) != "t[0] t[1] t[2] t[3]" {
		t.Fatalf("after c1's join: %+v, c1 epoch %d owns %v", info, c1.epoch, c1.owned)
	}
	runChecked(t, e, time.Second, c1, c2)
	c2.start() // at 1 s
	info = e.consumerInfo("g")
	m2, _ := info.member(c2.id)
	if info.GroupEpoch != 2 || info.AssignmentEpoch != 2 || info.State != Reconciling {
		t.Fatalf("after c2's join: %+v", info)
	}
	if tpList(m2.Target) != "t[2] t[3]" || len(c2.owned) != 0 || m2.State != "UNRELEASED_PARTITIONS" || c2.epoch != 2 {
		t.Fatalf("c2 at its join: %+v, owns %v epoch %d", m2, c2.owned, c2.epoch)
	}

	// 5 s: c1's heartbeat asks it to revoke t[2] t[3]; it stays at epoch 1.
	runChecked(t, e, 4*time.Second, c1, c2)
	m1, _ := e.consumerInfo("g").member(c1.id)
	if c1.epoch != 1 || tpList(c1.owned) != "t[0] t[1]" || m1.State != "UNREVOKED_PARTITIONS" || tpList(m1.PendingRevocation) != "t[2] t[3]" {
		t.Fatalf("5s: c1 epoch %d owns %v, coordinator %+v", c1.epoch, c1.owned, m1)
	}
	// 6 s: c2 still gets nothing: c1 has not confirmed.
	runChecked(t, e, time.Second, c1, c2)
	if len(c2.owned) != 0 {
		t.Fatalf("6s: c2 owns %v before c1 confirmed the revocation", c2.owned)
	}
	// 10 s: c1 reports t[0] t[1]; the revocation is confirmed, epoch 2.
	runChecked(t, e, 4*time.Second, c1, c2)
	if c1.epoch != 2 {
		t.Fatalf("10s: c1 epoch %d, want 2", c1.epoch)
	}
	// 11 s: c2 takes t[2] t[3]; the group is Stable.
	runChecked(t, e, time.Second, c1, c2)
	info = e.consumerInfo("g")
	if tpList(c2.owned) != "t[2] t[3]" || info.State != Stable {
		t.Fatalf("11s: c2 owns %v, group %s", c2.owned, info.State)
	}
	var assigned []time.Duration
	for _, tr := range e.transitions(MemberReconciled) {
		if tr.MemberID == c2.id && len(tr.Assigned) > 0 {
			assigned = append(assigned, tr.Time.Sub(clock.Epoch))
		}
	}
	if !slices.Equal(assigned, []time.Duration{11 * time.Second}) {
		t.Fatalf("c2 was given partitions at %v, want once at 11s", assigned)
	}
}

// TestConsumerEpochFencing: a heartbeat ahead of the member's epoch, or
// behind it by more than a lost response, is fenced; the previous epoch
// with a subset of the assignment is accepted; epoch 0 rejoins in place.
func TestConsumerEpochFencing(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 4}, Config{})
	c1, c2 := e.client("c1", "g", "t"), e.client("c2", "g", "t")
	c1.start()
	c2.start()
	e.run(20 * time.Second) // both stable at epoch 2
	if c1.epoch != 2 || c2.epoch != 2 {
		t.Fatalf("epochs %d %d", c1.epoch, c2.epoch)
	}
	hb := func(epoch int32, owned []broker.TopicPartition) error {
		return e.c.ConsumerHeartbeat(ConsumerHeartbeatRequest{Group: "g", MemberID: c1.id, MemberEpoch: epoch, Owned: owned}).Err
	}
	if err := hb(3, nil); !errors.Is(err, kerr.FencedMemberEpoch) {
		t.Fatalf("epoch ahead: %v", err)
	}
	// c1 went from epoch 1 to 2 keeping t[0] t[1]: epoch 1 with them is
	// a lost response and accepted; without reporting them it is not.
	if err := hb(1, c1.owned); err != nil {
		t.Fatalf("previous epoch with a subset: %v", err)
	}
	if err := hb(1, nil); !errors.Is(err, kerr.FencedMemberEpoch) {
		t.Fatalf("previous epoch without owned partitions: %v", err)
	}
	if err := hb(1, tps("t:0,1,2")); !errors.Is(err, kerr.FencedMemberEpoch) {
		t.Fatalf("previous epoch with more than its assignment: %v", err)
	}
	if err := e.c.ConsumerHeartbeat(ConsumerHeartbeatRequest{Group: "g", MemberID: "nobody", MemberEpoch: 2}).Err; !errors.Is(err, kerr.UnknownMemberID) {
		t.Fatalf("unknown member: %v", err)
	}
	// Epoch 0 with the same id: back in place, at its epoch, with its
	// assignment in the response.
	before := e.consumerInfo("g").GroupEpoch
	resp := e.c.ConsumerHeartbeat(ConsumerHeartbeatRequest{Group: "g", MemberID: c1.id, MemberEpoch: 0, RebalanceTimeout: time.Minute,
		SubscribedTopics: []string{"t"}, Owned: []broker.TopicPartition{}})
	if resp.Err != nil || resp.MemberEpoch != 2 || !resp.HasAssignment || tpList(resp.Assignment) != "t[0] t[1]" || e.consumerInfo("g").GroupEpoch != before {
		t.Fatalf("rejoin in place: %+v, group epoch %d→%d", resp, before, e.consumerInfo("g").GroupEpoch)
	}
}

// TestConsumerLeave: a member leaving with -1 frees its partitions at
// once; the group epoch rises and the group is Assigning until the next
// heartbeat computes the new target.
func TestConsumerLeave(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 4}, Config{})
	c1, c2 := e.client("c1", "g", "t"), e.client("c2", "g", "t")
	c1.start()
	c2.start()
	runChecked(t, e, 20*time.Second, c1, c2)
	resp := c2.close()
	if resp.Err != nil || resp.MemberEpoch != LeaveEpoch || resp.MemberID != c2.id {
		t.Fatalf("leave: %+v", resp)
	}
	info := e.consumerInfo("g")
	if info.State != Assigning || info.GroupEpoch != 3 || info.AssignmentEpoch != 2 || len(info.Members) != 1 {
		t.Fatalf("after the leave: %+v", info)
	}
	runChecked(t, e, 5*time.Second, c1, c2)
	info = e.consumerInfo("g")
	if info.State != Stable || info.AssignmentEpoch != 3 || c1.epoch != 3 || tpList(c1.owned) != "t[0] t[1] t[2] t[3]" {
		t.Fatalf("after c1's heartbeat: %+v, c1 epoch %d owns %v", info, c1.epoch, c1.owned)
	}
	if err := e.c.ConsumerHeartbeat(ConsumerHeartbeatRequest{Group: "g", MemberID: c2.id, MemberEpoch: LeaveEpoch}).Err; !errors.Is(err, kerr.UnknownMemberID) {
		t.Fatalf("second leave: %v", err)
	}
	c1.close()
	if info := e.consumerInfo("g"); info.State != Empty || info.GroupEpoch != 4 {
		t.Fatalf("after the last leave: %+v", info)
	}
}

// TestConsumerStaticMembers: a static member's close (-2) keeps its
// partitions for it and moves no epoch; a new process with its instance
// id takes its place and its partitions; an instance id in use is
// refused; a static member that does not come back is removed when its
// session times out.
func TestConsumerStaticMembers(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 4}, Config{})
	c1, c2 := e.client("c1", "g", "t"), e.client("c2", "g", "t")
	c1.instanceID, c2.instanceID = "i1", "i2"
	c1.start()
	c2.start()
	runChecked(t, e, 20*time.Second, c1, c2)
	mine := slices.Clone(c1.owned)
	epoch := e.consumerInfo("g").GroupEpoch

	// Another process with i2 while c2 is active: refused.
	imp := e.c.ConsumerHeartbeat(ConsumerHeartbeatRequest{Group: "g", MemberID: "impostor", MemberEpoch: 0, InstanceID: "i2",
		RebalanceTimeout: time.Minute, SubscribedTopics: []string{"t"}, Owned: []broker.TopicPartition{}})
	if !errors.Is(imp.Err, kerr.UnreleasedInstanceID) {
		t.Fatalf("second process with i2: %v", imp.Err)
	}
	if err := e.c.ConsumerHeartbeat(ConsumerHeartbeatRequest{Group: "g", MemberID: "impostor", MemberEpoch: 2, InstanceID: "i2"}).Err; !errors.Is(err, kerr.FencedInstanceID) {
		t.Fatalf("heartbeat with i2 and another member id: %v", err)
	}

	resp := c1.close() // -2
	info := e.consumerInfo("g")
	m1, _ := info.member(c1.id)
	if resp.MemberEpoch != LeaveStaticEpoch || info.GroupEpoch != epoch || m1.MemberEpoch != LeaveStaticEpoch ||
		!slices.Equal(m1.Assigned, mine) || info.State != Reconciling {
		t.Fatalf("after the static leave: %+v, %+v", resp, info)
	}
	runChecked(t, e, 20*time.Second, c1, c2)
	if len(c2.owned) != 2 {
		t.Fatalf("c2 got c1's partitions while c1 was away: %v", c2.owned)
	}
	c1.start() // a new process, a new member id, same instance id
	info = e.consumerInfo("g")
	if !slices.Equal(c1.owned, mine) || info.GroupEpoch != epoch || len(info.Members) != 2 {
		t.Fatalf("back: c1 owns %v (had %v), %+v", c1.owned, mine, info)
	}
	if _, old := info.member("c1-1"); old || e.transitions(StaticRejoined) == nil {
		t.Fatalf("the old member id is still there or no static-rejoin: %+v", info)
	}
	runChecked(t, e, 10*time.Second, c1, c2)
	if st := e.consumerInfo("g").State; st != Stable {
		t.Fatalf("after the return: %s", st)
	}

	// Away for good: the session (45 s after its last heartbeat) ends it.
	last := e.sim.Now()
	c1.close()
	// c1's last heartbeat was at most 5 s before the close.
	runChecked(t, e, 50*time.Second, c1, c2)
	var expired []Transition
	for _, tr := range e.transitions(SessionExpired) {
		if tr.MemberID == c1.id {
			expired = append(expired, tr)
		}
	}
	if len(expired) != 1 || expired[0].Time.Sub(last) > 45*time.Second || expired[0].Time.Sub(last) < 40*time.Second {
		t.Fatalf("session expiry of the departed static member: %v (closed at %v)", expired, last.Sub(clock.Epoch))
	}
	if tpList(c2.owned) != "t[0] t[1] t[2] t[3]" {
		t.Fatalf("c2 owns %v after c1's session expired", c2.owned)
	}
}

// TestConsumerSessionTimeout: a crashed member is removed 45 s after its
// last heartbeat (group.consumer.session.timeout.ms), not before.
func TestConsumerSessionTimeout(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 2}, Config{})
	c1, c2 := e.client("c1", "g", "t"), e.client("c2", "g", "t")
	c1.start()
	c2.start() // both heartbeat at 0, 5, 10, ...
	e.run(12 * time.Second)
	c2.crash() // last heartbeat at 10 s
	e.run(43*time.Second - time.Millisecond)
	if _, ok := e.consumerInfo("g").member(c2.id); !ok {
		t.Fatal("c2 removed before 55 s")
	}
	e.run(time.Millisecond)
	if _, ok := e.consumerInfo("g").member(c2.id); ok {
		t.Fatal("c2 still there at 55 s")
	}
	e.run(5 * time.Second)
	if tpList(c1.owned) != "t[0] t[1]" {
		t.Fatalf("c1 owns %v", c1.owned)
	}
}

// TestConsumerRebalanceTimeout: a member that does not confirm a
// revocation within its rebalance timeout (max.poll.interval.ms) is
// removed; one that confirms in time is not.
func TestConsumerRebalanceTimeout(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 2}, Config{})
	hb := func(req ConsumerHeartbeatRequest) ConsumerHeartbeatResponse {
		req.Group = "g"
		return e.c.ConsumerHeartbeat(req)
	}
	join := ConsumerHeartbeatRequest{MemberID: "a", MemberEpoch: 0, RebalanceTimeout: 10 * time.Second, SubscribedTopics: []string{"t"}, Owned: []broker.TopicPartition{}}
	if r := hb(join); r.Err != nil || tpList(r.Assignment) != "t[0] t[1]" {
		t.Fatalf("a's join: %+v", r)
	}
	join.MemberID = "b"
	hb(join)
	e.run(time.Second)
	// a is asked to give up t[1] and keeps reporting it.
	r := hb(ConsumerHeartbeatRequest{MemberID: "a", MemberEpoch: 1, Owned: tps("t:0,1")})
	if r.Err != nil || tpList(r.Assignment) != "t[0]" || r.MemberEpoch != 1 {
		t.Fatalf("revocation request: %+v", r)
	}
	for range 9 {
		e.run(time.Second)
		hb(ConsumerHeartbeatRequest{MemberID: "a", MemberEpoch: 1, Owned: tps("t:0,1")})
	}
	e.run(time.Second) // 10 s after the request
	if r := hb(ConsumerHeartbeatRequest{MemberID: "a", MemberEpoch: 1, Owned: tps("t:0,1")}); !errors.Is(r.Err, kerr.UnknownMemberID) {
		t.Fatalf("a after its rebalance timeout: %+v", r)
	}
	if got := e.transitions(RebalanceTimedOut); len(got) != 1 || got[0].MemberID != "a" || !got[0].Time.Equal(at(11*time.Second)) {
		t.Fatalf("rebalance timeouts: %v", got)
	}
	// b now gets both partitions.
	if r := hb(ConsumerHeartbeatRequest{MemberID: "b", MemberEpoch: 2}); tpList(r.Assignment) != "t[0] t[1]" {
		t.Fatalf("b: %+v", r)
	}
}

// TestConsumerCommitFencing: a commit must carry the member's current
// epoch (STALE_MEMBER_EPOCH otherwise, older or newer); a removed member
// gets UNKNOWN_MEMBER_ID; a commit with epoch -1 is taken only while the
// group has no members; a rejected commit stores nothing; commits do not
// keep the session alive.
func TestConsumerCommitFencing(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 2}, Config{})
	c1, c2 := e.client("c1", "g", "t"), e.client("c2", "g", "t")
	c1.start()
	c2.start()
	e.run(12 * time.Second)
	tp := broker.TopicPartition{Topic: "t", Partition: 0}
	commit := func(id string, epoch int32, off int64) error {
		return e.c.CommitOffsets(CommitRequest{Group: "g", MemberID: id, Generation: epoch, Offsets: []OffsetCommit{{TopicPartition: tp, Offset: off}}})
	}
	if err := commit(c1.id, c1.epoch, 5); err != nil {
		t.Fatalf("current epoch: %v", err)
	}
	for _, tc := range []struct {
		id    string
		epoch int32
		want  kerr.Code
	}{
		{c1.id, c1.epoch - 1, kerr.StaleMemberEpoch},
		{c1.id, c1.epoch + 1, kerr.StaleMemberEpoch},
		{"gone", 2, kerr.UnknownMemberID},
		{"", -1, kerr.UnknownMemberID},
	} {
		if err := commit(tc.id, tc.epoch, 9); !errors.Is(err, tc.want) {
			t.Errorf("commit %s epoch %d: %v, want %s", tc.id, tc.epoch, err, tc.want)
		}
	}
	if o := e.c.FetchOffsets("g", nil)[tp].Offset; o != 5 {
		t.Fatalf("rejected commits changed the offset to %d", o)
	}
	// Commits every second from a member that stopped heartbeating do not
	// keep it in the group.
	c2.hb.Stop()
	c2.alive = false
	id, epoch := c2.id, c2.epoch
	for range 50 {
		e.run(time.Second)
		_ = commit(id, epoch, 6)
	}
	if _, ok := e.consumerInfo("g").member(id); ok {
		t.Fatal("commits kept a member without heartbeats alive")
	}
	c1.close()
	if err := commit("", -1, 7); err != nil {
		t.Fatalf("admin commit to the Empty group: %v", err)
	}
}

// TestConsumerProtocolPerGroup: a group id speaks one protocol. A
// consumer heartbeat to a classic group with members gets
// GROUP_ID_NOT_FOUND, a JoinGroup to a consumer group with members
// INCONSISTENT_GROUP_PROTOCOL; an Empty group of either kind gives way to
// the other and keeps its offsets.
func TestConsumerProtocolPerGroup(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 2}, Config{})
	classic := e.member("k", "g", []string{"t"})
	classic.start()
	e.run(5 * time.Second)
	join := ConsumerHeartbeatRequest{Group: "g", MemberID: "x", MemberEpoch: 0, RebalanceTimeout: time.Minute, SubscribedTopics: []string{"t"}, Owned: []broker.TopicPartition{}}
	if err := e.c.ConsumerHeartbeat(join).Err; !errors.Is(err, kerr.GroupIDNotFound) {
		t.Fatalf("consumer heartbeat to a classic group with members: %v", err)
	}
	if err := classic.commit(OffsetCommit{TopicPartition: broker.TopicPartition{Topic: "t"}, Offset: 3}); err != nil {
		t.Fatal(err)
	}
	_ = classic.close()
	e.run(time.Second)
	if st := e.c.State("g"); st != Empty {
		t.Fatalf("classic group %s", st)
	}
	// The Empty classic group gives way.
	r := e.c.ConsumerHeartbeat(join)
	if r.Err != nil || e.c.Describe("g").GroupProtocol != GroupProtocolConsumer || e.c.FetchOffsets("g", nil)[broker.TopicPartition{Topic: "t"}].Offset != 3 {
		t.Fatalf("consumer join to an Empty classic group: %+v, %+v", r, e.c.Describe("g"))
	}
	// A classic member cannot join while the consumer group has members.
	var jr JoinResponse
	e.c.Join(JoinRequest{Group: "g", ClientID: "k2", SessionTimeout: 45 * time.Second, Protocols: []Protocol{{Name: "range", Subscription: Subscription{Topics: []string{"t"}}}}},
		func(r JoinResponse) { jr = r })
	e.settle()
	if !errors.Is(jr.Err, kerr.InconsistentGroupProtocol) {
		t.Fatalf("classic join to a consumer group with members: %+v", jr)
	}
	if err := e.c.Heartbeat("g", "x", "", 1); !errors.Is(err, kerr.UnknownMemberID) {
		t.Fatalf("classic heartbeat to a consumer group: %v", err)
	}
	// Empty, it gives way to a classic group.
	e.c.ConsumerHeartbeat(ConsumerHeartbeatRequest{Group: "g", MemberID: "x", MemberEpoch: LeaveEpoch})
	k3 := e.member("k3", "g", []string{"t"})
	k3.start()
	e.run(5 * time.Second)
	if d := e.c.Describe("g"); d.GroupProtocol != "" || d.State != Stable {
		t.Fatalf("classic group after the Empty consumer group: %+v", d)
	}
	if _, ok := e.c.ConsumerGroup("g"); ok {
		t.Fatal("the consumer group is still there")
	}
	// A heartbeat or a leave for a group that does not exist.
	if err := e.c.ConsumerHeartbeat(ConsumerHeartbeatRequest{Group: "nope", MemberID: "x", MemberEpoch: 3}).Err; !errors.Is(err, kerr.GroupIDNotFound) {
		t.Fatalf("heartbeat to no group: %v", err)
	}
	if err := e.c.ConsumerHeartbeat(ConsumerHeartbeatRequest{Group: "nope", MemberID: "x", MemberEpoch: LeaveEpoch}).Err; !errors.Is(err, kerr.GroupIDNotFound) {
		t.Fatalf("leave of no group: %v", err)
	}
}

// TestConsumerHeartbeatValidation: malformed requests, unknown assignors,
// a full group, a broker that is down.
func TestConsumerHeartbeatValidation(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 2}, Config{ConsumerMaxSize: 1})
	ok := ConsumerHeartbeatRequest{Group: "g", MemberID: "a", MemberEpoch: 0, RebalanceTimeout: time.Minute, SubscribedTopics: []string{"t"}, Owned: []broker.TopicPartition{}}
	for _, tc := range []struct {
		name string
		edit func(*ConsumerHeartbeatRequest)
		want kerr.Code
	}{
		{"empty group", func(r *ConsumerHeartbeatRequest) { r.Group = " " }, kerr.InvalidRequest},
		{"join without rebalance timeout", func(r *ConsumerHeartbeatRequest) { r.RebalanceTimeout = 0 }, kerr.InvalidRequest},
		{"join without owned list", func(r *ConsumerHeartbeatRequest) { r.Owned = nil }, kerr.InvalidRequest},
		{"join owning something", func(r *ConsumerHeartbeatRequest) { r.Owned = tps("t:0") }, kerr.InvalidRequest},
		{"join without topics", func(r *ConsumerHeartbeatRequest) { r.SubscribedTopics = nil }, kerr.InvalidRequest},
		{"heartbeat without member id", func(r *ConsumerHeartbeatRequest) { r.MemberID, r.MemberEpoch = "", 3 }, kerr.InvalidRequest},
		{"static leave without instance id", func(r *ConsumerHeartbeatRequest) { r.MemberEpoch = LeaveStaticEpoch }, kerr.InvalidRequest},
		{"epoch -3", func(r *ConsumerHeartbeatRequest) { r.MemberEpoch = -3 }, kerr.InvalidRequest},
		{"client-side assignor", func(r *ConsumerHeartbeatRequest) { r.ServerAssignor = "cooperative-sticky" }, kerr.UnsupportedAssignor},
	} {
		req := ok
		tc.edit(&req)
		if err := e.c.ConsumerHeartbeat(req).Err; !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}
	if _, exists := e.c.ConsumerGroup("g"); exists {
		t.Fatal("invalid requests created the group")
	}
	if r := e.c.ConsumerHeartbeat(ok); r.Err != nil {
		t.Fatal(r.Err)
	}
	second := ok
	second.MemberID = "b"
	if err := e.c.ConsumerHeartbeat(second).Err; !errors.Is(err, kerr.GroupMaxSizeReached) {
		t.Fatalf("second member with group.consumer.max.size 1: %v", err)
	}
	e.b.SetAvailable(false)
	err := e.c.ConsumerHeartbeat(ConsumerHeartbeatRequest{Group: "g", MemberID: "a", MemberEpoch: 1}).Err
	if !errors.Is(err, kerr.CoordinatorNotAvailable) || !errors.Is(err, broker.ErrUnavailable) {
		t.Fatalf("broker down: %v", err)
	}
	// An empty member id on a join: the coordinator draws a uuid.
	e.b.SetAvailable(true)
	e2 := newEnv(t, map[string]int{"t": 2}, Config{})
	anon := ok
	anon.MemberID = ""
	r := e2.c.ConsumerHeartbeat(anon)
	if r.Err != nil || !regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`).MatchString(r.MemberID) {
		t.Fatalf("generated member id: %+v", r)
	}
}

// TestConsumerNewTopicBumpsEpoch: a member may subscribe to a topic that
// does not exist yet; when it appears, the next heartbeat bumps the group
// epoch and assigns it.
func TestConsumerNewTopicBumpsEpoch(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 1}, Config{})
	c1 := e.client("c1", "g", "t", "later")
	c1.start()
	e.run(time.Second)
	if e.consumerInfo("g").GroupEpoch != 1 || tpList(c1.owned) != "t[0]" {
		t.Fatalf("%+v %v", e.consumerInfo("g"), c1.owned)
	}
	if err := e.b.CreateTopic("later", 2, broker.TopicConfig{}); err != nil {
		t.Fatal(err)
	}
	e.run(5 * time.Second)
	if e.consumerInfo("g").GroupEpoch != 2 || tpList(c1.owned) != "later[0] later[1] t[0]" {
		t.Fatalf("%+v %v", e.consumerInfo("g"), c1.owned)
	}
	var why string
	for _, tr := range e.transitions(EpochBumped) {
		why = tr.Cause
	}
	if !strings.Contains(why, "partitions changed") {
		t.Fatalf("cause %q", why)
	}
}

// TestConsumerRangeAssignor: members asking for range get contiguous
// ranges, static members first; describe names the assignor.
func TestConsumerRangeAssignor(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 5}, Config{})
	a, b := e.client("a", "g", "t"), e.client("b", "g", "t")
	a.assignor, b.assignor = "range", "range"
	b.instanceID = "z-static"
	a.start()
	b.start()
	runChecked(t, e, 30*time.Second, a, b)
	if tpList(b.owned) != "t[0] t[1] t[2]" || tpList(a.owned) != "t[3] t[4]" {
		t.Fatalf("a %v b %v", a.owned, b.owned)
	}
	if d := e.c.Describe("g"); d.Protocol != "range" || d.State != Stable {
		t.Fatalf("%+v", d)
	}
}

// TestConsumerDescribeTables: kafka-consumer-groups.sh --describe for a
// consumer group while it reconciles (the rebalancing warning, members'
// current partitions) and when Stable.
func TestConsumerDescribeTables(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 2}, Config{})
	c1, c2 := e.client("c1", "g", "t"), e.client("c2", "g", "t")
	c1.start()
	e.run(time.Second)
	c2.start()
	d := e.c.Describe("g")
	want := `
Warning: Consumer group 'g' is rebalancing.

GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID
g               t               0          -               0               -               c1-1            /10.0.0.c1      c1
g               t               1          -               0               -               c1-1            /10.0.0.c1      c1
`
	if got := d.Table(); got != want {
		t.Fatalf("Reconciling:\n%s\nwant\n%s", got, want)
	}
	e.run(15 * time.Second)
	d = e.c.Describe("g")
	want = `
GROUP                     COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE           #MEMBERS
g                         kafkasim:9092  (0)        uniform              Stable          2
`
	if got := d.StateTable(); got != want {
		t.Fatalf("--state:\n%s\nwant\n%s", got, want)
	}
	if d.Generation != 2 || d.AssignmentEpoch != 2 || d.Members[1].MemberEpoch != 2 || tpList(d.Members[1].TargetAssignment) != "t[1]" {
		t.Fatalf("%+v", d)
	}
}

// TestConsumerStalledApplication: an application stuck in processing
// keeps heartbeating but cannot revoke; its client leaves the group on
// its own when max.poll.interval.ms passes (before the coordinator's
// rebalance timeout would fence it), its partitions go to the others,
// its commits are refused, and it rejoins when it polls again.
func TestConsumerStalledApplication(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 3}, Config{})
	c1, c2, c3 := e.client("c1", "g", "t"), e.client("c2", "g", "t"), e.client("c3", "g", "t")
	for _, c := range []*cclient{c1, c2, c3} {
		c.maxPoll = 20 * time.Second
	}
	c1.start()
	c2.start()
	runChecked(t, e, 20*time.Second, c1, c2, c3)
	c1.stall()
	e.run(time.Second)
	c3.start() // 21 s: c1 is asked to give up a partition it cannot
	runChecked(t, e, 18*time.Second, c1, c2, c3)
	m1, _ := e.consumerInfo("g").member(c1.id)
	if m1.State != "UNREVOKED_PARTITIONS" || len(c1.owned) != 2 || len(c3.owned) != 0 {
		t.Fatalf("39s: c1 %+v owns %v, c3 owns %v", m1, c1.owned, c3.owned)
	}
	id, epoch := c1.id, c1.epoch
	runChecked(t, e, 10*time.Second, c1, c2, c3) // c1 leaves at 40 s
	if !c1.left || len(c1.owned) != 0 || len(c3.owned) == 0 {
		t.Fatalf("50s: c1 left=%v owns %v, c3 owns %v", c1.left, c1.owned, c3.owned)
	}
	if err := c1.commit(broker.TopicPartition{Topic: "t"}, 1); !errors.Is(err, kerr.UnknownMemberID) {
		t.Fatalf("commit from the member that left: %v", err)
	}
	if got := e.transitions(RebalanceTimedOut); len(got) != 0 {
		t.Fatalf("the coordinator fenced the stalled member before its client left: %v", got)
	}
	c1.unstall()
	runChecked(t, e, 30*time.Second, c1, c2, c3)
	info := e.consumerInfo("g")
	if c1.id != id || c1.epoch <= epoch || len(c1.owned) != 1 || info.State != Stable || c1.commits != 1 {
		t.Fatalf("after the rejoin: c1 %s epoch %d owns %v, %+v", c1.id, c1.epoch, c1.owned, info)
	}
}

// TestConsumerOutageRestartsTimers: after an outage the coordinator
// restarts every session and rebalance timeout, as a real one reloading
// its groups does, the moment it is back.
func TestConsumerOutageRestartsTimers(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 2}, Config{})
	hb := func(req ConsumerHeartbeatRequest) ConsumerHeartbeatResponse {
		req.Group = "g"
		return e.c.ConsumerHeartbeat(req)
	}
	join := ConsumerHeartbeatRequest{MemberID: "a", MemberEpoch: 0, RebalanceTimeout: 10 * time.Second, SubscribedTopics: []string{"t"}, Owned: []broker.TopicPartition{}}
	hb(join)
	join.MemberID = "b"
	hb(join)
	if r := hb(ConsumerHeartbeatRequest{MemberID: "a", MemberEpoch: 1, Owned: tps("t:0,1")}); tpList(r.Assignment) != "t[0]" {
		t.Fatalf("a was not asked to revoke: %+v", r) // revocation requested at 0 s
	}
	e.run(5 * time.Second)
	e.b.SetAvailable(false)
	e.run(time.Second)
	if r := hb(ConsumerHeartbeatRequest{MemberID: "a", MemberEpoch: 1}); !errors.Is(r.Err, kerr.CoordinatorNotAvailable) {
		t.Fatalf("during the outage: %+v", r)
	}
	e.run(3 * time.Second)
	e.b.SetAvailable(true) // 9 s
	e.run(500 * time.Millisecond)
	hb(ConsumerHeartbeatRequest{MemberID: "b", MemberEpoch: 2}) // 9.5 s
	e.run(9500*time.Millisecond - time.Millisecond)
	if _, ok := e.consumerInfo("g").member("a"); !ok {
		t.Fatal("a fenced before 10 s had passed since the coordinator came back")
	}
	e.run(time.Millisecond)
	if _, ok := e.consumerInfo("g").member("a"); ok {
		t.Fatal("a not fenced 10 s after the coordinator came back")
	}
}

// TestConsumerStaticIdentity: a static member back under its own member id
// takes its place again; a dynamic member can become static only by
// rejoining (a heartbeat with an instance id nobody has is unknown).
func TestConsumerStaticIdentity(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 2}, Config{})
	join := func(id, instance string) ConsumerHeartbeatResponse {
		return e.c.ConsumerHeartbeat(ConsumerHeartbeatRequest{Group: "g", MemberID: id, MemberEpoch: 0, InstanceID: instance,
			RebalanceTimeout: time.Minute, SubscribedTopics: []string{"t"}, Owned: []broker.TopicPartition{}})
	}
	if r := join("s", "i1"); r.Err != nil {
		t.Fatal(r.Err)
	}
	e.c.ConsumerHeartbeat(ConsumerHeartbeatRequest{Group: "g", MemberID: "s", MemberEpoch: LeaveStaticEpoch, InstanceID: "i1"})
	if r := join("s", "i1"); r.Err != nil || tpList(r.Assignment) != "t[0] t[1]" || r.MemberEpoch != 1 {
		t.Fatalf("back under the same id: %+v", r)
	}
	if r := join("d", ""); r.Err != nil {
		t.Fatal(r.Err)
	}
	if err := e.c.ConsumerHeartbeat(ConsumerHeartbeatRequest{Group: "g", MemberID: "d", MemberEpoch: 2, InstanceID: "i2"}).Err; !errors.Is(err, kerr.UnknownMemberID) {
		t.Fatalf("heartbeat with a new instance id: %v", err)
	}
	if r := join("d", "i2"); r.Err != nil {
		t.Fatalf("rejoin as static: %v", r.Err)
	}
	if err := e.c.ConsumerHeartbeat(ConsumerHeartbeatRequest{Group: "g", MemberID: "x", MemberEpoch: 2, InstanceID: "i2"}).Err; !errors.Is(err, kerr.FencedInstanceID) {
		t.Fatalf("i2 is d's now, so another member id is fenced: %v", err)
	}
	if len(e.transitions(MemberFenced)) != 1 || !strings.Contains(e.transitions(MemberFenced)[0].Cause, "same member id") {
		t.Fatalf("%v", e.transitions(MemberFenced))
	}
}
