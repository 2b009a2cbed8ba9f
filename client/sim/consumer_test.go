package sim

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/internal/consumerstate"
	"github.com/kafkasim/kafkasim/internal/clock"
)

func TestSubscribePollCommit(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	produceN(t, cl, "t", 0, 0, 3)
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "auto.offset.reset": "earliest", "enable.auto.commit": false})
	if err := c.Subscribe("t", nil); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		m := pollMsg(t, c, 10*time.Second)
		if m == nil || m.TopicPartition.Offset != client.Offset(i) || string(m.Value) != "m"+string(rune('0'+i)) {
			t.Fatalf("message %d = %v", i, m)
		}
		if _, err := c.CommitMessage(m); err != nil {
			t.Fatal(err)
		}
	}
	if got := committed(t, c, "t", 0); got != 3 {
		t.Fatalf("committed %v, want 3", got)
	}
	if _, err := c.Commit(); !errors.Is(err, client.ErrNoOffset) {
		t.Fatalf("Commit with nothing stored: %v, want _NO_OFFSET", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

// deliveryCalls records delivery hook calls, both kinds, as lines.
type deliveryCalls struct{ calls []string }

func (d *deliveryCalls) OnMessageDelivered(m client.MessageDelivered) {
	d.calls = append(d.calls, fmt.Sprintf("%s %s gen=%d delivered %s stored=%t", m.Time.Format(time.StampMilli), m.MemberID, m.Generation, m.Message.TopicPartition, m.Stored))
}

func (d *deliveryCalls) OnOffsetsStored(s client.OffsetsStored) {
	d.calls = append(d.calls, fmt.Sprintf("%s %s gen=%d stored %v auto=%t", s.Time.Format(time.StampMilli), s.MemberID, s.Generation, client.TopicPartitions(s.Offsets), s.Auto))
}

// A delivery tells the hooks what consumerstate.Delivered would (the
// consumer calls them itself), with enable.auto.offset.store on and off.
func TestDeliveryHooksLikeDelivered(t *testing.T) {
	for _, store := range []bool{true, false} {
		cl := newTestCluster(t, "t", 2)
		produceN(t, cl, "t", 0, 0, 2)
		produceN(t, cl, "t", 1, 0, 1)
		got, want := &deliveryCalls{}, &deliveryCalls{}
		c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "auto.offset.reset": "earliest", "enable.auto.offset.store": store}, got)
		if err := c.Subscribe("t", nil); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			m := pollMsg(t, c, 10*time.Second)
			if m == nil {
				t.Fatal("no message")
			}
			var stored []client.TopicPartition
			if store {
				stored = []client.TopicPartition{{Topic: "t", Partition: m.TopicPartition.Partition, Offset: m.TopicPartition.Offset + 1}}
			}
			consumerstate.Delivered(client.Hooks{want}, c.info(), m, stored)
		}
		if g, w := strings.Join(got.calls, "\n"), strings.Join(want.calls, "\n"); g != w {
			t.Fatalf("store=%t: hooks got\n%s\nwant\n%s", store, g, w)
		}
	}
}

// TestReleaseReusesMessages: a released message's memory carries the next
// delivery, with every field of its own (nothing left over from the app's
// changes to the released one); messages not released stay as delivered.
func TestReleaseReusesMessages(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	hdr := broker.Record{Key: []byte("k0"), Value: []byte("v0"), Headers: []broker.Header{{Key: "h", Value: []byte("x")}}}
	if _, err := cl.Broker().Produce("t", 0, []broker.Record{hdr, {Value: []byte("v1")}, {Key: []byte("k2"), Value: []byte("v2")}}); err != nil {
		t.Fatal(err)
	}
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "auto.offset.reset": "earliest"})
	if err := c.Subscribe("t", nil); err != nil {
		t.Fatal(err)
	}
	first := pollMsg(t, c, 10*time.Second)
	if first == nil || string(first.Value) != "v0" || len(first.Headers) != 1 {
		t.Fatalf("first message %+v", first)
	}
	// The app scribbles on it, then gives it back.
	first.Opaque = "app state"
	md := "metadata"
	first.TopicPartition.Metadata = &md
	first.Key = []byte("changed")
	first.TopicPartition.Error = client.NewError(client.ErrLeaderNotAvailable, "x", false)
	c.Release(first)
	second := pollMsg(t, c, time.Second)
	if second != first {
		t.Fatalf("the released message's memory was not reused")
	}
	want := client.Message{TopicPartition: client.TopicPartition{Topic: "t", Partition: 0, Offset: 1}, Value: []byte("v1"),
		Timestamp: second.Timestamp, TimestampType: client.TimestampCreateTime}
	if !reflect.DeepEqual(*second, want) {
		t.Fatalf("reused message\n got %+v\nwant %+v", *second, want)
	}
	third := pollMsg(t, c, time.Second)
	if third == second || string(third.Key) != "k2" || string(second.Value) != "v1" {
		t.Fatalf("a message not released was reused or changed: second %+v third %+v", second, third)
	}
	c.Release(nil) // no-op
}

// RunBounded drives the loop from its caller as Step does: a callback
// scheduled on the clock (an app's poll loop) calls the consumer
// directly; it stops after the callback that sets the stop flag, and
// before an event past the limit.
func TestRunBoundedDrivesAnApp(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	produceN(t, cl, "t", 0, 0, 5)
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "auto.offset.reset": "earliest"})
	if err := c.Subscribe("t", nil); err != nil {
		t.Fatal(err)
	}
	clk := cl.Clock()
	var got []client.Offset
	stop := false
	var turn func()
	turn = func() {
		if m, ok := c.Poll(0).(*client.Message); ok {
			got = append(got, m.TopicPartition.Offset)
			if len(got) == 3 {
				stop = true
			}
		}
		clk.After(10*time.Millisecond, turn)
	}
	clk.After(0, turn)
	if !cl.RunBounded(cl.Now().Add(time.Minute), 1<<30, &stop) {
		t.Fatal("over the limit")
	}
	if fmt.Sprint(got) != "[0 1 2]" || cl.Now().Sub(clock.Epoch) >= time.Minute {
		t.Fatalf("stopped with %v at %v", got, cl.Now())
	}
	stop = false
	limit := clk.Ran() + 1
	if cl.RunBounded(cl.Now().Add(time.Minute), limit, &stop) || clk.Ran() != limit {
		t.Fatalf("limit %d: ran %d", limit, clk.Ran())
	}
	if !cl.RunBounded(cl.Now().Add(time.Minute), 1<<30, &stop) || fmt.Sprint(got) != "[0 1 2 3 4]" {
		t.Fatalf("to the end: %v", got)
	}
}
