package broker

import (
	"fmt"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/internal/clock"
)

const day = 24 * time.Hour

func TestCommittedOffsetsStore(t *testing.T) {
	b, sim := newTest(t, Config{})
	a0, a1, b0 := TopicPartition{"a", 0}, TopicPartition{"a", 1}, TopicPartition{"b", 0}
	if _, ok := b.CommittedOffset("g", a0); ok {
		t.Fatal("offset before any commit")
	}
	sim.RunFor(time.Minute)
	b.StoreCommittedOffset("g", b0, OffsetAndMetadata{Offset: 5, Metadata: "m"})
	b.StoreCommittedOffset("g", a1, OffsetAndMetadata{Offset: 7})
	given := clock.Epoch.Add(time.Second)
	b.StoreCommittedOffset("g", a0, OffsetAndMetadata{Offset: 1, CommitTime: given})
	b.StoreCommittedOffset("g", a0, OffsetAndMetadata{Offset: 2, CommitTime: given}) // replaces
	b.StoreCommittedOffset("h", a0, OffsetAndMetadata{Offset: 100})
	om, ok := b.CommittedOffset("g", b0)
	if !ok || om.Offset != 5 || om.Metadata != "m" || !om.CommitTime.Equal(clock.Epoch.Add(time.Minute)) {
		t.Fatalf("b[0] = %+v %v", om, ok)
	}
	got := b.GroupOffsets("g")
	if fmt.Sprint(got) != fmt.Sprint([]GroupOffset{
		{a0, OffsetAndMetadata{2, "", given}},
		{a1, OffsetAndMetadata{7, "", clock.Epoch.Add(time.Minute)}},
		{b0, OffsetAndMetadata{5, "m", clock.Epoch.Add(time.Minute)}},
	}) {
		t.Fatalf("GroupOffsets = %v", got)
	}
	if fmt.Sprint(b.OffsetGroups()) != "[g h]" {
		t.Fatalf("OffsetGroups = %v", b.OffsetGroups())
	}
	// Marking a group without offsets does not list it.
	b.MarkGroupActive("i")
	if fmt.Sprint(b.OffsetGroups()) != "[g h]" {
		t.Fatalf("OffsetGroups with a marked empty group = %v", b.OffsetGroups())
	}
	b.DeleteGroupOffsets("g")
	if _, ok := b.CommittedOffset("g", a0); ok || b.GroupOffsets("g") != nil {
		t.Fatal("offsets survive DeleteGroupOffsets")
	}
	if om, _ := b.CommittedOffset("h", a0); om.Offset != 100 {
		t.Fatal("DeleteGroupOffsets touched another group")
	}
}

type expiryEvent struct {
	at    time.Duration
	group string
	all   bool
}

// TestOffsetExpiryKIP211 runs scripted timelines with the periodic check
// (every 10 minutes, retention 7 days) and records which offsets survive.
func TestOffsetExpiryKIP211(t *testing.T) {
	tp0, tp1 := TopicPartition{"t", 0}, TopicPartition{"t", 1}
	type step struct {
		at time.Duration
		do func(b *Broker)
	}
	commit := func(tp TopicPartition, off int64) func(*Broker) {
		return func(b *Broker) { b.StoreCommittedOffset("g", tp, OffsetAndMetadata{Offset: off}) }
	}
	empty := func(b *Broker) { b.MarkGroupEmpty("g") }
	active := func(b *Broker) { b.MarkGroupActive("g") }
	cases := []struct {
		name   string
		steps  []step
		checks map[time.Duration]string // at → GroupOffsets("g") offsets
		events []expiryEvent
	}{
		{
			name:  "standalone: each offset from its own commit time",
			steps: []step{{0, commit(tp0, 1)}, {3 * day, commit(tp1, 2)}},
			checks: map[time.Duration]string{
				7*day - time.Minute:     "[t[0]=1 t[1]=2]",
				7*day + time.Minute:     "[t[1]=2]",
				10*day + 10*time.Minute: "[]",
			},
			events: []expiryEvent{{7 * day, "g", false}, {10 * day, "g", true}},
		},
		{
			name:  "standalone: a recommit restarts that offset's clock",
			steps: []step{{0, commit(tp0, 1)}, {6 * day, commit(tp0, 5)}},
			checks: map[time.Duration]string{
				8 * day:                 "[t[0]=5]",
				13*day + 10*time.Minute: "[]",
			},
			events: []expiryEvent{{13 * day, "g", true}},
		},
		{
			name:  "active group never expires",
			steps: []step{{0, active}, {0, commit(tp0, 1)}},
			checks: map[time.Duration]string{
				30 * day: "[t[0]=1]",
			},
		},
		{
			name: "empty group: clock starts when it became Empty, all offsets together",
			steps: []step{
				{0, active}, {0, commit(tp0, 1)},
				{20 * day, empty},
				{26 * day, commit(tp1, 9)}, // generation -1 commit to the Empty group
			},
			checks: map[time.Duration]string{
				27*day - 10*time.Minute: "[t[0]=1 t[1]=9]",
				27*day + 10*time.Minute: "[]",
			},
			events: []expiryEvent{{27 * day, "g", true}},
		},
		{
			name: "empty then active again before expiry keeps offsets",
			steps: []step{
				{0, commit(tp0, 1)}, {0, empty},
				{6 * day, active},
				{9 * day, empty}, // clock restarts at 9d
			},
			checks: map[time.Duration]string{
				7 * day:  "[t[0]=1]",
				15 * day: "[t[0]=1]",
				17 * day: "[]",
			},
			events: []expiryEvent{{16 * day, "g", true}},
		},
		{
			name:  "marking Empty twice keeps the first time",
			steps: []step{{0, commit(tp0, 1)}, {0, empty}, {5 * day, empty}},
			checks: map[time.Duration]string{
				8 * day: "[]",
			},
			events: []expiryEvent{{7 * day, "g", true}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, sim := newTest(t, Config{})
			var events []expiryEvent
			b.OnOffsetsExpired(func(g string, all bool) {
				events = append(events, expiryEvent{sim.Elapsed(), g, all})
			})
			for _, s := range c.steps {
				sim.At(clock.Epoch.Add(s.at), func() { s.do(b) })
			}
			for at, want := range c.checks {
				sim.At(clock.Epoch.Add(at), func() {
					var got []string
					for _, o := range b.GroupOffsets("g") {
						got = append(got, fmt.Sprintf("%s=%d", o.TopicPartition, o.Offset))
					}
					if fmt.Sprint(got) != want {
						t.Errorf("at %v: offsets %v, want %s", at, got, want)
					}
				})
			}
			sim.RunFor(40 * day)
			if fmt.Sprint(events) != fmt.Sprint(c.events) {
				t.Fatalf("expiry events %v, want %v", events, c.events)
			}
		})
	}
}

