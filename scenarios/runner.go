package scenarios

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/internal/clock"
	"github.com/kafkasim/kafkasim/internal/kerr"
)

// Options tune a run.
type Options struct {
	// Seed replaces the scenario's seed when SeedSet is true.
	Seed    uint64
	SeedSet bool
	// Until stops the run early, at this virtual time (0: run the whole
	// scenario). `kafkasim describe --at` uses it.
	Until time.Duration
	// Backend builds the cluster to run on; nil runs on the in-memory
	// simulator (NewSimBackend). A real-Kafka backend runs on the wall clock.
	Backend func(s *Scenario, seed uint64) (Backend, error)
	// Process, if set, is the application's own work on a message, called
	// when the message's virtual processing time is over, just before its
	// effect is recorded. nil means the effect happened; ErrSkipped means
	// the app recognised a repeat and did nothing (recorded as
	// effect_skipped); any other error is a processing failure, handled
	// as the consumer's on_failure says. The property tests of
	// scenarios/check plug the user's handler in here.
	Process func(ctx context.Context, m *client.Message) error
	// Budget bounds the run's cost (fields 0: DefaultBudget); a scenario
	// over it is refused, a run that goes over it on the way is stopped.
	Budget Budget
	// OnlyNotable keeps in Outcome.Messages() only the messages a report
	// names (what WriteText prints): LOST, DUPLICATED or flagged ones.
	// The counts, the lost and duplicated lists and the findings stay
	// complete. `kafkasim run` sets it for its text output, so that a
	// run of a million OK messages does not hold them only to skip them.
	OnlyNotable bool
}

// ErrSkipped is what Options.Process returns when it recognised the
// message as already processed (an idempotent consumer) and did nothing.
var ErrSkipped = errors.New("message already processed, skipped")

// Backend is a cluster a scenario runs against, with the clock that drives
// it. The runner schedules the apps' work (poll loops, processing time,
// scripted faults) on Loop and advances time only through RunUntil.
type Backend interface {
	// Name is "sim" or "kafka".
	Name() string
	// Loop is the clock the runner schedules on.
	Loop() clock.Loop
	// RunUntil runs the loop up to t.
	RunUntil(t time.Time)
	// Rand is the run's seeded random source.
	Rand() *rand.Rand
	// CreateTopic creates a topic before the run starts.
	CreateTopic(t Topic) error
	// NewConsumer and NewProducer create clients; hooks observe them.
	NewConsumer(conf client.ConfigMap, hooks ...client.Hook) (client.Consumer, error)
	NewProducer(conf client.ConfigMap, hooks ...client.Hook) (client.Producer, error)
	// SetBrokerAvailable takes the broker down or brings it back.
	SetBrokerAvailable(up bool) error
	// WatchGroups reports coordinator-side events (group state changes,
	// members expiring, offsets expiring) as timeline events; Seq and At
	// are filled in by the runner. A backend that cannot see them does
	// nothing.
	WatchGroups(fn func(Event))
	// Describe reports a group's final state. topics are the topics the
	// group subscribes to, so rows can list every partition.
	Describe(group string, topics []string) GroupResult
	// Close releases the backend.
	Close()
}

// Run runs a scenario and returns its timeline, outcome and final group
// states. The same scenario and seed give the same Result, byte for byte
// once marshalled. It is Start, RunUntil to the scenario's end (or
// opts.Until) and Finish.
func Run(s *Scenario, opts Options) (*Result, error) {
	ss, err := Start(s, opts)
	if err != nil {
		return nil, err
	}
	end := s.Duration
	if opts.Until > 0 && opts.Until < end {
		end = opts.Until
	}
	if err := ss.RunUntil(end); err != nil {
		ss.Close()
		return nil, err
	}
	return ss.Finish()
}

// eventsEstimate sizes the timeline of a run producing msgs messages: per
// message its produce event and, in each group, what the group's busiest
// strategy records (deliver, store, effect, commits), plus a margin for
// redeliveries and the group protocol. full is the part of it kept as full
// events (commits, the group protocol, the script).
func eventsEstimate(s *Scenario, msgs int) (total, full int) {
	per := map[string]int{}
	commits := map[string]int{}
	for i := range s.Consumers {
		c := &s.Consumers[i]
		n := 0
		switch c.Processing.Commit {
		case StrategyAfterEach, StrategyBeforeProcess:
			n = 2 // commit, commit_ok
		case StrategyEvery:
			if c.Processing.Every < 2 {
				n = 2
			} else {
				n = 1
			}
		}
		per[c.Group] = max(per[c.Group], 3+n) // deliver, store (at delivery or by the app), effect
		commits[c.Group] = max(commits[c.Group], n)
	}
	perMsg, commitsPerMsg := 1, 0
	for g, n := range per {
		perMsg += n
		commitsPerMsg += commits[g]
	}
	n := msgs * perMsg
	base := 64 + 32*len(s.Consumers) + 4*len(s.Script)
	return base + n + n/16, base/4 + msgs*commitsPerMsg
}

