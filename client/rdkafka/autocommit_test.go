package rdkafka

import (
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kafkasim/kafkasim/client"
)

// timerCommits records the auto-commit timer's commits as they are made.
type timerCommits struct {
	mu    sync.Mutex
	start time.Time
	at    []time.Duration
	offs  []client.TopicPartitions
}

func (r *timerCommits) OnCommitStarted(c client.Commit) {
	if c.Trigger != client.TriggerAutoTimer {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.at = append(r.at, time.Since(r.start))
	r.offs = append(r.offs, c.Offsets)
}
func (r *timerCommits) OnCommitFinished(client.Commit) {}

// The lesson's loss on the real client, and the phase of librdkafka's
// auto-commit timer: a consumer created at 0 s that takes offset 0 and
// processes it for 6 s has offset 1 committed by the timer at 5 s —
// counted from its creation — and loses offset 0 when it is killed at 6 s.
func TestAutoCommitTimerAndCrash(t *testing.T) {
	needLibrdkafka(t)
	kc := cluster(t, kfake.SeedTopics(1, "orders"))
	produce(t, kc, "orders", 0, 3)
	tc := &timerCommits{}
	conf := client.ConfigMap{"bootstrap.servers": brokers(kc), "group.id": "notifications",
		"auto.offset.reset": "earliest", "session.timeout.ms": 6000}
	tc.start = time.Now()
	c, err := NewConsumer(conf, tc)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Since(tc.start)
	if err := c.Subscribe("orders", nil); err != nil {
		t.Fatal(err)
	}
	var m *client.Message
	for m == nil && time.Since(tc.start) < 4*time.Second {
		m, _ = c.Poll(100).(*client.Message)
	}
	if m == nil || m.TopicPartition.Offset != 0 {
		t.Fatalf("got %v, want offset 0", m)
	}
	// "Processing": no poll until the crash.
	time.Sleep(6*time.Second - time.Since(tc.start))
	c.Crash()
	if !c.IsClosed() {
		t.Error("a crashed consumer is not closed")
	}
	if ev := c.Poll(0); ev != nil {
		t.Errorf("Poll after Crash returned %v", ev)
	}

	tc.mu.Lock()
	at, offs := tc.at, tc.offs
	tc.mu.Unlock()
	if len(at) != 1 {
		t.Fatalf("timer commits at %v (%v), want one, at 5 s after creation (created after %v)", at, offs, created)
	}
	if d := at[0] - 5*time.Second; d < 0 || d > created+300*time.Millisecond {
		t.Errorf("the timer committed at %v, want 5 s after creation (+%v to create, +300 ms)", at[0], created)
	}
	if got := offs[0].String(); got != "[orders[0]@1]" {
		t.Errorf("the timer committed %s, want orders[0]@1 (stored when poll returned offset 0)", got)
	}
	// The broker has offset 1: offset 0 is lost.
	check, err := NewConsumer(client.ConfigMap{"bootstrap.servers": brokers(kc), "group.id": "notifications"})
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	got, err := check.Committed([]client.TopicPartition{{Topic: "orders", Partition: 0}}, 5000)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Offset != 1 {
		t.Errorf("committed %v, want 1", got[0].Offset)
	}
}
