package assign

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kafkasim/kafkasim/broker"
)

// fmtAssign renders an assignment as "C0: t0p0 t0p1; C1: ..." in member
// order, for readable table tests.
func fmtAssign(out map[string][]broker.TopicPartition) string {
	ids := make([]string, 0, len(out))
	for id := range out {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var parts []string
	for _, id := range ids {
		var tps []string
		for _, tp := range out[id] {
			tps = append(tps, fmt.Sprintf("%sp%d", tp.Topic, tp.Partition))
		}
		parts = append(parts, id+":"+strings.Join(append([]string{""}, tps...), " "))
	}
	return strings.Join(parts, "; ")
}

func mem(id string, topics ...string) Member { return Member{ID: id, Topics: topics, Generation: -1} }

func TestEagerAssignors(t *testing.T) {
	two := map[string]int32{"t0": 3, "t1": 3}
	tests := []struct {
		name     string
		members  []Member
		topics   map[string]int32
		rng, rr  string
		protocol RebalanceProtocol
	}{
		{
			name:    "range, docs/kafka-semantics.md §5: C0,C1 on t0,t1 with 3 partitions each",
			members: []Member{mem("C0", "t0", "t1"), mem("C1", "t0", "t1")},
			topics:  two,
			rng:     "C0: t0p0 t0p1 t1p0 t1p1; C1: t0p2 t1p2",
			rr:      "C0: t0p0 t0p2 t1p1; C1: t0p1 t1p0 t1p2",
		},
		{
			name:    "input order does not matter",
			members: []Member{mem("C1", "t1", "t0"), mem("C0", "t0", "t1")},
			topics:  two,
			rng:     "C0: t0p0 t0p1 t1p0 t1p1; C1: t0p2 t1p2",
			rr:      "C0: t0p0 t0p2 t1p1; C1: t0p1 t1p0 t1p2",
		},
		{
			name:    "more members than partitions: the extras own nothing",
			members: []Member{mem("a", "t"), mem("b", "t"), mem("c", "t"), mem("d", "t")},
			topics:  map[string]int32{"t": 2},
			rng:     "a: tp0; b: tp1; c:; d:",
			rr:      "a: tp0; b: tp1; c:; d:",
		},
		{
			name:    "7 partitions over 3 members: the first P mod N get one more",
			members: []Member{mem("m1", "t"), mem("m2", "t"), mem("m3", "t")},
			topics:  map[string]int32{"t": 7},
			rng:     "m1: tp0 tp1 tp2; m2: tp3 tp4; m3: tp5 tp6",
			rr:      "m1: tp0 tp3 tp6; m2: tp1 tp4; m3: tp2 tp5",
		},
		{
			name:    "members subscribed to different topics",
			members: []Member{mem("A", "x"), mem("B", "x", "y"), mem("C", "y")},
			topics:  map[string]int32{"x": 3, "y": 3},
			// range: x over A,B; y over B,C.
			rng: "A: xp0 xp1; B: xp2 yp0 yp1; C: yp2",
			// roundrobin: cursor A,B,C,...: x0→A x1→B x2→(C skip)A y0→B y1→C y2→(A skip)B
			rr: "A: xp0 xp2; B: xp1 yp0 yp2; C: yp1",
		},
		{
			name:    "several topics, unsorted names, a missing topic is ignored",
			members: []Member{mem("c2", "b", "a", "gone"), mem("c1", "a", "b")},
			topics:  map[string]int32{"a": 1, "b": 4},
			rng:     "c1: ap0 bp0 bp1; c2: bp2 bp3",
			rr:      "c1: ap0 bp1 bp3; c2: bp0 bp2",
		},
		{
			name: "static members sort by group.instance.id",
			members: []Member{
				{ID: "aaa", InstanceID: "z-instance", Topics: []string{"t"}},
				{ID: "zzz", InstanceID: "a-instance", Topics: []string{"t"}},
			},
			topics: map[string]int32{"t": 3},
			rng:    "aaa: tp2; zzz: tp0 tp1",
			rr:     "aaa: tp1; zzz: tp0 tp2",
		},
		{
			name: "one static, one dynamic: member ids decide",
			members: []Member{
				{ID: "aaa", Topics: []string{"t"}},
				{ID: "zzz", InstanceID: "a-instance", Topics: []string{"t"}},
			},
			topics: map[string]int32{"t": 3},
			rng:    "aaa: tp0 tp1; zzz: tp2",
			rr:     "aaa: tp0 tp2; zzz: tp1",
		},
		{
			name:    "no members",
			members: nil,
			topics:  two,
			rng:     "",
			rr:      "",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := fmtAssign(Range().Assign(tc.members, tc.topics)); got != tc.rng {
				t.Errorf("range:\n got %s\nwant %s", got, tc.rng)
			}
			if got := fmtAssign(RoundRobin().Assign(tc.members, tc.topics)); got != tc.rr {
				t.Errorf("roundrobin:\n got %s\nwant %s", got, tc.rr)
			}
		})
	}
}

