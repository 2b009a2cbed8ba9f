package broker

import (
	"slices"

	"github.com/kafkasim/kafkasim/internal/clock"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// Broker is an in-memory Kafka cluster. Create it with New.
type Broker struct {
	clk    clock.Clock
	cfg    Config
	up     bool
	topics map[string]*topic
	// last is the topic looked up last (nil after a delete), saving a
	// map lookup on the produce and fetch paths.
	last *topic

	groups map[string]*groupOffsets
	// lastGroup is the entry of groups group found last, lastGroupName
	// its name (reset when an entry is deleted).
	lastGroup     *groupOffsets
	lastGroupName string
	onExpired     []func(group string, all bool)
	onAvail       []func(up bool)

	retentionTimer, expiryTimer clock.Timer
	stopped                     bool

	// version counts the changes that can make a fetch answer differently
	// (see Version).
	version uint64
	// mem is the spare memory of a recycled broker, for the logs' pages
	// and chunks (see Recycle); nil when there is none.
	mem *spare
}

type topic struct {
	name  string
	cfg   TopicConfig
	parts []*plog
	// deleted is set when the topic is deleted, for Readers holding it.
	deleted bool
}

// New returns an available broker with no topics that uses clk for time. It
// schedules its periodic log retention and offset expiry checks on clk (see
// Config); Stop cancels them.
func New(clk clock.Clock, cfg Config) *Broker {
	b := &Broker{
		clk:    clk,
		cfg:    cfg.withDefaults(),
		up:     true,
		topics: make(map[string]*topic),
		groups: make(map[string]*groupOffsets),
		mem:    takeSpare(),
	}
	b.scheduleRetention()
	b.scheduleExpiry()
	return b
}

func (b *Broker) scheduleRetention() {
	if b.stopped || b.cfg.LogRetentionCheckInterval < 0 {
		return
	}
	b.retentionTimer = b.clk.After(b.cfg.LogRetentionCheckInterval, func() {
		if b.up {
			b.EnforceRetention()
		}
		b.scheduleRetention()
	})
}

func (b *Broker) scheduleExpiry() {
	if b.stopped || b.cfg.OffsetsRetentionCheckInterval < 0 {
		return
	}
	b.expiryTimer = b.clk.After(b.cfg.OffsetsRetentionCheckInterval, func() {
		if b.up {
			b.ExpireOffsets()
		}
		b.scheduleExpiry()
	})
}

// Stop cancels the broker's periodic timers, so a virtual clock can run
// until idle. The broker keeps working; EnforceRetention and ExpireOffsets
// can still be called directly.
func (b *Broker) Stop() {
	b.stopped = true
	b.retentionTimer.Stop()
	b.expiryTimer.Stop()
}

// Config returns the broker configuration with defaults filled in.
func (b *Broker) Config() Config { return b.cfg }

// Clock returns the clock the broker was created with.
func (b *Broker) Clock() clock.Clock { return b.clk }

// SetAvailable takes the cluster down (false) or brings it back (true).
// While down, data calls fail with an error wrapping ErrUnavailable and the
// periodic checks skip their work; no state is lost.
func (b *Broker) SetAvailable(up bool) {
	if up && !b.up && b.cfg.Hooks != nil && b.cfg.Hooks.RewriteOnRecovery {
		b.rewriteLastRecords()
	}
	was := b.up
	b.up = up
	b.version++
	if was != up {
		for _, fn := range b.onAvail {
			fn(up)
		}
	}
}

// OnAvailabilityChanged registers fn to be called, synchronously from
// SetAvailable, whenever the cluster goes down or comes back: a group
// coordinator restarts its timers when it is back, as Kafka's does when
// it loads its groups.
func (b *Broker) OnAvailabilityChanged(fn func(up bool)) {
	b.onAvail = append(b.onAvail, fn)
}

// rewriteLastRecords is a planted bug (testhook.Broker.RewriteOnRecovery):
// the last record of every partition gets another value.
func (b *Broker) rewriteLastRecords() {
	names := make([]string, 0, len(b.topics))
	for n := range b.topics {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		for _, l := range b.topics[n].parts {
			if l.hw > l.logStart {
				l.rewriteLast()
			}
		}
	}
}

// Version changes (grows) whenever something a fetch or a Reader's Idle
// depends on may have changed: availability, topics and partitions
// created or deleted, records appended or deleted. Committed offsets and
// topic configurations do not count. A client that found nothing to fetch
// can skip looking again until it changes (and its own position moves).
func (b *Broker) Version() uint64 { return b.version }

// Available reports whether the cluster is up.
func (b *Broker) Available() bool { return b.up }

// Ping returns nil if the cluster is up, else an error wrapping
// ErrUnavailable. Callers gate requests the broker does not gate itself
// (inspection and offset-store calls) with it.
func (b *Broker) Ping() error {
	if !b.up {
		return errorf(ErrUnavailable, "broker")
	}
	return nil
}

// validTopicName applies Kafka's topic name rules.
func validTopicName(name string) bool {
	if name == "" || name == "." || name == ".." || len(name) > 249 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// CreateTopic creates a topic with the given number of partitions. Errors
// wrap kerr.TopicAlreadyExists, kerr.InvalidPartitions (partitions < 1),
// kerr.InvalidTopic (Kafka's naming rules: 1..249 of [a-zA-Z0-9._-], not
// "." or "..") or ErrUnavailable.
func (b *Broker) CreateTopic(name string, partitions int, cfg TopicConfig) error {
	if !b.up {
		return errorf(ErrUnavailable, "create topic %q", name)
	}
	if !validTopicName(name) {
		return errorf(kerr.InvalidTopic, "create topic %q", name)
	}
	if _, ok := b.topics[name]; ok {
		return errorf(kerr.TopicAlreadyExists, "create topic %q", name)
	}
	if partitions < 1 || partitions > 1<<20 {
		return errorf(kerr.InvalidPartitions, "create topic %q with %d partitions", name, partitions)
	}
	t := &topic{name: name, cfg: cfg, parts: make([]*plog, partitions)}
	for i := range t.parts {
		t.parts[i] = newPlog(b.mem)
	}
	b.topics[name] = t
	b.version++
	return nil
}

// CreatePartitions grows a topic to total partitions (Kafka's
// CreatePartitions: partitions can be added, never removed). Keys hash to
// new partitions from then on. Errors wrap kerr.InvalidPartitions (total
// not above the current count), kerr.UnknownTopicOrPart or ErrUnavailable.
func (b *Broker) CreatePartitions(name string, total int) error {
	if !b.up {
		return errorf(ErrUnavailable, "create partitions %q", name)
	}
	t, ok := b.topics[name]
	if !ok {
		return errorf(kerr.UnknownTopicOrPart, "create partitions %q", name)
	}
	if total <= len(t.parts) || total > 1<<20 {
		return errorf(kerr.InvalidPartitions, "topic %q has %d partitions, cannot go to %d", name, len(t.parts), total)
	}
	for len(t.parts) < total {
		t.parts = append(t.parts, newPlog(b.mem))
	}
	b.version++
	return nil
}

// AlterTopicConfig replaces a topic's configuration; the new retention
// applies from the next retention check. Errors wrap
// kerr.UnknownTopicOrPart or ErrUnavailable.
func (b *Broker) AlterTopicConfig(name string, cfg TopicConfig) error {
	if !b.up {
		return errorf(ErrUnavailable, "alter topic %q", name)
	}
	t, ok := b.topics[name]
	if !ok {
		return errorf(kerr.UnknownTopicOrPart, "alter topic %q", name)
	}
	t.cfg = cfg
	return nil
}

// DeleteTopic deletes a topic, its logs, and (as Kafka's group coordinator
// does) every group's committed offsets for it; groups losing offsets are
// reported to the OnOffsetsExpired hooks. Errors wrap
// kerr.UnknownTopicOrPart or ErrUnavailable.
func (b *Broker) DeleteTopic(name string) error {
	if !b.up {
		return errorf(ErrUnavailable, "delete topic %q", name)
	}
	t, ok := b.topics[name]
	if !ok {
		return errorf(kerr.UnknownTopicOrPart, "delete topic %q", name)
	}
	t.deleted = true
	delete(b.topics, name)
	b.last = nil
	b.version++
	var hit []expired
	for _, g := range sortedKeys(b.groups) {
		st := b.groups[g]
		n := 0
		for tp := range st.offsets {
			if tp.Topic == name {
				st.drop(tp)
				n++
			}
		}
		if n > 0 {
			hit = append(hit, expired{g, len(st.offsets) == 0})
		}
	}
	b.notifyExpired(hit)
	return nil
}

func (b *Broker) topicInfo(t *topic) TopicInfo {
	ti := TopicInfo{Name: t.name, Config: t.cfg, Partitions: make([]PartitionInfo, len(t.parts))}
	for i, p := range t.parts {
		ti.Partitions[i] = PartitionInfo{
			Partition:      int32(i),
			LogStartOffset: p.logStart,
			HighWatermark:  p.hw,
			Records:        p.hw - p.logStart,
			Bytes:          p.bytes,
		}
	}
	return ti
}

// Topics describes every topic, sorted by name. It works while the cluster
// is down (it is the simulator's view, not a client request).
func (b *Broker) Topics() []TopicInfo {
	out := make([]TopicInfo, 0, len(b.topics))
	for _, name := range sortedKeys(b.topics) {
		out = append(out, b.topicInfo(b.topics[name]))
	}
	return out
}

// DescribeTopic describes one topic. Errors wrap kerr.UnknownTopicOrPart.
// It works while the cluster is down (gate client metadata requests with
// Ping).
func (b *Broker) DescribeTopic(name string) (TopicInfo, error) {
	t, ok := b.topics[name]
	if !ok {
		return TopicInfo{}, errorf(kerr.UnknownTopicOrPart, "describe topic %q", name)
	}
	return b.topicInfo(t), nil
}

// Partitions returns a topic's partition count. Errors wrap
// kerr.UnknownTopicOrPart. Like DescribeTopic it is not gated by
// availability.
func (b *Broker) Partitions(name string) (int32, error) {
	t, ok := b.topic(name)
	if !ok {
		return 0, errorf(kerr.UnknownTopicOrPart, "topic %q", name)
	}
	return int32(len(t.parts)), nil
}

// topic looks a topic up, through the one-entry cache.
func (b *Broker) topic(name string) (*topic, bool) {
	if t := b.last; t != nil && t.name == name {
		return t, true
	}
	t, ok := b.topics[name]
	if ok {
		b.last = t
	}
	return t, ok
}

func (b *Broker) partition(tp TopicPartition) (*plog, error) {
	t, ok := b.topic(tp.Topic)
	if !ok || tp.Partition < 0 || int(tp.Partition) >= len(t.parts) {
		return nil, errorf(kerr.UnknownTopicOrPart, "%s", tp)
	}
	return t.parts[tp.Partition], nil
}

// Produce appends recs to a partition and returns the offset of the first
// one. Keys, values and headers are copied; a zero Timestamp becomes the
// clock's now; Offset fields are ignored. An unknown topic is created
// (Config.AutoCreatePartitions partitions) if Config.AllowAutoCreateTopics.
// Errors wrap kerr.UnknownTopicOrPart (unknown topic or partition),
// kerr.InvalidTopic (auto-create of an invalid name) or ErrUnavailable.
// Producing no records returns the high watermark.
func (b *Broker) Produce(topicName string, partition int32, recs []Record) (baseOffset int64, err error) {
	if !b.up {
		return 0, errorf(ErrUnavailable, "produce to %s[%d]", topicName, partition)
	}
	t, ok := b.topic(topicName)
	if !ok && b.cfg.AllowAutoCreateTopics {
		if err := b.CreateTopic(topicName, b.cfg.AutoCreatePartitions, TopicConfig{}); err != nil {
			return 0, err
		}
		t, ok = b.topics[topicName]
	}
	if !ok || partition < 0 || int(partition) >= len(t.parts) {
		return 0, errorf(kerr.UnknownTopicOrPart, "produce to %s[%d]", topicName, partition)
	}
	b.version++
	return t.parts[partition].appendRecords(recs, b.clk.Now()), nil
}

// Fetch reads records from offset onwards: at most maxRecords records
// (<= 0: no limit) and at most maxBytes bytes of key+value+headers (<= 0:
// no limit; the first record is returned even if it is larger, as Kafka
// does since KIP-74). An offset equal
// to the high watermark returns no records and no error; an offset outside
// [log start, high watermark] fails with kerr.OffsetOutOfRange. Other
// errors wrap kerr.UnknownTopicOrPart or ErrUnavailable.
//
// The returned records alias broker memory and are read-only; they stay
// valid after the log is truncated.
func (b *Broker) Fetch(tp TopicPartition, offset int64, maxRecords int, maxBytes int) (FetchResult, error) {
	return b.FetchInto(nil, tp, offset, maxRecords, maxBytes)
}

// FetchInto is Fetch appending the records to dst[:0], so a caller that
// reuses its buffer fetches without allocating.
func (b *Broker) FetchInto(dst []Record, tp TopicPartition, offset int64, maxRecords int, maxBytes int) (FetchResult, error) {
	if !b.up {
		return FetchResult{}, errorf(ErrUnavailable, "fetch %s", tp)
	}
	l, err := b.partition(tp)
	if err != nil {
		return FetchResult{}, err
	}
	res := FetchResult{HighWatermark: l.hw, LogStartOffset: l.logStart}
	if offset < l.logStart || offset > l.hw {
		return res, errorf(kerr.OffsetOutOfRange, "fetch %s at offset %d, log is [%d, %d]", tp, offset, l.logStart, l.hw)
	}
	res.Records = l.fetch(dst[:0], offset, maxRecords, maxBytes)
	return res, nil
}

// ListOffset looks up an offset: the log start (Earliest), the high
// watermark (Latest), or the first offset whose timestamp is at or after a
// time (AtTimestamp; the high watermark if none). Errors wrap
// kerr.UnknownTopicOrPart or ErrUnavailable.
func (b *Broker) ListOffset(tp TopicPartition, spec OffsetSpec) (int64, error) {
	if !b.up {
		return 0, errorf(ErrUnavailable, "list offset %s", tp)
	}
	l, err := b.partition(tp)
	if err != nil {
		return 0, err
	}
	switch spec.kind {
	case specEarliest:
		return l.logStart, nil
	case specLatest:
		return l.hw, nil
	default:
		return l.offsetForTime(spec.ts.UnixNano()), nil
	}
}

// DeleteRecords moves the log start of a partition forward to before
// (DeleteRecords API; -1 means the high watermark) and returns the new log
// start. A before at or below the log start changes nothing. Errors wrap
// kerr.OffsetOutOfRange (before > high watermark or < -1),
// kerr.UnknownTopicOrPart or ErrUnavailable.
func (b *Broker) DeleteRecords(tp TopicPartition, before int64) (newLogStart int64, err error) {
	if !b.up {
		return 0, errorf(ErrUnavailable, "delete records %s", tp)
	}
	l, err := b.partition(tp)
	if err != nil {
		return 0, err
	}
	if before == -1 {
		before = l.hw
	}
	if before < 0 || before > l.hw {
		return l.logStart, errorf(kerr.OffsetOutOfRange, "delete records %s before %d, log is [%d, %d]", tp, before, l.logStart, l.hw)
	}
	if before > l.logStart {
		l.truncateHead(before)
		b.version++
	}
	return l.logStart, nil
}

// EnforceRetention applies every topic's retention now: records with a
// timestamp older than now - RetentionTime are deleted from the head of
// each log (stopping at the first newer record), then the oldest records
// while a partition holds more than RetentionBytes. The log start moves
// forward; a consumer whose position falls below it gets
// kerr.OffsetOutOfRange. (Kafka deletes whole segments; the simulator
// deletes single records, as if every record were its own segment.) The
// periodic check calls it every LogRetentionCheckInterval.
func (b *Broker) EnforceRetention() {
	b.version++ // (whether or not anything is deleted)
	now := b.clk.Now()
	for _, name := range sortedKeys(b.topics) {
		t := b.topics[name]
		for _, l := range t.parts {
			if t.cfg.RetentionTime > 0 {
				l.truncateHeadByTime(now.Add(-t.cfg.RetentionTime).UnixNano())
			}
			if t.cfg.RetentionBytes > 0 {
				l.truncateHeadBySize(t.cfg.RetentionBytes)
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
