package scenarios_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kafkasim/kafkasim/scenarios"
)

// benchScenario: 3 consumers, 3 partitions, 1,000 messages, two crashes.
const benchScenario = `
name: bench-3x3
summary: 3 consumers, 3 partitions, 1000 messages, two crashes
duration: 2m
cluster:
  group_initial_rebalance_delay: 0s
topics:
  - {name: t, partitions: 3}
producers:
  - {topic: t, count: 1000, key: "k-{i}"}
consumers:
  - {id: c1, group: g, topics: [t], config: {auto.offset.reset: earliest, session.timeout.ms: 6000}, processing: {commit: auto}}
  - {id: c2, group: g, topics: [t], config: {auto.offset.reset: earliest, session.timeout.ms: 6000}, processing: {commit: auto}}
  - {id: c3, group: g, topics: [t], config: {auto.offset.reset: earliest, session.timeout.ms: 6000}, processing: {commit: auto}}
script:
  - {at: 2ms, do: crash, consumer: c1}
  - {at: 3ms, do: crash, consumer: c2}
`

func benchRun(b *testing.B, s *scenarios.Scenario) {
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		r, err := scenarios.Run(s, scenarios.Options{Seed: uint64(n + 1), SeedSet: true})
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Outcome.Messages) == 0 {
			b.Fatal("no messages classified")
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "runs/s")
}

// BenchmarkAutoCommitLoss measures runs per second of the built-in lesson.
func BenchmarkAutoCommitLoss(b *testing.B) {
	s, err := scenarios.Builtin("auto-commit-loss")
	if err != nil {
		b.Fatal(err)
	}
	benchRun(b, s)
}

// BenchmarkThreeConsumers1000Messages measures the target scenario.
func BenchmarkThreeConsumers1000Messages(b *testing.B) {
	s, err := scenarios.Parse("bench.yaml", []byte(benchScenario))
	if err != nil {
		b.Fatal(err)
	}
	benchRun(b, s)
}

// benchMidStream is the same group with the crashes landing while the
// messages are being processed (5 ms each), so that partitions move,
// messages are delivered again and auto-commits race the crashes: the
// issue's benchmark with its crashes made to matter.
var benchMidStream = strings.NewReplacer(
	"name: bench-3x3\n", "name: bench-3x3-midstream\n",
	"two crashes\n", "two crashes mid-stream\n",
	"duration: 2m", "duration: 30s",
	"processing: {commit: auto}", "processing: {time: 5ms, commit: auto}",
	"at: 2ms,", "at: 600ms,",
	"at: 3ms,", "at: 1200ms,",
).Replace(benchScenario)

// BenchmarkThreeConsumersMidStreamCrashes is the scenario with
// crashes that interrupt processing (for comparison; not the issue's
// target).
func BenchmarkThreeConsumersMidStreamCrashes(b *testing.B) {
	s, err := scenarios.Parse("bench-midstream.yaml", []byte(benchMidStream))
	if err != nil {
		b.Fatal(err)
	}
	benchRun(b, s)
}

// TestPerfScenariosMatchBenchmarks keeps the scenario files of .ci/perf
// (dumped by its byte-identity script) the same as the benchmarks'.
func TestPerfScenariosMatchBenchmarks(t *testing.T) {
	for file, want := range map[string]string{"bench.yaml": benchScenario, "midstream.yaml": benchMidStream} {
		got, err := os.ReadFile(filepath.Join("..", ".ci", "perf", file))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != strings.TrimPrefix(want, "\n") {
			t.Errorf(".ci/perf/%s differs from the benchmark's scenario", file)
		}
	}
}
