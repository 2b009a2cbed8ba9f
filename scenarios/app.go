package scenarios

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/internal/clock"
)

// app is a consumer's application: the poll → process → commit loop,
// driven as clock events. Poll(0) runs inside clock callbacks; processing
// is a timer that fires when the message is done.
type app struct {
	r    *runner
	spec *Consumer
	c    client.Consumer
	// gen is c as a client with a Generation method, nil for others
	// (asserted once per client, not once per event; an interface
	// rather than the method value, whose call goes through a wrapper).
	gen interface{ Generation() int32 }
	// release gives a processed message back to c for reuse (the
	// simulator's Consumer.Release), nil when c cannot take it or when
	// the message went to Options.Process, which may keep it.
	release interface{ Release(*client.Message) }
	// commitLater: the commit strategy commits after CommitDelay, not at
	// once (see finish); plain: a processed message needs nothing but its
	// effect recorded (no failures to draw, no Options.Process, no
	// idempotent store, a strategy that does nothing after processing:
	// auto or none); beforeProcess: the strategy commits before
	// processing. Worked out once per client, not per message.
	commitLater, plain, beforeProcess bool
	// retryLater: a failed commit-before-process asks step to poll again
	// only after commitRetryBackoff.
	retryLater bool
	cfg        client.ConsumerConfig
	// inc counts client incarnations; timers of an old incarnation do
	// nothing.
	inc     int
	running bool // a client exists and has not crashed or closed
	started bool // the consumer has been started at least once
	stalled bool
	closing bool
	// processing
	cur      *client.Message
	curEnd   clock.Timer
	doneLate bool // processing finished while stalled
	effected bool // cur's effect happened; its commit is still to come
	tick     clock.Timer
	// stepFn runs step for the current incarnation (one closure per
	// client, not one per scheduled turn); doneFn ends the processing of
	// curMsg, the message whose processing timer curEnd is.
	stepFn, doneFn func()
	curMsg         *client.Message
	// inBurst: step is handing out messages processed at once; the next
	// turn is taken in step's loop instead of a scheduled event.
	inBurst bool
	// inProcessed: the end of a message's processing (processed) is
	// running, and afterMessage leaves the next turn to it (turnWanted),
	// which takes it right away when it would be the next event anyway.
	inProcessed, turnWanted bool
	// finishing: startProcessing is finishing messages processed at
	// once, in a loop; again asks it for another turn (a retry of the
	// message, processed at once too) instead of a call into finish
	// from inside finish, which a retry-forever app would make without
	// end.
	finishing, again bool
	// waiting: the app is blocked in a synchronous commit while the broker
	// is down (librdkafka waits for the coordinator); waitCont finishes
	// the commit and carries on (see waitForCoordinator).
	waiting   bool
	waitCont  func()
	waitTimer clock.Timer
	// commit bookkeeping
	committing string
	pending    map[client.PartitionKey]client.Offset // every-N: processed, not committed
	sinceN     int
	failed     map[msgID]bool
	// refs caches the strings of compact timeline entries (record.go).
	refs recRefs
}

func (a *app) alive() bool { return a.running }

func (a *app) ev(k Kind) Event {
	var e Event
	a.fill(&e, k)
	return e
}

// fill sets the consumer fields of an event of kind k.
func (a *app) fill(e *Event, k Kind) {
	e.Actor, e.Kind, e.Group, e.Generation, e.Partition, e.Offset = a.spec.ID, k, a.spec.Group, -1, -1, -1
	if a.c != nil {
		e.Member = a.c.MemberID()
		if a.gen != nil && e.Member != "" {
			e.Generation = a.gen.Generation()
		}
	}
}

// emitMsg records a message event of kind k (compact; k is recEffect),
// with the fields fill sets.
func (a *app) emitMsg(k recKind, m *client.Message) {
	r := a.r
	var x rec
	x.kind, x.gen, x.part, x.off = k, -1, m.TopicPartition.Partition, int64(m.TopicPartition.Offset)
	x.actor = r.strFixed(&a.refs.actor, a.spec.ID)
	x.group = r.strFixed(&a.refs.group, a.spec.Group)
	x.topic = r.str(&a.refs.topic, m.TopicPartition.Topic)
	if a.c != nil {
		member := a.c.MemberID()
		x.member = r.str(&a.refs.member, member)
		if a.gen != nil && member != "" {
			x.gen = a.gen.Generation()
		}
	}
	r.add(&x)
}

