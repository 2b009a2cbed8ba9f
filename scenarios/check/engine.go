package check

// The engine runs one case: a sim.Cluster, the consumers' poll loops and the
// faults, all as events on the cluster's virtual clock, recording the
// timeline as scenarios.Event values.
//
// The poll loop mirrors the scenario runner's consumer app (scenarios/app.go)
// call for call and timer for timer, so that a case written out as a
// scenario file replays to the same timeline under `kafkasim run`: the same
// seed gives the same member ids, and every scripted fault happens at its own
// sub-millisecond instant (see schedule.go) so that no tie-break between a
// fault and another event at the same instant can differ between the two.
// The one thing the engine adds is the user's Handler.Process, called at the
// moment the runner records a message's effect.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/sim"
	"github.com/kafkasim/kafkasim/group"
	"github.com/kafkasim/kafkasim/internal/clock"
	"github.com/kafkasim/kafkasim/internal/kerr"
	"github.com/kafkasim/kafkasim/scenarios"
)

type msgID struct {
	tp  client.PartitionKey
	off client.Offset
}

// world is one running case.
type world struct {
	cl      *sim.Cluster
	start   time.Time
	events  []scenarios.Event
	apps    []*app
	byID    map[string]*app
	prods   map[string]client.Producer
	seen    map[msgID]bool // the idempotent store of the group
	process func(ctx context.Context, m *client.Message) error
	ctx     context.Context
	err     error
	// wanted counts the messages asked of producers, produced their
	// delivery reports.
	wanted, produced int

	commitTrig map[string]string
	commitIDs  map[string]uint64
	commitSeq  uint64
}

func newWorld(s *scenarios.Scenario, gcfg group.Config, process func(context.Context, *client.Message) error) (*world, error) {
	cfg := sim.Config{Seed: s.Seed, Group: gcfg}
	w := &world{
		cl: sim.NewCluster(cfg), byID: map[string]*app{}, prods: map[string]client.Producer{},
		seen: map[msgID]bool{}, process: process, ctx: context.Background(),
		commitTrig: map[string]string{}, commitIDs: map[string]uint64{},
	}
	w.start = w.cl.Now()
	w.events = make([]scenarios.Event, 0, 2048)
	w.watchGroups()
	for _, t := range s.Topics {
		if err := w.cl.CreateTopic(t.Name, t.Partitions); err != nil {
			return nil, fmt.Errorf("create topic %s: %w", t.Name, err)
		}
	}
	scripted := map[string]bool{}
	for _, a := range s.Script {
		if a.Do == scenarios.DoStart {
			scripted[a.Consumer] = true
		}
	}
	for i := range s.Consumers {
		spec := &s.Consumers[i]
		a := &app{w: w, spec: spec}
		w.apps = append(w.apps, a)
		w.byID[spec.ID] = a
		if spec.Start == nil && scripted[spec.ID] {
			continue
		}
		st := time.Duration(0)
		if spec.Start != nil {
			st = *spec.Start
		}
		w.at(st, func() { a.startClient(scenarios.KindStart) })
	}
	for i := range s.Producers {
		p := &s.Producers[i]
		w.at(p.At, func() { w.produce(p.ID, p.Topic, p.Count, p.Key, p.Partition) })
	}
	return w, nil
}

func (w *world) now() time.Duration { return w.cl.Now().Sub(w.start) }

func (w *world) emit(e scenarios.Event) {
	e.Seq = len(w.events)
	e.At = w.now()
	w.events = append(w.events, e)
}

func (w *world) at(d time.Duration, fn func()) { w.cl.Clock().At(w.start.Add(d), fn) }

// runTo runs the simulation up to virtual time d.
func (w *world) runTo(d time.Duration) { w.cl.RunUntil(w.start.Add(d)) }

// act runs one script step inside the clock loop at its own time, as the
// runner does.
func (w *world) act(a scenarios.Action) {
	w.at(a.At, func() { w.do(a) })
	w.runTo(a.At)
}

