package check

// The engine: one case is a world, a sim.Cluster handed to a sim.Driver,
// on which every consumer incarnation runs an App on goroutines of its
// own, exactly as the user's main would run it. The harness (the rapid
// property, or Replay) is the driver's owner: it runs the world to the
// next step with RunUntil and applies the step (crash, close, stall, a
// broker outage ...) inside Do, while nothing else happens. The world
// records a timeline of scenarios.Event values from the clients' hooks
// and the apps' Recorder, so that the scenario runner's classifier and
// the invariant checker judge it as they judge a scenario run.
//
// Handler configurations run a built-in App (builtin.go) in lockstep
// (sim.Driver without a bubble: one goroutine runs at a time, woken by
// the clock's events); user Apps run in a testing/synctest bubble of
// their own per case, so that their time.Sleep, tickers and channels run
// in virtual time too.

import (
	"context"
	"fmt"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/client/sim"
	"github.com/kafkasim/kafkasim/group"
	"github.com/kafkasim/kafkasim/scenarios"
)

// world is one running case.
type world struct {
	cfg    *Config
	sc     *scenarios.Scenario
	cl     *sim.Cluster
	d      *sim.Driver
	bubble bool
	app    App
	start  time.Time
	// events is the timeline so far.
	events  []scenarios.Event
	members []*member
	byID    map[string]*member
	prods   map[string]*sim.Producer
	// asked counts the messages producers were asked to send, reported
	// those that reached the log (or failed).
	asked, reported int
	commitIDs       map[commitKey]uint64
	commitSeq       uint64
	brokerDown      bool
	brokerUpAt      time.Duration // when it last came back
	// seen is the idempotent store of Handler.Idempotent, shared by the
	// group and surviving crashes.
	seen map[msgID]bool
	// label tells this case's goroutines apart (pprof labels).
	label string
	// base is how many goroutines the process had when the case began
	// (in a bubble: settle waits for the apps' to end).
	base int
	// finished: finish ran.
	finished bool
	// found are problems the world found itself (an app that hangs,
	// leaks goroutines, panics or returns an error).
	found []problem
	// cancels are contexts to cancel once the current Do is over.
	cancels []context.CancelFunc
	err     error
	// bub is the bubble an App's world lives in (nil in lockstep), and
	// serving says the bubble is running one of the harness's calls.
	bub     *bubble
	serving bool
	closed  bool
	// obs is what the world checks as it happens (observe.go).
	obs observer
	// sent counts the messages of each producer sending one every
	// interval; stopped ends such a producer's sending (stopStream).
	sent    map[string]int
	stopped map[string]bool
}

// call runs fn in the world: in its bubble, if it has one (the harness
// runs on rapid's goroutine).
func (w *world) call(fn func()) {
	if w.bub == nil || w.serving {
		fn()
		return
	}
	w.bub.do(func() {
		w.serving = true
		defer func() { w.serving = false }()
		fn()
	})
}

// close ends the case (finish) and the world's bubble. The scenario
// loses the consumers that never started: a scenario file starts a
// consumer that has no start and no start step at 0s.
func (w *world) close() {
	if w.closed {
		return
	}
	w.closed = true
	w.finish()
	var kept []scenarios.Consumer
	for _, m := range w.members {
		if m.started {
			kept = append(kept, *m.spec)
		}
	}
	if len(kept) > 0 {
		w.sc.Consumers = kept
	}
	if w.bub != nil {
		w.bub.stop()
	}
}

type commitKey struct {
	actor string
	id    uint64
}

type msgID struct {
	tp  scenarios.TP
	off int64
}

// member is one consumer of the scenario, over its incarnations.
type member struct {
	w       *world
	spec    *scenarios.Consumer
	started bool
	n       int          // incarnations so far
	cur     *incarnation // the last one (running or not)
	all     []*incarnation
}