func (a *app) msgEv(k Kind, m *client.Message) Event {
	e := a.ev(k)
	e.Topic, e.Partition, e.Offset = m.TopicPartition.Topic, m.TopicPartition.Partition, int64(m.TopicPartition.Offset)
	return e
}

// scriptStart starts a consumer from the script; starting one that runs
// already is a no-op.
func (a *app) scriptStart() {
	if a.running {
		return
	}
	a.startClient(KindStart)
}

func (a *app) startClient(k Kind) {
	if a.running {
		return
	}
	conf := a.spec.Config.Clone()
	conf["group.id"] = a.spec.Group
	if _, ok := conf["client.id"]; !ok {
		conf["client.id"] = a.spec.ID
	}
	a.inc++
	a.started = true
	inc := a.inc
	a.stepFn = func() {
		if a.inc == inc {
			a.step()
		}
	}
	a.doneFn = func() {
		if a.inc == inc {
			a.processed()
		}
	}
	a.stalled, a.closing, a.cur, a.doneLate = false, false, nil, false
	a.waiting, a.waitCont = false, nil
	a.waitTimer.Stop()
	a.pending = map[client.PartitionKey]client.Offset{}
	a.sinceN = 0
	if a.failed == nil {
		a.failed = map[msgID]bool{}
	}
	e := a.ev(k)
	e.Detail = "subscribes to " + joinTopics(a.spec.Topics)
	a.r.emit(e)
	c, err := a.r.b.NewConsumer(conf, &recorder{r: a.r, actor: a.spec.ID, group: a.spec.Group, app: a})
	if err != nil {
		a.r.fail(err)
		return
	}
	a.c = c
	a.gen = nil
	if g, ok := c.(interface{ Generation() int32 }); ok {
		a.gen = g
	}
	a.release = nil
	if rl, ok := c.(interface{ Release(*client.Message) }); ok && a.r.process == nil {
		a.release = rl
	}
	p := &a.spec.Processing
	a.commitLater = p.CommitDelay > 0 && p.Commit != StrategyAuto && p.Commit != StrategyNone && p.Commit != StrategyBeforeProcess
	a.beforeProcess = p.Commit == StrategyBeforeProcess
	a.plain = len(p.FailOffsets) == 0 && p.FailProbability <= 0 && a.r.process == nil && !p.Idempotent &&
		!a.commitLater && (p.Commit == StrategyAuto || p.Commit == StrategyNone)
	if sc, ok := c.(interface{ Config() client.ConsumerConfig }); ok {
		a.cfg = sc.Config()
	} else {
		a.cfg, _ = client.ParseConsumerConfig(conf)
	}
	a.running = true
	if err := c.SubscribeTopics(a.spec.Topics, nil); err != nil {
		e := a.ev(KindClientErr)
		e.Error, e.Detail = errName(err), "subscribe: "+err.Error()
		a.r.emit(e)
	}
	a.schedule(0)
}

func joinTopics(ts []string) string {
	out := ""
	for i, t := range ts {
		if i > 0 {
			out += ", "
		}
		out += t
	}
	return out
}

// schedule runs the loop step d from now.
func (a *app) schedule(d time.Duration) {
	a.tick.Stop()
	a.tick = a.r.after(d, a.stepFn)
}

// commitRetryBackoff is how long a commit-before-process app waits before
// polling again after its commit failed.
const commitRetryBackoff = time.Second

// maxBurst bounds the non-message events handled at one instant.
const maxBurst = 64

