package broker

import (
	"runtime"
	"testing"

	"github.com/kafkasim/kafkasim/internal/clock"
)

const (
	benchRecords = 1_000_000
	benchBatch   = 500
	benchValue   = 100
)

func benchInput() []Record {
	recs := make([]Record, benchBatch)
	for i := range recs {
		v := make([]byte, benchValue)
		for j := range v {
			v[j] = byte(i + j)
		}
		recs[i] = Record{Value: v}
	}
	return recs
}

// produceFetchBroker produces benchRecords records in batches and fetches
// them all back, returning the broker (so its memory can be measured) and
// the number of value bytes seen.
func produceFetchBroker(in []Record) (*Broker, int) {
	b := New(clock.NewSim(1), Config{})
	if err := b.CreateTopic("bench", 1, TopicConfig{}); err != nil {
		panic(err)
	}
	for n := 0; n < benchRecords; n += benchBatch {
		if _, err := b.Produce("bench", 0, in); err != nil {
			panic(err)
		}
	}
	tp := TopicPartition{Topic: "bench", Partition: 0}
	var buf []Record
	seen := 0
	for off := int64(0); off < benchRecords; {
		res, err := b.FetchInto(buf, tp, off, benchBatch, 0)
		if err != nil {
			panic(err)
		}
		buf = res.Records
		for i := range buf {
			seen += len(buf[i].Value)
		}
		off += int64(len(buf))
	}
	return b, seen
}

// floorHdr is the floor's fixed-size per-record header.
type floorHdr struct {
	ts    int64
	chunk uint32
	off   uint32
	klen  int32
	vlen  int32
}

type floorLog struct {
	chunks [][]byte
	hdrs   []floorHdr
}

// produceFetchFloor is the floor a retaining log cannot beat: values copied
// into fresh 1 MiB chunks, fixed-size headers appended to a slice, then one
// scan.
func produceFetchFloor(in []Record) (*floorLog, int) { return produceFetchFloorCap(in, 0) }

// produceFetchFloorCap is the floor with the header slice pre-sized to
// hdrCap entries (a stricter floor: no slice growth copies).
func produceFetchFloorCap(in []Record, hdrCap int) (*floorLog, int) {
	l := &floorLog{hdrs: make([]floorHdr, 0, hdrCap)}
	var cur []byte
	for n := 0; n < benchRecords; n += benchBatch {
		for i := range in {
			v := in[i].Value
			if cap(cur)-len(cur) < len(v) {
				cur = make([]byte, 0, chunkSize)
				l.chunks = append(l.chunks, cur)
			}
			off := len(cur)
			cur = append(cur, v...)
			l.chunks[len(l.chunks)-1] = cur
			l.hdrs = append(l.hdrs, floorHdr{ts: int64(n), chunk: uint32(len(l.chunks) - 1), off: uint32(off), klen: -1, vlen: int32(len(v))})
		}
	}
	seen := 0
	for i := range l.hdrs {
		h := &l.hdrs[i]
		c := l.chunks[h.chunk]
		seen += len(c[h.off : h.off+uint32(h.vlen)])
	}
	return l, seen
}

// heapGrowth measures the live heap an operation leaves behind.
func heapGrowth(f func() any) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	keep := f()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(keep)
	return after.HeapAlloc - before.HeapAlloc
}

// BenchmarkProduceFetch produces 1M records with 100-byte values in batches
// of 500 and fetches them all back (one op = 1M records), side by side with
// the floor (headers appended to a growing slice, as the issue defines it)
// and a stricter floor whose header slice is allocated at full size. Metrics: records/s, live heap per stored record beyond the
// value (overhead-B/record), and allocations.
//
//	go test -run '^$' -bench ProduceFetch -benchtime 3x ./broker/
func BenchmarkProduceFetch(b *testing.B) {
	in := benchInput()
	cases := []struct {
		name string
		run  func() (any, int)
	}{
		{"floor", func() (any, int) { return produceFetchFloor(in) }},
		{"floor-presized", func() (any, int) { return produceFetchFloorCap(in, benchRecords) }},
		{"broker", func() (any, int) { return produceFetchBroker(in) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			grow := heapGrowth(func() any { k, _ := c.run(); return k })
			b.ReportAllocs()
			for b.Loop() {
				if _, seen := c.run(); seen != benchRecords*benchValue {
					b.Fatalf("scanned %d value bytes, want %d", seen, benchRecords*benchValue)
				}
			}
			recs := float64(b.N) * benchRecords
			b.ReportMetric(recs/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(grow)/benchRecords-benchValue, "overhead-B/record")
		})
	}
}
