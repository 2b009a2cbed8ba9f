package group

import (
	"errors"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/internal/kerr"
)

// TestPendingMemberWaitsOutAnOutage: a dynamic member that got its id
// (MEMBER_ID_REQUIRED) and never joined again holds the rebalance up to
// its session timeout (KIP-394). While the broker is down that timer does
// nothing, as every other timer of the coordinator: the group does not
// move to a new generation during an outage. The property suite found it
// with JoinGroup answers that take time (internal/testhook's Latency: a
// consumer that crashes between the two joins), where a generation formed
// during an outage made the rebalance timeout of the members that could
// not sync look 20 s late.
func TestPendingMemberWaitsOutAnOutage(t *testing.T) {
	e := newEnv(t, map[string]int{"t": 1}, Config{InitialRebalanceDelay: -1})
	ps := []Protocol{{Name: "range", Subscription: Subscription{Topics: []string{"t"}, Generation: -1}}}
	var first JoinResponse
	e.c.Join(JoinRequest{Group: "g", ClientID: "p", SessionTimeout: 10 * time.Second, RebalanceTimeout: 20 * time.Second, Protocols: ps},
		func(r JoinResponse) { first = r })
	e.settle()
	if !errors.Is(first.Err, kerr.MemberIDRequired) {
		t.Fatalf("first join: %v, want MEMBER_ID_REQUIRED", first.Err)
	}
	// p never joins again (it crashed); a joins and waits for it.
	a := e.member("a", "g", []string{"t"})
	a.session, a.rebalance = 10*time.Second, 20*time.Second
	a.start()
	e.run(time.Second)
	if s := e.c.Describe("g").State; s != PreparingRebalance {
		t.Fatalf("state %s, want PreparingRebalance (waiting for the pending member)", s)
	}
	e.b.SetAvailable(false)
	e.run(30 * time.Second) // p's session (10 s) runs out while the broker is down
	if d := e.c.Describe("g"); d.State != PreparingRebalance || d.Generation != 0 {
		t.Fatalf("during the outage the group moved to %s, generation %d", d.State, d.Generation)
	}
	e.b.SetAvailable(true)
	e.run(15 * time.Second)
	if d := e.c.Describe("g"); d.State != Stable || d.Generation != 1 || len(d.Members) != 1 {
		t.Fatalf("after the outage: %s, generation %d, %d members; want Stable, 1, 1", d.State, d.Generation, len(d.Members))
	}
}
