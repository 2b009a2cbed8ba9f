package pages

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/tui/common"
	"github.com/kafkasim/kafkasim/tui/components"
	"github.com/kafkasim/kafkasim/tui/internal/fixture"
)

func TestPlaybackTicksStopAtPauseAndEnd(t *testing.T) {
	r := fixture.AutoCommitLoss()
	// A teaching breakpoint at step 3.
	r.Events()[3].Kind = scenarios.KindPause
	c := common.New()
	c.Width, c.Height = 80, 24
	w := NewWalk(c, "t", r)
	w, cmd := w.Update(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
	if !w.Playing() || cmd == nil {
		t.Fatal("space did not start playback")
	}
	id := w.playID
	for i := 0; i < 10 && w.Playing(); i++ {
		w, _ = w.Update(tickMsg{id})
	}
	if w.Playing() || w.Step() != 3 {
		t.Fatalf("playback should stop at the pause (step 3), at %d playing=%v", w.Step(), w.Playing())
	}
	// A stale tick from an earlier play session does nothing.
	w, _ = w.Update(tickMsg{id - 1})
	if w.Step() != 3 {
		t.Fatal("stale tick moved the walkthrough")
	}
	w, _ = w.Update(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
	for i := 0; i < 1000 && w.Playing(); i++ {
		w, _ = w.Update(tickMsg{w.playID})
	}
	if !w.AtEnd() || w.Playing() {
		t.Fatalf("playback should run to the end and stop: step %d", w.Step())
	}
	// + and - change speed within bounds.
	for range 20 {
		w, _ = w.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'+'}})
	}
	if w.speed != len(speeds)-1 {
		t.Fatalf("speed = %d", w.speed)
	}
}

func TestVariantAndSandboxScenario(t *testing.T) {
	s, err := scenarios.Builtin("auto-commit-loss")
	if err != nil {
		t.Fatal(err)
	}
	m := Variant(s, StrategyManual)
	if m.Consumers[0].Processing.Commit != StrategyManual || m.Consumers[0].Config["enable.auto.commit"] != false {
		t.Fatalf("manual variant: %+v", m.Consumers[0])
	}
	if s.Consumers[0].Processing.Commit != scenarios.StrategyAuto {
		t.Fatal("Variant changed the original scenario")
	}
	sb := SandboxScenario(s)
	for _, a := range sb.Script {
		if a.Do != scenarios.DoStart && a.Do != scenarios.DoProduce {
			t.Fatalf("sandbox kept fault %q", a.Do)
		}
	}
}

// Every right-hand run of compare mode runs on every built-in, and does
// what its label says.
func TestCompareVariantsRunEverywhere(t *testing.T) {
	for _, name := range scenarios.Names() {
		s, err := scenarios.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, cv := range CompareVariants {
			v := cv.Apply(s)
			if v.Expect != nil || v == s {
				t.Errorf("%s / %s: expectations kept or scenario shared", name, cv.Label)
			}
			for _, c := range v.Consumers {
				p := c.Processing
				if cv.Strategy != "" && (p.Commit != cv.Strategy || p.Async != cv.Async || (cv.Idempotent && !p.Idempotent)) {
					t.Errorf("%s / %s: consumer %s has %+v", name, cv.Label, c.ID, p)
				}
			}
			r, err := scenarios.Run(v, scenarios.Options{})
			if err != nil {
				t.Fatalf("%s / %s: %v", name, cv.Label, err)
			}
			if cv.Strategy == scenarios.StrategyStoreAfter && r.Outcome.Counts.Lost > 0 && name == "auto-commit-loss" {
				t.Errorf("%s / %s: store after processing lost %d", name, cv.Label, r.Outcome.Counts.Lost)
			}
		}
	}
}

// TestZoomNarrowsTheLanes: i narrows the swimlanes' window around the
// current time (the time axis no longer starts at 0s and its marks are
// closer together), o widens it back, and zooming never goes past its
// bounds.
func TestZoomNarrowsTheLanes(t *testing.T) {
	r := fixture.AutoCommitLoss()
	c := common.New()
	c.Width, c.Height = 80, 24
	w := NewWalk(c, "t", r)
	w.SetStep(len(r.Events()) * 2 / 3)
	axis := func() string {
		for _, l := range strings.Split(w.View(), "\n") {
			if strings.HasPrefix(strings.TrimSpace(ansi.Strip(l)), "t ") {
				return strings.Fields(ansi.Strip(l))[1]
			}
		}
		t.Fatal("no time axis in the view")
		return ""
	}
	key := func(s string) { w, _ = w.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}) }
	if got := axis(); got != "0s" {
		t.Fatalf("whole run: axis starts at %q, want 0s", got)
	}
	for range components.MaxZoom + 2 {
		key("i")
	}
	if w.zoom != components.MaxZoom {
		t.Fatalf("zoom %d after many i, want %d", w.zoom, components.MaxZoom)
	}
	if got := axis(); got == "0s" {
		t.Fatalf("zoomed in at step %d: the axis still starts at 0s", w.Step())
	}
	for range components.MaxZoom + 2 {
		key("o")
	}
	if got := axis(); w.zoom != 0 || got != "0s" {
		t.Fatalf("zoomed back out: zoom %d, axis starts at %q", w.zoom, got)
	}
}

// TestLanesBeforePartitionsOnSmallScreens: at 80x24, a scenario with six
// partitions and six consumers in two groups still shows every swimlane;
// the partitions fold to fewer lines each instead.
func TestLanesBeforePartitionsOnSmallScreens(t *testing.T) {
	s, err := scenarios.Builtin("eager-vs-cooperative")
	if err != nil {
		t.Fatal(err)
	}
	r, err := scenarios.Run(s, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := common.New()
	c.Width, c.Height = 80, 24
	w := NewWalk(c, s.Name, r)
	w.SetStep(len(r.Events()) / 2)
	view := ansi.Strip(w.View())
	for _, cs := range s.Consumers {
		if !strings.Contains(view, " "+cs.ID+" ") && !strings.Contains(view, ">"+cs.ID+" ") {
			t.Errorf("no swimlane for %s:\n%s", cs.ID, view)
		}
	}
}

// t switches playback to virtual time: each tick moves the same stretch
// of virtual time (1/10 s of wall time at ×1: 100 ms), whatever the
// number of events in it; + goes faster.
func TestPlayByVirtualTime(t *testing.T) {
	s, err := scenarios.Builtin("auto-commit-loss")
	if err != nil {
		t.Fatal(err)
	}
	r, err := scenarios.Run(s, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := common.New()
	c.Width, c.Height = 80, 24
	w := NewWalk(c, "t", r)
	w, _ = w.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'t'}})
	if !w.ByTime() {
		t.Fatal("t did not switch to playback by time")
	}
	w, cmd := w.Update(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
	if cmd == nil || !w.Playing() {
		t.Fatal("space did not start playback")
	}
	for range 100 {
		w, _ = w.Update(tickMsg{w.playID})
	}
	// 100 ticks of 100 ms: the last event at or before 10 s.
	if got, want := w.Time(), w.X.Event(w.X.StepAtTime(10*time.Second)).At; got != want {
		t.Errorf("after 100 ticks at ×1 the time is %s, want %s", got, want)
	}
	if !strings.Contains(w.View(), "×1 time") {
		t.Errorf("the title does not say playback is by time:\n%s", w.View())
	}
	w, _ = w.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'+'}})
	before := w.playAt
	w, _ = w.Update(tickMsg{w.playID})
	if d := w.playAt - before; d != 200*time.Millisecond {
		t.Errorf("a tick at ×2 moved %s, want 200ms", d)
	}
}