// incarnation is one run of a consumer's app: one client, one context,
// the goroutines the app starts.
type incarnation struct {
	m      *member
	n      int
	c      *sim.Consumer
	ctx    context.Context
	cancel context.CancelFunc
	rec    *recorder
	label  string
	// running: started and neither crashed nor returned.
	running bool
	// returned: the app function returned (err is what it returned,
	// written before).
	returned atomic.Bool
	err      error
	crashed  bool
	closing  bool
	closeAt  time.Duration
	stalled  bool
	hung     bool // reported as hanging
	// abandon: closed while stalled: a built-in app drops the message in
	// hand (the scenario runner's model does).
	abandon bool
	// committing labels the commit a built-in app is making (the
	// timeline's commit trigger).
	committing string
	// flights are the messages delivered to it and not yet done with:
	// what it is doing, for the schedule and the timeline.
	flights []flight
	// onRemoved, if set, hears of partitions revoked or lost (a built-in
	// app forgets what it has not committed of them).
	onRemoved func([]scenarios.TP)
	// committed is, per partition, the highest offset this incarnation
	// committed: a message processed below it is done with.
	committed map[scenarios.TP]int64
	// createdAt is when its consumer was created, lastDeliver when it
	// last handed out a message (for invariant 7's timers).
	createdAt, lastDeliver time.Duration
}

// flight is a message an incarnation has in hand.
type flight struct {
	tp       scenarios.TP
	off      int64
	effected bool
}

