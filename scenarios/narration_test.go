package scenarios

import (
	"strings"
	"testing"
)

// Every anchored narration of the built-ins finds its event: none is
// left for the end of the run with a note.
func TestBuiltinAnchorsFire(t *testing.T) {
	for _, name := range Names() {
		r := builtinRun(t, name)
		for _, e := range r.Events() {
			if e.Kind == KindNarration && strings.Contains(e.Cause, "did not happen") {
				t.Errorf("%s: %q: %s", name, e.Detail, e.Cause)
			}
		}
	}
}

// The lesson's commit(message=msg) is asynchronous by default in
// confluent-kafka-python: manual-commit-duplicates commits that way and
// says so, instead of calling it a synchronous commit.
func TestManualCommitDuplicatesCommitsAsynchronously(t *testing.T) {
	r := builtinRun(t, "manual-commit-duplicates")
	n := 0
	for i := range r.Events() {
		e := &r.Events()[i]
		if e.Kind == KindCommit && e.Commit == CommitManual {
			n++
			if !e.Async || CommitName(e) != "manual async commit" {
				t.Errorf("%s: %s", e, CommitName(e))
			}
		}
	}
	if n == 0 {
		t.Fatal("no manual commit")
	}
	s, err := Builtin("manual-commit-duplicates")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s.Description, "sync commit") || !strings.Contains(s.Description, "asynchronous by default") {
		t.Errorf("the description: %q", s.Description)
	}
}

// In auto-commit-loss the narration follows the events it explains: the
// delivery of offset 0 (its store line), the commit that passes it, the
// crash, c2's start and c2's first position (the lesson's last words).
func TestAutoCommitLossNarrationFollowsItsEvents(t *testing.T) {
	r := builtinRun(t, "auto-commit-loss")
	evs := r.Events()
	for _, want := range []struct {
		kind  Kind
		actor string
	}{{KindStore, "c1"}, {KindCommitOK, "c1"}, {KindCrash, "c1"}, {KindStart, "c2"}, {KindPosition, "c2"}} {
		i := -1
		for k := range evs {
			if evs[k].Kind == want.kind && evs[k].Actor == want.actor {
				i = k
				break
			}
		}
		if i < 0 || i+1 >= len(evs) || evs[i+1].Kind != KindNarration {
			t.Errorf("no narration right after the first %s of %s", want.kind, want.actor)
		}
	}
}

// A narration that follows an event at once is shown with that event:
// at auto-commit-loss's crash step the crash's narration is in effect.
func TestNarrationShowsWithItsEvent(t *testing.T) {
	x := NewSteps(builtinRun(t, "auto-commit-loss"))
	for i := 0; i < x.Len(); i++ {
		if x.Event(i).Kind == KindCrash {
			text, at := x.Narration(i)
			if at != i+1 || !strings.Contains(text, "c1 dies") {
				t.Errorf("at the crash the narration is %q (step %d)", text, at)
			}
			if prev, _ := x.Narration(i - 1); strings.Contains(prev, "c1 dies") {
				t.Errorf("the crash's narration shows before the crash")
			}
			return
		}
	}
	t.Fatal("no crash")
}
