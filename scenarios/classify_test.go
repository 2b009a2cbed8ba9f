package scenarios

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// hist builds a timeline by hand, independent of the simulator.
type hist struct{ ev []Event }

func (h *hist) add(at time.Duration, actor string, k Kind, f func(*Event)) *hist {
	e := Event{Seq: len(h.ev), At: at, Actor: actor, Kind: k, Group: "g", Generation: 1, Topic: "t", Partition: 0, Offset: -1, Member: actor + "-m"}
	if f != nil {
		f(&e)
	}
	h.ev = append(h.ev, e)
	return h
}

func s(n float64) time.Duration { return time.Duration(n * float64(time.Second)) }

func (h *hist) produce(n int) *hist {
	for i := range n {
		h.add(0, "p", KindProduce, func(e *Event) { e.Offset = int64(i); e.Group = ""; e.Member = ""; e.Generation = -1 })
	}
	return h
}
func (h *hist) sub(at float64, c string) *hist {
	return h.add(s(at), c, KindSubscribed, func(e *Event) { e.Topics = []string{"t"}; e.Topic = ""; e.Partition = -1 })
}
func (h *hist) deliver(at float64, c string, o int64) *hist {
	return h.add(s(at), c, KindDeliver, func(e *Event) { e.Offset = o })
}
func (h *hist) effect(at float64, c string, o int64) *hist {
	return h.add(s(at), c, KindEffect, func(e *Event) { e.Offset = o })
}
func (h *hist) commit(at float64, c, trigger string, o int64, ok bool, errName string) *hist {
	id := uint64(len(h.ev) + 1)
	h.add(s(at), c, KindCommit, func(e *Event) { e.Offset = o; e.Commit = trigger; e.CommitID = id })
	k := KindCommitOK
	if !ok {
		k = KindCommitFailed
	}
	return h.add(s(at), c, k, func(e *Event) { e.Offset = o; e.Commit = trigger; e.CommitID = id; e.Error = errName })
}
func (h *hist) life(at float64, c string, k Kind) *hist {
	return h.add(s(at), c, k, func(e *Event) { e.Topic = ""; e.Partition = -1; e.Partitions = []TP{{"t", 0}} })
}

func msg(t *testing.T, o Outcome, off int64) MessageOutcome {
	t.Helper()
	m := o.Find("g", "t", 0, off)
	if m == nil {
		t.Fatalf("no outcome for offset %d in %+v", off, o.Messages())
	}
	return *m
}

func TestClassifyAutoCommitLoss(t *testing.T) {
	h := (&hist{}).produce(3).sub(0, "c1").
		deliver(0, "c1", 0).effect(1, "c1", 0).deliver(1, "c1", 1).
		commit(5, "c1", CommitAuto, 2, true, "").
		life(7, "c1", KindCrash)
	o := Classify(h.ev)
	if m := msg(t, o, 0); m.Outcome != OK {
		t.Errorf("offset 0: %s, want OK", m.Outcome)
	}
	m := msg(t, o, 1)
	if m.Outcome != Lost || m.CauseKind != CauseCrashAfterCommit {
		t.Fatalf("offset 1: %s %s, want LOST crash-after-commit", m.Outcome, m.CauseKind)
	}
	for _, want := range []string{"auto-commit at T=5s", "committed offset 2", "offset 1 was still being processed", "crashed at T=7s"} {
		if !strings.Contains(m.Cause, want) {
			t.Errorf("cause %q lacks %q", m.Cause, want)
		}
	}
	if !slices.Contains(m.Flags, FlagCommittedTooFar) {
		t.Errorf("offset 1 flags %v lack COMMITTED-TOO-FAR", m.Flags)
	}
	if m := msg(t, o, 2); m.Outcome != Pending {
		t.Errorf("offset 2: %s, want PENDING", m.Outcome)
	}
	if o.Counts != (Counts{OK: 1, Lost: 1, Pending: 1}) || len(o.Lost) != 1 || o.Lost[0].Offset != 1 {
		t.Errorf("counts %+v lost %v", o.Counts, o.Lost)
	}
}