func (w *world) do(a scenarios.Action) {
	ev := func(k scenarios.Kind) scenarios.Event {
		return scenarios.Event{Actor: "broker", Kind: k, Generation: -1, Partition: -1, Offset: -1}
	}
	switch a.Do {
	case scenarios.DoProduce:
		w.produce("script", a.Topic, a.Count, a.Key, a.Partition)
	case scenarios.DoBrokerDown:
		w.emit(ev(scenarios.KindBrokerDown))
		w.cl.SetBrokerAvailable(false)
	case scenarios.DoBrokerUp:
		w.emit(ev(scenarios.KindBrokerUp))
		w.cl.SetBrokerAvailable(true)
	case scenarios.DoStart:
		if ap := w.byID[a.Consumer]; !ap.running {
			ap.startClient(scenarios.KindStart)
		}
	case scenarios.DoCrash:
		w.byID[a.Consumer].crash("scripted crash")
	case scenarios.DoClose:
		w.byID[a.Consumer].close()
	case scenarios.DoRestart:
		ap := w.byID[a.Consumer]
		if ap.running {
			ap.crash("restart: the process is killed")
		}
		ap.startClient(scenarios.KindRestart)
	case scenarios.DoStall:
		w.byID[a.Consumer].stall()
	case scenarios.DoResume:
		w.byID[a.Consumer].resume()
	}
}

// produce sends count messages at once from producer id (the runner's
// produce with interval 0 and no value template).
func (w *world) produce(id, topic string, count int, key string, partition int32) {
	p := w.prods[id]
	if p == nil {
		var err error
		p, err = w.cl.NewProducer(client.ConfigMap{"client.id": id, "linger.ms": 0}, &recorder{w: w, actor: id})
		if err != nil {
			w.fail(fmt.Errorf("producer %s: %w", id, err))
			return
		}
		w.prods[id] = p
	}
	w.wanted += count
	for i := range count {
		k := strings.ReplaceAll(key, "{i}", strconv.Itoa(i))
		msg := &client.Message{TopicPartition: client.TopicPartition{Topic: topic, Partition: partition},
			Value: []byte(fmt.Sprintf("%s-%d", id, i))}
		if k != "" {
			msg.Key = []byte(k)
		}
		if err := p.Produce(msg, func(*client.Message) {}); err != nil {
			w.emit(scenarios.Event{Actor: id, Kind: scenarios.KindClientErr, Generation: -1, Topic: topic, Partition: -1, Offset: -1, Error: errName(err), Detail: "produce: " + err.Error()})
		}
		p.Poll(0)
	}
}

func (w *world) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

func (w *world) commitID(actor string, id uint64) uint64 {
	k := actor + "#" + strconv.FormatUint(id, 10)
	if v, ok := w.commitIDs[k]; ok {
		return v
	}
	w.commitSeq++
	w.commitIDs[k] = w.commitSeq
	return w.commitSeq
}

func (w *world) watchGroups() {
	w.cl.Coordinator().OnTransition(func(t group.Transition) {
		e := scenarios.Event{Actor: "group:" + t.Group, Group: t.Group, Generation: t.Generation, Partition: -1, Offset: -1, Member: t.MemberID, Cause: t.Cause}
		switch t.Kind {
		case group.StateChanged:
			e.Kind, e.State = scenarios.KindGroupState, t.To.String()
			e.Detail = t.From.String() + " → " + t.To.String()
		case group.SessionExpired, group.RebalanceTimedOut, group.MemberFenced:
			e.Kind = scenarios.KindMemberExpired
			e.Detail = t.Kind.String()
		default:
			return
		}
		w.emit(e)
	})
}

// app is a consumer's poll → process → commit loop (scenarios/app.go).
type app struct {
	w        *world
	spec     *scenarios.Consumer
	c        *sim.Consumer
	inc      int
	running  bool
	stalled  bool
	closing  bool
	started  bool
	cur      *client.Message
	curEnd   clock.Timer
	doneLate bool
	effected bool
	tick     clock.Timer
	// committing labels the manual commit in progress.
	committing string
	pending    map[client.PartitionKey]client.Offset
	sinceN     int
}

func (a *app) ev(k scenarios.Kind) scenarios.Event {
	e := scenarios.Event{Actor: a.spec.ID, Kind: k, Group: a.spec.Group, Generation: -1, Partition: -1, Offset: -1}
	if a.c != nil {
		e.Member = a.c.MemberID()
		if e.Member != "" {
			e.Generation = a.c.Generation()
		}
	}
	return e
}

