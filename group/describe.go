package group

// DescribeGroups (API key 15) plus what kafka-consumer-groups.sh --describe
// does with it (Kafka's ConsumerGroupCommand): list offsets, compute lag,
// format the three views.

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/kafkasim/kafkasim/broker"
)

// Description is what kafka-consumer-groups.sh --describe shows about a
// group (docs/kafka-semantics.md §8).
type Description struct {
	// Group is the group id.
	Group string
	// State is the group's state; Dead for a group that does not exist.
	State State
	// ProtocolType is "consumer" for a group that used group management,
	// empty for a standalone (manual assign) group.
	ProtocolType string
	// Protocol is the chosen assignor (ASSIGNMENT-STRATEGY), if any; a
	// consumer group's server assignor.
	Protocol string
	// GroupProtocol is GroupProtocolConsumer for a consumer group
	// (KIP-848), empty for a classic group.
	GroupProtocol string
	// Generation is the current generation id; a consumer group's group
	// epoch.
	Generation int32
	// AssignmentEpoch is a consumer group's target assignment epoch.
	AssignmentEpoch int32
	// Leader is the leader's member id, if any.
	Leader string
	// Members in member-id order.
	Members []MemberDescription
	// Offsets has one row per partition that has an owner or a committed
	// offset, in the order kafka-consumer-groups.sh prints them: members
	// with the most partitions first, then partitions nobody owns.
	Offsets []PartitionOffset
}

// MemberDescription is one member in a Description.
type MemberDescription struct {
	// MemberID is CONSUMER-ID.
	MemberID string
	// InstanceID is GROUP-INSTANCE-ID; empty when dynamic.
	InstanceID string
	// ClientID is CLIENT-ID.
	ClientID string
	// ClientHost is HOST.
	ClientHost string
	// Assignment is the member's partitions; for a classic group empty
	// unless the group is Stable (as the real DescribeGroups), for a
	// consumer group its current assignment in every state.
	Assignment []broker.TopicPartition
	// MemberEpoch is a consumer group member's epoch.
	MemberEpoch int32
	// TargetAssignment is a consumer group member's part of the target
	// assignment.
	TargetAssignment []broker.TopicPartition
}

// PartitionOffset is one row of --describe. Missing numbers are -1 and
// missing strings empty; Table prints both as "-".
type PartitionOffset struct {
	broker.TopicPartition
	// CurrentOffset is the committed offset (CURRENT-OFFSET).
	CurrentOffset int64
	// LogEndOffset is the high watermark (LOG-END-OFFSET).
	LogEndOffset int64
	// Lag is LogEndOffset − CurrentOffset (LAG).
	Lag int64
	// ConsumerID is the owner's member id (CONSUMER-ID).
	ConsumerID string
	// Host is the owner's host (HOST).
	Host string
	// ClientID is the owner's client.id (CLIENT-ID).
	ClientID string
}

// Describe reports a group as kafka-consumer-groups.sh --describe does.
// It reads committed offsets and high watermarks from the broker.
func (c *Coordinator) Describe(group string) Description {
	if cg := c.consumer[group]; cg != nil {
		return c.describeConsumer(cg)
	}
	d := Description{Group: group, State: Dead}
	g := c.groups[group]
	if g == nil || g.state == Dead {
		return d
	}
	d.State, d.ProtocolType, d.Protocol, d.Generation, d.Leader = g.state, g.protocolType, g.protocol, g.generation, g.leader
	for _, id := range g.sortedIDs() {
		m := g.members[id]
		md := MemberDescription{MemberID: m.id, InstanceID: m.instanceID, ClientID: m.clientID, ClientHost: m.clientHost}
		if g.state == Stable {
			md.Assignment = slices.Clone(m.assignment)
		}
		d.Members = append(d.Members, md)
	}
	d.Offsets = c.offsetRows(group, d.Members)
	return d
}

