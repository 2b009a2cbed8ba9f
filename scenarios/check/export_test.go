package check

import (
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/kafkasim/kafkasim/scenarios"
)

// ReplayEvents is Replay for the package's tests: the whole timeline of
// the run, whatever its verdict.
func ReplayEvents(t *testing.T, file string, cfg Config) []scenarios.Event {
	cfg = cfg.withDefaults()
	cfg.tt = t
	sc, err := scenarios.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Topic = sc.Topics[0].Name
	_, latency := cutLatency(sc.Summary)
	res := execute(sc, &cfg, cfg.App != nil, latency)
	if res.err != nil {
		t.Fatal(res.err)
	}
	return res.events
}

// BenchCases runs b.N cases of cfg on the benchmarks' shape (3 consumers,
// 3 partitions, 200 messages, rapid's default 30 steps, every fault
// kind; timings and faults drawn from a fixed seed sequence) and reports
// cases/s and events/case. t hosts an App's bubbles.
func BenchCases(b *testing.B, t *testing.T, cfg Config) {
	cfg.MaxConsumers, cfg.MaxPartitions, cfg.MaxMessages = 3, 3, 200
	if cfg.Dir == "" {
		cfg.Dir = b.TempDir()
	}
	cfg = cfg.withDefaults()
	cfg.tt = t
	cfg.fixedShape = true
	gen := rapid.Custom(func(rt *rapid.T) int {
		res := runCase(rt, &cfg)
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
