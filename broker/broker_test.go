package broker

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/internal/clock"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

func newTest(t *testing.T, cfg Config) (*Broker, *clock.Sim) {
	t.Helper()
	sim := clock.NewSim(1)
	return New(sim, cfg), sim
}

func mustCreate(t *testing.T, b *Broker, name string, n int, cfg TopicConfig) {
	t.Helper()
	if err := b.CreateTopic(name, n, cfg); err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
}

func vals(vs ...string) []Record {
	out := make([]Record, len(vs))
	for i, v := range vs {
		out[i] = Record{Value: []byte(v)}
	}
	return out
}

func mustProduce(t *testing.T, b *Broker, topic string, p int32, recs []Record) int64 {
	t.Helper()
	off, err := b.Produce(topic, p, recs)
	if err != nil {
		t.Fatalf("produce: %v", err)
	}
	return off
}

func values(recs []Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = string(r.Value)
	}
	return out
}

func wantCode(t *testing.T, err error, code kerr.Code) {
	t.Helper()
	if code == kerr.NoError {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	if !errors.Is(err, code) {
		t.Fatalf("error %v, want %s", err, code)
	}
}

func TestTopicSingleOperations(t *testing.T) {
	long := strings.Repeat("x", 250)
	cases := []struct {
		name  string
		topic string
		parts int
		want  kerr.Code
	}{
		{"ok", "orders", 3, kerr.NoError},
		{"dots and dashes", "a.b_c-D9", 1, kerr.NoError},
		{"max length", long[:249], 1, kerr.NoError},
		{"duplicate", "existing", 1, kerr.TopicAlreadyExists},
		{"zero partitions", "t0", 0, kerr.InvalidPartitions},
		{"negative partitions", "tneg", -1, kerr.InvalidPartitions},
		{"empty name", "", 1, kerr.InvalidTopic},
		{"dot", ".", 1, kerr.InvalidTopic},
		{"dotdot", "..", 1, kerr.InvalidTopic},
		{"too long", long, 1, kerr.InvalidTopic},
		{"space", "a b", 1, kerr.InvalidTopic},
		{"slash", "a/b", 1, kerr.InvalidTopic},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, _ := newTest(t, Config{})
			mustCreate(t, b, "existing", 2, TopicConfig{})
			wantCode(t, b.CreateTopic(c.topic, c.parts, TopicConfig{RetentionBytes: 7}), c.want)
			ti, err := b.DescribeTopic(c.topic)
			if c.want == kerr.NoError {
				if err != nil || len(ti.Partitions) != c.parts || ti.Config.RetentionBytes != 7 || ti.Name != c.topic {
					t.Fatalf("describe after create: %+v %v", ti, err)
				}
			} else if c.topic != "existing" {
				wantCode(t, err, kerr.UnknownTopicOrPart)
			}
		})
	}
}

func TestTopicsListDescribeDelete(t *testing.T) {
	b, _ := newTest(t, Config{})
	for _, n := range []string{"zeta", "alpha", "mid"} {
		mustCreate(t, b, n, 2, TopicConfig{})
	}
	var names []string
	for _, ti := range b.Topics() {
		names = append(names, ti.Name)
	}
	if fmt.Sprint(names) != "[alpha mid zeta]" {
		t.Fatalf("Topics order %v", names)
	}
	mustProduce(t, b, "mid", 1, vals("a", "bb"))
	ti, _ := b.DescribeTopic("mid")
	want := PartitionInfo{Partition: 1, LogStartOffset: 0, HighWatermark: 2, Records: 2, Bytes: 3}
	if ti.Partitions[1] != want || ti.Partitions[0].HighWatermark != 0 {
		t.Fatalf("describe %+v", ti)
	}
	if n, err := b.Partitions("mid"); n != 2 || err != nil {
		t.Fatalf("Partitions = %d %v", n, err)
	}
	wantCode(t, b.DeleteTopic("mid"), kerr.NoError)
	wantCode(t, b.DeleteTopic("mid"), kerr.UnknownTopicOrPart)
	_, err := b.Fetch(TopicPartition{"mid", 1}, 0, 10, 0)
	wantCode(t, err, kerr.UnknownTopicOrPart)
	// Recreated topic starts empty.
	mustCreate(t, b, "mid", 1, TopicConfig{})
	if off := mustProduce(t, b, "mid", 0, vals("x")); off != 0 {
		t.Fatalf("recreated topic base offset %d", off)
	}
}

