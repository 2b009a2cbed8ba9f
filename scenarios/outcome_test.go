package scenarios

import (
	"encoding/json"
	"sync"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

// written reports whether o's message list is written (or was given).
func written(o *Outcome) bool {
	if o.msgs == nil {
		return false
	}
	o.msgs.mu.Lock()
	defer o.msgs.mu.Unlock()
	return o.msgs.c == nil
}

// TestMessagesWrittenOnDemand: a run's Outcome counts and lists without
// writing its messages; the JSON writers stream them without keeping
// them and write what the written list marshals to; the first
// Messages call writes the list the classifier of the whole timeline
// gives, with one message per counted verdict, and every later call (on
// any copy, from any goroutine) returns that same slice.
func TestMessagesWrittenOnDemand(t *testing.T) {
	for _, name := range Names() {
		for _, seed := range []uint64{1, 7} {
			r := builtinRunWith(t, name, Options{Seed: seed, SeedSet: true})
			if written(&r.Outcome) {
				t.Fatalf("%s seed %d: the run wrote its messages before anyone asked", name, seed)
			}
			streamed, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if written(&r.Outcome) {
				t.Fatalf("%s seed %d: marshalling kept the messages", name, seed)
			}
			count := r.Outcome.messageCount()
			copied := r.Outcome // a copy shares the list
			var wg sync.WaitGroup
			lists := make([][]MessageOutcome, 4)
			for i := range lists {
				wg.Go(func() {
					if i%2 == 0 {
						lists[i] = r.Outcome.Messages()
					} else {
						lists[i] = copied.Messages()
					}
				})
			}
			wg.Wait()
			for i := range lists {
				if unsafe.SliceData(lists[i]) != unsafe.SliceData(lists[0]) || len(lists[i]) != len(lists[0]) {
					t.Fatalf("%s seed %d: call %d of Messages returned another slice", name, seed, i)
				}
			}
			msgs := lists[0]
			if len(msgs) != count {
				t.Errorf("%s seed %d: %d messages, %d counted", name, seed, len(msgs), count)
			}
			want := Classify(r.Events())
			if d := cmp.Diff(want.Messages(), msgs); d != "" {
				t.Fatalf("%s seed %d: messages differ from classifying the timeline (-want +got):\n%s", name, seed, d)
			}
			if d := cmp.Diff(want, r.Outcome); d != "" {
				t.Fatalf("%s seed %d: outcome differs from classifying the timeline", name, seed)
			}
			if got, err := json.Marshal(r); err != nil || string(got) != string(streamed) {
				t.Fatalf("%s seed %d: the JSON of the written list differs from the streamed JSON (%v)", name, seed, err)
			}
		}
	}
}

// TestOutcomeEqual: Equal compares what an Outcome holds, messages
// included, with nil and empty lists equal.
func TestOutcomeEqual(t *testing.T) {
	m := MessageOutcome{Group: "g", Topic: "t", Offset: 3, Outcome: Lost}
	var a, b Outcome
	a.SetMessages([]MessageOutcome{m})
	b.SetMessages([]MessageOutcome{m})
	a.Lost, b.Lost = []MessageRef{m.Ref()}, []MessageRef{m.Ref()}
	b.Findings = []Finding{}
	if !a.Equal(b) || !cmp.Equal(a, b) {
		t.Errorf("equal outcomes reported unequal")
	}
	b.SetMessages([]MessageOutcome{{Group: "g", Topic: "t", Offset: 3, Outcome: Duplicated}})
	if a.Equal(b) {
		t.Errorf("outcomes with different verdicts reported equal")
	}
	b.SetMessages([]MessageOutcome{m})
	b.Counts.Lost = 1
	if a.Equal(b) {
		t.Errorf("outcomes with different counts reported equal")
	}
	if !(Outcome{}).Equal(Outcome{Lost: []MessageRef{}}) || (Outcome{}).Messages() != nil {
		t.Errorf("the zero Outcome: not equal to an empty one, or has messages")
	}
}
