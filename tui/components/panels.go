package components

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/tui/common"
)

// NarrationLines is how many lines Narration needs at width w to show
// the whole of the teacher's text at any step of the run (the longest
// narration), plus the event line and explain lines of explanation.
func NarrationLines(x *scenarios.Steps, w, explain int) int {
	n := 0
	for i := x.NextMoment(-1); i >= 0; i = x.NextMoment(i) {
		if e := x.Event(i); e.Kind == scenarios.KindNarration {
			n = max(n, len(common.Wrap("» "+e.Detail, w)))
		}
	}
	return n + 1 + explain
}

// Narration draws the scenario's text for the step (never cut: the
// teacher's words come first and whole), the current event and, in what
// is left, its explanation in plain words (cut with … when it does not
// fit).
func Narration(c common.Common, v View, w, h int) string {
	if w <= 0 || h <= 0 || v.X == nil {
		return ""
	}
	x := v.X
	if v.Step < 0 {
		return common.Fit(wrapJoin(c, "Press space to play, → to step, ] to jump to the next lesson moment. The class sees nothing of the future: the panels fill in step by step.", w, h), w, h)
	}
	text, _ := x.Narration(v.Step)
	// A narration step that follows an event is about that event: show
	// the event and its explanation with it.
	subj := x.Subject(v.Step)
	e := x.Event(subj)
	line := scenarios.EventString(e)
	if e.Kind == scenarios.KindNarration {
		line = "T=" + scenarios.FormatTime(e.At) + " the teacher's note"
	}
	ev := c.Styles.Current.Render(common.Pad("> "+line, w))
	var why []string
	if subj == v.Step {
		why = common.Wrap(x.Explain(v.Step, v.Prev, v.St), w)
	} else {
		before, after := x.At(subj-1), x.At(subj)
		why = common.Wrap(x.Explain(subj, &before, &after), w)
	}
	var say []string
	if text != "" {
		say = common.Wrap("» "+text, w)
	}
	out := append([]string{}, say...)
	out = append(out, ev)
	room := h - len(out)
	if room < len(why) && room > 0 {
		why = why[:room]
		why[room-1] = ansi.Truncate(why[room-1], w-1, "") + "…"
	}
	for _, l := range why[:max(0, min(room, len(why)))] {
		out = append(out, c.Styles.Bold.Render(l))
	}
	return common.Clip(strings.Join(out, "\n"), w, h)
}

func wrapJoin(c common.Common, s string, w, h int) string {
	ls := common.Wrap(s, w)
	if len(ls) > h {
		ls = ls[:h]
	}
	return c.Styles.Dim.Render(strings.Join(ls, "\n"))
}

// GroupPanel draws group g: state, generation, members and their
// partitions, and the describe table with lag. With h of 1 or 2 it is a
// one-line summary.
func GroupPanel(c common.Common, v View, g, w, h int) string {
	if w <= 0 || h <= 0 || v.X == nil {
		return ""
	}
	x, st := v.X, v.St
	if g < 0 || g >= len(x.Groups) {
		return common.Fit(c.Styles.Dim.Render("no consumer group yet"), w, h)
	}
	gs := st.Groups[g]
	broker := ""
	if !st.BrokerUp {
		broker = "  BROKER DOWN"
	}
	head := c.Styles.Bold.Render(fmt.Sprintf("%s  %s  generation %d  members %d", x.Groups[g], gs.State, gs.Generation, len(gs.Members))) + c.Styles.Lost.Render(broker)
	var out []string
	out = append(out, head)
	if h <= 2 {
		var ms []string
		for _, m := range gs.Members {
			ms = append(ms, memberLine(x, st, g, m))
		}
		out = append(out, strings.Join(ms, "; "))
		return common.Clip(strings.Join(out, "\n"), w, h)
	}
	for _, m := range gs.Members {
		out = append(out, "  "+memberLine(x, st, g, m))
	}
	// Consumers of the group that are not members (not joined yet, or gone).
	for ci, id := range x.Consumers {
		if x.ConsGroup[ci] != x.Groups[g] || isMember(gs, id) {
			continue
		}
		out = append(out, c.Styles.Dim.Render(fmt.Sprintf("  %s  (%s, not a member)", id, st.Cons[ci].Status)))
	}
	out = append(out, describeTable(x, st, g)...)
	return common.Clip(strings.Join(out, "\n"), w, h)
}

