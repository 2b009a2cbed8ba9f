package pages

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/tui/common"
)

// SessionStarter starts a live run of a scenario (scenarios.Start on the
// simulator, with the scenario's seed).
type SessionStarter func(s *scenarios.Scenario) (*scenarios.Session, error)

// sandboxMsg carries the timeline after a step of the sandbox's session.
type sandboxMsg struct {
	sb  *Sandbox           // the sandbox that asked
	ss  *scenarios.Session // the session, from the first step
	r   *scenarios.Result  // the timeline so far, for display
	err error
}

// SandboxNote is what the timeline says about a crash the teacher asked
// for in the sandbox (a script's says "scripted crash").
const SandboxNote = "crashed from the sandbox"

// maxQueued is how many keys pressed during a step wait for it.
const maxQueued = 32

// Sandbox starts from a scenario's initial state (no faults) and lets the
// teacher act live: crash, start, close or stall a consumer, produce
// messages, take the broker down or up. It keeps one scenarios.Session:
// each action is applied to the running world at the current virtual
// time (Session.Do), then time moves on by one second (→ moves one
// second, ⇧→ ten) and the timeline grows. The actions written out as the
// script replay to the same timeline (ExportYAML).
//
// Steps run in commands, off the Update goroutine, one at a time: the
// session is not safe for concurrent use. Keys pressed while a step runs
// wait for it, in order.
type Sandbox struct {
	common.Common
	// Walk shows the run so far, always at its last step.
	Walk *Walk
	// ExportDir is where ExportYAML writes ("": the current directory).
	ExportDir string
	// Budget is the budget of the run that freezes an export's outcome
	// (fields 0: scenarios.DefaultBudget).
	Budget scenarios.Budget

	lesson  string // the scenario's name
	base    *scenarios.Scenario
	start   SessionStarter
	ss      *scenarios.Session
	actions []scenarios.Action
	now     time.Duration
	sel     int
	busy    bool
	queued  []tea.KeyMsg
	err     string
	log     []string
	// changes counts actions and undos since the last export.
	changes int
}

// SandboxStart is the virtual time the sandbox opens at: past the group's
// initial rebalance delay, so the consumers own their partitions.
const SandboxStart = 5 * time.Second

// NewSandbox opens a sandbox on s (its seed is the run's).
func NewSandbox(c common.Common, s *scenarios.Scenario, start SessionStarter) *Sandbox {
	sb := &Sandbox{Common: c, lesson: s.Name, base: SandboxScenario(s), start: start}
	sb.Walk = NewWalk(c, sb.base.Name, &scenarios.Result{Scenario: sb.base.Name})
	sb.Walk.Live = true
	sb.Walk.focus = FocusLanes
	sb.Walk.Help = c.Keys.SandboxHelp()
	sb.banner()
	return sb
}

// Init starts the session and runs it to SandboxStart.
func (sb *Sandbox) Init() tea.Cmd {
	sb.now = SandboxStart
	sb.busy = true
	owner, base, start, end := sb, sb.base, sb.start, sb.now
	return func() tea.Msg {
		ss, err := start(base)
		if err != nil {
			return sandboxMsg{sb: owner, err: err}
		}
		if err := ss.RunUntil(end); err != nil {
			return sandboxMsg{sb: owner, ss: ss, err: err}
		}
		return sandboxMsg{sb: owner, ss: ss, r: snapshot(base, ss, end)}
	}
}

// snapshot is the session's timeline so far as a Result for display: the
// events (the session's own slice, not copied) and their outcome.
func snapshot(base *scenarios.Scenario, ss *scenarios.Session, end time.Duration) *scenarios.Result {
	r := &scenarios.Result{SchemaVersion: scenarios.SchemaVersion, Scenario: base.Name, Seed: base.Seed, Backend: "sim", Duration: end}
	r.SetEvents(ss.Events())
	r.Outcome = scenarios.Classify(r.Events())
	return r
}

// Lesson is the name of the scenario the sandbox started from.
func (sb *Sandbox) Lesson() string { return sb.lesson }

// Unexported is how many actions (and undos) the teacher made since the
// last export: what quitting would lose.
func (sb *Sandbox) Unexported() int { return sb.changes }

// Now is the sandbox's virtual time.
func (sb *Sandbox) Now() time.Duration { return sb.now }

// Actions are the teacher's actions so far.
func (sb *Sandbox) Actions() []scenarios.Action { return sb.actions }

// Busy reports whether a step is running.
func (sb *Sandbox) Busy() bool { return sb.busy }

