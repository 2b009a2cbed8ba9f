package scenarios

import (
	"strings"
	"testing"
)

// TestLeaveBeforeItsRebalance: in every built-in, a consumer's leave (its
// LeaveGroup) comes before the coordinator's reaction to it (the group's
// move to PreparingRebalance "... left the group"), not after: the
// coordinator answers inside the request, and the timeline shows cause
// before effect.
func TestLeaveBeforeItsRebalance(t *testing.T) {
	checked := 0
	for _, name := range Names() {
		evs := builtinRun(t, name).Events()
		left := map[string]int{} // member id → seq of its leave
		for i := range evs {
			e := &evs[i]
			switch {
			case e.Kind == KindLeave && e.Member != "":
				left[e.Member] = e.Seq
			case e.Kind == KindGroupState && strings.Contains(e.Cause, "left the group"):
				member, _, _ := strings.Cut(e.Cause, " left the group")
				if _, ok := left[member]; !ok {
					t.Errorf("%s: %s comes before the leave of %s", name, e, member)
				}
				checked++
			}
		}
	}
	if checked == 0 {
		t.Fatal("no built-in has a member leave its group: the test checks nothing")
	}
}
