package sim

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/group"
)

func code(err error) client.ErrorCode { return client.ErrorFrom(err).Code() }

func TestQueryWatermarkOffsets(t *testing.T) {
	cl := newTestCluster(t, "t", 2)
	produceN(t, cl, "t", 0, 0, 10)
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g"})
	low, high, err := c.QueryWatermarkOffsets("t", 0, 1000)
	if err != nil || low != 0 || high != 10 {
		t.Fatalf("t[0]: %d %d %v, want 0 10", low, high, err)
	}
	if _, err := cl.Broker().DeleteRecords(broker.TopicPartition{Topic: "t", Partition: 0}, 4); err != nil {
		t.Fatal(err)
	}
	if low, high, _ = c.QueryWatermarkOffsets("t", 0, 1000); low != 4 || high != 10 {
		t.Fatalf("after DeleteRecords: %d %d, want 4 10", low, high)
	}
	if low, high, _ = c.QueryWatermarkOffsets("t", 1, 1000); low != 0 || high != 0 {
		t.Fatalf("empty t[1]: %d %d, want 0 0", low, high)
	}
	// The cached watermarks are a fetch's, not the query's.
	if low, high, _ := c.GetWatermarkOffsets("t", 0); low != -1001 || high != -1001 {
		t.Fatalf("GetWatermarkOffsets after a query: %d %d, want -1001 (nothing fetched)", low, high)
	}
	for _, tc := range []struct {
		topic string
		p     int32
	}{{"nope", 0}, {"t", 2}, {"t", -1}} {
		if _, _, err := c.QueryWatermarkOffsets(tc.topic, tc.p, 1000); code(err) != client.ErrUnknownPartition {
			t.Errorf("%s[%d]: %v, want _UNKNOWN_PARTITION", tc.topic, tc.p, err)
		}
	}
}

func TestQueryWatermarkOffsetsWaitsForTheBroker(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	produceN(t, cl, "t", 0, 0, 3)
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g"})
	cl.SetBrokerAvailable(false)
	start := cl.Now()
	if _, _, err := c.QueryWatermarkOffsets("t", 0, 2000); code(err) != client.ErrTimedOut {
		t.Fatalf("broker down: %v, want _TIMED_OUT", err)
	}
	if d := cl.Now().Sub(start); d != 2*time.Second {
		t.Fatalf("waited %v of virtual time, want the 2s timeout", d)
	}
	cl.Clock().After(500*time.Millisecond, func() { cl.SetBrokerAvailable(true) })
	start = cl.Now()
	_, high, err := c.QueryWatermarkOffsets("t", 0, 2000)
	if err != nil || high != 3 {
		t.Fatalf("broker back: %d %v", high, err)
	}
	if d := cl.Now().Sub(start); d != 500*time.Millisecond {
		t.Fatalf("answered after %v, want when the broker came back (500ms)", d)
	}
}

// produceAt produces one message per virtual second to t[0], starting now.
func produceAt(t *testing.T, cl *Cluster, n int) []time.Time {
	t.Helper()
	p, err := cl.NewProducer(client.ConfigMap{"linger.ms": 0})
	if err != nil {
		t.Fatal(err)
	}
	var at []time.Time
	for range n {
		at = append(at, cl.Now())
		if err := p.Produce(&client.Message{TopicPartition: client.TopicPartition{Topic: "t", Partition: 0}}, nil); err != nil {
			t.Fatal(err)
		}
		p.Flush(100)
		cl.Sleep(time.Second - cl.Now().Sub(at[len(at)-1]))
	}
	return at
}

