package scenarios

import (
	"bufio"
	"fmt"
	"io"
)

// WriteText writes the result for people: the timeline (one T=… line per
// event, narration indented), the outcome with the cause of every LOST or
// DUPLICATED message, and each group's describe table.
func (r *Result) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "scenario %s (seed %d, %s)\n\n", r.Scenario, r.Seed, r.Backend)
	if r.Incomplete != "" {
		fmt.Fprintf(bw, "INCOMPLETE: %s\n\n", r.Incomplete)
	}
	evs := r.Events()
	for i := range evs {
		e := &evs[i]
		switch e.Kind {
		case KindNarration:
			fmt.Fprintf(bw, "T=%s  » %s\n", FormatDuration(e.At), e.Detail)
		case KindPause:
			fmt.Fprintf(bw, "T=%s  ‖ pause: %s\n", FormatDuration(e.At), e.Detail)
		default:
			fmt.Fprintln(bw, e.String())
		}
	}
	o := &r.Outcome
	if r.Incomplete != "" {
		fmt.Fprintf(bw, "\nINCOMPLETE: %s\n", r.Incomplete)
	}
	fmt.Fprintf(bw, "\noutcome: %d OK, %d REDELIVERED, %d DUPLICATED, %d LOST, %d PENDING\n",
		o.Counts.OK, o.Counts.Redelivered, o.Counts.Duplicated, o.Counts.Lost, o.Counts.Pending)
	for _, m := range o.Messages {
		if m.Outcome != Lost && m.Outcome != Duplicated && len(m.Flags) == 0 {
			continue
		}
		fmt.Fprintf(bw, "  %-10s %s %s[%d]@%d deliveries=%d effects=%d", m.Outcome, m.Group, m.Topic, m.Partition, m.Offset, m.Deliveries, m.Effects)
		for _, f := range m.Flags {
			fmt.Fprintf(bw, " %s", f)
		}
		fmt.Fprintln(bw)
		if m.Cause != "" {
			fmt.Fprintf(bw, "             cause (%s): %s\n", m.CauseKind, m.Cause)
		}
	}
	for _, f := range o.Findings {
		fmt.Fprintf(bw, "  %s %s %s[%d]: %s\n", f.Flag, f.Group, f.Topic, f.Partition, f.Detail)
	}
	for _, g := range r.Groups {
		fmt.Fprintf(bw, "\n%s", g.Table)
	}
	return bw.Flush()
}
