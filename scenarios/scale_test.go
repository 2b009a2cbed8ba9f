package scenarios_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kafkasim/kafkasim/scenarios"
)

// scaleScenario is one group of n consumers reading a topic of 2n
// partitions (10 messages each); c1 crashes at 5s and the group moves its
// partitions at session timeout (6s). The run is short (20s), so that what
// a large group costs per member (joins, assignments, describe) is most of
// it, not idle polls.
func scaleScenario(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: scale-%d\nduration: 20s\ncluster: {group_initial_rebalance_delay: 0s}\n", n)
	fmt.Fprintf(&b, "topics: [{name: t, partitions: %d}]\n", 2*n)
	fmt.Fprintf(&b, "producers: [{topic: t, count: %d, key: \"k-{i}\"}]\nconsumers:\n", 20*n)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  - {id: c%d, group: g, topics: [t], config: {auto.offset.reset: earliest, session.timeout.ms: 6000}}\n", i)
	}
	b.WriteString("script: [{at: 5s, do: crash, consumer: c1}]\n")
	return b.String()
}

// checkScale checks that a run of scaleScenario(n) did what its name
// says: every partition ends owned by one of the n−1 live consumers, the
// crashed consumer's partitions moved in a rebalance, and every message
// was processed (none lost, none pending).
func checkScale(tb testing.TB, r *scenarios.Result, n int) {
	tb.Helper()
	g := r.Group("g")
	if g == nil || g.State != "Stable" || len(g.Partitions) != 2*n {
		tb.Fatalf("group: %+v", g)
	}
	owners := map[string]bool{}
	for _, p := range g.Partitions {
		if p.Owner == "" || p.Owner == "c1" {
			tb.Fatalf("partition %d owned by %q", p.Partition, p.Owner)
		}
		owners[p.Owner] = true
	}
	if len(owners) != n-1 {
		tb.Fatalf("%d owners, want %d", len(owners), n-1)
	}
	moved := false
	for _, e := range r.Events() {
		if e.Kind == scenarios.KindGroupEvent && strings.HasPrefix(e.Detail, "moved:") && strings.Contains(e.Detail, "c1-") {
			moved = true
		}
	}
	if !moved {
		tb.Fatal("c1's partitions never moved")
	}
	c := r.Outcome.Counts
	if c.Lost != 0 || c.Pending != 0 || len(r.Outcome.Messages()) != 20*n {
		tb.Fatalf("outcome %+v of %d messages", c, len(r.Outcome.Messages()))
	}
}

func TestScaleScenario(t *testing.T) {
	s, err := scenarios.Parse("scale.yaml", []byte(scaleScenario(30)))
	if err != nil {
		t.Fatal(err)
	}
	r, err := scenarios.Run(s, scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkScale(t, r, 30)
}

// BenchmarkScaleConsumers runs scaleScenario with 300 and 3,000
// consumers side by side. Linear work shows as the same µs/consumer at
// both sizes; an O(n²) path (a pass over every member per join, a copy of
// every partition per describe row) as ten times more at 3,000.
func BenchmarkScaleConsumers(b *testing.B) {
	for _, n := range []int{300, 3000} {
		b.Run(fmt.Sprintf("consumers=%d", n), func(b *testing.B) {
			s, err := scenarios.Parse("scale.yaml", []byte(scaleScenario(n)))
			if err != nil {
				b.Fatal(err)
			}
			r, err := scenarios.Run(s, scenarios.Options{})
			if err != nil {
				b.Fatal(err)
			}
			checkScale(b, r, n)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := scenarios.Run(s, scenarios.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/consumer")
		})
	}
}
