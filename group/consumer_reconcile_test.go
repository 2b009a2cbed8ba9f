package group

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kafkasim/kafkasim/broker"
)

// tps parses "t1:1,2,3 t2:4" into sorted topic-partitions; "" is nil.
func tps(s string) []broker.TopicPartition {
	var out []broker.TopicPartition
	for _, f := range strings.Fields(s) {
		topic, parts, _ := strings.Cut(f, ":")
		for _, p := range strings.Split(parts, ",") {
			n, err := strconv.Atoi(p)
			if err != nil {
				panic(err)
			}
			out = append(out, broker.TopicPartition{Topic: topic, Partition: int32(n)})
		}
	}
	broker.SortTopicPartitions(out)
	return out
}

// owned is tps for a reported owned set: "" is an empty, non-nil list.
func owned(s string) []broker.TopicPartition {
	if out := tps(s); out != nil {
		return out
	}
	return []broker.TopicPartition{}
}

// TestReconcileKafkaCases ports Kafka's CurrentAssignmentBuilderTest: each
// case is a member state, a target, which partitions some member holds,
// what the member reports owning, and the state Kafka expects next. Topics
// t1 and t2 exist; the member subscribes to both unless said. Kafka's
// testUnknownState (a state from a newer coordinator) and its regular
// expression cases have no counterpart here.
func TestReconcileKafkaCases(t *testing.T) {
	all := func(broker.TopicPartition) bool { return true }
	none := func(broker.TopicPartition) bool { return false }
	onlyT2 := func(tp broker.TopicPartition) bool { return tp.Topic == "t2" }
	heldSet := func(s string) func(broker.TopicPartition) bool {
		set := tps(s)
		return func(tp broker.TopicPartition) bool { return slices.Contains(set, tp) }
	}
	st := func(s memberState, epoch, prev int32, assigned, pending string) recon {
		return recon{state: s, epoch: epoch, prevEpoch: prev, assigned: tps(assigned), pending: tps(pending)}
	}
	type step struct {
		name        string
		cur         recon
		topics      string // subscription; "" means t1 t2
		targetEpoch int32
		target      string
		held        func(broker.TopicPartition) bool
		owned       []broker.TopicPartition
		subChanged  bool
		want        recon
	}
	tests := []step{
		{name: "testStableToStable",
			cur: st(memberStable, 10, 10, "t1:1,2,3 t2:4,5,6", ""), targetEpoch: 11, target: "t1:1,2,3 t2:4,5,6", held: all,
			want: st(memberStable, 11, 10, "t1:1,2,3 t2:4,5,6", "")},
		{name: "testStableToStableWithNewPartitions",
			cur: st(memberStable, 10, 10, "t1:1,2,3 t2:4,5,6", ""), targetEpoch: 11, target: "t1:1,2,3,4 t2:4,5,6,7", held: none,
			want: st(memberStable, 11, 10, "t1:1,2,3,4 t2:4,5,6,7", "")},
		{name: "testStableToUnrevokedPartitions: revoke first, take later",
			cur: st(memberStable, 10, 10, "t1:1,2,3 t2:4,5,6", ""), targetEpoch: 11, target: "t1:2,3,4 t2:5,6,7", held: none,
			want: st(memberUnrevoked, 10, 10, "t1:2,3 t2:5,6", "t1:1 t2:4")},
		{name: "testStableToUnreleasedPartitions",
			cur: st(memberStable, 10, 10, "t1:1,2,3 t2:4,5,6", ""), targetEpoch: 11, target: "t1:1,2,3,4 t2:4,5,6,7", held: all,
			want: st(memberUnreleased, 11, 10, "t1:1,2,3 t2:4,5,6", "")},
		{name: "testStableToUnreleasedPartitionsWithOwnedPartitionsNotHavingRevokedPartitions",
			cur: st(memberStable, 10, 10, "t1:1,2,3 t2:4,5,6", ""), targetEpoch: 11, target: "t1:1,2,3 t2:4,5,7", held: onlyT2, owned: owned(""),
			want: st(memberUnreleased, 11, 10, "t1:1,2,3 t2:4,5", "")},
		{name: "testUnrevokedPartitionsToStable",
			cur: st(memberUnrevoked, 10, 10, "t1:2,3 t2:5,6", "t1:1 t2:4"), targetEpoch: 11, target: "t1:2,3 t2:5,6", held: none, owned: owned("t1:2,3 t2:5,6"),
			want: st(memberStable, 11, 10, "t1:2,3 t2:5,6", "")},
		{name: "testRemainsInUnrevokedPartitions: owned not reported",
			cur: st(memberUnrevoked, 10, 10, "t1:2,3 t2:5,6", "t1:1 t2:4"), targetEpoch: 12, target: "t1:3 t2:6", held: none, owned: nil,
			want: st(memberUnrevoked, 10, 10, "t1:2,3 t2:5,6", "t1:1 t2:4")},
		{name: "testRemainsInUnrevokedPartitions: t1:1 still owned",
			cur: st(memberUnrevoked, 10, 10, "t1:2,3 t2:5,6", "t1:1 t2:4"), targetEpoch: 12, target: "t1:3 t2:6", held: none, owned: owned("t1:1,2,3 t2:5,6"),
			want: st(memberUnrevoked, 10, 10, "t1:2,3 t2:5,6", "t1:1 t2:4")},
		{name: "testRemainsInUnrevokedPartitions: t2:4 still owned",
			cur: st(memberUnrevoked, 10, 10, "t1:2,3 t2:5,6", "t1:1 t2:4"), targetEpoch: 12, target: "t1:3 t2:6", held: none, owned: owned("t1:2,3 t2:4,5,6"),
			want: st(memberUnrevoked, 10, 10, "t1:2,3 t2:5,6", "t1:1 t2:4")},
		{name: "testUnrevokedPartitionsToUnrevokedPartitions(10, 12, 11): one epoch up, not to the target",
			cur: st(memberUnrevoked, 10, 10, "t1:2,3 t2:5,6", "t1:1 t2:4"), targetEpoch: 12, target: "t1:3 t2:6", held: none, owned: owned("t1:2,3 t2:5,6"),
			want: st(memberUnrevoked, 11, 10, "t1:3 t2:6", "t1:2 t2:5")},
		{name: "testUnrevokedPartitionsToUnrevokedPartitions(10, 10, 10): never past the target epoch",
			cur: st(memberUnrevoked, 10, 10, "t1:2,3 t2:5,6", "t1:1 t2:4"), targetEpoch: 10, target: "t1:3 t2:6", held: none, owned: owned("t1:2,3 t2:5,6"),
			want: st(memberUnrevoked, 10, 10, "t1:3 t2:6", "t1:2 t2:5")},
		{name: "testUnrevokedPartitionsToUnreleasedPartitions",
			cur: st(memberUnrevoked, 11, 10, "t1:2,3 t2:5,6", ""), targetEpoch: 11, target: "t1:2,3,4 t2:5,6,7", held: all, owned: owned("t1:2,3 t2:5,6"),
			want: st(memberUnreleased, 11, 11, "t1:2,3 t2:5,6", "")},
		{name: "testUnrevokedPartitionsToStableWithReturnedPartitionsPendingRevocation: t1:4 comes straight back",
			cur: st(memberUnrevoked, 10, 10, "t1:2,3 t2:5,6", "t1:4"), targetEpoch: 12, target: "t1:2,3,4 t2:5,6,7",
			held:  heldSet("t1:2,3,4 t2:5,6"),
			owned: owned("t1:2,3 t2:5,6"),
			want:  st(memberStable, 12, 10, "t1:2,3,4 t2:5,6,7", "")},
		{name: "testUnreleasedPartitionsToStable",
			cur: st(memberUnreleased, 11, 11, "t1:2,3 t2:5,6", ""), targetEpoch: 12, target: "t1:2,3 t2:5,6", held: all,
			want: st(memberStable, 12, 11, "t1:2,3 t2:5,6", "")},
		{name: "testUnreleasedPartitionsToStableWithNewPartitions",
			cur: st(memberUnreleased, 11, 11, "t1:2,3 t2:5,6", ""), targetEpoch: 11, target: "t1:2,3,4 t2:5,6,7", held: none,
			want: st(memberStable, 11, 11, "t1:2,3,4 t2:5,6,7", "")},
		{name: "testUnreleasedPartitionsToUnreleasedPartitions",
			cur: st(memberUnreleased, 11, 11, "t1:2,3 t2:5,6", ""), targetEpoch: 11, target: "t1:2,3,4 t2:5,6,7", held: all,
			want: st(memberUnreleased, 11, 11, "t1:2,3 t2:5,6", "")},
		{name: "testUnreleasedPartitionsToUnrevokedPartitions",
			cur: st(memberUnreleased, 11, 11, "t1:2,3 t2:5,6", ""), targetEpoch: 12, target: "t1:3 t2:6", held: all,
			want: st(memberUnrevoked, 11, 11, "t1:3 t2:6", "t1:2 t2:5")},
	}
	// testStableToStableWithAssignmentTopicsNoLongerInSubscription and
	// testStableToUnrevokedPartitionsWithAssignmentTopicsNoLongerInSubscription:
	// the member now subscribes to t2 only.
	for _, p := range []struct {
		targetEpoch int32
		subChanged  bool
		wantEpoch   int32
	}{{11, false, 11}, {11, true, 11}, {10, true, 10}} {
		tests = append(tests, step{name: "testStableToStableWithAssignmentTopicsNoLongerInSubscription",
			cur: st(memberStable, 10, 10, "t1:1,2,3 t2:4,5,6", ""), topics: "t2", targetEpoch: p.targetEpoch, target: "t1:1,2,3 t2:4,5,6",
			held: none, owned: owned("t2:4,5,6"), subChanged: p.subChanged,
			want: st(memberStable, p.wantEpoch, 10, "t2:4,5,6", "")})
		tests = append(tests, step{name: "testStableToUnrevokedPartitionsWithAssignmentTopicsNoLongerInSubscription",
			cur: st(memberStable, 10, 10, "t1:1,2,3 t2:4,5,6", ""), topics: "t2", targetEpoch: p.targetEpoch, target: "t1:1,2,3 t2:4,5,6",
			held: none, owned: owned("t1:1,2,3 t2:4,5,6"), subChanged: p.subChanged,
			want: st(memberUnrevoked, 10, 10, "t2:4,5,6", "t1:1,2,3")})
	}
	tests = append(tests, step{name: "testRemainsInUnrevokedPartitionsWithAssignmentTopicsNoLongerInSubscription",
		cur: st(memberUnrevoked, 10, 10, "t1:2,3 t2:5,6", "t1:1 t2:4"), topics: "t2", targetEpoch: 12, target: "t1:1,3,4 t2:6,7",
		held: none, owned: owned("t1:1,2,3 t2:4,5,6"), subChanged: true,
		want: st(memberUnrevoked, 10, 10, "t2:5,6", "t1:1,2,3 t2:4")})

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			topics := strings.Fields(tt.topics)
			if len(topics) == 0 {
				topics = []string{"t1", "t2"}
			}
			in := reconcileInput{
				targetEpoch: tt.targetEpoch, target: tps(tt.target), held: tt.held, owned: tt.owned,
				subscribed:          func(topic string) bool { return strings.Contains(" "+strings.Join(topics, " ")+" ", " "+topic+" ") },
				noSubscription:      len(topics) == 0,
				subscriptionChanged: tt.subChanged,
			}
			got := reconcile(tt.cur, in)
			if !sameRecon(got, tt.want) {
				t.Fatalf("got  %s\nwant %s", fmtRecon(got), fmtRecon(tt.want))
			}
		})
	}
}

