package broker

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/internal/clock"
	"github.com/kafkasim/kafkasim/internal/kerr"
	"pgregory.net/rapid"
)

// modelRec is what the model remembers of a produced record.
type modelRec struct {
	key, value []byte
	headers    []Header
	ts         time.Time
}

func (r modelRec) size() int64 {
	n := int64(len(r.key) + len(r.value))
	for _, h := range r.headers {
		n += int64(len(h.Key) + len(h.Value))
	}
	return n
}

type modelPart struct {
	start int64      // log start
	recs  []modelRec // every record ever produced, by offset
}

func (p *modelPart) bytes() int64 {
	var n int64
	for _, r := range p.recs[p.start:] {
		n += r.size()
	}
	return n
}

type modelGroup struct {
	offsets    map[TopicPartition]OffsetAndMetadata
	mode       groupMode
	emptySince time.Time
}

// logModel is a deliberately simple reference model of the broker.
type logModel struct {
	sim       *clock.Sim
	b         *Broker
	topics    []string
	parts     map[TopicPartition]*modelPart
	cfg       map[string]TopicConfig
	groups    map[string]*modelGroup
	retention time.Duration
	up        bool
	expired   []string // hook calls
	wantHooks []string
	// readers fetch with Reader.FetchBatch; held are batches kept unread
	// (check reads them: they must not change, whatever the log does).
	readers map[TopicPartition]*Reader
	held    []heldBatch
	apps    map[string]*Appender // see appender
}

// heldBatch is a fetched Batch and the records it must return.
type heldBatch struct {
	tp   TopicPartition
	from int64
	bt   Batch
	want []modelRec
}

// reader returns the model's Reader of tp.
func (m *logModel) reader(tp TopicPartition) *Reader {
	if m.readers == nil {
		m.readers = map[TopicPartition]*Reader{}
	}
	r := m.readers[tp]
	if r == nil {
		rd := m.b.Reader(tp)
		r = &rd
		m.readers[tp] = r
	}
	return r
}

// drain reads every record left in bt.
func drain(bt Batch) []Record {
	var out []Record
	var r Record
	for bt.Next(&r) {
		out = append(out, r)
	}
	return out
}

var propTopics = []string{"a", "b"}

func newLogModel(t *rapid.T) *logModel {
	m := &logModel{
		sim:       clock.NewSim(1),
		parts:     map[TopicPartition]*modelPart{},
		cfg:       map[string]TopicConfig{},
		groups:    map[string]*modelGroup{},
		retention: time.Duration(rapid.IntRange(1, 100).Draw(t, "offsetRetentionSec")) * time.Second,
		up:        true,
	}
	m.b = New(m.sim, Config{
		OffsetsRetention:              m.retention,
		OffsetsRetentionCheckInterval: -1,
		LogRetentionCheckInterval:     -1,
	})
	m.b.OnOffsetsExpired(func(g string, all bool) { m.expired = append(m.expired, fmt.Sprintf("%s %t", g, all)) })
	for _, name := range propTopics {
		n := rapid.IntRange(1, 3).Draw(t, "partitions")
		if err := m.b.CreateTopic(name, n, TopicConfig{}); err != nil {
			t.Fatal(err)
		}
		m.topics = append(m.topics, name)
		for p := range n {
			m.parts[TopicPartition{name, int32(p)}] = &modelPart{}
		}
	}
	return m
}

func (m *logModel) drawTP(t *rapid.T) TopicPartition {
	name := rapid.SampledFrom(m.topics).Draw(t, "topic")
	n := 0
	for tp := range m.parts {
		if tp.Topic == name {
			n++
		}
	}
	// Occasionally an unknown partition.
	return TopicPartition{name, int32(rapid.IntRange(0, n).Draw(t, "partition"))}
}

func drawBytes(t *rapid.T, label string) []byte {
	switch rapid.IntRange(0, 5).Draw(t, label+"Kind") {
	case 0:
		return nil
	case 1:
		return []byte{}
	default:
		return rapid.SliceOfN(rapid.Byte(), 1, 40).Draw(t, label)
	}
}

func (m *logModel) checkDown(t *rapid.T, err error) bool {
	if m.up {
		return false
	}
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, kerr.Transport) {
		t.Fatalf("while down got %v", err)
	}
	return true
}

