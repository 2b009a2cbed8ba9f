// Package tui is the classroom terminal UI of kafkasim: a scenario picker,
// a step-by-step walkthrough of a run (partitions as cells, consumer
// swimlanes, narration, the group, the outcome), compare mode (two commit
// strategies on the same fault schedule, side by side) and a sandbox where
// the teacher crashes, starts and stalls consumers live.
//
// It is a bubbletea (v1) program. Run is the entry point of the CLI; New
// returns the model for tests and embedding.
package tui

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/tui/common"
	"github.com/kafkasim/kafkasim/tui/components"
	"github.com/kafkasim/kafkasim/tui/keymap"
	"github.com/kafkasim/kafkasim/tui/pages"
)

// Runner runs a scenario; until > 0 stops it early at that virtual time.
// The default is scenarios.Run.
type Runner func(s *scenarios.Scenario, seed uint64, seedSet bool, until time.Duration) (*scenarios.Result, error)

// Options configure Run and New.
type Options struct {
	// Scenario is a built-in name or a scenario file; empty opens the
	// picker.
	Scenario string
	// Seed replaces the scenario's seed when SeedSet.
	Seed    uint64
	SeedSet bool
	// Runner runs scenarios; nil means scenarios.Run with Budget.
	Runner Runner
	// Budget bounds each run's cost (scenarios.Options.Budget; fields 0:
	// scenarios.DefaultBudget): the simulator's runs and the sandbox's.
	// A Runner given here applies its own.
	Budget scenarios.Budget
	// NoColor forces the ASCII colour profile; Run also sets it when the
	// NO_COLOR environment variable is set.
	NoColor bool
	// Input and Output replace stdin and stdout (tests).
	Input  io.Reader
	Output io.Writer
	// Dir is where the TUI writes frames (w) and sandbox exports (e);
	// "" is the current directory.
	Dir string
}

// simRunner is the Runner of the simulator with budget b.
func simRunner(b scenarios.Budget) Runner {
	return func(s *scenarios.Scenario, seed uint64, seedSet bool, until time.Duration) (*scenarios.Result, error) {
		return scenarios.Run(s, scenarios.Options{Seed: seed, SeedSet: seedSet, Until: until, Budget: b})
	}
}

// Run runs the terminal UI until the user quits: the picker when
// opts.Scenario is empty, else the walkthrough of that scenario. It honours
// NO_COLOR. The CLI calls it for `kafkasim` and `kafkasim tui [NAME|FILE]`.
func Run(opts Options) error {
	if opts.NoColor || os.Getenv("NO_COLOR") != "" {
		lipgloss.SetColorProfile(termenv.Ascii)
	}
	if opts.Scenario != "" {
		// Fail early, before the screen switches, on an unknown name.
		if _, err := scenarios.Open(opts.Scenario); err != nil {
			return fmt.Errorf("tui: %w", err)
		}
	}
	popts := []tea.ProgramOption{tea.WithAltScreen()}
	if opts.Input != nil {
		popts = append(popts, tea.WithInput(opts.Input))
	}
	if opts.Output != nil {
		popts = append(popts, tea.WithOutput(opts.Output))
	}
	m := New(opts)
	final, err := tea.NewProgram(m, popts...).Run()
	if err != nil {
		return fmt.Errorf("tui: %w", err)
	}
	if fm, ok := final.(*Model); ok && fm.fatal != nil {
		return fm.fatal
	}
	return nil
}

type screen int

const (
	screenPicker screen = iota
	screenWalk
	screenCompare
	screenSandbox
)

// Model is the root model: it owns the screens, the help overlay and
// navigation, and runs scenarios in commands.
type Model struct {
	c    common.Common
	opts Options

	stack   []screen
	picker  *pages.Picker
	walk    *pages.Walk
	cmp     *pages.Compare
	sandbox *pages.Sandbox
	// sandboxes keeps every lesson's sandbox, so leaving one (esc, or
	// another scenario) loses nothing; s comes back to it.
	sandboxes map[string]*pages.Sandbox
	scen      *scenarios.Scenario

	// simOnly: the Runner is not the simulator's, but the sandbox is.
	simOnly bool
	cmpGen  int // the latest compare request
	help    bool
	helpTop int // the help screen's first line (j/k scroll it)
	// confirm is set while the root asks whether to quit with sandbox
	// actions that were never exported.
	confirm bool
	loading string
	err     string
	fatal   error
}

