package pages

import (
	"reflect"
	"slices"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/tui/common"
)

func startSim(s *scenarios.Scenario) (*scenarios.Session, error) {
	return scenarios.Start(s, scenarios.Options{})
}

// runCmd runs a command and the commands of what it returns, feeding the
// messages to the sandbox.
func runCmd(sb *Sandbox, cmd tea.Cmd) *Sandbox {
	for cmd != nil {
		msg := cmd()
		cmd = nil
		switch m := msg.(type) {
		case tea.BatchMsg:
			for _, c := range m {
				sb = runCmd(sb, c)
			}
		case sandboxMsg:
			sb, cmd = sb.Update(m)
		}
	}
	return sb
}

func runeKey(r rune) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}} }

var (
	keyRight      = tea.KeyMsg{Type: tea.KeyRight}
	keyShiftRight = tea.KeyMsg{Type: tea.KeyShiftRight}
	keyDown       = tea.KeyMsg{Type: tea.KeyDown}
)

func openSandbox(t testing.TB, name string) *Sandbox {
	t.Helper()
	s, err := scenarios.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	c := common.New()
	c.Width, c.Height = 80, 24
	sb := NewSandbox(c, s, startSim)
	sb = runCmd(sb, sb.Init())
	if sb.err != "" {
		t.Fatalf("%s: %s", name, sb.err)
	}
	return sb
}

func press(sb *Sandbox, keys ...tea.KeyMsg) *Sandbox {
	for _, k := range keys {
		var cmd tea.Cmd
		sb, cmd = sb.Update(k)
		sb = runCmd(sb, cmd)
	}
	return sb
}

// lesson is a sandbox session that does a bit of everything.
var lesson = []tea.KeyMsg{
	runeKey('p'), runeKey('x'), keyRight, runeKey('r'), keyDown, runeKey('z'), runeKey('p'),
	keyShiftRight, runeKey('z'), runeKey('C'), runeKey('b'), keyRight, runeKey('b'), runeKey('r'),
	keyDown, runeKey('x'), keyShiftRight, runeKey('p'), keyRight,
}

// The sandbox's actions written out as the script replay, with
// scenarios.Run, to the timeline the sandbox shows: on every built-in.
func TestSandboxActionsReplayAsScript(t *testing.T) {
	for _, name := range scenarios.Names() {
		t.Run(name, func(t *testing.T) {
			sb := openSandbox(t, name)
			sb = press(sb, lesson...)
			// Then 120 more keys, chosen by a fixed pseudo-random walk.
			all := []tea.KeyMsg{runeKey('p'), runeKey('x'), runeKey('r'), runeKey('C'), runeKey('z'), runeKey('b'), keyRight, keyShiftRight, keyDown}
			for i, v := 0, uint32(len(name)); i < 120; i++ {
				v = v*1664525 + 1013904223
				sb = press(sb, all[(v>>16)%uint32(len(all))])
			}
			if sb.err != "" && len(sb.actions) == 0 {
				t.Fatalf("no action taken: %s", sb.err)
			}
			s := sb.Script()
			r, err := scenarios.Run(s, scenarios.Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, want := sb.Walk.X.R.Events(), r.Events()
			want = want[:len(got)]
			if i := slices.IndexFunc(got, func(e scenarios.Event) bool { return !sameTimeline([]scenarios.Event{e}, want[e.Seq:e.Seq+1]) }); i >= 0 {
				t.Fatalf("event %d differs:\nsandbox: %v\nscript:  %v", i, &got[i], &want[i])
			}
			// The session stands at Now: what is due then has not happened yet.
			if len(r.Events()) > len(got) && r.Events()[len(got)].At < sb.Now() {
				t.Fatalf("the script's run has more events before T=%s: %v", scenarios.FormatDuration(sb.Now()), &r.Events()[len(got)])
			}
			if !reflect.DeepEqual(sb.Walk.X.R.Outcome, scenarios.Classify(want)) {
				t.Errorf("outcome differs")
			}
		})
	}
}

// Keys pressed while a step runs are applied afterwards, in order.
func TestSandboxQueuesKeysDuringAStep(t *testing.T) {
	sb := openSandbox(t, "auto-commit-loss")
	sb, cmd := sb.Update(runeKey('p'))
	if !sb.Busy() || cmd == nil {
		t.Fatal("p did not start a step")
	}
	sb, _ = sb.Update(runeKey('x'))
	sb, _ = sb.Update(keyRight)
	sb, _ = sb.Update(runeKey('r'))
	sb = runCmd(sb, cmd)
	if sb.Busy() {
		t.Fatal("still busy")
	}
	if got := sb.Log(); got != "produce 5 @5s, crash c1 @6s, restart c1 @8s" {
		t.Fatalf("log = %q", got)
	}
	if sb.Now() != 9*time.Second {
		t.Fatalf("now = %s", sb.Now())
	}
}

// The screen is drawn while a step runs (go test -race).
func TestSandboxDrawsWhileAStepRuns(t *testing.T) {
	sb := openSandbox(t, "three-consumers")
	for _, k := range []tea.KeyMsg{runeKey('p'), runeKey('x'), keyShiftRight, runeKey('r'), runeKey('p')} {
		var cmd tea.Cmd
		sb, cmd = sb.Update(k)
		done := make(chan tea.Msg)
		go func() { done <- cmd() }()
		for range 3 {
			_ = sb.View()
		}
		sb.Update(<-done)
		_ = sb.View()
	}
	if len(sb.Actions()) != 4 {
		t.Fatalf("actions: %s", sb.Log())
	}
}
