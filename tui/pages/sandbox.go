package pages

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/tui/common"
	"github.com/kafkasim/kafkasim/tui/replay"
)

// SandboxRunner runs a scenario to its Duration. Runs are deterministic,
// so running the grown script again replays the past exactly and adds
// what the new action caused.
type SandboxRunner func(s *scenarios.Scenario) (*scenarios.Result, error)

// sandboxMsg carries a sandbox run.
type sandboxMsg struct {
	gen int
	r   *scenarios.Result
	err error
}

// Sandbox starts from a scenario's initial state (no faults) and lets the
// teacher act live: crash, start, close or stall a consumer, produce
// messages, take the broker down or up. Each action is added to the
// script at the current virtual time, then time moves on by one second
// (→ moves one second, ⇧→ ten) and the timeline grows.
type Sandbox struct {
	common.Common
	// Walk shows the run so far, always at its last step.
	Walk *Walk

	base    *scenarios.Scenario
	run     SandboxRunner
	actions []scenarios.Action
	now     time.Duration
	sel     int
	gen     int
	busy    bool
	err     string
	log     []string
}

// SandboxStart is the virtual time the sandbox opens at: past the group's
// initial rebalance delay, so the consumers own their partitions.
const SandboxStart = 5 * time.Second

// NewSandbox opens a sandbox on s.
func NewSandbox(c common.Common, s *scenarios.Scenario, run SandboxRunner) *Sandbox {
	sb := &Sandbox{Common: c, base: SandboxScenario(s), run: run, now: SandboxStart}
	sb.Walk = NewWalk(c, sb.base.Name, &scenarios.Result{Scenario: sb.base.Name})
	sb.Walk.Live = true
	sb.Walk.focus = FocusLanes
	sb.Walk.Help = c.Keys.SandboxHelp()
	sb.banner()
	return sb
}

// Init runs the sandbox to its start time.
func (sb *Sandbox) Init() tea.Cmd { return sb.rerun() }

// Now is the sandbox's virtual time.
func (sb *Sandbox) Now() time.Duration { return sb.now }

// Actions are the teacher's actions so far.
func (sb *Sandbox) Actions() []scenarios.Action { return sb.actions }

// Busy reports whether a run is in progress.
func (sb *Sandbox) Busy() bool { return sb.busy }

func (sb *Sandbox) scenario() *scenarios.Scenario {
	s := *sb.base
	s.Script = append(append([]scenarios.Action{}, sb.base.Script...), sb.actions...)
	s.Duration = sb.now
	return &s
}

func (sb *Sandbox) rerun() tea.Cmd {
	sb.gen++
	sb.busy = true
	gen, s, run := sb.gen, sb.scenario(), sb.run
	return func() tea.Msg {
		r, err := run(s)
		return sandboxMsg{gen: gen, r: r, err: err}
	}
}

func (sb *Sandbox) consumers() []string {
	var ids []string
	for _, c := range sb.base.Consumers {
		ids = append(ids, c.ID)
	}
	return ids
}

func (sb *Sandbox) selected() string {
	ids := sb.consumers()
	if len(ids) == 0 {
		return ""
	}
	return ids[sb.sel%len(ids)]
}

func (sb *Sandbox) status(id string) string {
	x := sb.Walk.X
	if x.ConsumerIndex(id) < 0 {
		return replay.StatusNew
	}
	return x.StatusAt(id, x.Len()-1)
}

func (sb *Sandbox) banner() {
	id := sb.selected()
	s := fmt.Sprintf("SANDBOX T=%s  consumer: %s (%s)", scenarios.FormatDuration(sb.now), id, sb.status(id))
	if sb.busy {
		s += "  running…"
	}
	if sb.err != "" {
		s += "  error: " + sb.err
	} else if n := len(sb.log); n > 0 {
		s += "  last: " + sb.log[n-1]
	}
	sb.Walk.Banner = s
	sb.Walk.Selected = id
}

func (sb *Sandbox) act(a scenarios.Action, what string) tea.Cmd {
	a.At = sb.now
	sb.actions = append(sb.actions, a)
	sb.log = append(sb.log, what+" @"+scenarios.FormatDuration(sb.now))
	sb.now += time.Second
	return sb.rerun()
}