type runner struct {
	s     *Scenario
	seed  uint64
	b     Backend
	loop  clock.Loop
	rnd   *rand.Rand
	start time.Time
	// sim is loop when it is the simulator's clock; startNs is start in
	// Unix nanoseconds (see now).
	sim     *clock.Sim
	startNs int64
	// t is the timeline, recorded compactly (record.go).
	t *tape
	// pmem holds the messages producers send.
	pmem  *produceArena
	apps  []*app
	byID  map[string]*app
	prods map[string]*scriptedProducer
	err   error
	// process is Options.Process.
	process func(ctx context.Context, m *client.Message) error
	// brokerDown: the script took the broker down (apps' synchronous
	// commits wait for it: app.waitForCoordinator).
	brokerDown bool
	// asked counts the messages producers were asked to send, reported
	// their delivery reports.
	asked, reported int
	// effect stores of idempotent apps, per group.
	seen map[string]map[msgID]bool
	// commit bookkeeping for the hooks.
	commitTrig map[uint64]string
	commitIDs  map[clientCommit]uint64
	commitSeq  uint64
	// anchored are the say and pause steps waiting for their anchor
	// (Action.After), in script order; firing is set while one is
	// recorded; scratch is where the last event is decoded for them.
	anchored []*Action
	firing   bool
	scratch  Event
	// onlyNotable is Options.OnlyNotable.
	onlyNotable bool
	// budget is the run's Budget (defaults filled in); stopped is set
	// once the run went over it: nothing more is recorded and the loop
	// returns.
	budget  Budget
	stopped bool
}

type msgID struct {
	tp  client.PartitionKey
	off client.Offset
}

// clientCommit is a commit as its client numbers it.
type clientCommit struct {
	actor string
	id    uint64
}

// commitID gives commits run-wide ids (client ids restart per client).
func (r *runner) commitID(actor string, id uint64) uint64 {
	k := clientCommit{actor, id}
	if v, ok := r.commitIDs[k]; ok {
		return v
	}
	r.commitSeq++
	r.commitIDs[k] = r.commitSeq
	return r.commitSeq
}

// now is the virtual time since the start. It is read for every event
// recorded: on the simulator it reads the clock's Unix nanoseconds directly
// (no interface call, no time.Time) and subtracts (cheaper than
// time.Time.Sub).
func (r *runner) now() time.Duration {
	if r.sim != nil {
		return time.Duration(r.sim.UnixNano() - r.startNs)
	}
	return r.loop.Now().Sub(r.start)
}

// emit records e, stamped with the current time, as a full event.
func (r *runner) emit(e Event) {
	if int64(r.t.len()) >= r.budget.Events {
		r.overEvents()
		return
	}
	e.At = r.now()
	r.t.addFull(e)
	if len(r.anchored) > 0 && !r.firing {
		r.fireAnchored()
	}
}

// add records a compact entry stamped with the current time.
func (r *runner) add(x *rec) {
	if int64(r.t.len()) >= r.budget.Events {
		r.overEvents()
		return
	}
	if r.sim != nil {
		x.at = time.Duration(r.sim.UnixNano() - r.startNs) // (now, inlined)
	} else {
		x.at = r.now()
	}
	r.t.add(x)
	if len(r.anchored) > 0 && !r.firing {
		r.fireAnchored()
	}
}

// fireAnchored runs the anchored steps the event just recorded matches,
// in script order, right after it.
func (r *runner) fireAnchored() {
	e := r.t.view(r.t.len()-1, &r.scratch)
	var fire []*Action
	r.anchored = slices.DeleteFunc(r.anchored, func(a *Action) bool {
		if a.After.Matches(e) {
			fire = append(fire, a)
			return true
		}
		return false
	})
	r.firing = true
	for _, a := range fire {
		r.teach(a, "")
	}
	r.firing = false
}

// teach records a say or pause step's narration and pause; cause, when
// set, says why it comes where it does.
func (r *runner) teach(a *Action, cause string) {
	if a.Say != "" {
		r.emit(Event{Actor: "script", Kind: KindNarration, Generation: -1, Partition: -1, Offset: -1, Detail: strings.TrimSpace(a.Say), Cause: cause})
	}
	if a.Do == DoPause {
		r.emit(Event{Actor: "script", Kind: KindPause, Generation: -1, Partition: -1, Offset: -1, Detail: strings.TrimSpace(a.Say), Cause: cause})
	}
}