func TestClassifyCrashBeforeCommitDuplicates(t *testing.T) {
	h := (&hist{}).produce(2).sub(0, "c1").
		deliver(0, "c1", 0).effect(1, "c1", 0).commit(1, "c1", CommitManual, 1, true, "").
		deliver(1, "c1", 1).effect(2, "c1", 1).
		life(2.5, "c1", KindCrash).
		deliver(50, "c2", 1).effect(51, "c2", 1).commit(51, "c2", CommitManual, 2, true, "")
	o := Classify(h.ev)
	if m := msg(t, o, 0); m.Outcome != OK {
		t.Errorf("offset 0: %s", m.Outcome)
	}
	m := msg(t, o, 1)
	if m.Outcome != Duplicated || m.CauseKind != CauseCrashBeforeCommit || m.Deliveries != 2 || m.Effects != 2 {
		t.Fatalf("offset 1: %+v", m)
	}
	if !strings.Contains(m.Cause, "crashed at T=2.5s") || !strings.Contains(m.Cause, "c2 re-read it at T=50s") {
		t.Errorf("cause %q", m.Cause)
	}
	if len(o.Lost) != 0 || len(o.Duplicated) != 1 {
		t.Errorf("lost %v duplicated %v", o.Lost, o.Duplicated)
	}
}

func TestClassifyCommitRejectedAndAsyncDropped(t *testing.T) {
	for _, tc := range []struct {
		async bool
		err   string
		want  CauseKind
	}{
		{false, "ILLEGAL_GENERATION", CauseCommitRejected},
		{true, "REBALANCE_IN_PROGRESS", CauseCommitRejected},
		{true, "_TRANSPORT", CauseAsyncDropped},
	} {
		h := (&hist{}).produce(1).deliver(0, "c1", 0).effect(1, "c1", 0).commit(1, "c1", CommitManual, 1, false, tc.err)
		h.ev[len(h.ev)-1].Async, h.ev[len(h.ev)-2].Async = tc.async, tc.async
		h.deliver(10, "c2", 0).effect(11, "c2", 0)
		m := msg(t, Classify(h.ev), 0)
		if m.Outcome != Duplicated || m.CauseKind != tc.want || !strings.Contains(m.Cause, tc.err) {
			t.Errorf("%s async=%v: %s %s %q", tc.err, tc.async, m.Outcome, m.CauseKind, m.Cause)
		}
	}
}

func TestClassifyZombie(t *testing.T) {
	h := (&hist{}).produce(1).deliver(0, "c1", 0).
		life(300, "c1", KindMaxPoll).
		deliver(303, "c2", 0).effect(304, "c2", 0).
		effect(400, "c1", 0)
	m := msg(t, Classify(h.ev), 0)
	if m.Outcome != Duplicated || m.CauseKind != CauseZombiePoll || !strings.Contains(m.Cause, "zombie") {
		t.Fatalf("%s %s %q", m.Outcome, m.CauseKind, m.Cause)
	}
}

func TestClassifyFlags(t *testing.T) {
	// Offset 1's effect comes before offset 0's: REORDERED on 1.
	// Deliveries in one epoch go 0, 2 (SKIP), then 1 (NONMONOTONIC).
	h := (&hist{}).produce(3).deliver(0, "c1", 0).deliver(0, "c1", 2).deliver(0, "c1", 1).
		effect(1, "c1", 1).effect(2, "c1", 0).effect(3, "c1", 2)
	o := Classify(h.ev)
	if f := msg(t, o, 1).Flags; !slices.Contains(f, FlagReordered) || !slices.Contains(f, FlagNonMonotonic) {
		t.Errorf("offset 1 flags %v", f)
	}
	if f := msg(t, o, 2).Flags; !slices.Contains(f, FlagSkip) {
		t.Errorf("offset 2 flags %v", f)
	}
	if f := msg(t, o, 0).Flags; len(f) != 0 {
		t.Errorf("offset 0 flags %v", f)
	}
	// A new epoch (another generation) may restart lower: no flag.
	h2 := (&hist{}).produce(2).deliver(0, "c1", 0).deliver(0, "c1", 1)
	h2.add(s(1), "c1", KindDeliver, func(e *Event) { e.Offset = 0; e.Generation = 2 })
	if f := msg(t, Classify(h2.ev), 0).Flags; len(f) != 0 {
		t.Errorf("new epoch flagged %v", f)
	}
}

