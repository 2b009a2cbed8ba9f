package scenarios

import (
	"os"
	"testing"
)

// crashRun is one run of the crash benchmark's scenario
// (.ci/perf/bench.yaml: 4,130 events, LOST, REDELIVERED and DUPLICATED
// messages), checked to have its LOST and DUPLICATED messages.
func crashRun(b *testing.B) *Result {
	b.Helper()
	src, err := os.ReadFile("../.ci/perf/bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	s, err := Parse("bench.yaml", src)
	if err != nil {
		b.Fatal(err)
	}
	r, err := Run(s, Options{Seed: 1, SeedSet: true})
	if err != nil {
		b.Fatal(err)
	}
	if r.Outcome.Counts.Duplicated == 0 || r.Outcome.Counts.Lost == 0 {
		b.Fatalf("%+v: want DUPLICATED and LOST messages", r.Outcome.Counts)
	}
	return r
}

// BenchmarkClassifyCrashRun classifies the timeline of one run of the
// crash benchmark's scenario again and again: the classifier's share of
// BenchmarkThreeConsumers1000Messages, alone.
func BenchmarkClassifyCrashRun(b *testing.B) {
	r := crashRun(b)
	b.ReportAllocs()
	for b.Loop() {
		if o := classify(r.tape); o.Counts != r.Outcome.Counts {
			b.Fatalf("%+v, want %+v", o.Counts, r.Outcome.Counts)
		}
	}
}

// BenchmarkClassifyCrashRunEvents is BenchmarkClassifyCrashRun on the
// run's events (Classify, as the property suite classifies its
// timelines).
func BenchmarkClassifyCrashRunEvents(b *testing.B) {
	r := crashRun(b)
	evs := r.Events()
	b.ReportAllocs()
	for b.Loop() {
		if o := Classify(evs); o.Counts != r.Outcome.Counts {
			b.Fatalf("%+v, want %+v", o.Counts, r.Outcome.Counts)
		}
	}
}
