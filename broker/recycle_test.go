package broker

import (
	"fmt"
	"testing"

	"github.com/kafkasim/kafkasim/internal/clock"
)

// fillAndCheck produces n keyed records to each of t's partitions, in
// batches of 7, and reads them all back.
func fillAndCheck(t *testing.T, b *Broker, tag string, n int) {
	t.Helper()
	if err := b.CreateTopic("t", 3, TopicConfig{}); err != nil {
		t.Fatal(err)
	}
	for p := int32(0); p < 3; p++ {
		for i := 0; i < n; i += 7 {
			var recs []Record
			for j := i; j < min(i+7, n); j++ {
				recs = append(recs, Record{Key: fmt.Appendf(nil, "%s-k%d-%d", tag, p, j), Value: fmt.Appendf(nil, "%s-v%d-%d", tag, p, j)})
			}
			if _, err := b.Produce("t", p, recs); err != nil {
				t.Fatal(err)
			}
		}
	}
	for p := int32(0); p < 3; p++ {
		res, err := b.FetchInto(nil, TopicPartition{Topic: "t", Partition: p}, 0, n+1, 1<<30)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Records) != n {
			t.Fatalf("%s: partition %d: %d records, want %d", tag, p, len(res.Records), n)
		}
		for j, r := range res.Records {
			if k, v := fmt.Sprintf("%s-k%d-%d", tag, p, j), fmt.Sprintf("%s-v%d-%d", tag, p, j); string(r.Key) != k || string(r.Value) != v || r.Offset != int64(j) {
				t.Fatalf("%s: partition %d offset %d: %q=%q at %d, want %q=%q", tag, p, j, r.Key, r.Value, r.Offset, k, v)
			}
		}
	}
}

// TestRecycle: a broker made after another was recycled takes its pages
// and chunks and reads back what it was given, not what the first one
// held; pages a log grew out of wait for Recycle.
func TestRecycle(t *testing.T) {
	took := 0
	for range 8 { // (the race detector makes sync.Pool drop some of what it is given)
		b := New(clock.NewSim(1), Config{})
		fillAndCheck(t, b, "first", 5000)
		if len(b.mem.outgrown) == 0 {
			t.Fatal("no outgrown pages noted while the first page grew")
		}
		for _, p := range b.mem.outgrown {
			for _, l := range b.topics["t"].parts {
				for _, q := range l.pages {
					if &p[0] == &q[:1][0] {
						t.Fatal("an outgrown page is in use again before Recycle")
					}
				}
			}
		}
		b.Recycle()
		if b.topics != nil {
			t.Fatal("a recycled broker keeps its topics")
		}
		b2 := New(clock.NewSim(2), Config{})
		pages, chunks := len(b2.mem.pages), len(b2.mem.chunks)
		fillAndCheck(t, b2, "second", 4000)
		if pages > 0 && chunks > 0 {
			took++
			if len(b2.mem.pages) >= pages || len(b2.mem.chunks) >= chunks {
				t.Fatalf("spare pages %d -> %d, chunks %d -> %d: the second broker used none", pages, len(b2.mem.pages), chunks, len(b2.mem.chunks))
			}
		}
		b2.Recycle()
	}
	if took == 0 {
		t.Fatal("no broker took the spare memory of a recycled one")
	}
}