// offsetRows is OffsetRows over the broker's committed offsets and high
// watermarks.
func (c *Coordinator) offsetRows(group string, members []MemberDescription) []PartitionOffset {
	committed := map[broker.TopicPartition]int64{}
	for _, o := range c.b.GroupOffsets(group) {
		committed[o.TopicPartition] = o.Offset
	}
	// Each topic is described once: DescribeTopic copies every partition
	// of it, and a row per partition must not pay for the whole topic.
	type described struct {
		ti broker.TopicInfo
		ok bool
	}
	topics := map[string]described{}
	return OffsetRows(members, committed, func(tp broker.TopicPartition) (int64, bool) {
		d, seen := topics[tp.Topic]
		if !seen {
			ti, err := c.b.DescribeTopic(tp.Topic)
			d = described{ti, err == nil}
			topics[tp.Topic] = d
		}
		if d.ok && int(tp.Partition) < len(d.ti.Partitions) && tp.Partition >= 0 {
			return d.ti.Partitions[tp.Partition].HighWatermark, true
		}
		return 0, false
	})
}

// OffsetRows lists a group's partitions in the order
// kafka-consumer-groups.sh --describe prints them: the members' partitions,
// members with the most partitions first, each member's by partition then
// topic; then the partitions nobody owns that have a committed offset.
// committed holds the group's committed offsets; logEnd gives a
// partition's high watermark (false: unknown). Unknown offsets and lag are
// -1, printed as "-".
func OffsetRows(members []MemberDescription, committed map[broker.TopicPartition]int64, logEnd func(broker.TopicPartition) (int64, bool)) []PartitionOffset {
	row := func(tp broker.TopicPartition, m *MemberDescription) PartitionOffset {
		r := PartitionOffset{TopicPartition: tp, CurrentOffset: -1, LogEndOffset: -1, Lag: -1}
		if off, ok := committed[tp]; ok {
			r.CurrentOffset = off
		}
		if off, ok := logEnd(tp); ok {
			r.LogEndOffset = off
		}
		if r.CurrentOffset >= 0 && r.LogEndOffset >= 0 {
			r.Lag = r.LogEndOffset - r.CurrentOffset
		}
		if m != nil {
			r.ConsumerID, r.Host, r.ClientID = m.MemberID, m.ClientHost, m.ClientID
		}
		return r
	}
	byPartition := func(a, b broker.TopicPartition) int {
		return cmp.Or(cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.Topic, b.Topic))
	}
	var rows []PartitionOffset
	owners := slices.Clone(members)
	slices.SortStableFunc(owners, func(a, b MemberDescription) int { return len(b.Assignment) - len(a.Assignment) })
	owned := map[broker.TopicPartition]bool{}
	for i := range owners {
		m := &owners[i]
		tps := slices.Clone(m.Assignment)
		slices.SortFunc(tps, byPartition)
		for _, tp := range tps {
			owned[tp] = true
			rows = append(rows, row(tp, m))
		}
	}
	var rest []broker.TopicPartition
	for tp := range committed {
		if !owned[tp] {
			rest = append(rest, tp)
		}
	}
	slices.SortFunc(rest, byPartition)
	for _, tp := range rest {
		rows = append(rows, row(tp, nil))
	}
	return rows
}

const missing = "-"

func orMissing(s string) string {
	if s == "" {
		return missing
	}
	return s
}

func num(n int64) string {
	if n < 0 {
		return missing
	}
	return strconv.FormatInt(n, 10)
}

// pad left-aligns s in a column of width w, as Java's %-Ns.
func pad(s string, w int) string {
	if len(s) >= w {
		return s
	}
	return s + strings.Repeat(" ", w-len(s))
}

// notice is what the tool prints (to stderr) before a table, and whether a
// table follows at all.
func (d Description) notice(rows int) (string, bool) {
	switch d.State {
	case Dead:
		return "\nError: Consumer group '" + d.Group + "' does not exist.\n", false
	case Empty:
		return "\nConsumer group '" + d.Group + "' has no active members.\n", rows > 0
	case PreparingRebalance, CompletingRebalance, Assigning, Reconciling:
		return "\nWarning: Consumer group '" + d.Group + "' is rebalancing.\n", rows > 0
	}
	return "", rows > 0
}