func TestClassifyFindings(t *testing.T) {
	h := (&hist{}).produce(2).commit(1, "c1", CommitManual, 5, true, "").commit(2, "c1", CommitManual, 1, true, "")
	h.add(s(3), "group:g", KindGroupState, func(e *Event) { e.State = "Stable"; e.Generation = 3; e.Topic = ""; e.Partition = -1 })
	h.commit(4, "c1", CommitManual, 2, true, "")
	o := Classify(h.ev)
	var got []Flag
	for _, f := range o.Findings {
		got = append(got, f.Flag)
	}
	want := []Flag{FlagCommitBeyondEnd, FlagCommitRegression, FlagStaleCommitAccepted}
	if !slices.Equal(got, want) {
		t.Fatalf("findings %v, want %v", got, want)
	}
}

// A consumer group (KIP-848) fences commits by member epoch: each
// member commits with its own epoch, which its last reconciliation step
// gave it, not with the group epoch of the group's state.
func TestClassifyStaleCommitByMemberEpoch(t *testing.T) {
	h := (&hist{}).produce(3)
	h.add(0, "c1", KindJoin, func(e *Event) { e.Detail = "no leader, consumer"; e.Topic = ""; e.Partition = -1 })
	h.add(s(1), "group:g", KindGroupState, func(e *Event) {
		e.State = "Reconciling"
		e.Generation = 3
		e.Member = ""
		e.Topic = ""
		e.Partition = -1
	})
	h.add(s(1), "group:g", KindGroupEvent, func(e *Event) {
		e.Member, e.Generation, e.Topic, e.Partition = "c1-m", 2, "", -1
		e.Detail = "reconcile: owned by c1 at member epoch 2, which must still revoke t[1]"
	})
	h.add(s(2), "c1", KindCommitOK, func(e *Event) { e.Offset = 1; e.Generation = 2; e.Commit = CommitManual; e.CommitID = 1 })
	if f := Classify(h.ev).Findings; len(f) != 0 {
		t.Fatalf("a commit with the member's epoch (group epoch 3): %+v", f)
	}
	h.add(s(3), "c1", KindCommitOK, func(e *Event) { e.Offset = 2; e.Generation = 1; e.Commit = CommitManual; e.CommitID = 2 })
	f := Classify(h.ev).Findings
	if len(f) != 1 || f[0].Flag != FlagStaleCommitAccepted || !strings.Contains(f[0].Detail, "member epoch 1) was accepted although the member is at epoch 2") {
		t.Fatalf("a commit with an older member epoch: %+v", f)
	}
}

func TestClassifyNeverDeliveredAndIdempotent(t *testing.T) {
	h := (&hist{}).produce(3)
	h.add(s(1), "c1", KindPosition, func(e *Event) { e.Offset = 2; e.Detail = "auto.offset.reset=latest" })
	h.deliver(2, "c1", 2).effect(2, "c1", 2).commit(2, "c1", CommitManual, 3, true, "")
	o := Classify(h.ev)
	m := msg(t, o, 0)
	if m.Outcome != Lost || m.CauseKind != CauseNeverDelivered || !strings.Contains(m.Cause, "latest") {
		t.Errorf("offset 0: %s %s %q", m.Outcome, m.CauseKind, m.Cause)
	}
	// Idempotent repeat: two deliveries, one effect, one skip.
	h2 := (&hist{}).produce(1).deliver(0, "c1", 0).effect(1, "c1", 0).life(2, "c1", KindCrash).deliver(50, "c2", 0)
	h2.add(s(51), "c2", KindEffectSkipped, func(e *Event) { e.Offset = 0 })
	if m := msg(t, Classify(h2.ev), 0); m.Outcome != Redelivered {
		t.Errorf("idempotent repeat: %s", m.Outcome)
	}
}

func TestClassifyProcessingFailedAndClose(t *testing.T) {
	h := (&hist{}).produce(2).deliver(0, "c1", 0)
	h.add(s(1), "c1", KindProcessFailed, func(e *Event) { e.Offset = 0 })
	h.deliver(1, "c1", 1).effect(2, "c1", 1).commit(2, "c1", CommitManual, 2, true, "")
	if m := msg(t, Classify(h.ev), 0); m.Outcome != Lost || m.CauseKind != CauseProcessingFailed {
		t.Errorf("failed: %s %s %q", m.Outcome, m.CauseKind, m.Cause)
	}
	h2 := (&hist{}).produce(1).deliver(0, "c1", 0).life(1, "c1", KindClose).commit(1, "c1", CommitClose, 1, true, "")
	if m := msg(t, Classify(h2.ev), 0); m.Outcome != Lost || m.CauseKind != CauseCloseAhead {
		t.Errorf("close: %s %s %q", m.Outcome, m.CauseKind, m.Cause)
	}
}

