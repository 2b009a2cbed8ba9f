package sim

import (
	"testing"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/group"
)

const (
	benchMessages = 1_000_000
	benchValue    = 100
	benchBatch    = 500
	benchCommit   = 1000
)

// benchProduce appends benchMessages records with benchValue-byte values to
// t[0], in batches of benchBatch.
func benchProduce(b *testing.B, br *broker.Broker) {
	val := make([]byte, benchValue)
	batch := make([]broker.Record, benchBatch)
	for i := range batch {
		batch[i].Value = val
	}
	for i := 0; i < benchMessages; i += benchBatch {
		if _, err := br.Produce("t", 0, batch); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPollCommit is one consumer polling 1M produced messages with a
// synchronous commit every 1000 ("client"), side by side with the
// broker-level produce + fetch of the same messages ("broker"). One op =
// produce 1M + consume 1M.
//
//	go test -run '^$' -bench PollCommit -benchtime 3x ./client/sim/
func BenchmarkPollCommit(b *testing.B) {
	b.Run("broker", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			cl := NewCluster(Config{Seed: 1})
			_ = cl.CreateTopic("t", 1)
			benchProduce(b, cl.b)
			var buf []broker.Record
			tp := broker.TopicPartition{Topic: "t"}
			n, off := 0, int64(0)
			for n < benchMessages {
				res, err := cl.b.FetchInto(buf, tp, off, 1000, 1<<20)
				if err != nil {
					b.Fatal(err)
				}
				buf = res.Records
				n += len(res.Records)
				off += int64(len(res.Records))
			}
		}
		b.ReportMetric(float64(b.N)*benchMessages/b.Elapsed().Seconds(), "msgs/s")
	})
	b.Run("client", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			cl := NewCluster(Config{Seed: 1, Group: group.Config{InitialRebalanceDelay: -1}})
			_ = cl.CreateTopic("t", 1)
			benchProduce(b, cl.b)
			c, err := cl.NewConsumer(client.ConfigMap{"group.id": "g", "auto.offset.reset": "earliest", "enable.auto.commit": false})
			if err != nil {
				b.Fatal(err)
			}
			_ = c.Subscribe("t", nil)
			n := 0
			for n < benchMessages {
				m, ok := c.Poll(100).(*client.Message)
				if !ok {
					continue
				}
				n++
				if n%benchCommit == 0 {
					if _, err := c.CommitMessage(m); err != nil {
						b.Fatal(err)
					}
				}
			}
			_ = c.Close()
		}
		b.ReportMetric(float64(b.N)*benchMessages/b.Elapsed().Seconds(), "msgs/s")
	})
}
