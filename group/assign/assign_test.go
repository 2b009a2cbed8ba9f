package assign

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kafkasim/kafkasim/broker"
	"pgregory.net/rapid"
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

func TestCooperativeSticky(t *testing.T) {
	cs := CooperativeSticky()
	topics := map[string]int32{"t": 6}

	// A fresh group: balanced like a range of one topic.
	first := cs.Assign([]Member{mem("a", "t"), mem("b", "t")}, topics)
	if got := fmtAssign(first); got != "a: tp0 tp1 tp2; b: tp3 tp4 tp5" {
		t.Fatalf("fresh: %s", got)
	}

	// c joins: a and b keep two of their three each, c's share is
	// withheld this round because a and b still own it.
	members := []Member{
		own(mem("a", "t"), 1, first["a"]...),
		own(mem("b", "t"), 1, first["b"]...),
		mem("c", "t"),
	}
	target := StickyTarget(members, topics)
	if got := fmtAssign(target); got != "a: tp0 tp1; b: tp3 tp4; c: tp2 tp5" {
		t.Fatalf("target after join: %s", got)
	}
	round1 := cs.Assign(members, topics)
	if got := fmtAssign(round1); got != "a: tp0 tp1; b: tp3 tp4; c:" {
		t.Fatalf("round 1 after join: %s", got)
	}
	if r := Revoked(first["a"], round1["a"]); !slices.Equal(r, []broker.TopicPartition{tp("t", 2)}) {
		t.Fatalf("a revokes %v, want [t[2]]", r)
	}

	// The follow-up rebalance, after a and b revoked: c gets them.
	members = []Member{
		own(mem("a", "t"), 2, round1["a"]...),
		own(mem("b", "t"), 2, round1["b"]...),
		own(mem("c", "t"), 2),
	}
	round2 := cs.Assign(members, topics)
	if got := fmtAssign(round2); got != "a: tp0 tp1; b: tp3 tp4; c: tp2 tp5" {
		t.Fatalf("round 2 after join: %s", got)
	}

	// b leaves: a and c keep everything and share b's partitions; nothing
	// is owned by anyone else, so nothing is withheld.
	members = []Member{
		own(mem("a", "t"), 3, round2["a"]...),
		own(mem("c", "t"), 3, round2["c"]...),
	}
	if got := fmtAssign(cs.Assign(members, topics)); got != "a: tp0 tp1 tp3; c: tp2 tp4 tp5" {
		t.Fatalf("after leave: %s", got)
	}
}

func TestCooperativeStickyClaims(t *testing.T) {
	topics := map[string]int32{"t": 4}
	// A member of an older generation claims partitions a newer member
	// owns: only the newest generation's claims count.
	members := []Member{
		own(mem("old", "t"), 1, tp("t", 0), tp("t", 1), tp("t", 2)),
		own(mem("new", "t"), 2, tp("t", 2), tp("t", 3)),
	}
	target := StickyTarget(members, topics)
	if got := fmtAssign(target); got != "new: tp2 tp3; old: tp0 tp1" {
		t.Fatalf("target: %s", got)
	}
	// old still claims t[2] in its Owned list, and new is assigned t[2]:
	// no conflict there; old is assigned t[0] t[1], which it owns.
	if got := fmtAssign(CooperativeSticky().Assign(members, topics)); got != "new: tp3; old: tp0 tp1" {
		t.Fatalf("assign: %s", got)
	}
	// Two members claiming one partition in the same generation: neither
	// keeps it by right.
	members = []Member{
		own(mem("a", "t"), 5, tp("t", 0), tp("t", 1)),
		own(mem("b", "t"), 5, tp("t", 1)),
	}
	if got := fmtAssign(StickyTarget(members, topics)); got != "a: tp0 tp1; b: tp2 tp3" {
		t.Fatalf("duplicate claim target: %s", got)
	}
}

