package tui

import (
	"os"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/tui/internal/fixture"
	"github.com/kafkasim/kafkasim/tui/pages"
	"time"
)

func TestMain(m *testing.M) {
	// Goldens and string checks are about text, not colour escapes.
	lipgloss.SetColorProfile(termenv.Ascii)
	os.Exit(m.Run())
}

// fixtureRunner returns the hand-made runs, so screens do not drift when
// the simulator's timing changes: the auto-commit variant (and the
// scenario as written) is AutoCommitLoss, the manual one ManualCommit.
func fixtureRunner(s *scenarios.Scenario, _ uint64, _ bool, _ time.Duration) (*scenarios.Result, error) {
	if len(s.Consumers) > 0 && s.Consumers[0].Processing.Commit == pages.StrategyManual {
		return fixture.ManualCommit(), nil
	}
	return fixture.AutoCommitLoss(), nil
}

// drive sends msg and runs the commands it returns (and theirs),
// synchronously; playback ticks are not run.
func drive(t *testing.T, m *Model, msgs ...tea.Msg) {
	t.Helper()
	for _, msg := range msgs {
		queue := []tea.Msg{msg}
		for len(queue) > 0 {
			_, cmd := m.Update(queue[0])
			queue = queue[1:]
			if cmd == nil {
				continue
			}
			done := make(chan tea.Msg, 1)
			go func() { done <- cmd() }()
			select {
			case out := <-done:
				if out != nil {
					if _, quit := out.(tea.QuitMsg); !quit {
						queue = append(queue, out)
					}
				}
			case <-time.After(200 * time.Millisecond):
				// a playback tick: not followed here
			}
		}
	}
}