// unanchored records the anchored steps whose event never came, at the
// end of the run, so no narration is dropped without a word.
func (r *runner) unanchored() {
	rest := r.anchored
	r.anchored = nil
	for _, a := range rest {
		r.teach(a, "its anchor ("+a.After.String()+") did not happen by the end of the run")
	}
}

// str interns s in the timeline's string table, through the cache c.
// (tape.str's fast path, written out: through a call to it the method
// is too big to inline at the recording sites.)
func (r *runner) str(c *strRef, s string) uint32 {
	if len(c.s) == len(s) && unsafe.StringData(c.s) == unsafe.StringData(s) {
		return c.i
	}
	return r.t.strSlow(c, s)
}

// strFixed is str for a call site whose string never changes (an app's
// consumer id and group): after the first call it is one load.
func (r *runner) strFixed(c *strRef, s string) uint32 {
	if c.ok {
		return c.i
	}
	return r.t.strSlow(c, s) // (not str: this stays small enough to inline)
}

// after schedules fn d from now: on the simulator's clock without the
// Loop interface's dynamic call (the app's turns and processing timers,
// a few per message).
func (r *runner) after(d time.Duration, fn func()) clock.Timer {
	if r.sim != nil {
		return r.sim.After(d, fn)
	}
	return r.loop.After(d, fn)
}

func (r *runner) at(d time.Duration, fn func()) {
	r.loop.At(r.start.Add(d), fn)
}

// atFirst schedules a script step: at d, ahead of everything else due then
// (clock.Sim.AtFirst), in the order steps are scheduled. A clock without
// AtFirst (the wall clock of a real cluster) schedules it as at does.
func (r *runner) atFirst(d time.Duration, fn func()) {
	if f, ok := r.loop.(interface {
		AtFirst(time.Time, func()) clock.Timer
	}); ok {
		f.AtFirst(r.start.Add(d), fn)
		return
	}
	r.at(d, fn)
}

func (r *runner) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// createTopics creates the scenario's topics.
func (r *runner) createTopics() error {
	for _, t := range r.s.Topics {
		if err := r.b.CreateTopic(t); err != nil {
			return fmt.Errorf("run %s: create topic %s: %w", r.s.Name, t.Name, err)
		}
	}
	return nil
}

// setup schedules the script, the consumers' starts and the producers
// (the topics exist: see createTopics).
func (r *runner) setup() error {
	s := r.s
	r.byID = map[string]*app{}
	r.prods = map[string]*scriptedProducer{}
	r.seen = map[string]map[msgID]bool{}
	r.b.WatchGroups(func(e Event) { r.emit(e) })
	// Anchored steps wait from their time for their event; they are armed
	// ahead of every other step of that instant, so an anchor on a crash
	// scripted at the same time sees it.
	for i := range s.Script {
		if a := &s.Script[i]; a.After != nil {
			r.atFirst(a.At, func() { r.act(a) })
		}
	}
	for i := range s.Script {
		if a := &s.Script[i]; a.After == nil {
			r.atFirst(a.At, func() { r.act(a) })
		}
	}
	scripted := map[string]bool{}
	for _, a := range s.Script {
		if a.Do == DoStart {
			scripted[a.Consumer] = true
		}
	}
	for i := range s.Consumers {
		spec := &s.Consumers[i]
		a := &app{r: r, spec: spec}
		r.apps = append(r.apps, a)
		r.byID[spec.ID] = a
		start := time.Duration(0)
		if spec.Start != nil {
			start = *spec.Start
		} else if scripted[spec.ID] {
			continue
		}
		r.at(start, func() { a.startClient(KindStart) })
	}
	for i := range s.Producers {
		p := &s.Producers[i]
		r.at(p.At, func() {
			r.produce(p.ID, p.Config, p.Topic, p.Count, p.Interval, p.Key, p.Keys, p.Value, p.Partition, p.OnQueueFull == QueueFullError)
		})
	}
	return nil
}