// step is one turn of the poll loop: poll, and either start processing a
// message or poll again later.
func (a *app) step() {
	if !a.running || a.stalled || a.cur != nil || a.waiting {
		return
	}
	for range maxBurst {
		ev := a.c.Poll(0)
		if !a.running {
			return
		}
		switch e := ev.(type) {
		case nil:
			a.schedule(a.spec.PollIdle)
			return
		case *client.Message:
			a.inBurst = true
			if a.beforeProcess {
				a.process(e)
			} else {
				a.startProcessing(e) // (what process does then)
			}
			a.inBurst = false
			if a.retryLater {
				a.retryLater = false
				a.schedule(commitRetryBackoff)
				return
			}
			if a.cur != nil || !a.running || a.stalled || a.closing || a.waiting {
				return
			}
			// Processed at once: keep polling in this turn (afterMessage
			// did not schedule one).
			continue
		case client.PartitionEOF:
			x := a.ev(KindEOF)
			x.Topic, x.Partition, x.Offset = e.Topic, e.Partition, int64(e.Offset)
			x.Detail = "reached the end of the partition (enable.partition.eof)"
			a.r.emit(x)
		default:
			// Errors, commit results and rebalance events are recorded by
			// the hooks; the app keeps polling.
		}
		if a.closing {
			return
		}
	}
	a.schedule(a.spec.PollIdle)
}

// duration draws the processing time of one message.
func (a *app) duration() time.Duration {
	p := &a.spec.Processing
	if p.TimeMax > p.Time {
		// Whole milliseconds keep the timeline readable.
		span := int64((p.TimeMax - p.Time) / time.Millisecond)
		return p.Time + time.Duration(a.r.rnd.Int64N(span+1))*time.Millisecond
	}
	return p.Time
}

// commitMsg commits m's offset + 1. The error is a synchronous commit's
// (an asynchronous one's result comes later, as an event).
func (a *app) commitMsg(m *client.Message, label string) error {
	a.committing = label
	var err error
	if a.spec.Processing.Async {
		err = a.c.CommitMessageAsync(m)
	} else {
		_, err = a.c.CommitMessage(m)
	}
	a.committing = ""
	return err
}

func (a *app) process(m *client.Message) {
	if a.beforeProcess {
		commit := func() { a.committedBefore(m, a.commitMsg(m, CommitBeforeProcess)) }
		if a.waitForCoordinator(m.TopicPartition.String()+" before processing it", commit) {
			return
		}
		commit()
		return
	}
	a.startProcessing(m)
}

// committedBefore goes on after the commit-before-process of m returned
// err: at-most-once processing, or a seek back and a retry.
func (a *app) committedBefore(m *client.Message, err error) {
	if !a.running {
		return
	}
	if err != nil && !a.spec.Processing.Async {
		// At-most-once: what could not be committed is not processed
		// (it would run again wherever the partition goes next). The
		// app seeks back to it and tries again a little later.
		e := a.msgEv(KindProcessFailed, m)
		e.Detail = "not processed: its commit before processing failed (" + client.ErrorFrom(err).Code().String() +
			"); the app seeks back and retries in " + FormatDuration(commitRetryBackoff)
		a.r.emit(e)
		_ = a.c.Seek(client.TopicPartition{Topic: m.TopicPartition.Topic, Partition: m.TopicPartition.Partition, Offset: m.TopicPartition.Offset}, 0)
		if a.closing {
			a.doClose()
			return
		}
		if a.inBurst {
			a.retryLater = true // step's loop schedules the retry
			return
		}
		a.schedule(commitRetryBackoff)
		return
	}
	a.startProcessing(m)
}

// startProcessing makes m the message in hand and processes it.
func (a *app) startProcessing(m *client.Message) {
	a.cur = m
	d := a.spec.Processing.Time
	if a.spec.Processing.TimeMax > d {
		d = a.duration()
	}
	if d == 0 {
		// Instant processing: no timer needed.
		if a.finishing {
			a.again = true // a retry from inside finish: the loop below takes it
			return
		}
		a.finishing = true
		for {
			a.again = false
			a.finish()
			if !a.again || a.r.stopped {
				break
			}
		}
		a.finishing, a.again = false, false
		return
	}
	a.curMsg = m
	a.curEnd = a.r.after(d, a.doneFn)
}

// processed is the end of the processing of curMsg (doneFn, a timer of
// the incarnation that started it).
func (a *app) processed() {
	if a.cur != a.curMsg {
		return
	}
	if a.stalled {
		a.doneLate = true
		return
	}
	if a.plain {
		// finish, afterCommit and afterMessage for a plain app (see
		// finish), written out: the effect, then the next turn, taken
		// once m is released.
		m := a.cur
		a.emitMsg(recEffect, m)
		a.cur = nil
		want := false
		if a.running {
			if a.closing {
				a.doClose()
			} else {
				a.tick.Stop()
				want = true
			}
		}
		a.releaseDone(m)
		if want {
			a.turn()
		}
		return
	}
	a.inProcessed = true
	a.finish()
	a.inProcessed = false
	if a.turnWanted {
		a.turnWanted = false
		a.turn()
	}
}

