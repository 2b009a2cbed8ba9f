package pages

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/scenarios/export"
)

// sandboxExportedMsg reports where ExportYAML wrote the sandbox.
type sandboxExportedMsg struct {
	sb   *Sandbox
	path string
	err  error
}

// dropKeys are the top-level keys of the lesson's file that the sandbox's
// file replaces (name, summary, seed, duration, script) or leaves out
// (the lesson's text and its expectations, written for its own faults).
var dropKeys = []string{"name", "summary", "description", "teaches", "seed", "duration", "script", "expect"}

// SandboxYAML writes a sandbox session as a scenario file. src is the
// text of the scenario file the sandbox started from: its topics,
// producers, consumers and cluster settings are kept as written; s (from
// Sandbox.Script) gives the name, seed, duration and script. The result
// is checked by parsing it back: its script, seed and duration must be
// s's.
func SandboxYAML(src []byte, s *scenarios.Scenario, name, summary string) ([]byte, error) {
	blocks, err := topLevel(string(src))
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# A kafkasim sandbox session. Replay it: kafkasim run THIS_FILE\n")
	w("# Watch it: kafkasim tui THIS_FILE.\n")
	w("name: %s\n", strconv.Quote(name))
	w("summary: %s\n", strconv.Quote(summary))
	w("seed: %d\n", s.Seed)
	w("duration: %s\n", scenarios.FormatDuration(s.Duration))
	for _, bl := range blocks {
		if !slices.Contains(dropKeys, bl.key) {
			b.WriteString(bl.text)
		}
	}
	if len(s.Script) > 0 {
		w("script:\n")
	}
	for _, a := range s.Script {
		w("  - %s\n", a.YAML())
	}
	out := []byte(b.String())
	back, err := scenarios.Parse(name+".yaml", out)
	if err != nil {
		return nil, fmt.Errorf("export: the written file does not load: %w", err)
	}
	if back.Seed != s.Seed || back.Duration != s.Duration || !sameScript(back.Script, s.Script) {
		return nil, errors.New("export: the written file does not read back as the session's script")
	}
	return out, nil
}

func sameScript(a, b []scenarios.Action) bool {
	return slices.EqualFunc(a, b, func(x, y scenarios.Action) bool {
		same := x.At == y.At && x.Do == y.Do && x.Consumer == y.Consumer && x.Say == y.Say
		if x.Do != scenarios.DoProduce { // the produce fields mean nothing
			return same
		}
		return same && x.Topic == y.Topic && x.Count == y.Count && x.Key == y.Key && x.Value == y.Value &&
			x.Partition == y.Partition && x.Interval == y.Interval
	})
}

// block is a top-level key of a YAML file with its lines (and the
// comment lines just above it).
type block struct {
	key  string
	text string
}

// topLevel splits a YAML document written as a block mapping into its
// top-level keys. A key starts a line at column 0; lines that are
// indented, list items at column 0 or blank belong to the key above.
func topLevel(src string) ([]block, error) {
	var out []block
	var pending strings.Builder // comments waiting for their key
	for _, line := range strings.SplitAfter(src, "\n") {
		trim := strings.TrimRight(line, "\r\n")
		switch {
		case trim == "---" || trim == "...":
			continue
		case strings.HasPrefix(trim, "#"):
			pending.WriteString(line)
			continue
		case trim == "" || trim[0] == ' ' || trim[0] == '\t' || strings.HasPrefix(trim, "- ") || trim == "-":
			if len(out) == 0 {
				if strings.TrimSpace(trim) == "" {
					continue
				}
				return nil, errors.New("export: the scenario file does not start with a key")
			}
			out[len(out)-1].text += pending.String() + line
			pending.Reset()
			continue
		}
		k, _, ok := strings.Cut(trim, ":")
		if !ok || strings.ContainsAny(trim[:1], "{[&*!|>%@`") {
			return nil, fmt.Errorf("export: cannot read the scenario file's line %q as a key", trim)
		}
		k = strings.Trim(strings.TrimSpace(k), `"'`)
		text := line
		if !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		out = append(out, block{key: k, text: pending.String() + text})
		pending.Reset()
	}
	if len(out) == 0 {
		return nil, errors.New("export: the scenario file has no keys")
	}
	return out, nil
}

// scenarioSource reads the text of the file s was loaded from: a built-in
// from the library, else the file.
func scenarioSource(s *scenarios.Scenario) ([]byte, error) {
	if s.File == "" {
		return nil, fmt.Errorf("export: scenario %s was not loaded from a file", s.Name)
	}
	if name, ok := strings.CutPrefix(s.File, "library/"); ok && slices.Contains(scenarios.Names(), strings.TrimSuffix(name, ".yaml")) {
		return fs.ReadFile(scenarios.LibraryFS(), name)
	}
	b, err := os.ReadFile(s.File)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return b, nil
}

// writeNew writes data to dir/base.yaml, or base-2.yaml, base-3.yaml …,
// never over an existing file.
func writeNew(dir, base string, data []byte) (string, error) {
	return writeNewExt(dir, base, ".yaml", data)
}

// writeNewExt writes data to dir/base+ext, or base-2+ext …, never over an
// existing file.
func writeNewExt(dir, base, ext string, data []byte) (string, error) {
	for i := 1; i < 1000; i++ {
		name := base + ext
		if i > 1 {
			name = fmt.Sprintf("%s-%d%s", base, i, ext)
		}
		path := filepath.Join(dir, name)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("export: %w", err)
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return "", fmt.Errorf("export: %w", err)
		}
		return path, nil
	}
	return "", fmt.Errorf("export: %s%s and 998 numbered files exist in %s", base, ext, dir)
}