func newWorld(sc *scenarios.Scenario, cfg *Config, app App, bubble bool, label string, latency time.Duration) (*world, error) {
	gcfg := withLatency(cfg.group, latency)
	gcfg.InitialRebalanceDelay = -1
	w := &world{cfg: cfg, sc: sc, app: app, bubble: bubble, label: label, events: make([]scenarios.Event, 0, 2048),
		byID: map[string]*member{}, prods: map[string]*sim.Producer{}, commitIDs: map[commitKey]uint64{}, seen: map[msgID]bool{},
		obs: newObserver(), sent: map[string]int{}, stopped: map[string]bool{}}
	if bubble {
		w.bub = startBubble(cfg.tt)
	}
	var err error
	w.call(func() { err = w.build(gcfg) })
	if err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

// build makes the world's cluster (in its bubble).
func (w *world) build(gcfg group.Config) error {
	sc := w.sc
	w.cl = sim.NewCluster(sim.Config{Seed: sc.Seed, Group: gcfg, Broker: w.cfg.broker})
	if w.bubble {
		w.d = w.cl.DriveInBubble(waitFunc)
	} else {
		w.d = w.cl.DriveInLockstep()
	}
	w.start = w.d.Now()
	w.base = runtime.NumGoroutine()
	var err error
	w.d.Do(func() {
		w.cl.Coordinator().OnTransition(w.groupEvent)
		for _, t := range sc.Topics {
			if e := w.cl.Broker().CreateTopic(t.Name, t.Partitions, broker.TopicConfig{RetentionTime: t.Retention}); e != nil && err == nil {
				err = fmt.Errorf("create topic %s: %w", t.Name, e)
			}
		}
		for i := range sc.Consumers {
			m := &member{w: w, spec: &sc.Consumers[i]}
			w.members = append(w.members, m)
			w.byID[m.spec.ID] = m
		}
	})
	return err
}

// now is the virtual time since the start (for the owner, and for hooks).
func (w *world) now() time.Duration {
	return time.Duration(w.cl.Clock().UnixNano() - w.start.UnixNano())
}

// emit records e at the current time.
func (w *world) emit(e scenarios.Event) {
	e.At = w.now()
	e.Seq = len(w.events)
	w.events = append(w.events, e)
}

func (w *world) fail(err error) {
	if w.err == nil && err != nil {
		w.err = err
	}
}

// runTo runs the world up to virtual time d since the start, then looks
// for apps that hang.
func (w *world) runTo(d time.Duration) {
	w.call(func() {
		if d > w.now() {
			w.d.RunUntil(w.start.Add(d))
		}
		w.watch()
	})
}

// do runs fn with the world standing still, then cancels the contexts fn
// asked to (cancelling wakes the app's goroutines, which Do must not).
func (w *world) do(fn func()) {
	w.call(func() {
		w.d.Do(fn)
		cs := w.cancels
		w.cancels = nil
		for _, c := range cs {
			c()
		}
	})
}

// act applies a script step at its time (runTo first) and returns what
// the consumer it names was doing then (the fault point: "while
// processing t[0]@3"), the same words its timeline event uses.
func (w *world) act(a scenarios.Action) string {
	var note string
	w.call(func() {
		w.runTo(a.At)
		w.do(func() { note = w.apply(&a) })
	})
	return note
}

// apply runs one step (inside Do).
func (w *world) apply(a *scenarios.Action) string {
	m := w.byID[a.Consumer]
	note := ""
	if m != nil && m.cur != nil && m.cur.alive() {
		note = m.cur.doing()
	}
	switch a.Do {
	case scenarios.DoProduce:
		w.produce("script", a.Topic, a.Count, a.Interval, a.Key, a.Value, a.Partition)
	case scenarios.DoBrokerDown, scenarios.DoBrokerUp:
		up := a.Do == scenarios.DoBrokerUp
		k := scenarios.KindBrokerDown
		if up {
			k = scenarios.KindBrokerUp
		}
		w.emit(scenarios.Event{Actor: "broker", Kind: k, Generation: -1, Partition: -1, Offset: -1})
		w.cl.SetBrokerAvailable(up)
		w.noteBroker(up)
		w.brokerDown = !up
		if up {
			w.brokerUpAt = w.now()
		}
	case scenarios.DoStart:
		if m.cur == nil || !m.cur.alive() {
			w.startApp(m, scenarios.KindStart)
		}
	case scenarios.DoCrash:
		m.crash("scripted crash", note)
	case scenarios.DoClose:
		m.close(note)
	case scenarios.DoRestart:
		if m.cur != nil && m.cur.alive() {
			m.crash("restart: the process is killed", note)
		}
		w.startApp(m, scenarios.KindRestart)
	case scenarios.DoStall:
		m.stall(note)
	case scenarios.DoResume:
		m.resume()
	}
	return note
}

// startApp starts a new incarnation of m: a client, and the app on a
// goroutine of its own (in lockstep it runs at once until it first
// waits; in a bubble it starts when the current Do is over).
func (w *world) startApp(m *member, k scenarios.Kind) {
	m.n++
	m.started = true
	inc := &incarnation{m: m, n: m.n, running: true, createdAt: w.now()}
	inc.label = fmt.Sprintf("%s %s#%d", w.label, m.spec.ID, m.n)
	inc.rec = &recorder{inc: inc}
	m.cur = inc
	m.all = append(m.all, inc)
	e := w.ev(inc, k)
	e.Detail = "the app starts"
	if w.cfg.builtin {
		e.Detail = "subscribes to " + strings.Join(m.spec.Topics, ", ")
	}
	w.emit(e)
	conf := m.spec.Config.Clone()
	conf["group.id"] = m.spec.Group
	if _, ok := conf["client.id"]; !ok {
		conf["client.id"] = m.spec.ID
	}
	c, err := w.cl.NewConsumer(conf, &hooks{w: w, inc: inc})
	if err != nil {
		w.fail(fmt.Errorf("consumer %s: %w", m.spec.ID, err))
		inc.running = false
		return
	}
	inc.c = c
	ctx, cancel := context.WithCancel(context.Background())
	inc.ctx = ctx
	inc.cancel = cancel
	w.d.Go(func() { inc.run(ctx) })
}

// run is an incarnation's goroutine: the app, labelled so that the
// goroutines it starts can be told apart in a hang report.
func (inc *incarnation) run(ctx context.Context) {
	w := inc.m.w
	pprof.Do(ctx, pprof.Labels(goroutineLabel, inc.label), func(ctx context.Context) {
		defer func() {
			r := recover()
			// A Goexit (its consumer was killed) ends here too, with r nil.
			if r != nil {
				inc.err = fmt.Errorf("panic: %v", r)
			}
			inc.returned.Store(true)
			if r != nil {
				w.appProblem(inc, fmt.Sprintf("the app of %s panicked: %v", inc.m.spec.ID, r))
			}
		}()
		err := w.app(ctx, inc.c, inc.rec)
		inc.err = err
		if err != nil && !inc.closing && !inc.crashed && !errorsIsCanceled(err) {
			w.appProblem(inc, fmt.Sprintf("the app of %s returned an error: %v", inc.m.spec.ID, err))
		}
		// A process whose main returns without closing its consumer
		// just goes away: no LeaveGroup, no commit.
		if !inc.c.IsClosed() {
			inc.c.Crash()
		}
	})
}

// appProblem records a problem an app caused (from its own goroutine,
// through the consumer's gate so that the timeline stays in order).
func (w *world) appProblem(inc *incarnation, text string) {
	inc.c.Exclusive(0, func(client.Info) {
		w.found = append(w.found, problem{rule: "app", text: text, seq: -1, off: -1})
	})
}

func errorsIsCanceled(err error) bool {
	return err == context.Canceled || strings.Contains(err.Error(), context.Canceled.Error())
}

// alive reports whether the incarnation runs: started, not crashed, its
// app not returned.
func (inc *incarnation) alive() bool { return inc.running && !inc.returned.Load() }

// doing says what the incarnation is doing, in the words a schedule and a
// timeline use: "while processing t[0]@3", "after processing t[0]@3,
// before committing it", "between messages".
func (inc *incarnation) doing() string {
	var open, done *flight
	for i := range inc.flights {
		f := &inc.flights[i]
		if !f.effected && open == nil {
			open = f
		}
		if f.effected && done == nil {
			done = f
		}
	}
	s := "between messages"
	switch {
	case open != nil:
		s = fmt.Sprintf("while processing %s@%d", open.tp, open.off)
	case done != nil:
		s = fmt.Sprintf("after processing %s@%d, before committing it", done.tp, done.off)
	}
	if inc.stalled {
		return "stalled " + s
	}
	return s
}

// busy reports whether the incarnation has a delivered message it has not
// finished processing.
func (inc *incarnation) busy() bool {
	for _, f := range inc.flights {
		if !f.effected {
			return true
		}
	}
	return false
}

func (m *member) crash(why, doing string) {
	inc := m.cur
	if inc == nil || !inc.alive() {
		return
	}
	e := m.w.ev(inc, scenarios.KindCrash)
	e.Detail = why
	if doing != "" {
		e.Detail += " (" + doing + ")"
	}
	m.w.emit(e)
	inc.running, inc.crashed = false, true
	m.w.noteCrash(inc)
	// From now on the app's calls fail (a Poll waits its timeout, and
	// gets nothing) and what it records does not count; its context is
	// cancelled, so that its goroutines wind down. finish ends those that
	// do not.
	inc.stalled = false
	inc.c.Unstall()
	inc.c.Crash()
	m.w.cancels = append(m.w.cancels, inc.cancel)
}

func (m *member) close(doing string) {
	inc := m.cur
	if inc == nil || !inc.alive() || inc.closing {
		return
	}
	inc.closing, inc.closeAt = true, m.w.now()
	e := m.w.ev(inc, scenarios.KindClose)
	e.Detail = "the app is told to stop (its context is cancelled)"
	if doing != "" && doing != "between messages" {
		e.Detail += " " + doing
	}
	m.w.emit(e)
	if inc.stalled {
		// A hung app that is told to stop: what it had in hand is
		// abandoned, and it goes on to close.
		inc.stalled, inc.abandon = false, true
		inc.c.Unstall()
	}
	m.w.cancels = append(m.w.cancels, inc.cancel)
}

func (m *member) stall(doing string) {
	inc := m.cur
	if inc == nil || !inc.alive() || inc.stalled {
		return
	}
	inc.stalled = true
	inc.c.Stall()
	e := m.w.ev(inc, scenarios.KindStall)
	e.Detail = "the app hangs: its calls do not return (" + doing + ")"
	m.w.emit(e)
}

func (m *member) resume() {
	inc := m.cur
	if inc == nil || !inc.alive() || !inc.stalled {
		return
	}
	inc.stalled = false
	inc.c.Unstall()
	m.w.emit(m.w.ev(inc, scenarios.KindResume))
}

// ev is an event of the incarnation's consumer.
func (w *world) ev(inc *incarnation, k scenarios.Kind) scenarios.Event {
	e := scenarios.Event{Actor: inc.m.spec.ID, Kind: k, Group: inc.m.spec.Group, Generation: -1, Partition: -1, Offset: -1}
	if inc.c != nil {
		e.Member = inc.c.MemberID()
		if e.Member != "" {
			e.Generation = inc.c.Generation()
		}
	}
	return e
}

// produce sends count messages from producer id (keys and values are
// templates, "{i}" the message's number), as the scenario runner does: at
// once, or one every interval from now.
func (w *world) produce(id, topic string, count int, interval time.Duration, key, value string, partition int32) {
	p := w.prods[id]
	if p == nil {
		var err error
		p, err = w.cl.NewProducer(client.ConfigMap{"client.id": id, "linger.ms": 0, "go.delivery.reports": false}, &hooks{w: w, actor: id})
		if err != nil {
			w.fail(fmt.Errorf("producer %s: %w", id, err))
			return
		}
		w.prods[id] = p
	}
	if value == "" {
		value = id + "-{i}"
	}
	w.asked += count
	send := func(i int) {
		n := fmt.Sprint(i)
		msg := &client.Message{TopicPartition: client.TopicPartition{Topic: topic, Partition: partition}, Value: []byte(strings.ReplaceAll(value, "{i}", n))}
		if key != "" {
			msg.Key = []byte(strings.ReplaceAll(key, "{i}", n))
		}
		if err := p.Produce(msg, nil); err != nil {
			w.emit(scenarios.Event{Actor: id, Kind: scenarios.KindClientErr, Generation: -1, Topic: topic, Partition: -1, Offset: -1, Detail: "produce: " + err.Error()})
		}
	}
	if interval <= 0 {
		for i := range count {
			send(i)
		}
		p.Poll(0)
		return
	}
	// On the schedule from the first send, as the scenario runner does.
	first := w.cl.Clock().Now()
	var next func(i int)
	next = func(i int) {
		if w.stopped[id] {
			return
		}
		send(i)
		w.sent[id]++
		p.Poll(0)
		if i+1 < count {
			w.cl.Clock().At(first.Add(time.Duration(i+1)*interval), func() { next(i + 1) })
		}
	}
	if count > 0 {
		next(0)
	}
}

// setup starts what the scenario starts at 0s: consumers, then producers.
func (w *world) setup() {
	w.do(func() {
		for _, m := range w.members {
			if m.spec.Start != nil && *m.spec.Start == 0 {
				w.startApp(m, scenarios.KindStart)
			}
		}
		for _, p := range w.sc.Producers {
			w.produce(p.ID, p.Topic, p.Count, p.Interval, p.Key, p.Value, p.Partition)
		}
	})
}

// groupEvent records the coordinator's transitions, as the scenario
// runner's simulator backend does, and checks what the world checks of
// them (observeTransition).
func (w *world) groupEvent(t group.Transition) {
	n := len(w.events)
	w.recordTransition(t)
	seq := -1
	if len(w.events) > n {
		seq = n
	}
	w.observeTransition(t, seq)
}

func (w *world) recordTransition(t group.Transition) {
	e := scenarios.Event{Actor: "group:" + t.Group, Group: t.Group, Generation: t.Generation, Partition: -1, Offset: -1, Member: t.MemberID, Cause: t.Cause}
	switch t.Kind {
	case group.StateChanged:
		e.Kind, e.State = scenarios.KindGroupState, t.To.String()
		e.Detail = t.From.String() + " → " + t.To.String()
	case group.SessionExpired, group.RebalanceTimedOut, group.MemberFenced:
		e.Kind = scenarios.KindMemberExpired
		e.Detail = t.Kind.String()
	case group.OffsetsExpired:
		e.Kind = scenarios.KindOffsetsExpired
		e.Detail = "committed offsets expired (offsets.retention.minutes)"
	case group.StaticRejoined:
		e.Kind = scenarios.KindGroupEvent
		e.Detail = "static member rejoined: same assignment, no rebalance"
	case group.AssignmentComputed:
		if len(t.Moved) == 0 {
			return
		}
		e.Kind = scenarios.KindGroupEvent
		e.Detail = "moved:"
		if w.obs.k848.consumerGroup(w, t.Group) {
			e.Detail = "target:" // partitions move only as members reconcile
		}
		for _, m := range t.Moved {
			e.Detail += fmt.Sprintf(" %s[%d] %s→%s", m.Partition.Topic, m.Partition.Partition, orDash(m.From), orDash(m.To))
		}
	default:
		if !w.consumerStep(t, &e) {
			return
		}
	}
	w.emit(e)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// finish ends the case: every incarnation still alive is killed (its
// goroutines end at their next call) and the world runs on until they
// have (in a bubble, for up to settleLimit of virtual time: a goroutine
// of the app that never calls the cluster again is left, and reported by
// leaks).
func (w *world) finish() {
	if w.finished {
		return
	}
	w.finished = true
	w.call(w.end)
}

// end is finish in the world: the goroutines of crashed apps, whose
// contexts are cancelled, get time to wind down (settleLimit); then every
// incarnation's consumer is killed, so that a goroutine still calling it
// ends there, and they get time again.
func (w *world) end() {
	if w.bubble {
		w.settle(w.base, settleLimit)
	}
	w.do(func() {
		for _, m := range w.members {
			for _, inc := range m.all {
				if inc.c != nil && !inc.c.Killed() {
					inc.running = false
					inc.c.Unstall()
					inc.c.Kill()
					w.cancels = append(w.cancels, inc.cancel)
				}
			}
		}
	})
	w.d.RunFor(time.Second)
	if w.bubble {
		w.settle(w.base, settleLimit)
	}
}

// settleLimit bounds how long finish waits for an app's goroutines.
const settleLimit = 30 * time.Second