// result is the run's Result once the loop has run to end. Once the
// groups are described, release lets go of the run's world (the backend,
// the clients, their bookkeeping): classifying reads only the timeline,
// and a big run need not hold its broker's log meanwhile.
func (r *runner) result(end time.Duration, release func()) *Result {
	r.unanchored()
	s := r.s
	res := &Result{
		SchemaVersion: SchemaVersion,
		Scenario:      s.Name,
		Seed:          r.seed,
		Backend:       r.b.Name(),
		Duration:      end,
	}
	res.tape = r.t
	groupTopics := map[string][]string{}
	for _, c := range s.Consumers {
		for _, t := range c.Topics {
			if !slices.Contains(groupTopics[c.Group], t) {
				groupTopics[c.Group] = append(groupTopics[c.Group], t)
			}
		}
	}
	var groups []string
	for g := range groupTopics {
		groups = append(groups, g)
	}
	slices.Sort(groups)
	for _, g := range groups {
		ts := groupTopics[g]
		slices.Sort(ts)
		res.Groups = append(res.Groups, r.b.Describe(g, ts))
	}
	if res.Groups == nil {
		res.Groups = []GroupResult{}
	}
	release()
	res.Outcome = classifyRun(r.t, r.onlyNotable)
	return res
}

// releaseWorld drops the runner's references to the run's world (the
// clock and what it has scheduled, the apps and their clients, the
// producers, the commit and idempotence bookkeeping), once the run is
// over and described; the timeline stays.
func (r *runner) releaseWorld() {
	r.loop, r.sim, r.rnd = nil, nil, nil
	r.apps, r.byID, r.prods = nil, nil, nil
	r.seen, r.commitTrig, r.commitIDs = nil, nil, nil
	r.anchored, r.process = nil, nil
}

// act runs one script step.
func (r *runner) act(a *Action) {
	if a.After != nil && (a.Do == DoSay || a.Do == DoPause) {
		r.anchored = append(r.anchored, a)
		return
	}
	if a.Say != "" {
		r.emit(Event{Actor: "script", Kind: KindNarration, Generation: -1, Partition: -1, Offset: -1, Detail: strings.TrimSpace(a.Say)})
	}
	switch a.Do {
	case DoPause:
		r.emit(Event{Actor: "script", Kind: KindPause, Generation: -1, Partition: -1, Offset: -1, Detail: strings.TrimSpace(a.Say)})
	case DoProduce:
		r.produce("script", nil, a.Topic, a.Count, a.Interval, a.Key, nil, a.Value, a.Partition, false)
	case DoBrokerDown, DoBrokerUp:
		up := a.Do == DoBrokerUp
		k := KindBrokerDown
		if up {
			k = KindBrokerUp
		}
		r.emit(Event{Actor: "broker", Kind: k, Generation: -1, Partition: -1, Offset: -1})
		if err := r.b.SetBrokerAvailable(up); err != nil {
			r.fail(err)
		}
		r.brokerDown = !up
		if up {
			// Apps blocked in a synchronous commit get their coordinator
			// back (after this instant's other events: reconnecting).
			for _, ap := range r.apps {
				if ap.waiting {
					inc := ap.inc
					r.loop.After(0, func() {
						if ap.inc == inc {
							ap.endWait("the broker is back: the synchronous commit goes ahead")
						}
					})
				}
			}
		}
	case DoStart:
		r.byID[a.Consumer].scriptStart()
	case DoCrash:
		why := "scripted crash"
		if a.Note != "" {
			why = a.Note
		}
		r.byID[a.Consumer].crash(why)
	case DoClose:
		r.byID[a.Consumer].close()
	case DoRestart:
		ap := r.byID[a.Consumer]
		if ap.alive() {
			ap.crash("restart: the process is killed")
		}
		ap.startClient(KindRestart)
	case DoStall:
		r.byID[a.Consumer].stall()
	case DoResume:
		r.byID[a.Consumer].resume()
	}
}

// produce sends count messages, one every interval, from producer id.
// A message the producer's queue has no room for (_QUEUE_FULL,
// queue.buffering.max.messages) is sent as a producing app sends it: the
// step polls until a delivery report frees room (librdkafka's
// examples/producer.c: rd_kafka_poll(rk, 1000), then the same message
// again), and the messages after it follow; one produce_wait event per
// stretch of waiting says how long and how many polls. With failOnFull
// (a producer's on_queue_full: error) the app takes the error instead:
// the message is not produced and an error event records it.
func (r *runner) produce(id string, conf client.ConfigMap, topic string, count int, interval time.Duration, key string, keys []string, value string, partition int32, failOnFull bool) {
	sp := r.prods[id]
	if sp == nil {
		// No delivery reports: the hooks record each message as it is
		// sent, and a report waiting for a Poll would keep its message
		// (and everything it points at) alive for the rest of the run.
		m := client.ConfigMap{"client.id": id, "linger.ms": 0, "go.delivery.reports": false}
		for k, v := range conf {
			m[k] = v
		}
		sp = &scriptedProducer{recorder: &recorder{r: r, actor: id}}
		p, err := r.b.NewProducer(m, sp)
		if err != nil {
			r.fail(fmt.Errorf("producer %s: %w", id, err))
			return
		}
		sp.p = p
		if pc, ok := p.(interface{ Config() client.ProducerConfig }); ok {
			sp.queueMax = pc.Config().QueueMaxMessages
		}
		r.prods[id] = sp
	}
	r.asked += count
	st := &produceStep{r: r, sp: sp, p: sp.p, id: id, topic: topic, count: count, interval: interval,
		keys: keys, partition: partition, failOnFull: failOnFull, text: newMsgText(id, key, value, len(keys) > 0)}
	st.batch, _ = sp.p.(batchProducer)
	st.runFn = st.run
	st.first = r.loop.Now()
	st.run()
}