// Close drops the session (leaving the sandbox with esc does not: the
// root keeps it for when the teacher comes back). A step still running
// keeps it until it ends; the garbage collector takes it then.
func (sb *Sandbox) Close() {
	if sb.ss != nil && !sb.busy {
		sb.ss.Close()
	}
	sb.ss = nil
}

// step applies a (nil: none) at the current time and runs the session on
// to end, in a command.
func (sb *Sandbox) step(a *scenarios.Action, end time.Duration) tea.Cmd {
	if sb.ss == nil {
		sb.err = "the sandbox has no running session"
		return nil
	}
	sb.busy = true
	owner, base, ss := sb, sb.base, sb.ss
	var act scenarios.Action
	if a != nil {
		act = *a
	}
	return func() tea.Msg {
		if a != nil {
			if err := ss.Do(act); err != nil {
				return sandboxMsg{sb: owner, ss: ss, err: err}
			}
		}
		if err := ss.RunUntil(end); err != nil {
			return sandboxMsg{sb: owner, ss: ss, err: err}
		}
		return sandboxMsg{sb: owner, ss: ss, r: snapshot(base, ss, end)}
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
		return scenarios.StatusNew
	}
	return x.StatusAt(id, x.Len()-1)
}

func (sb *Sandbox) banner() {
	id := sb.selected()
	// One line: the chosen consumer (↑/↓ in the key bar says what it
	// is), or an error, which takes its place to be read whole.
	s := fmt.Sprintf("SANDBOX T=%s  %s (%s)", scenarios.FormatDuration(sb.now), id, sb.status(id))
	if sb.err != "" {
		s = fmt.Sprintf("SANDBOX T=%s  error: %s", scenarios.FormatDuration(sb.now), sb.err)
	}
	if sb.busy {
		s += "  running…"
	}
	if n := len(sb.log); n > 0 && sb.err == "" && !strings.HasPrefix(sb.log[n-1], "wrote ") {
		s += "  last: " + sb.log[n-1]
	}
	sb.Walk.Banner = s
	sb.Walk.Selected = id
}

func (sb *Sandbox) act(a scenarios.Action, what string) tea.Cmd {
	// Session.Do puts the action ahead of everything else due at this
	// instant, where the same step in a script would be.
	a.At = sb.now
	if a.Do == scenarios.DoCrash {
		a.Note = SandboxNote
	}
	sb.actions = append(sb.actions, a)
	sb.log = append(sb.log, what+" @"+scenarios.FormatDuration(sb.now))
	sb.changes++
	sb.now += time.Second
	return sb.step(&a, sb.now)
}

// undo takes the last action back: a new session replays the others and
// stands where the world stood just before it.
func (sb *Sandbox) undo() tea.Cmd {
	n := len(sb.actions)
	if n == 0 {
		sb.err = "nothing to undo"
		return nil
	}
	last := sb.actions[n-1]
	sb.actions = sb.actions[:n-1]
	for i := len(sb.log) - 1; i >= 0; i-- {
		if !strings.HasPrefix(sb.log[i], "wrote ") {
			sb.log = slices.Delete(sb.log, i, i+1)
			break
		}
	}
	sb.changes++
	sb.now = last.At
	sb.busy = true
	owner, base, start, end, old := sb, sb.base, sb.start, sb.now, sb.ss
	acts := slices.Clone(sb.actions)
	return func() tea.Msg {
		if old != nil {
			old.Close()
		}
		ss, err := start(base)
		if err != nil {
			return sandboxMsg{sb: owner, err: err}
		}
		if err := ss.RunUntil(SandboxStart); err != nil {
			return sandboxMsg{sb: owner, ss: ss, err: err}
		}
		for _, a := range acts {
			if err := ss.Do(a); err != nil {
				return sandboxMsg{sb: owner, ss: ss, err: err}
			}
		}
		if err := ss.RunUntil(end); err != nil {
			return sandboxMsg{sb: owner, ss: ss, err: err}
		}
		return sandboxMsg{sb: owner, ss: ss, r: snapshot(base, ss, end)}
	}
}

func (sb *Sandbox) advance(d time.Duration) tea.Cmd {
	sb.now += d
	return sb.step(nil, sb.now)
}

