package broker

import "github.com/kafkasim/kafkasim/internal/kerr"

// Reader fetches from one partition, keeping the partition it found so that
// repeated fetches (a consumer polling an assigned partition) do not look
// the topic up by name each time. A Reader behaves exactly like FetchInto
// with the same TopicPartition: it finds the topic again when it was
// deleted (or not there yet), so a topic deleted and created again under
// the same name is read from its new log.
//
// The zero Reader is not usable; get one with Broker.Reader.
type Reader struct {
	b  *Broker
	tp TopicPartition
	t  *topic // nil until found; dropped when deleted
	l  *plog
}

// Reader returns a Reader of tp. The partition need not exist yet.
func (b *Broker) Reader(tp TopicPartition) Reader { return Reader{b: b, tp: tp} }

// TopicPartition is the partition r reads.
func (r *Reader) TopicPartition() TopicPartition { return r.tp }

// log returns r's partition, finding it again if it is not known or its
// topic was deleted.
func (r *Reader) log() (*plog, error) {
	if r.t != nil && !r.t.deleted {
		return r.l, nil
	}
	r.t, r.l = nil, nil
	t, ok := r.b.topic(r.tp.Topic)
	if !ok || r.tp.Partition < 0 || int(r.tp.Partition) >= len(t.parts) {
		return nil, errorf(kerr.UnknownTopicOrPart, "%s", r.tp)
	}
	r.t, r.l = t, t.parts[r.tp.Partition]
	return r.l, nil
}

// Idle reports, cheaply, whether a fetch at offset would find nothing new:
// the broker is up, the partition known and offset is its high watermark.
// FetchBatch would then only report the watermarks: the log start is
// returned, the high watermark is offset. A Reader that has not fetched yet
// (or whose topic was deleted) is never idle.
func (r *Reader) Idle(offset int64) (logStart int64, idle bool) {
	if r.t == nil || r.t.deleted || !r.b.up || offset != r.l.hw {
		return 0, false
	}
	return r.l.logStart, true
}

// FetchBatch is FetchInto without materialising the records: the fetched
// range goes to *bt (replacing what it held), to read record by record with
// Batch.Next, and res.Records is nil. The watermarks and errors are
// FetchInto's.
func (r *Reader) FetchBatch(bt *Batch, offset int64, maxRecords, maxBytes int) (res FetchResult, err error) {
	if !r.b.up {
		return FetchResult{}, errorf(ErrUnavailable, "fetch %s", r.tp)
	}
	l, err := r.log()
	if err != nil {
		return FetchResult{}, err
	}
	res = FetchResult{HighWatermark: l.hw, LogStartOffset: l.logStart}
	if offset < l.logStart || offset > l.hw {
		return res, errorf(kerr.OffsetOutOfRange, "fetch %s at offset %d, log is [%d, %d]", r.tp, offset, l.logStart, l.hw)
	}
	if offset == l.hw {
		bt.Reset()
		return res, nil
	}
	bt.v = l.logView
	bt.next, bt.end = offset, l.fetchEnd(offset, maxRecords, maxBytes)
	return res, nil
}

// Batch is the records of one fetch (Reader.FetchBatch), read one at a time
// with Next instead of materialised at once. It reads the log as it was
// when fetched: records deleted meanwhile (retention, DeleteRecords) are
// still returned, as a fetched batch held by a client would be. The zero
// Batch is empty.
type Batch struct {
	v         logView
	next, end int64
}

// Len is the number of records left.
func (bt *Batch) Len() int { return int(bt.end - bt.next) }

// Next returns the next record, aliasing broker memory (read-only, as
// Fetch's records), and whether there was one. Once the last record is read
// bt lets go of the log (the record still refers to its memory).
func (bt *Batch) Next() (r Record, ok bool) {
	if bt.next >= bt.end {
		return r, false
	}
	o := bt.next
	bt.next++
	r = bt.v.record(o, bt.v.rec(o))
	if bt.next == bt.end {
		bt.v = logView{}
	}
	return r, true
}

// Reset empties bt, letting go of the log memory it refers to.
func (bt *Batch) Reset() {
	if bt.v.pages != nil {
		bt.v = logView{}
	}
	bt.next, bt.end = 0, 0
}