func (a *app) msgEv(k scenarios.Kind, m *client.Message) scenarios.Event {
	e := a.ev(k)
	e.Topic, e.Partition, e.Offset = m.TopicPartition.Topic, m.TopicPartition.Partition, int64(m.TopicPartition.Offset)
	e.Key = string(m.Key)
	return e
}

func (a *app) startClient(k scenarios.Kind) {
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
	a.stalled, a.closing, a.cur, a.doneLate = false, false, nil, false
	a.pending = map[client.PartitionKey]client.Offset{}
	a.sinceN = 0
	e := a.ev(k)
	e.Detail = "subscribes to " + strings.Join(a.spec.Topics, ", ")
	a.w.emit(e)
	c, err := a.w.cl.NewConsumer(conf, &recorder{w: a.w, actor: a.spec.ID, group: a.spec.Group, app: a})
	if err != nil {
		a.w.fail(err)
		return
	}
	a.c = c
	a.running = true
	if err := c.SubscribeTopics(a.spec.Topics, nil); err != nil {
		e := a.ev(scenarios.KindClientErr)
		e.Error, e.Detail = errName(err), "subscribe: "+err.Error()
		a.w.emit(e)
	}
	a.schedule(0)
}

func (a *app) schedule(d time.Duration) {
	a.tick.Stop()
	inc := a.inc
	a.tick = a.w.cl.Clock().After(d, func() {
		if a.inc == inc {
			a.step()
		}
	})
}

const maxBurst = 64

func (a *app) step() {
	if !a.running || a.stalled || a.cur != nil {
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
			a.processMsg(e)
			return
		case client.PartitionEOF:
			x := a.ev(scenarios.KindEOF)
			x.Topic, x.Partition, x.Offset = e.Topic, e.Partition, int64(e.Offset)
			x.Detail = "reached the end of the partition (enable.partition.eof)"
			a.w.emit(x)
		}
		if a.closing {
			return
		}
	}
	a.schedule(a.spec.PollIdle)
}

func (a *app) commitMsg(m *client.Message, label string) bool {
	a.committing = label
	var err error
	if a.spec.Processing.Async {
		err = a.c.CommitMessageAsync(m)
	} else {
		_, err = a.c.CommitMessage(m)
	}
	a.committing = ""
	return err == nil
}

func (a *app) processMsg(m *client.Message) {
	if a.spec.Processing.Commit == scenarios.StrategyBeforeProcess {
		ok := a.commitMsg(m, scenarios.CommitBeforeProcess)
		if !a.running {
			return
		}
		if !ok {
			// At most once: a message whose commit failed is not
			// processed; like the scenario runner's app, this one seeks
			// back to it and polls again a second later.
			e := a.msgEv(scenarios.KindProcessFailed, m)
			e.Detail = "not processed: its commit before processing failed; the app seeks back and retries in 1s"
			a.w.emit(e)
			_ = a.c.Seek(client.TopicPartition{Topic: m.TopicPartition.Topic, Partition: m.TopicPartition.Partition, Offset: m.TopicPartition.Offset}, 0)
			if a.closing {
				a.doClose()
				return
			}
			a.schedule(time.Second)
			return
		}
	}
	a.cur = m
	inc := a.inc
	a.curEnd = a.w.cl.Clock().After(a.spec.Processing.Time, func() {
		if a.inc != inc || a.cur != m {
			return
		}
		if a.stalled {
			a.doneLate = true
			return
		}
		a.finish()
	})
}

// ErrSkipped is what a Handler's Process returns when it recognised the
// message as already processed (an idempotent consumer) and did nothing:
// the check does not count it as an effect.
var ErrSkipped = errors.New("check: message already processed, skipped")

