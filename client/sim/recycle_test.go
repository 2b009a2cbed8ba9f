package sim

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"testing"
	"unsafe"

	"github.com/kafkasim/kafkasim/client"
)

// TestClusterRecycleReusesProducerQueues: a recycled cluster's producers
// give their queues, cleared, to the producers of a later cluster, which
// then produce exactly what a fresh one does.
func TestClusterRecycleReusesProducerQueues(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // (a sync.Pool may drop its items at a collection)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))  // (and keeps them per P: a goroutine moved to another P misses them)
	produce := func() (*Cluster, *Producer, []string) {
		t.Helper()
		cl := newTestCluster(t, "t", 3)
		hook := &producedLog{}
		p, err := cl.NewProducer(client.ConfigMap{"linger.ms": 5}, hook)
		if err != nil {
			t.Fatal(err)
		}
		ms := make([]client.Message, 600)
		for i := range ms {
			ms[i] = client.Message{TopicPartition: client.TopicPartition{Topic: "t", Partition: client.PartitionAny},
				Key: fmt.Appendf(nil, "k%d", i), Value: fmt.Appendf(nil, "v%d", i)}
		}
		if n, err := p.ProduceBatch(ms); n != len(ms) || err != nil {
			t.Fatalf("ProduceBatch: %d, %v", n, err)
		}
		p.Flush(1000)
		return cl, p, hook.got
	}
	cl, p, want := produce()
	bufs := [][]pmsg{p.queue, p.reports}
	cl.Recycle()
	if p.queue != nil || p.reports != nil || !p.IsClosed() {
		t.Errorf("a recycled cluster's producer still holds its queue (%d, %d) or is open", cap(p.queue), cap(p.reports))
	}
	for _, b := range bufs {
		if b := b[:cap(b)]; slices.ContainsFunc(b, func(m pmsg) bool { return m.m != nil || m.cb != nil || m.deadline != 0 }) {
			t.Errorf("a recycled queue still points at messages")
		}
	}
	_, p2, got := produce()
	if !slices.Equal(got, want) {
		t.Errorf("a producer on recycled memory reported %d messages differently", len(got))
	}
	reused := 0
	for _, b := range bufs {
		for _, q := range [][]pmsg{p2.queue, p2.reports} {
			if cap(b) > 0 && cap(q) > 0 && unsafe.SliceData(b[:cap(b)]) == unsafe.SliceData(q[:cap(q)]) {
				reused++
			}
		}
	}
	if reused == 0 && !raceEnabled { // (under -race, sync.Pool drops items at random)
		t.Errorf("the producer of a later cluster did not reuse a recycled queue")
	}
}

// TestClusterForgetsClosedProducers: a long-lived cluster does not keep
// the producers closed or crashed on it (only open ones wait for Recycle).
func TestClusterForgetsClosedProducers(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	for i := range 100 {
		p, err := cl.NewProducer(client.ConfigMap{})
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			p.Close()
		} else {
			p.Crash()
		}
	}
	open, err := cl.NewProducer(client.ConfigMap{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cl.producers) != 1 || cl.producers[0] != open {
		t.Errorf("the cluster keeps %d producers, want only the open one", len(cl.producers))
	}
}
