package broker

import (
	"errors"
	"fmt"
	"testing"

	"github.com/kafkasim/kafkasim/internal/clock"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// A batch fetched before its records are deleted still returns them: the
// truncation drops whole pages and chunks the batch reads from.
func TestBatchSurvivesTruncation(t *testing.T) {
	b := New(clock.NewSim(1), Config{})
	if err := b.CreateTopic("t", 1, TopicConfig{}); err != nil {
		t.Fatal(err)
	}
	const n = 3*pageLen + 10
	val := func(i int) string { return fmt.Sprintf("value-%06d-%s", i, string(make([]byte, 200))) }
	for i := range n {
		rec := Record{Key: []byte(fmt.Sprint(i)), Value: []byte(val(i))}
		if i%1000 == 0 {
			rec.Headers = []Header{{Key: "h", Value: []byte(fmt.Sprint(i))}}
		}
		if _, err := b.Produce("t", 0, []Record{rec}); err != nil {
			t.Fatal(err)
		}
	}
	rd := b.Reader(TopicPartition{"t", 0})
	var bt Batch
	res, err := rd.FetchBatch(&bt, 5, 0, 0)
	if err != nil || res.HighWatermark != n || res.LogStartOffset != 0 || bt.Len() != n-5 {
		t.Fatalf("fetch: %+v %v, %d records", res, err, bt.Len())
	}
	if _, err := b.DeleteRecords(TopicPartition{"t", 0}, -1); err != nil {
		t.Fatal(err)
	}
	// More appends after the truncation reuse nothing the batch reads.
	for i := range 2 * pageLen {
		if _, err := b.Produce("t", 0, []Record{{Value: []byte(fmt.Sprint("new", i))}}); err != nil {
			t.Fatal(err)
		}
	}
	l := b.topics["t"].parts[0]
	if len(l.pages) > 3 || l.pageBase != 3*pageLen {
		t.Fatalf("truncation kept %d pages from %d", len(l.pages), l.pageBase)
	}
	for i := 5; i < n; i++ {
		r, ok := bt.Next()
		if !ok {
			t.Fatalf("batch ended at %d", i)
		}
		if r.Offset != int64(i) || string(r.Key) != fmt.Sprint(i) || string(r.Value) != val(i) {
			t.Fatalf("offset %d: got %d %q", i, r.Offset, r.Key)
		}
		if i%1000 == 0 && (len(r.Headers) != 1 || string(r.Headers[0].Value) != fmt.Sprint(i)) {
			t.Fatalf("offset %d: headers %v", i, r.Headers)
		}
	}
	if _, ok := bt.Next(); ok || bt.Len() != 0 {
		t.Fatal("batch longer than fetched")
	}
}

// A Reader answers as FetchInto does: errors, limits, an idle fetch, a
// partition created later, a topic deleted and created again.
func TestReaderLikeFetchInto(t *testing.T) {
	b := New(clock.NewSim(1), Config{})
	if err := b.CreateTopic("t", 1, TopicConfig{}); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := b.Produce("t", 0, []Record{{Value: []byte(fmt.Sprint(i))}}); err != nil {
			t.Fatal(err)
		}
	}
	tp := TopicPartition{"t", 0}
	rd := b.Reader(tp)
	if rd.TopicPartition() != tp {
		t.Fatal(rd.TopicPartition())
	}
	same := func(off int64, maxRecords, maxBytes int) {
		t.Helper()
		want, werr := b.FetchInto(nil, rd.TopicPartition(), off, maxRecords, maxBytes)
		var bt Batch
		got, gerr := rd.FetchBatch(&bt, off, maxRecords, maxBytes)
		if fmt.Sprint(werr) != fmt.Sprint(gerr) || got.HighWatermark != want.HighWatermark || got.LogStartOffset != want.LogStartOffset {
			t.Fatalf("at %d: %+v %v, want %+v %v", off, got, gerr, want, werr)
		}
		recs := drain(bt)
		if fmt.Sprint(recs) != fmt.Sprint(want.Records) {
			t.Fatalf("at %d: %v, want %v", off, recs, want.Records)
		}
	}
	for _, off := range []int64{-1, 0, 3, 10, 11} {
		same(off, 0, 0)
		same(off, 4, 0)
		same(off, 0, 3)
	}
	b.SetAvailable(false)
	same(0, 0, 0)
	b.SetAvailable(true)
	// A partition that does not exist yet.
	rd = b.Reader(TopicPartition{"t", 1})
	same(0, 0, 0)
	if err := b.CreatePartitions("t", 2); err != nil {
		t.Fatal(err)
	}
	same(0, 0, 0)
	// Deleted, then created again: the new, empty log.
	rd = b.Reader(tp)
	same(5, 0, 0)
	if err := b.DeleteTopic("t"); err != nil {
		t.Fatal(err)
	}
	var bt Batch
	if _, err := rd.FetchBatch(&bt, 0, 0, 0); !errors.Is(err, kerr.UnknownTopicOrPart) {
		t.Fatalf("deleted topic: %v", err)
	}
	same(0, 0, 0)
	if err := b.CreateTopic("t", 1, TopicConfig{}); err != nil {
		t.Fatal(err)
	}
	same(0, 0, 0)
	same(5, 0, 0)
	if _, err := b.Produce("t", 0, []Record{{Value: []byte("again")}}); err != nil {
		t.Fatal(err)
	}
	same(0, 0, 0)
	// Reset empties a batch.
	if _, err := rd.FetchBatch(&bt, 0, 0, 0); err != nil || bt.Len() != 1 {
		t.Fatalf("%v %d", err, bt.Len())
	}
	bt.Reset()
	if _, ok := bt.Next(); ok || bt.Len() != 0 {
		t.Fatal("Reset left records")
	}
}
