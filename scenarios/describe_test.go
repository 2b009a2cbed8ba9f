package scenarios

import (
	"slices"
	"testing"
	"time"
)

// describe --at is built on Steps: at many moments of every built-in the
// group table from the timeline is the table the simulated coordinator
// and broker print when the run stops there.
func TestDescribeFromTheTimelineIsTheBrokers(t *testing.T) {
	for _, name := range Names() {
		s, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		full, err := Run(s, Options{})
		if err != nil {
			t.Fatal(err)
		}
		x := NewSteps(full)
		var groups []string
		for _, c := range s.Consumers {
			groups = append(groups, c.Group)
		}
		slices.Sort(groups)
		groups = slices.Compact(groups)
		var times []time.Duration
		for k := 1; k <= 30; k++ {
			times = append(times, s.Duration*time.Duration(k)/30)
		}
		// And at each lesson moment and just after it (a rebalance's
		// assignment reaches the consumers a poll later).
		for i := x.NextMoment(-1); i >= 0; i = x.NextMoment(i) {
			if at := x.Event(i).At; at > 0 && at+50*time.Millisecond < s.Duration {
				times = append(times, at, at+50*time.Millisecond)
			}
		}
		mismatch := 0
		for _, at := range times {
			r, err := Run(s, Options{Until: at})
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range groups {
				want := r.Group(g).Table
				if got := x.DescribeAt(g, at).Table(); got != want {
					mismatch++
					if mismatch <= 3 {
						t.Errorf("%s at %s, group %s:\nfrom the timeline:%s\nfrom the broker:%s", name, FormatDuration(at), g, got, want)
					}
				}
			}
		}
	}
}
