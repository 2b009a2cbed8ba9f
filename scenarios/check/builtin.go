package check

import (
	"context"
	"errors"
	"time"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/sim"
	"github.com/kafkasim/kafkasim/scenarios"
)

// The Handler API as an App: the poll loop of a Strategy, written as an
// ordinary Go consumer loop over client.Consumer and run by the same
// engine as a user's App. It is the scenario runner's model of a
// consumer app (scenarios/app.go) step for step, so that a counterexample
// written as a scenario file replays under `kafkasim run`: a burst of up
// to maxBurst Poll(0) calls, an idle wait of poll_idle when nothing comes,
// the processing time, the commit delay, the commit the strategy makes.
// It runs in lockstep, where it can read its incarnation's state directly
// (one goroutine runs at a time): a stall stops it between steps, as the
// model's does, instead of hanging a call.

const (
	maxBurst           = 64          // scenarios.app: non-message events handled at one instant
	commitRetryBackoff = time.Second // scenarios.app: after a failed commit-before-process
)

// errClosed ends a built-in app's loop: its incarnation closed or died.
var errClosed = errors.New("closed")

// builtinApp is the App of a Handler.
func builtinApp(h Handler) App {
	return func(ctx context.Context, c client.Consumer, rec Recorder) error {
		r, ok := rec.(*recorder)
		sc, ok2 := c.(*sim.Consumer)
		if !ok || !ok2 {
			return errors.New("kafkasim/check: a built-in app runs only inside the check")
		}
		b := &builtin{h: h, inc: r.inc, rec: r, c: sc, d: r.inc.m.w.d, spec: r.inc.m.spec,
			pending: map[client.PartitionKey]client.Offset{}}
		b.p = &b.spec.Processing
		r.inc.onRemoved = func(tps []scenarios.TP) {
			for _, tp := range tps {
				delete(b.pending, client.PartitionKey{Topic: tp.Topic, Partition: tp.Partition})
			}
		}
		err := b.run()
		if errors.Is(err, errClosed) {
			return nil
		}
		return err
	}
}

type builtin struct {
	h    Handler
	inc  *incarnation
	rec  *recorder
	c    *sim.Consumer
	d    *sim.Driver
	spec *scenarios.Consumer
	p    *scenarios.Processing
	// every-N: processed, not committed
	pending    map[client.PartitionKey]client.Offset
	sinceN     int
	retryLater bool
}

func (b *builtin) run() error {
	if err := b.c.SubscribeTopics(b.spec.Topics, nil); err != nil {
		return err
	}
	if err := b.idle(0); err != nil {
		return err
	}
	for {
		if err := b.step(); err != nil {
			return err
		}
	}
}

// gone reports whether the incarnation died.
func (b *builtin) gone() bool { return b.inc.crashed || !b.inc.running }

// idle waits d between steps (a step at +d, as the model schedules it); a
// close ends the wait at once, a stall cancels the next step until the
// app resumes (then it comes at once, at +0).
func (b *builtin) idle(d time.Duration) error {
	inc := b.inc
	b.d.Await(func() bool { return b.gone() || inc.closing || inc.stalled }, d)
	if b.gone() {
		return errClosed
	}
	if inc.stalled && !inc.closing {
		b.d.Await(func() bool { return b.gone() || inc.closing || !inc.stalled }, -1)
		if b.gone() {
			return errClosed
		}
		if !inc.closing {
			// The model's resume schedules the next step at +0.
			b.d.Await(b.gone, 0)
			if b.gone() {
				return errClosed
			}
			return nil
		}
	}
	if inc.closing {
		return b.close()
	}
	return nil
}

// busy waits d while the app works on a message (processing, the delay
// before its commit). A stall that is on when the work is done holds the
// app there until it resumes; a close then drops the message (abandon).
func (b *builtin) busy(d time.Duration) error {
	inc := b.inc
	if d > 0 {
		b.d.Await(b.gone, d)
	}
	if b.gone() {
		return errClosed
	}
	if inc.stalled && !inc.closing {
		b.d.Await(func() bool { return b.gone() || inc.closing || !inc.stalled }, -1)
		if b.gone() {
			return errClosed
		}
	}
	if inc.abandon {
		return b.close()
	}
	return nil
}

// step is one turn of the loop: poll, and process what comes.
func (b *builtin) step() error {
	for range maxBurst {
		ev := b.c.Poll(0)
		if b.gone() {
			return errClosed
		}
		switch e := ev.(type) {
		case nil:
			return b.idle(b.spec.PollIdle)
		case *client.Message:
			timed, err := b.process(e)
			if err != nil {
				return err
			}
			if b.retryLater {
				b.retryLater = false
				return b.idle(commitRetryBackoff)
			}
			if b.inc.closing {
				return b.close()
			}
			if timed {
				return b.idle(0)
			}
			continue // processed at once: keep polling in this turn
		}
		if b.inc.closing {
			return b.close()
		}
	}
	return b.idle(b.spec.PollIdle)
}