func TestProduce(t *testing.T) {
	cases := []struct {
		name      string
		cfg       Config
		topic     string
		partition int32
		want      kerr.Code
		wantParts int
	}{
		{"existing", Config{}, "t", 1, kerr.NoError, 2},
		{"partition too high", Config{}, "t", 2, kerr.UnknownTopicOrPart, 2},
		{"negative partition", Config{}, "t", -1, kerr.UnknownTopicOrPart, 2},
		{"unknown topic, no auto-create", Config{}, "new", 0, kerr.UnknownTopicOrPart, 0},
		{"auto-create default 1 partition", Config{AllowAutoCreateTopics: true}, "new", 0, kerr.NoError, 1},
		{"auto-create 4 partitions", Config{AllowAutoCreateTopics: true, AutoCreatePartitions: 4}, "new", 3, kerr.NoError, 4},
		{"auto-create, partition out of range", Config{AllowAutoCreateTopics: true}, "new", 1, kerr.UnknownTopicOrPart, 1},
		{"auto-create invalid name", Config{AllowAutoCreateTopics: true}, "bad name", 0, kerr.InvalidTopic, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, _ := newTest(t, c.cfg)
			mustCreate(t, b, "t", 2, TopicConfig{})
			_, err := b.Produce(c.topic, c.partition, vals("v"))
			wantCode(t, err, c.want)
			n, perr := b.Partitions(c.topic)
			if c.wantParts == 0 {
				wantCode(t, perr, kerr.UnknownTopicOrPart)
			} else if int(n) != c.wantParts {
				t.Fatalf("topic has %d partitions, want %d", n, c.wantParts)
			}
		})
	}
}

