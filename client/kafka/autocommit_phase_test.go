package kafka

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kafkasim/kafkasim/client"
)

// timedCommits records when each auto-commit timer commit was made.
type timedCommits struct {
	mu    sync.Mutex
	start time.Time
	at    []time.Duration
}

func (r *timedCommits) OnCommitStarted(c client.Commit) {
	if c.Trigger == client.TriggerAutoTimer {
		r.mu.Lock()
		r.at = append(r.at, c.Time.Sub(r.start))
		r.mu.Unlock()
	}
}
func (r *timedCommits) OnCommitFinished(client.Commit) {}

// As in librdkafka (rd_kafka_cgrp_new starts the timer), the auto-commit
// timer counts from the consumer's creation, not from its assignment: a
// consumer created at 0 s that subscribes at 3.7 s commits at 5 s and
// 10 s. In a synctest bubble on kfake's virtual network the wall clock is
// exact.
func TestAutoCommitTimerCountsFromCreation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var stack kfake.VirtualNetwork
		kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(19093), kfake.ListenFn(stack.Listen),
			kfake.GroupMinSessionTimeout(100*time.Millisecond), kfake.SeedTopics(1, "orders"))
		if err != nil {
			t.Fatal(err)
		}
		defer kc.Close()
		dial := Dialer(stack.DialContext)
		pr, err := NewProducer(client.ConfigMap{"bootstrap.servers": addr(kc), "linger.ms": 1}, dial)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			_ = pr.Produce(&client.Message{TopicPartition: client.TopicPartition{Topic: "orders", Partition: 0}, Value: []byte{byte(i)}}, nil)
		}
		if left := pr.Flush(10000); left != 0 {
			t.Fatalf("flush: %d left", left)
		}
		pr.Close()

		rec := &timedCommits{start: time.Now()}
		c, err := NewConsumer(consumerConf(kc, "g", "c1"), rec, dial)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(3700 * time.Millisecond)
		if err := c.Subscribe("orders", nil); err != nil {
			t.Fatal(err)
		}
		got := false
		for time.Since(rec.start) < 11*time.Second {
			if _, ok := c.Poll(100).(*client.Message); ok {
				got = true
			}
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if !got {
			t.Fatal("no message")
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		if len(rec.at) == 0 || rec.at[0] != 5*time.Second {
			t.Errorf("auto-commits at %v after creation, want the first at 5s (counted from creation, not from the assignment after 3.7s)", rec.at)
		}
	})
}