// process handles one message; timed reports whether virtual time passed
// (the next poll is then a step of its own).
func (b *builtin) process(m *client.Message) (timed bool, err error) {
	if b.p.Commit == scenarios.StrategyBeforeProcess {
		t0 := b.inc.m.w.now()
		cerr := b.commitMsg(m, scenarios.CommitBeforeProcess)
		timed = b.inc.m.w.now() != t0
		if b.gone() {
			return timed, errClosed
		}
		if cerr != nil && !b.p.Async {
			// At-most-once: what could not be committed is not
			// processed. Seek back to it and try again a little later.
			b.rec.record(m, scenarios.KindProcessFailed, "not processed: its commit before processing failed ("+client.ErrorFrom(cerr).Code().String()+
				"); the app seeks back and retries in "+scenarios.FormatDuration(commitRetryBackoff), true)
			_ = b.c.Seek(client.TopicPartition{Topic: m.TopicPartition.Topic, Partition: m.TopicPartition.Partition, Offset: m.TopicPartition.Offset}, 0)
			if b.inc.closing {
				return timed, b.close()
			}
			b.retryLater = true
			return timed, nil
		}
	}
	if d := b.p.Time; d > 0 {
		timed = true
		if err := b.busy(d); err != nil {
			return timed, err
		}
	}
	if b.h.Process != nil {
		perr := b.h.Process(context.Background(), m)
		if perr != nil && !errors.Is(perr, ErrSkipped) {
			b.rec.record(m, scenarios.KindProcessFailed, "processing failed: "+perr.Error()+"; on_failure: "+scenarios.FailSkip, true)
			return timed, nil
		}
		if perr != nil {
			b.rec.record(m, scenarios.KindEffectSkipped, "the app skipped it: already processed", true)
			return b.afterEffect(m, timed)
		}
	}
	if b.p.Idempotent {
		b.idempotent(m)
	} else {
		b.rec.record(m, scenarios.KindEffect, "", true)
	}
	return b.afterEffect(m, timed)
}

// idempotent records m's effect unless the group's store has seen it.
func (b *builtin) idempotent(m *client.Message) {
	inc := b.inc
	w := inc.m.w
	id := msgID{scenarios.TP{Topic: m.TopicPartition.Topic, Partition: m.TopicPartition.Partition}, int64(m.TopicPartition.Offset)}
	if w.seen[id] {
		b.rec.record(m, scenarios.KindEffectSkipped, "already in the idempotent store: skipped", true)
		return
	}
	if b.rec.record(m, scenarios.KindEffect, "", true) {
		w.seen[id] = true
	}
}

// afterEffect waits the commit delay and applies the strategy.
func (b *builtin) afterEffect(m *client.Message, timed bool) (bool, error) {
	if b.inc.abandon {
		return timed, b.close()
	}
	p := b.p
	if p.CommitDelay > 0 && p.Commit != scenarios.StrategyAuto && p.Commit != scenarios.StrategyNone && p.Commit != scenarios.StrategyBeforeProcess {
		timed = true
		if err := b.busy(p.CommitDelay); err != nil {
			return timed, err
		}
	}
	t0 := b.inc.m.w.now()
	switch p.Commit {
	case scenarios.StrategyAfterEach:
		_ = b.commitMsg(m, scenarios.CommitManual) // a failed commit means redelivery, which after-each accepts
	case scenarios.StrategyStoreAfter:
		_, _ = b.c.StoreMessage(m)
	case scenarios.StrategyEvery:
		b.pending[m.TopicPartition.Key()] = m.TopicPartition.Offset + 1
		b.sinceN++
		if b.sinceN >= p.Every {
			b.flush()
		}
	}
	timed = timed || b.inc.m.w.now() != t0
	if b.gone() {
		return timed, errClosed
	}
	return timed, nil
}

// commitMsg commits m's offset + 1, labelled for the timeline.
func (b *builtin) commitMsg(m *client.Message, label string) error {
	b.inc.committing = label
	defer func() { b.inc.committing = "" }()
	if b.p.Async {
		return b.c.CommitMessageAsync(m)
	}
	_, err := b.c.CommitMessage(m)
	return err
}

// flush commits the processed offsets of the every-N strategy.
func (b *builtin) flush() {
	if len(b.pending) == 0 {
		return
	}
	offs := make([]client.TopicPartition, 0, len(b.pending))
	for _, k := range sortedPartitionKeys(b.pending) {
		offs = append(offs, client.TopicPartition{Topic: k.Topic, Partition: k.Partition, Offset: b.pending[k]})
	}
	clear(b.pending)
	b.sinceN = 0
	b.inc.committing = scenarios.CommitManual
	if b.p.Async {
		_ = b.c.CommitOffsetsAsync(offs)
	} else {
		_, _ = b.c.CommitOffsets(offs)
	}
	b.inc.committing = ""
}

// close is the graceful shutdown: the every-N strategy's last commit,
// then Close (revoke, auto-commit, LeaveGroup).
func (b *builtin) close() error {
	if b.gone() {
		return errClosed
	}
	if b.p.Commit == scenarios.StrategyEvery {
		b.flush()
	}
	_ = b.c.Close()
	return errClosed
}

func sortedPartitionKeys(m map[client.PartitionKey]client.Offset) []client.PartitionKey {
	out := make([]client.PartitionKey, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && (out[j].Topic < out[j-1].Topic || out[j].Topic == out[j-1].Topic && out[j].Partition < out[j-1].Partition); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
