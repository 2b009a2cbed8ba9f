package kafka

import (
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/sim"
)

const benchMsgs = 100_000

// workload produces n messages to topic t (one partition), then consumes
// them one Poll at a time with a synchronous CommitMessage per message.
func workload(b *testing.B, p client.Producer, c client.Consumer, n int) {
	b.Helper()
	val := make([]byte, 100)
	for i := range n {
		for {
			err := p.Produce(&client.Message{TopicPartition: client.TopicPartition{Topic: "t", Partition: client.PartitionAny},
				Key: fmt.Appendf(nil, "k%d", i%1000), Value: val}, nil)
			if err == nil {
				break
			}
			p.Poll(10) // queue full: serve reports
		}
		if i%10000 == 9999 {
			for p.Poll(0) != nil {
			}
		}
	}
	if left := p.Flush(60000); left != 0 {
		b.Fatalf("flush: %d left", left)
	}
	for p.Poll(0) != nil {
	}
	if err := c.Subscribe("t", nil); err != nil {
		b.Fatal(err)
	}
	got := 0
	deadline := time.Now().Add(5 * time.Minute)
	for got < n {
		switch e := c.Poll(100).(type) {
		case *client.Message:
			if _, err := c.CommitMessage(e); err != nil {
				b.Fatalf("commit %v: %v", e, err)
			}
			got++
		case client.Error:
			b.Logf("error event: %v", e)
		}
		if time.Now().After(deadline) {
			b.Fatalf("consumed %d of %d", got, n)
		}
	}
}

// BenchmarkSimVsKfake runs the same produce / consume / commit-per-message
// workload on the in-memory simulator and on kfake through this backend.
func BenchmarkSimVsKfake(b *testing.B) {
	conf := func(extra client.ConfigMap) client.ConfigMap {
		m := client.ConfigMap{"group.id": "bench", "auto.offset.reset": "earliest", "enable.auto.commit": false,
			"session.timeout.ms": 6000, "heartbeat.interval.ms": 500, "fetch.wait.max.ms": 100}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	b.Run("sim", func(b *testing.B) {
		for b.Loop() {
			cl := sim.NewCluster(sim.Config{Seed: 1})
			if err := cl.CreateTopic("t", 1); err != nil {
				b.Fatal(err)
			}
			p, err := cl.NewProducer(client.ConfigMap{})
			if err != nil {
				b.Fatal(err)
			}
			c, err := cl.NewConsumer(conf(nil))
			if err != nil {
				b.Fatal(err)
			}
			workload(b, p, c, benchMsgs)
			_ = c.Close()
			p.Close()
		}
		b.ReportMetric(float64(benchMsgs*b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
	b.Run("kfake", func(b *testing.B) {
		for b.Loop() {
			kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "t"), kfake.GroupMinSessionTimeout(100*time.Millisecond))
			if err != nil {
				b.Fatal(err)
			}
			p, err := NewProducer(client.ConfigMap{"bootstrap.servers": addr(kc), "linger.ms": 5})
			if err != nil {
				b.Fatal(err)
			}
			c, err := NewConsumer(conf(client.ConfigMap{"bootstrap.servers": addr(kc)}))
			if err != nil {
				b.Fatal(err)
			}
			workload(b, p, c, benchMsgs)
			_ = c.Close()
			p.Close()
			kc.Close()
		}
		b.ReportMetric(float64(benchMsgs*b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}
