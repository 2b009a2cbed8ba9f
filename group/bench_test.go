package group

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkDay runs 100 range members on 1000 partitions through 24 h of
// virtual time: a heartbeat every 3 s each (2.88 million), 50 crashes at
// random times (each noticed at session timeout: an eager rebalance of
// the whole group) and 50 joins (the crashed members coming back).
func BenchmarkDay(b *testing.B) {
	const members, day = 100, 24 * time.Hour
	b.ReportAllocs()
	var heartbeats, rebalances int
	for b.Loop() {
		e := newEnv(b, map[string]int{"events": 1000}, Config{})
		e.keepLog = false
		rebalances = 0
		e.c.OnTransition(func(t Transition) {
			if t.Kind == AssignmentComputed {
				rebalances++
			}
		})
		var ms []*tmember
		for i := range members {
			m := e.member(fmt.Sprintf("consumer-%03d", i), "g", []string{"events"})
			ms = append(ms, m)
			m.start()
		}
		r := rand.New(rand.NewPCG(7, 7))
		for range 50 {
			crashAt := time.Minute + time.Duration(r.Int64N(int64(day-15*time.Minute)))
			back := 10*time.Second + time.Duration(r.Int64N(int64(2*time.Minute)))
			e.sim.After(crashAt, func() {
				var alive []*tmember
				for _, m := range ms {
					if m.alive {
						alive = append(alive, m)
					}
				}
				m := alive[r.IntN(len(alive))]
				m.crash()
				e.sim.After(back, m.start)
			})
		}
		before := e.sim.Ran()
		e.run(day)
		heartbeats = int(e.sim.Ran() - before)
		if st := e.c.State("g"); st != Stable {
			b.Fatalf("after a day: %s", st)
		}
		owned := 0
		for _, m := range ms {
			owned += len(m.owned)
		}
		if owned != 1000 {
			b.Fatalf("after a day %d of 1000 partitions owned", owned)
		}
	}
	b.ReportMetric(float64(b.N)*day.Seconds()/b.Elapsed().Seconds(), "virtual-s/wall-s")
	b.ReportMetric(float64(rebalances), "rebalances/day")
	b.ReportMetric(float64(heartbeats), "events/day")
}