func (m *logModel) produce(t *rapid.T) {
	tp := m.drawTP(t)
	n := rapid.IntRange(0, 20).Draw(t, "batch")
	// Through an Appender (held across actions, as a producer holds one
	// through its send), one record at a time, or as one Produce.
	viaAppender := n > 0 && rapid.Bool().Draw(t, "viaAppender")
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = Record{Key: drawBytes(t, "key"), Value: drawBytes(t, "value")}
		if !viaAppender && rapid.IntRange(0, 4).Draw(t, "hasHeaders") == 0 {
			for range rapid.IntRange(1, 3).Draw(t, "nHeaders") {
				recs[i].Headers = append(recs[i].Headers, Header{rapid.StringN(0, 5, -1).Draw(t, "hkey"), drawBytes(t, "hval")})
			}
		}
		if rapid.Bool().Draw(t, "explicitTS") {
			recs[i].Timestamp = m.sim.Now().Add(time.Duration(rapid.IntRange(-60, 60).Draw(t, "tsSkew")) * time.Second)
		}
	}
	var base int64
	var err error
	if viaAppender {
		app := m.appender(t, tp.Topic)
		for i, r := range recs {
			off, e := app.Append(tp.Partition, r.Key, r.Value, r.Timestamp)
			if i == 0 {
				base, err = off, e
			} else if (e == nil) != (err == nil) || (e == nil && off != base+int64(i)) {
				t.Fatalf("append %d to %s: offset %d err %v after base %d err %v", i, tp, off, e, base, err)
			}
		}
	} else {
		base, err = m.b.Produce(tp.Topic, tp.Partition, recs)
	}
	if m.checkDown(t, err) {
		return
	}
	p := m.parts[tp]
	if p == nil {
		if !errors.Is(err, kerr.UnknownTopicOrPart) {
			t.Fatalf("produce to unknown %s: %v", tp, err)
		}
		return
	}
	if err != nil || base != int64(len(p.recs)) {
		t.Fatalf("produce to %s: base %d err %v, want base %d", tp, base, err, len(p.recs))
	}
	for _, r := range recs {
		ts := r.Timestamp
		if ts.IsZero() {
			ts = m.sim.Now()
		}
		mr := modelRec{key: bytes.Clone(r.Key), value: bytes.Clone(r.Value), ts: ts}
		for _, h := range r.Headers {
			mr.headers = append(mr.headers, Header{h.Key, bytes.Clone(h.Value)})
		}
		p.recs = append(p.recs, mr)
		// Scribble over the caller's buffers: the broker must have copied.
		for _, b := range [][]byte{r.Key, r.Value} {
			for i := range b {
				b[i] ^= 0xff
			}
		}
	}
}

// appender is the model's Appender for topic, made at its first use and
// kept, or now and then made afresh.
func (m *logModel) appender(t *rapid.T, topic string) *Appender {
	if m.apps == nil {
		m.apps = map[string]*Appender{}
	}
	a := m.apps[topic]
	if a == nil || rapid.IntRange(0, 7).Draw(t, "newAppender") == 0 {
		app := m.b.Appender(topic)
		a = &app
		m.apps[topic] = a
	}
	return a
}

func sameBytes(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) }

func (m *logModel) checkRecords(t *rapid.T, tp TopicPartition, from int64, got []Record) {
	p := m.parts[tp]
	for i, r := range got {
		off := from + int64(i)
		want := p.recs[off]
		if r.Offset != off || !sameBytes(r.Key, want.key) || !sameBytes(r.Value, want.value) || !r.Timestamp.Equal(want.ts) || len(r.Headers) != len(want.headers) {
			t.Fatalf("%s offset %d: got %+v, want %+v", tp, off, r, want)
		}
		for j, h := range r.Headers {
			if h.Key != want.headers[j].Key || !sameBytes(h.Value, want.headers[j].Value) {
				t.Fatalf("%s offset %d header %d: %+v want %+v", tp, off, j, h, want.headers[j])
			}
		}
	}
}