func fmtRecon(r recon) string {
	return r.state.String() + " epoch " + strconv.Itoa(int(r.epoch)) + " prev " + strconv.Itoa(int(r.prevEpoch)) +
		" assigned [" + tpList(r.assigned) + "] pending [" + tpList(r.pending) + "]"
}

// TestReconcileDropsEverythingWithNoSubscription: a member that
// subscribes to no existing topic any more revokes all it has at once,
// at its epoch (updateCurrentAssignment's first case).
func TestReconcileDropsEverythingWithNoSubscription(t *testing.T) {
	cur := recon{state: memberStable, epoch: 4, prevEpoch: 3, assigned: tps("t1:0,1")}
	in := reconcileInput{targetEpoch: 4, target: tps("t1:0,1"), held: func(broker.TopicPartition) bool { return true },
		subscribed: func(string) bool { return false }, noSubscription: true, owned: owned("t1:0,1"), subscriptionChanged: true}
	got := reconcile(cur, in)
	want := recon{state: memberUnrevoked, epoch: 4, prevEpoch: 3, pending: tps("t1:0,1")}
	if !sameRecon(got, want) {
		t.Fatalf("got %s, want %s", fmtRecon(got), fmtRecon(want))
	}
	// Having released them, it moves to the target epoch with nothing.
	in.owned, in.subscriptionChanged, in.targetEpoch = owned(""), false, 5
	got = reconcile(got, in)
	want = recon{state: memberStable, epoch: 5, prevEpoch: 4}
	if !sameRecon(got, want) {
		t.Fatalf("got %s, want %s", fmtRecon(got), fmtRecon(want))
	}
}