// Table formats d like kafka-consumer-groups.sh --describe: the notice
// the tool prints for an Empty, rebalancing or missing group, then the
// offsets table with Java's column widths.
func (d Description) Table() string {
	var b strings.Builder
	note, table := d.notice(len(d.Offsets))
	b.WriteString(note)
	if !table {
		return b.String()
	}
	wg, wt, wc, wh := max(15, len(d.Group)), 15, 15, 15
	for _, r := range d.Offsets {
		wt = max(wt, len(r.Topic))
		wc = max(wc, len(orMissing(r.ConsumerID)))
		wh = max(wh, len(orMissing(r.Host)))
	}
	line := func(cols ...string) {
		b.WriteString("\n")
		b.WriteString(pad(cols[0], wg) + " " + pad(cols[1], wt) + " " + pad(cols[2], 10) + " " +
			pad(cols[3], 15) + " " + pad(cols[4], 15) + " " + pad(cols[5], 15) + " " +
			pad(cols[6], wc) + " " + pad(cols[7], wh) + " " + cols[8])
	}
	line("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID")
	for _, r := range d.Offsets {
		line(d.Group, r.Topic, strconv.Itoa(int(r.Partition)), num(r.CurrentOffset), num(r.LogEndOffset), num(r.Lag),
			orMissing(r.ConsumerID), orMissing(r.Host), orMissing(r.ClientID))
	}
	b.WriteString("\n")
	return b.String()
}

// MembersTable formats d like kafka-consumer-groups.sh --describe
// --members (GROUP-INSTANCE-ID appears when some member is static).
func (d Description) MembersTable() string {
	var b strings.Builder
	// The tool prints the header whatever the state (only the notice
	// differs), and a row per member.
	note, _ := d.notice(len(d.Members))
	b.WriteString(note)
	wg, wc, wi, wh, wcl := max(15, len(d.Group)), 15, 17, 15, 15
	static := false
	for _, m := range d.Members {
		wc, wi = max(wc, len(m.MemberID)), max(wi, len(m.InstanceID))
		wh, wcl = max(wh, len(m.ClientHost)), max(wcl, len(m.ClientID))
		static = static || m.InstanceID != ""
	}
	line := func(group, id, inst, host, client, parts string) {
		b.WriteString(pad(group, wg) + " " + pad(id, wc) + " ")
		if static {
			b.WriteString(pad(inst, wi) + " ")
		}
		b.WriteString(pad(host, wh) + " " + pad(client, wcl) + " " + pad(parts, 15) + " ")
	}
	b.WriteString("\n")
	line("GROUP", "CONSUMER-ID", "GROUP-INSTANCE-ID", "HOST", "CLIENT-ID", "#PARTITIONS")
	b.WriteString("\n")
	for _, m := range d.Members {
		line(d.Group, m.MemberID, m.InstanceID, m.ClientHost, m.ClientID, strconv.Itoa(len(m.Assignment)))
		b.WriteString("\n")
	}
	return b.String()
}

// CoordinatorName is how StateTable names the (single, simulated) coordinator
// broker in the COORDINATOR (ID) column.
const CoordinatorName = "kafkasim:9092  (0)"

// StateTable formats d like kafka-consumer-groups.sh --describe --state.
func (d Description) StateTable() string {
	var b strings.Builder
	note, _ := d.notice(1)
	b.WriteString(note)
	if d.State == Dead {
		return b.String()
	}
	w := max(25, len(CoordinatorName))
	line := func(cols ...string) {
		b.WriteString("\n" + pad(cols[0], w) + " " + pad(cols[1], 25) + " " + pad(cols[2], 20) + " " + pad(cols[3], 15) + " " + cols[4])
	}
	line("GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS")
	line(d.Group, CoordinatorName, d.Protocol, d.State.String(), strconv.Itoa(len(d.Members)))
	b.WriteString("\n")
	return b.String()
}

// String is a one-line summary: "group g: Stable, generation 3, 2 members".
func (d Description) String() string {
	return fmt.Sprintf("group %s: %s, generation %d, %d members", d.Group, d.State, d.Generation, len(d.Members))
}
