package group

import (
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// rawJoin sends JoinGroup (twice for a dynamic member) and runs the clock
// until the answer arrives, without syncing.
func rawJoin(e *env, group, client, instance string) JoinResponse {
	var got *JoinResponse
	id := ""
	for range 2 {
		got = nil
		e.c.Join(JoinRequest{Group: group, MemberID: id, InstanceID: instance, ClientID: client,
			SessionTimeout: 45 * time.Second, RebalanceTimeout: time.Minute,
			Protocols: []Protocol{{Name: "range", Subscription: Subscription{Topics: []string{"t"}}}}},
			func(r JoinResponse) { got = &r })
		for got == nil && e.sim.Step() {
		}
		if !errors.Is(got.Err, kerr.MemberIDRequired) {
			return *got
		}
		id = got.MemberID
	}
	return *got
}

func TestCommitValidationOrder(t *testing.T) {
	tp0 := broker.TopicPartition{Topic: "t", Partition: 0}
	type setup func(t *testing.T, e *env) CommitRequest
	// stable: two static members a (leader) and b, synced, generation 1.
	stable := func(t *testing.T, e *env) (a, b *tmember) {
		a = e.member("a", "g", []string{"t"})
		b = e.member("b", "g", []string{"t"})
		a.instanceID, b.instanceID = "ia", "ib"
		a.start()
		b.start()
		e.run(10 * time.Second) // initial delay 3s, extended once by b
		if e.c.State("g") != Stable {
			t.Fatal("not stable")
		}
		return a, b
	}
	completing := func(t *testing.T, e *env) JoinResponse {
		r := rawJoin(e, "g", "a", "")
		if e.c.State("g") != CompletingRebalance || r.Err != nil {
			t.Fatalf("state %s err %v", e.c.State("g"), r.Err)
		}
		return r
	}
	tests := []struct {
		name  string
		setup setup
		want  kerr.Code
	}{
		{"Dead group, generation -1: accepted, the group starts afresh as Kafka removed it", func(t *testing.T, e *env) CommitRequest {
			rawJoin(e, "g", "a", "")
			e.c.Leave("g", e.c.Describe("g").Leader, "")
			e.b.StoreCommittedOffset("g", tp0, broker.OffsetAndMetadata{Offset: 1})
			e.run(8 * 24 * time.Hour)
			return CommitRequest{Group: "g", Generation: -1}
		}, kerr.NoError},
		{"Dead group, unknown member: COORDINATOR_NOT_AVAILABLE first", func(t *testing.T, e *env) CommitRequest {
			rawJoin(e, "g", "a", "")
			e.c.Leave("g", e.c.Describe("g").Leader, "")
			e.b.StoreCommittedOffset("g", tp0, broker.OffsetAndMetadata{Offset: 1})
			e.run(8 * 24 * time.Hour)
			return CommitRequest{Group: "g", MemberID: "x", Generation: 7}
		}, kerr.CoordinatorNotAvailable},
		{"unknown group, generation -1 (manual assign): accepted", func(t *testing.T, e *env) CommitRequest {
			return CommitRequest{Group: "solo", Generation: -1}
		}, kerr.NoError},
		{"Empty group after its members left, generation -1: accepted", func(t *testing.T, e *env) CommitRequest {
			r := rawJoin(e, "g", "a", "")
			e.c.Leave("g", r.MemberID, "")
			return CommitRequest{Group: "g", Generation: -1}
		}, kerr.NoError},
		{"Empty group, member id and generation: UNKNOWN_MEMBER_ID", func(t *testing.T, e *env) CommitRequest {
			r := rawJoin(e, "g", "a", "")
			e.c.Leave("g", r.MemberID, "")
			return CommitRequest{Group: "g", MemberID: r.MemberID, Generation: r.Generation}
		}, kerr.UnknownMemberID},
		{"Stable group, generation -1: UNKNOWN_MEMBER_ID", func(t *testing.T, e *env) CommitRequest {
			stable(t, e)
			return CommitRequest{Group: "g", Generation: -1}
		}, kerr.UnknownMemberID},
		{"unknown member with a wrong generation: UNKNOWN_MEMBER_ID before ILLEGAL_GENERATION", func(t *testing.T, e *env) CommitRequest {
			stable(t, e)
			return CommitRequest{Group: "g", MemberID: "ghost", Generation: 9}
		}, kerr.UnknownMemberID},
		{"unknown instance id: UNKNOWN_MEMBER_ID", func(t *testing.T, e *env) CommitRequest {
			a, _ := stable(t, e)
			return CommitRequest{Group: "g", MemberID: a.id, InstanceID: "nobody", Generation: a.gen}
		}, kerr.UnknownMemberID},
		{"instance id mapped to another member, wrong generation: FENCED_INSTANCE_ID first", func(t *testing.T, e *env) CommitRequest {
			a, _ := stable(t, e)
			return CommitRequest{Group: "g", MemberID: "ib-old", InstanceID: "ib", Generation: a.gen + 3}
		}, kerr.FencedInstanceID},
		{"Stable, wrong generation: ILLEGAL_GENERATION", func(t *testing.T, e *env) CommitRequest {
			a, _ := stable(t, e)
			return CommitRequest{Group: "g", MemberID: a.id, InstanceID: "ia", Generation: a.gen - 1}
		}, kerr.IllegalGeneration},
		{"CompletingRebalance, wrong generation: ILLEGAL_GENERATION before REBALANCE_IN_PROGRESS", func(t *testing.T, e *env) CommitRequest {
			r := completing(t, e)
			return CommitRequest{Group: "g", MemberID: r.MemberID, Generation: r.Generation + 1}
		}, kerr.IllegalGeneration},
		{"CompletingRebalance, current generation: REBALANCE_IN_PROGRESS", func(t *testing.T, e *env) CommitRequest {
			r := completing(t, e)
			return CommitRequest{Group: "g", MemberID: r.MemberID, Generation: r.Generation}
		}, kerr.RebalanceInProgress},
		{"PreparingRebalance, the old generation (eager revoke commit): accepted", func(t *testing.T, e *env) CommitRequest {
			a, b := stable(t, e)
			b.crash()
			e.c.Leave("g", "", "ib")
			if e.c.State("g") != PreparingRebalance {
				t.Fatal("not preparing")
			}
			return CommitRequest{Group: "g", MemberID: a.id, InstanceID: "ia", Generation: a.gen}
		}, kerr.NoError},
		{"Stable, current generation: accepted", func(t *testing.T, e *env) CommitRequest {
			a, _ := stable(t, e)
			return CommitRequest{Group: "g", MemberID: a.id, InstanceID: "ia", Generation: a.gen}
		}, kerr.NoError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, map[string]int{"t": 2}, Config{})
			req := tc.setup(t, e)
			req.Offsets = []OffsetCommit{{TopicPartition: tp0, Offset: 42, Metadata: "m"}, {TopicPartition: broker.TopicPartition{Topic: "t", Partition: 1}, Offset: 7}}
			before := e.c.FetchOffsets(req.Group, nil)
			err := e.c.CommitOffsets(req)
			after := e.c.FetchOffsets(req.Group, nil)
			if got := kerr.CodeOf(err); got != tc.want {
				t.Fatalf("got %v (%v), want %v", got, err, tc.want)
			}
			if err != nil {
				if !maps.Equal(before, after) {
					t.Fatalf("rejected commit changed offsets: %v → %v", before, after)
				}
				return
			}
			if after[tp0].Offset != 42 || after[tp0].Metadata != "m" || !after[tp0].CommitTime.Equal(e.sim.Now()) {
				t.Fatalf("accepted commit stored %+v", after[tp0])
			}
		})
	}
}

func TestFetchOffsets(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 2}, Config{})
	tp0, tp1 := broker.TopicPartition{Topic: "t", Partition: 0}, broker.TopicPartition{Topic: "t", Partition: 1}
	if err := e.c.CommitOffsets(CommitRequest{Group: "solo", Generation: -1, Offsets: []OffsetCommit{{TopicPartition: tp0, Offset: 3}}}); err != nil {
		t.Fatal(err)
	}
	got := e.c.FetchOffsets("solo", []broker.TopicPartition{tp0, tp1})
	if got[tp0].Offset != 3 || got[tp1].Offset != -1 || len(got) != 2 {
		t.Fatalf("fetch: %v", got)
	}
}