func TestCooperativeStickyGeneralBalance(t *testing.T) {
	// Different subscriptions: x only for a; x and y for b and c.
	members := []Member{mem("a", "x"), mem("b", "x", "y"), mem("c", "x", "y")}
	topics := map[string]int32{"x": 3, "y": 3}
	out := CooperativeSticky().Assign(members, topics)
	n := 0
	for _, id := range []string{"a", "b", "c"} {
		if len(out[id]) != 2 {
			t.Fatalf("unbalanced: %s", fmtAssign(out))
		}
		n += len(out[id])
	}
	for _, tp := range out["a"] {
		if tp.Topic != "x" {
			t.Fatalf("a got a topic it does not subscribe to: %s", fmtAssign(out))
		}
	}
}

// TestCooperativeStickyProperty runs random membership changes through
// the two-phase cooperative protocol and checks, every round: revoked
// partitions are exactly the ones moving to another member (or gone); a
// partition revoked this round is never assigned to a new owner in the
// same round; no partition has two owners; and once settled, owned
// counts differ by at most one (single topic) and every partition is owned.
func TestCooperativeStickyProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		parts := rapid.Int32Range(1, 24).Draw(t, "partitions")
		topics := map[string]int32{"t": parts}
		owned := map[string][]broker.TopicPartition{}
		next := 0
		gen := int32(0)
		steps := rapid.IntRange(1, 12).Draw(t, "steps")
		for range steps {
			// Membership change.
			ids := sortedIDs(owned)
			switch {
			case len(ids) == 0 || rapid.Bool().Draw(t, "join"):
				owned[fmt.Sprintf("m%02d", next)] = nil
				next++
			default:
				delete(owned, ids[rapid.IntRange(0, len(ids)-1).Draw(t, "leaver")])
			}
			// Rebalance rounds until nothing is revoked.
			for round := 0; ; round++ {
				if round > 3 {
					t.Fatalf("did not settle in 3 rounds")
				}
				gen++
				var members []Member
				for _, id := range sortedIDs(owned) {
					members = append(members, Member{ID: id, Topics: []string{"t"}, Owned: owned[id], Generation: gen - 1})
				}
				target := StickyTarget(members, topics)
				got := CooperativeSticky().Assign(members, topics)
				revokedAny := false
				for _, id := range sortedIDs(owned) {
					for _, r := range Revoked(owned[id], got[id]) {
						revokedAny = true
						// It moves: the target gives it to someone else.
						if slices.Contains(target[id], r) {
							t.Fatalf("%s revokes %v but the target keeps it there", id, r)
						}
						// It is not handed to a new owner in this round.
						for other, tps := range got {
							if other != id && slices.Contains(tps, r) {
								t.Fatalf("%v revoked from %s and given to %s in the same round", r, id, other)
							}
						}
					}
				}
				// No partition has two owners after this round's revocations.
				seen := map[broker.TopicPartition]string{}
				for _, id := range sortedIDs(owned) {
					for _, tp := range got[id] {
						if o, dup := seen[tp]; dup {
							t.Fatalf("%v owned by %s and %s", tp, o, id)
						}
						seen[tp] = id
					}
					owned[id] = got[id]
				}
				if !revokedAny {
					break
				}
			}
			// Settled: balanced, everything owned.
			if len(owned) == 0 {
				continue
			}
			total, lo, hi := 0, int(parts), 0
			for _, id := range sortedIDs(owned) {
				n := len(owned[id])
				total += n
				lo, hi = min(lo, n), max(hi, n)
			}
			if total != int(parts) {
				t.Fatalf("settled with %d of %d partitions owned: %v", total, parts, owned)
			}
			if hi-lo > 1 {
				t.Fatalf("settled unbalanced (%d..%d): %v", lo, hi, owned)
			}
		}
	})
}

func sortedIDs(m map[string][]broker.TopicPartition) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
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
	// a [orders[0] orders[1]] revokes [orders[2] orders[3]]
	// b []
	// a [orders[0] orders[1]]
	// b [orders[2] orders[3]]
}