func TestOffsetsForTimes(t *testing.T) {
	cl := newTestCluster(t, "t", 2)
	at := produceAt(t, cl, 5) // offsets 0..4, one a second
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g"})
	ms := func(tm time.Time) client.Offset { return client.Offset(tm.UnixMilli()) }
	got, err := c.OffsetsForTimes([]client.TopicPartition{
		{Topic: "t", Partition: 0, Offset: ms(at[2])},                       // exactly offset 2's timestamp
		{Topic: "t", Partition: 0, Offset: ms(at[2].Add(time.Millisecond))}, // just after: offset 3
		{Topic: "t", Partition: 0, Offset: ms(at[0].Add(-time.Hour))},       // before everything: 0
		{Topic: "t", Partition: 0, Offset: ms(at[4].Add(time.Millisecond))}, // after the last: -1
		{Topic: "t", Partition: 0, Offset: -1},                              // the end
		{Topic: "t", Partition: 0, Offset: -2},                              // the start
		{Topic: "t", Partition: 1, Offset: ms(at[0])},                       // empty partition: -1
		{Topic: "t", Partition: 7, Offset: ms(at[0])},                       // no such partition
		{Topic: "nope", Partition: 0, Offset: ms(at[0])},                    // no such topic
		{Topic: "t", Partition: 0, Offset: -5},                              // not a timestamp
	}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		off  client.Offset
		code client.ErrorCode
	}{{2, 0}, {3, 0}, {0, 0}, {-1, 0}, {5, 0}, {0, 0}, {-1, 0},
		{-1, client.ErrUnknownPartition}, {-1, client.ErrUnknownTopicOrPart}, {-1, client.ErrInvalidArg}}
	for i, w := range want {
		g := got[i]
		if code(g.Error) != w.code || (w.code == 0 && g.Offset != w.off) {
			t.Errorf("%d: %v, want offset %d error %v", i, g, w.off, w.code)
		}
	}
	if _, err := c.OffsetsForTimes(nil, 1000); code(err) != client.ErrInvalidArg {
		t.Errorf("no partitions: %v, want _INVALID_ARG", err)
	}
	if _, err := c.OffsetsForTimes([]client.TopicPartition{{Topic: "nope"}}, 1000); code(err) != client.ErrUnknownPartition {
		t.Errorf("only unknown partitions: %v, want _UNKNOWN_PARTITION", err)
	}
}

func TestOffsetsForTimesUsesProducerTimestamps(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	p, _ := cl.NewProducer(client.ConfigMap{"linger.ms": 0})
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		_ = p.Produce(&client.Message{TopicPartition: client.TopicPartition{Topic: "t", Partition: 0},
			Timestamp: base.Add(time.Duration(i) * time.Minute)}, nil)
	}
	p.Flush(100)
	got, err := p.OffsetsForTimes([]client.TopicPartition{{Topic: "t", Partition: 0, Offset: client.Offset(base.Add(90 * time.Second).UnixMilli())}}, 100)
	if err != nil || got[0].Offset != 2 {
		t.Fatalf("%v %v, want offset 2 (stamped 2 minutes after base)", got, err)
	}
}