func TestByName(t *testing.T) {
	for _, n := range []string{"range", "roundrobin", "cooperative-sticky"} {
		a, err := ByName(n)
		if err != nil || a.Name() != n {
			t.Fatalf("ByName(%q) = %v, %v", n, a, err)
		}
	}
	if a, _ := ByName("cooperative-sticky"); a.Protocol() != Cooperative {
		t.Fatal("cooperative-sticky is not cooperative")
	}
	if a, _ := ByName("range"); a.Protocol() != Eager {
		t.Fatal("range is not eager")
	}
	if _, err := ByName("sticky-ish"); err == nil {
		t.Fatal("unknown assignor accepted")
	}
}

func TestRevokedAdded(t *testing.T) {
	tp := func(p int32) broker.TopicPartition { return broker.TopicPartition{Topic: "t", Partition: p} }
	owned := []broker.TopicPartition{tp(3), tp(1), tp(2)}
	assigned := []broker.TopicPartition{tp(2), tp(4), tp(0)}
	if got := Revoked(owned, assigned); !slices.Equal(got, []broker.TopicPartition{tp(1), tp(3)}) {
		t.Errorf("Revoked = %v", got)
	}
	if got := Added(owned, assigned); !slices.Equal(got, []broker.TopicPartition{tp(0), tp(4)}) {
		t.Errorf("Added = %v", got)
	}
	if Revoked(nil, assigned) != nil || Added(owned, owned) != nil {
		t.Error("empty deltas are not nil")
	}
}

func own(m Member, gen int32, tps ...broker.TopicPartition) Member {
	m.Owned, m.Generation = tps, gen
	return m
}

func tp(topic string, p int32) broker.TopicPartition {
	return broker.TopicPartition{Topic: topic, Partition: p}
}

// TestCooperativeSticky walks one group through join, follow-up and leave
// rebalances. The partitions are librdkafka's: a group forming with
// nothing owned gets every other partition, a joining member takes one
// partition from each of the busiest members, in turn.
func TestCooperativeSticky(t *testing.T) {
	cs := CooperativeSticky()
	topics := map[string]int32{"t": 6}

	first := cs.Assign([]Member{mem("a", "t"), mem("b", "t")}, topics)
	if got := fmtAssign(first); got != "a: tp0 tp2 tp4; b: tp1 tp3 tp5" {
		t.Fatalf("fresh: %s", got)
	}

	// c joins: b gives up t[1], a gives up t[0]; c's share is withheld
	// this round because a and b still own it.
	members := []Member{
		own(mem("a", "t"), 1, first["a"]...),
		own(mem("b", "t"), 1, first["b"]...),
		mem("c", "t"),
	}
	if got := fmtAssign(StickyTarget(members, topics)); got != "a: tp2 tp4; b: tp3 tp5; c: tp0 tp1" {
		t.Fatalf("target after join: %s", got)
	}
	round1 := cs.Assign(members, topics)
	if got := fmtAssign(round1); got != "a: tp2 tp4; b: tp3 tp5; c:" {
		t.Fatalf("round 1 after join: %s", got)
	}
	if r := Revoked(first["a"], round1["a"]); !slices.Equal(r, []broker.TopicPartition{tp("t", 0)}) {
		t.Fatalf("a revokes %v, want [t[0]]", r)
	}

	// The follow-up rebalance, after a and b revoked: c gets them.
	members = []Member{
		own(mem("a", "t"), 2, round1["a"]...),
		own(mem("b", "t"), 2, round1["b"]...),
		own(mem("c", "t"), 2),
	}
	round2 := cs.Assign(members, topics)
	if got := fmtAssign(round2); got != "a: tp2 tp4; b: tp3 tp5; c: tp0 tp1" {
		t.Fatalf("round 2 after join: %s", got)
	}

	// b leaves: a and c keep everything; b's partitions go, highest
	// first, to whichever has fewer (a before c on a tie).
	members = []Member{
		own(mem("a", "t"), 3, round2["a"]...),
		own(mem("c", "t"), 3, round2["c"]...),
	}
	if got := fmtAssign(cs.Assign(members, topics)); got != "a: tp2 tp4 tp5; c: tp0 tp1 tp3" {
		t.Fatalf("after leave: %s", got)
	}
}