// batchProducer is a producer that queues a burst of messages in one call
// (the simulator's): the same as Produce for each, in order, up to the
// first refused (see sim.Producer.ProduceBatch).
type batchProducer interface {
	ProduceBatch(msgs []client.Message) (int, error)
}

// produceStep is one produce step: count messages from a scripted
// producer, one every interval (0: all at once), and where it is.
type produceStep struct {
	r          *runner
	sp         *scriptedProducer
	p          client.Producer
	batch      batchProducer // p, if it takes bursts; else nil
	id, topic  string
	count      int
	interval   time.Duration
	keys       []string // the keys to take in turn, if given
	partition  int32
	failOnFull bool
	text       *msgText
	runFn      func() // run, made once

	first time.Time        // when the first message was sent
	i     int              // the next message to send
	pend  []client.Message // messages i, i+1, ... built and not yet sent (refused for want of room: sent again as they are)
	polls int              // polls since the queue was found full (0: not waiting)
	since time.Duration    // when it was found full
}

// build makes up to n messages from i on (as many as the arena's block
// holds) into pend.
func (st *produceStep) build(n int) {
	ar := st.r.pmem
	ms := ar.messages(st.topic, st.partition, n)
	st.text.fill(ar, ms, st.i)
	if len(st.keys) > 0 {
		for j := range ms {
			if k := st.keys[(st.i+j)%len(st.keys)]; k != "" {
				ms[j].Key = ar.literal(k)
			}
		}
	}
	st.pend = ms
}

// produce queues msgs as Produce would, one after the other, up to the
// first refused: how many it queued, and the refusal.
func (st *produceStep) produce(msgs []client.Message) (int, error) {
	if st.batch != nil {
		return st.batch.ProduceBatch(msgs)
	}
	for j := range msgs {
		if err := st.p.Produce(&msgs[j], nil); err != nil {
			return j, err
		}
	}
	return len(msgs), nil
}

// try sends messages from i on, up to n of them (building them when none
// waits), and reports whether it is done with them (sent, or failed and
// reported); false: the queue is full and the step waits. What it records
// is what sending them one by one records: after the first sent after a
// wait, the wait; for a message refused otherwise, an error (then the
// wait, if no message went before it).
func (st *produceStep) try(n int) bool {
	if len(st.pend) == 0 {
		if st.batch == nil {
			// One Produce at a time, the step's records in between as
			// they always were, whatever the client does in Produce.
			n = 1
		}
		st.build(n)
	}
	k, err := st.produce(st.pend)
	if k > 0 {
		if st.polls > 0 {
			st.waited()
		}
		st.i += k
		st.pend = st.pend[k:]
	}
	if err == nil {
		return true
	}
	if !st.failOnFull && errors.Is(err, kerr.QueueFull) {
		return false
	}
	st.r.emit(Event{Actor: st.id, Kind: KindClientErr, Generation: -1, Topic: st.topic, Partition: -1, Offset: -1, Error: errName(err), Detail: "produce: " + err.Error()})
	if st.polls > 0 {
		st.waited()
	}
	st.i++
	st.pend = st.pend[1:]
	return true
}

// waited records the end of a wait for room: message i is going.
func (st *produceStep) waited() {
	r := st.r
	r.emit(Event{Actor: st.id, Kind: KindProduceWait, Generation: -1, Topic: st.topic, Partition: -1, Offset: -1, Error: kerr.QueueFull.String(),
		Detail: st.sp.waitDetail(st.i, st.count, st.polls, r.now()-st.since)})
	st.polls = 0
}

// wait polls the producer until a delivery report frees room in its
// queue, or for at most a second, and runs the step on.
func (st *produceStep) wait() {
	if st.polls == 0 {
		st.since = st.r.now()
	}
	st.polls++
	st.sp.waitForReport(st.r.loop, func() {
		st.p.Poll(0)
		st.run()
	})
}

