// Package consumerstate is the consumer bookkeeping client/sim and
// client/kafka share: the offset a message commits, storing offsets of
// assigned partitions, answering Position, spreading a commit's result
// over its partitions, and the rebalance events and hooks. It keeps no
// state: each backend keeps its own partitions and passes lookups, so the
// simulator stays deterministic and the real client keeps its locking.
package consumerstate

import (
	"fmt"
	"slices"

	"github.com/kafkasim/kafkasim/client"
)

// MessageOffset is what committing or storing m covers: its partition at
// m's offset + 1.
func MessageOffset(m *client.Message) []client.TopicPartition {
	tp := m.TopicPartition
	return []client.TopicPartition{{Topic: tp.Topic, Partition: tp.Partition, Offset: tp.Offset + 1}}
}

// Store does StoreOffsets' per-partition work. store records tp's offset
// and metadata and reports whether tp is assigned; one that is not gets an
// ErrState error. Store returns a copy of offsets carrying each
// partition's error, the ones stored, and the first error.
func Store(offsets []client.TopicPartition, store func(tp client.TopicPartition) bool) (out, stored []client.TopicPartition, firstErr error) {
	out = slices.Clone(offsets)
	for i, tp := range out {
		if !store(tp) {
			out[i].Error = client.NewError(client.ErrState, fmt.Sprintf("%s is not assigned", tp.Key()), false)
			if firstErr == nil {
				firstErr = out[i].Error
			}
			continue
		}
		out[i].Error = nil
		stored = append(stored, out[i])
	}
	return out, stored, firstErr
}

// StoredHook reports offsets stored by StoreOffsets (Auto false) to hooks;
// nothing when none were.
func StoredHook(hooks client.Hooks, info func() client.Info, stored []client.TopicPartition) {
	if len(stored) == 0 || len(hooks) == 0 {
		return
	}
	ev := client.OffsetsStored{Info: info(), Offsets: stored}
	client.Each(hooks, func(h client.HookOffsetsStored) { h.OnOffsetsStored(ev) })
}

// Positions answers Position: pos gives a partition's position and
// whether it is assigned. A partition not assigned, or whose position is
// not known yet (negative, a logical offset), is at OffsetInvalid.
func Positions(partitions []client.TopicPartition, pos func(client.PartitionKey) (client.Offset, bool)) []client.TopicPartition {
	out := make([]client.TopicPartition, len(partitions))
	for i, tp := range partitions {
		out[i] = client.TopicPartition{Topic: tp.Topic, Partition: tp.Partition, Offset: client.OffsetInvalid}
		if p, ok := pos(tp.Key()); ok && p >= 0 {
			out[i].Offset = p
		}
	}
	return out
}

// CommitResult spreads a commit's result over offs: err (the request's
// error, nil if it was answered) on every partition, unless parts has a
// partition's own error. It returns the commit's error: err, or else the
// first partition error in the order of offs.
func CommitResult(offs []client.TopicPartition, err error, parts map[client.PartitionKey]error) error {
	for i := range offs {
		offs[i].Error = err
		if pe := parts[offs[i].Key()]; pe != nil {
			offs[i].Error = pe
			if err == nil {
				err = pe
			}
		}
	}
	return err
}

// Delivered reports a message handed to the app to hooks, and stored,
// when not empty, as the offset enable.auto.offset.store stored for it.
func Delivered(hooks client.Hooks, info client.Info, m *client.Message, stored []client.TopicPartition) {
	client.Each(hooks, func(h client.HookMessageDelivered) {
		h.OnMessageDelivered(client.MessageDelivered{Info: info, Message: m, Stored: len(stored) > 0})
	})
	if len(stored) > 0 {
		client.Each(hooks, func(h client.HookOffsetsStored) {
			h.OnOffsetsStored(client.OffsetsStored{Info: info, Offsets: stored, Auto: true})
		})
	}
}

// DeliveryHooks are the hooks told about deliveries, picked out of a
// client's hooks once (client.Of) instead of on every message. The client
// calls them itself, as Delivered does (client/sim's deliver: building
// each event in place costs less than passing its parts through a call).
type DeliveryHooks struct {
	Delivered []client.HookMessageDelivered
	Stored    []client.HookOffsetsStored
}

// NewDeliveryHooks picks the delivery hooks out of hooks.
func NewDeliveryHooks(hooks client.Hooks) DeliveryHooks {
	return DeliveryHooks{Delivered: client.Of[client.HookMessageDelivered](hooks), Stored: client.Of[client.HookOffsetsStored](hooks)}
}

// Any reports whether there is a hook to tell.
func (d *DeliveryHooks) Any() bool { return len(d.Delivered)+len(d.Stored) > 0 }

// StillAssigned keeps the partitions of a revoke step that are still
// assigned: only those can be revoked. The result is a new slice.
func StillAssigned(parts []client.TopicPartition, assigned func(client.PartitionKey) bool) []client.TopicPartition {
	live := parts[:0:0]
	for _, tp := range parts {
		if assigned(tp.Key()) {
			live = append(live, tp)
		}
	}
	return live
}

// RebalanceEvent is the event of a rebalance step, with its own copy of
// parts: AssignedPartitions, or RevokedPartitions (Lost when the
// assignment was lost).
func RebalanceEvent(assign bool, parts []client.TopicPartition, lost bool) client.Event {
	parts = slices.Clone(parts)
	if assign {
		return client.AssignedPartitions{Partitions: parts}
	}
	return client.RevokedPartitions{Partitions: parts, Lost: lost}
}

// RebalanceHook reports an assignment change of kind k to hooks, each
// with its own copy of tps.
func RebalanceHook(hooks client.Hooks, info client.Info, k client.RebalanceKind, tps []client.TopicPartition, proto string, manual bool) {
	client.Each(hooks, func(h client.HookRebalance) {
		h.OnRebalance(client.Rebalance{Info: info, Kind: k, Partitions: slices.Clone(tps), Protocol: proto, Manual: manual})
	})
}
