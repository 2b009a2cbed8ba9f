package scenarios

import "time"

// Result is everything a run produced: the timeline, the outcome and the
// final state of every consumer group. Its JSON form is documented in
// docs/json-schema.md and is byte-identical for the same scenario and seed.
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
	// Events is the timeline, in order.
	Events []Event `json:"events"`
	// Outcome classifies every produced message.
	Outcome Outcome `json:"outcome"`
	// Groups is the final state of every consumer group, sorted by id.
	Groups []GroupResult `json:"groups"`
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