// run sends what is due: the next message (with an interval), or all
// that the queue takes.
func (st *produceStep) run() {
	if st.interval > 0 {
		if st.i >= st.count {
			return
		}
		if !st.try(1) {
			st.wait()
			return
		}
		st.p.Poll(0)
		// On the producer's schedule, not interval after this send: a
		// real cluster's produce call takes time, and the schedule
		// must not drift by it (nor by a wait for room: what is late
		// goes at once).
		st.r.loop.At(st.first.Add(time.Duration(st.i)*st.interval), st.runFn)
		return
	}
	for st.i < st.count {
		if !st.try(st.count - st.i) {
			st.wait()
			return
		}
	}
	st.p.Poll(0)
}

// pollTimeout is how long a producing app waiting for room in its queue
// polls before it tries again without a delivery report.
const pollTimeout = time.Second

// scriptedProducer is a producer of the scenario (or the script's): its
// client, the hooks that record what it sends, and the produce steps
// waiting for room in its queue.
type scriptedProducer struct {
	*recorder
	p        client.Producer
	queueMax int // queue.buffering.max.messages, 0 when the client does not say
	// waiting are the steps polling for room: the next delivery report
	// (a message sent or failed) ends their poll.
	waiting []*reportWait
}

// reportWait is a produce step polling for a delivery report.
type reportWait struct {
	timer clock.Timer
	fn    func()
}

// OnProduced records the message and ends the waiting steps' polls: the
// queue has room again. They go on right after this instant's sending.
func (sp *scriptedProducer) OnProduced(p client.Produced) {
	sp.recorder.produced(p.Message)
	if len(sp.waiting) == 0 {
		return
	}
	ws := sp.waiting
	sp.waiting = nil
	for _, w := range ws {
		w.timer.Stop()
		sp.r.loop.After(0, w.fn)
	}
}

// waitForReport runs fn after the producer's next delivery report, or
// after pollTimeout if none comes (a poll that timed out).
func (sp *scriptedProducer) waitForReport(loop clock.Loop, fn func()) {
	w := &reportWait{fn: fn}
	w.timer = loop.After(pollTimeout, func() {
		sp.waiting = slices.DeleteFunc(sp.waiting, func(x *reportWait) bool { return x == w })
		fn()
	})
	sp.waiting = append(sp.waiting, w)
}

// waitDetail is a produce_wait event's Detail: the producer waited polls
// times, for d, before message i of count went.
func (sp *scriptedProducer) waitDetail(i, count, polls int, d time.Duration) string {
	q := "the queue was full"
	if sp.queueMax > 0 {
		q = fmt.Sprintf("the queue was full (queue.buffering.max.messages=%d)", sp.queueMax)
	}
	times := "once"
	if polls > 1 {
		times = fmt.Sprintf("%d times", polls)
	}
	return fmt.Sprintf("%s at message %d of %d: the producer polled %s for delivery reports, waited %s, then produced on", q, i, count, times, FormatDuration(d))
}

// produceArena hands out the messages the run's producers send, and their
// key and value bytes, from blocks instead of several allocations per
// message. Every slice handed out is capped, so nothing appended to one can
// reach another; nothing writes to them afterwards. On the simulator the
// byte blocks are recycled for later runs when the session closes (see
// release): the broker copies keys and values into its log and the
// recorder copies keys, so nothing outside the run keeps them. Messages
// are not recycled, and the arena lets go of a used-up block: once the
// producer has reported them they are garbage, instead of memory every
// garbage collection during the run (or, pooled, between runs) scans;
// the first blocks of a run, up to keepMsgs messages, are kept and
// recycled with the byte blocks (a run of the size of a benchmark or a
// property test's case then allocates no messages; a long run keeps
// no more than those alive).
type produceArena struct {
	msgs []client.Message // the block messages come from; a full one is let go (the producer keeps what it still needs)
	mlen int              // the length of the last message block
	// kept are the message blocks of this run to recycle (at most
	// keepMsgs messages); spare are recycled blocks, handed out (in
	// order) before new ones are made, and dirty says msgs is one of
	// them: its messages are reset as they are handed out.
	kept, spare [][]client.Message
	nkept       int
	dirty       bool
	bufs        [][]byte // byte blocks, recycled: bufs[bcur] is the one in use
	bcur        int
	buf         []byte
}

// keepMsgs bounds the messages an arena recycles.
const keepMsgs = 8192

// Message blocks start at msgFirst messages and double up to msgBlock: a
// run producing a handful of messages does not allocate room for
// hundreds.
const (
	msgFirst = 8
	msgBlock = 256
)

// arenaPool recycles the byte blocks of finished simulator runs.
var arenaPool sync.Pool

