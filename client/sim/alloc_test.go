package sim

import (
	"testing"

	"github.com/kafkasim/kafkasim/client"
)

// steadyConsumer is a consumer of a 1-partition topic holding n messages
// that has joined, been assigned and read its first message (committed
// and released): in steady state.
func steadyConsumer(t *testing.T, n int) *Consumer {
	t.Helper()
	cl := newTestCluster(t, "t", 1)
	produceN(t, cl, "t", 0, 0, n)
	c := mustConsumer(t, cl, client.ConfigMap{"group.id": "g", "auto.offset.reset": "earliest", "enable.auto.commit": false})
	if err := c.Subscribe("t", nil); err != nil {
		t.Fatal(err)
	}
	m := pollMsg(t, c, 10e9)
	if m == nil {
		t.Fatal("no first message")
	}
	if _, err := c.CommitMessage(m); err != nil {
		t.Fatal(err)
	}
	c.Release(m)
	return c
}

// TestPollCommitAllocatesNothing: in steady state, Poll + CommitMessage of
// an app that gives its messages back (Release after the commit, or
// ReleaseCommitted) and reuses commit results allocates nothing at all
// (counted over 1000 messages a run, so that even one allocation per 1000
// fails), and the commits land.
func TestPollCommitAllocatesNothing(t *testing.T) {
	for _, byCommit := range []bool{false, true} {
		const per = 1000
		c := steadyConsumer(t, 8*per)
		c.ReuseCommitResults()
		if byCommit {
			c.ReleaseCommitted()
		}
		var last client.Offset
		allocs := testing.AllocsPerRun(5, func() {
			for range per {
				m, ok := c.Poll(100).(*client.Message)
				if !ok {
					t.Fatal("no message")
				}
				want := m.TopicPartition.Offset + 1
				res, err := c.CommitMessage(m)
				if err != nil || len(res) != 1 || res[0].Offset != want || res[0].Error != nil {
					t.Fatalf("commit of offset %d: %v, %v", want-1, res, err)
				}
				last = res[0].Offset
				if !byCommit {
					c.Release(m)
				}
			}
		})
		if allocs != 0 {
			t.Fatalf("ReleaseCommitted %v: %v allocations per %d Poll + CommitMessage", byCommit, allocs, per)
		}
		got, err := c.Committed([]client.TopicPartition{{Topic: "t", Partition: 0}}, 1000)
		if err != nil || got[0].Offset != last || last != 6*per+1 {
			t.Fatalf("committed %v (%v), want %d as the last commit returned (%d)", got, err, 6*per+1, last)
		}
	}
}

// TestReleaseCommitted: with ReleaseCommitted, the message a commit gave
// back is the memory of the next delivery (and holds the next message);
// without it, each delivery has its own.
func TestReleaseCommitted(t *testing.T) {
	for _, on := range []bool{false, true} {
		c := steadyConsumer(t, 10)
		if on {
			c.ReleaseCommitted()
		}
		m1 := pollMsg(t, c, 1e9)
		if _, err := c.CommitMessage(m1); err != nil {
			t.Fatal(err)
		}
		m2 := pollMsg(t, c, 1e9)
		if (m1 == m2) != on || m2.TopicPartition.Offset != 2 || string(m2.Value) != "m2" {
			t.Fatalf("ReleaseCommitted %v: second delivery %v (%q) in the first's memory: %v", on, m2.TopicPartition, m2.Value, m1 == m2)
		}
	}
}

// TestProducerPollAllocatesNothing: serving delivery reports with Poll(0)
// allocates nothing.
func TestProducerPollAllocatesNothing(t *testing.T) {
	cl := newTestCluster(t, "t", 1)
	p, err := cl.NewProducer(client.ConfigMap{})
	if err != nil {
		t.Fatal(err)
	}
	msgs := make([]client.Message, 2000)
	for i := range msgs {
		msgs[i] = client.Message{TopicPartition: client.TopicPartition{Topic: "t", Partition: 0}, Value: []byte("v")}
		if err := p.Produce(&msgs[i], nil); err != nil {
			t.Fatal(err)
		}
	}
	if left := p.Flush(10000); left != 0 {
		t.Fatalf("%d unsent", left)
	}
	served := 0
	allocs := testing.AllocsPerRun(3, func() {
		for range 500 {
			if p.Poll(0) != nil {
				served++
			}
		}
	})
	if allocs != 0 || served != 2000 {
		t.Fatalf("%v allocations per 500 polls; %d reports served, want 2000", allocs, served)
	}
}

// TestCommitResults: a synchronous commit returns a new slice every time
// (as confluent-kafka does) unless the app asked for ReuseCommitResults;
// then one slice, holding the latest commit's offsets.
func TestCommitResults(t *testing.T) {
	c := steadyConsumer(t, 10)
	m1, m2 := pollMsg(t, c, 1e9), pollMsg(t, c, 1e9)
	r1, err1 := c.CommitMessage(m1)
	r2, err2 := c.CommitMessage(m2)
	if err1 != nil || err2 != nil || r1[0].Offset != 2 || r2[0].Offset != 3 || &r1[0] == &r2[0] {
		t.Fatalf("without reuse: %v %v (%v %v), want offsets 2 and 3 in two slices", r1, r2, err1, err2)
	}
	c.ReuseCommitResults()
	m3, m4 := pollMsg(t, c, 1e9), pollMsg(t, c, 1e9)
	r3, _ := c.CommitMessage(m3)
	if r3[0].Offset != 4 {
		t.Fatalf("reused: %v, want offset 4", r3)
	}
	r4, _ := c.CommitOffsets([]client.TopicPartition{{Topic: "t", Partition: 0, Offset: m4.TopicPartition.Offset + 1}})
	if &r3[0] != &r4[0] || r4[0].Offset != 5 || r4[0].Error != nil {
		t.Fatalf("reused: %v then %v, want one slice holding offset 5", r3, r4)
	}
	// An asynchronous commit's result is its own, reuse or not.
	if err := c.CommitMessageAsync(m4); err != nil {
		t.Fatal(err)
	}
	for {
		switch e := c.Poll(100).(type) {
		case client.OffsetsCommitted:
			if &e.Offsets[0] == &r4[0] || e.Offsets[0].Offset != 5 {
				t.Fatalf("async result %v shares the reused slice or is wrong", e.Offsets)
			}
			return
		case nil:
			t.Fatal("no OffsetsCommitted event")
		}
	}
}