func isMember(gs scenarios.StepGroup, id string) bool {
	for _, m := range gs.Members {
		if m.Consumer == id {
			return true
		}
	}
	return false
}

func memberLine(x *scenarios.Steps, st *scenarios.StepState, g int, m scenarios.StepMember) string {
	ci := x.ConsumerIndex(m.Consumer)
	s := m.Consumer + " " + ShortMember(m.ID)
	if ci < 0 {
		return s
	}
	cs := &st.Cons[ci]
	var tps []string
	for p, a := range cs.Assigned {
		if a {
			tps = append(tps, x.Parts[p].String())
		}
	}
	if len(tps) > 0 {
		s += " owns " + strings.Join(tps, ",")
	}
	switch cs.Status {
	case scenarios.StatusCrashed:
		s += " — CRASHED, still a member until session.timeout.ms"
	case scenarios.StatusStalled:
		s += " — stalled"
	case scenarios.StatusClosed:
		s += " — closed"
	}
	return s
}

func describeTable(x *scenarios.Steps, st *scenarios.StepState, g int) []string {
	out := []string{fmt.Sprintf("  %-12s %4s %8s %8s %5s  %s", "TOPIC", "PART", "CURRENT", "LOG-END", "LAG", "CONSUMER")}
	for p, tp := range x.Parts {
		committed := st.Groups[g].Committed[p]
		lag := "-"
		if committed >= 0 {
			lag = fmt.Sprint(st.LogEnd[p] - committed)
		}
		owner := "-"
		if ci := st.Owner(x, g, p); ci >= 0 {
			owner = x.Consumers[ci]
		}
		out = append(out, fmt.Sprintf("  %-12s %4d %8s %8d %5s  %s", tp.Topic, tp.Partition, fmtOff(committed), st.LogEnd[p], lag, owner))
	}
	return out
}