// Update handles the sandbox keys; the walkthrough keys that make sense
// live (tab, +/-) go to the walkthrough.
func (sb *Sandbox) Update(msg tea.Msg) (*Sandbox, tea.Cmd) {
	defer sb.banner()
	switch msg := msg.(type) {
	case sandboxMsg:
		if msg.sb != sb {
			return sb, nil
		}
		sb.busy = false
		if msg.ss != nil {
			sb.ss = msg.ss
		}
		if msg.err != nil {
			sb.err = msg.err.Error()
			sb.queued = nil
			return sb, nil
		}
		sb.err = ""
		sb.Walk.Grow(msg.r, len(msg.r.Events())-1)
		// The keys pressed meanwhile, in order, until one starts a step.
		var cmds []tea.Cmd
		for len(sb.queued) > 0 && !sb.busy {
			k := sb.queued[0]
			sb.queued = sb.queued[1:]
			var cmd tea.Cmd
			sb, cmd = sb.key(k)
			cmds = append(cmds, cmd)
		}
		return sb, tea.Batch(cmds...)
	case sandboxExportedMsg:
		if msg.sb != sb {
			return sb, nil
		}
		if msg.err != nil {
			sb.err = msg.err.Error()
			return sb, nil
		}
		sb.err = ""
		sb.changes = 0
		sb.log = append(sb.log, "wrote "+msg.path)
		sb.Walk.Status = "wrote " + msg.path + " (kafkasim check it, kafkasim run it)"
		return sb, nil
	case tea.KeyMsg:
		sb.Walk.Status = ""
		if sb.busy && !key.Matches(msg, sb.Keys.Back) {
			if len(sb.queued) < maxQueued {
				sb.queued = append(sb.queued, msg)
			}
			return sb, nil
		}
		return sb.key(msg)
	}
	return sb, nil
}

func (sb *Sandbox) key(msg tea.KeyMsg) (*Sandbox, tea.Cmd) {
	k := sb.Keys
	id := sb.selected()
	st := sb.status(id)
	alive := st == scenarios.StatusRunning || st == scenarios.StatusStalled
	switch {
	case key.Matches(msg, k.Back):
		// The session stays: s on the walkthrough comes back to it.
		sb.queued = nil
		return sb, send(BackMsg{})
	case key.Matches(msg, k.Undo):
		return sb, sb.undo()
	case msg.String() == "up" || msg.String() == "k":
		if n := len(sb.consumers()); n > 0 {
			sb.sel = (sb.sel + n - 1) % n
		}
	case msg.String() == "down" || msg.String() == "j":
		if n := len(sb.consumers()); n > 0 {
			sb.sel = (sb.sel + 1) % n
		}
	case key.Matches(msg, k.Export):
		return sb, sb.ExportYAML()
	case key.Matches(msg, k.Advance10):
		return sb, sb.advance(10 * time.Second)
	case key.Matches(msg, k.Advance):
		return sb, sb.advance(time.Second)
	case key.Matches(msg, k.Crash):
		if !alive {
			sb.err = id + " is not running"
			return sb, nil
		}
		return sb, sb.act(scenarios.Action{Do: scenarios.DoCrash, Consumer: id}, "crash "+id)
	case key.Matches(msg, k.StartCons):
		do := scenarios.DoRestart
		if st == scenarios.StatusNew {
			do = scenarios.DoStart
		}
		return sb, sb.act(scenarios.Action{Do: do, Consumer: id}, do+" "+id)
	case key.Matches(msg, k.CloseCons):
		if !alive {
			sb.err = id + " is not running"
			return sb, nil
		}
		return sb, sb.act(scenarios.Action{Do: scenarios.DoClose, Consumer: id}, "close "+id)
	case key.Matches(msg, k.ZoomIn), key.Matches(msg, k.ZoomOut):
		sb.Walk.zoomKey(msg)
	case key.Matches(msg, k.Stall):
		switch st {
		case scenarios.StatusRunning:
			return sb, sb.act(scenarios.Action{Do: scenarios.DoStall, Consumer: id}, "stall "+id)
		case scenarios.StatusStalled:
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
		if key.Matches(msg, k.Focus, k.Faster, k.Slower, k.Group, k.Frame, k.ScrollDown, k.ScrollUp) {
			sb.Walk, cmd = sb.Walk.Update(msg)
		}
		return sb, cmd
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

// Script is the sandbox's session as a scenario: the base scenario's
// starts and produces and the teacher's actions, in time order, with the
// duration the session has reached (or the last scripted time, if the
// scenario's own starts and producers come later). Run on the simulator
// with the same seed, it gives the timeline the sandbox shows.
func (sb *Sandbox) Script() *scenarios.Scenario {
	s := *sb.base
	s.Script = append(slices.Clone(sb.base.Script), sb.actions...)
	slices.SortStableFunc(s.Script, func(a, b scenarios.Action) int { return cmp.Compare(a.At, b.At) })
	s.Duration = sb.now
	for _, a := range s.Script {
		s.Duration = max(s.Duration, a.At)
	}
	for _, p := range s.Producers {
		s.Duration = max(s.Duration, p.At)
	}
	for _, c := range s.Consumers {
		if c.Start != nil {
			s.Duration = max(s.Duration, *c.Start)
		}
	}
	return &s
}