// recordedTape records evs as the runner does: produce, deliver, store
// and effect events as compact entries, the others in full. tiny sizes
// the log so that most entries go to its overflow chunks.
func recordedTape(evs []Event, tiny bool) *tape {
	n := len(evs)
	if tiny {
		n = 3
	}
	t := newTape(n, n, 64)
	var refs recRefs
	for _, e := range evs {
		x := rec{at: e.At, off: e.Offset, gen: e.Generation, part: e.Partition}
		switch e.Kind {
		case KindProduce:
			x.kind = recProduce
			x.key, x.keyLen = t.addKey([]byte(e.Key))
		case KindDeliver:
			x.kind = recDeliver
		case KindEffect:
			x.kind = recEffect
		default:
			t.addFull(e)
			continue
		}
		x.actor, x.group = t.str(&refs.actor, e.Actor), t.str(&refs.group, e.Group)
		x.member, x.topic = t.str(&refs.member, e.Member), t.str(&refs.topic, e.Topic)
		t.add(&x)
	}
	return t
}

// The classifier keeps a message's state in an array over the offsets
// produced to its partition; offsets outside that range (never produced
// in the timeline, or past a sparse range's first part) and partitions
// too large for its tables take the slow paths, with the same verdicts,
// whether the timeline was recorded or given.
func TestClassifyOffsetsOutsideProducedRange(t *testing.T) {
	const far = 1_000_000_000
	h := &hist{}
	prod := func(part int32, o int64) {
		h.add(0, "p", KindProduce, func(e *Event) {
			e.Partition, e.Offset, e.Key, e.Group, e.Member, e.Generation = part, o, "k", "", "", -1
		})
	}
	prod(0, 1_000_000)
	prod(0, 1_000_001)
	prod(0, far) // sparse: past the array of t[0]
	prod(70_000, 3)
	h.sub(0, "c1")
	h.deliver(1, "c1", 5) // never produced: outside the range
	h.deliver(1, "c1", 1_000_000).effect(2, "c1", 1_000_000)
	h.deliver(3, "c1", 1_000_001) // no effect: the commit below passes it
	h.deliver(3, "c1", far).effect(4, "c1", far).effect(5, "c1", far)
	h.add(s(5), "c1", KindDeliver, func(e *Event) { e.Partition, e.Offset = 70_000, 3 })
	h.add(s(6), "c1", KindEffect, func(e *Event) { e.Partition, e.Offset = 70_000, 3 })
	h.add(s(6), "c1", KindEffect, func(e *Event) { e.Partition, e.Offset = 70_000, 3 })
	h.commit(7, "c1", CommitManual, 1_000_002, true, "")
	h.effect(8, "c1", 5)
	want := map[int64]Verdict{1_000_000: OK, 1_000_001: Lost, far: Duplicated}
	for _, tc := range []struct {
		name string
		o    Outcome
	}{{"given", Classify(h.ev)}, {"recorded", classify(recordedTape(h.ev, false))}, {"recorded, overflowing", classify(recordedTape(h.ev, true))}} {
		o := tc.o
		if len(o.Messages()) != 4 {
			t.Fatalf("%s: %d outcomes, want 4: %+v", tc.name, len(o.Messages()), o.Messages())
		}
		for off, v := range want {
			if m := msg(t, o, off); m.Outcome != v {
				t.Errorf("%s: offset %d is %s, want %s", tc.name, off, m.Outcome, v)
			}
		}
		if f := msg(t, o, 1_000_001).Flags; !slices.Equal(f, []Flag{FlagCommittedTooFar}) {
			t.Errorf("%s: offset 1000001 flags %v, want COMMITTED-TOO-FAR", tc.name, f)
		}
		if m := msg(t, o, far); m.Effects != 2 || m.Deliveries != 1 {
			t.Errorf("%s: offset %d: %d deliveries, %d effects", tc.name, int64(far), m.Deliveries, m.Effects)
		}
		if m := o.Find("g", "t", 70_000, 3); m == nil || m.Outcome != Duplicated || m.Key != "k" {
			t.Errorf("%s: t[70000]@3: %+v, want DUPLICATED", tc.name, m)
		}
	}
}