func TestExpireOffsetsDirectAndDisabled(t *testing.T) {
	b, sim := newTest(t, Config{OffsetsRetention: time.Hour, OffsetsRetentionCheckInterval: -1})
	tp := TopicPartition{"t", 0}
	b.StoreCommittedOffset("g", tp, OffsetAndMetadata{Offset: 1})
	sim.RunFor(2 * time.Hour)
	if _, ok := b.CommittedOffset("g", tp); !ok {
		t.Fatal("periodic check ran although disabled")
	}
	b.ExpireOffsets()
	if _, ok := b.CommittedOffset("g", tp); ok {
		t.Fatal("ExpireOffsets kept an offset older than retention")
	}
	// Exactly at retention the offset expires (now - base >= retention).
	b.StoreCommittedOffset("g", tp, OffsetAndMetadata{Offset: 2})
	sim.RunFor(time.Hour - 1)
	b.ExpireOffsets()
	if _, ok := b.CommittedOffset("g", tp); !ok {
		t.Fatal("expired before retention")
	}
	sim.RunFor(1)
	b.ExpireOffsets()
	if _, ok := b.CommittedOffset("g", tp); ok {
		t.Fatal("not expired at exactly retention")
	}

	forever, sim2 := newTest(t, Config{OffsetsRetention: -1})
	forever.StoreCommittedOffset("g", tp, OffsetAndMetadata{Offset: 1})
	sim2.RunFor(1000 * day)
	if _, ok := forever.CommittedOffset("g", tp); !ok {
		t.Fatal("negative retention expired an offset")
	}
}

func TestExpiryForgetsGroupAndHookMayReenter(t *testing.T) {
	b, sim := newTest(t, Config{OffsetsRetention: time.Hour})
	tp := TopicPartition{"t", 0}
	for _, g := range []string{"z", "a", "m"} {
		b.StoreCommittedOffset(g, tp, OffsetAndMetadata{Offset: 1})
		b.MarkGroupEmpty(g)
	}
	var order []string
	b.OnOffsetsExpired(func(g string, all bool) {
		order = append(order, fmt.Sprintf("%s %t", g, all))
		// Re-entering the broker from the hook is allowed.
		b.StoreCommittedOffset("reborn-"+g, tp, OffsetAndMetadata{Offset: 2})
	})
	sim.RunFor(time.Hour + 10*time.Minute)
	if fmt.Sprint(order) != "[a true m true z true]" {
		t.Fatalf("hook order %v", order)
	}
	if fmt.Sprint(b.OffsetGroups()) != "[reborn-a reborn-m reborn-z]" {
		t.Fatalf("groups %v", b.OffsetGroups())
	}
	if _, ok := b.groups["a"]; ok {
		t.Fatal("a dead group's state was kept")
	}
}

func TestDeleteTopicRemovesCommittedOffsets(t *testing.T) {
	b, _ := newTest(t, Config{})
	mustCreate(t, b, "gone", 2, TopicConfig{})
	mustCreate(t, b, "kept", 1, TopicConfig{})
	b.StoreCommittedOffset("only-gone", TopicPartition{"gone", 0}, OffsetAndMetadata{Offset: 1})
	b.StoreCommittedOffset("only-gone", TopicPartition{"gone", 1}, OffsetAndMetadata{Offset: 1})
	b.StoreCommittedOffset("mixed", TopicPartition{"gone", 0}, OffsetAndMetadata{Offset: 1})
	b.StoreCommittedOffset("mixed", TopicPartition{"kept", 0}, OffsetAndMetadata{Offset: 3})
	b.StoreCommittedOffset("active", TopicPartition{"gone", 0}, OffsetAndMetadata{Offset: 1})
	b.MarkGroupActive("active")
	b.StoreCommittedOffset("other", TopicPartition{"kept", 0}, OffsetAndMetadata{Offset: 4})
	var events []string
	b.OnOffsetsExpired(func(g string, all bool) { events = append(events, fmt.Sprintf("%s %t", g, all)) })
	if err := b.DeleteTopic("gone"); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(events) != "[active true mixed false only-gone true]" {
		t.Fatalf("events %v", events)
	}
	if fmt.Sprint(b.OffsetGroups()) != "[mixed other]" {
		t.Fatalf("groups %v", b.OffsetGroups())
	}
	// The active group's mark survives losing all its offsets.
	if b.groups["active"] == nil || b.groups["active"].mode != modeActive {
		t.Fatal("active group's mark dropped")
	}
}