// turn takes the poll loop's next turn at this instant, as the last act
// of a clock callback: a turn scheduled now (schedule(0)) would be the
// next event run when no other is due at this instant, so the turn is
// taken at once instead, counted as the event it would have been (and
// not when the step budget would have stopped the run before it).
func (a *app) turn() {
	r := a.r
	if sim := r.sim; sim != nil && !r.stopped && int64(sim.Ran()) < r.budget.Steps && !sim.DueNow() {
		sim.RunNow(a.stepFn)
		return
	}
	a.tick = r.after(0, a.stepFn)
}

// finish completes the current message: its effect (or failure), then the
// commit strategy, then the next poll.
func (a *app) finish() {
	m := a.cur
	if a.plain {
		// What the rest does for such a client: the effect, no commit,
		// the next poll.
		a.emitMsg(recEffect, m)
		a.cur = nil
		a.afterCommit()
		a.releaseDone(m)
		return
	}
	p := &a.spec.Processing
	fail, why := false, ""
	if slices.Contains(p.FailOffsets, int64(m.TopicPartition.Offset)) && !a.failed[msgIDOf(m)] {
		a.failed[msgIDOf(m)] = true
		fail = true
	} else if p.FailProbability > 0 && a.r.rnd.Float64() < p.FailProbability {
		fail = true
	}
	var perr error
	if !fail && a.r.process != nil {
		perr = a.r.process(context.Background(), m)
		if perr != nil && !errors.Is(perr, ErrSkipped) {
			fail, why = true, ": "+perr.Error()
		}
	}
	if fail {
		e := a.msgEv(KindProcessFailed, m)
		e.Detail = "processing failed" + why + "; on_failure: " + p.OnFailure
		a.r.emit(e)
		switch p.OnFailure {
		case FailRetry:
			a.cur = nil
			a.process(m)
			return
		case FailCrash:
			a.crash("processing failed (on_failure: crash)")
			return
		}
		a.cur = nil
		a.afterMessage()
		return
	}
	switch {
	case perr != nil:
		e := a.msgEv(KindEffectSkipped, m)
		e.Detail = "the app skipped it: already processed"
		a.r.emit(e)
	case p.Idempotent:
		store := a.r.seen[a.spec.Group]
		if store == nil {
			store = map[msgID]bool{}
			a.r.seen[a.spec.Group] = store
		}
		if id := msgIDOf(m); store[id] {
			e := a.msgEv(KindEffectSkipped, m)
			e.Detail = "already in the idempotent store: skipped"
			a.r.emit(e)
		} else {
			store[id] = true
			a.emitMsg(recEffect, m)
		}
	default:
		a.emitMsg(recEffect, m)
	}
	if a.commitLater {
		// The app is still busy with m until it commits.
		a.effected = true
		inc := a.inc
		a.curEnd = a.r.loop.After(p.CommitDelay, func() {
			if a.inc != inc || a.cur != m {
				return
			}
			if a.stalled {
				a.doneLate = true
				return
			}
			a.cur, a.effected = nil, false
			a.commitAfter(m)
		})
		return
	}
	a.cur = nil
	a.commitAfter(m)
	a.releaseDone(m)
}

// releaseDone gives m back to the client once finish is done with it.
func (a *app) releaseDone(m *client.Message) {
	if a.release != nil && !a.waiting && a.cur != m {
		// Done with m: the commit strategy copied its offset, and a
		// commit waiting for the coordinator (which keeps m) would have
		// left the app waiting.
		a.release.Release(m)
	}
}

// msgIDOf is m's identity in the app's bookkeeping.
func msgIDOf(m *client.Message) msgID {
	return msgID{m.TopicPartition.Key(), m.TopicPartition.Offset}
}

