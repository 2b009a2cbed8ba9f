package check_test

import (
	"flag"
	"fmt"
	"testing"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios/check"
)

// TestWorkerPoolAppBenchmark is the benchmark of an App's cases on
// BenchmarkAtLeastOnceCase's shape: the worker-pool example (claiming
// nothing, so that every case runs whole), and the worker pool done right
// (at-least-once, checked). An App runs in testing/synctest
// bubbles, which need a *testing.T, so it is a test hosting
// testing.Benchmark; it runs only with -bench (any pattern), and prints
// its line with the benchmarks':
//
//	go test -run WorkerPoolAppBenchmark -bench . -benchtime 400x -cpu 1 ./scenarios/check
func TestWorkerPoolAppBenchmark(t *testing.T) {
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		t.Skip("a benchmark: run with -bench")
	}
	for _, bm := range []struct {
		name string
		app  check.App
		g    check.Guarantee
	}{{"WorkerPoolAppCase", workerPoolApp, check.NoGuarantee}, {"WorkerPoolMarksAppCase", workerPoolAtLeastOnce, check.AtLeastOnce}} {
		cfg := check.Config{App: bm.app, Topic: topic, Guarantee: bm.g, Consumer: client.ConfigMap{"enable.auto.commit": false}}
		r := testing.Benchmark(func(b *testing.B) { check.BenchCases(b, t, cfg) })
		if r.N == 0 {
			t.Fatalf("%s failed", bm.name)
		}
		fmt.Printf("Benchmark%s\t%s\t%s\n", bm.name, r.String(), r.MemString())
	}
}