func TestProduceCopiesAndStampsRecords(t *testing.T) {
	b, sim := newTest(t, Config{})
	mustCreate(t, b, "t", 1, TopicConfig{})
	sim.RunFor(90 * time.Second)
	ts := clock.Epoch.Add(time.Second)
	in := []Record{
		{Key: []byte("k"), Value: []byte("v1"), Headers: []Header{{"h", []byte("hv")}, {"h", nil}}, Offset: 99},
		{Key: nil, Value: nil, Timestamp: ts},
		{Key: []byte{}, Value: []byte{}},
	}
	if off := mustProduce(t, b, "t", 0, in); off != 0 {
		t.Fatalf("base %d", off)
	}
	if off := mustProduce(t, b, "t", 0, vals("next")); off != 3 {
		t.Fatalf("second base %d", off)
	}
	// Mutating the caller's buffers must not change the log.
	in[0].Key[0], in[0].Value[0], in[0].Headers[0].Value[0] = 'X', 'X', 'X'
	res, err := b.Fetch(TopicPartition{"t", 0}, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := res.Records
	if len(r) != 4 || res.HighWatermark != 4 || res.LogStartOffset != 0 {
		t.Fatalf("fetched %d records, hw %d", len(r), res.HighWatermark)
	}
	if string(r[0].Key) != "k" || string(r[0].Value) != "v1" || r[0].Offset != 0 {
		t.Fatalf("record 0 = %+v", r[0])
	}
	if len(r[0].Headers) != 2 || string(r[0].Headers[0].Value) != "hv" || r[0].Headers[1].Value != nil || r[0].Headers[1].Key != "h" {
		t.Fatalf("headers %+v", r[0].Headers)
	}
	if !r[0].Timestamp.Equal(clock.Epoch.Add(90 * time.Second)) {
		t.Fatalf("zero timestamp became %v, want now", r[0].Timestamp)
	}
	if r[1].Key != nil || r[1].Value != nil || !r[1].Timestamp.Equal(ts) || r[1].Headers != nil {
		t.Fatalf("null record = %+v", r[1])
	}
	if r[2].Key == nil || len(r[2].Key) != 0 || r[2].Value == nil || len(r[2].Value) != 0 {
		t.Fatalf("empty key/value lost their non-nil-ness: %+v", r[2])
	}
	// Returned slices cannot be appended into the neighbouring record.
	if cap(r[0].Key) != 1 || cap(r[0].Value) != 2 {
		t.Fatalf("aliasing slices not capped: cap key %d value %d", cap(r[0].Key), cap(r[0].Value))
	}
	ti, _ := b.DescribeTopic("t")
	if got := ti.Partitions[0].Bytes; got != 1+2+(1+2)+(1+0)+4 {
		t.Fatalf("bytes %d, want 11 (key+value+header bytes)", got)
	}
	// Producing nothing returns the high watermark.
	if off := mustProduce(t, b, "t", 0, nil); off != 4 {
		t.Fatalf("empty produce returned %d", off)
	}
}

func TestFetch(t *testing.T) {
	// Log: offsets 0..9 with values "0".."9" (1 byte each), then log start
	// moved to 2.
	cases := []struct {
		name       string
		offset     int64
		maxRecords int
		maxBytes   int
		want       string
		code       kerr.Code
	}{
		{"from log start", 2, 0, 0, "[2 3 4 5 6 7 8 9]", kerr.NoError},
		{"max records", 3, 4, 0, "[3 4 5 6]", kerr.NoError},
		{"max bytes", 3, 0, 3, "[3 4 5]", kerr.NoError},
		{"both limits, records binds", 3, 2, 5, "[3 4]", kerr.NoError},
		{"max bytes smaller than one record still returns one", 9, 0, 0, "[9]", kerr.NoError},
		{"at high watermark: empty, no error", 10, 5, 0, "[]", kerr.NoError},
		{"below log start", 1, 5, 0, "", kerr.OffsetOutOfRange},
		{"beyond high watermark", 11, 5, 0, "", kerr.OffsetOutOfRange},
		{"negative", -1, 5, 0, "", kerr.OffsetOutOfRange},
	}
	b, _ := newTest(t, Config{})
	mustCreate(t, b, "t", 1, TopicConfig{})
	for i := range 10 {
		mustProduce(t, b, "t", 0, vals(fmt.Sprint(i)))
	}
	tp := TopicPartition{"t", 0}
	if _, err := b.DeleteRecords(tp, 2); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := b.Fetch(tp, c.offset, c.maxRecords, c.maxBytes)
			wantCode(t, err, c.code)
			if res.HighWatermark != 10 || res.LogStartOffset != 2 {
				t.Fatalf("hw %d log start %d", res.HighWatermark, res.LogStartOffset)
			}
			if c.code != kerr.NoError {
				return
			}
			if got := fmt.Sprint(values(res.Records)); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
			for i, r := range res.Records {
				if r.Offset != c.offset+int64(i) {
					t.Fatalf("offset %d at index %d", r.Offset, i)
				}
			}
		})
	}
	// A single record larger than maxBytes is still returned.
	mustProduce(t, b, "t", 0, vals("a-much-longer-value"))
	res, err := b.Fetch(tp, 10, 0, 2)
	if err != nil || len(res.Records) != 1 {
		t.Fatalf("oversized first record: %v %v", res.Records, err)
	}
	_, err = b.Fetch(TopicPartition{"t", 1}, 0, 1, 0)
	wantCode(t, err, kerr.UnknownTopicOrPart)
}

func TestFetchIntoReusesBuffer(t *testing.T) {
	b, _ := newTest(t, Config{})
	mustCreate(t, b, "t", 1, TopicConfig{})
	mustProduce(t, b, "t", 0, vals("a", "b", "c", "d"))
	buf := make([]Record, 0, 8)
	res, _ := b.FetchInto(buf, TopicPartition{"t", 0}, 0, 2, 0)
	if &res.Records[0] != &buf[:1][0] {
		t.Fatal("FetchInto did not use the caller's buffer")
	}
	res, _ = b.FetchInto(res.Records, TopicPartition{"t", 0}, 2, 0, 0)
	if fmt.Sprint(values(res.Records)) != "[c d]" {
		t.Fatalf("second fetch %v", values(res.Records))
	}
	allocs := testing.AllocsPerRun(100, func() {
		res, _ = b.FetchInto(res.Records, TopicPartition{"t", 0}, 0, 0, 0)
	})
	if allocs != 0 {
		t.Fatalf("FetchInto with a big enough buffer allocated %.1f times", allocs)
	}
}

