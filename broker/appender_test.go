package broker

import (
	"errors"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/internal/kerr"
)

// TestAppenderLikeProduce: an Appender held while the broker changes
// (the cluster down and back, the topic grown, deleted, auto-created
// again) answers every call as Partitions and Produce answer it on a
// twin broker given the same calls, errors word for word.
func TestAppenderLikeProduce(t *testing.T) {
	a, _ := newTest(t, Config{AllowAutoCreateTopics: true, AutoCreatePartitions: 2})
	b, _ := newTest(t, Config{AllowAutoCreateTopics: true, AutoCreatePartitions: 2})
	both := func(f func(*Broker) error) {
		t.Helper()
		ea, eb := f(a), f(b)
		if (ea == nil) != (eb == nil) || (ea != nil && ea.Error() != eb.Error()) {
			t.Fatalf("%v, and %v on the twin", ea, eb)
		}
	}
	app := a.Appender("t") // before the topic exists
	step := 0
	send := func(part int32, key, value []byte, ts time.Time) {
		t.Helper()
		step++
		na, ea := app.Partitions()
		nb, eb := b.Partitions("t")
		if na != nb || (ea == nil) != (eb == nil) || (ea != nil && ea.Error() != eb.Error()) {
			t.Fatalf("step %d: Partitions %d %v, want %d %v", step, na, ea, nb, eb)
		}
		oa, ea := app.Append(part, key, value, ts)
		ob, eb := b.Produce("t", part, []Record{{Key: key, Value: value, Timestamp: ts}})
		if oa != ob || (ea == nil) != (eb == nil) || (ea != nil && ea.Error() != eb.Error()) {
			t.Fatalf("step %d: Append %d %v, want %d %v", step, oa, ea, ob, eb)
		}
	}
	ts := time.Unix(100, 0)
	send(0, []byte("k"), []byte("v"), time.Time{}) // auto-created
	send(1, nil, nil, ts)
	send(2, []byte{}, []byte("x"), ts) // no such partition
	send(-1, nil, nil, ts)
	both(func(b *Broker) error { return b.CreatePartitions("t", 3) })
	send(2, []byte("k2"), []byte{}, ts.Add(-time.Second))
	both(func(b *Broker) error { b.SetAvailable(false); return nil })
	send(0, []byte("down"), nil, ts)
	both(func(b *Broker) error { b.SetAvailable(true); return nil })
	send(0, []byte("up"), []byte("again"), ts)
	both(func(b *Broker) error { return b.DeleteTopic("t") })
	send(1, []byte("after"), []byte("delete"), ts) // auto-created again
	both(func(b *Broker) error { return b.DeleteTopic("t") })
	both(func(b *Broker) error { return b.CreateTopic("t", 1, TopicConfig{}) })
	send(0, []byte("re"), []byte("created"), ts)
	send(1, []byte("re"), []byte("created"), ts) // one partition now

	// The logs read the same, record by record.
	for p := range int32(3) {
		ra, ea := a.Fetch(TopicPartition{"t", p}, 0, 0, 0)
		rb, eb := b.Fetch(TopicPartition{"t", p}, 0, 0, 0)
		if (ea == nil) != (eb == nil) {
			t.Fatalf("fetch %d: %v, twin %v", p, ea, eb)
		}
		if len(ra.Records) != len(rb.Records) {
			t.Fatalf("partition %d: %d records, twin %d", p, len(ra.Records), len(rb.Records))
		}
		for i := range ra.Records {
			x, y := ra.Records[i], rb.Records[i]
			if x.Offset != y.Offset || !sameBytes(x.Key, y.Key) || !sameBytes(x.Value, y.Value) || !x.Timestamp.Equal(y.Timestamp) {
				t.Fatalf("partition %d record %d: %+v, twin %+v", p, i, x, y)
			}
		}
	}

	// Without auto-create, an unknown topic is Produce's error.
	c, _ := newTest(t, Config{})
	none := c.Appender("none")
	if _, err := none.Append(0, nil, nil, ts); !errors.Is(err, kerr.UnknownTopicOrPart) {
		t.Fatalf("append to an unknown topic: %v", err)
	}
	if _, err := none.Partitions(); !errors.Is(err, kerr.UnknownTopicOrPart) {
		t.Fatalf("partitions of an unknown topic: %v", err)
	}
	var zero Appender
	if zero.Topic() != "" {
		t.Fatal("the zero Appender has a topic")
	}
}