// New returns the root model. With opts.Scenario set, Init loads and runs
// it; otherwise the picker shows.
func New(opts Options) *Model {
	simOnly := opts.Runner != nil
	if opts.Runner == nil {
		opts.Runner = simRunner(opts.Budget)
	}
	c := common.New()
	m := &Model{c: c, opts: opts, stack: []screen{screenPicker}, simOnly: simOnly}
	var items []pages.Item
	if lib, err := scenarios.Library(); err == nil {
		for _, s := range lib {
			items = append(items, pages.Item{Name: s.Name, Summary: s.Summary, Teaches: s.Teaches})
		}
	} else {
		m.err = err.Error()
	}
	m.picker = pages.NewPicker(c, items)
	return m
}

// Init implements tea.Model.
func (m *Model) Init() tea.Cmd {
	if m.opts.Scenario != "" {
		m.loading = m.opts.Scenario
		return m.open(m.opts.Scenario)
	}
	return nil
}

// loadedMsg carries a loaded and run scenario.
type loadedMsg struct {
	s   *scenarios.Scenario
	r   *scenarios.Result
	err error
}

// compareMsg carries the two runs of compare mode.
type compareMsg struct {
	gen    int
	req    pages.OpenCompareMsg
	a, b   *scenarios.Result
	la, lb string
	err    error
}

func (m *Model) open(name string) tea.Cmd {
	runner, seed, set := m.opts.Runner, m.opts.Seed, m.opts.SeedSet
	return func() tea.Msg {
		s, err := scenarios.Open(name)
		if err != nil {
			return loadedMsg{err: err}
		}
		r, err := runner(s, seed, set, 0)
		return loadedMsg{s: s, r: r, err: err}
	}
}

// runCompare runs compare mode's two runs: auto-commit on the left
// (unless req brings it), req.Right's variant on the right.
func (m *Model) runCompare(req pages.OpenCompareMsg) tea.Cmd {
	m.cmpGen++
	runner, seed, set, s, gen := m.opts.Runner, m.opts.Seed, m.opts.SeedSet, m.scen, m.cmpGen
	right := pages.CompareVariants[req.Right%len(pages.CompareVariants)]
	return func() tea.Msg {
		out := compareMsg{gen: gen, req: req, a: req.Left, la: pages.LeftLabel(right), lb: right.Label}
		if out.a == nil {
			if out.a, out.err = runner(pages.Variant(s, pages.StrategyAuto), seed, set, 0); out.err != nil {
				return out
			}
		}
		out.b, out.err = runner(right.Apply(s), seed, set, 0)
		return out
	}
}

func (m *Model) top() screen { return m.stack[len(m.stack)-1] }

func (m *Model) push(s screen) { m.stack = append(m.stack, s) }

func (m *Model) resize() {
	for _, p := range []*common.Common{&m.picker.Common, m.walkCommon(), m.cmpCommon(), m.sbCommon()} {
		if p != nil {
			p.Width, p.Height = m.c.Width, m.c.Height
		}
	}
}

func (m *Model) walkCommon() *common.Common {
	if m.walk == nil {
		return nil
	}
	return &m.walk.Common
}

func (m *Model) cmpCommon() *common.Common {
	if m.cmp == nil {
		return nil
	}
	return &m.cmp.Common
}

func (m *Model) sbCommon() *common.Common {
	if m.sandbox == nil {
		return nil
	}
	return &m.sandbox.Common
}

