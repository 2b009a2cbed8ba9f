package scenarios

import (
	"strings"
	"testing"
)

// A consumer group of the consumer protocol (KIP-848) on the simulator:
// the timeline shows the group epoch rising, the target assignment and
// each member's reconciliation (its epoch, what it owns, what it is
// still revoking), with members named by client id, and a join with no
// leader; describe --at reads the members' assignments from it.
func TestConsumerProtocolTimeline(t *testing.T) {
	s, err := Parse("kip848.yaml", []byte(`
name: kip848
duration: 30s
topics: [{name: t, partitions: 2}]
consumers:
  - {id: a, group: g, topics: [t], config: {group.protocol: consumer}}
  - {id: b, group: g, topics: [t], start: 7s, config: {group.protocol: consumer}}
`))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for i := range r.Events() {
		e := &r.Events()[i]
		if e.Actor == "group:g" || e.Kind == KindJoin || e.Kind == KindAssign || e.Kind == KindRevoke {
			lines = append(lines, EventString(e))
		}
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{
		"T=0s group:g group_event: group epoch 1 — a(",
		"T=0s a join gen=1: no leader, consumer",
		"T=7s group:g group_event: group epoch 2 — b(",
		") joined",
		"T=7s group:g group_state Reconciling gen=2: Stable → Reconciling",
		"group_event: target: t[1] a(",
		"T=7s group:g group_event: reconcile: b(",
		") at member epoch 2 owns nothing",
		"T=10s group:g group_event [t[0]]: reconcile: owned by a(",
		") at member epoch 1, which must still revoke t[1]",
		"T=10s a revoke [t[1]]: cooperative",
		") at member epoch 2 —",
		"T=12s group:g group_event [t[1]]: reconcile: owned by b(",
		"T=12s b assign [t[1]]: cooperative",
		"group_state Stable gen=2: Reconciling → Stable",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("timeline lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "follower") || strings.Contains(got, "moved:") {
		t.Errorf("classic words in a consumer group's timeline:\n%s", got)
	}
	x := NewSteps(r)
	for at, want := range map[string]string{"8s": "Reconciling", "11s": "Reconciling", "13s": "Stable"} {
		d, _ := ParseDuration(at)
		desc := x.DescribeAt("g", d)
		if desc.State.String() != want || len(desc.Members) != 2 {
			t.Errorf("at %s: %s with %d members, want %s with 2", at, desc.State, len(desc.Members), want)
		}
		owned := 0
		for _, m := range desc.Members {
			owned += len(m.Assignment)
		}
		if wantOwned := map[string]int{"8s": 2, "11s": 1, "13s": 2}[at]; owned != wantOwned {
			t.Errorf("at %s: %d partitions assigned, want %d (pending revocations are not shown)", at, owned, wantOwned)
		}
	}
	// The narration panel explains the reconciliation steps, and member
	// ids (bare UUIDs) are shortened as classic ones are.
	var explained bool
	for i := range x.Len() {
		e := x.Event(i)
		if e.Kind == KindGroupEvent && strings.HasPrefix(e.Detail, reconcilePrefix) {
			before, after := x.At(i-1), x.At(i)
			if got := x.Explain(i, &before, &after); !strings.Contains(got, "one step towards the target assignment") {
				t.Errorf("Explain(%s) = %q", EventString(e), got)
			}
			explained = true
			if id := e.Member; ShortMember(id) != id[:6] {
				t.Errorf("ShortMember(%q) = %q", id, ShortMember(id))
			}
		}
	}
	if !explained {
		t.Error("no reconciliation step")
	}
	if got := ShortMember("5oL2szPYD-i-9N8d0ts3bQ=="); got != "5oL2sz" {
		t.Errorf("ShortMember of kgo's padded id = %q", got)
	}
}
