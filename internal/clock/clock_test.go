package clock

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestSimOrdersByTimeThenInsertion(t *testing.T) {
	s := NewSim(1)
	var got []string
	s.After(2*time.Second, func() { got = append(got, "b1") })
	s.After(time.Second, func() { got = append(got, "a") })
	s.After(2*time.Second, func() { got = append(got, "b2") })
	s.After(2*time.Second, func() {
		got = append(got, "b3")
		s.After(0, func() { got = append(got, "b4-scheduled-by-b3") })
	})
	s.RunFor(3 * time.Second)
	want := []string{"a", "b1", "b2", "b3", "b4-scheduled-by-b3"}
	if len(got) != len(want) {
		t.Fatalf("ran %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ran %v, want %v", got, want)
		}
	}
	if s.Elapsed() != 3*time.Second {
		t.Fatalf("elapsed %v, want 3s", s.Elapsed())
	}
}

func TestSimRunUntilStopsAtBoundary(t *testing.T) {
	s := NewSim(1)
	var at []time.Duration
	for _, d := range []time.Duration{time.Second, 5 * time.Second, 5*time.Second + time.Nanosecond} {
		s.After(d, func() { at = append(at, s.Elapsed()) })
	}
	if err := s.RunUntil(context.Background(), Epoch.Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if len(at) != 2 || at[0] != time.Second || at[1] != 5*time.Second {
		t.Fatalf("fired at %v, want [1s 5s]", at)
	}
	if next, ok := s.Next(); !ok || next.Sub(Epoch) != 5*time.Second+time.Nanosecond {
		t.Fatalf("next = %v %v", next, ok)
	}
	// Time never goes backwards.
	_ = s.RunUntil(context.Background(), Epoch)
	if s.Elapsed() != 5*time.Second {
		t.Fatalf("clock moved back to %v", s.Elapsed())
	}
}

func TestTimerStop(t *testing.T) {
	s := NewSim(1)
	fired := 0
	tm := s.After(time.Second, func() { fired++ })
	if !tm.Pending() || tm.When().Sub(Epoch) != time.Second {
		t.Fatalf("timer not pending at 1s")
	}
	if !tm.Stop() {
		t.Fatal("Stop of pending timer reported false")
	}
	if tm.Stop() {
		t.Fatal("second Stop reported true")
	}
	// The event struct is recycled; the stale handle must not cancel the new event.
	s.After(time.Second, func() { fired += 10 })
	if tm.Stop() {
		t.Fatal("stale handle stopped a recycled event")
	}
	s.RunFor(2 * time.Second)
	if fired != 10 {
		t.Fatalf("fired = %d, want 10", fired)
	}
	var zero Timer
	if zero.Stop() || zero.Pending() {
		t.Fatal("zero timer is not inert")
	}
}

func TestPastEventsRunNow(t *testing.T) {
	s := NewSim(1)
	s.RunFor(10 * time.Second)
	var when time.Duration
	s.At(Epoch, func() { when = s.Elapsed() })
	s.RunUntilIdle(0)
	if when != 10*time.Second {
		t.Fatalf("past event ran at %v, want now (10s)", when)
	}
}

func TestRunUntilHonoursContext(t *testing.T) {
	s := NewSim(1)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	var tick func()
	tick = func() {
		n++
		if n == 3 {
			cancel()
		}
		s.After(time.Second, tick)
	}
	s.After(time.Second, tick)
	if err := s.RunUntil(ctx, Epoch.Add(time.Hour)); err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n != 3 {
		t.Fatalf("ran %d ticks after cancel, want 3", n)
	}
}

func TestSeededRandIsDeterministic(t *testing.T) {
	a, b, c := NewSim(42), NewSim(42), NewSim(43)
	same, diff := true, false
	for range 100 {
		x, y, z := a.Rand().Uint64(), b.Rand().Uint64(), c.Rand().Uint64()
		same = same && x == y
		diff = diff || x != z
	}
	if !same || !diff {
		t.Fatalf("same seed equal=%v, different seed differs=%v", same, diff)
	}
}

// TestQueueOrderProperty checks against a simple model that events run in
// (time, insertion) order whatever is scheduled and stopped.
func TestQueueOrderProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := NewSim(1)
		type item struct {
			at  time.Duration
			id  int
			tm  Timer
			off bool
		}
		var items []*item
		var ran []int
		n := rapid.IntRange(0, 60).Draw(t, "n")
		for i := range n {
			it := &item{at: time.Duration(rapid.IntRange(0, 20).Draw(t, "at")) * time.Millisecond, id: i}
			if rapid.IntRange(0, 3).Draw(t, "far") == 0 {
				it.at *= 100 // up to 2 s: the queue's far part too (farSpan)
			}
			it.tm = s.After(it.at, func() { ran = append(ran, it.id) })
			items = append(items, it)
			if len(items) > 0 && rapid.Bool().Draw(t, "stop") {
				k := rapid.IntRange(0, len(items)-1).Draw(t, "which")
				if items[k].tm.Stop() {
					items[k].off = true
				}
			}
		}
		s.RunUntilIdle(0)
		var want []int
		byTime := slices.Clone(items)
		slices.SortStableFunc(byTime, func(a, b *item) int { return int(a.at - b.at) })
		for _, it := range byTime {
			if !it.off {
				want = append(want, it.id)
			}
		}
		if len(ran) != len(want) {
			t.Fatalf("ran %v, want %v", ran, want)
		}
		for i := range want {
			if ran[i] != want[i] {
				t.Fatalf("ran %v, want %v", ran, want)
			}
		}
	})
}