// Update implements tea.Model.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.Width, m.c.Height = msg.Width, msg.Height
		m.resize()
		return m, nil
	case loadedMsg:
		m.loading = ""
		if msg.err != nil {
			if m.top() == screenPicker {
				m.picker.LoadFailed(msg.err.Error())
				return m, nil
			}
			m.err = msg.err.Error()
			return m, nil
		}
		m.scen = msg.s
		m.walk = pages.NewWalk(m.c, msg.s.Name, msg.r)
		m.walk.FrameDir = m.opts.Dir
		m.cmp, m.sandbox = nil, nil
		m.resize()
		m.stack = []screen{screenPicker, screenWalk}
		return m, nil
	case compareMsg:
		if msg.gen != m.cmpGen {
			return m, nil // a later request is running
		}
		m.loading = ""
		if msg.req.Switch && m.top() != screenCompare {
			return m, nil // the teacher left compare mode meanwhile
		}
		if msg.err != nil {
			m.err = msg.err.Error()
			return m, nil
		}
		m.cmp = pages.NewCompare(m.c, m.scen.Name, msg.la, msg.a, msg.lb, msg.b)
		m.cmp.Right = msg.req.Right
		m.resize()
		if msg.req.Switch {
			m.cmp.SeekTime(msg.req.At)
			return m, nil
		}
		m.push(screenCompare)
		return m, nil
	case pages.OpenMsg:
		m.loading = msg.NameOrFile
		m.picker.Err = ""
		return m, m.open(msg.NameOrFile)
	case pages.OpenCompareMsg:
		if m.scen == nil {
			return m, nil
		}
		if !msg.Switch {
			msg.Right = pages.DefaultCompareVariant(m.scen)
		}
		m.loading = "compare: " + pages.CompareVariants[msg.Right%len(pages.CompareVariants)].Label
		return m, m.runCompare(msg)
	case pages.OpenSandboxMsg:
		if m.scen == nil {
			return m, nil
		}
		if sb := m.sandboxes[m.scen.Name]; sb != nil {
			// Back to the sandbox left with esc: its session goes on.
			m.sandbox = sb
			m.resize()
			m.push(screenSandbox)
			return m, nil
		}
		s := *m.scen
		if m.opts.SeedSet {
			s.Seed = m.opts.Seed
		}
		m.sandbox = pages.NewSandbox(m.c, &s, m.startSession)
		m.sandbox.ExportDir, m.sandbox.Walk.FrameDir = m.opts.Dir, m.opts.Dir
		m.sandbox.Budget = m.opts.Budget
		if m.sandboxes == nil {
			m.sandboxes = map[string]*pages.Sandbox{}
		}
		m.sandboxes[m.scen.Name] = m.sandbox
		if m.simOnly {
			m.sandbox.Walk.Title += " (simulator)"
		}
		m.resize()
		m.push(screenSandbox)
		return m, m.sandbox.Init()
	case pages.BackMsg:
		if len(m.stack) > 1 {
			m.stack = m.stack[:len(m.stack)-1]
		}
		// On the picker, esc goes nowhere: q quits.
		return m, nil
	case tea.KeyMsg:
		k := m.c.Keys
		if msg.Type == tea.KeyCtrlC {
			return m, tea.Quit
		}
		if m.confirm {
			m.confirm = false
			switch {
			case key.Matches(msg, k.Quit), msg.String() == "y":
				return m, tea.Quit
			case key.Matches(msg, k.Export):
				if sb := m.unexported(); sb != nil && m.top() == screenSandbox && sb == m.sandbox {
					return m, sb.ExportYAML()
				} else if sb != nil {
					m.err = "open " + sb.Lesson() + "'s sandbox (s on its walkthrough) and press e there"
				}
			}
			return m, nil
		}
		typing := m.top() == screenPicker && m.picker.Typing()
		if m.help {
			// The help screen scrolls with j/k; every other key, q
			// included, only closes it.
			switch msg.String() {
			case "j", "down":
				m.helpTop++
				return m, nil
			case "k", "up":
				m.helpTop = max(0, m.helpTop-1)
				return m, nil
			}
			m.help = false
			return m, nil
		}
		if !typing {
			switch {
			case key.Matches(msg, k.Quit):
				if m.unexported() != nil {
					m.confirm = true
					return m, nil
				}
				return m, tea.Quit
			case key.Matches(msg, k.Help):
				m.help, m.helpTop = true, 0
				return m, nil
			}
		}
		if m.err != "" {
			m.err = ""
			if msg.Type == tea.KeyEsc {
				return m, nil
			}
		}
	}
	var cmd tea.Cmd
	switch m.top() {
	case screenPicker:
		m.picker, cmd = m.picker.Update(msg)
	case screenWalk:
		m.walk, cmd = m.walk.Update(msg)
	case screenCompare:
		m.cmp, cmd = m.cmp.Update(msg)
	case screenSandbox:
		m.sandbox, cmd = m.sandbox.Update(msg)
	}
	return m, cmd
}

// unexported is a sandbox with actions not exported (the current one
// first), or nil.
func (m *Model) unexported() *pages.Sandbox {
	if m.sandbox != nil && m.sandbox.Unexported() > 0 {
		return m.sandbox
	}
	names := make([]string, 0, len(m.sandboxes))
	for n := range m.sandboxes {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if sb := m.sandboxes[n]; sb.Unexported() > 0 {
			return sb
		}
	}
	return nil
}

