package components

import (
	"fmt"
	"strings"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/tui/common"
	"github.com/kafkasim/kafkasim/tui/replay"
)

// Narration draws the scenario's text for the step, the current event and
// its cause in plain words.
func Narration(c common.Common, v View, w, h int) string {
	if w <= 0 || h <= 0 || v.X == nil {
		return ""
	}
	x := v.X
	if v.Step < 0 {
		return common.Fit(wrapJoin(c, "Press space to play, → to step. The class sees nothing of the future: the panels fill in step by step.", w, h), w, h)
	}
	e := x.Event(v.Step)
	text, _ := x.Narration(v.Step)
	ev := c.Styles.Current.Render(common.Pad("> "+replay.EventString(e), w))
	why := common.Wrap(x.Explain(v.Step, v.Prev, v.St), w)
	var say []string
	if text != "" {
		say = common.Wrap("» "+text, w)
	}
	// Budget: the event line, then the explanation (at least 2 lines), then
	// the teacher's text with what is left; the text wins ties.
	budget := h - 1
	nSay := min(len(say), max(budget-min(len(why), 2), budget/2))
	nWhy := min(len(why), budget-nSay)
	if nWhy < len(why) && nSay < len(say) {
		nSay = min(len(say), budget-nWhy)
	}
	out := append([]string{}, say[:max(0, nSay)]...)
	out = append(out, ev)
	for _, l := range why[:max(0, nWhy)] {
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

func isMember(gs replay.Group, id string) bool {
	for _, m := range gs.Members {
		if m.Consumer == id {
			return true
		}
	}
	return false
}

func memberLine(x *replay.Index, st *replay.State, g int, m replay.Member) string {
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
	case replay.StatusCrashed:
		s += " — CRASHED, still a member until session.timeout.ms"
	case replay.StatusStalled:
		s += " — stalled"
	case replay.StatusClosed:
		s += " — closed"
	}
	return s
}

func describeTable(x *replay.Index, st *replay.State, g int) []string {
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

// Outcome draws the run's outcome: counts, then every LOST and DUPLICATED
// message with its cause, then findings.
func Outcome(c common.Common, x *replay.Index, w, h int) string {
	if w <= 0 || h <= 0 || x == nil {
		return ""
	}
	o := &x.R.Outcome
	k := o.Counts
	var out []string
	bad := c.Styles.Lost.Render(fmt.Sprintf("LOST %d", k.Lost)) + "  " + c.Styles.Duplicated.Render(fmt.Sprintf("DUPLICATED %d", k.Duplicated))
	good := fmt.Sprintf("OK %d  REDELIVERED %d  PENDING %d", k.OK, k.Redelivered, k.Pending)
	if w >= 64 {
		out = append(out, bad+"  "+good)
	} else {
		out = append(out, bad, good)
	}
	for _, m := range x.Bad() {
		if len(out) >= h {
			break
		}
		st := c.Styles.Lost
		if m.Outcome == scenarios.Duplicated {
			st = c.Styles.Duplicated
		}
		head := fmt.Sprintf("%s %s[%d]@%d", m.Outcome, m.Topic, m.Partition, m.Offset)
		if m.Key != "" {
			head += " " + m.Key
		}
		out = append(out, st.Render(head)+fmt.Sprintf(" (%s, delivered %d, effects %d)", m.Group, m.Deliveries, m.Effects))
		cause := m.Cause
		if m.CauseKind != "" {
			cause = string(m.CauseKind) + ": " + cause
		}
		for _, l := range common.Wrap(cause, w-2) {
			out = append(out, "  "+l)
		}
	}
	if k.Lost == 0 && k.Duplicated == 0 {
		out = append(out, c.Styles.OK.Render("Nothing lost, nothing duplicated."))
	}
	for _, f := range o.Findings {
		if len(out) >= h {
			break
		}
		out = append(out, c.Styles.Dim.Render(fmt.Sprintf("%s %s[%d]@%d: %s", f.Flag, f.Topic, f.Partition, f.Offset, f.Detail)))
	}
	return common.Clip(strings.Join(out, "\n"), w, h)
}

// Events draws the timeline up to the current step, the step itself last
// and highlighted.
func Events(c common.Common, v View, w, h int) string {
	if w <= 0 || h <= 0 || v.X == nil {
		return ""
	}
	var out []string
	for i := max(0, v.Step-h+1); i <= v.Step; i++ {
		s := replay.EventString(v.X.Event(i))
		if i == v.Step {
			out = append(out, c.Styles.Current.Render(common.Pad("> "+s, w)))
		} else {
			out = append(out, "  "+s)
		}
	}
	return common.Clip(strings.Join(out, "\n"), w, h)
}