func TestListOffset(t *testing.T) {
	b, sim := newTest(t, Config{})
	mustCreate(t, b, "t", 2, TopicConfig{})
	// Records at 0s, 10s, 20s, 30s, 40s.
	for range 5 {
		mustProduce(t, b, "t", 0, vals("x"))
		sim.RunFor(10 * time.Second)
	}
	tp := TopicPartition{"t", 0}
	at := func(d time.Duration) OffsetSpec { return AtTimestamp(clock.Epoch.Add(d)) }
	cases := []struct {
		name string
		tp   TopicPartition
		spec OffsetSpec
		want int64
		code kerr.Code
	}{
		{"earliest", tp, Earliest(), 0, kerr.NoError},
		{"latest", tp, Latest(), 5, kerr.NoError},
		{"exact timestamp", tp, at(20 * time.Second), 2, kerr.NoError},
		{"between timestamps", tp, at(25 * time.Second), 3, kerr.NoError},
		{"before all", tp, at(-time.Hour), 0, kerr.NoError},
		{"after all", tp, at(41 * time.Second), 5, kerr.NoError},
		{"empty partition earliest", TopicPartition{"t", 1}, Earliest(), 0, kerr.NoError},
		{"empty partition by time", TopicPartition{"t", 1}, at(0), 0, kerr.NoError},
		{"unknown partition", TopicPartition{"t", 2}, Latest(), 0, kerr.UnknownTopicOrPart},
		{"unknown topic", TopicPartition{"nope", 0}, Latest(), 0, kerr.UnknownTopicOrPart},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := b.ListOffset(c.tp, c.spec)
			wantCode(t, err, c.code)
			if err == nil && got != c.want {
				t.Fatalf("%s = %d, want %d", c.spec, got, c.want)
			}
		})
	}
	// After deleting records, earliest and by-time respect the log start.
	if _, err := b.DeleteRecords(tp, 3); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.ListOffset(tp, Earliest()); got != 3 {
		t.Fatalf("earliest after delete = %d", got)
	}
	if got, _ := b.ListOffset(tp, at(0)); got != 3 {
		t.Fatalf("by time after delete = %d", got)
	}
}

func TestListOffsetNonMonotonicTimestamps(t *testing.T) {
	b, _ := newTest(t, Config{})
	mustCreate(t, b, "t", 1, TopicConfig{})
	ts := []time.Duration{50, 10, 30, 70, 20}
	for _, d := range ts {
		mustProduce(t, b, "t", 0, []Record{{Value: []byte("v"), Timestamp: clock.Epoch.Add(d * time.Second)}})
	}
	for _, c := range []struct {
		at   time.Duration
		want int64
	}{{5, 0}, {50, 0}, {60, 3}, {70, 3}, {71, 5}} {
		got, _ := b.ListOffset(TopicPartition{"t", 0}, AtTimestamp(clock.Epoch.Add(c.at*time.Second)))
		if got != c.want {
			t.Fatalf("at %ds = %d, want %d", c.at, got, c.want)
		}
	}
}

func TestDeleteRecords(t *testing.T) {
	cases := []struct {
		name      string
		before    int64
		wantStart int64
		code      kerr.Code
	}{
		{"middle", 4, 4, kerr.NoError},
		{"all via -1", -1, 10, kerr.NoError},
		{"up to hw", 10, 10, kerr.NoError},
		{"below log start: no-op", 1, 2, kerr.NoError},
		{"at log start: no-op", 2, 2, kerr.NoError},
		{"beyond hw", 11, 2, kerr.OffsetOutOfRange},
		{"negative", -2, 2, kerr.OffsetOutOfRange},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, _ := newTest(t, Config{})
			mustCreate(t, b, "t", 1, TopicConfig{})
			for i := range 10 {
				mustProduce(t, b, "t", 0, vals(fmt.Sprint(i)))
			}
			tp := TopicPartition{"t", 0}
			if _, err := b.DeleteRecords(tp, 2); err != nil {
				t.Fatal(err)
			}
			got, err := b.DeleteRecords(tp, c.before)
			wantCode(t, err, c.code)
			if got != c.wantStart {
				t.Fatalf("log start %d, want %d", got, c.wantStart)
			}
			ti, _ := b.DescribeTopic("t")
			p := ti.Partitions[0]
			if p.LogStartOffset != c.wantStart || p.HighWatermark != 10 || p.Records != 10-c.wantStart || p.Bytes != 10-c.wantStart {
				t.Fatalf("after delete %+v", p)
			}
			res, err := b.Fetch(tp, c.wantStart, 0, 0)
			if err != nil || int64(len(res.Records)) != 10-c.wantStart {
				t.Fatalf("fetch from new log start: %d records, %v", len(res.Records), err)
			}
			if c.wantStart > 0 {
				_, err = b.Fetch(tp, c.wantStart-1, 0, 0)
				wantCode(t, err, kerr.OffsetOutOfRange)
			}
			// Producing continues at the high watermark.
			if off := mustProduce(t, b, "t", 0, vals("z")); off != 10 {
				t.Fatalf("produce after delete at %d", off)
			}
		})
	}
}

