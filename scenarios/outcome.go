package scenarios

import (
	"reflect"
	"sync"
)

// Verdict is a message's outcome, as docs/guarantees.md defines it.
type Verdict string

// Verdicts.
const (
	OK          Verdict = "OK"          // one delivery, one effect
	Redelivered Verdict = "REDELIVERED" // one effect, delivered two or more times
	Duplicated  Verdict = "DUPLICATED"  // the side effect happened two or more times
	Lost        Verdict = "LOST"        // no effect, and the group committed past it
	Pending     Verdict = "PENDING"     // no effect, not committed past: lag, not loss
)

// Flag marks an anomaly beside a message's verdict, or a commit-level finding.
type Flag string

// Flags.
const (
	FlagSkip                Flag = "SKIP"                  // within one epoch deliveries jumped forward
	FlagNonMonotonic        Flag = "NONMONOTONIC"          // within one epoch deliveries went back
	FlagReordered           Flag = "REORDERED"             // an effect happened before the first effect of an earlier offset
	FlagCommittedTooFar     Flag = "COMMITTED-TOO-FAR"     // an accepted commit covered it before it had an effect
	FlagCommitBeyondEnd     Flag = "COMMIT-BEYOND-END"     // an accepted commit past the log end
	FlagStaleCommitAccepted Flag = "STALE-COMMIT-ACCEPTED" // a fenced member's commit took effect (a simulator bug)
	FlagCommitRegression    Flag = "COMMIT-REGRESSION"     // the committed offset moved backwards (warning)
)

// CauseKind names why a message was lost or duplicated. The values are stable.
type CauseKind string

// Causes of LOST and DUPLICATED messages.
const (
	CauseCrashBeforeCommit  CauseKind = "crash-before-commit"  // processed, then the consumer crashed before a commit covered it
	CauseCrashAfterCommit   CauseKind = "crash-after-commit"   // a commit covered it, then the consumer crashed before processing finished
	CauseCloseAhead         CauseKind = "close-ahead"          // close committed past a message not processed
	CauseRevokeBeforeCommit CauseKind = "revoke-before-commit" // the partition was revoked before its processed offset was committed
	CauseZombieSession      CauseKind = "zombie-session"       // the member was removed at session.timeout.ms but kept processing
	CauseZombiePoll         CauseKind = "zombie-poll-interval" // the member exceeded max.poll.interval.ms but kept processing
	CauseCommitRejected     CauseKind = "commit-rejected"      // the commit covering it was rejected (ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS, ...)
	CauseAsyncDropped       CauseKind = "async-commit-dropped" // an asynchronous commit covering it failed and was not retried
	CauseProcessingFailed   CauseKind = "processing-failed"    // processing failed and a later commit moved past it
	CauseNeverDelivered     CauseKind = "never-delivered"      // the group moved past it without reading it (offset reset, expiry)
	CauseNoCommit           CauseKind = "no-commit"            // nothing ever committed its processing
	CauseUnknown            CauseKind = "unknown"
)

// MessageRef names a message in a group's view.
type MessageRef struct {
	Group     string `json:"group"`
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
}

// MessageOutcome is what happened to one produced message in one consumer
// group. A scenario with two groups reading a topic has two outcomes per
// message.
type MessageOutcome struct {
	Group     string `json:"group"`
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	Key       string `json:"key,omitempty"`
	// Deliveries is how many times poll handed it to a consumer of the group.
	Deliveries int `json:"deliveries"`
	// Effects is how many times its side effect completed (an idempotent
	// store that skipped a repeat does not count).
	Effects int `json:"effects"`
	// Outcome is the verdict.
	Outcome Verdict `json:"outcome"`
	// Flags are anomalies beside the verdict, sorted.
	Flags []Flag `json:"flags,omitempty"`
	// CauseKind and Cause explain a LOST or DUPLICATED verdict (and a flag,
	// when there is one worth explaining): the kind is stable, the text is a
	// sentence for people.
	CauseKind CauseKind `json:"cause_kind,omitempty"`
	Cause     string    `json:"cause,omitempty"`
	// DeliveredTo lists the consumers it was delivered to, in order.
	DeliveredTo []string `json:"delivered_to,omitempty"`
}

// Ref is the message's reference.
func (m *MessageOutcome) Ref() MessageRef {
	return MessageRef{m.Group, m.Topic, m.Partition, m.Offset}
}

// Counts counts messages by verdict.
type Counts struct {
	OK          int `json:"ok"`
	Redelivered int `json:"redelivered"`
	Duplicated  int `json:"duplicated"`
	Lost        int `json:"lost"`
	Pending     int `json:"pending"`
}

