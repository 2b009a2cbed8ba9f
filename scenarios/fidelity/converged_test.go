package fidelity

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios"
)

// A group of the consumer group protocol (KIP-848) is compared by where
// it converges for each membership, not by member epochs: the same
// membership reached through different reconciliation steps (the
// heartbeat phases of two runs) gives the same steps; classic groups are
// left as they are.
func TestConvergedAssignments(t *testing.T) {
	tp := func(p int32) scenarios.TP { return scenarios.TP{Topic: "t", Partition: p} }
	ev := func(actor string, k scenarios.Kind, epoch int32, parts ...scenarios.TP) scenarios.Event {
		return scenarios.Event{Actor: actor, Group: "n", Kind: k, Generation: epoch, Partitions: parts, Detail: "cooperative"}
	}
	// One run: n1 takes everything, gives half to n2; n3 joins and takes
	// one partition from each, one at a time; n1 crashes.
	a := []scenarios.Event{
		ev("n1", scenarios.KindStart, -1),
		ev("n1", scenarios.KindAssign, 1, tp(0), tp(1), tp(2), tp(3)),
		ev("n2", scenarios.KindStart, -1),
		ev("n1", scenarios.KindRevoke, 1, tp(2), tp(3)),
		ev("n1", scenarios.KindAssign, 1),
		ev("n2", scenarios.KindAssign, 2, tp(2), tp(3)),
		ev("n3", scenarios.KindStart, -1),
		ev("n1", scenarios.KindRevoke, 2, tp(1)),
		ev("n3", scenarios.KindAssign, 3, tp(1)),
		ev("n2", scenarios.KindRevoke, 2, tp(3)),
		ev("n3", scenarios.KindAssign, 3, tp(3)),
		ev("n1", scenarios.KindCrash, -1),
		ev("n2", scenarios.KindAssign, 4, tp(0)),
	}
	// The other: the same memberships, other steps and epochs (n2 joined
	// before n1 heard of it; n3 got both partitions at once; the crashed
	// member's partition went to n2 as well).
	b := []scenarios.Event{
		ev("n1", scenarios.KindStart, -1),
		ev("n1", scenarios.KindAssign, 5, tp(0), tp(1), tp(2), tp(3)),
		ev("n2", scenarios.KindStart, -1),
		ev("n1", scenarios.KindRevoke, 5, tp(0), tp(1)),
		ev("n2", scenarios.KindAssign, 6, tp(0), tp(1)),
		ev("n3", scenarios.KindStart, -1),
		ev("n1", scenarios.KindRevoke, 6, tp(2)),
		ev("n2", scenarios.KindRevoke, 6, tp(1)),
		ev("n3", scenarios.KindAssign, 7, tp(1), tp(2)),
		ev("n1", scenarios.KindCrash, -1),
		ev("n2", scenarios.KindAssign, 8, tp(3)),
	}
	groups := map[string]bool{"n": true}
	ga, gb := convergedAssignments(a, groups), convergedAssignments(b, groups)
	want := []GroupAssignments{{Group: "n", Cooperative: true, Steps: []Assignment{
		{"n1": {"4 partitions", "0 kept"}},
		{"n1": {"2 partitions", "2 kept"}, "n2": {"2 partitions", "0 kept"}},
		{"n1": {"1 partitions", "1 kept"}, "n2": {"1 partitions", "1 kept"}, "n3": {"2 partitions", "0 kept"}},
		{"n2": {"2 partitions", "1 kept"}, "n3": {"2 partitions", "2 kept"}},
	}}}
	if d := cmp.Diff(want, countCooperative(ga)); d != "" {
		t.Errorf("run a (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want, countCooperative(gb)); d != "" {
		t.Errorf("run b (-want +got):\n%s", d)
	}
	if d := cmp.Diff(assignments(a), assignments(b)); d == "" {
		t.Error("the per-generation view cannot tell the runs apart either: the test shows nothing")
	}

	s := &scenarios.Scenario{Consumers: []scenarios.Consumer{
		{ID: "n1", Group: "n", Config: client.ConfigMap{"group.protocol": "consumer"}},
		{ID: "e1", Group: "e", Config: client.ConfigMap{}},
	}}
	if g := consumerProtocolGroups(s); len(g) != 1 || !g["n"] {
		t.Errorf("consumer protocol groups %v, want n", g)
	}
	v := View{Assignments: []GroupAssignments{{Group: "e", Steps: []Assignment{{"e1": {"t[0]"}}}}, {Group: "n", Steps: []Assignment{{"x": {"t[9]"}}}}}}
	r := &scenarios.Result{}
	r.SetEvents(a)
	convergeConsumerGroups(s, &v, r)
	if len(v.Assignments) != 2 || v.Assignments[0].Group != "e" || len(v.Assignments[1].Steps) != 4 {
		t.Errorf("converged view %+v", v.Assignments)
	}
}