// newProduceArena takes recycled byte blocks if there are some.
func newProduceArena() *produceArena {
	if ar, ok := arenaPool.Get().(*produceArena); ok {
		return ar
	}
	return &produceArena{}
}

// release drops the messages and returns the byte blocks to the pool.
// Only for runs whose producers are done with every message (the
// simulator, once closed).
func (ar *produceArena) release() {
	ar.msgs, ar.mlen, ar.dirty = nil, 0, false
	// The blocks kept, and the spare ones this run did not reach, serve
	// the next run in the same order.
	ar.spare = append(ar.kept, ar.spare...)
	ar.kept, ar.nkept = nil, 0
	ar.bcur = 0
	if len(ar.bufs) > 0 {
		ar.buf = ar.bufs[0][:0]
	}
	arenaPool.Put(ar)
}

// messages hands out up to n (at least one) consecutive messages of the
// current block, for topic and partition, all else zero.
func (ar *produceArena) messages(topic string, partition int32, n int) []client.Message {
	if len(ar.msgs) == 0 {
		ar.nextBlock()
	}
	n = min(n, len(ar.msgs))
	ms := ar.msgs[:n:n]
	ar.msgs = ar.msgs[n:]
	if ar.dirty {
		// Recycled messages: what the last run and its producer wrote
		// goes.
		for i := range ms {
			resetMessage(&ms[i], topic, partition)
		}
		return ms
	}
	// Fresh, all zero: set only what is not (storing a whole
	// TopicPartition would also store its zero pointer fields, each a
	// write barrier while the collector marks).
	for i := range ms {
		ms[i].TopicPartition.Topic, ms[i].TopicPartition.Partition = topic, partition
	}
	return ms
}

// resetMessage makes m what client.Message{TopicPartition:
// client.TopicPartition{Topic: topic, Partition: partition}} is, field by
// field, writing a pointer field only when it is not already nil: a
// whole-struct store writes every pointer slot, each a write barrier
// while the collector marks, and a recycled message has most of them nil
// (TestResetMessage holds it to the struct literal, field by field).
func resetMessage(m *client.Message, topic string, partition int32) {
	tp := &m.TopicPartition
	tp.Topic, tp.Partition, tp.Offset = topic, partition, 0
	if tp.Metadata != nil {
		tp.Metadata = nil
	}
	if tp.Error != nil {
		tp.Error = nil
	}
	if m.Value != nil {
		m.Value = nil
	}
	if m.Key != nil {
		m.Key = nil
	}
	if m.Timestamp != (time.Time{}) {
		m.Timestamp = time.Time{}
	}
	m.TimestampType = 0
	if m.Headers != nil {
		m.Headers = nil
	}
	if m.Opaque != nil {
		m.Opaque = nil
	}
}

// nextBlock starts the next message block: a spare one, else a new one
// of twice the last one's length.
func (ar *produceArena) nextBlock() {
	if n := len(ar.spare); n > 0 {
		ar.msgs, ar.dirty = ar.spare[0], true
		ar.spare[0] = nil
		ar.spare = ar.spare[1:]
	} else {
		ar.mlen = min(max(2*ar.mlen, msgFirst), msgBlock)
		ar.msgs, ar.dirty = make([]client.Message, ar.mlen), false
	}
	if ar.nkept+len(ar.msgs) <= keepMsgs {
		ar.kept = append(ar.kept, ar.msgs)
		ar.nkept += len(ar.msgs)
	}
}

// reserve makes room for n more bytes.
func (ar *produceArena) reserve(n int) {
	if cap(ar.buf)-len(ar.buf) >= n {
		return
	}
	if ar.buf != nil {
		ar.bcur++
	}
	for ar.bcur < len(ar.bufs) && cap(ar.bufs[ar.bcur]) < n {
		ar.bcur++
	}
	if ar.bcur >= len(ar.bufs) {
		ar.bufs = append(ar.bufs, make([]byte, 0, max(n, 4096)))
		ar.bcur = len(ar.bufs) - 1
	}
	ar.buf = ar.bufs[ar.bcur][:0]
}

// done caps and returns the bytes appended since start.
func (ar *produceArena) done(start int) []byte {
	return ar.buf[start:len(ar.buf):len(ar.buf)]
}

// literal is s copied into the arena (a key given as is); never nil.
func (ar *produceArena) literal(s string) []byte {
	ar.reserve(len(s))
	start := len(ar.buf)
	ar.buf = append(ar.buf, s...)
	return ar.done(start)
}

