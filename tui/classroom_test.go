package tui

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/tui/pages"
)

// Tests for issue 14, "the classroom, second pass": each checks one thing
// a teacher saw go wrong, and fails on the code before it.

// quits reports whether a key makes the root quit.
func quits(m *Model, k tea.Msg) bool {
	_, cmd := m.Update(k)
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func TestEscOnThePickerAndQInHelpDoNotQuit(t *testing.T) {
	m := open(t, Options{Runner: fixtureRunner}, 80, 24)
	if quits(m, keys("esc")[0]) {
		t.Fatal("esc on the picker quit")
	}
	drive(t, m, keys("?")...)
	if quits(m, keys("q")[0]) {
		t.Fatal("q on the help screen quit")
	}
	if m.help {
		t.Fatal("q did not close the help screen")
	}
	if !quits(m, keys("q")[0]) {
		t.Fatal("q on the picker should quit")
	}
}

// "/" opens search as in less: then every key is text, so an absolute
// path can be typed and opened.
func TestPickerSlashOpensSearchForAbsolutePaths(t *testing.T) {
	m := open(t, Options{Runner: fixtureRunner}, 80, 24)
	data, err := os.ReadFile(filepath.Join("..", "scenarios", "library", "auto-commit-loss.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "mine.yaml")
	if err := os.WriteFile(f, data, 0o644); err != nil {
		t.Fatal(err)
	}
	drive(t, m, keys("/")...)
	if !m.picker.Searching() {
		t.Fatal("/ did not open the search")
	}
	drive(t, m, keys(f)...)
	if m.picker.Filter() != f {
		t.Fatalf("search holds %q, want the path %q", m.picker.Filter(), f)
	}
	drive(t, m, keys("enter")...)
	if m.top() != screenWalk {
		t.Fatalf("enter did not open %s:\n%s", f, m.View())
	}
}

func TestPickerListScrollsWithJKAndCutsWithEllipsis(t *testing.T) {
	m := open(t, Options{}, 80, 24)
	drive(t, m, keys("j", "j")...)
	if v := m.View(); !strings.Contains(v, "> "+scenarios.Names()[2]) {
		t.Fatalf("j j did not select the third scenario:\n%s", v)
	}
	drive(t, m, keys("k")...)
	if v := m.View(); !strings.Contains(v, "> "+scenarios.Names()[1]) {
		t.Fatalf("k did not go back up:\n%s", v)
	}
	cut := 0
	for _, l := range strings.Split(m.View(), "\n") {
		if strings.HasSuffix(strings.TrimRight(l, " "), "…") {
			cut++
		}
	}
	if cut == 0 {
		t.Errorf("no summary cut at 80 columns ends in …:\n%s", m.View())
	}
}

// The lesson-moment key skips the routine commits: close-vs-crash took 63
// presses of ] before.
func TestNextLessonMomentSkipsCommits(t *testing.T) {
	m := open(t, Options{Scenario: "close-vs-crash"}, 80, 24)
	presses := 0
	for !m.walk.AtEnd() && presses < 200 {
		drive(t, m, keys("]")...)
		presses++
		if e := m.walk.X.Event(m.walk.Step()); e.Kind == scenarios.KindCommitOK && !m.walk.X.IsMoment(m.walk.Step()) && !m.walk.AtEnd() {
			t.Fatalf("] stopped at a routine commit: %v", e)
		}
	}
	if presses > 30 {
		t.Errorf("%d presses of ] through close-vs-crash", presses)
	}
}

// The partitions say which group they show, with that group's committed
// offset and consumers only, and the markers are never digits (a digit
// is a cell: 2 is duplicated).
func TestPartitionsShowOneGroupWithDistinctMarkers(t *testing.T) {
	m := open(t, Options{Scenario: "eager-vs-cooperative"}, 120, 40)
	drive(t, m, keys("end")...)
	v := m.View()
	if !strings.Contains(v, "Partitions · group coop (1 of 2, ctrl+g: next group)") {
		t.Fatalf("the partitions do not name their group:\n%s", v)
	}
	if strings.Contains(v, "e1@") || strings.Contains(v, "e2@") {
		t.Errorf("group coop's partitions list the eager group's consumers:\n%s", v)
	}
	drive(t, m, tea.KeyMsg{Type: tea.KeyCtrlG})
	v = m.View()
	if !strings.Contains(v, "Partitions · group eager (2 of 2") || strings.Contains(v, "k1@") {
		t.Errorf("ctrl+g did not show the eager group alone:\n%s", v)
	}
	m = open(t, Options{Scenario: "three-consumers"}, 80, 24)
	for i := 0; i < m.walk.X.Len(); i += 7 {
		m.walk.SetStep(i)
		for _, l := range strings.Split(m.View(), "\n") {
			if regexp.MustCompile(`^\s*[ECS^≠]*[0-9][ECS^≠0-9]*\s*$`).MatchString(l) && strings.ContainsAny(l, "EC^") {
				t.Fatalf("step %d: a marker row has digits: %q", i, l)
			}
		}
	}
}

// Every fate and marker is in the legend in every layout: 80x24, 120x40
// and each half of compare.
func TestLegendCompleteEverywhere(t *testing.T) {
	want := []string{". pend", "d deliv", "* proc", "! risk", "+ done", "X lost", "2 dup", "E end", "C commit", "^ pos"}
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		m := open(t, Options{Scenario: "auto-commit-loss"}, sz[0], sz[1])
		drive(t, m, keys("]", "]")...)
		v := m.View()
		for _, w := range want {
			if !strings.Contains(v, w) {
				t.Errorf("%dx%d walkthrough: the legend has no %q:\n%s", sz[0], sz[1], w, v)
			}
		}
		drive(t, m, keys("c")...)
		v = m.View()
		for _, w := range append(want, "≠ differs") {
			if !strings.Contains(v, w) {
				t.Errorf("%dx%d compare: the legend has no %q:\n%s", sz[0], sz[1], w, v)
			}
		}
	}
}

// Lane names are whole, and 120x40 shows every lane of the eight of
// eager-vs-cooperative, with more columns than 80x24 gives them.
func TestLanesUseTheWidth(t *testing.T) {
	m := open(t, Options{Scenario: "close-vs-crash"}, 80, 24)
	drive(t, m, keys("]", "]", "]")...)
	if v := m.View(); !strings.Contains(v, "g:graceful |") || !strings.Contains(v, "g:abrupt") {
		t.Errorf("group lane names are cut:\n%s", v)
	}
	lane := func(v, name string) string {
		for _, l := range strings.Split(v, "\n") {
			if strings.HasPrefix(strings.TrimLeft(l, " >*"), name+" ") {
				return l
			}
		}
		return ""
	}
	m = open(t, Options{Scenario: "eager-vs-cooperative"}, 120, 40)
	drive(t, m, keys("end")...)
	v := m.View()
	for _, id := range []string{"e1", "e2", "e3", "k1", "k2", "k3", "g:coop", "g:eager"} {
		if lane(v, id) == "" {
			t.Errorf("120x40: no lane for %s:\n%s", id, v)
		}
	}
	if l := lane(v, "e1"); len(l) < 110 {
		t.Errorf("120x40: e1's lane is %d wide: %q", len(l), l)
	}
}

// The teacher's narration is never cut, at any step where it shows, at
// 80x24 and 120x40, in every built-in.
func TestNarrationNeverCut(t *testing.T) {
	for _, name := range scenarios.Names() {
		for _, sz := range [][2]int{{80, 24}, {120, 40}} {
			m := open(t, Options{Scenario: name}, sz[0], sz[1])
			x := m.walk.X
			for i := x.NextMoment(-1); i >= 0; i = x.NextMoment(i) {
				if x.Event(i).Kind != scenarios.KindNarration {
					continue
				}
				for _, at := range []int{i, min(i+3, x.Len()-1)} {
					m.walk.SetStep(at)
					text, _ := x.Narration(at)
					if v := flat(m.View()); !strings.Contains(v, flat("» "+text)) {
						t.Fatalf("%s %dx%d step %d: the narration is cut:\n%s", name, sz[0], sz[1], at, m.View())
					}
				}
			}
		}
	}
}

// flat joins a screen's words, so text wrapped over lines and panels
// compares as one line.
func flat(s string) string {
	var ws []string
	for _, l := range strings.Split(s, "\n") {
		if i := strings.Index(l, "|"); i > 40 { // the right-hand panels of the wide layout
			l = l[:i]
		}
		ws = append(ws, strings.Fields(l)...)
	}
	return strings.Join(ws, " ")
}

// The outcome is never cut: what does not fit says so, and the panel
// scrolls (tab to it, j) through every cause.
func TestOutcomeScrollsToEveryCause(t *testing.T) {
	m := open(t, Options{Scenario: "close-vs-crash"}, 80, 24)
	drive(t, m, keys("end")...)
	if v := m.View(); !strings.Contains(v, "more lines (tab to focus, j/k to scroll)") {
		t.Fatalf("a cut outcome does not say so:\n%s", v)
	}
	for m.walk.Focus() != pages.FocusOutcome {
		drive(t, m, keys("tab")...)
	}
	// Read the outcome panel's lines while scrolling down.
	var lines []string
	seen := map[string]bool{}
	for range 40 {
		in := false
		for _, l := range strings.Split(m.View(), "\n") {
			switch {
			case strings.HasPrefix(l, "== Outcome"):
				in = true
			case strings.HasPrefix(l, "-- ") || strings.HasPrefix(l, "== ") || strings.Contains(l, " to scroll"):
				in = false // the next panel, or the line saying what is above and below
			case in && !seen[l]:
				seen[l] = true
				lines = append(lines, l)
			}
		}
		drive(t, m, keys("j")...)
	}
	read := flat(strings.Join(lines, "\n"))
	for _, b := range m.walk.X.Bad() {
		if cause := flat(scenarios.ShortMembers(b.Cause)); !strings.Contains(read, cause) {
			t.Errorf("scrolling the outcome never shows the whole cause %q:\n%s", cause, read)
		}
	}
}

// The panels keep their places while stepping: every step but the last
// puts each panel's title on the same line.
func TestNoLayoutJumpsWhileStepping(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		m := open(t, Options{Scenario: "auto-commit-loss"}, sz[0], sz[1])
		var first []int
		for i := 0; i < m.walk.X.Len()-1; i++ {
			m.walk.SetStep(i)
			var at []int
			for n, l := range strings.Split(m.View(), "\n") {
				if strings.HasPrefix(l, "-- ") || strings.HasPrefix(l, "== ") {
					at = append(at, n)
				}
			}
			if first == nil {
				first = at
			} else if !equalInts(at, first) {
				t.Fatalf("%dx%d step %d: panel titles at lines %v, at step 0 %v", sz[0], sz[1], i, at, first)
			}
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// p is the presenter view: big boxes, the narration, no lanes.
func TestPresenterView(t *testing.T) {
	m := open(t, Options{Scenario: "auto-commit-loss"}, 80, 24)
	drive(t, m, keys("]", "]", "]", "]", "p")...)
	v := m.View()
	if !strings.Contains(v, "presenter") || !strings.Contains(v, "┌───┐") || strings.Contains(v, "Consumers along virtual time") {
		t.Fatalf("p does not show the presenter view:\n%s", v)
	}
	text, _ := m.walk.X.Narration(m.walk.Step())
	if text != "" && !strings.Contains(flat(v), flat(text)) {
		t.Errorf("the presenter view cuts the narration:\n%s", v)
	}
	drive(t, m, keys("esc")...)
	if m.walk.Presenter() || m.top() != screenWalk {
		t.Errorf("esc should leave the presenter view, not the walkthrough")
	}
}

// w writes the current frame as an SVG file and says its full path.
func TestFrameKeyWritesSVG(t *testing.T) {
	dir := t.TempDir()
	m := open(t, Options{Scenario: "auto-commit-loss", Dir: dir}, 80, 24)
	drive(t, m, keys("]", "]", "w")...)
	v := m.View()
	i := strings.Index(v, "wrote /")
	if i < 0 {
		t.Fatalf("w does not say where it wrote:\n%s", v)
	}
	path := strings.Fields(v[i+len("wrote "):])[0]
	data, err := os.ReadFile(path)
	if err != nil || !strings.HasPrefix(string(data), "<svg") || filepath.Dir(path) != dir {
		t.Fatalf("%s: %v %.40q", path, err, data)
	}
}

// A message still being processed is not lost in an unfinished run: the
// sandbox calls it at risk (the old screen said LOST 1 while its cell
// showed [*]).
func TestSandboxAtRiskIsNotLost(t *testing.T) {
	m := open(t, Options{Scenario: "auto-commit-loss"}, 80, 24)
	drive(t, m, keys("s")...)
	// No crash: c1 processes offset 0 from 3.1s to 7.1s; the 5s tick
	// commits offset 1 meanwhile.
	drive(t, m, keys("right")...)
	v := m.View()
	if strings.Contains(v, "LOST 1") || !strings.Contains(v, "AT RISK 1") || !strings.Contains(v, "LOST 0") {
		t.Fatalf("no crash yet, the committed-past message is at risk, not lost:\n%s", v)
	}
	drive(t, m, keys("x")...)
	if v := m.View(); !strings.Contains(v, "LOST 1") {
		t.Fatalf("after the crash the message is lost:\n%s", v)
	}
}

// Esc leaves the sandbox without losing it; s comes back to the same
// session. The crash the teacher pressed is not "scripted". u undoes.
func TestSandboxKeepsItsSessionAndUndoes(t *testing.T) {
	m := open(t, Options{Scenario: "auto-commit-loss"}, 80, 24)
	drive(t, m, keys("s", "p", "x")...)
	if v := m.View(); strings.Contains(v, "scripted") || !strings.Contains(v, pages.SandboxNote) {
		t.Errorf("a crash pressed in the sandbox is narrated as scripted:\n%s", v)
	}
	drive(t, m, keys("esc")...)
	if m.top() != screenWalk {
		t.Fatalf("esc did not leave the sandbox")
	}
	drive(t, m, keys("s")...)
	if got := m.sandbox.Log(); got != "produce 5 @5s, crash c1 @6s" {
		t.Fatalf("s did not come back to the same sandbox: %q", got)
	}
	events := m.sandbox.Walk.X.Len()
	drive(t, m, keys("u")...)
	if got := m.sandbox.Log(); got != "produce 5 @5s" || m.sandbox.Now() != 6*time.Second {
		t.Fatalf("u did not undo the crash: %q at %s", got, m.sandbox.Now())
	}
	if m.sandbox.Walk.X.Len() >= events || strings.Contains(m.View(), pages.SandboxNote) {
		t.Errorf("the undone crash is still on the timeline")
	}
}

// q with sandbox actions not exported asks first; e there exports them.
func TestQuitAsksWhenTheSandboxWasNotExported(t *testing.T) {
	dir := t.TempDir()
	m := open(t, Options{Scenario: "auto-commit-loss", Dir: dir}, 80, 24)
	drive(t, m, keys("s", "x")...)
	if quits(m, keys("q")[0]) {
		t.Fatal("q quit with an unexported sandbox")
	}
	if v := m.View(); !strings.Contains(v, "Quit? auto-commit-loss's sandbox: 1 actions not exported.") {
		t.Fatalf("no question:\n%s", v)
	}
	drive(t, m, keys("n")...) // any other key: stay
	if m.top() != screenSandbox {
		t.Fatal("the answer n left the sandbox")
	}
	drive(t, m, keys("q", "e")...)
	v := m.View()
	if joined := strings.ReplaceAll(v, " \n", ""); !strings.Contains(strings.ReplaceAll(joined, "\n", ""), "wrote "+filepath.Join(dir, "auto-commit-loss-sandbox.yaml")) {
		t.Fatalf("e did not export, or does not say the full path:\n%s", v)
	}
	if !quits(m, keys("q")[0]) {
		t.Fatal("after the export q should quit")
	}
	data, err := os.ReadFile(filepath.Join(dir, "auto-commit-loss-sandbox.yaml"))
	if err != nil || !strings.Contains(string(data), "expect:") {
		t.Fatalf("the export has no expect block: %v", err)
	}
}

// In compare mode v keeps the virtual time, not the step number.
func TestCompareVariantKeepsVirtualTime(t *testing.T) {
	m := open(t, Options{Scenario: "manual-commit-duplicates"}, 120, 40)
	drive(t, m, keys("c")...)
	m.cmp.SeekTime(10 * time.Second)
	at := m.cmp.Time()
	drive(t, m, keys("v", "v", "v")...)
	if m.cmp.Time() != at {
		t.Fatalf("v moved from T=%s to T=%s", at, m.cmp.Time())
	}
}

// The help screen lists the vim keys and scrolls with j/k.
func TestHelpListsVimKeysAndScrolls(t *testing.T) {
	m := open(t, Options{Scenario: "auto-commit-loss"}, 80, 24)
	drive(t, m, keys("?")...)
	v := m.View()
	for _, k := range []string{"← h", "→ l", "⇧← H [", "⇧→ L ]", "home g", "end G", "next lesson moment", "presenter view", "write frame as SVG", "quit"} {
		if !strings.Contains(v, k) {
			t.Errorf("help does not list %q:\n%s", k, v)
		}
	}
	drive(t, m, keys("j", "j", "j")...)
	if v2 := m.View(); v2 == v || !m.help {
		t.Errorf("j did not scroll the help screen")
	}
	// Compare's and the sandbox's help fit 80 columns too.
	drive(t, m, keys("esc", "c", "?")...)
	if v := m.View(); !strings.Contains(v, "next right-hand run") || !strings.Contains(v, "quit") || strings.Contains(v, "…") {
		t.Errorf("compare's help at 80 columns:\n%s", v)
	}
	drive(t, m, keys("esc", "esc", "s", "?")...)
	if v := m.View(); !strings.Contains(v, "undo last action") || !strings.Contains(v, "export as scenario YAML") || strings.Contains(v, "…") {
		t.Errorf("the sandbox's help at 80 columns:\n%s", v)
	}
}
