package scenarios

import (
	"slices"
	"time"
)

// The timeline is recorded compactly while a run goes on and turned into
// []Event once, at the end (runner.timeline). The message events that make
// up most of a timeline (produce, deliver, store, effect) are kept as a
// pointer-free rec: strings are indexes into the runner's string table and
// keys are ranges of one byte buffer, so the garbage collector neither scans
// them nor pays a write barrier per field while the run allocates. Every
// other event is kept as a full Event and the rec points at it.

// recKind says how a rec becomes an Event.
type recKind uint8

const (
	recFull      recKind = iota // runner.full[rec.off]
	recProduce                  // KindProduce: actor, topic, partition, offset, key
	recDeliver                  // KindDeliver: consumer fields, topic, partition, offset
	recStoreAuto                // KindStore stored at delivery (enable.auto.offset.store)
	recStoreApp                 // KindStore stored by the app
	recEffect                   // KindEffect: consumer fields, topic, partition, offset
)

var recKinds = [...]Kind{recProduce: KindProduce, recDeliver: KindDeliver, recStoreAuto: KindStore, recStoreApp: KindStore, recEffect: KindEffect}

const (
	detailStoreAuto = "enable.auto.offset.store: stored at delivery, before processing"
	detailStoreApp  = "stored by the app"
)

// rec is one timeline entry not yet converted to an Event (timeline).
// Strings are indexes into runner.strs (0 is "").
type rec struct {
	at                          time.Duration
	off                         int64 // the offset; for recFull, the index in runner.full
	key, keyLen                 uint32
	actor, group, member, topic uint32
	gen, part                   int32
	kind                        recKind
}

// strRef remembers the last string a call site interned, so a site that
// records the same actor, member or topic again and again compares one
// string (usually the same pointer) instead of hashing it.
type strRef struct {
	s  string
	i  uint32
	ok bool
}

// str returns the index of s in the string table, through the cache c.
func (r *runner) str(c *strRef, s string) uint32 {
	if c.ok && c.s == s {
		return c.i
	}
	i, ok := r.strIdx[s]
	if !ok {
		i = uint32(len(r.strs))
		r.strs = append(r.strs, s)
		r.strIdx[s] = i
	}
	*c = strRef{s, i, true}
	return i
}

// recRefs are the string caches of one recording site.
type recRefs struct {
	actor, group, member, topic strRef
}

// add appends a compact entry stamped with the current time.
func (r *runner) add(x rec) {
	x.at = r.now()
	r.log = append(r.log, x)
}

// addKey appends a key to the key buffer and returns its range.
func (r *runner) addKey(k []byte) (uint32, uint32) {
	at := len(r.keyBuf)
	r.keyBuf = append(r.keyBuf, k...)
	return uint32(at), uint32(len(k))
}

// timeline turns the entries recorded since the last call into events and
// returns the whole timeline so far, in runner.events. For a one-shot run
// that slice is allocated when the run starts, not here: a large
// allocation at the end tends to start a garbage collection, and every
// string written afterwards would pay a write barrier. A session that asks
// for the events as it goes converts each entry once; the log, the full
// events and the key buffer then hold only what is not converted yet, and
// are reused.
func (r *runner) timeline() []Event {
	evs := r.events
	from := len(evs)
	n := from + len(r.log)
	if cap(evs) < n {
		if from == 0 {
			evs = make([]Event, 0, n)
		} else {
			evs = slices.Grow(evs, len(r.log))
		}
	}
	evs = evs[:n]
	keys := string(r.keyBuf)
	strs := r.strs
	for j := range r.log {
		x := &r.log[j]
		i := from + j
		e := &evs[i]
		if x.kind == recFull {
			*e = r.full[x.off]
			e.Seq = i
			continue
		}
		e.Seq, e.At, e.Actor, e.Kind, e.Generation = i, x.at, strs[x.actor], recKinds[x.kind], x.gen
		e.Group, e.Member = strs[x.group], strs[x.member]
		e.Topic, e.Partition, e.Offset = strs[x.topic], x.part, x.off
		if x.keyLen > 0 {
			e.Key = keys[x.key : x.key+x.keyLen]
		}
		switch x.kind {
		case recStoreAuto:
			e.Detail = detailStoreAuto
		case recStoreApp:
			e.Detail = detailStoreApp
		}
	}
	clear(r.full) // drop the converted events' references
	r.log, r.full, r.keyBuf = r.log[:0], r.full[:0], r.keyBuf[:0]
	r.events = evs
	return evs
}