// store stores m's offset + 1 for the next auto-commit and records it. The
// app records its own stores (the recorder is no OffsetsStored hook): a
// client with no such hook need not build the report of the offset
// enable.auto.offset.store stores at every delivery, which the recorder
// takes from the delivery itself.
func (a *app) store(m *client.Message) {
	out, _ := a.c.StoreMessage(m)
	for _, tp := range out {
		if tp.Error != nil {
			continue
		}
		var x rec
		x.kind, x.gen, x.part, x.off = recStoreApp, -1, tp.Partition, int64(tp.Offset)
		x.actor = a.r.strFixed(&a.refs.actor, a.spec.ID)
		x.group = a.r.strFixed(&a.refs.group, a.spec.Group)
		x.topic = a.r.str(&a.refs.topic, tp.Topic)
		// Stored means assigned, so the client is a member (clients
		// always have a client.id here: see startClient).
		x.member = a.r.str(&a.refs.member, a.c.MemberID())
		if a.gen != nil {
			x.gen = a.gen.Generation()
		}
		a.r.add(&x)
	}
}

// commitAfter applies the commit strategy to a processed message, then
// polls again.
func (a *app) commitAfter(m *client.Message) {
	p := &a.spec.Processing
	switch p.Commit {
	case StrategyAfterEach:
		commit := func() { _ = a.commitMsg(m, CommitManual) } // a failed commit means redelivery, which after-each accepts
		if a.waitForCoordinator(m.TopicPartition.String(), func() { commit(); a.afterCommit() }) {
			return
		}
		commit()
	case StrategyStoreAfter:
		a.store(m)
	case StrategyEvery:
		a.pending[m.TopicPartition.Key()] = m.TopicPartition.Offset + 1
		a.sinceN++
		if a.sinceN >= p.Every {
			if a.waitForCoordinator("the offsets processed so far", func() { a.flush(); a.afterCommit() }) {
				return
			}
			a.flush()
		}
	}
	a.afterCommit()
}

// afterCommit polls again after a processed message's commit.
func (a *app) afterCommit() {
	if !a.running {
		return
	}
	a.afterMessage()
}

// waitForCoordinator blocks the app in a synchronous commit (of what)
// while the broker is down, as librdkafka's commit waits for the group
// coordinator: the app neither commits nor polls until the broker is back
// (the runner calls endWait) or session.timeout.ms passes, when
// librdkafka gives the commit up (_WAIT_COORD). It reports whether the app is now waiting;
// cont then makes the commit and carries on. An app inside a clock
// callback cannot block, so the wait is its own stretch of virtual time.
func (a *app) waitForCoordinator(what string, cont func()) bool {
	if a.spec.Processing.Async || !a.r.brokerDown {
		return false
	}
	a.block("blocked in a synchronous commit of "+what+": the broker is down and librdkafka waits for the group coordinator; the app does not poll meanwhile", cont)
	return true
}

// block makes the app wait for the coordinator (see waitForCoordinator),
// saying why; cont goes on when the wait ends.
func (a *app) block(why string, cont func()) {
	a.waiting, a.waitCont = true, cont
	e := a.ev(KindStall)
	e.Detail = why
	a.r.emit(e)
	a.tick.Stop()
	timeout := a.cfg.SessionTimeout
	if timeout <= 0 {
		timeout = 45 * time.Second
	}
	inc := a.inc
	a.waitTimer = a.r.loop.After(timeout, func() {
		if a.inc == inc {
			a.endWait("session.timeout.ms (" + FormatDuration(timeout) + ") passed without a coordinator: librdkafka gives the commit up (_WAIT_COORD)")
		}
	})
}

// endWait ends a wait for the coordinator: the commit goes ahead.
func (a *app) endWait(why string) {
	if !a.running || !a.waiting {
		return
	}
	cont := a.waitCont
	a.waiting, a.waitCont = false, nil
	a.waitTimer.Stop()
	e := a.ev(KindResume)
	e.Detail = why
	a.r.emit(e)
	cont()
}

// flush commits the processed offsets of the every-N strategy.
func (a *app) flush() {
	if len(a.pending) == 0 {
		return
	}
	offs := sortKeysTP(a.pending)
	a.pending = map[client.PartitionKey]client.Offset{}
	a.sinceN = 0
	a.committing = CommitManual
	if a.spec.Processing.Async {
		_ = a.c.CommitOffsetsAsync(offs)
	} else {
		_, _ = a.c.CommitOffsets(offs)
	}
	a.committing = ""
}

