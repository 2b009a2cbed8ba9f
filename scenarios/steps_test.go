package scenarios

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// A live session indexed step by step with Extend gives the same index as
// New on the whole run, after every step, on every built-in.
func TestStepsExtendIsNew(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			s, err := Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			ss, err := Start(s, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer ss.Close()
			var x *Steps
			extended := 0
			for d := time.Duration(0); d <= min(s.Duration, 3*time.Minute); d += 700 * time.Millisecond {
				if err := ss.RunUntil(d); err != nil {
					t.Fatal(err)
				}
				r := &Result{Scenario: s.Name, Duration: d}
				r.SetEvents(ss.Events())
				r.Outcome = Classify(r.Events())
				if x == nil {
					x = NewSteps(r)
					continue
				}
				before := x
				x = x.Extend(r)
				if x == before {
					extended++
				}
				if want := NewSteps(r); !reflect.DeepEqual(x, want) {
					t.Fatalf("at %s (%d events): Extend differs from NewSteps", d, len(r.Events()))
				}
			}
			if extended == 0 {
				t.Errorf("Extend never extended in place")
			}
		})
	}
}

func TestTimesToTheMillisecond(t *testing.T) {
	e := Event{At: 6*time.Second + 2*time.Microsecond, Actor: "c1", Kind: KindCrash, Partition: -1, Offset: -1, Generation: -1}
	if got := EventString(&e); got[:6] != "T=6s c" {
		t.Errorf("EventString = %q", got)
	}
	if e.At != 6*time.Second+2*time.Microsecond {
		t.Error("EventString changed the event")
	}
	if got := FormatTime(1500 * time.Millisecond); got != "1.5s" {
		t.Errorf("FormatTime = %q", got)
	}
}

func builtinRun(t testing.TB, name string) *Result {
	t.Helper()
	return builtinRunWith(t, name, Options{})
}