func (a *app) finish() {
	m := a.cur
	p := &a.spec.Processing
	id := msgID{m.TopicPartition.Key(), m.TopicPartition.Offset}
	var perr error
	if a.w.process != nil {
		perr = a.w.process(a.w.ctx, m)
	}
	switch {
	case perr != nil && !errors.Is(perr, ErrSkipped):
		e := a.msgEv(scenarios.KindProcessFailed, m)
		e.Detail = "processing failed: " + perr.Error()
		a.w.emit(e)
		a.cur = nil
		a.afterMessage()
		return
	case perr != nil:
		e := a.msgEv(scenarios.KindEffectSkipped, m)
		e.Detail = "the handler skipped it: already processed"
		a.w.emit(e)
	case p.Idempotent && a.w.seen[id]:
		e := a.msgEv(scenarios.KindEffectSkipped, m)
		e.Detail = "already in the idempotent store: skipped"
		a.w.emit(e)
	default:
		if p.Idempotent {
			a.w.seen[id] = true
		}
		a.w.emit(a.msgEv(scenarios.KindEffect, m))
	}
	if p.CommitDelay > 0 && p.Commit != scenarios.StrategyAuto && p.Commit != scenarios.StrategyNone && p.Commit != scenarios.StrategyBeforeProcess {
		a.effected = true
		inc := a.inc
		a.curEnd = a.w.cl.Clock().After(p.CommitDelay, func() {
			if a.inc != inc || a.cur != m {
				return
			}
			a.cur, a.effected = nil, false
			a.commitAfter(m)
		})
		return
	}
	a.cur = nil
	a.commitAfter(m)
}

func (a *app) commitAfter(m *client.Message) {
	p := &a.spec.Processing
	switch p.Commit {
	case scenarios.StrategyAfterEach:
		a.commitMsg(m, scenarios.CommitManual)
	case scenarios.StrategyStoreAfter:
		_, _ = a.c.StoreMessage(m)
	case scenarios.StrategyEvery:
		a.pending[m.TopicPartition.Key()] = m.TopicPartition.Offset + 1
		a.sinceN++
		if a.sinceN >= p.Every {
			a.flush()
		}
	}
	if !a.running {
		return
	}
	a.afterMessage()
}

func (a *app) flush() {
	if len(a.pending) == 0 {
		return
	}
	offs := make([]client.TopicPartition, 0, len(a.pending))
	for k, o := range a.pending {
		offs = append(offs, client.TopicPartition{Topic: k.Topic, Partition: k.Partition, Offset: o})
	}
	slices.SortFunc(offs, func(x, y client.TopicPartition) int {
		if x.Topic != y.Topic {
			return strings.Compare(x.Topic, y.Topic)
		}
		return int(x.Partition) - int(y.Partition)
	})
	a.pending = map[client.PartitionKey]client.Offset{}
	a.sinceN = 0
	a.committing = scenarios.CommitManual
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
	a.schedule(0)
}

func (a *app) onRemoved(tps []scenarios.TP) {
	for _, tp := range tps {
		delete(a.pending, client.PartitionKey{Topic: tp.Topic, Partition: tp.Partition})
	}
}

func (a *app) crash(why string) {
	if !a.running {
		return
	}
	e := a.ev(scenarios.KindCrash)
	e.Detail = why
	if a.cur != nil && a.effected {
		e.Detail += "; " + a.cur.TopicPartition.String() + " was processed but not yet committed"
	} else if a.cur != nil {
		e.Detail += "; " + a.cur.TopicPartition.String() + " was being processed"
	}
	a.w.emit(e)
	a.running = false
	a.inc++
	a.tick.Stop()
	a.curEnd.Stop()
	a.cur, a.effected = nil, false
	a.c.Crash()
}

func (a *app) close() {
	if !a.running || a.closing {
		return
	}
	a.closing = true
	e := a.ev(scenarios.KindClose)
	if a.cur != nil {
		e.Detail = "the app finishes " + a.cur.TopicPartition.String() + " first"
	}
	a.w.emit(e)
	if a.cur == nil || a.stalled {
		a.stalled = false
		if a.cur != nil {
			a.curEnd.Stop()
			a.cur = nil
		}
		a.doClose()
	}
}