func TestGetMetadata(t *testing.T) {
	cl := newTestCluster(t, "t", 3)
	_ = cl.CreateTopic("u", 1)
	_ = cl.CreateTopic("v", 2)
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g"})
	name := "t"
	md, err := c.GetMetadata(&name, false, 1000)
	if err != nil {
		t.Fatal(err)
	}
	tm := md.Topics["t"]
	if len(md.Topics) != 1 || len(tm.Partitions) != 3 || tm.Error.Code() != client.ErrNoError {
		t.Fatalf("topic t: %+v", md.Topics)
	}
	for i, p := range tm.Partitions {
		if p.ID != int32(i) || p.Leader != md.Brokers[0].ID || !slices.Equal(p.Replicas, []int32{md.Brokers[0].ID}) {
			t.Errorf("partition %d: %+v", i, p)
		}
	}
	if len(md.Brokers) != 1 || md.OriginatingBroker.ID != md.Brokers[0].ID {
		t.Errorf("brokers %+v, originating %+v", md.Brokers, md.OriginatingBroker)
	}
	name = "nope"
	if md, err = c.GetMetadata(&name, false, 1000); err != nil || md.Topics["nope"].Error.Code() != client.ErrUnknownTopicOrPart {
		t.Fatalf("unknown topic: %+v %v", md, err)
	}
	if md, _ = c.GetMetadata(nil, true, 1000); !sameKeys(md.Topics, "t", "u", "v") {
		t.Fatalf("all topics: %v", md.Topics)
	}
	// The topics the consumer uses: its subscription and its assignment.
	if md, _ = c.GetMetadata(nil, false, 1000); len(md.Topics) != 0 {
		t.Fatalf("local topics before use: %v", md.Topics)
	}
	_ = c.Subscribe("u", nil)
	m := mustConsumer(t, cl, client.ConfigMap{"group.id": "m"})
	_ = m.Assign([]client.TopicPartition{{Topic: "v", Partition: 1}})
	if md, _ = c.GetMetadata(nil, false, 1000); !sameKeys(md.Topics, "u") {
		t.Fatalf("subscriber's local topics: %v", md.Topics)
	}
	if md, _ = m.GetMetadata(nil, false, 1000); !sameKeys(md.Topics, "v") {
		t.Fatalf("assigned consumer's local topics: %v", md.Topics)
	}
	p, _ := cl.NewProducer(client.ConfigMap{})
	_ = p.Produce(&client.Message{TopicPartition: client.TopicPartition{Topic: "v", Partition: client.PartitionAny}}, nil)
	_ = p.Produce(&client.Message{TopicPartition: client.TopicPartition{Topic: "t", Partition: client.PartitionAny}}, nil)
	_ = p.Produce(&client.Message{TopicPartition: client.TopicPartition{Topic: "v", Partition: client.PartitionAny}}, nil)
	if md, _ = p.GetMetadata(nil, false, 1000); !sameKeys(md.Topics, "t", "v") {
		t.Fatalf("producer's local topics: %v", md.Topics)
	}

	cl.SetBrokerAvailable(false)
	start := cl.Now()
	if _, err := c.GetMetadata(nil, true, 300); code(err) != client.ErrTransport {
		t.Fatalf("broker down: %v, want _TRANSPORT", err)
	}
	if d := cl.Now().Sub(start); d != 300*time.Millisecond {
		t.Fatalf("waited %v, want the 300ms timeout", d)
	}
}

func TestGetMetadataAutoCreates(t *testing.T) {
	cl := NewCluster(Config{Seed: 1, Broker: broker.Config{AllowAutoCreateTopics: true, AutoCreatePartitions: 2}})
	off := mustConsumer(t, cl, client.ConfigMap{"group.id": "g"})
	on := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "allow.auto.create.topics": true})
	a, b := "a", "b"
	if md, _ := off.GetMetadata(&a, false, 100); md.Topics["a"].Error.Code() != client.ErrUnknownTopicOrPart {
		t.Fatalf("allow.auto.create.topics=false created %v", md.Topics["a"])
	}
	if md, _ := on.GetMetadata(&b, false, 100); len(md.Topics["b"].Partitions) != 2 {
		t.Fatalf("allow.auto.create.topics=true: %+v", md.Topics["b"])
	}
}

func sameKeys(m map[string]client.TopicMetadata, want ...string) bool {
	if len(m) != len(want) {
		return false
	}
	for _, k := range want {
		if _, ok := m[k]; !ok {
			return false
		}
	}
	return true
}

