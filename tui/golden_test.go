package tui

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/tui/internal/fixture"
	"github.com/kafkasim/kafkasim/tui/pages"
)

// Golden screens of the main views at 80x24 (a laptop) and 120x40 (a
// classroom projector's terminal), driven through a real bubbletea
// program with teatest. They use the hand-made runs of
// internal/fixture and a fixed picker list, so they change only when the
// UI does. Regenerate with: go test ./tui -run TestGolden -update
//
// TestMain sets the ASCII colour profile: no escapes in the goldens.

var goldenItems = []pages.Item{
	{Name: "auto-commit-loss", Summary: "librdkafka's auto-commit timer commits a message still being processed; a crash then loses it.",
		Teaches: []string{"auto-commit commits on a timer, not when processing is done", "a crash between that commit and the end of processing loses the message"}},
	{Name: "close-vs-crash", Summary: "close() hands partitions over at once and commits; a crash leaves them idle until the session times out."},
	{Name: "manual-commit-duplicates", Summary: "Committing after processing never loses a message, but a crash before the commit processes one twice."},
}

// stepOf is the first step of kind k in the fixture run.
func stepOf(k scenarios.Kind) int {
	for i, e := range fixture.AutoCommitLoss().Events() {
		if e.Kind == k {
			return i
		}
	}
	return -1
}

// momentsTo is how many presses of ] reach the first event of kind k in
// the fixture run.
func momentsTo(k scenarios.Kind) int {
	x := scenarios.NewSteps(fixture.AutoCommitLoss())
	n := 0
	for i := x.NextMoment(-1); i >= 0; i = x.NextMoment(i) {
		n++
		if x.Event(i).Kind == k {
			return n
		}
	}
	return n
}

type golden1 struct {
	name    string
	open    string    // scenario to open, "" for the picker
	pre     []tea.Msg // keys sent first, then wait for preWait
	preWait string
	keys    []tea.Msg
	expect  string // text the final screen shows
}

func TestGolden(t *testing.T) {
	cases := []golden1{
		{name: "picker", keys: keys("down"), expect: "close-vs-crash"},
		{name: "picker_search", keys: keys("/", "manual"), expect: "search: manual"},
		{name: "walkthrough", open: "auto-commit-loss", keys: keys(strings.Repeat("l", stepOf(scenarios.KindCommitOK)+1)), expect: "commit_ok"},
		{name: "moment", open: "auto-commit-loss", keys: keys(strings.Repeat("]", momentsTo(scenarios.KindCrash))), expect: "c1 crash"},
		{name: "outcome", open: "auto-commit-loss", keys: keys("end"), expect: "LOST orders[0]@1"},
		{name: "outcome_scrolled", open: "auto-commit-loss", keys: keys("end", "tab", "tab", "tab", "tab", "tab", "j"), expect: "== Outcome"},
		{name: "presenter", open: "auto-commit-loss", keys: keys(strings.Repeat("]", momentsTo(scenarios.KindCrash)), "p"), expect: "presenter"},
		{name: "compare", open: "auto-commit-loss", pre: keys("c"), preWait: "Difference", keys: keys("end"), expect: "manual commit after processing: LOST"},
		{name: "help", open: "auto-commit-loss", keys: keys("?"), expect: "Partition cells"},
		{name: "sandbox", open: "auto-commit-loss", pre: keys("s"), preWait: "SANDBOX T=5s", keys: keys("right", "x"), expect: "crash c1 @6s"},
		{name: "quit_question", open: "auto-commit-loss", pre: keys("s"), preWait: "SANDBOX T=5s", keys: keys("x", "q"), expect: "Quit?"},
	}
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s_%dx%d", tc.name, sz[0], sz[1]), func(t *testing.T) {
				m := New(Options{Scenario: tc.open, Runner: fixtureRunner})
				m.picker.Items = goldenItems
				tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(sz[0], sz[1]))
				if tc.open != "" {
					teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("step 0/")) },
						teatest.WithDuration(5*time.Second))
				}
				for _, k := range tc.pre {
					tm.Send(k)
				}
				if tc.preWait != "" {
					teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(tc.preWait)) },
						teatest.WithDuration(5*time.Second))
				}
				for _, k := range tc.keys {
					tm.Send(k)
				}
				teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(tc.expect)) },
					teatest.WithDuration(5*time.Second))
				tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
				fm := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
				golden.RequireEqual(t, []byte(fm.View()))
			})
		}
	}
}
