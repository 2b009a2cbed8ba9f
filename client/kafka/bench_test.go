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

// benchKeys are the workload's 1000 distinct keys, formatted once;
// benchValue its 100-byte value.
var (
	benchKeys = func() (keys [][]byte) {
		for i := range 1000 {
			keys = append(keys, fmt.Appendf(nil, "k%d", i))
		}
		return keys
	}()
	benchValue = make([]byte, 100)
)

// benchMessages builds n messages of the workload for topic t's default
// partitioner, before anything is timed. A workload's op gets messages of
// its own and lets go of them once produced: kept for the whole run, they
// would be memory every garbage collection of the consuming half marks.
func benchMessages(n int) []client.Message {
	msgs := make([]client.Message, n)
	for i := range msgs {
		msgs[i] = client.Message{TopicPartition: client.TopicPartition{Topic: "t", Partition: client.PartitionAny}, Key: benchKeys[i%len(benchKeys)], Value: benchValue}
	}
	return msgs
}

// recycler is what the simulator's consumer offers an app that keeps
// neither the messages it commits nor the results of its commits
// (sim.Consumer).
type recycler interface {
	ReleaseCommitted()
	ReuseCommitResults()
}

// workload produces msgs to topic t (one partition), then consumes them
// one Poll at a time with a synchronous CommitMessage per message (the
// issue-7 workload); it keeps no reference to msgs once they are
// produced. With recycle, the consumer reuses what the app is
// done with (sim.Consumer.ReleaseCommitted and ReuseCommitResults):
// nothing is allocated per message.
func workload(b *testing.B, p client.Producer, c client.Consumer, msgs []client.Message, recycle bool) {
	b.Helper()
	for i := range msgs {
		for {
			err := p.Produce(&msgs[i], nil)
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
	n := len(msgs)
	msgs = nil // (produced: no longer the workload's)
	if err := c.Subscribe("t", nil); err != nil {
		b.Fatal(err)
	}
	rc, _ := c.(recycler)
	if !recycle {
		rc = nil
	}
	if rc != nil {
		rc.ReleaseCommitted()
		rc.ReuseCommitResults()
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
		if got%1024 == 0 && time.Now().After(deadline) {
			b.Fatalf("consumed %d of %d", got, n)
		}
	}
}

// BenchmarkSimVsKfake runs the same produce / consume / commit-per-message
// workload on the in-memory simulator and on kfake through this backend,
// side by side, and next to them what Poll and CommitMessage cost on the
// simulator in steady state and a floor for that. One op is benchMsgs
// messages in each:
//
//   - floor: hands out each in-memory message (a copy into the message
//     the app reads) and records its offset + 1 in a map keyed by
//     partition, as a commit does;
//   - sim-poll-commit: Poll + CommitMessage of each message on a
//     simulated consumer that is assigned and has read them once
//     (produced before the timer starts; each op seeks back to the
//     start), committed messages released and commit results reused;
//   - sim: the workload, the consumer recycling messages and commit
//     results (nothing allocated per message);
//   - sim-plain: the same calls as kfake's, nothing simulator-specific;
//   - kfake: the workload against kfake (one broker, loopback TCP),
//     cluster start and group join included.
//
// Every sub-benchmark reports msgs/s. The messages (their keys formatted
// once) are built before the timer starts, and the workload checks the
// wall clock once per 1024 messages. A workload op allocates tens of
// megabytes (sim: the 20 MB log; sim-plain: also a message and a commit
// result per message), so whether a garbage collection falls inside one
// op moves it by up to 2x (3x for sim-plain): compare medians of -count 5.
//
//	go test -run '^$' -bench SimVsKfake -benchtime 1x -count 5 ./client/kafka/
func BenchmarkSimVsKfake(b *testing.B) {
	conf := func(extra client.ConfigMap) client.ConfigMap {
		m := client.ConfigMap{"group.id": "bench", "auto.offset.reset": "earliest", "enable.auto.commit": false,
			"session.timeout.ms": 6000, "heartbeat.interval.ms": 500, "fetch.wait.max.ms": 100}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	b.Run("floor", func(b *testing.B) {
		msgs := benchMessages(benchMsgs)
		for i := range msgs {
			msgs[i].TopicPartition = client.TopicPartition{Topic: "t", Partition: 0, Offset: client.Offset(i)}
		}
		committed := map[client.PartitionKey]client.Offset{}
		var out client.Message
		b.ReportAllocs()
		for b.Loop() {
			for i := range msgs {
				out = msgs[i]
				committed[out.TopicPartition.Key()] = out.TopicPartition.Offset + 1
			}
		}
		b.ReportMetric(float64(benchMsgs*b.N)/b.Elapsed().Seconds(), "msgs/s")
		if committed[client.PartitionKey{Topic: "t", Partition: 0}] != benchMsgs {
			b.Fatal("the last offset was not recorded")
		}
	})
	b.Run("sim-poll-commit", func(b *testing.B) {
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
		workload(b, p, c, benchMessages(benchMsgs), true) // produced, joined, assigned, read once
		start := client.TopicPartition{Topic: "t", Partition: 0, Offset: 0}
		b.ReportAllocs()
		for b.Loop() {
			if err := c.Seek(start, 0); err != nil { // read them again
				b.Fatal(err)
			}
			for range benchMsgs {
				m, ok := c.Poll(100).(*client.Message)
				if !ok {
					b.Fatal("no message")
				}
				if _, err := c.CommitMessage(m); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(benchMsgs*b.N)/b.Elapsed().Seconds(), "msgs/s")
		_ = c.Close()
	})
	runSim := func(recycle bool) func(b *testing.B) {
		return func(b *testing.B) {
			op := func(msgs []client.Message) {
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
				workload(b, p, c, msgs, recycle)
				_ = c.Close()
				p.Close()
			}
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				msgs := benchMessages(benchMsgs)
				b.StartTimer()
				op(msgs) // (which lets go of them once produced)
			}
			b.ReportMetric(float64(benchMsgs*b.N)/b.Elapsed().Seconds(), "msgs/s")
		}
	}
	b.Run("sim", runSim(true))
	b.Run("sim-plain", runSim(false))
	b.Run("kfake", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			msgs := benchMessages(benchMsgs)
			b.StartTimer()
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
			workload(b, p, c, msgs, false)
			_ = c.Close()
			p.Close()
			kc.Close()
		}
		b.ReportMetric(float64(benchMsgs*b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}
