package scenarios

import (
	"fmt"
	"strings"
)

// Failure is an expectation that does not hold.
type Failure struct {
	// Pos is where the expectation is written.
	Pos Pos
	// What names the expectation, e.g. "expect.lost".
	What string
	// Want and Got say what was expected and what happened.
	Want, Got string
}

// String is "file:line:col: expect.lost: want 1, got 0 (...)".
func (f Failure) String() string {
	return fmt.Sprintf("%s: %s: want %s, got %s", f.Pos, f.What, f.Want, f.Got)
}

// Error makes a Failure an error.
func (f Failure) Error() string { return f.String() }

// Check checks the scenario's expect block against a run's result and
// returns every expectation that does not hold (none: all hold, or there
// is no expect block).
func (s *Scenario) Check(r *Result) []Failure {
	e := s.Expect
	if e == nil {
		return nil
	}
	var out []Failure
	fail := func(p Pos, what, want, got string) {
		out = append(out, Failure{Pos: p, What: what, Want: want, Got: got})
	}
	counts := []struct {
		what string
		c    *Count
		n    int
		v    Verdict
	}{
		{"lost", e.Lost, r.Outcome.Counts.Lost, Lost},
		{"duplicated", e.Duplicated, r.Outcome.Counts.Duplicated, Duplicated},
		{"redelivered", e.Redelivered, r.Outcome.Counts.Redelivered, Redelivered},
		{"ok", e.OK, r.Outcome.Counts.OK, OK},
		{"pending", e.Pending, r.Outcome.Counts.Pending, Pending},
	}
	for _, c := range counts {
		if c.c != nil && !c.c.Holds(c.n) {
			fail(c.c.Pos, "expect."+c.what, c.c.Text+" "+string(c.v)+" messages", fmt.Sprintf("%d%s", c.n, listVerdict(r, c.v)))
		}
	}
	for i, m := range e.Messages {
		what := fmt.Sprintf("expect.messages[%d] %s[%d]@%d", i, m.Topic, m.Partition, m.Offset)
		group := m.Group
		var mo *MessageOutcome
		msgs := r.Outcome.Messages()
		for j := range msgs {
			x := &msgs[j]
			if (group == "" || x.Group == group) && x.Topic == m.Topic && x.Partition == m.Partition && x.Offset == m.Offset {
				mo = x
				break
			}
		}
		if mo == nil {
			fail(m.Pos, what, "a produced message", "no such message in the outcome")
			continue
		}
		if m.Outcome != "" && mo.Outcome != m.Outcome {
			fail(m.Pos, what+" outcome", string(m.Outcome), describeOutcome(mo))
		}
		if m.CauseKind != "" && mo.CauseKind != m.CauseKind {
			fail(m.Pos, what+" cause_kind", string(m.CauseKind), describeOutcome(mo))
		}
		if m.CauseContains != "" && !strings.Contains(mo.Cause, m.CauseContains) {
			fail(m.Pos, what+" cause", fmt.Sprintf("a cause mentioning %q", m.CauseContains), describeOutcome(mo))
		}
	}
	for i, x := range e.Committed {
		what := fmt.Sprintf("expect.committed[%d] %s %s[%d]", i, x.Group, x.Topic, x.Partition)
		got, ok := partitionResult(r, x.Group, x.Topic, x.Partition)
		switch {
		case !ok:
			fail(x.Pos, what, "committed offset "+x.Value.Text, "the group does not read that partition")
		case !x.Value.holds64(got.Committed):
			fail(x.Pos, what, "committed offset "+x.Value.Text, fmt.Sprintf("%d", got.Committed))
		}
	}
	for i, x := range e.Lag {
		what := fmt.Sprintf("expect.lag[%d] %s %s[%d]", i, x.Group, x.Topic, x.Partition)
		got, ok := partitionResult(r, x.Group, x.Topic, x.Partition)
		switch {
		case !ok:
			fail(x.Pos, what, "lag "+x.Value.Text, "the group does not read that partition")
		case !x.Value.holds64(got.Lag):
			fail(x.Pos, what, "lag "+x.Value.Text, fmt.Sprintf("%d (committed %d, log end %d)", got.Lag, got.Committed, got.LogEnd))
		}
	}
	for i, f := range e.Flags {
		n := 0
		for _, m := range r.Outcome.Messages() {
			for _, fl := range m.Flags {
				if fl == f.Flag {
					n++
				}
			}
		}
		for _, fd := range r.Outcome.Findings {
			if fd.Flag == f.Flag {
				n++
			}
		}
		if !f.Count.Holds(n) {
			fail(f.Pos, fmt.Sprintf("expect.flags[%d] %s", i, f.Flag), f.Count.Text, fmt.Sprint(n))
		}
	}
	evs := r.Events()
	for i, x := range e.Events {
		n := 0
		for j := range evs {
			ev := &evs[j]
			if ev.Kind != x.Kind || (x.Actor != "" && ev.Actor != x.Actor) || (x.Error != "" && ev.Error != x.Error) || (x.State != "" && ev.State != x.State) {
				continue
			}
			if x.Contains != "" && !strings.Contains(ev.Detail, x.Contains) && !strings.Contains(ev.Cause, x.Contains) {
				continue
			}
			n++
		}
		if !x.Count.Holds(n) {
			desc := string(x.Kind)
			for _, kv := range [][2]string{{"actor", x.Actor}, {"error", x.Error}, {"state", x.State}, {"contains", x.Contains}} {
				if kv[1] != "" {
					desc += fmt.Sprintf(" %s=%q", kv[0], kv[1])
				}
			}
			fail(x.Pos, fmt.Sprintf("expect.events[%d] %s", i, desc), x.Count.Text+" events", fmt.Sprint(n))
		}
	}
	for i, g := range e.Groups {
		gr := r.Group(g.Group)
		switch {
		case gr == nil:
			fail(g.Pos, fmt.Sprintf("expect.groups[%d] %s", i, g.Group), "the group to exist", "no such group")
		case g.State != "" && gr.State != g.State:
			fail(g.Pos, fmt.Sprintf("expect.groups[%d] %s state", i, g.Group), g.State, gr.State)
		}
		for _, c := range []struct {
			what string
			c    *Count
			v    Verdict
		}{{"lost", g.Lost, Lost}, {"duplicated", g.Duplicated, Duplicated}} {
			if c.c == nil {
				continue
			}
			n := 0
			for _, m := range r.Outcome.Messages() {
				if m.Group == g.Group && m.Outcome == c.v {
					n++
				}
			}
			if !c.c.Holds(n) {
				fail(c.c.Pos, fmt.Sprintf("expect.groups[%d] %s %s", i, g.Group, c.what), c.c.Text+" "+string(c.v)+" messages", fmt.Sprint(n))
			}
		}
	}
	return out
}

