package replay_test

import (
	"fmt"
	"testing"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/tui/replay"
)

// The TUI's indexed replay and scenarios.Result.SnapshotAt reconstruct the
// state at a step independently; on every built-in, at many steps, they must
// tell the same story: log ends, group state, generation and committed
// offsets, and each consumer's status, assignment and counters.
func TestStateAgreesWithScenarioSnapshots(t *testing.T) {
	for _, name := range scenarios.Names() {
		s, err := scenarios.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		r, err := scenarios.Run(s, scenarios.Options{})
		if err != nil {
			t.Fatal(err)
		}
		x := replay.New(r)
		n := len(r.Events())
		for _, i := range []int{0, n / 4, n / 2, 3 * n / 4, n - 1} {
			if d := diffState(x, r, i); d != "" {
				t.Errorf("%s step %d: %s", name, i, d)
			}
		}
	}
}

func diffState(x *replay.Index, r *scenarios.Result, i int) string {
	snap := r.SnapshotAt(i)
	st := x.StateAt(i)
	for _, p := range snap.Partitions {
		if got := st.LogEnd[x.PartIndex(scenarios.TP{Topic: p.Topic, Partition: p.Partition})]; got != p.LogEnd {
			return fmt.Sprintf("%s[%d] log end %d, snapshot %d", p.Topic, p.Partition, got, p.LogEnd)
		}
	}
	for _, g := range snap.Groups {
		gi := x.GroupIndex(g.Group)
		if gi < 0 {
			continue // a group the TUI does not follow (no consumer events)
		}
		gs := st.Groups[gi]
		if gs.State != g.State || gs.Generation != g.Generation {
			return fmt.Sprintf("group %s %s gen %d, snapshot %s gen %d", g.Group, gs.State, gs.Generation, g.State, g.Generation)
		}
		for _, c := range g.Committed {
			if got := gs.Committed[x.PartIndex(scenarios.TP{Topic: c.Topic, Partition: c.Partition})]; got != c.Offset {
				return fmt.Sprintf("group %s committed %s[%d] %d, snapshot %d", g.Group, c.Topic, c.Partition, got, c.Offset)
			}
		}
	}
	for _, c := range snap.Consumers {
		ci := x.ConsumerIndex(c.ID)
		if ci < 0 {
			return "consumer " + c.ID + " unknown to the index"
		}
		cs := st.Cons[ci]
		status := cs.Status
		if status == replay.StatusClosing {
			status = replay.StatusRunning // the snapshot has no closing status
		}
		if status != c.Status || cs.Delivered != c.Delivered || cs.Effects != c.Effects {
			return fmt.Sprintf("consumer %s %s delivered %d effects %d, snapshot %s %d %d", c.ID, cs.Status, cs.Delivered, cs.Effects, c.Status, c.Delivered, c.Effects)
		}
		owned := 0
		for _, a := range cs.Assigned {
			if a {
				owned++
			}
		}
		if owned != len(c.Assigned) {
			return fmt.Sprintf("consumer %s owns %d partitions, snapshot %v", c.ID, owned, c.Assigned)
		}
		for _, tp := range c.Assigned {
			if !cs.Assigned[x.PartIndex(tp)] {
				return fmt.Sprintf("consumer %s does not own %s, snapshot %v", c.ID, tp, c.Assigned)
			}
		}
	}
	return ""
}