// Update handles the sandbox keys; the walkthrough keys that make sense
// live (tab, +/-) go to the walkthrough.
func (sb *Sandbox) Update(msg tea.Msg) (*Sandbox, tea.Cmd) {
	defer sb.banner()
	k := sb.Keys
	switch msg := msg.(type) {
	case sandboxMsg:
		if msg.gen != sb.gen {
			return sb, nil
		}
		sb.busy = false
		if msg.err != nil {
			sb.err = msg.err.Error()
			return sb, nil
		}
		sb.err = ""
		focus := sb.Walk.focus
		sb.Walk.SetResult(msg.r, len(msg.r.Events())-1)
		sb.Walk.focus = focus
		return sb, nil
	case tea.KeyMsg:
		if sb.busy && !key.Matches(msg, k.Back) {
			return sb, nil
		}
		id := sb.selected()
		st := sb.status(id)
		alive := st == replay.StatusRunning || st == replay.StatusStalled
		switch {
		case key.Matches(msg, k.Back):
			return sb, send(BackMsg{})
		case msg.String() == "up" || msg.String() == "k":
			if n := len(sb.consumers()); n > 0 {
				sb.sel = (sb.sel + n - 1) % n
			}
		case msg.String() == "down" || msg.String() == "j":
			if n := len(sb.consumers()); n > 0 {
				sb.sel = (sb.sel + 1) % n
			}
		case key.Matches(msg, k.NextNote):
			sb.now += 10 * time.Second
			return sb, sb.rerun()
		case key.Matches(msg, k.Advance):
			sb.now += time.Second
			return sb, sb.rerun()
		case key.Matches(msg, k.Crash):
			if !alive {
				sb.err = id + " is not running"
				return sb, nil
			}
			return sb, sb.act(scenarios.Action{Do: scenarios.DoCrash, Consumer: id}, "crash "+id)
		case key.Matches(msg, k.StartCons):
			do := scenarios.DoRestart
			if st == replay.StatusNew {
				do = scenarios.DoStart
			}
			return sb, sb.act(scenarios.Action{Do: do, Consumer: id}, do+" "+id)
		case key.Matches(msg, k.CloseCons):
			if !alive {
				sb.err = id + " is not running"
				return sb, nil
			}
			return sb, sb.act(scenarios.Action{Do: scenarios.DoClose, Consumer: id}, "close "+id)
		case key.Matches(msg, k.Stall):
			switch st {
			case replay.StatusRunning:
				return sb, sb.act(scenarios.Action{Do: scenarios.DoStall, Consumer: id}, "stall "+id)
			case replay.StatusStalled:
				return sb, sb.act(scenarios.Action{Do: scenarios.DoResume, Consumer: id}, "resume "+id)
			}
			sb.err = id + " is not running"
		case key.Matches(msg, k.Produce):
			if len(sb.base.Topics) == 0 {
				return sb, nil
			}
			return sb, sb.act(scenarios.Action{Do: scenarios.DoProduce, Topic: sb.base.Topics[0].Name, Count: 5, Key: "live-{i}", Partition: -1}, "produce 5")
		case key.Matches(msg, k.Broker):
			if sb.Walk.X.BrokerUpAt(sb.Walk.X.Len() - 1) {
				return sb, sb.act(scenarios.Action{Do: scenarios.DoBrokerDown}, "broker down")
			}
			return sb, sb.act(scenarios.Action{Do: scenarios.DoBrokerUp}, "broker up")
		default:
			var cmd tea.Cmd
			if key.Matches(msg, k.Focus, k.Faster, k.Slower, k.Group) {
				sb.Walk, cmd = sb.Walk.Update(msg)
			}
			return sb, cmd
		}
	}
	return sb, nil
}

// View draws the sandbox: the walkthrough at its last step with the
// sandbox status line.
func (sb *Sandbox) View() string {
	sb.Walk.Common.Width, sb.Walk.Common.Height = sb.Width, sb.Height
	sb.banner()
	return sb.Walk.View()
}

// Log lists the actions taken, for tests and the final message.
func (sb *Sandbox) Log() string { return strings.Join(sb.log, ", ") }