func TestSeekPartitions(t *testing.T) {
	cl := newTestCluster(t, "t", 2)
	produceN(t, cl, "t", 0, 0, 10)
	produceN(t, cl, "t", 1, 0, 10)
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "auto.offset.reset": "earliest"})
	_ = c.Assign([]client.TopicPartition{{Topic: "t", Partition: 0}, {Topic: "t", Partition: 1}})
	if m := pollMsg(t, c, time.Second); m == nil {
		t.Fatal("nothing consumed")
	}
	got, err := c.SeekPartitions([]client.TopicPartition{
		{Topic: "t", Partition: 0, Offset: 7},
		{Topic: "t", Partition: 1, Offset: client.OffsetTail(2)},
		{Topic: "t", Partition: 5, Offset: 1},
		{Topic: "t", Partition: 0, Offset: client.OffsetStored},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantCodes := []client.ErrorCode{0, 0, client.ErrUnknownPartition, client.ErrInvalidArg}
	for i, w := range wantCodes {
		if code(got[i].Error) != w {
			t.Errorf("%v: want %v", got[i], w)
		}
	}
	next := map[int32]client.Offset{}
	for len(next) < 2 {
		m := pollMsg(t, c, time.Second)
		if m == nil {
			t.Fatal("no message after seek")
		}
		if _, ok := next[m.TopicPartition.Partition]; !ok {
			next[m.TopicPartition.Partition] = m.TopicPartition.Offset
		}
	}
	if next[0] != 7 || next[1] != 8 {
		t.Fatalf("after SeekPartitions: first offsets %v, want t[0]@7 and t[1]@8 (tail 2 of 10)", next)
	}
	if _, err := c.SeekPartitions(nil); code(err) != client.ErrInvalidArg {
		t.Errorf("empty list: %v", err)
	}
	_ = c.Close()
	if _, err := c.SeekPartitions(got); !errors.Is(err, client.ErrState) {
		t.Errorf("closed: %v", err)
	}
}

func TestSeekNotAssigned(t *testing.T) {
	cl := newTestCluster(t, "t", 2)
	_ = cl.CreateTopic("u", 1)
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g"})
	_ = c.Assign([]client.TopicPartition{{Topic: "t", Partition: 0}})
	for _, tc := range []struct {
		tp   client.TopicPartition
		want client.ErrorCode
	}{
		{client.TopicPartition{Topic: "t", Partition: 1}, client.ErrState},            // known, not fetched
		{client.TopicPartition{Topic: "t", Partition: 2}, client.ErrUnknownPartition}, // no such partition
		{client.TopicPartition{Topic: "u", Partition: 0}, client.ErrUnknownPartition}, // a topic not consumed
		{client.TopicPartition{Topic: "t", Partition: 0, Offset: 0}, client.ErrNoError},
	} {
		if err := c.Seek(tc.tp, 0); code(err) != tc.want {
			t.Errorf("Seek %s: %v, want %v", tc.tp.Key(), err, tc.want)
		}
	}
}

func TestOffsetTail(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	produceN(t, cl, "t", 0, 0, 10)
	first := func(tail client.Offset, conf client.ConfigMap) client.Offset {
		conf["group.id"] = "g"
		c := mustConsumer(t, cl, conf)
		defer c.Close()
		_ = c.Assign([]client.TopicPartition{{Topic: "t", Partition: 0, Offset: tail}})
		m := pollMsg(t, c, time.Second)
		if m == nil {
			return -1
		}
		return m.TopicPartition.Offset
	}
	if o := first(client.OffsetTail(3), client.ConfigMap{}); o != 7 {
		t.Errorf("OffsetTail(3) of 10 started at %d, want 7", o)
	}
	if o := first(client.OffsetTail(50), client.ConfigMap{}); o != 0 {
		t.Errorf("OffsetTail(50) of 10 started at %d, want 0", o)
	}
	// Below the log start: auto.offset.reset decides, as for any offset out
	// of range.
	if _, err := cl.Broker().DeleteRecords(broker.TopicPartition{Topic: "t", Partition: 0}, 8); err != nil {
		t.Fatal(err)
	}
	if o := first(client.OffsetTail(5), client.ConfigMap{"auto.offset.reset": "earliest"}); o != 8 {
		t.Errorf("OffsetTail(5) below the log start with earliest: %d, want 8", o)
	}
	if v, ok := client.OffsetTail(5).Tail(); !ok || v != 5 || client.OffsetTail(5) != -2005 {
		t.Errorf("OffsetTail(5) = %d (%d %v)", client.OffsetTail(5), v, ok)
	}
}

func TestReadMessageForeverEndsAtTheHorizon(t *testing.T) {
	cl := NewCluster(Config{Seed: 1, Horizon: time.Minute, Group: group.Config{InitialRebalanceDelay: -1}})
	_ = cl.CreateTopic("t", 1)
	start := cl.Now()
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g"})
	_ = c.Subscribe("t", nil)
	// A message produced at 20s (a clock event: nothing else can act
	// while the caller waits) is returned: ReadMessage(-1) blocks for it.
	cl.Clock().At(start.Add(20*time.Second), func() { produceN(t, cl, "t", 0, 0, 1) })
	m, err := c.ReadMessage(-1)
	if err != nil || m == nil {
		t.Fatalf("ReadMessage(-1): %v %v, want the message produced at 20s", m, err)
	}
	if d := cl.Now().Sub(start); d != 20*time.Second {
		t.Fatalf("returned at %v, want 20s", d)
	}
	// Nothing more: the wait ends at the horizon with a timeout.
	_, err = c.ReadMessage(-1)
	if e := client.ErrorFrom(err); e.Code() != client.ErrTimedOut || !e.IsTimeout() {
		t.Fatalf("empty topic: %v, want _TIMED_OUT", err)
	}
	if !cl.Now().Equal(cl.Horizon()) || cl.Horizon().Sub(start) != time.Minute {
		t.Fatalf("returned at %v, want the horizon %v", cl.Now().Sub(start), cl.Horizon().Sub(start))
	}
	// At the horizon a wait without a timeout looks once and returns.
	if ev := c.Poll(-1); ev != nil || !cl.Now().Equal(cl.Horizon()) {
		t.Fatalf("Poll(-1) at the horizon: %v at %v", ev, cl.Now().Sub(start))
	}
	// Waits with a timeout still move time on.
	if ev := c.Poll(1000); ev != nil || cl.Now().Sub(cl.Horizon()) != time.Second {
		t.Fatalf("Poll(1000) past the horizon: %v, %v past it", ev, cl.Now().Sub(cl.Horizon()))
	}
}

func TestWaitsWithoutTimeoutEndAfterMaxWait(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g"})
	_ = c.Subscribe("t", nil)
	start := cl.Now()
	if _, err := c.ReadMessage(-1); code(err) != client.ErrTimedOut {
		t.Fatalf("ReadMessage(-1) on an empty topic: %v", err)
	}
	if d := cl.Now().Sub(start); d != MaxWait {
		t.Fatalf("waited %v, want MaxWait (%v)", d, MaxWait)
	}
	start = cl.Now()
	if ev := c.Poll(-1); ev != nil || cl.Now().Sub(start) != MaxWait {
		t.Fatalf("Poll(-1): %v after %v", ev, cl.Now().Sub(start))
	}
	// A producer waiting for a broker that never comes back.
	p, _ := cl.NewProducer(client.ConfigMap{"message.timeout.ms": 0})
	_ = p.Produce(&client.Message{TopicPartition: client.TopicPartition{Topic: "t", Partition: 0}}, nil)
	cl.SetBrokerAvailable(false)
	cl.SetHorizon(cl.Now().Add(time.Hour))
	if n := p.Flush(-1); n != 1 || !cl.Now().Equal(cl.Horizon()) {
		t.Fatalf("Flush(-1): %d left at %v, want 1 at the horizon", n, cl.Now())
	}
}

func TestReadMessageUnderAMillisecond(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g"})
	_ = c.Subscribe("t", nil)
	start := cl.Now()
	// Used to spin for ever: the rest under 1 ms became Poll(0), which
	// never moves time.
	if _, err := c.ReadMessage(1500 * time.Microsecond); code(err) != client.ErrTimedOut {
		t.Fatalf("%v", err)
	}
	if d := cl.Now().Sub(start); d < 1500*time.Microsecond || d > 2*time.Millisecond {
		t.Fatalf("waited %v, want 1.5-2ms", d)
	}
}