// TestCooperativeStickyClaims: claims are decided per partition; the
// newest generation wins, and a generation claiming a partition twice
// leaves it unowned.
func TestCooperativeStickyClaims(t *testing.T) {
	topics := map[string]int32{"t": 4}
	// old's claim to t[2] loses to new's newer one; its claims to t[0] and
	// t[1] stand, nobody else claiming them.
	members := []Member{
		own(mem("old", "t"), 1, tp("t", 0), tp("t", 1), tp("t", 2)),
		own(mem("new", "t"), 2, tp("t", 2), tp("t", 3)),
	}
	if got := fmtAssign(StickyTarget(members, topics)); got != "new: tp2 tp3; old: tp0 tp1" {
		t.Fatalf("target: %s", got)
	}
	// old still lists t[2], so nothing changes hands: new keeps t[2]
	// only once old has dropped it.
	if got := fmtAssign(CooperativeSticky().Assign(members, topics)); got != "new: tp3; old: tp0 tp1" {
		t.Fatalf("assign: %s", got)
	}
	// a and b both claim t[1] in generation 5: neither keeps it by right.
	// The unowned partitions go out highest first, each to the member
	// with fewer (a before b on a tie): t[3] to b, t[2] to a, t[1] to b.
	members = []Member{
		own(mem("a", "t"), 5, tp("t", 0), tp("t", 1)),
		own(mem("b", "t"), 5, tp("t", 1)),
	}
	if got := fmtAssign(StickyTarget(members, topics)); got != "a: tp0 tp2; b: tp1 tp3" {
		t.Fatalf("duplicate claim target: %s", got)
	}
	// Kafka's older rule ignored every claim below the group's newest
	// generation; librdkafka keeps y's, which nobody contests.
	members = []Member{
		own(mem("x", "t"), 7, tp("t", 0), tp("t", 1)),
		own(mem("y", "t"), 6, tp("t", 2), tp("t", 3)),
	}
	if got := fmtAssign(StickyTarget(members, topics)); got != "x: tp0 tp1; y: tp2 tp3" {
		t.Fatalf("older generation's claims: %s", got)
	}
}

// TestCooperativeStickyMemberOrder: ties between equally loaded members
// go by member id, whatever the JoinGroup order and whatever their
// group.instance.ids.
func TestCooperativeStickyMemberOrder(t *testing.T) {
	topics := map[string]int32{"t": 3}
	for _, members := range [][]Member{
		{{ID: "m1", InstanceID: "zz", Topics: []string{"t"}}, {ID: "m2", InstanceID: "aa", Topics: []string{"t"}}},
		{{ID: "m2", InstanceID: "aa", Topics: []string{"t"}}, {ID: "m1", InstanceID: "zz", Topics: []string{"t"}}},
	} {
		if got := fmtAssign(StickyTarget(members, topics)); got != "m1: tp0 tp2; m2: tp1" {
			t.Errorf("%v: %s", members, got)
		}
	}
}

// TestCooperativeStickyUnequalSubscriptions: with unequal subscriptions
// the partitions with the fewest possible owners go out first, each to the
// least loaded member that can take it: y to b and c, then x to a, a, c.
func TestCooperativeStickyUnequalSubscriptions(t *testing.T) {
	members := []Member{mem("a", "x"), mem("b", "x", "y"), mem("c", "x", "y")}
	topics := map[string]int32{"x": 3, "y": 3}
	if got := fmtAssign(StickyTarget(members, topics)); got != "a: xp0 xp1; b: yp0 yp2; c: xp2 yp1" {
		t.Fatalf("%s", got)
	}
}

func ExampleRange() {
	members := []Member{
		{ID: "C1", Topics: []string{"t0", "t1"}},
		{ID: "C0", Topics: []string{"t0", "t1"}},
	}
	topics := map[string]int32{"t0": 3, "t1": 3}
	out := Range().Assign(members, topics)
	fmt.Println("C0", out["C0"])
	fmt.Println("C1", out["C1"])
	out = RoundRobin().Assign(members, topics)
	fmt.Println("C0", out["C0"])
	fmt.Println("C1", out["C1"])
	// Output:
	// C0 [t0[0] t0[1] t1[0] t1[1]]
	// C1 [t0[2] t1[2]]
	// C0 [t0[0] t0[2] t1[1]]
	// C1 [t0[1] t1[0] t1[2]]
}

func ExampleCooperativeSticky() {
	topics := map[string]int32{"orders": 4}
	// a owns everything; b joins. a keeps two, and b's two are withheld
	// until a has revoked them.
	members := []Member{
		{ID: "a", Topics: []string{"orders"}, Generation: 1, Owned: []broker.TopicPartition{
			{Topic: "orders", Partition: 0}, {Topic: "orders", Partition: 1},
			{Topic: "orders", Partition: 2}, {Topic: "orders", Partition: 3}}},
		{ID: "b", Topics: []string{"orders"}, Generation: -1},
	}
	out := CooperativeSticky().Assign(members, topics)
	fmt.Println("a", out["a"], "revokes", Revoked(members[0].Owned, out["a"]))
	fmt.Println("b", out["b"])
	// Second round, after a revoked:
	members[0].Owned, members[0].Generation = out["a"], 2
	out = CooperativeSticky().Assign(members, topics)
	fmt.Println("a", out["a"])
	fmt.Println("b", out["b"])
	// Output:
	// a [orders[2] orders[3]] revokes [orders[0] orders[1]]
	// b []
	// a [orders[2] orders[3]]
	// b [orders[0] orders[1]]
}
