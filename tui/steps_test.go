// The fixture runs through the model of scenarios.Steps: fates, explanations,
// checkpoints and lesson moments on hand-made timelines.

package tui

import (
	"strings"
	"testing"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/tui/internal/fixture"
)

func findStep(x *scenarios.Steps, k scenarios.Kind, actor string) int {
	for i := range x.R.Events() {
		if e := x.Event(i); e.Kind == k && (actor == "" || e.Actor == actor) {
			return i
		}
	}
	return -1
}

func TestFatesThroughAutoCommitLoss(t *testing.T) {
	x := scenarios.NewSteps(fixture.AutoCommitLoss())
	if got := x.R.Outcome.Counts.Lost; got != 1 {
		t.Fatalf("fixture lost = %d, want 1", got)
	}
	commit := findStep(x, scenarios.KindCommitOK, "c1")
	crash := findStep(x, scenarios.KindCrash, "c1")
	fate := func(i int, off int64) scenarios.Fate {
		st := x.At(i)
		return x.Fate(0, 0, off, i, st.Groups[0].Committed[0])
	}
	// Committed past while still being processed: at risk, not yet lost.
	if f := fate(commit, 1); f != scenarios.FateAtRisk {
		t.Errorf("offset 1 at the auto-commit: %v, want at risk", f)
	}
	if f := fate(commit-1, 1); f != scenarios.FateProcessing {
		t.Errorf("offset 1 before the auto-commit: %v, want processing", f)
	}
	if f := fate(commit, 0); f != scenarios.FateProcessed {
		t.Errorf("offset 0 at the auto-commit: %v, want processed", f)
	}
	if f := fate(crash, 1); f != scenarios.FateLost {
		t.Errorf("offset 1 after the crash: %v, want lost", f)
	}
	if f := fate(crash, 3); f != scenarios.FatePending {
		t.Errorf("offset 3 after the crash: %v, want pending", f)
	}
	if f := fate(-1, 0); f != scenarios.FateNone {
		t.Errorf("offset 0 before anything: %v, want none", f)
	}
	why := x.Explain(commit, ptr(x.At(commit-1)), ptr(x.At(commit)))
	if !strings.Contains(why, "auto-commit at T=5s committed offset 2 of orders[0] while offset 1 of orders[0] was still being processed") {
		t.Errorf("explain commit: %q", why)
	}
	why = x.Explain(crash, ptr(x.At(crash-1)), ptr(x.At(crash)))
	if !strings.Contains(why, "still processing offset 1") {
		t.Errorf("explain crash: %q", why)
	}
	st := x.At(crash)
	if g := st.Groups[0]; len(g.Members) != 1 || g.Members[0].Consumer != "c1" {
		t.Errorf("after crash the coordinator still lists c1: %+v", g.Members)
	}
}

func TestManualCommitDuplicates(t *testing.T) {
	x := scenarios.NewSteps(fixture.ManualCommit())
	end := x.Len() - 1
	st := x.At(end)
	if f := x.Fate(0, 0, 1, end, st.Groups[0].Committed[0]); f != scenarios.FateDuplicated {
		t.Errorf("offset 1 at end: %v, want duplicated", f)
	}
}

func TestStateAtMatchesIncremental(t *testing.T) {
	x := scenarios.NewSteps(fixture.Big(3000))
	st := x.At(-1)
	for i := 0; i < x.Len(); i++ {
		st.Apply(x, x.Event(i))
		if i%97 == 0 || i%scenarios.StepsCheckpointEvery == scenarios.StepsCheckpointEvery-1 {
			got := x.At(i)
			if got.Seq != st.Seq || got.LogEnd[2] != st.LogEnd[2] || got.Groups[0].Committed[1] != st.Groups[0].Committed[1] || got.Cons[2].Status != st.Cons[2].Status {
				t.Fatalf("step %d: StateAt differs from incremental replay", i)
			}
		}
	}
}

func TestMomentsAndNarration(t *testing.T) {
	x := scenarios.NewSteps(fixture.AutoCommitLoss())
	crash := findStep(x, scenarios.KindCrash, "c1")
	i := -1
	seen := false
	for {
		i = x.NextMoment(i)
		if i < 0 {
			break
		}
		if i == crash {
			seen = true
		}
	}
	if !seen {
		t.Error("the crash is not a lesson moment")
	}
	if p := x.PrevMoment(crash); p < 0 || p >= crash {
		t.Errorf("PrevMoment(crash) = %d", p)
	}
	text, _ := x.Narration(crash)
	if !strings.Contains(text, "dies in the middle") {
		t.Errorf("narration at crash = %q", text)
	}
}

func ptr[T any](v T) *T { return &v }

func BenchmarkIndex100k(b *testing.B) {
	r := fixture.Big(100_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		scenarios.NewSteps(r)
	}
}
