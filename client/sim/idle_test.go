package sim

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/group"
)

// idleWorld is a cluster with two consumers of topic t: a group member
// (partition EOF on) and a manually assigned one (auto.offset.reset=error,
// so partitions stop), driven by TestIdleShortcutMatchesLooking.
type idleWorld struct {
	cl   *Cluster
	sub  *Consumer
	man  *Consumer
	log  []string
	hits int // polls that ended idle
}

func newIdleWorld(t *testing.T, seed uint64, lookAlways bool) *idleWorld {
	t.Helper()
	cl := NewCluster(Config{Seed: seed, Group: group.Config{InitialRebalanceDelay: -1}})
	cl.lookAlways = lookAlways
	if err := cl.CreateTopic("t", 3); err != nil {
		t.Fatal(err)
	}
	w := &idleWorld{cl: cl}
	w.sub = mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "auto.offset.reset": "earliest", "enable.partition.eof": true})
	if err := w.sub.Subscribe("t", nil); err != nil {
		t.Fatal(err)
	}
	w.man = mustConsumer(t, cl, client.ConfigMap{"group.id": "m", "auto.offset.reset": "error", "enable.partition.eof": true})
	if err := w.man.Assign([]client.TopicPartition{{Topic: "t", Partition: 0, Offset: client.OffsetBeginning}, {Topic: "t", Partition: 1}}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *idleWorld) add(f string, a ...any) { w.log = append(w.log, fmt.Sprintf(f, a...)) }

func describe(ev client.Event) string {
	switch e := ev.(type) {
	case nil:
		return "nil"
	case *client.Message:
		return fmt.Sprintf("msg %s %q", e.TopicPartition, e.Value)
	default:
		return fmt.Sprintf("%T %v", ev, ev)
	}
}

// state logs what the app can see of each consumer besides events.
func (w *idleWorld) state(c *Consumer, name string) {
	var b strings.Builder
	for p := int32(0); p < 4; p++ {
		lo, hi, _ := c.GetWatermarkOffsets("t", p)
		fmt.Fprintf(&b, " wm%d=%d/%d", p, lo, hi)
	}
	pos, err := c.Position([]client.TopicPartition{{Topic: "t", Partition: 0}, {Topic: "t", Partition: 1}, {Topic: "t", Partition: 2}})
	w.add("%s%s pos=%v %v", name, b.String(), client.TopicPartitions(pos), err)
}

// step applies op (drawn by the caller, the same for both worlds).
func (w *idleWorld) step(op, a, b int) {
	cs := []*Consumer{w.sub, w.man}
	c := cs[a%2]
	tp := client.TopicPartition{Topic: "t", Partition: int32(b % 3)}
	switch op {
	case 0, 1, 2, 3, 4, 5:
		ev := c.Poll(0)
		if op >= 4 {
			ev = c.Poll(30)
		}
		w.add("poll %d: %s", a%2, describe(ev))
		if c.idle {
			w.hits++
		}
	case 6:
		recs := make([]broker.Record, 1+a%3)
		for i := range recs {
			recs[i] = broker.Record{Value: []byte(fmt.Sprintf("v%d-%d", a, i))}
		}
		_, err := w.cl.Broker().Produce("t", tp.Partition, recs)
		w.add("produce %v", err)
	case 7:
		offs := []client.Offset{client.OffsetBeginning, client.OffsetEnd, client.OffsetStored, client.Offset(a % 6)}
		tp.Offset = offs[a%len(offs)]
		w.add("seek %v", c.Seek(tp, 0))
	case 8:
		if a%3 == 0 {
			w.add("resume %v", c.Resume([]client.TopicPartition{tp}))
		} else {
			w.add("pause %v", c.Pause([]client.TopicPartition{tp}))
		}
	case 9:
		w.cl.SetBrokerAvailable(!w.cl.Broker().Available())
		w.add("broker up=%v", w.cl.Broker().Available())
	case 10:
		n, err := w.cl.Broker().DeleteRecords(broker.TopicPartition{Topic: "t", Partition: tp.Partition}, int64(a%4))
		w.add("delete records %d %v", n, err)
	case 11:
		switch a % 3 {
		case 0:
			w.add("assign %v", w.man.Assign([]client.TopicPartition{tp}))
		case 1:
			w.add("incremental assign %v", w.man.IncrementalAssign([]client.TopicPartition{{Topic: "t", Partition: int32((b + 1) % 3), Offset: client.OffsetEnd}}))
		default:
			w.add("unassign %v", w.man.IncrementalUnassign([]client.TopicPartition{tp}))
		}
	case 12:
		w.cl.Sleep(time.Duration(a%5000) * time.Millisecond)
		w.add("slept")
	case 13:
		switch a % 4 {
		case 0:
			w.add("delete topic %v", w.cl.Broker().DeleteTopic("t"))
		case 1:
			w.add("create topic %v", w.cl.CreateTopic("t", 3))
		default:
			w.add("create partitions %v", w.cl.Broker().CreatePartitions("t", 4))
		}
	}
	w.state(w.sub, "sub")
	w.state(w.man, "man")
}

// The idle poll's shortcut (Consumer.idle) must never change what a
// consumer does: random runs of polls interleaved with everything that can
// make an idle consumer's next poll find something (produce, seek, pause
// and resume, broker down and up, deleted records, assignment changes,
// topic deletion, time passing) give the same events and state with the
// shortcut as with always looking.
func TestIdleShortcutMatchesLooking(t *testing.T) {
	hits := 0
	for seed := uint64(1); seed <= 60; seed++ {
		fast, slow := newIdleWorld(t, seed, false), newIdleWorld(t, seed, true)
		r := rand.New(rand.NewPCG(seed, 99))
		for i := range 400 {
			op, a, b := r.IntN(14), r.IntN(1000), r.IntN(1000)
			fast.step(op, a, b)
			slow.step(op, a, b)
			if len(fast.log) != len(slow.log) {
				t.Fatalf("seed %d step %d: log lengths differ", seed, i)
			}
			for j := range fast.log {
				if fast.log[j] != slow.log[j] {
					t.Fatalf("seed %d step %d (op %d):\nshortcut: %s\nlooking:  %s", seed, i, op, fast.log[j], slow.log[j])
				}
			}
			fast.log, slow.log = fast.log[:0], slow.log[:0]
		}
		hits += fast.hits
	}
	if hits < 1000 {
		t.Fatalf("only %d polls ended idle: the test does not exercise the shortcut", hits)
	}
}