func (m *logModel) fetch(t *rapid.T) {
	tp := m.drawTP(t)
	p := m.parts[tp]
	var hw, start int64
	if p != nil {
		hw, start = int64(len(p.recs)), p.start
	}
	off := rapid.Int64Range(start-2, hw+2).Draw(t, "offset")
	maxRecs := rapid.IntRange(0, 30).Draw(t, "maxRecords")
	maxBytes := rapid.IntRange(0, 300).Draw(t, "maxBytes")
	if p != nil && off >= start && off < hw && rapid.Bool().Draw(t, "exactBytes") {
		// A limit landing exactly on a record boundary.
		k := rapid.Int64Range(1, hw-off).Draw(t, "exactRecords")
		maxBytes = 0
		for _, r := range p.recs[off : off+k] {
			maxBytes += int(r.size())
		}
	}
	var res FetchResult
	var err error
	batch := rapid.Bool().Draw(t, "batch")
	var bt Batch
	if batch {
		res, err = m.reader(tp).FetchBatch(&bt, off, maxRecs, maxBytes)
		if res.Records != nil {
			t.Fatalf("FetchBatch returned records")
		}
		res.Records = drain(bt)
		if bt.Len() != len(res.Records) {
			t.Fatalf("batch Len %d, %d records", bt.Len(), len(res.Records))
		}
	} else {
		res, err = m.b.Fetch(tp, off, maxRecs, maxBytes)
	}
	if m.checkDown(t, err) {
		return
	}
	if p == nil {
		if !errors.Is(err, kerr.UnknownTopicOrPart) {
			t.Fatalf("fetch unknown %s: %v", tp, err)
		}
		return
	}
	if res.HighWatermark != hw || res.LogStartOffset != start {
		t.Fatalf("fetch %s: hw %d start %d, want %d %d", tp, res.HighWatermark, res.LogStartOffset, hw, start)
	}
	if off < start || off > hw {
		if !errors.Is(err, kerr.OffsetOutOfRange) {
			t.Fatalf("fetch %s at %d outside [%d,%d]: %v", tp, off, start, hw, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("fetch %s at %d: %v", tp, off, err)
	}
	// Expected count: limited by records, then bytes (at least one).
	n := int(hw - off)
	if maxRecs > 0 {
		n = min(n, maxRecs)
	}
	if maxBytes > 0 {
		var sum int64
		for i := 0; i < n; i++ {
			sum += p.recs[off+int64(i)].size()
			if sum > int64(maxBytes) && i > 0 {
				n = i
				break
			}
		}
	}
	if len(res.Records) != n {
		t.Fatalf("fetch %s at %d (max %d recs, %d bytes): %d records, want %d", tp, off, maxRecs, maxBytes, len(res.Records), n)
	}
	m.checkRecords(t, tp, off, res.Records)
	if batch && rapid.Bool().Draw(t, "hold") {
		if len(m.held) == 4 {
			m.held = m.held[1:]
		}
		m.held = append(m.held, heldBatch{tp: tp, from: off, bt: bt, want: append([]modelRec(nil), p.recs[off:off+int64(n)]...)})
	}
}

func (m *logModel) listOffset(t *rapid.T) {
	tp := m.drawTP(t)
	p := m.parts[tp]
	var spec OffsetSpec
	var ts time.Time
	switch k := rapid.IntRange(0, 2).Draw(t, "spec"); k {
	case 0:
		spec = Earliest()
	case 1:
		spec = Latest()
	default:
		if p != nil && len(p.recs) > 0 && rapid.Bool().Draw(t, "atRecordTS") {
			ts = p.recs[rapid.IntRange(0, len(p.recs)-1).Draw(t, "rec")].ts
		} else {
			ts = m.sim.Now().Add(time.Duration(rapid.IntRange(-200, 60).Draw(t, "tsBack")) * time.Second)
		}
		spec = AtTimestamp(ts)
	}
	got, err := m.b.ListOffset(tp, spec)
	if m.checkDown(t, err) {
		return
	}
	if p == nil {
		if !errors.Is(err, kerr.UnknownTopicOrPart) {
			t.Fatalf("list offset unknown %s: %v", tp, err)
		}
		return
	}
	hw := int64(len(p.recs))
	want := hw
	switch spec.kind {
	case specEarliest:
		want = p.start
	case specTimestamp:
		for o := p.start; o < hw; o++ {
			if !p.recs[o].ts.Before(ts) {
				want = o
				break
			}
		}
	}
	if err != nil || got != want {
		t.Fatalf("list offset %s %s = %d %v, want %d", tp, spec, got, err, want)
	}
}

func (m *logModel) deleteRecords(t *rapid.T) {
	tp := m.drawTP(t)
	p := m.parts[tp]
	var hw int64
	if p != nil {
		hw = int64(len(p.recs))
	}
	before := rapid.Int64Range(-2, hw+1).Draw(t, "before")
	got, err := m.b.DeleteRecords(tp, before)
	if m.checkDown(t, err) || p == nil {
		return
	}
	if before == -1 {
		before = hw
	}
	if before < -1 || before > hw {
		if !errors.Is(err, kerr.OffsetOutOfRange) {
			t.Fatalf("delete records %s before %d: %v", tp, before, err)
		}
		return
	}
	if before > p.start {
		p.start = before
	}
	if err != nil || got != p.start {
		t.Fatalf("delete records %s before %d: %d %v, want %d", tp, before, got, err, p.start)
	}
}

func (m *logModel) alterRetention(t *rapid.T) {
	name := rapid.SampledFrom(m.topics).Draw(t, "topic")
	cfg := TopicConfig{
		RetentionTime:  time.Duration(rapid.IntRange(-1, 120).Draw(t, "retentionSec")) * time.Second,
		RetentionBytes: int64(rapid.IntRange(-1, 500).Draw(t, "retentionBytes")),
	}
	err := m.b.AlterTopicConfig(name, cfg)
	if m.checkDown(t, err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	m.cfg[name] = cfg
}

func (m *logModel) enforceRetention(t *rapid.T) {
	m.b.EnforceRetention()
	now := m.sim.Now()
	for tp, p := range m.parts {
		cfg := m.cfg[tp.Topic]
		if cfg.RetentionTime > 0 {
			for p.start < int64(len(p.recs)) && p.recs[p.start].ts.Before(now.Add(-cfg.RetentionTime)) {
				p.start++
			}
		}
		if cfg.RetentionBytes > 0 {
			for p.bytes() > cfg.RetentionBytes {
				p.start++
			}
		}
	}
}

func (m *logModel) group(name string) *modelGroup {
	g := m.groups[name]
	if g == nil {
		g = &modelGroup{offsets: map[TopicPartition]OffsetAndMetadata{}}
		m.groups[name] = g
	}
	return g
}

func (m *logModel) commit(t *rapid.T) {
	g := rapid.SampledFrom([]string{"g1", "g2", "g3"}).Draw(t, "group")
	tp := m.drawTP(t)
	om := OffsetAndMetadata{Offset: rapid.Int64Range(-1, 100).Draw(t, "commitOffset"), Metadata: rapid.StringN(0, 4, -1).Draw(t, "meta")}
	m.b.StoreCommittedOffset(g, tp, om)
	om.CommitTime = m.sim.Now()
	m.group(g).offsets[tp] = om
}

func (m *logModel) mark(t *rapid.T) {
	g := rapid.SampledFrom([]string{"g1", "g2", "g3"}).Draw(t, "group")
	mg := m.group(g)
	if rapid.Bool().Draw(t, "empty") {
		m.b.MarkGroupEmpty(g)
		if mg.mode != modeEmpty {
			mg.mode, mg.emptySince = modeEmpty, m.sim.Now()
		}
	} else {
		m.b.MarkGroupActive(g)
		mg.mode = modeActive
	}
}

func (m *logModel) expire(t *rapid.T) {
	m.b.ExpireOffsets()
	now := m.sim.Now()
	for _, name := range []string{"g1", "g2", "g3"} {
		g := m.groups[name]
		if g == nil || g.mode == modeActive {
			continue
		}
		n := 0
		for tp, om := range g.offsets {
			base := om.CommitTime
			if g.mode == modeEmpty {
				base = g.emptySince
			}
			if now.Sub(base) >= m.retention {
				delete(g.offsets, tp)
				n++
			}
		}
		if n > 0 {
			m.wantHooks = append(m.wantHooks, fmt.Sprintf("%s %t", name, len(g.offsets) == 0))
			if len(g.offsets) == 0 {
				delete(m.groups, name)
			}
		}
	}
}

func (m *logModel) check(t *rapid.T) {
	// Held batches return what was fetched, even if the log was truncated
	// since.
	for _, h := range m.held {
		got := drain(h.bt)
		if len(got) != len(h.want) {
			t.Fatalf("held batch %s@%d: %d records, want %d", h.tp, h.from, len(got), len(h.want))
		}
		for i, r := range got {
			w := h.want[i]
			if r.Offset != h.from+int64(i) || !sameBytes(r.Key, w.key) || !sameBytes(r.Value, w.value) || !r.Timestamp.Equal(w.ts) || len(r.Headers) != len(w.headers) {
				t.Fatalf("held batch %s offset %d: got %+v, want %+v", h.tp, h.from+int64(i), r, w)
			}
			for j, hd := range r.Headers {
				if hd.Key != w.headers[j].Key || !sameBytes(hd.Value, w.headers[j].Value) {
					t.Fatalf("held batch %s offset %d header %d: %+v want %+v", h.tp, r.Offset, j, hd, w.headers[j])
				}
			}
		}
	}
	for _, name := range m.topics {
		ti, err := m.b.DescribeTopic(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, pi := range ti.Partitions {
			tp := TopicPartition{name, pi.Partition}
			p := m.parts[tp]
			hw := int64(len(p.recs))
			// High watermark = records produced; log start from the model.
			if pi.HighWatermark != hw || pi.LogStartOffset != p.start || pi.Records != hw-p.start || pi.Bytes != p.bytes() {
				t.Fatalf("%s: %+v, want hw %d start %d bytes %d", tp, pi, hw, p.start, p.bytes())
			}
			// Dense, increasing offsets; exactly what was produced, in order.
			l := m.b.topics[name].parts[pi.Partition]
			got := l.fetch(nil, p.start, 0, 0)
			if int64(len(got)) != hw-p.start {
				t.Fatalf("%s: full scan %d records, want %d", tp, len(got), hw-p.start)
			}
			m.checkRecords(t, tp, p.start, got)
		}
	}
	// Committed offsets: exactly the model's (they only go by expiry).
	for _, g := range []string{"g1", "g2", "g3"} {
		var want []GroupOffset
		if mg := m.groups[g]; mg != nil {
			for tp, om := range mg.offsets {
				want = append(want, GroupOffset{tp, om})
			}
		}
		got := m.b.GroupOffsets(g)
		if len(got) != len(want) {
			t.Fatalf("group %s: %v, want %v", g, got, want)
		}
		for _, o := range got {
			if w := m.groups[g].offsets[o.TopicPartition]; w != o.OffsetAndMetadata {
				t.Fatalf("group %s %s: %+v, want %+v", g, o.TopicPartition, o.OffsetAndMetadata, w)
			}
		}
	}
	if fmt.Sprint(m.expired) != fmt.Sprint(m.wantHooks) {
		t.Fatalf("hooks %v, want %v", m.expired, m.wantHooks)
	}
}

func TestLogProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := newLogModel(t)
		t.Repeat(map[string]func(*rapid.T){
			"advance": func(t *rapid.T) {
				m.sim.RunFor(time.Duration(rapid.IntRange(0, 30_000).Draw(t, "ms")) * time.Millisecond)
			},
			"produce":          m.produce,
			"fetch":            m.fetch,
			"listOffset":       m.listOffset,
			"deleteRecords":    m.deleteRecords,
			"alterRetention":   m.alterRetention,
			"enforceRetention": m.enforceRetention,
			"commit":           m.commit,
			"mark":             m.mark,
			"expire":           m.expire,
			"availability": func(t *rapid.T) {
				m.up = rapid.Bool().Draw(t, "up")
				m.b.SetAvailable(m.up)
			},
			"": m.check,
		})
	})
}

// detOps drives a broker through a seeded pseudo-random sequence of
// operations (including partitioners drawing from the clock's source) and
// returns its Dump.
func detOps(seed uint64) string {
	sim := clock.NewSim(seed)
	b := New(sim, Config{OffsetsRetention: time.Hour, OffsetsRetentionCheckInterval: time.Minute, LogRetentionCheckInterval: time.Minute})
	r := sim.Rand()
	_ = b.CreateTopic("t", 4, TopicConfig{RetentionTime: 20 * time.Minute, RetentionBytes: 4000})
	_ = b.CreateTopic("u", 2, TopicConfig{})
	part := NewConsistentRandom(sim, r, DefaultStickyLinger)
	for i := range 2000 {
		switch r.IntN(10) {
		case 0, 1, 2, 3:
			var key []byte
			if r.IntN(2) == 0 {
				key = fmt.Appendf(nil, "k%d", r.IntN(50))
			}
			topic := []string{"t", "u"}[r.IntN(2)]
			p := part.Partition(key, map[string]int32{"t": 4, "u": 2}[topic])
			_, _ = b.Produce(topic, p, []Record{{Key: key, Value: fmt.Appendf(nil, "v%d-%d", i, r.Uint32())}})
		case 4:
			_, _ = b.DeleteRecords(TopicPartition{"u", int32(r.IntN(2))}, int64(r.IntN(20)))
		case 5:
			g := fmt.Sprintf("g%d", r.IntN(4))
			b.StoreCommittedOffset(g, TopicPartition{"t", int32(r.IntN(4))}, OffsetAndMetadata{Offset: int64(r.IntN(100))})
		case 6:
			g := fmt.Sprintf("g%d", r.IntN(4))
			if r.IntN(2) == 0 {
				b.MarkGroupEmpty(g)
			} else {
				b.MarkGroupActive(g)
			}
		case 7:
			b.SetAvailable(r.IntN(4) != 0)
		default:
			sim.RunFor(time.Duration(r.IntN(60_000)) * time.Millisecond)
		}
	}
	return b.Dump()
}

func TestDeterminism(t *testing.T) {
	a, b, c := detOps(42), detOps(42), detOps(43)
	if a != b {
		t.Fatalf("same seed, different dumps:\n%s\n---\n%s", a, b)
	}
	if a == c {
		t.Fatal("different seeds gave identical dumps")
	}
	for _, want := range []string{"topic t partitions=4", "group g", "hash="} {
		if !bytes.Contains([]byte(a), []byte(want)) {
			t.Fatalf("dump lacks %q:\n%s", want, a)
		}
	}
}

func TestDumpReflectsContent(t *testing.T) {
	mk := func(v string) string {
		b := New(clock.NewSim(1), Config{})
		_ = b.CreateTopic("t", 1, TopicConfig{})
		_, _ = b.Produce("t", 0, vals(v))
		return b.Dump()
	}
	same1, same2 := mk("same"), mk("same")
	if same1 != same2 || mk("one") == mk("two") {
		t.Fatal("dump does not reflect record content")
	}
}

// FuzzProduceFetch round-trips arbitrary keys, values and headers.
func FuzzProduceFetch(f *testing.F) {
	f.Add([]byte("k"), []byte("v"), "h", []byte("hv"), uint8(3), int64(0))
	f.Add([]byte(nil), []byte{}, "", []byte(nil), uint8(0), int64(-5))
	f.Fuzz(func(t *testing.T, key, value []byte, hk string, hv []byte, n uint8, tsOff int64) {
		b := New(clock.NewSim(1), Config{})
		_ = b.CreateTopic("t", 1, TopicConfig{})
		var recs []Record
		for i := range int(n%8) + 1 {
			r := Record{Key: key, Value: value, Timestamp: clock.Epoch.Add(time.Duration(tsOff % (1 << 40)))}
			if i%2 == 1 {
				r.Headers = []Header{{hk, hv}}
			}
			recs = append(recs, r)
		}
		if _, err := b.Produce("t", 0, recs); err != nil {
			t.Fatal(err)
		}
		res, err := b.Fetch(TopicPartition{"t", 0}, 0, 0, 0)
		if err != nil || len(res.Records) != len(recs) {
			t.Fatalf("fetched %d of %d: %v", len(res.Records), len(recs), err)
		}
		for i, r := range res.Records {
			w := recs[i]
			if r.Offset != int64(i) || !sameBytes(r.Key, w.Key) || !sameBytes(r.Value, w.Value) || !r.Timestamp.Equal(w.Timestamp) || len(r.Headers) != len(w.Headers) {
				t.Fatalf("record %d: %+v, want %+v", i, r, w)
			}
			if len(w.Headers) == 1 && (r.Headers[0].Key != hk || !sameBytes(r.Headers[0].Value, hv)) {
				t.Fatalf("header %+v", r.Headers[0])
			}
		}
	})
}