// Finding is an anomaly not tied to a single message, such as a commit past
// the log end.
type Finding struct {
	Flag      Flag   `json:"flag"`
	Group     string `json:"group"`
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	// Seq is the timeline event that shows it.
	Seq    int    `json:"seq"`
	Detail string `json:"detail"`
}

// Outcome classifies every produced message of a run, for every group that
// reads its topic, in (group, topic, partition, offset) order. Its
// messages are a method, Messages: a run's outcome counts every verdict
// and lists the LOST and DUPLICATED messages as it is classified, and
// writes the full list of MessageOutcomes only when asked for it (most
// programs that run many scenarios read the counts only). The zero
// Outcome has no messages.
type Outcome struct {
	Lost       []MessageRef `json:"lost"`
	Duplicated []MessageRef `json:"duplicated"`
	Counts     Counts       `json:"counts"`
	Findings   []Finding    `json:"findings"`
	msgs       *messageList
}

// messageList is an Outcome's messages: given, or written on first use
// by the classifier that judged them.
type messageList struct {
	mu   sync.Mutex
	list []MessageOutcome
	c    *classifier // the classifier to write list from; nil once written
}

// Messages returns the outcome of every message, in (group, topic,
// partition, offset) order (of the notable ones only for a run with
// Options.OnlyNotable). The first call on a run's Outcome writes the
// list from the run's classification; later calls, and calls on copies
// of the Outcome, return the same slice. It belongs to the Outcome: read
// it, do not modify it. Safe for concurrent use.
func (o Outcome) Messages() []MessageOutcome {
	if o.msgs == nil {
		return nil
	}
	return o.msgs.get()
}

// get is the list, written on first use.
func (m *messageList) get() []MessageOutcome {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c := m.c; c != nil {
		m.list = c.writeAll()
		m.c = nil
	}
	return m.list
}

// each calls fn with every message's outcome, in order, until fn returns
// false. A list not written yet is not kept: each writes it a partition
// at a time into one buffer (a big run's writers need not hold every
// outcome at once). fn must not call Messages.
func (m *messageList) each(fn func(*MessageOutcome) bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.c != nil {
		m.c.writeEach(fn)
		return
	}
	for i := range m.list {
		if !fn(&m.list[i]) {
			return
		}
	}
}

// eachMessage is messageList.each of o's messages (none for the zero
// Outcome).
func (o *Outcome) eachMessage(fn func(*MessageOutcome) bool) {
	if o.msgs != nil {
		o.msgs.each(fn)
	}
}

// noMessages reports whether o has no list of messages, not even an
// empty one (JSON null).
func (o *Outcome) noMessages() bool {
	if o.msgs == nil {
		return true
	}
	o.msgs.mu.Lock()
	defer o.msgs.mu.Unlock()
	return o.msgs.c == nil && o.msgs.list == nil
}

// messageCount is how many messages Messages returns, without writing
// them: every message of a run's outcome has one verdict, counted.
func (o *Outcome) messageCount() int {
	if o.msgs == nil {
		return 0
	}
	o.msgs.mu.Lock()
	defer o.msgs.mu.Unlock()
	if o.msgs.c == nil {
		return len(o.msgs.list)
	}
	n := o.Counts
	return n.OK + n.Redelivered + n.Duplicated + n.Lost + n.Pending
}

// release gives the room of a classifier still kept for the messages to
// the next classification (Result.Release).
func (o *Outcome) release() {
	if m := o.msgs; m != nil {
		m.mu.Lock()
		if m.c != nil {
			m.c.putSlab()
			m.c = nil
		}
		m.mu.Unlock()
	}
}

// SetMessages replaces the messages, for an Outcome built by hand (a test
// fixture, a history judged elsewhere). It does not recompute Counts,
// Lost or Duplicated.
func (o *Outcome) SetMessages(msgs []MessageOutcome) { o.msgs = &messageList{list: msgs} }

// Equal reports whether o and p hold the same messages, lists, counts
// and findings; a nil list and an empty one are equal. (github.com/google/go-cmp
// uses it to compare Outcomes.)
func (o Outcome) Equal(p Outcome) bool {
	return o.Counts == p.Counts && equalList(o.Messages(), p.Messages()) &&
		equalList(o.Lost, p.Lost) && equalList(o.Duplicated, p.Duplicated) && equalList(o.Findings, p.Findings)
}

// equalList is reflect.DeepEqual of a and b, with nil and empty equal.
func equalList[T any](a, b []T) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}

// Find returns the outcome of a message in a group, or nil.
func (o *Outcome) Find(group, topic string, partition int32, offset int64) *MessageOutcome {
	msgs := o.Messages()
	for i := range msgs {
		m := &msgs[i]
		if m.Group == group && m.Topic == topic && m.Partition == partition && m.Offset == offset {
			return m
		}
	}
	return nil
}