func keys(s ...string) []tea.Msg {
	var out []tea.Msg
	for _, k := range s {
		switch k {
		case "right":
			out = append(out, tea.KeyMsg{Type: tea.KeyRight})
		case "left":
			out = append(out, tea.KeyMsg{Type: tea.KeyLeft})
		case "shift+right":
			out = append(out, tea.KeyMsg{Type: tea.KeyShiftRight})
		case "shift+left":
			out = append(out, tea.KeyMsg{Type: tea.KeyShiftLeft})
		case "end":
			out = append(out, tea.KeyMsg{Type: tea.KeyEnd})
		case "home":
			out = append(out, tea.KeyMsg{Type: tea.KeyHome})
		case "enter":
			out = append(out, tea.KeyMsg{Type: tea.KeyEnter})
		case "esc":
			out = append(out, tea.KeyMsg{Type: tea.KeyEsc})
		case "tab":
			out = append(out, tea.KeyMsg{Type: tea.KeyTab})
		case "space":
			out = append(out, tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
		case "down":
			out = append(out, tea.KeyMsg{Type: tea.KeyDown})
		case "backspace":
			out = append(out, tea.KeyMsg{Type: tea.KeyBackspace})
		default:
			for _, r := range k {
				out = append(out, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
			}
		}
	}
	return out
}

func size(w, h int) tea.Msg { return tea.WindowSizeMsg{Width: w, Height: h} }

func open(t *testing.T, opts Options, w, h int) *Model {
	t.Helper()
	m := New(opts)
	drive(t, m, size(w, h))
	if cmd := m.Init(); cmd != nil {
		drive(t, m, cmd())
	}
	return m
}

func checkFrame(t *testing.T, v string, w, h int) {
	t.Helper()
	if w <= 0 || h <= 0 {
		if v != "" {
			t.Fatalf("%dx%d: want an empty frame", w, h)
		}
		return
	}
	ls := strings.Split(v, "\n")
	if len(ls) != h {
		t.Fatalf("%dx%d: frame has %d lines", w, h, len(ls))
	}
	for i, l := range ls {
		if n := ansi.StringWidth(l); n > w {
			t.Fatalf("%dx%d: line %d is %d wide: %q", w, h, i, n, l)
		}
	}
}

func TestPickerFilterAndOpen(t *testing.T) {
	m := open(t, Options{Runner: fixtureRunner}, 80, 24)
	v := m.View()
	for _, name := range scenarios.Names()[:3] {
		if !strings.Contains(v, name) {
			t.Errorf("picker does not list %s", name)
		}
	}
	drive(t, m, keys("manual-commit-dup")...)
	v = m.View()
	if !strings.Contains(v, "manual-commit-duplicates") || strings.Contains(v, "auto-commit-loss") {
		t.Fatalf("filter 'manual' shows:\n%s", v)
	}
	drive(t, m, keys("q")...) // typing: q goes to the filter, not quit
	if m.picker.Filter() != "manual-commit-dupq" {
		t.Fatalf("filter = %q", m.picker.Filter())
	}
	drive(t, m, keys("backspace", "enter")...)
	if m.top() != screenWalk || m.walk.Title != "manual-commit-duplicates" {
		t.Fatalf("enter did not open the walkthrough: screen %d %q", m.top(), m.walk.Title)
	}
	drive(t, m, keys("esc")...)
	if m.top() != screenPicker {
		t.Fatal("esc did not go back to the picker")
	}
}

func TestPickerOpensFileAndReportsBadFile(t *testing.T) {
	m := open(t, Options{Runner: fixtureRunner}, 80, 24)
	drive(t, m, tea.KeyMsg{Type: tea.KeyCtrlO})
	drive(t, m, keys("/nonexistent/x.yaml", "enter")...)
	if m.top() != screenPicker || !strings.Contains(m.View(), "not found") {
		t.Fatalf("a missing file should leave the picker with an error:\n%s", m.View())
	}
	dir := t.TempDir()
	data, err := scenarios.LibraryFS().(interface{ ReadFile(string) ([]byte, error) }).ReadFile("auto-commit-loss.yaml")
	if err != nil {
		t.Skip("library FS has no ReadFile:", err)
	}
	f := dir + "/mine.yaml"
	if err := os.WriteFile(f, data, 0o644); err != nil {
		t.Fatal(err)
	}
	drive(t, m, tea.KeyMsg{Type: tea.KeyCtrlO})
	drive(t, m, keys(f, "enter")...)
	if m.top() != screenWalk {
		t.Fatalf("opening %s failed:\n%s", f, m.View())
	}
}

// The acceptance walk, on the real simulator: open
// auto-commit-loss, step to the crash, read the narration, see the lost
// message flagged, open compare mode, start the sandbox and crash a
// consumer.
func TestAutoCommitLossWalkthrough(t *testing.T) {
	m := open(t, Options{Scenario: "auto-commit-loss"}, 80, 24)
	if m.top() != screenWalk {
		t.Fatalf("not on the walkthrough: %s", m.View())
	}
	for i := 0; i < 200 && m.walk.Step() < m.walk.X.Len()-1; i++ {
		drive(t, m, keys("shift+right")...)
		if e := m.walk.X.Event(m.walk.Step()); e.Kind == scenarios.KindCrash {
			break
		}
	}
	v := m.View()
	if !strings.Contains(v, "c1 crashed: no commit, no LeaveGroup") || !strings.Contains(v, "still processing offset 0") {
		t.Fatalf("crash step does not explain itself:\n%s", v)
	}
	if !strings.Contains(v, " X  . ") {
		t.Errorf("offset 0 is not marked lost (X) after the crash:\n%s", v)
	}
	drive(t, m, keys("end")...)
	v = m.View()
	if !strings.Contains(v, "LOST 1") || !strings.Contains(v, "LOST orders[0]@0") {
		t.Errorf("outcome at the end does not flag the loss:\n%s", v)
	}
	drive(t, m, keys("c")...)
	if m.top() != screenCompare {
		t.Fatalf("c did not open compare mode:\n%s", m.View())
	}
	drive(t, m, keys("end")...)
	v = m.View()
	if !strings.Contains(v, "auto-commit (librdkafka timer): LOST 1") || !strings.Contains(v, "manual commit after processing: LOST 0") {
		t.Errorf("compare does not show the difference:\n%s", v)
	}
	drive(t, m, keys("esc", "s")...)
	if m.top() != screenSandbox {
		t.Fatalf("s did not open the sandbox:\n%s", m.View())
	}
	before := m.sandbox.Walk.X.Len()
	drive(t, m, keys("x")...)
	v = m.View()
	if !strings.Contains(v, "crash c1 @5s") || m.sandbox.Walk.X.Len() <= before {
		t.Errorf("sandbox crash did not grow the timeline:\n%s", v)
	}
	drive(t, m, keys("r", "p", "b", "right", "b", "z")...)
	if got := len(m.sandbox.Actions()); got != 6 {
		t.Errorf("sandbox actions = %d (%s), want 6", got, m.sandbox.Log())
	}
	drive(t, m, keys("esc", "esc")...)
	if m.top() != screenPicker {
		t.Errorf("esc esc should reach the picker, at %d", m.top())
	}
}

// v in compare mode goes through the right-hand runs, keeping the time
// and the left-hand run; the ? screen lists it.
func TestCompareSwitchesRightHandRun(t *testing.T) {
	m := open(t, Options{Scenario: "auto-commit-loss"}, 80, 24)
	drive(t, m, keys("c")...)
	if m.top() != screenCompare {
		t.Fatalf("c did not open compare mode:\n%s", m.View())
	}
	drive(t, m, keys("]", "]", "]")...)
	at, left := m.cmp.Time(), m.cmp.Left()
	drive(t, m, keys("v")...)
	v := m.View()
	if m.cmp.Right != 1 || !strings.Contains(v, "async commit after processing") || strings.Contains(v, "manual commit after processing") {
		t.Fatalf("v did not switch the right-hand run to async commits:\n%s", v)
	}
	if m.cmp.Time() != at || m.cmp.Left() != left {
		t.Errorf("v moved the time (%s → %s) or re-ran the left-hand run", at, m.cmp.Time())
	}
	for range len(pages.CompareVariants) - 1 {
		drive(t, m, keys("v")...)
	}
	if m.cmp.Right != 0 || !strings.Contains(m.View(), "manual commit after processing") {
		t.Fatalf("v does not come back to the first run:\n%s", m.View())
	}
	drive(t, m, keys("?")...)
	if v := m.View(); !strings.Contains(v, "next right-hand run") {
		t.Fatalf("? does not list v:\n%s", v)
	}
	drive(t, m, keys("esc", "esc")...)
	if m.top() != screenWalk {
		t.Fatalf("esc should leave compare mode")
	}
}

func TestKeysStepAndPlay(t *testing.T) {
	m := open(t, Options{Scenario: "auto-commit-loss", Runner: fixtureRunner}, 80, 24)
	w := m.walk
	drive(t, m, keys("right", "right", "right")...)
	if w.Step() != 2 {
		t.Fatalf("step after 3×→ = %d", w.Step())
	}
	drive(t, m, keys("left")...)
	if w.Step() != 1 {
		t.Fatalf("step after ← = %d", w.Step())
	}
	drive(t, m, keys("end", "shift+left")...)
	if e := w.X.Event(w.Step()); !isNotable(e.Kind) || w.AtEnd() {
		t.Fatalf("shift+← from the end stopped at %v", e.Kind)
	}
	drive(t, m, keys("home")...)
	if w.Step() != -1 {
		t.Fatalf("home: step %d", w.Step())
	}
	drive(t, m, keys("space")...)
	if !w.Playing() {
		t.Fatal("space did not start playback")
	}
	drive(t, m, keys("space")...)
	if w.Playing() {
		t.Fatal("space did not pause")
	}
	drive(t, m, keys("tab", "tab")...)
	if w.Focus() != 1 {
		t.Fatalf("focus after 2 tabs = %d", w.Focus())
	}
	drive(t, m, keys("?")...)
	if !strings.Contains(m.View(), "Partition cells") {
		t.Fatal("? did not show help")
	}
	drive(t, m, keys("x")...)
	if m.help {
		t.Fatal("any key should close help")
	}
}

func isNotable(k scenarios.Kind) bool {
	switch k {
	case scenarios.KindDeliver, scenarios.KindStore, scenarios.KindProduce, scenarios.KindCommit, scenarios.KindEffect:
		return false
	}
	return true
}

// Every built-in, every size (tiny ones included), every few steps: no
// panic, and the frame is exactly the terminal's size.
func TestEveryBuiltinEverySize(t *testing.T) {
	sizes := [][2]int{{80, 24}, {160, 48}, {120, 30}, {20, 5}, {1, 1}, {0, 0}, {40, 10}, {200, 12}}
	for _, name := range scenarios.Names() {
		t.Run(name, func(t *testing.T) {
			m := open(t, Options{Scenario: name}, 80, 24)
			if m.top() != screenWalk {
				t.Fatalf("did not open: %s", m.View())
			}
			n := m.walk.X.Len()
			for _, sz := range sizes {
				drive(t, m, size(sz[0], sz[1]), keys("home")[0])
				for i := 0; i < n; i += max(1, n/25) {
					m.walk.SetStep(i)
					checkFrame(t, m.View(), sz[0], sz[1])
				}
				drive(t, m, keys("end")...)
				checkFrame(t, m.View(), sz[0], sz[1])
				for _, k := range []string{"?", "c", "end", "?", "esc"} {
					drive(t, m, keys(k)...)
					checkFrame(t, m.View(), sz[0], sz[1])
				}
				drive(t, m, keys("esc")...) // leave compare
				drive(t, m, keys("s", "x", "esc")...)
				checkFrame(t, m.View(), sz[0], sz[1])
			}
		})
	}
}

func TestNoColorFramesArePlainText(t *testing.T) {
	m := open(t, Options{Scenario: "auto-commit-loss", Runner: fixtureRunner}, 80, 24)
	drive(t, m, keys("end")...)
	if v := m.View(); strings.Contains(v, "\x1b[") {
		t.Fatalf("ASCII profile frame has escapes: %q", v)
	}
}

func TestUnknownScenarioFailsEarly(t *testing.T) {
	err := Run(Options{Scenario: "no-such-lesson"})
	if err == nil || !strings.Contains(err.Error(), "no-such-lesson") {
		t.Fatalf("Run(no-such-lesson) = %v", err)
	}
}

// TestBudget: Options.Budget bounds the TUI's runs, the walkthrough's and
// the sandbox's; a scenario over it leaves the picker with the whole
// error on screen at 80x24, wrapped, down to what to do about it.
func TestBudget(t *testing.T) {
	m := open(t, Options{Scenario: "auto-commit-loss", Budget: scenarios.Budget{Messages: 2}}, 80, 24)
	v := m.View()
	if m.top() != screenPicker || !strings.Contains(v, "over the run's budget of 2 messages") {
		t.Fatalf("a scenario over the budget should leave the picker with the error:\n%s", v)
	}
	if !strings.Contains(v, "raise it with --budget") || !strings.Contains(v, "or make the scenario smaller") {
		t.Fatalf("the budget error is cut at 80 columns:\n%s", v)
	}
	checkFrame(t, v, 80, 24)
	m = open(t, Options{Scenario: "auto-commit-loss", Budget: scenarios.Budget{Messages: 1000}}, 80, 24)
	if m.top() != screenWalk {
		t.Fatalf("a budget the scenario fits should open the walkthrough:\n%s", m.View())
	}
	if _, err := m.startSession(m.scen); err != nil {
		t.Fatalf("the sandbox's session under the same budget: %v", err)
	}
	m.opts.Budget = scenarios.Budget{Messages: 2}
	if _, err := m.startSession(m.scen); err == nil || !strings.Contains(err.Error(), "budget") {
		t.Fatalf("the sandbox's session ignored a budget the scenario is over: %v", err)
	}
}

// TestErrorOverlayWraps: an error over a screen is wrapped to its width,
// not cut, and covers at most a third of it.
func TestErrorOverlayWraps(t *testing.T) {
	m := open(t, Options{Scenario: "auto-commit-loss"}, 80, 24)
	m.err = strings.Repeat("a long explanation of what went wrong ", 4) + "and what to do about it"
	v := m.View()
	checkFrame(t, v, 80, 24)
	if !strings.Contains(v, "what to do about it") {
		t.Fatalf("the error's end is not on screen:\n%s", v)
	}
	m.err = strings.Repeat("word ", 400) + "END"
	v = m.View()
	checkFrame(t, v, 80, 24)
	if n := strings.Count(v, "word"); n > 16*8 {
		t.Fatalf("a very long error covers more than a third of the screen (%d words shown)", n)
	}
	if !strings.Contains(v, "…") {
		t.Fatalf("a very long error is cut without saying so:\n%s", v)
	}
}