// A slow consumer's position falls off the log when retention moves the log
// start past it; it then gets OFFSET_OUT_OF_RANGE.
func TestRetentionByTimeSlowConsumerFallsOff(t *testing.T) {
	b, sim := newTest(t, Config{LogRetentionCheckInterval: time.Minute})
	mustCreate(t, b, "t", 1, TopicConfig{RetentionTime: 10 * time.Minute})
	tp := TopicPartition{"t", 0}
	// One record a minute for 30 minutes; the consumer reads only 5.
	for range 30 {
		mustProduce(t, b, "t", 0, vals("m"))
		sim.RunFor(time.Minute)
	}
	res, err := b.Fetch(tp, 5, 1, 0)
	wantCode(t, err, kerr.OffsetOutOfRange)
	// Records are at minutes 0..29, now is 30m: older than 20m are gone
	// (the periodic check ran at 30m: cutoff 20m, record at 20m stays).
	if res.LogStartOffset != 20 || res.HighWatermark != 30 {
		t.Fatalf("log [%d, %d], want [20, 30]", res.LogStartOffset, res.HighWatermark)
	}
	if got, _ := b.ListOffset(tp, Earliest()); got != 20 {
		t.Fatalf("earliest %d", got)
	}
}

func TestRetention(t *testing.T) {
	cases := []struct {
		name      string
		cfg       TopicConfig
		wantStart int64
	}{
		{"unlimited", TopicConfig{}, 0},
		{"negative is unlimited", TopicConfig{RetentionTime: -1, RetentionBytes: -1}, 0},
		// 10 records of 10 bytes, produced at 0s..9s; enforced at 10s.
		{"time 5s keeps records at 5s..9s", TopicConfig{RetentionTime: 5 * time.Second}, 5},
		{"time longer than log", TopicConfig{RetentionTime: time.Hour}, 0},
		{"bytes 35 keeps last 3", TopicConfig{RetentionBytes: 35}, 7},
		{"bytes exactly 30 keeps last 3", TopicConfig{RetentionBytes: 30}, 7},
		{"bytes 5 keeps nothing", TopicConfig{RetentionBytes: 5}, 10},
		{"both: bytes binds", TopicConfig{RetentionTime: 8 * time.Second, RetentionBytes: 20}, 8},
		{"both: time binds", TopicConfig{RetentionTime: 2 * time.Second, RetentionBytes: 50}, 8},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, sim := newTest(t, Config{LogRetentionCheckInterval: -1})
			mustCreate(t, b, "t", 1, c.cfg)
			for range 10 {
				mustProduce(t, b, "t", 0, vals("0123456789"))
				sim.RunFor(time.Second)
			}
			b.EnforceRetention()
			ti, _ := b.DescribeTopic("t")
			p := ti.Partitions[0]
			if p.LogStartOffset != c.wantStart || p.HighWatermark != 10 || p.Bytes != 10*(10-c.wantStart) {
				t.Fatalf("after retention %+v, want log start %d", p, c.wantStart)
			}
		})
	}
}

func TestRetentionIsPeriodicAndAlterable(t *testing.T) {
	b, sim := newTest(t, Config{}) // default 5m check
	mustCreate(t, b, "t", 1, TopicConfig{})
	mustProduce(t, b, "t", 0, vals("a", "b", "c"))
	sim.RunFor(time.Hour)
	if err := b.AlterTopicConfig("t", TopicConfig{RetentionTime: time.Minute}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, b.AlterTopicConfig("nope", TopicConfig{}), kerr.UnknownTopicOrPart)
	start := func() int64 { ti, _ := b.DescribeTopic("t"); return ti.Partitions[0].LogStartOffset }
	sim.RunFor(4 * time.Minute) // at 64m: next check is at 65m
	if start() != 0 {
		t.Fatal("retention ran before the 5-minute check")
	}
	sim.RunFor(time.Minute)
	if start() != 3 {
		t.Fatalf("periodic check did not apply retention: log start %d", start())
	}
	// Time retention frees memory: the chunks and pages are gone.
	l := b.topics["t"].parts[0]
	if len(l.chunks) > 1 || l.bytes != 0 {
		t.Fatalf("retained %d chunks, %d bytes", len(l.chunks), l.bytes)
	}
}