func partitionResult(r *Result, group, topic string, p int32) (PartitionResult, bool) {
	for _, g := range r.Groups {
		if group != "" && g.Group != group {
			continue
		}
		for _, pr := range g.Partitions {
			if pr.Topic == topic && pr.Partition == p {
				return pr, true
			}
		}
	}
	return PartitionResult{}, false
}

func describeOutcome(m *MessageOutcome) string {
	s := fmt.Sprintf("%s (deliveries %d, effects %d)", m.Outcome, m.Deliveries, m.Effects)
	if m.CauseKind != "" {
		s += fmt.Sprintf(" %s: %s", m.CauseKind, m.Cause)
	}
	return s
}

func listVerdict(r *Result, v Verdict) string {
	var refs []string
	for _, m := range r.Outcome.Messages() {
		if m.Outcome == v {
			refs = append(refs, fmt.Sprintf("%s %s[%d]@%d", m.Group, m.Topic, m.Partition, m.Offset))
		}
	}
	if len(refs) == 0 {
		return ""
	}
	if len(refs) > 5 {
		refs = append(refs[:5], "...")
	}
	return " (" + strings.Join(refs, ", ") + ")"
}

// holds64 is Holds for offsets, where an exact -1 means "none".
func (c Count) holds64(n int64) bool {
	if c.Min == -1 && c.Max == -1 {
		return n == -1
	}
	return n >= 0 && c.Holds(int(n))
}