// slug is a name fit for a file name.
func slug(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	return strings.Trim(b.String(), "-.")
}

// ExportYAML writes the session so far as a scenario file,
// NAME-sandbox.yaml in ExportDir (the current directory by default), in
// a command, with an expect block that freezes its outcome
// (FreezeExpect); the status line says the file's full path.
func (sb *Sandbox) ExportYAML() tea.Cmd {
	owner, s, dir, lesson, budget := sb, sb.Script(), sb.ExportDir, sb.lesson, sb.Budget
	n := len(sb.actions)
	return func() tea.Msg {
		src, err := scenarioSource(s)
		if err != nil {
			return sandboxExportedMsg{sb: owner, err: err}
		}
		base := slug(lesson) + "-sandbox"
		summary := fmt.Sprintf("A sandbox session on %s: %d actions, up to T=%s.", lesson, n, scenarios.FormatDuration(s.Duration))
		data, err := SandboxYAML(src, s, base, summary)
		if err != nil {
			return sandboxExportedMsg{sb: owner, err: err}
		}
		if data, err = freezeExpect(base+".yaml", data, budget); err != nil {
			return sandboxExportedMsg{sb: owner, err: err}
		}
		path, err := writeNew(dir, base, data)
		if err == nil {
			path, err = filepath.Abs(path)
		}
		return sandboxExportedMsg{sb: owner, path: path, err: err}
	}
}

// frameWrittenMsg reports where WriteFrame wrote the frame.
type frameWrittenMsg struct {
	path string
	err  error
}

// WriteFrame writes the current step as an SVG image (the partitions of
// every group, the swimlanes, the narration; scenarios/export.SVG) to
// FrameDir, named after the scenario, the time and the step, never over
// an existing file; the key bar then says the full path.
func (w *Walk) WriteFrame() tea.Cmd {
	x, step, dir := w.X, w.step, w.FrameDir
	base := fmt.Sprintf("%s-T%s-step%d", slug(w.Title), strings.ReplaceAll(scenarios.FormatTime(w.Time()), ".", "_"), step+1)
	return func() tea.Msg {
		var b strings.Builder
		if err := export.SVG(&b, x, step, export.Options{}); err != nil {
			return frameWrittenMsg{err: err}
		}
		path, err := writeNewExt(dir, base, ".svg", []byte(b.String()))
		if err == nil {
			path, err = filepath.Abs(path)
		}
		return frameWrittenMsg{path: path, err: err}
	}
}

// maxExpectMessages bounds the messages an exported expect block names.
const maxExpectMessages = 20

// FreezeExpect runs the scenario file data (a sandbox export without an
// expect block) and appends an expect block that holds exactly for that
// run: the counts of every verdict, the LOST and DUPLICATED messages with
// their causes, and every group's committed offsets. `kafkasim check` on
// the file then proves the outcome the teacher saw; a change to the
// simulator that changes it fails the check. It fails if the file with
// its expectations does not load or does not check.
func FreezeExpect(file string, data []byte) ([]byte, error) {
	return freezeExpect(file, data, scenarios.Budget{})
}

// freezeExpect is FreezeExpect running the scenario with budget budget.
func freezeExpect(file string, data []byte, budget scenarios.Budget) ([]byte, error) {
	s, err := scenarios.Parse(file, data)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	r, err := scenarios.Run(s, scenarios.Options{Budget: budget})
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	var b strings.Builder
	b.Write(data)
	k := r.Outcome.Counts
	fmt.Fprintf(&b, "# The outcome of this run, frozen when it was exported: kafkasim check THIS_FILE\n")
	fmt.Fprintf(&b, "expect:\n  lost: %d\n  duplicated: %d\n  redelivered: %d\n  ok: %d\n  pending: %d\n", k.Lost, k.Duplicated, k.Redelivered, k.OK, k.Pending)
	n := 0
	for _, m := range r.Outcome.Messages() {
		if m.Outcome != scenarios.Lost && m.Outcome != scenarios.Duplicated || n >= maxExpectMessages {
			continue
		}
		if n == 0 {
			b.WriteString("  messages:\n")
		}
		n++
		fmt.Fprintf(&b, "    - {group: %s, topic: %s, partition: %d, offset: %d, outcome: %s", strconv.Quote(m.Group), strconv.Quote(m.Topic), m.Partition, m.Offset, m.Outcome)
		if m.CauseKind != "" {
			fmt.Fprintf(&b, ", cause_kind: %s", m.CauseKind)
		}
		b.WriteString("}\n")
	}
	first := true
	for _, g := range r.Groups {
		for _, p := range g.Partitions {
			if first {
				b.WriteString("  committed:\n")
				first = false
			}
			fmt.Fprintf(&b, "    - {group: %s, topic: %s, partition: %d, offset: %d}\n", strconv.Quote(g.Group), strconv.Quote(p.Topic), p.Partition, p.Committed)
		}
	}
	out := []byte(b.String())
	back, err := scenarios.Parse(file, out)
	if err != nil {
		return nil, fmt.Errorf("export: the expect block does not load: %w", err)
	}
	if fails := back.Check(r); len(fails) > 0 {
		return nil, fmt.Errorf("export: the frozen expect block does not hold: %s", fails[0])
	}
	return out, nil
}
