package broker

import "time"

// Appender appends records to one topic, one at a time, for a caller
// appending many at one instant (a producer sending its queue): the topic
// is looked up once, not by name for every record, and a record needs no
// Record built for it. Each call behaves exactly as the Broker call it
// stands for (Partitions, Produce of that one record), errors included:
// whatever is not the plain case (the cluster down, an unknown or deleted
// topic, a partition out of range) goes through that call.
//
// An Appender stays correct whatever happens to the broker between calls
// (topics deleted, created again or grown, the cluster going down): it
// checks what it holds at every call. The zero Appender appends to
// nothing; make one with Broker.Appender.
type Appender struct {
	b    *Broker
	name string
	t    *topic // the topic found for name; nil: none (yet)
}

// Appender returns an Appender for topic name (which need not exist yet:
// Append creates it as Produce would).
func (b *Broker) Appender(name string) Appender {
	a := Appender{b: b, name: name}
	a.t, _ = b.topic(name)
	return a
}

// Topic is the name of the Appender's topic.
func (a *Appender) Topic() string { return a.name }

// live is the topic, if it still is the one named (not deleted).
func (a *Appender) live() *topic {
	if t := a.t; t != nil && !t.deleted {
		return t
	}
	return nil
}

// Partitions is Broker.Partitions of the Appender's topic.
func (a *Appender) Partitions() (int32, error) {
	if t := a.live(); t != nil {
		return int32(len(t.parts)), nil
	}
	n, err := a.b.Partitions(a.name)
	if err == nil {
		a.t, _ = a.b.topic(a.name)
	}
	return n, err
}

// Append is Broker.Produce of one record with no headers: key, value and
// timestamp ts (zero: the clock's now) appended to partition, its offset
// returned.
func (a *Appender) Append(partition int32, key, value []byte, ts time.Time) (int64, error) {
	b := a.b
	t := a.live()
	if t == nil || !b.up || partition < 0 || int(partition) >= len(t.parts) {
		// Not the plain case: Produce says what happens (an error, or a
		// topic created), and the topic is looked up again.
		rec := [1]Record{{Key: key, Value: value, Timestamp: ts}}
		off, err := b.Produce(a.name, partition, rec[:])
		a.t, _ = b.topic(a.name)
		return off, err
	}
	if ts.IsZero() {
		ts = b.clk.Now()
	}
	b.version++
	return t.parts[partition].appendOne(key, value, ts.UnixNano()), nil
}
