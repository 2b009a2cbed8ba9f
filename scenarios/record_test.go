package scenarios

import (
	"fmt"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
)

func TestCompactEntrySize(t *testing.T) {
	if n := unsafe.Sizeof(crec{}); n != 32 {
		t.Errorf("crec is %d bytes, want 32 (it is most of a run's memory)", n)
	}
}

// Entries whose string indexes, key or partition do not fit a crec's
// 16-bit fields, or that have both a key and a member, are kept as full
// events, with the same content; the rest are compact and read back the
// same.
func TestTapeEntriesThatDoNotFit(t *testing.T) {
	tp := newTape(16, 16, 16)
	var ref strRef
	for i := range 70000 {
		tp.str(&ref, fmt.Sprint("member-", i))
	}
	var refs recRefs
	long := make([]byte, 70000)
	for i := range long {
		long[i] = 'k'
	}
	key, keyLen := tp.addKey(long)
	tp.add(&rec{at: 5, kind: recProduce, gen: -1, part: 0, off: 7, actor: tp.str(&refs.actor, "p"), topic: tp.str(&refs.topic, "t"), key: key, keyLen: keyLen})
	tp.add(&rec{at: 6, kind: recDeliver, gen: 1, part: 0, off: 7, actor: tp.str(&refs.actor, "c1"), group: tp.str(&refs.group, "g"),
		member: tp.str(&ref, "member-69999"), topic: tp.str(&refs.topic, "t")})
	tp.add(&rec{at: 7, kind: recEffect, gen: 1, part: 0, off: 7, actor: 1, group: 2, member: 3, topic: 4})
	tp.add(&rec{at: 8, kind: recDeliver, gen: 2, part: 70000, off: 9, actor: 1, group: 2, member: 3, topic: 4})
	tp.add(&rec{at: 9, kind: recProduce, gen: 3, part: 1, off: 9, actor: 1, member: 3, topic: 4})
	short, shortLen := tp.addKey([]byte("k-1"))
	tp.add(&rec{at: 10, kind: recProduce, gen: -1, part: 65535, off: 1 << 40, actor: 1, topic: 4, key: short, keyLen: shortLen})
	tp.add(&rec{at: 11, kind: recStoreAuto, gen: -1, part: 2, off: 12, actor: 1, group: 2, topic: 4})
	want := []Event{
		{Seq: 0, At: 5, Actor: "p", Kind: KindProduce, Generation: -1, Topic: "t", Partition: 0, Offset: 7, Key: string(long)},
		{Seq: 1, At: 6, Actor: "c1", Kind: KindDeliver, Group: "g", Member: "member-69999", Generation: 1, Topic: "t", Partition: 0, Offset: 7},
		{Seq: 2, At: 7, Actor: tp.strs[1], Kind: KindEffect, Group: tp.strs[2], Member: tp.strs[3], Generation: 1, Topic: tp.strs[4], Partition: 0, Offset: 7},
		{Seq: 3, At: 8, Actor: tp.strs[1], Kind: KindDeliver, Group: tp.strs[2], Member: tp.strs[3], Generation: 2, Topic: tp.strs[4], Partition: 70000, Offset: 9},
		{Seq: 4, At: 9, Actor: tp.strs[1], Kind: KindProduce, Member: tp.strs[3], Generation: 3, Topic: tp.strs[4], Partition: 1, Offset: 9},
		{Seq: 5, At: 10, Actor: tp.strs[1], Kind: KindProduce, Generation: -1, Topic: tp.strs[4], Partition: 65535, Offset: 1 << 40, Key: "k-1"},
		{Seq: 6, At: 11, Actor: tp.strs[1], Kind: KindStore, Group: tp.strs[2], Generation: -1, Topic: tp.strs[4], Partition: 2, Offset: 12, Detail: detailStoreAuto},
	}
	if d := cmp.Diff(want, tp.materialize()); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
	var kinds []recKind
	for _, x := range tp.log {
		kinds = append(kinds, x.kind)
	}
	if d := cmp.Diff([]recKind{recFull, recFull, recEffect, recFull, recFull, recProduce, recStoreAuto}, kinds); d != "" {
		t.Errorf("entry kinds (-want +got):\n%s", d)
	}
}

// TestRecordedClassificationMatchesEvents checks that classifying a run as
// recorded (produce counts kept while recording, compact entries read
// directly) gives what classifying its materialised events gives, for
// every built-in and for a run over more partitions than the tape counts
// by scanning.
func TestRecordedClassificationMatchesEvents(t *testing.T) {
	scens := map[string]*Scenario{}
	for _, name := range Names() {
		s, err := Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		scens[name] = s
	}
	wide, err := Parse("wide.yaml", []byte(`
name: wide
duration: 20s
topics:
  - {name: a, partitions: 20}
  - {name: b, partitions: 3}
producers:
  - {topic: a, count: 300, key: "k-{i}"}
  - {topic: b, count: 40, at: 1s}
consumers:
  - {id: c1, group: g, topics: [a, b], config: {auto.offset.reset: earliest}}
script:
  - {at: 3s, do: crash, consumer: c1}
  - {at: 4s, do: restart, consumer: c1}
`))
	if err != nil {
		t.Fatal(err)
	}
	scens["wide"] = wide
	for name, s := range scens {
		r, err := Run(s, Options{Seed: 3, SeedSet: true})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(r.tape.prods) == 0 && r.Outcome.Counts.OK+r.Outcome.Counts.Lost+r.Outcome.Counts.Duplicated > 0 {
			t.Errorf("%s: the tape counted no produce entries", name)
		}
		if diff := cmp.Diff(Classify(r.Events()), r.Outcome); diff != "" {
			t.Errorf("%s: recorded classification differs from the events' (-events +recorded):\n%s", name, diff)
		}
	}
	if n := len(wide.Topics); n != 2 {
		t.Fatalf("wide scenario has %d topics", n)
	}
}

// A recording site's string cache answers by pointer for the very string
// it cached and asks the table for any other, equal or not.
func TestTapeStrCache(t *testing.T) {
	tp := newTape(4, 4, 4)
	r := &runner{t: tp}
	var c strRef
	if i := r.str(&c, ""); i != 0 {
		t.Fatalf(`"" is %d, want 0`, i)
	}
	ab := string([]byte("ab"))
	a := r.str(&c, ab)
	cd := string([]byte("cd")) // same length, another string
	if b := r.str(&c, cd); b == a || tp.strs[b] != "cd" {
		t.Fatalf("cd is %d (%q), ab %d", b, tp.strs[b], a)
	}
	if i := r.str(&c, string([]byte("ab"))); i != a { // equal, another pointer
		t.Fatalf("a copy of ab is %d, want %d", i, a)
	}
	if i := r.str(&c, ""); i != 0 {
		t.Fatalf(`"" after others is %d, want 0`, i)
	}
	if i := tp.str(&c, "cd"); i != tp.strIdx["cd"] {
		t.Fatalf("tape.str(cd) = %d", i)
	}
	// A fixed site's first call numbers its string; later calls answer
	// that number at once.
	var f strRef
	if i := r.strFixed(&f, "fixed"); i != tp.strIdx["fixed"] || i == 0 || r.strFixed(&f, "fixed") != i {
		t.Fatalf("strFixed(fixed) = %d, table %d", i, tp.strIdx["fixed"])
	}
}