func (a *app) doClose() {
	a.tick.Stop()
	if a.spec.Processing.Commit == scenarios.StrategyEvery {
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
	e := a.ev(scenarios.KindStall)
	e.Detail = "the app stops polling"
	if a.cur != nil {
		e.Detail = "processing of " + a.cur.TopicPartition.String() + " hangs; the app stops polling"
	}
	a.w.emit(e)
	a.tick.Stop()
}

func (a *app) resume() {
	if !a.running || !a.stalled {
		return
	}
	a.stalled = false
	a.w.emit(a.ev(scenarios.KindResume))
	if a.cur != nil && (a.doneLate || !a.curEnd.Pending()) {
		a.doneLate = false
		a.finish()
		return
	}
	if a.cur == nil {
		a.schedule(0)
	}
}

// recorder turns client hooks into timeline events (scenarios/hooks.go).
type recorder struct {
	w     *world
	actor string
	group string
	app   *app
}

func (h *recorder) base(info client.Info, k scenarios.Kind) scenarios.Event {
	e := scenarios.Event{Actor: h.actor, Kind: k, Group: h.group, Member: info.MemberID, Generation: info.Generation, Partition: -1, Offset: -1}
	if info.ClientID == "" && info.Generation == 0 {
		e.Generation = -1
	}
	return e
}

func tpsOf(parts []client.TopicPartition) []scenarios.TP {
	out := make([]scenarios.TP, len(parts))
	for i, p := range parts {
		out[i] = scenarios.TP{Topic: p.Topic, Partition: p.Partition}
	}
	return out
}

func errName(err error) string {
	if err == nil {
		return ""
	}
	var ce client.Error
	if errors.As(err, &ce) {
		return ce.Code().String()
	}
	if c := kerr.CodeOf(err); c != kerr.Fail || strings.HasPrefix(err.Error(), "_FAIL") {
		return c.String()
	}
	return err.Error()
}

func (h *recorder) OnLifecycle(l client.Lifecycle) {
	switch l.Kind {
	case client.LifecycleSubscribed:
		e := h.base(l.Info, scenarios.KindSubscribed)
		e.Topics = append([]string(nil), l.Topics...)
		h.w.emit(e)
	case client.LifecycleClosed:
		h.w.emit(h.base(l.Info, scenarios.KindClosed))
	}
}

func (h *recorder) OnMessageDelivered(m client.MessageDelivered) {
	e := h.base(m.Info, scenarios.KindDeliver)
	e.Topic, e.Partition, e.Offset = m.Message.TopicPartition.Topic, m.Message.TopicPartition.Partition, int64(m.Message.TopicPartition.Offset)
	e.Key = string(m.Message.Key)
	h.w.emit(e)
}

func (h *recorder) OnOffsetsStored(s client.OffsetsStored) {
	for _, p := range s.Offsets {
		e := h.base(s.Info, scenarios.KindStore)
		e.Topic, e.Partition, e.Offset = p.Topic, p.Partition, int64(p.Offset)
		if s.Auto {
			e.Detail = "enable.auto.offset.store: stored at delivery, before processing"
		} else {
			e.Detail = "stored by the app"
		}
		h.w.emit(e)
	}
}

func (h *recorder) trigger(c client.Commit) string {
	switch c.Trigger {
	case client.TriggerAutoTimer:
		return scenarios.CommitAuto
	case client.TriggerRevoke:
		return scenarios.CommitRevoke
	case client.TriggerClose:
		return scenarios.CommitClose
	case client.TriggerJavaPoll:
		return scenarios.CommitJavaPoll
	}
	if h.app != nil && h.app.committing != "" {
		return h.app.committing
	}
	return scenarios.CommitManual
}

func (h *recorder) OnCommitStarted(c client.Commit) {
	trig := h.trigger(c)
	id := h.w.commitID(h.actor, c.ID)
	h.w.commitTrig[h.actor+"#"+strconv.FormatUint(c.ID, 10)] = trig
	for _, p := range c.Offsets {
		e := h.base(c.Info, scenarios.KindCommit)
		e.Topic, e.Partition, e.Offset = p.Topic, p.Partition, int64(p.Offset)
		e.Commit, e.CommitID, e.Async = trig, id, c.Async
		h.w.emit(e)
	}
}

func (h *recorder) OnCommitFinished(c client.Commit) {
	key := h.actor + "#" + strconv.FormatUint(c.ID, 10)
	trig, ok := h.w.commitTrig[key]
	if !ok {
		trig = h.trigger(c)
	}
	delete(h.w.commitTrig, key)
	id := h.w.commitID(h.actor, c.ID)
	for _, p := range c.Offsets {
		err := p.Error
		if err == nil {
			err = c.Err
		}
		k := scenarios.KindCommitOK
		if err != nil {
			k = scenarios.KindCommitFailed
		}
		e := h.base(c.Info, k)
		e.Topic, e.Partition, e.Offset = p.Topic, p.Partition, int64(p.Offset)
		e.Commit, e.CommitID, e.Async = trig, id, c.Async
		e.Error = errName(err)
		h.w.emit(e)
	}
	if len(c.Offsets) == 0 && c.Err != nil && !errors.Is(c.Err, kerr.NoOffset) {
		e := h.base(c.Info, scenarios.KindCommitFailed)
		e.Commit, e.CommitID, e.Async, e.Error = trig, id, c.Async, errName(c.Err)
		h.w.emit(e)
	}
}

func (h *recorder) OnRebalance(rb client.Rebalance) {
	k := scenarios.KindAssign
	switch rb.Kind {
	case client.RebalanceRevoked:
		k = scenarios.KindRevoke
	case client.RebalanceLost:
		k = scenarios.KindLost
	}
	e := h.base(rb.Info, k)
	e.Partitions = tpsOf(rb.Partitions)
	e.Detail = strings.ToLower(rb.Protocol)
	if rb.Manual {
		e.Detail = "manual"
	}
	h.w.emit(e)
	if h.app != nil && (k == scenarios.KindRevoke || k == scenarios.KindLost) {
		h.app.onRemoved(e.Partitions)
	}
}

func (h *recorder) OnPosition(p client.Position) {
	e := h.base(p.Info, scenarios.KindPosition)
	e.Topic, e.Partition, e.Offset = p.Partition.Topic, p.Partition.Partition, int64(p.Partition.Offset)
	switch p.Reason {
	case client.PositionReset:
		e.Detail = "auto.offset.reset"
	case client.PositionCommitted:
		e.Detail = "the committed offset"
	default:
		e.Detail = p.Reason.String()
	}
	h.w.emit(e)
}

func (h *recorder) OnGroup(g client.GroupEvent) {
	var e scenarios.Event
	switch g.Kind {
	case client.GroupJoined:
		if g.Err != nil {
			return
		}
		e = h.base(g.Info, scenarios.KindJoin)
		e.Detail = "follower"
		if g.Leader {
			e.Detail = "leader"
		}
	case client.GroupRejoin:
		e = h.base(g.Info, scenarios.KindRejoin)
		e.Cause = g.Reason
		e.Error = errName(g.Err)
	case client.GroupLeft:
		e = h.base(g.Info, scenarios.KindLeave)
		e.Cause = g.Reason
	case client.GroupHeartbeatFailed:
		e = h.base(g.Info, scenarios.KindHeartbeat)
		e.Error = errName(g.Err)
	default:
		return
	}
	h.w.emit(e)
}

func (h *recorder) OnMaxPollExceeded(m client.MaxPollExceeded) {
	e := h.base(m.Info, scenarios.KindMaxPoll)
	e.Detail = "no poll for " + scenarios.FormatDuration(m.Interval) + " (max.poll.interval.ms): the member leaves the group and its partitions are lost"
	h.w.emit(e)
}

func (h *recorder) OnError(er client.ErrorRaised) {
	e := h.base(er.Info, scenarios.KindClientErr)
	e.Error = er.Err.Code().String()
	e.Detail = er.Err.Error()
	if tp, ok := er.Err.TopicPartition(); ok {
		e.Topic, e.Partition = tp.Topic, tp.Partition
	}
	h.w.emit(e)
}

func (h *recorder) OnProduced(p client.Produced) {
	m := p.Message
	h.w.produced++
	e := scenarios.Event{Actor: h.actor, Kind: scenarios.KindProduce, Generation: -1, Topic: m.TopicPartition.Topic, Partition: m.TopicPartition.Partition, Offset: int64(m.TopicPartition.Offset), Key: string(m.Key)}
	if m.TopicPartition.Error != nil {
		e.Kind = scenarios.KindClientErr
		e.Offset = -1
		e.Error = errName(m.TopicPartition.Error)
		e.Detail = "produce failed"
	}
	h.w.emit(e)
}
