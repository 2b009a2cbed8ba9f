package group

import (
	"testing"
	"time"
)

// TestHoldTransitions: between HoldTransitions and the matching
// ReleaseTransitions (holds nest) the observers hear nothing; the last
// release tells them everything held, in order, and later transitions
// go straight to them again. A release without a hold does nothing.
func TestHoldTransitions(t *testing.T) {
	e := newEnv(t, map[string]int{"orders": 2}, Config{})
	a, b := e.member("a", "g", []string{"orders"}), e.member("b", "g", []string{"orders"})
	a.start()
	b.start()
	e.run(10 * time.Second)
	if len(e.log) == 0 {
		t.Fatal("no transitions while the group formed")
	}
	e.c.ReleaseTransitions() // (none held: nothing happens)
	before := len(e.log)
	e.c.HoldTransitions()
	e.c.HoldTransitions()
	if err := a.close(); err != nil {
		t.Fatal(err)
	}
	if len(e.log) != before {
		t.Fatalf("%d transitions reached the observers during a hold", len(e.log)-before)
	}
	e.c.ReleaseTransitions()
	if len(e.log) != before {
		t.Fatal("the inner release of two nested holds let the transitions through")
	}
	e.c.ReleaseTransitions()
	held := e.log[before:]
	if len(held) != 2 || held[0].MemberID != a.id || held[1].Kind != StateChanged || held[1].To != PreparingRebalance {
		t.Fatalf("the release did not deliver a's leave, then the rebalance it starts: %+v", held)
	}
	n := len(e.log)
	e.run(10 * time.Second) // b rejoins: transitions flow again
	if len(e.log) == n {
		t.Fatal("no transitions after the release")
	}
}
