package broker

import (
	"slices"
	"time"
)

type groupMode uint8

const (
	// modeStandalone: never marked; each offset expires from its CommitTime.
	modeStandalone groupMode = iota
	// modeActive: under group management with members; nothing expires.
	modeActive
	// modeEmpty: under group management, Empty since emptySince; all
	// offsets expire together at emptySince + retention.
	modeEmpty
)

func (m groupMode) String() string {
	switch m {
	case modeActive:
		return "active"
	case modeEmpty:
		return "empty"
	case modeStandalone:
		return "standalone"
	}
	return "unknown"
}

// groupOffsets is the committed-offsets state of one group.
type groupOffsets struct {
	offsets map[TopicPartition]*OffsetAndMetadata
	// last is the entry of lastTP, the partition stored to last (a
	// member commits one partition again and again); nil once an entry
	// is deleted.
	last       *OffsetAndMetadata
	lastTP     TopicPartition
	mode       groupMode
	emptySince time.Time
}

// put stores om as tp's committed offset, in place when tp has one.
func (g *groupOffsets) put(tp TopicPartition, om OffsetAndMetadata) {
	if p := g.last; p != nil && g.lastTP == tp {
		*p = om
		return
	}
	p := g.offsets[tp]
	if p == nil {
		p = new(OffsetAndMetadata)
		g.offsets[tp] = p
	}
	*p = om
	g.last, g.lastTP = p, tp
}

// drop deletes tp's committed offset.
func (g *groupOffsets) drop(tp TopicPartition) {
	delete(g.offsets, tp)
	g.last = nil
}

type expired struct {
	group string
	all   bool
}

func (b *Broker) group(name string) *groupOffsets {
	if g := b.lastGroup; g != nil && b.lastGroupName == name {
		return g
	}
	g, ok := b.groups[name]
	if !ok {
		g = &groupOffsets{offsets: make(map[TopicPartition]*OffsetAndMetadata)}
		b.groups[name] = g
	}
	b.lastGroup, b.lastGroupName = g, name
	return g
}

// StoreCommittedOffset stores a group's committed offset for a partition,
// replacing any earlier one. A zero CommitTime becomes the clock's now.
// This is storage only: the group coordinator validates commits, and it
// decides what a commit does while the cluster is down (see Ping); the
// offset is not checked against the log (Kafka does not either).
func (b *Broker) StoreCommittedOffset(group string, tp TopicPartition, om OffsetAndMetadata) {
	if om.CommitTime.IsZero() {
		om.CommitTime = b.clk.Now()
	}
	b.group(group).put(tp, om)
}

// CommittedOffset returns a group's committed offset for a partition and
// whether there is one.
func (b *Broker) CommittedOffset(group string, tp TopicPartition) (OffsetAndMetadata, bool) {
	g, ok := b.groups[group]
	if !ok {
		return OffsetAndMetadata{}, false
	}
	om, ok := g.offsets[tp]
	if !ok {
		return OffsetAndMetadata{}, false
	}
	return *om, true
}

// GroupOffsets returns a group's committed offsets sorted by topic and
// partition; nil if it has none.
func (b *Broker) GroupOffsets(group string) []GroupOffset {
	g, ok := b.groups[group]
	if !ok || len(g.offsets) == 0 {
		return nil
	}
	out := make([]GroupOffset, 0, len(g.offsets))
	for tp, om := range g.offsets {
		out = append(out, GroupOffset{tp, *om})
	}
	slices.SortFunc(out, func(a, b GroupOffset) int { return CompareTopicPartitions(a.TopicPartition, b.TopicPartition) })
	return out
}

// OffsetGroups returns the groups that have committed offsets, sorted.
func (b *Broker) OffsetGroups() []string {
	var out []string
	for _, name := range sortedKeys(b.groups) {
		if len(b.groups[name].offsets) > 0 {
			out = append(out, name)
		}
	}
	return out
}

// DeleteGroupOffsets forgets a group entirely: its offsets and its
// Empty/active mark (DeleteGroups). The hooks are not called.
func (b *Broker) DeleteGroupOffsets(group string) {
	delete(b.groups, group)
	b.lastGroup = nil
}

// MarkGroupEmpty records that a group under group management became Empty
// now (KIP-211): its offsets expire together OffsetsRetention later unless
// it becomes active again. Marking a group that is already Empty keeps the
// earlier time.
func (b *Broker) MarkGroupEmpty(group string) {
	g := b.group(group)
	if g.mode == modeEmpty {
		return
	}
	g.mode, g.emptySince = modeEmpty, b.clk.Now()
}

// MarkGroupActive records that a group under group management has members:
// none of its offsets expire until it is marked Empty again.
func (b *Broker) MarkGroupActive(group string) {
	g := b.group(group)
	g.mode, g.emptySince = modeActive, time.Time{}
}

// OnOffsetsExpired registers fn to be called, after the removal, for every
// group that lost offsets to ExpireOffsets or DeleteTopic, in group name
// order; all is true when the group has no committed offsets left (the
// coordinator then moves an Empty group to Dead). fn may call back into the
// broker. Hooks run in registration order.
func (b *Broker) OnOffsetsExpired(fn func(group string, all bool)) {
	b.onExpired = append(b.onExpired, fn)
}

func (b *Broker) notifyExpired(hit []expired) {
	for _, e := range hit {
		if g, ok := b.groups[e.group]; ok && e.all && g.mode != modeActive {
			delete(b.groups, e.group)
			b.lastGroup = nil
		}
	}
	for _, e := range hit {
		for _, fn := range b.onExpired {
			fn(e.group, e.all)
		}
	}
}

// ExpireOffsets removes committed offsets older than OffsetsRetention, as
// Kafka's offsets cleanup does (docs/kafka-semantics.md §4, KIP-211): a
// group marked active keeps everything; a group marked Empty loses all its
// offsets once now - emptySince >= retention; a group never marked
// (standalone commits) loses each offset once now - CommitTime >= retention.
// A group left with no offsets and not active is forgotten. The periodic
// check calls it every OffsetsRetentionCheckInterval.
func (b *Broker) ExpireOffsets() {
	ret := b.cfg.OffsetsRetention
	if ret < 0 {
		return
	}
	now := b.clk.Now()
	var hit []expired
	for _, name := range sortedKeys(b.groups) {
		g := b.groups[name]
		n := 0
		switch g.mode {
		case modeActive:
			continue
		case modeEmpty:
			if now.Sub(g.emptySince) >= ret {
				n = len(g.offsets)
				clear(g.offsets)
				g.last = nil
			}
		case modeStandalone:
			for tp, om := range g.offsets {
				if now.Sub(om.CommitTime) >= ret {
					g.drop(tp)
					n++
				}
			}
		}
		if n > 0 {
			hit = append(hit, expired{name, len(g.offsets) == 0})
		}
	}
	b.notifyExpired(hit)
}
