package fidelity

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/scenarios/realkafka"
)

// TestChecks: every fidelity check loads under its file's name, is not a
// built-in, can run on kfake, is described, passes its expect block on
// the simulator, and on franz-go (kfake's virtual network) agrees or
// differs only as Explained documents.
func TestChecks(t *testing.T) {
	names := Checks()
	if len(names) == 0 {
		t.Fatal("no fidelity checks")
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			if _, err := scenarios.Builtin(name); !errors.Is(err, scenarios.ErrNotFound) {
				t.Fatalf("%s is also a built-in scenario", name)
			}
			s, err := Scenario(name)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != name || s.Summary == "" || s.Description == "" || s.Expect == nil {
				t.Errorf("a check needs its file's name (got %q), a summary, a description and an expect block", s.Name)
			}
			if err := realkafka.CheckConfig(s, realkafka.Config{Broker: noBroker{}}); err != nil {
				t.Errorf("kfake cannot run it: %v", err)
			}
			r, err := scenarios.Run(s, scenarios.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range s.Check(r) {
				t.Error(f)
			}
			rep := checkInBubble(t, name)
			if !rep.OK() {
				var b strings.Builder
				rep.Print(&b)
				t.Errorf("\n%s", b.String())
			}
			// No staleness test here: kgo's balancer works on random
			// member ids, so a check of librdkafka's assignor can agree
			// with it by chance.
		})
	}
	req := RequiredChecks()
	if !slices.Contains(req, "sticky-scale-out-in") || slices.Contains(req, "sticky-balance-check") {
		t.Errorf("RequiredChecks = %v: want the checks that agree with librdkafka, not those documented to differ", req)
	}
	lib := RequiredLibrary()
	if !slices.Contains(lib, "auto-commit-loss") || !slices.Contains(lib, "sticky-unequal-subscriptions") ||
		slices.Contains(lib, "sticky-rebalance-cost") || slices.Contains(lib, "offsets-expired") {
		t.Errorf("RequiredLibrary = %v: want every built-in a real cluster runs but those documented to differ on both clients", lib)
	}
	if _, err := Scenario("no-such-check"); !errors.Is(err, scenarios.ErrNotFound) {
		t.Errorf("Scenario(no-such-check): %v, want ErrNotFound", err)
	}
}

// TestStickyAsOnLibrdkafka: in the sticky checks and lesson that agree
// with the real librdkafka, the simulator's assignments, partition by
// partition, are those librdkafka 2.0.2 gave on kfake (kafkasim fidelity
// --client librdkafka, issue 18): a change to the assignor that moves
// them shows here, without librdkafka installed.
func TestStickyAsOnLibrdkafka(t *testing.T) {
	type step = map[string]string // consumer → "topic[p] ..."
	recorded := map[string][]step{
		"sticky-scale-out-in": {
			{"c1": "orders[0] orders[2] orders[4]", "c2": "orders[1] orders[3] orders[5]"},
			{"c1": "orders[2] orders[4]", "c2": "orders[3] orders[5]"},
			{"c1": "orders[2] orders[4]", "c2": "orders[3] orders[5]", "c3": "orders[0] orders[1]"},
			{"c1": "orders[2] orders[4] orders[5]", "c3": "orders[0] orders[1] orders[3]"},
		},
		"sticky-static-returns": {
			{"c1": "orders[0] orders[2] orders[4]", "c2": "orders[1] orders[3] orders[5]"},
			{"c1": "orders[2] orders[4]", "c2": "orders[3] orders[5]"},
			{"c1": "orders[2] orders[4]", "c2": "orders[3] orders[5]", "c3": "orders[0] orders[1]"},
			{"c1": "orders[2] orders[4] orders[5]", "c3": "orders[0] orders[1] orders[3]"},
			{"c1": "orders[4] orders[5]", "c3": "orders[1] orders[3]"},
			{"c1": "orders[4] orders[5]", "c2": "orders[0] orders[2]", "c3": "orders[1] orders[3]"},
		},
		"sticky-unequal-subscriptions": {
			// group arrivals, then group together
			{"c1": "alpha[0] alpha[1] alpha[2] beta[0] beta[1] beta[2]"},
			{"c1": "beta[0] beta[1] beta[2]"},
			{"c1": "beta[0] beta[1] beta[2]", "c2": "alpha[0] alpha[1] alpha[2]"},
			{"c1": "beta[1] beta[2]", "c2": "alpha[0] alpha[1] alpha[2]"},
			{"c1": "beta[1] beta[2]", "c2": "alpha[0] alpha[1] alpha[2]", "c3": "beta[0]"},
			{"d1": "alpha[0] alpha[2]", "d2": "alpha[1] beta[1]", "d3": "beta[0] beta[2]"},
		},
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range recorded {
			if !yield(n) {
				return
			}
		}
	}) {
		t.Run(name, func(t *testing.T) {
			s, err := Scenario(name)
			if err != nil {
				t.Fatal(err)
			}
			r, err := scenarios.Run(s, scenarios.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []step
			for _, g := range ViewOf(r).Assignments {
				if !g.Cooperative {
					t.Errorf("group %s is not cooperative", g.Group)
				}
				for _, a := range g.Steps {
					st := step{}
					for c, tps := range a {
						st[c] = strings.Join(tps, " ")
					}
					got = append(got, st)
				}
			}
			if d := cmp.Diff(recorded[name], got); d != "" {
				t.Errorf("assignments (-librdkafka 2.0.2 +simulator):\n%s", d)
			}
		})
	}
}
