package sim

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/client"
)

// producedLog is a HookProduced recording "value@offset" or "value!error".
type producedLog struct{ got []string }

func (l *producedLog) OnProduced(p client.Produced) {
	l.got = append(l.got, reportString(p.Message))
}

func reportString(m *client.Message) string {
	if m.TopicPartition.Error != nil {
		return fmt.Sprintf("%s!%s", m.Value, client.ErrorFrom(m.TopicPartition.Error).Code().String())
	}
	return fmt.Sprintf("%s@%d", m.Value, m.TopicPartition.Offset)
}

// Delivery reports come out of Poll and Flush in production order, across
// sends that overlap reports still waiting, callbacks mixed with events;
// Len counts the queue and the reports waiting.
func TestProducerReportsInOrder(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	hook := &producedLog{}
	p, err := cl.NewProducer(client.ConfigMap{"linger.ms": 5}, hook)
	if err != nil {
		t.Fatal(err)
	}
	var served []string
	cb := func(m *client.Message) { served = append(served, "cb:"+reportString(m)) }
	produce := func(from, n int) {
		t.Helper()
		for i := from; i < from+n; i++ {
			m := &client.Message{TopicPartition: client.TopicPartition{Topic: "t", Partition: 0}, Value: []byte(fmt.Sprint("v", i))}
			var f func(*client.Message)
			if i%3 == 1 {
				f = cb
			}
			if err := p.Produce(m, f); err != nil {
				t.Fatal(err)
			}
		}
	}
	poll := func(max int) {
		for range max {
			ev := p.Poll(0)
			if ev == nil {
				return
			}
			served = append(served, "ev:"+reportString(ev.(*client.Message)))
		}
	}
	produce(0, 5)
	if p.Len() != 5 {
		t.Fatalf("Len %d before the send", p.Len())
	}
	cl.Sleep(10 * time.Millisecond) // sent: 5 reports wait
	if p.Len() != 5 {
		t.Fatalf("Len %d after the send", p.Len())
	}
	poll(2) // v0 (event), v1 (callback), v2 (event)
	produce(5, 4)
	if p.Len() != 2+4 {
		t.Fatalf("Len %d with 2 reports and 4 queued", p.Len())
	}
	cl.Sleep(10 * time.Millisecond) // sent behind the 2 reports still waiting
	poll(100)
	produce(9, 3)
	if n := p.Flush(1000); n != 0 {
		t.Fatalf("Flush left %d", n)
	}
	poll(100)
	if p.Len() != 0 {
		t.Fatalf("Len %d at the end", p.Len())
	}
	want := "ev:v0@0 cb:v1@1 ev:v2@2 ev:v3@3 cb:v4@4 ev:v5@5 ev:v6@6 cb:v7@7 ev:v8@8 cb:v10@10 ev:v9@9 ev:v11@11"
	if got := strings.Join(served, " "); got != want {
		t.Fatalf("served\n %s\nwant\n %s", got, want)
	}
	if got := strings.Join(hook.got, " "); got != "v0@0 v1@1 v2@2 v3@3 v4@4 v5@5 v6@6 v7@7 v8@8 v9@9 v10@10 v11@11" {
		t.Fatalf("hooks: %s", got)
	}
}

