package consumerstate

import (
	"errors"
	"testing"

	"github.com/kafkasim/kafkasim/client"
)

func tp(p int32, off client.Offset) client.TopicPartition {
	return client.TopicPartition{Topic: "t", Partition: p, Offset: off}
}

func TestMessageOffset(t *testing.T) {
	got := MessageOffset(&client.Message{TopicPartition: tp(1, 41)})
	if len(got) != 1 || got[0] != tp(1, 42) {
		t.Fatalf("MessageOffset = %v", got)
	}
}

func TestStore(t *testing.T) {
	kept := map[client.PartitionKey]client.Offset{}
	out, stored, err := Store([]client.TopicPartition{tp(0, 5), tp(9, 7), tp(1, 3)}, func(x client.TopicPartition) bool {
		if x.Partition == 9 {
			return false
		}
		kept[x.Key()] = x.Offset
		return true
	})
	if len(stored) != 2 || len(kept) != 2 || stored[1] != tp(1, 3) {
		t.Fatalf("stored %v kept %v", stored, kept)
	}
	if !errors.Is(err, client.ErrState) || out[1].Error != err || out[0].Error != nil {
		t.Fatalf("err %v out %v", err, out)
	}
}

func TestPositions(t *testing.T) {
	pos := map[client.PartitionKey]client.Offset{{Topic: "t", Partition: 0}: 4, {Topic: "t", Partition: 1}: client.OffsetStored}
	got := Positions([]client.TopicPartition{tp(0, 0), tp(1, 0), tp(2, 0)}, func(k client.PartitionKey) (client.Offset, bool) {
		p, ok := pos[k]
		return p, ok
	})
	want := []client.TopicPartition{tp(0, 4), tp(1, client.OffsetInvalid), tp(2, client.OffsetInvalid)}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Positions = %v, want %v", got, want)
		}
	}
}

func TestCommitResult(t *testing.T) {
	pe := client.NewError(client.ErrState, "", false)
	offs := []client.TopicPartition{tp(0, 1), tp(1, 1)}
	if err := CommitResult(offs, nil, map[client.PartitionKey]error{tp(1, 0).Key(): pe}); err != pe || offs[0].Error != nil || offs[1].Error != pe {
		t.Fatalf("err %v offs %v", err, offs)
	}
	whole := client.NewError(client.ErrTimedOut, "", false)
	if err := CommitResult(offs, whole, nil); err != whole || offs[0].Error != whole || offs[1].Error != whole {
		t.Fatalf("err %v offs %v", err, offs)
	}
}

func TestStillAssignedAndEvent(t *testing.T) {
	parts := []client.TopicPartition{tp(0, 0), tp(1, 0)}
	live := StillAssigned(parts, func(k client.PartitionKey) bool { return k.Partition == 1 })
	if len(live) != 1 || live[0] != tp(1, 0) || parts[0] != tp(0, 0) {
		t.Fatalf("live %v parts %v", live, parts)
	}
	ev, ok := RebalanceEvent(false, live, true).(client.RevokedPartitions)
	if !ok || !ev.Lost || len(ev.Partitions) != 1 {
		t.Fatalf("event %v", ev)
	}
	ev.Partitions[0].Offset = 9
	if live[0].Offset != 0 {
		t.Fatal("event shares the caller's slice")
	}
	if _, ok := RebalanceEvent(true, live, false).(client.AssignedPartitions); !ok {
		t.Fatal("assign step is not AssignedPartitions")
	}
}

// deliveryLog records delivery hook calls.
type deliveryLog struct{ calls []string }

func (d *deliveryLog) OnMessageDelivered(m client.MessageDelivered) {
	d.calls = append(d.calls, "delivered "+m.Message.TopicPartition.String()+map[bool]string{true: " stored", false: ""}[m.Stored])
}

func (d *deliveryLog) OnOffsetsStored(s client.OffsetsStored) {
	d.calls = append(d.calls, "stored "+client.TopicPartitions(s.Offsets).String()+map[bool]string{true: " auto", false: ""}[s.Auto])
}

// onlyDelivered implements one of the two hooks.
type onlyDelivered struct{ n int }

func (o *onlyDelivered) OnMessageDelivered(client.MessageDelivered) { o.n++ }

// NewDeliveryHooks picks both kinds of delivery hook, and only those.
func TestDeliveryHooksPicked(t *testing.T) {
	b, o := &deliveryLog{}, &onlyDelivered{}
	d := NewDeliveryHooks(client.Hooks{b, "not a hook", o})
	if !d.Any() || len(d.Delivered) != 2 || len(d.Stored) != 1 {
		t.Fatalf("picked %+v", d)
	}
	if d := NewDeliveryHooks(client.Hooks{"x"}); d.Any() {
		t.Fatal("no hooks, yet Any")
	}
}