// template is a key or value text split around its "{i}" placeholders,
// so that a produce step expands it for each message without searching
// it again.
type template struct {
	parts []string // the text between placeholders: len(parts)-1 of them
	fixed int      // the length of the parts together
	lit   []byte   // the text, when it has no placeholder
}

func parseTemplate(s string) template {
	t := template{parts: strings.Split(s, "{i}"), fixed: len(s) - 3*strings.Count(s, "{i}")}
	if len(t.parts) == 1 {
		t.lit = []byte(s)[:len(s):len(s)]
	}
	return t
}

// idTemplate is the template of the default value "<id>-<i>".
func idTemplate(id string) template { return parseTemplate(id + "-{i}") }

// msgText writes the keys and values of a produce step's messages into
// the arena. Their numbers come in order, so a message's text is the last
// one's with the number incremented where it appears: the templates with
// placeholders are kept expanded, the key's then the value's, in line,
// and a message's key and value are one copy of it (a literal text is the
// same read-only slice for every message; no key template, no key).
type msgText struct {
	kt, vt template
	keyed  bool   // a key template was given
	kvar   bool   // the key has placeholders (its text is in line)
	vvar   bool   // the value has placeholders (its text follows the key's)
	line   []byte // the expanded texts of message n
	klen   int    // the key's length in line (0 unless kvar)
	ends   []int  // where each placeholder's digits end in line
	width  int    // the number of digits of n
	n      int
	set    bool
}

// newMsgText is the text of a produce step with key and value templates
// (value "": the producer's id and the number, "<id>-<i>"); with keyList
// the step takes its keys from a list instead, and the key template is
// not used.
func newMsgText(id, key, value string, keyList bool) *msgText {
	t := &msgText{kt: parseTemplate(key), vt: parseTemplate(value), keyed: key != "" && !keyList}
	if value == "" {
		t.vt = idTemplate(id)
	}
	t.kvar = t.keyed && t.kt.lit == nil
	t.vvar = t.vt.lit == nil
	return t
}

// fill writes the keys and values of messages ms, numbered from first
// on (no key without a key template).
func (t *msgText) fill(ar *produceArena, ms []client.Message, first int) {
	if !t.kvar && !t.vvar {
		for j := range ms {
			if t.keyed {
				ms[j].Key = t.kt.lit
			}
			ms[j].Value = t.vt.lit
		}
		return
	}
	for j := range ms {
		if !t.next(first + j) {
			t.build(first + j)
		}
		n := len(t.line)
		if cap(ar.buf)-len(ar.buf) < n {
			ar.reserve(n)
		}
		buf := ar.buf
		start := len(buf)
		b := buf[start : start+n : start+n]
		copy(b, t.line)
		ar.buf = buf[:start+n]
		m := &ms[j]
		switch {
		case t.kvar:
			m.Key = b[:t.klen:t.klen]
		case t.keyed:
			m.Key = t.kt.lit
		}
		if t.vvar {
			m.Value = b[t.klen:]
		} else {
			m.Value = t.vt.lit
		}
	}
}

// next turns line into message i's text, if i follows the last number
// with as many digits: the last digit of every placeholder incremented,
// carrying over nines. It reports false when it cannot (a first
// message, a jump, one digit more).
func (t *msgText) next(i int) bool {
	if !t.set || i != t.n+1 {
		return false
	}
	line := t.line
	for _, e := range t.ends {
		j := e - 1
		for line[j] == '9' {
			if j == e-t.width {
				return false // all nines
			}
			line[j] = '0'
			j--
		}
		line[j]++
	}
	t.n = i
	return true
}

// build writes message i's text into line from the templates.
func (t *msgText) build(i int) {
	var num [20]byte
	digits := strconv.AppendInt(num[:0], int64(i), 10)
	t.line, t.ends = t.line[:0], t.ends[:0]
	add := func(tm *template) {
		for j, p := range tm.parts {
			if j > 0 {
				t.line = append(t.line, digits...)
				t.ends = append(t.ends, len(t.line))
			}
			t.line = append(t.line, p...)
		}
	}
	if t.kvar {
		add(&t.kt)
	}
	t.klen = len(t.line)
	if t.vvar {
		add(&t.vt)
	}
	t.n, t.width, t.set = i, len(digits), i >= 0
}

// Commit strategies need ordered partition keys.
func sortKeysTP(m map[client.PartitionKey]client.Offset) []client.TopicPartition {
	out := make([]client.TopicPartition, 0, len(m))
	for k, o := range m {
		out = append(out, client.TopicPartition{Topic: k.Topic, Partition: k.Partition, Offset: o})
	}
	slices.SortFunc(out, func(a, b client.TopicPartition) int {
		return cmp.Or(cmp.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
	return out
}
