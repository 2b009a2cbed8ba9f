package check

import (
	"testing"
	"time"

	"pgregory.net/rapid"
)

// BenchmarkAtLeastOnceCase measures whole cases of the at-least-once check
// (commit after each message) on the shape: 3 consumers, 3
// partitions, about 200 messages, about 30 actions (rapid's default
// -rapid.steps=30), every fault kind. Each iteration draws and runs one
// case with a fixed seed sequence, including the invariant checks and the
// classification.
func BenchmarkAtLeastOnceCase(b *testing.B) {
	cfg := Config{Guarantee: AtLeastOnce, Handler: Handler{Strategy: CommitAfterEach},
		MaxConsumers: 3, MaxPartitions: 3, MaxMessages: 200, Dir: b.TempDir()}.withDefaults()
	cfg.fixedShape = true // every case has the shape; faults and timings are drawn
	gen := rapid.Custom(func(t *rapid.T) int {
		res := runCase(t, &cfg)
		if f := res.failure(&cfg); f != nil {
			b.Fatal(f.Error())
		}
		return len(res.events)
	})
	b.ReportAllocs()
	start := time.Now()
	events := 0
	for i := 0; b.Loop(); i++ {
		events += gen.Example(i)
	}
	el := time.Since(start)
	b.ReportMetric(float64(b.N)/el.Seconds(), "cases/s")
	b.ReportMetric(float64(events)/float64(b.N), "events/case")
}
