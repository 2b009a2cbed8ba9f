package scenarios

import (
	"errors"
	"strings"
	"testing"
)

const anchorBase = `
name: anchors
duration: 20s
topics: [orders]
producers:
  - {id: shop, topic: orders, count: 2, key: "k{i}"}
consumers:
  - {id: c1, group: g, topics: [orders], config: {auto.offset.reset: earliest}, processing: {time: 1s, commit: after-each}}
`

func runText(t *testing.T, src string) *Result {
	t.Helper()
	s, err := Parse("anchors.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// find returns the index of the first event matching an anchor, or -1.
func find(evs []Event, an Anchor) int {
	for i := range evs {
		if an.Matches(&evs[i]) {
			return i
		}
	}
	return -1
}

func narrationIndex(evs []Event, text string) int {
	for i, e := range evs {
		if e.Kind == KindNarration && strings.Contains(e.Detail, text) {
			return i
		}
	}
	return -1
}

// A say step with after: comes right after the event it names, not at
// its time: the narration of a delivery follows the deliver event, the
// one of an effect the effect.
func TestAnchoredSayFollowsItsEvent(t *testing.T) {
	r := runText(t, anchorBase+`script:
  - {at: 0s, say: "unanchored at 0s"}
  - {after: {kind: deliver, actor: c1, offset: 0}, say: "poll handed offset 0"}
  - {after: {kind: effect, actor: c1, topic: orders, partition: 0, offset: 0}, say: "offset 0 is done"}
  - {at: 3.5s, after: {kind: deliver, actor: c1}, say: "a delivery at 3.5s or later"}
`)
	evs := r.Events()
	for _, tc := range []struct {
		text string
		an   Anchor
	}{
		{"poll handed offset 0", Anchor{Kind: KindDeliver, Actor: "c1", Partition: -1, Offset: 0}},
		{"offset 0 is done", Anchor{Kind: KindEffect, Actor: "c1", Partition: -1, Offset: 0}},
	} {
		n, e := narrationIndex(evs, tc.text), find(evs, tc.an)
		if e < 0 || n != e+1 {
			t.Errorf("%q is event %d, its anchor %s is event %d: want it right after", tc.text, n, tc.an.String(), e)
			continue
		}
		if evs[n].At != evs[e].At {
			t.Errorf("%q at %s, its event at %s", tc.text, evs[n].At, evs[e].At)
		}
	}
	// at: is a lower bound: the first delivery at or after 3.5s (offset 1; offset 0 came at 3.1s).
	n := narrationIndex(evs, "a delivery at 3.5s or later")
	if n < 1 || evs[n-1].Kind != KindDeliver || evs[n-1].Offset != 1 {
		t.Errorf("the step armed at 3.5s follows %v, want the delivery of offset 1", evs[max(n-1, 0)])
	}
	if n := narrationIndex(evs, "unanchored at 0s"); n < 0 || evs[n].At != 0 {
		t.Errorf("an unanchored say moved: %d", n)
	}
}

// An anchor that never matches still shows its text, at the end, saying so.
func TestAnchorThatNeverFires(t *testing.T) {
	r := runText(t, anchorBase+`script:
  - {after: {kind: crash, actor: c1}, say: "c1 crashed"}
`)
	evs := r.Events()
	n := narrationIndex(evs, "c1 crashed")
	if n != len(evs)-1 {
		t.Fatalf("the narration is event %d of %d, want the last", n, len(evs))
	}
	if !strings.Contains(evs[n].Cause, "did not happen") {
		t.Errorf("cause %q does not say the anchor never happened", evs[n].Cause)
	}
}

func TestAnchorLoadErrors(t *testing.T) {
	for _, tc := range []struct{ step, want string }{
		{`{at: 1s, do: crash, consumer: c1, after: {kind: deliver}}`, "anchors say and pause steps only"},
		{`{after: {kind: delivr}, say: x}`, `did you mean "deliver"`},
		{`{after: {kind: narration}, say: x}`, "unknown event kind"},
		{`{after: {actor: c1}, say: x}`, "kind is required"},
		{`{after: {kind: deliver, actor: c9}, say: x}`, `unknown actor "c9"`},
		{`{after: {kind: deliver, topic: nope}, say: x}`, `topic "nope" is not declared`},
		{`{after: {kind: deliver, state: Stable}, say: x}`, "state is only for kind group_state"},
		{`{after: {kind: deliver, offst: 1}, say: x}`, `did you mean "offset"`},
		{`{say: x}`, "at is required"},
	} {
		_, err := Parse("a.yaml", []byte(anchorBase+"script:\n  - "+tc.step+"\n"))
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.step, err, tc.want)
		}
	}
}

// Action.YAML writes the anchor so that loading it gives the step back.
func TestAnchorYAMLRoundTrip(t *testing.T) {
	a := Action{At: 2500e6, Do: DoPause, Say: "look", Partition: -1,
		After: &Anchor{Kind: KindGroupState, Actor: "group:g", Group: "g", State: "Stable", Topic: "orders", Partition: 0, Offset: 3}}
	s, err := Parse("a.yaml", []byte(anchorBase+"script:\n  - "+a.YAML()+"\n"))
	if err != nil {
		t.Fatalf("%s: %v", a.YAML(), err)
	}
	b := s.Script[0]
	an, bn := *a.After, *b.After
	an.Pos, bn.Pos = Pos{}, Pos{}
	if b.At != a.At || b.Do != a.Do || b.Say != a.Say || an != bn {
		t.Errorf("round trip: %s\ngave %+v after %+v", a.YAML(), b, bn)
	}
}