// While the broker is down messages wait and are retried; those past
// message.timeout.ms fail with _MSG_TIMED_OUT; the rest go out once the
// broker is back. queue.buffering.max.messages counts waiting reports.
func TestProducerOutageAndQueueLimit(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	p, err := cl.NewProducer(client.ConfigMap{"linger.ms": 0, "message.timeout.ms": 1000, "retry.backoff.ms": 100, "queue.buffering.max.messages": 4})
	if err != nil {
		t.Fatal(err)
	}
	msg := func(v string) *client.Message {
		return &client.Message{TopicPartition: client.TopicPartition{Topic: "t", Partition: 0}, Value: []byte(v)}
	}
	cl.SetBrokerAvailable(false)
	for _, v := range []string{"a", "b"} {
		if err := p.Produce(msg(v), nil); err != nil {
			t.Fatal(err)
		}
	}
	cl.Sleep(600 * time.Millisecond)
	if err := p.Produce(msg("c"), nil); err != nil {
		t.Fatal(err)
	}
	cl.Sleep(600 * time.Millisecond) // a and b time out, c waits
	cl.SetBrokerAvailable(true)
	cl.Sleep(200 * time.Millisecond)
	if err := p.Produce(msg("d"), nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Produce(msg("e"), nil); client.ErrorFrom(err).Code() != client.ErrQueueFull {
		t.Fatalf("with 3 reports waiting and 1 queued: %v", err)
	}
	var got []string
	for ev := p.Poll(100); ev != nil; ev = p.Poll(100) {
		got = append(got, reportString(ev.(*client.Message)))
	}
	if s := strings.Join(got, " "); s != "a!_MSG_TIMED_OUT b!_MSG_TIMED_OUT c@0 d@1" {
		t.Fatalf("reports: %s", s)
	}
}

// ProduceBatch queues messages as Produce does, one after the other, and
// stops at the first one Produce refuses: a twin producer given the same
// messages one by one reports the same offsets and errors, in the same
// order, and the same messages wait.
func TestProduceBatchLikeProduce(t *testing.T) {
	type world struct {
		cl   *Cluster
		p    *Producer
		hook *producedLog
	}
	mk := func() world {
		cl := newTestCluster(t, "t", 3)
		hook := &producedLog{}
		p, err := cl.NewProducer(client.ConfigMap{"linger.ms": 5, "queue.buffering.max.messages": 6}, hook)
		if err != nil {
			t.Fatal(err)
		}
		return world{cl, p, hook}
	}
	msgs := func(from, n int, topic string) []client.Message {
		ms := make([]client.Message, n)
		for i := range ms {
			ms[i] = client.Message{TopicPartition: client.TopicPartition{Topic: topic, Partition: client.PartitionAny},
				Key: fmt.Appendf(nil, "k%d", from+i), Value: fmt.Appendf(nil, "v%d", from+i)}
		}
		return ms
	}
	a, b := mk(), mk()
	batch := func(ms []client.Message) (int, error) {
		t.Helper()
		twin := slices.Clone(ms)
		n, err := a.p.ProduceBatch(ms)
		m, twinErr := 0, error(nil)
		for i := range twin {
			if twinErr = b.p.Produce(&twin[i], nil); twinErr != nil {
				break
			}
			m++
		}
		if n != m || fmt.Sprint(err) != fmt.Sprint(twinErr) {
			t.Fatalf("ProduceBatch queued %d (%v), Produce one by one %d (%v)", n, err, m, twinErr)
		}
		return n, err
	}
	if n, _ := batch(msgs(0, 4, "t")); n != 4 {
		t.Fatalf("queued %d of 4", n)
	}
	if n, err := batch(msgs(4, 5, "t")); n != 2 || client.ErrorFrom(err).Code() != client.ErrQueueFull {
		t.Fatalf("queued %d (%v), want 2 and a full queue", n, err)
	}
	if n, _ := batch(nil); n != 0 {
		t.Fatalf("an empty batch queued %d", n)
	}
	for _, w := range []world{a, b} {
		w.cl.Sleep(10 * time.Millisecond)
		for w.p.Poll(0) != nil {
		}
	}
	if n, err := batch(append(msgs(9, 1, "t"), msgs(10, 2, "")...)); n != 1 || client.ErrorFrom(err).Code() != client.ErrInvalidArg {
		t.Fatalf("queued %d (%v), want 1 and an error for the message without a topic", n, err)
	}
	for _, w := range []world{a, b} {
		w.cl.Sleep(10 * time.Millisecond)
		w.p.Close()
	}
	if n, err := batch(msgs(12, 2, "t")); n != 0 || err == nil {
		t.Fatalf("a closed producer queued %d (%v)", n, err)
	}
	if got, want := strings.Join(a.hook.got, " "), strings.Join(b.hook.got, " "); got != want || len(a.hook.got) != 7 {
		t.Fatalf("reports %s, want %s (7 of them)", got, want)
	}
}
