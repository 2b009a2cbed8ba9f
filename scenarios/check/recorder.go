package check

import (
	"slices"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/scenarios"
)

// Recorder is how an App tells the check where its side effects happen:
// the row it wrote, the email it sent, the call it made for a message.
// The check counts them to classify every message (an effect twice is
// DUPLICATED; a message committed past without an effect is LOST).
//
// Its methods may be called from any of the app's goroutines. Each is one
// call on the app's consumer as far as the check is concerned: after a
// crash it never returns (the process is gone, and so is the effect),
// while the app hangs (a stall) it waits.
//
// A goroutine of a crashed app goes on running until its next call to
// the consumer or the Recorder (Go cannot stop it sooner): a side effect
// made on the app's own state in between (a write to a map standing for
// its database) would outlive the crash. Make such an effect with Apply,
// which does not run it at all once the app has crashed.
type Recorder interface {
	// Effect records that m's side effect happened.
	Effect(m *client.Message)
	// Apply makes m's side effect by calling fn, and records it as an
	// effect if fn reports true, as skipped (a repeat the app recognised)
	// if false. fn runs as one of the consumer's calls, with the
	// simulation held: after a crash it is not called, and it must be
	// quick and must not call the consumer.
	Apply(m *client.Message, fn func() bool)
	// Skipped records that the app recognised m as a repeat and did
	// nothing (an idempotent consumer): not an effect.
	Skipped(m *client.Message)
	// Failed records that processing m failed: no effect. The check
	// expects the app to deal with it (retry, or let a later commit
	// cover it knowingly).
	Failed(m *client.Message, err error)
}

// recorder is an incarnation's Recorder.
type recorder struct {
	inc *incarnation
}

// Effect records m's effect.
func (r *recorder) Effect(m *client.Message) { r.record(m, scenarios.KindEffect, "", false) }

// Apply makes and records m's effect, or records it skipped.
func (r *recorder) Apply(m *client.Message, fn func() bool) {
	r.recordFn(m, func() (scenarios.Kind, string) {
		if fn() {
			return scenarios.KindEffect, ""
		}
		return scenarios.KindEffectSkipped, "the app skipped it: already processed"
	}, false)
}

// Skipped records that m was recognised as a repeat.
func (r *recorder) Skipped(m *client.Message) {
	r.record(m, scenarios.KindEffectSkipped, "the app skipped it: already processed", false)
}

// Failed records that processing m failed.
func (r *recorder) Failed(m *client.Message, err error) {
	why := "processing failed"
	if err != nil {
		why += ": " + err.Error()
	}
	r.record(m, scenarios.KindProcessFailed, why, false)
}

// record puts m's fate on the timeline as one of the consumer's calls. A
// built-in app (builtin) drops it if its incarnation was told to stop
// while it hung (abandon), as the scenario runner's model does; it
// reports whether it recorded.
func (r *recorder) record(m *client.Message, k scenarios.Kind, detail string, builtin bool) bool {
	return r.recordFn(m, func() (scenarios.Kind, string) { return k, detail }, builtin)
}

// recordFn is record with the kind and detail decided inside the call.
func (r *recorder) recordFn(m *client.Message, what func() (scenarios.Kind, string), builtin bool) bool {
	if m == nil {
		return false
	}
	inc := r.inc
	w := inc.m.w
	ok := false
	tp := m.TopicPartition
	inc.c.Exclusive(keyOf(tp), func(info client.Info) {
		if builtin && inc.abandon {
			return
		}
		ok = true
		k, detail := what()
		e := scenarios.Event{Actor: inc.m.spec.ID, Kind: k, Group: inc.m.spec.Group, Member: info.MemberID, Generation: -1,
			Topic: tp.Topic, Partition: tp.Partition, Offset: int64(tp.Offset), Detail: detail}
		if info.MemberID != "" {
			e.Generation = info.Generation
		}
		w.emit(e)
		for i := range inc.flights {
			f := &inc.flights[i]
			if !f.effected && f.tp == e.TP() && f.off == e.Offset {
				f.effected = true
				if c, ok := inc.committed[f.tp]; ok && f.off < c {
					// committed before it was processed (or by a later
					// message's commit): nothing left to do with it
					inc.flights = slices.Delete(inc.flights, i, i+1)
				}
				break
			}
		}
	})
	return ok
}

// keyOf orders effects recorded at one instant by message.
func keyOf(tp client.TopicPartition) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(tp.Topic); i++ {
		h = (h ^ uint64(tp.Topic[i])) * 1099511628211
	}
	return h ^ uint64(tp.Partition)<<48 ^ uint64(tp.Offset)
}
