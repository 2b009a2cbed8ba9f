package fidelity

import (
	"os"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/scenarios/realkafka"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// checkInBubble runs the fidelity check of one scenario against kfake on
// its virtual network inside a synctest bubble: session timeouts of 45 s
// cost no wall time.
func checkInBubble(t *testing.T, name string) Report {
	t.Helper()
	var rep Report
	synctest.Test(t, func(t *testing.T) {
		k, err := StartKfake(KfakeOptions{Virtual: true})
		if err != nil {
			t.Fatal(err)
		}
		defer k.Close()
		s, err := scenarios.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		rep = Check(s, Target{Kfake: k, Config: realkafka.Config{Brokers: k.Brokers(), Dialer: k.Dialer()}})
	})
	return rep
}

// TestRequired is the required fidelity check: the simulator and kfake
// (through client/kafka and the runner's real backend) agree on every
// message's verdict, the committed offsets and the assignments.
func TestRequired(t *testing.T) {
	names := Required
	if env := os.Getenv("FIDELITY"); env != "" {
		names = strings.Split(env, ",")
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			rep := checkInBubble(t, name)
			var b strings.Builder
			rep.Print(&b)
			t.Log("\n" + b.String())
			if !rep.OK() || rep.Status != Agree {
				t.Errorf("%s: %s", name, rep.Status)
			}
		})
	}
}

// TestLibrary: every other built-in scenario agrees, differs only in a
// way Explained documents, or cannot run for real.
func TestLibrary(t *testing.T) {
	if os.Getenv("FIDELITY") != "" {
		t.Skip("FIDELITY selects scenarios for TestRequired")
	}
	for _, name := range scenarios.Names() {
		if slices.Contains(Required, name) {
			continue
		}
		t.Run(name, func(t *testing.T) {
			rep := checkInBubble(t, name)
			if !rep.OK() {
				var b strings.Builder
				rep.Print(&b)
				t.Errorf("\n%s", b.String())
			}
		})
	}
}

// TestViewAssignments: assignments are per generation, ignore member
// ids and consumers owning nothing, and count once when unchanged.
func TestViewAssignments(t *testing.T) {
	tp := func(p int32) scenarios.TP { return scenarios.TP{Topic: "t", Partition: p} }
	ev := func(actor string, k scenarios.Kind, gen int32, parts ...scenarios.TP) scenarios.Event {
		return scenarios.Event{Actor: actor, Group: "g", Kind: k, Generation: gen, Member: actor + "-x", Partitions: parts, Detail: "eager"}
	}
	events := []scenarios.Event{
		ev("c1", scenarios.KindStart, -1),
		ev("c2", scenarios.KindStart, -1),
		ev("c1", scenarios.KindAssign, 1, tp(0)),
		ev("c2", scenarios.KindAssign, 1, tp(1)),
		ev("c3", scenarios.KindStart, -1),
		ev("c1", scenarios.KindRevoke, 1, tp(0)),
		ev("c2", scenarios.KindRevoke, 1, tp(1)),
		ev("c2", scenarios.KindAssign, 2, tp(1)),
		ev("c1", scenarios.KindAssign, 2, tp(0)),
		ev("c3", scenarios.KindAssign, 2),
		ev("c1", scenarios.KindCrash, -1),
		ev("c2", scenarios.KindRevoke, 2, tp(1)),
		ev("c2", scenarios.KindAssign, 3, tp(0), tp(1)),
	}
	got := assignments(events)
	want := []GroupAssignments{{Group: "g", Steps: []Assignment{
		{"c1": {"t[0]"}, "c2": {"t[1]"}},
		{"c2": {"t[0]", "t[1]"}},
	}}}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
}
