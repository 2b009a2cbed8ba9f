package fidelity

import (
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

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
		s, err := Scenario(name)
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
			if rep.Status == Agree && Explained[rep.Library][name] != "" {
				t.Errorf("%s agrees on %s: its documented difference is stale", name, rep.Library)
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

// TestViewCooperativeAssignments: a cooperative group's assignments list
// their partitions (the comparison with the real librdkafka), and
// countCooperative turns them into counts of owned and kept partitions
// (the comparison with franz-go), leaving eager groups as they are.
func TestViewCooperativeAssignments(t *testing.T) {
	tp := func(p int32) scenarios.TP { return scenarios.TP{Topic: "t", Partition: p} }
	ev := func(group, actor string, k scenarios.Kind, gen int32, detail string, parts ...scenarios.TP) scenarios.Event {
		return scenarios.Event{Actor: actor, Group: group, Kind: k, Generation: gen, Member: actor + "-x", Partitions: parts, Detail: detail}
	}
	coop := func(actor string, k scenarios.Kind, gen int32, parts ...scenarios.TP) scenarios.Event {
		return ev("g", actor, k, gen, "cooperative", parts...)
	}
	events := []scenarios.Event{
		coop("c1", scenarios.KindAssign, 1, tp(0), tp(2)),
		coop("c2", scenarios.KindAssign, 1, tp(1), tp(3)),
		ev("e", "e1", scenarios.KindAssign, 1, "eager", tp(0)),
		coop("c1", scenarios.KindRevoke, 2, tp(0)),
		coop("c3", scenarios.KindAssign, 2),
		coop("c1", scenarios.KindAssign, 2),
		coop("c3", scenarios.KindAssign, 3, tp(0)),
	}
	got := assignments(events)
	exact := []GroupAssignments{
		{Group: "e", Steps: []Assignment{{"e1": {"t[0]"}}}},
		{Group: "g", Cooperative: true, Steps: []Assignment{
			{"c1": {"t[0]", "t[2]"}, "c2": {"t[1]", "t[3]"}},
			{"c1": {"t[2]"}, "c2": {"t[1]", "t[3]"}},
			{"c1": {"t[2]"}, "c2": {"t[1]", "t[3]"}, "c3": {"t[0]"}},
		}},
	}
	if d := cmp.Diff(exact, got); d != "" {
		t.Fatalf("assignments (-want +got):\n%s", d)
	}
	counts := []GroupAssignments{
		exact[0],
		{Group: "g", Cooperative: true, Steps: []Assignment{
			{"c1": {"2 partitions", "0 kept"}, "c2": {"2 partitions", "0 kept"}},
			{"c1": {"1 partitions", "1 kept"}, "c2": {"2 partitions", "2 kept"}},
			{"c1": {"1 partitions", "1 kept"}, "c2": {"2 partitions", "2 kept"}, "c3": {"1 partitions", "0 kept"}},
		}},
	}
	if d := cmp.Diff(counts, countCooperative(got)); d != "" {
		t.Errorf("countCooperative (-want +got):\n%s", d)
	}
	if d := cmp.Diff(exact, got); d != "" {
		t.Errorf("countCooperative changed its argument (-want +got):\n%s", d)
	}
}

// A throughput-bound scenario may end with the processed/pending boundary
// a few messages apart; anything else still differs.
func TestAlignThroughput(t *testing.T) {
	msgs := func(verdicts ...scenarios.Verdict) []Message {
		out := make([]Message, len(verdicts))
		for i, v := range verdicts {
			out[i] = Message{Group: "g", Topic: "t", Offset: int64(i), Verdict: v}
		}
		return out
	}
	ok, pend, lost := scenarios.OK, scenarios.Pending, scenarios.Lost
	sim := View{Messages: msgs(ok, ok, ok, pend), Committed: []Committed{{Group: "g", Topic: "t", Offset: 3}}}
	real := View{Messages: msgs(ok, pend, pend, pend), Committed: []Committed{{Group: "g", Topic: "t", Offset: 1}}}
	got, moved := alignThroughput(sim, real, 2)
	if moved != 2 || !cmp.Equal(got, sim) {
		t.Errorf("aligned %d: %v, want 2 and sim's view", moved, got)
	}
	if _, moved := alignThroughput(sim, real, 1); moved != 0 {
		t.Errorf("tolerance 1 aligned %d messages of 2", moved)
	}
	// The real producer a little slower: its last message not produced
	// by the end, the one before pending.
	short := View{Messages: msgs(ok, ok, pend), Committed: []Committed{{Group: "g", Topic: "t", Offset: 2}}}
	if got, moved := alignThroughput(sim, short, 2); moved != 2 || !cmp.Equal(got, sim) {
		t.Errorf("a pending tail produced on one side only: aligned %d: %v, want 2 and sim's view", moved, got)
	}
	if _, moved := alignThroughput(sim, short, 1); moved != 0 {
		t.Errorf("tolerance 1 aligned a difference of 2 (one missing, one pending)")
	}
	longer := View{Messages: msgs(ok, ok, ok, pend, pend, pend), Committed: sim.Committed}
	if got, moved := alignThroughput(sim, longer, 2); moved != 2 || !cmp.Equal(got, sim) {
		t.Errorf("two more pending messages on the real side: aligned %d: %v", moved, got)
	}
	processedExtra := View{Messages: msgs(ok, ok, ok, pend, ok), Committed: sim.Committed}
	if _, moved := alignThroughput(sim, processedExtra, 5); moved != 0 {
		t.Errorf("a processed message produced on one side only was aligned away")
	}
	real.Messages[2].Verdict = lost
	if got, moved := alignThroughput(sim, real, 5); moved != 0 || cmp.Equal(got, sim) {
		t.Errorf("a LOST message was aligned away: %d %v", moved, got)
	}
}

// A kfake broker taken down refuses connections (TCP: the port is closed)
// and accepts them again when it comes back, on the same address.
func TestKfakeOutage(t *testing.T) {
	k, err := StartKfake(KfakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	addr := k.Brokers()[0]
	dial := func() error {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := dial(); err != nil {
		t.Fatalf("broker up: %v", err)
	}
	if err := k.SetAvailable(false); err != nil {
		t.Fatal(err)
	}
	if err := dial(); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("broker down: dial gave %v, want connection refused", err)
	}
	if err := k.SetAvailable(true); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for dial() != nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := dial(); err != nil {
		t.Errorf("broker back: %v", err)
	}
}