func TestWallRunsDueEvents(t *testing.T) {
	w := NewWall()
	start := w.Now()
	var order []int
	w.After(20*time.Millisecond, func() { order = append(order, 2) })
	w.After(5*time.Millisecond, func() { order = append(order, 1) })
	stopped := w.After(10*time.Millisecond, func() { order = append(order, 99) })
	stopped.Stop()
	if err := w.RunUntil(context.Background(), start.Add(30*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if len(order) != 2 || order[0] != 1 || order[1] != 2 {
		t.Fatalf("order = %v, want [1 2]", order)
	}
	if el := time.Since(start); el < 30*time.Millisecond {
		t.Fatalf("RunUntil returned after %v, before its deadline", el)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := w.RunUntil(ctx, w.Now().Add(time.Hour)); err != context.DeadlineExceeded {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
}

func BenchmarkScheduleAndRun(b *testing.B) {
	s := NewSim(1)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.After(time.Duration(i%1000)*time.Millisecond, func() {})
		if s.Pending() > 1000 {
			s.Step()
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func ExampleSim() {
	s := NewSim(7)
	s.After(45*time.Second, func() { fmt.Println("session expired at", s.Elapsed()) })
	s.After(3*time.Second, func() { fmt.Println("heartbeat at", s.Elapsed()) })
	s.RunFor(time.Minute) // costs microseconds, not a minute
	fmt.Println("now", s.Elapsed())
	// Output:
	// heartbeat at 3s
	// session expired at 45s
	// now 1m0s
}

func TestInCallback(t *testing.T) {
	s := NewSim(1)
	var inside bool
	s.After(time.Second, func() { inside = s.InCallback() })
	if s.InCallback() {
		t.Fatal("InCallback true outside the loop")
	}
	s.RunFor(time.Second)
	if !inside || s.InCallback() {
		t.Fatalf("inside=%v after=%v", inside, s.InCallback())
	}
}

// Wall timers may be set and stopped from other goroutines while the loop
// runs; the race detector checks this in CI.
func TestWallConcurrentTimers(t *testing.T) {
	w := NewWall()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			tm := w.After(time.Millisecond, func() {})
			_ = tm.Pending()
			_ = tm.When()
			tm.Stop()
		}
	}()
	if err := w.RunUntil(context.Background(), w.Now().Add(20*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	<-done
}

// BenchmarkPeriodicTimers is a simulation's typical queue: a handful of
// periodic timers (poll ticks, heartbeats, session timeouts) at different
// periods, each rescheduling itself when it fires.
func BenchmarkPeriodicTimers(b *testing.B) {
	s := NewSim(1)
	periods := []time.Duration{100, 3000, 3000, 5000, 6000, 6000, 30000, 300000, 600000}
	for _, p := range periods {
		d := p * time.Millisecond
		var fn func()
		fn = func() { s.After(d, fn) }
		s.After(d, fn)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// qItem is a TestQueueCallbacksProperty event as the model sees it.
type qItem struct {
	at   time.Time
	seq  int
	tm   Timer
	live bool
}

// TestQueueCallbacksProperty checks the queue against a model when
// callbacks schedule and stop events and look at the queue (the running
// event is already gone: not pending, not counted, not next), and when a
// callback runs the loop itself.
func TestQueueCallbacksProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := NewSim(1)
		var items []*qItem
		live := func() int {
			n := 0
			for _, it := range items {
				if it.live {
					n++
				}
			}
			return n
		}
		earliest := func() *qItem {
			var best *qItem
			for _, it := range items {
				if it.live && (best == nil || it.at.Before(best.at) || it.at.Equal(best.at) && it.seq < best.seq) {
					best = it
				}
			}
			return best
		}
		check := func(where string) {
			if got, want := s.Pending(), live(); got != want {
				t.Fatalf("%s: Pending %d, want %d", where, got, want)
			}
			// Next settles the running event's slot: only sometimes, so
			// that pushes from callbacks also meet it unsettled.
			if rapid.IntRange(0, 3).Draw(t, "next") == 0 {
				next, ok := s.Next()
				if e := earliest(); (e != nil) != ok || e != nil && !next.Equal(e.at) {
					t.Fatalf("%s: Next %v %t, want %+v", where, next, ok, e)
				}
			}
			for i, it := range items {
				if it.tm.Pending() != it.live {
					t.Fatalf("%s: item %d Pending %t, want %t", where, i, it.tm.Pending(), it.live)
				}
				if it.live && !it.tm.When().Equal(it.at) {
					t.Fatalf("%s: item %d When %v, want %v", where, i, it.tm.When(), it.at)
				}
			}
		}
		var act func(where string)
		run := func(it *qItem) {
			if e := earliest(); e != it {
				t.Fatalf("ran item %d at %v, the earliest is %+v", it.seq, s.Now(), e)
			}
			if !s.Now().Equal(it.at) {
				t.Fatalf("item %d ran at %v, due %v", it.seq, s.Now(), it.at)
			}
			it.live = false
			check("callback start")
			act("callback")
		}
		schedule := func() {
			it := &qItem{seq: len(items), live: true}
			d := time.Duration(rapid.IntRange(-2, 20).Draw(t, "ms")) * time.Millisecond
			if rapid.IntRange(0, 3).Draw(t, "far") == 0 {
				// Up to 3 s: some in the queue's far part (see farSpan),
				// some of which fall due among the near ones.
				d *= 150
			}
			it.at = s.Now().Add(max(d, 0))
			if rapid.Bool().Draw(t, "useAt") {
				it.tm = s.At(s.Now().Add(d), func() { run(it) })
			} else {
				it.tm = s.After(d, func() { run(it) })
			}
			items = append(items, it)
		}
		act = func(where string) {
			for range rapid.IntRange(0, 3).Draw(t, "actions") {
				switch rapid.IntRange(0, 4).Draw(t, "action") {
				case 0, 1:
					if len(items) < 80 {
						schedule()
					}
				case 2:
					if len(items) > 0 {
						it := items[rapid.IntRange(0, len(items)-1).Draw(t, "stop")]
						if it.tm.Stop() != it.live {
							t.Fatalf("%s: Stop of an event with live=%t", where, it.live)
						}
						it.live = false
					}
				case 3:
					if where == "callback" && rapid.IntRange(0, 3).Draw(t, "nested") == 0 {
						s.Step() // a callback running the loop itself
					}
				}
				check(where)
			}
		}
		for range rapid.IntRange(1, 10).Draw(t, "initial") {
			schedule()
		}
		check("top")
		for s.Step() {
			check("after step")
		}
		if live() != 0 {
			t.Fatalf("%d events never ran", live())
		}
	})
}

// AtFirst events run before every At/After event of their instant, in the
// order they were scheduled, even when scheduled after them.
func TestAtFirst(t *testing.T) {
	s := NewSim(1)
	var got []string
	rec := func(name string) func() { return func() { got = append(got, name) } }
	t5 := Epoch.Add(5 * time.Second)
	s.At(t5, rec("at-1"))
	s.After(5*time.Second, rec("after-2"))
	s.AtFirst(t5, rec("first-1"))
	s.At(Epoch.Add(4*time.Second), func() {
		got = append(got, "at-4s")
		s.AtFirst(t5, rec("first-2 (from a callback)"))
		s.At(t5, rec("at-3 (from a callback)"))
	})
	s.AtFirst(Epoch.Add(time.Second), rec("first-at-1s"))
	s.RunFor(10 * time.Second)
	want := []string{"first-at-1s", "at-4s", "first-1", "first-2 (from a callback)", "at-1", "after-2", "at-3 (from a callback)"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("order %q, want %q", got, want)
	}
}

// Sim keeps time as Unix nanoseconds; the time.Time values it hands out
// must be those it made when it kept time.Time (Epoch.Add): equal with ==
// (same wall, ext and location, no monotonic reading) and so formatted
// alike.
func TestSimTimesAreEpochAdd(t *testing.T) {
	for _, d := range []time.Duration{0, 1, 999_999_999, time.Second, 1500 * time.Millisecond, 45 * time.Second, 30 * 24 * time.Hour, 365*24*time.Hour + 7} {
		want := Epoch.Add(d)
		s := NewSim(1)
		tm := s.At(want, func() {})
		if got := tm.When(); got != want {
			t.Errorf("When %#v, want %#v", got, want)
		}
		if next, _ := s.Next(); next != want {
			t.Errorf("Next %#v, want %#v", next, want)
		}
		s2 := NewSim(1)
		s2.After(d, func() {
			if got := s2.Now(); got != want || got.Format(time.RFC3339Nano) != want.Format(time.RFC3339Nano) {
				t.Errorf("Now in callback %#v, want %#v", got, want)
			}
			if s2.UnixNano() != want.UnixNano() {
				t.Errorf("UnixNano %d, want %d", s2.UnixNano(), want.UnixNano())
			}
		})
		s2.Step()
		s3 := NewSim(1)
		_ = s3.RunUntil(context.Background(), want)
		if got := s3.Now(); got != want || s3.Elapsed() != d {
			t.Errorf("Now after RunUntil %#v (elapsed %v), want %#v", got, s3.Elapsed(), want)
		}
	}
	if s := NewSim(1); s.Now() != Epoch || s.UnixNano() != Epoch.UnixNano() {
		t.Errorf("new Sim's Now %#v, want Epoch", s.Now())
	}
}

func TestSimAdvanceTo(t *testing.T) {
	s := NewSim(1)
	ran := false
	s.After(2*time.Second, func() { ran = true })
	s.AdvanceTo(s.UnixNano() + int64(2*time.Second))
	if ran || s.Elapsed() != 2*time.Second {
		t.Fatalf("ran=%v elapsed=%v: AdvanceTo must move time without running what is due then", ran, s.Elapsed())
	}
	if at, ok := s.NextUnixNano(); !ok || at != s.UnixNano() {
		t.Fatalf("NextUnixNano = %d, %v; want the event at Now", at, ok)
	}
	s.AdvanceTo(s.UnixNano() - 1) // not after Now: nothing
	if s.Elapsed() != 2*time.Second {
		t.Fatalf("AdvanceTo went back to %v", s.Elapsed())
	}
	defer func() {
		if recover() == nil {
			t.Fatal("AdvanceTo past a pending event did not panic")
		}
	}()
	s.AdvanceTo(s.UnixNano() + 1)
}

// TestDueNowAndRunNow: DueNow sees an event due at the current instant,
// from inside a callback too (where the running event's slot is not yet
// refilled), and not one due later; RunNow counts the callback it runs.
func TestDueNowAndRunNow(t *testing.T) {
	s := NewSim(1)
	var got []string
	s.After(time.Second, func() {
		got = append(got, "a")
		if !s.DueNow() {
			t.Error("DueNow is false with b due at this instant")
		}
	})
	s.After(time.Second, func() {
		got = append(got, "b")
		if s.DueNow() {
			t.Error("DueNow is true with only c, due later, pending")
		}
		s.RunNow(func() { got = append(got, "b2") })
	})
	s.After(2*time.Second, func() { got = append(got, "c") })
	for _, n := range []int{1, 2, 3, 4, 5, 6, 7} { // a later event in each of the root's children
		s.After(time.Duration(n)*time.Hour, func() {})
	}
	if s.DueNow() {
		t.Error("DueNow is true before the first event is due")
	}
	s.RunFor(3 * time.Second)
	if want := []string{"a", "b", "b2", "c"}; !slices.Equal(got, want) {
		t.Fatalf("ran %v, want %v", got, want)
	}
	if s.Ran() != 4 {
		t.Fatalf("Ran = %d, want 4 (RunNow's callback counts)", s.Ran())
	}
}

// RunBounded runs what RunUntil runs, in the same order, but stops after
// an event that sets the stop flag, or before the event past the limit
// of events run; direct runs events scheduled from outside without the
// outside runner, and still not counted inside.
func TestRunBounded(t *testing.T) {
	build := func() (*Sim, *[]string, *bool) {
		s := NewSim(1)
		var got []string
		stop := new(bool)
		rec := func(name string) func() { return func() { got = append(got, name) } }
		s.After(2*time.Second, rec("2s"))
		s.After(10*time.Millisecond, func() {
			got = append(got, "10ms")
			s.After(0, rec("10ms+0"))
			s.After(5*time.Second, rec("5s"))
		})
		s.After(3*time.Second, func() { got = append(got, "3s stops"); *stop = true })
		s.After(4*time.Second, rec("4s"))
		return s, &got, stop
	}
	s, got, stop := build()
	if !s.RunBounded(Epoch.Add(time.Second), 100, stop, false) || fmt.Sprint(*got) != "[10ms 10ms+0]" || s.Elapsed() != time.Second {
		t.Fatalf("to 1 s: ran %v, now %v", *got, s.Elapsed())
	}
	if !s.RunBounded(Epoch.Add(10*time.Second), 100, stop, false) || fmt.Sprint(*got) != "[10ms 10ms+0 2s 3s stops]" || s.Elapsed() != 3*time.Second {
		t.Fatalf("stop: ran %v, now %v", *got, s.Elapsed())
	}
	*stop = false
	if !s.RunBounded(Epoch.Add(10*time.Second), 100, stop, false) || fmt.Sprint(*got) != "[10ms 10ms+0 2s 3s stops 4s 5s]" || s.Elapsed() != 10*time.Second {
		t.Fatalf("after the stop: ran %v, now %v", *got, s.Elapsed())
	}

	// The limit counts every event run (Ran), and stops before the next
	// due one; with none due by t it is not reached.
	s, got, stop = build()
	if s.RunBounded(Epoch.Add(10*time.Second), 3, stop, false) || fmt.Sprint(*got) != "[10ms 10ms+0 2s]" || s.Elapsed() != 2*time.Second || s.Ran() != 3 {
		t.Fatalf("limit 3: ran %v, now %v", *got, s.Elapsed())
	}
	s, got, stop = build()
	if !s.RunBounded(Epoch.Add(time.Second), 2, stop, false) || s.Elapsed() != time.Second || len(*got) != 2 {
		t.Fatalf("limit 2 to 1 s: ran %v, now %v", *got, s.Elapsed())
	}

	// Events scheduled from outside (SetOutside): through the runner
	// unless direct, and never counted inside.
	for _, direct := range []bool{false, true} {
		s := NewSim(1)
		viaRunner := 0
		s.SetOutside(func(fn func()) { viaRunner++; fn() })
		var insides []int
		s.After(time.Millisecond, func() {
			insides = append(insides, s.Inside())
			s.After(time.Millisecond, func() { insides = append(insides, s.Inside()) })
		})
		s.Enter()
		s.After(time.Millisecond, func() { insides = append(insides, s.Inside()) })
		s.Leave()
		if !s.RunBounded(Epoch.Add(time.Second), 100, new(bool), direct) {
			t.Fatal("limit reached")
		}
		wantRunner := 2
		if direct {
			wantRunner = 0
		}
		if viaRunner != wantRunner || fmt.Sprint(insides) != "[0 1 0]" {
			t.Errorf("direct=%t: %d through the runner (want %d), inside %v (want [0 1 0])", direct, viaRunner, wantRunner, insides)
		}
	}
}

// Events scheduled for the current instant from callbacks that keep
// scheduling more at that instant stay in order, and the queue does not
// keep what already ran (the lane is compacted); stopping some on the way
// changes nothing else.
func TestLongChainAtOneInstant(t *testing.T) {
	s := NewSim(1)
	var got []int
	var tms []Timer
	n := 0
	var fn func()
	fn = func() {
		got = append(got, n)
		n++
		if n < 5000 {
			tms = append(tms, s.After(0, fn), s.After(0, func() {}))
			if len(tms) > 3 {
				tms[len(tms)-3].Stop() // the empty one scheduled before
			}
		}
	}
	s.After(time.Second, func() { got = append(got, -1) })
	s.After(0, fn)
	s.RunFor(2 * time.Second)
	if len(got) != 5001 || got[4999] != 4999 || got[5000] != -1 {
		t.Fatalf("ran %d events, last %v", len(got), got[len(got)-2:])
	}
	if c := cap(s.q.lane); c > 4096 { // (10,000 events went through it)
		t.Errorf("the lane grew to %d slots", c)
	}
}

// TestLoopYieldsOnOneP: with one P, a goroutine made runnable before a
// long call of the loop runs within the call's first two yields (the
// scheduler takes the yielding goroutine back at once one time in 61, to
// be fair to its global queue), not after the call. The garbage
// collector's mark worker is such a goroutine. The call is far shorter
// than the runtime's 10 ms preemption, so without yields the goroutine
// would wait for its end. The same events run a few at a time, as a TUI
// sandbox runs them, do not yield (the count is per call).
func TestLoopYieldsOnOneP(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for _, perCall := range []int{4 * yieldEvery, 4} {
		s := NewSim(1)
		var ran atomic.Bool
		firstSeen := -1
		for i := range 4 * yieldEvery {
			s.After(time.Duration(i), func() {
				if firstSeen < 0 && ran.Load() {
					firstSeen = i
				}
			})
		}
		go ran.Store(true)
		for at := perCall; at <= 4*yieldEvery; at += perCall {
			s.RunUntil(context.Background(), Epoch.Add(time.Duration(at-1)))
		}
		if long := perCall > yieldEvery; long && (firstSeen < 0 || firstSeen > 2*yieldEvery) {
			t.Fatalf("one call of %d events: the other goroutine ran first before event %d (-1: after the loop), want by event %d", perCall, firstSeen, 2*yieldEvery)
		} else if !long && firstSeen >= 0 {
			t.Fatalf("calls of %d events: the other goroutine ran before event %d, want none of them to yield", perCall, firstSeen)
		}
		for !ran.Load() {
			runtime.Gosched()
		}
	}
}