func TestRetentionReleasesChunksAndPages(t *testing.T) {
	b, _ := newTest(t, Config{LogRetentionCheckInterval: -1})
	mustCreate(t, b, "t", 1, TopicConfig{RetentionBytes: 1 << 20})
	v := bytes.Repeat([]byte("x"), 1000)
	batch := make([]Record, 100)
	for i := range batch {
		batch[i] = Record{Value: v, Headers: []Header{{"i", []byte{byte(i)}}}}
	}
	for range 200 { // 20 MB through a 1 MB retention
		mustProduce(t, b, "t", 0, batch)
		b.EnforceRetention()
	}
	l := b.topics["t"].parts[0]
	if len(l.chunks) > 3 || len(l.pages) > 2 || len(l.hdrs) > 1100 {
		t.Fatalf("retention kept %d chunks, %d pages, %d header entries", len(l.chunks), len(l.pages), len(l.hdrs))
	}
	res, err := b.Fetch(TopicPartition{"t", 0}, l.logStart, 0, 0)
	if err != nil || len(res.Records) == 0 || res.Records[0].Headers[0].Value[0] != byte(l.logStart%100) {
		t.Fatalf("fetch after retention: %v", err)
	}
	if l.hw != 20000 || l.bytes > 1<<20 {
		t.Fatalf("hw %d bytes %d", l.hw, l.bytes)
	}
}

func TestLargeRecordsGetOwnChunk(t *testing.T) {
	b, _ := newTest(t, Config{})
	mustCreate(t, b, "t", 1, TopicConfig{})
	big := bytes.Repeat([]byte{7}, 3*chunkSize)
	mustProduce(t, b, "t", 0, []Record{{Value: []byte("small")}, {Key: []byte("k"), Value: big}, {Value: []byte("after")}})
	res, err := b.Fetch(TopicPartition{"t", 0}, 0, 0, 0)
	if err != nil || len(res.Records) != 3 || !bytes.Equal(res.Records[1].Value, big) || string(res.Records[2].Value) != "after" {
		t.Fatalf("large record roundtrip failed: %v", err)
	}
}

func TestUnavailable(t *testing.T) {
	b, _ := newTest(t, Config{})
	mustCreate(t, b, "t", 1, TopicConfig{})
	mustProduce(t, b, "t", 0, vals("a"))
	tp := TopicPartition{"t", 0}
	b.SetAvailable(false)
	if b.Available() {
		t.Fatal("Available after SetAvailable(false)")
	}
	calls := map[string]error{}
	_, calls["produce"] = b.Produce("t", 0, vals("b"))
	_, calls["fetch"] = b.Fetch(tp, 0, 1, 0)
	_, calls["list"] = b.ListOffset(tp, Latest())
	_, calls["delete records"] = b.DeleteRecords(tp, 1)
	calls["create"] = b.CreateTopic("u", 1, TopicConfig{})
	calls["delete topic"] = b.DeleteTopic("t")
	calls["alter"] = b.AlterTopicConfig("t", TopicConfig{})
	calls["ping"] = b.Ping()
	for name, err := range calls {
		if !errors.Is(err, ErrUnavailable) || !errors.Is(err, kerr.Transport) || kerr.CodeOf(err) != kerr.Transport {
			t.Errorf("%s while down: %v, want ErrUnavailable wrapping _TRANSPORT", name, err)
		}
	}
	// Nothing changed while down; inspection still works.
	if ti, err := b.DescribeTopic("t"); err != nil || ti.Partitions[0].HighWatermark != 1 {
		t.Fatalf("state changed while down: %+v %v", ti, err)
	}
	b.SetAvailable(true)
	if b.Ping() != nil {
		t.Fatal("Ping failed while up")
	}
	if off := mustProduce(t, b, "t", 0, vals("b")); off != 1 {
		t.Fatalf("produce after up at %d", off)
	}
}

