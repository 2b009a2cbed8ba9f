package scenarios

import (
	"fmt"
	"io"
	"time"
)

// WriteText writes the result for people: the timeline (one T=… line per
// event, narration indented), the outcome with the cause of every LOST or
// DUPLICATED message, and each group's describe table. Like WriteJSON it
// writes as it reads: the timeline comes from the run's recording (no
// []Event is built) and at most a buffer of output is held.
func (r *Result) WriteText(w io.Writer) error {
	out := newJSONWriter(w, false) // a plain buffer here: only its flushing is used
	b := fmt.Appendf(out.b, "scenario %s (seed %d, %s)\n\n", r.Scenario, r.Seed, r.Backend)
	if r.Incomplete != "" {
		b = fmt.Appendf(b, "INCOMPLETE: %s\n\n", r.Incomplete)
	}
	out.b = b
	if r.tape != nil {
		// Events come in bursts at one instant: its text is made once.
		var at string
		last := time.Duration(-1)
		r.tape.walk(func(e *Event, _ []byte) bool {
			if e.At != last || last < 0 {
				at, last = FormatDuration(e.At), e.At
			}
			b := out.b
			switch e.Kind {
			case KindNarration:
				b = append(append(append(append(b, "T="...), at...), "  » "...), e.Detail...)
			case KindPause:
				b = append(append(append(append(b, "T="...), at...), "  ‖ pause: "...), e.Detail...)
			default:
				b = e.appendText(b, at)
			}
			out.b = append(b, '\n')
			out.flushFull()
			return out.err == nil
		})
	}
	o := &r.Outcome
	b = out.b
	if r.Incomplete != "" {
		b = fmt.Appendf(b, "\nINCOMPLETE: %s\n", r.Incomplete)
	}
	b = fmt.Appendf(b, "\noutcome: %d OK, %d REDELIVERED, %d DUPLICATED, %d LOST, %d PENDING\n",
		o.Counts.OK, o.Counts.Redelivered, o.Counts.Duplicated, o.Counts.Lost, o.Counts.Pending)
	msgs := o.Messages()
	for i := range msgs {
		m := &msgs[i]
		if m.Outcome != Lost && m.Outcome != Duplicated && len(m.Flags) == 0 {
			continue
		}
		b = fmt.Appendf(b, "  %-10s %s %s[%d]@%d deliveries=%d effects=%d", m.Outcome, m.Group, m.Topic, m.Partition, m.Offset, m.Deliveries, m.Effects)
		for _, f := range m.Flags {
			b = append(append(b, ' '), f...)
		}
		b = append(b, '\n')
		if m.Cause != "" {
			b = fmt.Appendf(b, "             cause (%s): %s\n", m.CauseKind, m.Cause)
		}
		if out.b = b; len(b) >= streamFlush {
			if out.flush() != nil {
				return out.err
			}
			b = out.b
		}
	}
	for _, f := range o.Findings {
		b = fmt.Appendf(b, "  %s %s %s[%d]: %s\n", f.Flag, f.Group, f.Topic, f.Partition, f.Detail)
	}
	for _, g := range r.Groups {
		b = append(append(b, '\n'), g.Table...)
	}
	out.b = b
	return out.flush()
}
