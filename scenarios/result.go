package scenarios

import (
	"bytes"
	"encoding/json"
	"time"
)

// Result is everything a run produced: the timeline, the outcome and the
// final state of every consumer group. Its JSON form is documented in
// docs/json-schema.md and is byte-identical for the same scenario and seed.
//
// The timeline is kept as the run recorded it, compactly; Events builds
// the []Event on first use, so a caller that only reads the outcome (a
// property test running thousands of cases) never pays for it.
type Result struct {
	// SchemaVersion is SchemaVersion.
	SchemaVersion int `json:"schema_version"`
	// Scenario is the scenario's name.
	Scenario string `json:"scenario"`
	// Seed is the seed the run used.
	Seed uint64 `json:"seed"`
	// Backend is "sim" for the in-memory cluster, "kafka" for real brokers.
	Backend string `json:"backend"`
	// Duration is the virtual time the run covered.
	Duration time.Duration `json:"duration_ns"`
	// Outcome classifies every produced message.
	Outcome Outcome `json:"outcome"`
	// Groups is the final state of every consumer group, sorted by id.
	Groups []GroupResult `json:"groups"`
	// Incomplete, when set, says why the run does not tell the scenario's
	// whole story: a real-cluster run interrupted (Ctrl-C), or one that
	// lost its cluster. The outcome covers what happened up to then.
	Incomplete string `json:"incomplete,omitempty"`

	tape *tape // the timeline (Events)
}

// Events is the timeline, in order; Event.Seq is the index. The first call
// builds it from the run's recording; later calls return the same slice.
// It belongs to the Result: read it, do not modify it. Safe for concurrent
// use.
func (r *Result) Events() []Event {
	if r.tape == nil {
		return nil
	}
	return r.tape.materialize()
}

// Release gives the memory of r's timeline and outcome to the runs that
// come after it in this process, which then allocate (and collect) less:
// a program that runs many scenarios and keeps only what it reads from
// each one (the counts, a verdict, a check's failures) calls it when it is
// done with a Result. After Release, r is empty: no events, a zero
// Outcome, no groups. Anything taken from r before, such as the slice
// Events returned, the one Outcome.Messages returned, a *MessageOutcome or a DeliveredTo
// list, must not be used afterwards: a later run writes over it. Strings
// are not reused and stay valid. A Result never released is collected as
// usual. Not safe to call concurrently with other uses of r.
func (r *Result) Release() {
	r.Outcome.release()
	if r.tape != nil {
		r.tape.release()
	}
	*r = Result{}
}

// SetEvents replaces the timeline, for a Result built by hand (a test
// fixture, a history recorded elsewhere). It does not recompute Outcome:
// use Classify for that.
func (r *Result) SetEvents(events []Event) { r.tape = eventsTape(events) }

// resultJSON is Result's JSON form, with the timeline as a field.
type resultJSON struct {
	SchemaVersion int           `json:"schema_version"`
	Scenario      string        `json:"scenario"`
	Seed          uint64        `json:"seed"`
	Backend       string        `json:"backend"`
	Duration      time.Duration `json:"duration_ns"`
	Events        []Event       `json:"events"`
	Outcome       Outcome       `json:"outcome"`
	Groups        []GroupResult `json:"groups"`
	Incomplete    string        `json:"incomplete,omitempty"`
}

// MarshalJSON writes the documented form (docs/json-schema.md), with the
// timeline as "events", compact. The timeline is read from the run's
// recording, not built as []Event (see WriteJSON).
func (r Result) MarshalJSON() ([]byte, error) { return compactJSON(r.writeJSON) }

// compactJSON is what write writes, compact.
func compactJSON(write func(*jsonWriter)) ([]byte, error) {
	var buf bytes.Buffer
	j := newJSONWriter(&buf, false)
	write(j)
	if err := j.flush(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *Result) UnmarshalJSON(b []byte) error {
	var j resultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = Result{SchemaVersion: j.SchemaVersion, Scenario: j.Scenario, Seed: j.Seed, Backend: j.Backend, Duration: j.Duration, Outcome: j.Outcome, Groups: j.Groups, Incomplete: j.Incomplete}
	r.SetEvents(j.Events)
	return nil
}

// GroupResult is a consumer group's final state.
type GroupResult struct {
	Group string `json:"group"`
	// State is the coordinator's state name: Empty, PreparingRebalance,
	// CompletingRebalance, Stable or Dead.
	State      string `json:"state"`
	Generation int32  `json:"generation"`
	// Partitions lists every partition of the topics the group reads.
	Partitions []PartitionResult `json:"partitions"`
	// Table is the group as kafka-consumer-groups.sh --describe prints it.
	Table string `json:"table"`
}

// PartitionResult is one row of a group's describe table.
type PartitionResult struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	// Committed is the committed offset, -1 when none.
	Committed int64 `json:"committed"`
	// LogEnd is the log end offset (high watermark).
	LogEnd int64 `json:"log_end"`
	// Lag is LogEnd − Committed, -1 when nothing is committed.
	Lag int64 `json:"lag"`
	// Owner is the consumer id that owns the partition, "" when none.
	Owner string `json:"owner,omitempty"`
	// Member is the owner's member id.
	Member string `json:"member,omitempty"`
}

// Group returns the named group's result, or nil.
func (r *Result) Group(id string) *GroupResult {
	for i := range r.Groups {
		if r.Groups[i].Group == id {
			return &r.Groups[i]
		}
	}
	return nil
}

// outcomeJSON is Outcome's JSON form, with the messages as a field.
type outcomeJSON struct {
	Messages   []MessageOutcome `json:"messages"`
	Lost       []MessageRef     `json:"lost"`
	Duplicated []MessageRef     `json:"duplicated"`
	Counts     Counts           `json:"counts"`
	Findings   []Finding        `json:"findings"`
}

// MarshalJSON writes the documented form (docs/json-schema.md, "outcome"),
// compact, with the messages as "messages".
func (o Outcome) MarshalJSON() ([]byte, error) {
	return compactJSON(func(j *jsonWriter) { j.outcome(&o) })
}

// UnmarshalJSON reads what MarshalJSON writes.
func (o *Outcome) UnmarshalJSON(b []byte) error {
	var j outcomeJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*o = Outcome{Lost: j.Lost, Duplicated: j.Duplicated, Counts: j.Counts, Findings: j.Findings}
	if j.Messages != nil {
		o.SetMessages(j.Messages)
	}
	return nil
}