// builtinRunWith runs the built-in name with opts.
func builtinRunWith(t testing.TB, name string, opts Options) *Result {
	t.Helper()
	s, err := Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(s, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The state at any step, from the nearest checkpoint, is the state a
// replay from the start reaches, on every built-in.
func TestStepsAtIsAReplayFromTheStart(t *testing.T) {
	for _, name := range Names() {
		x := NewSteps(builtinRun(t, name))
		st := x.At(-1)
		for i := 0; i < x.Len(); i++ {
			st.Apply(x, x.Event(i))
			if i%37 != 0 && i%StepsCheckpointEvery != StepsCheckpointEvery-1 && i != x.Len()-1 {
				continue
			}
			if got := x.At(i); !reflect.DeepEqual(got, st) {
				t.Fatalf("%s step %d: At differs from a replay from the start", name, i)
			}
		}
	}
}

// Lesson moments skip the commits that went through: close-vs-crash took
// 63 presses of the old notable-event key; its moments are the starts,
// the narration, the close and the crash, the rebalances and the expiry.
func TestMomentsSkipRoutineCommits(t *testing.T) {
	x := NewSteps(builtinRun(t, "close-vs-crash"))
	var kinds []Kind
	for i := x.NextMoment(-1); i >= 0; i = x.NextMoment(i) {
		if !x.IsMoment(i) {
			t.Fatalf("NextMoment gave %d, which IsMoment denies", i)
		}
		kinds = append(kinds, x.Event(i).Kind)
	}
	if len(kinds) > 30 {
		t.Errorf("%d moments, want a teacher's handful: %v", len(kinds), kinds)
	}
	for _, k := range []Kind{KindNarration, KindClose, KindCrash, KindMemberExpired, KindGroupState} {
		if !slices.Contains(kinds, k) {
			t.Errorf("no %s among the moments %v", k, kinds)
		}
	}
	if slices.Contains(kinds, KindCommitOK) || slices.Contains(kinds, KindDeliver) {
		t.Errorf("routine commits or deliveries among the moments: %v", kinds)
	}
}

// A commit that passes a message nobody will process is a moment (a
// loss), and so is a second effect (a duplicate).
func TestMomentsIncludeLossesAndDuplicates(t *testing.T) {
	x := NewSteps(builtinRun(t, "failed-message-skipped"))
	found := false
	for i := x.NextMoment(-1); i >= 0; i = x.NextMoment(i) {
		found = found || x.Event(i).Kind == KindCommitOK
	}
	if !found {
		t.Error("failed-message-skipped: no commit that loses the failed message is a moment")
	}
	x = NewSteps(builtinRun(t, "manual-commit-duplicates"))
	found = false
	for i := x.NextMoment(-1); i >= 0; i = x.NextMoment(i) {
		if e := x.Event(i); e.Kind == KindEffect && e.Offset == 1 {
			found = true
		}
	}
	if !found {
		t.Error("manual-commit-duplicates: the second effect of offset 1 is not a moment")
	}
}

func explainFirst(x *Steps, match func(e *Event) bool) (int, string) {
	for i := 0; i < x.Len(); i++ {
		if match(x.Event(i)) {
			b, a := x.At(i-1), x.At(i)
			return i, x.Explain(i, &b, &a)
		}
	}
	return -1, ""
}

// In a cooperative group consumption does not pause and a partition that
// moves has no owner for a generation; the explanations say so, and keep
// "consumption pauses" for eager groups.
func TestRebalanceExplanationsFollowTheProtocol(t *testing.T) {
	x := NewSteps(builtinRun(t, "eager-vs-cooperative"))
	after20 := func(g, state string) func(e *Event) bool {
		return func(e *Event) bool {
			return e.Kind == KindGroupState && e.Group == g && e.State == state && e.At >= 20*time.Second
		}
	}
	_, coopPrep := explainFirst(x, after20("coop", "PreparingRebalance"))
	_, coopStable := explainFirst(x, after20("coop", "Stable"))
	_, eagerPrep := explainFirst(x, after20("eager", "PreparingRebalance"))
	if strings.Contains(coopPrep, "pauses") || !strings.Contains(coopPrep, "go on consuming") {
		t.Errorf("cooperative PreparingRebalance: %q", coopPrep)
	}
	if strings.Contains(coopStable, "one owner") || !strings.Contains(coopStable, "no owner") {
		t.Errorf("cooperative Stable: %q", coopStable)
	}
	if !strings.Contains(eagerPrep, "consumption pauses") {
		t.Errorf("eager PreparingRebalance: %q", eagerPrep)
	}
	// The first rebalance forms the group: nobody has partitions to give
	// up, in either group, so neither pausing nor keeping is said.
	for _, g := range []string{"coop", "eager"} {
		_, first := explainFirst(x, func(e *Event) bool {
			return e.Kind == KindGroupState && e.Group == g && e.State == "PreparingRebalance"
		})
		if !strings.Contains(first, "group forms") || strings.Contains(first, "pauses") || strings.Contains(first, "keeping") {
			t.Errorf("group %s's first PreparingRebalance: %q", g, first)
		}
	}
	_, coopRevoke := explainFirst(x, func(e *Event) bool { return e.Kind == KindRevoke && e.Actor == "k1" })
	if !strings.Contains(coopRevoke, "gives up only") {
		t.Errorf("cooperative revoke: %q", coopRevoke)
	}
}

// close() revokes first (the callback runs), then commits, then leaves:
// its revoke is not narrated as a rebalance's.
func TestCloseRevokeIsExplainedAsClose(t *testing.T) {
	x := NewSteps(builtinRun(t, "close-vs-crash"))
	_, why := explainFirst(x, func(e *Event) bool { return e.Kind == KindRevoke && e.Actor == "a1" })
	if strings.Contains(why, "orderly rebalance") || !strings.Contains(why, "closing") {
		t.Errorf("a1's revoke in close: %q", why)
	}
	_, why = explainFirst(x, func(e *Event) bool { return e.Kind == KindClose && e.Actor == "a1" })
	r := strings.Index(why, "gives up its partitions")
	c := strings.Index(why, "commits")
	l := strings.Index(why, "LeaveGroup")
	if r < 0 || c < r || l < c {
		t.Errorf("close is not explained as revoke, commit, LeaveGroup in that order: %q", why)
	}
}

func TestShortMembers(t *testing.T) {
	for in, want := range map[string]string{
		"c1-8707a01d-6329-483f-87df-1bd4a477b564":                                                          "c1-8707a0",
		"my-app-8707a01d-6329-483f-87df-1bd4a477b564":                                                      "my-app-8707a0",
		"moved: orders[0] c1-8707a01d-6329-483f-87df-1bd4a477b564→c2-aef8fc52-ab96-4cb2-a6b0-f2f5c337080e": "moved: orders[0] c1-8707a0→c2-aef8fc",
		"plain": "plain",
	} {
		if got := ShortMembers(in); got != want {
			t.Errorf("ShortMembers(%q) = %q, want %q", in, got, want)
		}
	}
	if got := ShortMember("my-app-8707a01d-6329-483f-87df-1bd4a477b564"); got != "my-app-8707a0" {
		t.Errorf("ShortMember = %q", got)
	}
}

// A snapshot lists what has appeared by its step, by name.
func TestSnapshotAtTheCrash(t *testing.T) {
	r := builtinRun(t, "auto-commit-loss")
	x := NewSteps(r)
	crash, _ := explainFirst(x, func(e *Event) bool { return e.Kind == KindCrash })
	s := r.SnapshotAt(crash)
	if len(s.Consumers) != 1 || s.Consumers[0].ID != "c1" || s.Consumers[0].Status != StatusCrashed || len(s.Consumers[0].Assigned) != 0 {
		t.Errorf("consumers at the crash: %+v", s.Consumers)
	}
	if len(s.Groups) != 1 || len(s.Groups[0].Committed) != 1 || s.Groups[0].Committed[0].Offset != 1 {
		t.Errorf("groups at the crash: %+v", s.Groups)
	}
	if len(s.Partitions) != 1 || s.Partitions[0].LogEnd != 5 {
		t.Errorf("partitions at the crash: %+v", s.Partitions)
	}
	if b := r.SnapshotAt(crash - 1); len(b.Consumers) != 1 || len(b.Consumers[0].InFlight) != 1 {
		t.Errorf("just before the crash c1 should be processing one message: %+v", b.Consumers)
	}
}

// Consumers that start at the same instant are one moment: a teacher
// presses once to see all of them, not once per consumer. Two groups
// changing state at the same instant stay two moments (their protocols
// may explain them differently).
func TestSimultaneousMomentsCoalesce(t *testing.T) {
	x := NewSteps(builtinRun(t, "eager-vs-cooperative"))
	starts := 0
	for i := 0; i < x.Len(); i++ {
		if e := x.Event(i); e.Kind == KindStart && e.At == 0 {
			starts++
		}
	}
	if starts < 2 {
		t.Fatalf("eager-vs-cooperative starts %d consumers at T=0; the test needs several", starts)
	}
	var at0 []Kind
	for i := x.NextMoment(-1); i >= 0 && x.Event(i).At == 0; i = x.NextMoment(i) {
		at0 = append(at0, x.Event(i).Kind)
	}
	n := 0
	for _, k := range at0 {
		if k == KindStart {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the %d starts at T=0 take %d presses, want 1 (moments at T=0: %v)", starts, n, at0)
	}
	// Moments keep in time order, and two consecutive moments never repeat
	// each other.
	prev := -1
	for i := x.NextMoment(-1); i >= 0; i = x.NextMoment(i) {
		if prev >= 0 {
			a, b := x.Event(prev), x.Event(i)
			if a.At > b.At {
				t.Fatalf("moment %d at %v comes after moment %d at %v", i, b.At, prev, a.At)
			}
			if a.At == b.At && a.Kind == KindStart && b.Kind == KindStart {
				t.Errorf("moments %d and %d repeat each other: %s / %s", prev, i, a, b)
			}
		}
		prev = i
	}
	eagerPauses := false
	for i := x.NextMoment(-1); i >= 0; i = x.NextMoment(i) {
		if e := x.Event(i); e.Kind == KindGroupState && e.Group == "eager" && e.At > 0 && e.State == "PreparingRebalance" {
			eagerPauses = true
		}
	}
	if !eagerPauses {
		t.Error("group eager's rebalance at the scale-out is no longer a moment of its own")
	}
}
