package scenarios

import (
	"strings"
	"testing"
)

// A consumer group of the consumer protocol (KIP-848) on the simulator:
// the timeline shows the group epoch rising, the target assignment and
// each member's reconciliation (its epoch, what it owns, what it is
// still revoking), with members named by client id, and a join with no
// leader.
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
		" at epoch 1 owns t[0]; revoking t[1]",
		"T=10s a revoke [t[1]]: cooperative",
		" at epoch 2 owns t[0] —",
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
}