// OutcomeLines is the run's outcome as lines of width w: counts, then
// every LOST and DUPLICATED message with its whole cause, then findings.
// live is set for a run that is not over (the sandbox): a message the
// classifier would call LOST but that a live consumer is still processing
// after step is shown AT RISK, not LOST, since nothing is final yet.
func OutcomeLines(c common.Common, x *scenarios.Steps, w int, live bool, step int) []string {
	if w <= 0 || x == nil {
		return nil
	}
	o := &x.R.Outcome
	k := o.Counts
	lost, risk := k.Lost, 0
	atRisk := map[*scenarios.MessageOutcome]bool{}
	if live {
		for _, m := range x.Bad() {
			if x.AtRisk(m, step) {
				atRisk[m] = true
				lost--
				risk++
			}
		}
	}
	var out []string
	bad := c.Styles.Lost.Render(fmt.Sprintf("LOST %d", lost)) + "  " + c.Styles.Duplicated.Render(fmt.Sprintf("DUPLICATED %d", k.Duplicated))
	if live {
		bad += "  " + c.Styles.Fate[scenarios.FateAtRisk].Render(fmt.Sprintf("AT RISK %d", risk))
	}
	good := fmt.Sprintf("OK %d  REDELIVERED %d  PENDING %d", k.OK, k.Redelivered, k.Pending)
	if ansi.StringWidth(bad+"  "+good) <= w {
		out = append(out, bad+"  "+good)
	} else {
		out = append(out, bad, good)
	}
	if live {
		out = append(out, c.Styles.Dim.Render("(the run goes on: nothing is final yet)"))
	}
	for _, m := range x.Bad() {
		st := c.Styles.Lost
		verdict := string(m.Outcome)
		if m.Outcome == scenarios.Duplicated {
			st = c.Styles.Duplicated
		}
		if atRisk[m] {
			st, verdict = c.Styles.Fate[scenarios.FateAtRisk], "AT RISK"
		}
		head := fmt.Sprintf("%s %s[%d]@%d", verdict, m.Topic, m.Partition, m.Offset)
		if m.Key != "" {
			head += " " + m.Key
		}
		tail := fmt.Sprintf(" (%s, delivered %d, effects %d)", m.Group, m.Deliveries, m.Effects)
		if ansi.StringWidth(head+tail) <= w {
			out = append(out, st.Render(head)+tail)
		} else {
			out = append(out, st.Render(head))
			for _, l := range common.Wrap(strings.TrimSpace(tail), w-2) {
				out = append(out, "  "+l)
			}
		}
		cause := scenarios.ShortMembers(m.Cause)
		if m.CauseKind != "" {
			cause = string(m.CauseKind) + ": " + cause
		}
		if atRisk[m] {
			cause = "still being processed, but already committed past: if its consumer dies before it finishes, it is lost. (" + cause + ")"
		}
		for _, l := range common.Wrap(cause, w-2) {
			out = append(out, "  "+l)
		}
	}
	if k.Lost == 0 && k.Duplicated == 0 {
		out = append(out, c.Styles.OK.Render("Nothing lost, nothing duplicated."))
	}
	for _, f := range o.Findings {
		for i, l := range common.Wrap(fmt.Sprintf("%s %s[%d]@%d: %s", f.Flag, f.Topic, f.Partition, f.Offset, scenarios.ShortMembers(f.Detail)), w) {
			if i > 0 {
				l = "  " + l
			}
			out = append(out, c.Styles.Dim.Render(l))
		}
	}
	return out
}

// Scrolled draws lines in h rows from line top (clamped), with a last
// row saying how much more there is when they do not all fit, so nothing
// is cut without a word; hint says how to scroll ("tab to focus, j/k to
// scroll"). It returns the clamped top.
func Scrolled(c common.Common, lines []string, w, h, top int, hint string) (string, int) {
	if w <= 0 || h <= 0 {
		return "", 0
	}
	if len(lines) <= h {
		return common.Clip(strings.Join(lines, "\n"), w, h), 0
	}
	top = max(0, min(top, len(lines)-(h-1)))
	if h == 1 {
		return c.Styles.Dim.Render(common.Pad(fmt.Sprintf("%d lines (%s)", len(lines), hint), w)), top
	}
	win := lines[top : top+h-1]
	below := len(lines) - top - (h - 1)
	more := fmt.Sprintf("↓ %d more lines (%s)", below, hint)
	if below == 0 {
		more = fmt.Sprintf("↑ %d lines above (k to scroll up)", top)
	} else if top > 0 {
		more = fmt.Sprintf("↑ %d above, ↓ %d more (j/k to scroll)", top, below)
	}
	out := append(slices.Clone(win), c.Styles.Dim.Render(common.Pad(more, w)))
	return common.Clip(strings.Join(out, "\n"), w, h), top
}

// Events draws the timeline up to the current step, the step itself last
// and highlighted.
func Events(c common.Common, v View, w, h int) string {
	if w <= 0 || h <= 0 || v.X == nil {
		return ""
	}
	var out []string
	for i := max(0, v.Step-h+1); i <= v.Step; i++ {
		s := scenarios.EventString(v.X.Event(i))
		if i == v.Step {
			out = append(out, c.Styles.Current.Render(common.Pad("> "+s, w)))
		} else {
			out = append(out, "  "+s)
		}
	}
	return common.Clip(strings.Join(out, "\n"), w, h)
}
