package scenarios

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

// recordMany records the same timeline of n events (produces with keys,
// deliveries, stores, effects, and every seventh event a full one) on t.
func recordMany(t *tape, n int) {
	var refs recRefs
	for i := range n {
		at := int64(i) * 1000
		switch {
		case i%7 == 6:
			t.addFull(Event{At: time.Duration(at), Actor: "c1", Kind: KindCommitOK, Group: "g", Generation: 1, Topic: "t", Partition: int32(i % 3), Offset: int64(i), Commit: CommitAuto, CommitID: uint64(i)})
		case i%4 == 0:
			key, keyLen := t.addKey([]byte(fmt.Sprint("k-", i)))
			t.add(&rec{at: time.Duration(at), kind: recProduce, gen: -1, part: int32(i % 3), off: int64(i / 4), actor: t.str(&refs.actor, "p"), topic: t.str(&refs.topic, "t"), key: key, keyLen: keyLen})
		default:
			kinds := [...]recKind{recDeliver, recStoreAuto, recEffect}
			t.add(&rec{at: time.Duration(at), kind: kinds[i%3], gen: 1, part: int32(i % 3), off: int64(i / 4), actor: t.str(&refs.actor, "c1"),
				group: t.str(&refs.group, "g"), member: t.str(&refs.member, "c1-m"), topic: t.str(&refs.topic, "t")})
		}
	}
}

// A tape recording past the capacity it was sized for keeps the entries
// beyond it in chunks: read back, walked, materialised (at once or bit by
// bit) and classified, it is the same as a tape sized for all of them.
func TestTapeRecordsPastItsCapacity(t *testing.T) {
	const n = 1000 + moreLen + 123 // two chunks past the log
	small, big := newTape(1000, 10, 16), newTape(n, n, 8*n)
	recordMany(small, n)
	recordMany(big, n)
	if small.len() != n || big.len() != n || len(small.more) != 2 || cap(small.log) != 1000 || big.more != nil {
		t.Fatalf("len %d/%d, %d chunks, log cap %d", small.len(), big.len(), len(small.more), cap(small.log))
	}
	walked := make([]Event, 0, n)
	small.walk(func(e *Event, key []byte) bool {
		w := *e
		if key != nil {
			w.Key = string(key)
		}
		walked = append(walked, w)
		return true
	})
	part := small.materialize() // the first part, then the rest
	if len(part) != n {
		t.Fatalf("materialised %d", len(part))
	}
	want := big.materialize()
	for i := range want {
		if !reflect.DeepEqual(want[i], part[i]) || !reflect.DeepEqual(want[i], walked[i]) {
			t.Fatalf("event %d: materialised %+v, walked %+v, want %+v", i, part[i], walked[i], want[i])
		}
	}
	for _, i := range []int{0, 999, 1000, 1001, moreLen + 1000, n - 1} {
		if got := small.event(i); !reflect.DeepEqual(*got, want[i]) {
			t.Fatalf("event %d: %+v, want %+v", i, *got, want[i])
		}
	}
	small2 := newTape(1000, 10, 16)
	recordMany(small2, n)
	if o1, o2 := classify(big), classify(small2); !reflect.DeepEqual(o1, o2) {
		t.Fatalf("outcome %+v, sized for all %+v", o2.Counts, o1.Counts)
	}
	// Bit by bit, as a session asked for its events while it ran.
	inc := newTape(1000, 10, 16)
	var refs recRefs
	for i := range 5 {
		recordMany(inc, moreLen/2)
		inc.add(&rec{at: 1, kind: recEffect, gen: 1, actor: inc.str(&refs.actor, "c2"), topic: inc.str(&refs.topic, "t"), off: int64(i)})
		evs := inc.materialize()
		if len(evs) != inc.len() || evs[len(evs)-1].Actor != "c2" || evs[len(evs)-1].Offset != int64(i) {
			t.Fatalf("round %d: %d events of %d, last %+v", i, len(evs), inc.len(), evs[len(evs)-1])
		}
	}
}
