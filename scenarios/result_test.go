package scenarios_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kafkasim/kafkasim/scenarios"
)

// The timeline is recorded compactly and built on demand: asking a
// session for its events as it goes (each call converts only the new
// entries) must give the same events as building them once at the end,
// and the outcome must not depend on whether anyone asked.
func TestTimelineBuiltOnDemandMatchesOneShot(t *testing.T) {
	for _, name := range []string{"auto-commit-loss", "manual-commit-duplicates", "broker-outage", "offsets-expired"} {
		t.Run(name, func(t *testing.T) {
			s, err := scenarios.Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			oneShot, err := scenarios.Run(s, scenarios.Options{})
			if err != nil {
				t.Fatal(err)
			}
			ss, err := scenarios.Start(s, scenarios.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var prev []scenarios.Event
			for at := time.Duration(0); at <= s.Duration; at += s.Duration / 7 {
				if err := ss.RunUntil(at); err != nil {
					t.Fatal(err)
				}
				evs := ss.Events()
				if len(evs) < len(prev) || !cmp.Equal(evs[:len(prev)], prev, cmpopts.EquateEmpty()) {
					t.Fatalf("at %s: the events so far changed what an earlier call returned", at)
				}
				prev = append([]scenarios.Event(nil), evs...)
			}
			if err := ss.RunUntil(s.Duration); err != nil {
				t.Fatal(err)
			}
			stepped, err := ss.Finish()
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(oneShot.Events(), stepped.Events()); d != "" {
				t.Errorf("events differ (-one shot +stepped):\n%s", d)
			}
			if d := cmp.Diff(oneShot.Outcome, stepped.Outcome, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("outcome differs (-one shot +stepped):\n%s", d)
			}
			for i, e := range oneShot.Events() {
				if e.Seq != i {
					t.Fatalf("event %d has Seq %d", i, e.Seq)
				}
			}
		})
	}
}

// A Result's JSON form carries the timeline as "events" and reads back to
// the same Result.
func TestResultJSONRoundTrip(t *testing.T) {
	r := run(t, "auto-commit-loss")
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		t.Fatal(err)
	}
	var evs []scenarios.Event
	if err := json.Unmarshal(fields["events"], &evs); err != nil || len(evs) != len(r.Events()) || len(evs) == 0 {
		t.Fatalf("JSON events: %d (err %v), want %d", len(evs), err, len(r.Events()))
	}
	var back scenarios.Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(r.Events(), back.Events()); d != "" {
		t.Errorf("events after a round trip (-want +got):\n%s", d)
	}
	if d := cmp.Diff(r.Outcome, back.Outcome, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("outcome after a round trip (-want +got):\n%s", d)
	}
	b2, err := json.Marshal(&back)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(b2) {
		t.Error("marshalling the read-back Result gives different JSON")
	}
}

// A Result built by hand gets its timeline from SetEvents.
func TestResultSetEvents(t *testing.T) {
	evs := []scenarios.Event{
		{Seq: 0, Actor: "c1", Kind: scenarios.KindSubscribed, Group: "g", Topics: []string{"t"}, Partition: -1, Offset: -1, Generation: -1},
		{Seq: 1, Actor: "p", Kind: scenarios.KindProduce, Topic: "t", Partition: 0, Offset: 0, Generation: -1},
	}
	var r scenarios.Result
	if r.Events() != nil {
		t.Fatal("a zero Result has events")
	}
	r.SetEvents(evs)
	if got := r.Events(); len(got) != 2 || got[1].Kind != scenarios.KindProduce {
		t.Fatalf("Events() = %v", got)
	}
	if o := scenarios.Classify(r.Events()); o.Counts.Pending != 1 {
		t.Errorf("Classify of one produced message: %+v, want 1 pending", o.Counts)
	}
}

// An action written with Action.YAML loads back as the same action (Count
// 1 is what the loader gives every step without one).
func TestActionYAMLRoundTrip(t *testing.T) {
	acts := []scenarios.Action{
		{At: 5 * time.Second, Do: scenarios.DoCrash, Consumer: "c1", Count: 1, Partition: -1},
		{At: 5*time.Second + 1500*time.Microsecond, Do: scenarios.DoProduce, Topic: "orders", Count: 3, Key: `k-{i} "q"`, Value: "v", Partition: 0, Interval: 250 * time.Millisecond, Say: "three more"},
		{At: 6 * time.Second, Do: scenarios.DoBrokerDown, Count: 1, Partition: -1, Say: "gone"},
	}
	text := "name: rt\nduration: 10s\ntopics: [{name: orders, partitions: 1}]\nconsumers: [{id: c1, group: g, topics: [orders]}]\nscript:\n"
	for _, a := range acts {
		text += "  - " + a.YAML() + "\n"
	}
	s, err := scenarios.Parse("rt.yaml", []byte(text))
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if d := cmp.Diff(acts, s.Script, cmpopts.IgnoreFields(scenarios.Action{}, "Pos", "AtPos", "ConsumerPos")); d != "" {
		t.Errorf("script read back (-want +got):\n%s\n%s", d, text)
	}
}