// startSession starts the sandbox's session on the simulator, whatever
// the Runner: a real cluster cannot take the broker down, and its runs
// cannot be driven step by step.
func (m *Model) startSession(s *scenarios.Scenario) (*scenarios.Session, error) {
	return scenarios.Start(s, scenarios.Options{Budget: m.opts.Budget})
}

// View implements tea.Model.
func (m *Model) View() string {
	W, H := m.c.Width, m.c.Height
	if W <= 0 || H <= 0 {
		return ""
	}
	if m.help {
		return m.helpView()
	}
	var v string
	switch m.top() {
	case screenPicker:
		v = m.picker.View()
	case screenWalk:
		v = m.walk.View()
	case screenCompare:
		v = m.cmp.View()
	case screenSandbox:
		v = m.sandbox.View()
	}
	if m.loading != "" || m.err != "" || m.confirm {
		lines := []string{m.c.Styles.Bold.Render(" loading " + m.loading + " …")}
		if m.err != "" {
			// Wrapped, not cut: the end of an error usually says what to
			// do (a flag to raise a limit, the line of a file), and it
			// covers as many lines of the screen as it needs (a third of
			// them at most).
			text := common.WrapAtMost("error: "+m.err+"  (any key)", max(1, W-2), H/3)
			lines = lines[:0]
			for _, t := range text {
				lines = append(lines, m.c.Styles.Error.Render(" "+t))
			}
		}
		if m.confirm {
			sb := m.unexported()
			lines = []string{m.c.Styles.Error.Render(fmt.Sprintf(" Quit? %s's sandbox: %d actions not exported.", sb.Lesson(), sb.Unexported())) +
				m.c.Styles.Bold.Render(" q quit · e export · other: stay")}
		}
		ls := splitLines(v)
		for i, l := range lines {
			if 1+i < len(ls) {
				ls[1+i] = common.Pad(l, W)
			}
		}
		v = joinLines(ls)
	}
	return common.Fit(v, W, H)
}

func (m *Model) helpView() string {
	W, H := m.c.Width, m.c.Height
	k := m.c.Keys
	var h keymap.Help
	switch m.top() {
	case screenPicker:
		h = k.Picker()
	case screenCompare:
		h = k.CompareHelp()
	case screenSandbox:
		h = k.SandboxHelp()
	default:
		h = k.Walkthrough()
	}
	hb := help.New()
	hb.Width = W
	hb.ShowAll = true
	var body []string
	body = append(body, splitLines(hb.View(h))...)
	body = append(body, "", m.c.Styles.Bold.Render("Partition cells (the letters work without colour):"))
	for _, f := range scenarios.Fates() {
		for i, l := range common.Wrap(f.Symbol()+" "+f.String()+": "+f.Meaning(), W-4) {
			if i == 0 {
				body = append(body, "  "+m.c.Styles.Fate[f].Render(l[:1])+l[1:])
			} else {
				body = append(body, "      "+l)
			}
		}
	}
	for _, t := range []string{"[x] the message the current step is about",
		"under the cells: C the group's committed offset (where it resumes), E the log end, ^ a consumer's position (the header line names whose), ≠ the two runs disagree (compare)",
		"the partitions show one group at a time: ctrl+g shows the next"} {
		for i, l := range common.Wrap(t, W-4) {
			if i > 0 {
				l = "  " + l
			}
			body = append(body, "  "+l)
		}
	}
	body = append(body, "", m.c.Styles.Bold.Render("Swimlanes:"))
	for _, l := range common.Wrap(components.LaneLegend, W-2) {
		body = append(body, "  "+l)
	}
	title := m.c.Styles.Title.Render(common.Pad(" kafkasim · help", W))
	bar := common.Pad(help.New().ShortHelpView(k.HelpScreen().ShortHelp()), W)
	room := max(0, H-2)
	m.helpTop = max(0, min(m.helpTop, len(body)-room))
	end := min(len(body), m.helpTop+room)
	out := append([]string{title}, body[m.helpTop:end]...)
	for len(out) < H-1 {
		out = append(out, "")
	}
	out = append(out, bar)
	return common.Fit(joinLines(out), W, H)
}

func splitLines(s string) []string { return strings.Split(s, "\n") }

func joinLines(ls []string) string { return strings.Join(ls, "\n") }