// TestAvailabilityChangedHook: the functions registered with
// OnAvailabilityChanged are called in order, once per change (not for a
// SetAvailable that changes nothing), and see the new state.
func TestAvailabilityChangedHook(t *testing.T) {
	b, _ := newTest(t, Config{})
	var got []string
	for _, name := range []string{"a", "b"} {
		b.OnAvailabilityChanged(func(up bool) {
			got = append(got, fmt.Sprintf("%s %t available=%t", name, up, b.Available()))
		})
	}
	b.SetAvailable(true)
	b.SetAvailable(false)
	b.SetAvailable(false)
	b.SetAvailable(true)
	want := "a false available=false, b false available=false, a true available=true, b true available=true"
	if s := strings.Join(got, ", "); s != want {
		t.Fatalf("calls: %s\nwant:  %s", s, want)
	}
}

func TestPeriodicChecksSkipWhileDownAndStop(t *testing.T) {
	b, sim := newTest(t, Config{OffsetsRetention: time.Hour})
	mustCreate(t, b, "t", 1, TopicConfig{RetentionTime: time.Minute})
	mustProduce(t, b, "t", 0, vals("a"))
	tp := TopicPartition{"t", 0}
	b.StoreCommittedOffset("g", tp, OffsetAndMetadata{Offset: 1})
	b.SetAvailable(false)
	sim.RunFor(2 * time.Hour)
	if _, ok := b.CommittedOffset("g", tp); !ok {
		t.Fatal("offset expired while the cluster was down")
	}
	if ti, _ := b.DescribeTopic("t"); ti.Partitions[0].LogStartOffset != 0 {
		t.Fatal("retention ran while the cluster was down")
	}
	b.SetAvailable(true)
	sim.RunFor(10 * time.Minute)
	if _, ok := b.CommittedOffset("g", tp); ok {
		t.Fatal("offset not expired after the cluster came back")
	}
	if ti, _ := b.DescribeTopic("t"); ti.Partitions[0].LogStartOffset != 1 {
		t.Fatal("retention did not run after the cluster came back")
	}
	b.Stop()
	if !sim.RunUntilIdle(100) {
		t.Fatal("timers still pending after Stop")
	}
}

func TestTopicPartitionHelpers(t *testing.T) {
	tps := []TopicPartition{{"b", 1}, {"a", 10}, {"b", 0}, {"a", 2}}
	SortTopicPartitions(tps)
	if fmt.Sprint(tps) != "[a[2] a[10] b[0] b[1]]" {
		t.Fatalf("sorted %v", tps)
	}
	for spec, want := range map[OffsetSpec]string{
		Earliest(): "earliest", Latest(): "latest",
		AtTimestamp(clock.Epoch.Add(1500 * time.Millisecond)): "timestamp(2026-01-01T00:00:01.5Z)",
	} {
		if spec.String() != want {
			t.Errorf("spec %q, want %q", spec.String(), want)
		}
	}
	def := Config{}.withDefaults()
	if def.AutoCreatePartitions != 1 || def.OffsetsRetention != 7*24*time.Hour ||
		def.OffsetsRetentionCheckInterval != 10*time.Minute || def.LogRetentionCheckInterval != 5*time.Minute {
		t.Fatalf("defaults %+v", def)
	}
}

func TestCreatePartitions(t *testing.T) {
	b, _ := newTest(t, Config{})
	mustCreate(t, b, "t", 2, TopicConfig{})
	mustProduce(t, b, "t", 1, vals("a", "b"))
	wantCode(t, b.CreatePartitions("t", 2), kerr.InvalidPartitions)
	wantCode(t, b.CreatePartitions("t", 1), kerr.InvalidPartitions)
	wantCode(t, b.CreatePartitions("nope", 3), kerr.UnknownTopicOrPart)
	wantCode(t, b.CreatePartitions("t", 4), kerr.NoError)
	ti, _ := b.DescribeTopic("t")
	if len(ti.Partitions) != 4 || ti.Partitions[1].HighWatermark != 2 || ti.Partitions[3].HighWatermark != 0 {
		t.Fatalf("after CreatePartitions %+v", ti)
	}
	if off := mustProduce(t, b, "t", 3, vals("c")); off != 0 {
		t.Fatalf("new partition base offset %d", off)
	}
	b.SetAvailable(false)
	if err := b.CreatePartitions("t", 5); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("while down: %v", err)
	}
}