func (a *app) afterMessage() {
	if a.closing {
		a.doClose()
		return
	}
	if a.inBurst {
		// Called from step's loop, which polls again at once: a turn
		// scheduled now would be cancelled by it.
		return
	}
	if a.inProcessed {
		// processed takes the turn once finish is done (see turn).
		a.tick.Stop()
		a.turnWanted = true
		return
	}
	a.schedule(0)
}

// onRemoved drops every-N bookkeeping of partitions the consumer gave up.
func (a *app) onRemoved(tps []TP) {
	for _, tp := range tps {
		delete(a.pending, client.PartitionKey{Topic: tp.Topic, Partition: tp.Partition})
	}
}

func (a *app) crash(why string) {
	if !a.running {
		return
	}
	e := a.ev(KindCrash)
	e.Detail = why
	if a.cur != nil && a.effected {
		e.Detail += "; " + a.cur.TopicPartition.String() + " was processed but not yet committed"
	} else if a.cur != nil {
		e.Detail += "; " + a.cur.TopicPartition.String() + " was being processed"
	}
	a.r.emit(e)
	a.running = false
	a.inc++
	a.tick.Stop()
	a.curEnd.Stop()
	a.cur, a.effected = nil, false
	if cr, ok := a.c.(client.Crasher); ok {
		cr.Crash()
	} else {
		a.r.fail(errNoCrash)
	}
}

// close is the graceful shutdown of the lesson's poll loop: finish the
// message in hand, then Close (revoke, auto-commit, LeaveGroup).
func (a *app) close() {
	if !a.running || a.closing {
		return
	}
	a.closing = true
	e := a.ev(KindClose)
	if a.cur != nil {
		e.Detail = "the app finishes " + a.cur.TopicPartition.String() + " first"
	}
	a.r.emit(e)
	if a.waiting && !a.stalled {
		// Blocked in a commit: it closes once the commit returns.
		return
	}
	if a.cur == nil || a.stalled {
		a.stalled = false
		if a.cur != nil {
			// A stalled app is told to stop: processing is abandoned.
			a.curEnd.Stop()
			a.cur = nil
		}
		a.doClose()
	}
}

// doClose closes the client. Close commits synchronously (the every-N
// strategy's last offsets, and under enable.auto.commit the stored ones):
// while the broker is down it first waits for the coordinator, as
// librdkafka's close does, until the broker is back or session.timeout.ms
// passes.
func (a *app) doClose() {
	if a.r.brokerDown && !a.waiting && a.closeCommits() {
		a.block("blocked in close: its synchronous commit of the offsets processed so far waits for the group coordinator (the broker is down); the app does nothing meanwhile", a.closeNow)
		return
	}
	a.closeNow()
}

// closeCommits starts the close and reports whether it commits: the
// every-N strategy's pending offsets (synchronously), or what the client
// commits on close (the simulator's BeginClose; a client that cannot tell
// is taken not to wait).
func (a *app) closeCommits() bool {
	c, ok := a.c.(interface{ BeginClose() bool })
	commits := ok && c.BeginClose()
	return commits || a.spec.Processing.Commit == StrategyEvery && len(a.pending) > 0 && !a.spec.Processing.Async
}

// closeNow commits what close commits and closes the client.
func (a *app) closeNow() {
	a.tick.Stop()
	if a.spec.Processing.Commit == StrategyEvery {
		a.flush()
	}
	_ = a.c.Close()
	a.running = false
	a.inc++
}

func (a *app) stall() {
	if !a.running || a.stalled {
		return
	}
	a.stalled = true
	e := a.ev(KindStall)
	e.Detail = "the app stops polling"
	if a.cur != nil && a.effected {
		e.Detail = "the app hangs after processing " + a.cur.TopicPartition.String() + ", before committing it; it stops polling"
	} else if a.cur != nil {
		e.Detail = "processing of " + a.cur.TopicPartition.String() + " hangs; the app stops polling"
	}
	a.r.emit(e)
	a.tick.Stop()
}

func (a *app) resume() {
	if !a.running || !a.stalled {
		return
	}
	a.stalled = false
	a.r.emit(a.ev(KindResume))
	if a.cur != nil && a.doneLate {
		a.doneLate = false
		if a.effected {
			m := a.cur
			a.cur, a.effected = nil, false
			a.commitAfter(m)
			return
		}
		a.finish()
		return
	}
	if a.cur == nil {
		a.schedule(0)
	}
}