// appendDuration writes what FormatDuration writes.
func TestAppendDuration(t *testing.T) {
	ds := []time.Duration{0, 1, -1, 999, time.Microsecond, 1500 * time.Microsecond, time.Second - 1, time.Second, time.Second + 1,
		5001 * time.Millisecond, 59*time.Second + 999*time.Millisecond, time.Minute, 90 * time.Second, time.Hour, time.Hour + 5*time.Second + 250*time.Millisecond,
		100*time.Hour + 59*time.Minute, 1<<63 - 1, -1 << 63, -5 * time.Second}
	r := uint64(1)
	for range 20000 {
		r = r*6364136223846793005 + 1442695040888963407
		ds = append(ds, time.Duration(r>>(r%64)))
	}
	for _, d := range ds {
		if got, want := string(appendDuration([]byte("x"), d)), "x"+FormatDuration(d); got != want {
			t.Fatalf("appendDuration(%d) = %q, want %q", int64(d), got, want)
		}
	}
}

// COMMIT-BEYOND-END judges a commit by the log end when it was accepted,
// not by the log end at the end of the run, whether the timeline was
// recorded (the tape lists the produce entries) or given.
func TestClassifyCommitBeyondEndAtItsTime(t *testing.T) {
	h := (&hist{}).produce(2).commit(1, "c1", CommitManual, 5, true, "")
	for i := 2; i < 6; i++ {
		h.add(s(2), "p", KindProduce, func(e *Event) { e.Offset = int64(i); e.Group = ""; e.Member = ""; e.Generation = -1 })
	}
	h.commit(3, "c1", CommitManual, 6, true, "")
	for name, o := range map[string]Outcome{"given": Classify(h.ev), "recorded": classify(recordedTape(h.ev, false)), "recorded, overflowing": classify(recordedTape(h.ev, true))} {
		if len(o.Findings) != 1 || o.Findings[0].Flag != FlagCommitBeyondEnd || o.Findings[0].Offset != 5 {
			t.Errorf("%s: findings %+v, want COMMIT-BEYOND-END of the commit of offset 5 only", name, o.Findings)
		}
		if len(o.Messages()) != 6 {
			t.Errorf("%s: %d messages, want 6", name, len(o.Messages()))
		}
	}
}

// A timeline classifies the same given as events or recorded on a tape
// (compact entries, produce lists kept by the tape, overflow chunks):
// flags (REORDERED with a repeated offset, SKIP, NONMONOTONIC,
// COMMITTED-TOO-FAR), causes and findings.
func TestClassifyRecordedMatchesGiven(t *testing.T) {
	flags := (&hist{}).produce(4).deliver(0, "c1", 0).deliver(0, "c1", 2).deliver(0, "c1", 1).
		effect(1, "c1", 1).effect(2, "c1", 0).effect(3, "c1", 2).deliver(3, "c1", 3).commit(4, "c1", CommitManual, 4, true, "")
	flags.add(0, "p", KindProduce, func(e *Event) { e.Offset = 1; e.Group = ""; e.Member = ""; e.Generation = -1 }) // offset 1 again
	dup := (&hist{}).produce(3).sub(0, "c1").deliver(1, "c1", 0).effect(1.1, "c1", 0).deliver(1.2, "c1", 1).effect(1.3, "c1", 1).
		life(2, "c1", KindCrash).sub(3, "c2").deliver(4, "c2", 0).effect(4.1, "c2", 0).deliver(4.2, "c2", 1).effect(4.3, "c2", 1).
		commit(5, "c2", CommitManual, 3, true, "")
	for name, h := range map[string]*hist{"flags": flags, "dup": dup} {
		want := Classify(h.ev)
		for _, tiny := range []bool{false, true} {
			if got := classify(recordedTape(h.ev, tiny)); !reflect.DeepEqual(got, want) {
				t.Errorf("%s (tiny log %v): recorded\n%+v\ngiven\n%+v", name, tiny, got, want)
			}
		}
	}
	if m := msg(t, Classify(flags.ev), 1); !slices.Contains(m.Flags, FlagReordered) {
		t.Errorf("offset 1 flags %v, want REORDERED", m.Flags)
	}
	if n := Classify(dup.ev).Counts.Duplicated; n != 2 {
		t.Errorf("%d DUPLICATED, want 2", n)
	}
}
