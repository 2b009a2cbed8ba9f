package check

import (
	"fmt"
	"time"

	"pgregory.net/rapid"

	"github.com/kafkasim/kafkasim/broker"
	"github.com/kafkasim/kafkasim/client"
	"github.com/kafkasim/kafkasim/group"
	"github.com/kafkasim/kafkasim/scenarios"
)

// Fixed shape of every case. Timeouts are shorter than librdkafka's
// defaults so that session expiry and max.poll.interval.ms are reached by a
// few drawn waits; the consumer configuration in Config can change them.
const (
	groupName   = "g"
	pollIdle    = time.Second
	healCap     = 5 * time.Minute
	healStep    = time.Second
	maxProduce  = 20
	slowProcess = 500 * time.Millisecond
)

// waitRanges are the ranges of a drawn wait, in milliseconds.
var waitRanges = [][2]int{{1, 100}, {100, 3_000}, {3_000, 30_000}}

// A window wait runs on, at most windowCap, until some running consumer
// is inside a drawn window of its work. A fault drawn next lands there; a
// drawn wait of fixed length hits a window a few milliseconds long only
// by chance.
const windowCap = 6 * time.Second

// window is a stretch of a consumer's work a fault may be aimed at.
type window int

const (
	// windowUncommitted: a message's effect happened, no commit covers
	// it yet (a crash there redelivers it: duplicates).
	windowUncommitted window = iota
	// windowCommittedAhead: a commit covers a message whose effect has
	// not happened yet (a crash there loses it: auto-commit, commit
	// before processing).
	windowCommittedAhead
	// windowProcessing: a message delivered, its effect not yet
	// happened.
	windowProcessing
)

// windows are the windows a window wait may run to.
var windows = []window{windowUncommitted, windowCommittedAhead, windowProcessing}

// inWindow reports whether a running consumer is inside win.
func (w *world) inWindow(win window) bool {
	for _, m := range w.members {
		if inc := m.cur; inc != nil && inc.alive() && !inc.stalled && inc.inWindow(win) {
			return true
		}
	}
	return false
}

// inWindow reports whether the incarnation is inside win.
func (inc *incarnation) inWindow(win window) bool {
	if win == windowProcessing {
		return inc.busy()
	}
	for _, f := range inc.flights {
		if win == windowUncommitted && f.effected {
			return true
		}
		if c, ok := inc.committed[f.tp]; win == windowCommittedAhead && ok && !f.effected && f.off < c {
			return true
		}
	}
	return false
}

// runToWindow runs the world from cursor (ms-aligned) to the first
// millisecond boundary at which a running consumer is inside win (or none
// is running, or windowCap has passed) and returns it. It looks at the
// boundary after each change in the cluster (nothing else moves a
// consumer into a window), not at every one: its cost follows what
// happens, not how long it waits.
func (w *world) runToWindow(win window, cursor time.Duration) time.Duration {
	until := cursor + windowCap
	for cursor < until {
		stop := false
		w.d.Do(func() { stop = w.inWindow(win) || !w.anyAlive() })
		if stop {
			break
		}
		if !w.d.RunUntilChange(w.start.Add(until)) {
			cursor = until
		} else {
			cursor = min(w.now().Truncate(time.Millisecond)+time.Millisecond, until)
		}
		w.runTo(cursor)
	}
	return cursor
}

// anyAlive reports whether some consumer is running (a window wait
// stops when none is: nobody would enter a window before the next
// fault).
func (w *world) anyAlive() bool {
	for _, m := range w.members {
		if m.cur != nil && m.cur.alive() {
			return true
		}
	}
	return false
}

// caseResult is one case's run: the scenario it amounts to, the timeline,
// what the checks found.
type caseResult struct {
	sc       *scenarios.Scenario
	events   []scenarios.Event
	outcome  scenarios.Outcome
	faults   Faults
	notes    []string // per script step: what the consumer was doing
	problems []problem
	healAt   time.Duration
	// latency is the case's JoinGroup/SyncGroup latency (fence.go).
	latency time.Duration
	err     error // the case could not run (Replay)
}

// problem is one broken rule.
type problem struct {
	rule string // e.g. "invariant 4 (fenced commits)" or "at-least-once: LOST"
	text string
	seq  int // timeline event showing it, -1 if none
	tp   scenarios.TP
	off  int64
}

// drawTopology draws the case's scenario skeleton.
func drawTopology(t *rapid.T, cfg *Config, faults Faults) *scenarios.Scenario {
	parts, nCons, msgs := cfg.MaxPartitions, cfg.MaxConsumers, cfg.MaxMessages
	if !cfg.fixedShape {
		parts = rapid.IntRange(1, cfg.MaxPartitions).Draw(t, "partitions")
		nCons = rapid.IntRange(1, cfg.MaxConsumers).Draw(t, "consumers")
		msgs = rapid.IntRange(0, cfg.MaxMessages).Draw(t, "messages")
	}
	seed := rapid.Uint64Range(1, 1<<20).Draw(t, "seed")
	h := cfg.Handler
	zero := time.Duration(0)
	topicName := cfg.topic()
	sc := &scenarios.Scenario{
		Seed:    seed,
		Topics:  []scenarios.Topic{{Name: topicName, Partitions: parts}},
		Cluster: scenarios.Cluster{GroupInitialRebalanceDelay: &zero},
	}
	if msgs > 0 {
		sc.Producers = []scenarios.Producer{{ID: "p", Topic: topicName, Count: msgs, Key: "k-{i}", Partition: client.PartitionAny}}
	}
	for i := range nCons {
		conf := client.ConfigMap{
			"auto.offset.reset":    "earliest",
			"session.timeout.ms":   10000,
			"max.poll.interval.ms": 20000,
		}
		for k, v := range cfg.Consumer {
			conf[k] = v
		}
		if fmt.Sprint(conf["group.protocol"]) == client.GroupProtocolConsumer {
			// KIP-848: the broker sets the session timeout; librdkafka
			// refuses session.timeout.ms.
			delete(conf, "session.timeout.ms")
		}
		if cfg.App != nil {
			// A user's app: its own processing and commits.
			c := scenarios.Consumer{ID: fmt.Sprintf("c%d", i+1), Group: groupName, Topics: []string{topicName},
				Config: conf, PollIdle: pollIdle, Processing: scenarios.Processing{Commit: scenarios.StrategyNone, OnFailure: scenarios.FailSkip}}
			if i == 0 || faults&Join == 0 || !rapid.Bool().Draw(t, "joins_late") {
				c.Start = &zero
			}
			sc.Consumers = append(sc.Consumers, c)
			continue
		}
		for k, v := range h.Strategy.config() {
			conf[k] = v
		}
		proc := time.Duration(rapid.IntRange(0, int(h.ProcessingTime/time.Millisecond)).Draw(t, "process_ms")) * time.Millisecond
		if faults&SlowProcessing != 0 && rapid.Bool().Draw(t, "slow") {
			proc = time.Duration(rapid.IntRange(int(h.ProcessingTime/time.Millisecond), int(slowProcess/time.Millisecond)).Draw(t, "slow_ms")) * time.Millisecond
		}
		p := scenarios.Processing{
			Time: proc, TimeMax: proc, Commit: h.Strategy.commit, Every: h.Strategy.every,
			OnFailure: scenarios.FailSkip, Async: h.Async, Idempotent: h.Idempotent,
		}
		if p.Commit != scenarios.StrategyAuto && p.Commit != scenarios.StrategyBeforeProcess {
			p.CommitDelay = time.Duration(rapid.IntRange(0, 50).Draw(t, "commit_delay_ms")) * time.Millisecond
		}
		c := scenarios.Consumer{ID: fmt.Sprintf("c%d", i+1), Group: groupName, Topics: []string{topicName},
			Config: conf, PollIdle: pollIdle, Processing: p}
		if i == 0 || faults&Join == 0 || !rapid.Bool().Draw(t, "joins_late") {
			c.Start = &zero
		}
		sc.Consumers = append(sc.Consumers, c)
	}
	return sc
}

// runCase draws and runs one case: in lockstep for a Handler's built-in
// app, in a synctest bubble of its own for a user's App.
func runCase(t *rapid.T, cfg *Config) *caseResult {
	return drawAndRun(t, cfg, cfg.App != nil)
}

// appState is what the harness knows of a consumer when it picks one for
// a fault.
type appState struct {
	id                                 string
	started, running, stalled, closing bool
}

func (w *world) states() []appState {
	out := make([]appState, len(w.members))
	for i, m := range w.members {
		st := appState{id: m.spec.ID, started: m.started}
		if inc := m.cur; inc != nil {
			st.running, st.stalled, st.closing = inc.alive(), inc.stalled, inc.closing
		}
		out[i] = st
	}
	return out
}

// drawAndRun draws a case's topology and faults and runs it.
func drawAndRun(t *rapid.T, cfg *Config, bubble bool) *caseResult {
	if cfg.Setup != nil {
		cfg.Setup()
	}
	var faults Faults
	for _, n := range faultNames {
		if cfg.faults()&n.f != 0 && rapid.Bool().Draw(t, "enable_"+n.name) {
			faults |= n.f
		}
	}
	sc := drawTopology(t, cfg, faults)
	lat := drawFence(t, cfg, sc)
	w, err := newWorld(sc, cfg, cfg.app(), bubble, caseLabel(), lat)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	defer w.close()
	res := &caseResult{sc: sc, faults: faults, latency: lat}
	chk := newChecker(cfg, w)
	brokerDown := false
	var cursor time.Duration // ms-aligned time of the last wait
	step := 0                // fault steps so far: each gets its own microsecond
	script := func(a scenarios.Action) {
		step++
		a.At = cursor + time.Duration(step)*time.Microsecond
		sc.Script = append(sc.Script, a)
		res.notes = append(res.notes, w.act(a))
	}
	pick := func(t *rapid.T, ok func(appState) bool) appState {
		var cands []appState
		for _, a := range w.states() {
			if ok(a) {
				cands = append(cands, a)
			}
		}
		if len(cands) == 0 {
			t.Skip("no consumer to act on")
		}
		return cands[rapid.IntRange(0, len(cands)-1).Draw(t, "consumer")]
	}
	running := func(a appState) bool { return a.running }
	consumerStep := func(do string, ok func(appState) bool) func(*rapid.T) {
		return func(t *rapid.T) {
			a := pick(t, ok)
			script(scenarios.Action{Do: do, Consumer: a.id, Partition: client.PartitionAny})
		}
	}
	check := func(t *rapid.T) {
		if p := w.problem(); p != nil {
			res.problems = append(res.problems, *p)
		} else if p := chk.feed(w.events); p != nil {
			res.problems = append(res.problems, *p)
		}
		if len(res.problems) > 0 {
			// Run on to the end the scenario file will have (a second
			// past the last event), so that the outcome covers what a
			// replay of the file covers.
			end := w.events[len(w.events)-1].At.Truncate(time.Millisecond) + time.Second
			w.runTo(end)
			sc.Duration = end
			res.events = w.events
			res.outcome = scenarios.Classify(w.events)
			w.close()
			t.Fatalf("%s", res.failure(cfg).Error())
		}
	}
	actions := map[string]func(*rapid.T){
		"wait": func(t *rapid.T) {
			// Short waits land faults inside processing and commit
			// windows; long ones reach session and poll timeouts.
			r := waitRanges[rapid.IntRange(0, len(waitRanges)-1).Draw(t, "wait_scale")]
			ms := rapid.IntRange(r[0], r[1]).Draw(t, "wait_ms")
			cursor = cursor.Truncate(time.Millisecond) + time.Duration(ms)*time.Millisecond
			w.runTo(cursor)
		},
		"wait_window": func(t *rapid.T) {
			win := rapid.SampledFrom(windows).Draw(t, "window")
			w.call(func() { cursor = w.runToWindow(win, cursor) })
		},
		"": check,
	}
	if faults&Crash != 0 {
		actions["crash"] = consumerStep(scenarios.DoCrash, running)
	}
	if faults&Close != 0 {
		actions["close"] = consumerStep(scenarios.DoClose, func(a appState) bool { return a.running && !a.closing })
	}
	if faults&Restart != 0 {
		actions["restart"] = consumerStep(scenarios.DoRestart, func(a appState) bool { return a.started })
	}
	if faults&Stall != 0 {
		actions["stall"] = consumerStep(scenarios.DoStall, func(a appState) bool { return a.running && !a.stalled && !a.closing })
		actions["resume"] = consumerStep(scenarios.DoResume, func(a appState) bool { return a.running && a.stalled })
	}
	if faults&Join != 0 {
		actions["join"] = consumerStep(scenarios.DoStart, func(a appState) bool { return !a.started })
	}
	if faults&BrokerOutage != 0 {
		actions["broker"] = func(t *rapid.T) {
			do := scenarios.DoBrokerDown
			if brokerDown {
				do = scenarios.DoBrokerUp
			}
			brokerDown = !brokerDown
			script(scenarios.Action{Do: do, Partition: client.PartitionAny})
		}
	}
	if faults&Produce != 0 {
		actions["produce"] = func(t *rapid.T) {
			n := rapid.IntRange(1, maxProduce).Draw(t, "produce_count")
			script(scenarios.Action{Do: scenarios.DoProduce, Topic: cfg.topic(), Count: n, Key: fmt.Sprintf("x%d-{i}", step+1), Partition: client.PartitionAny})
		}
	}

	w.setup()
	// Chaos.
	t.Repeat(actions)

	// Heal: faults off, everyone back, catch up, close gracefully.
	heal(w, res, chk, &cursor, &step, brokerDown, script)
	if w.err != nil {
		t.Fatalf("check: %v", w.err)
	}
	res.events = w.events
	if len(res.problems) == 0 {
		if p := chk.feed(w.events); p != nil {
			res.problems = append(res.problems, *p)
		}
	}
	res.outcome = scenarios.Classify(w.events)
	if len(res.problems) == 0 {
		w.do(func() { res.problems = judge(cfg.Guarantee, &res.outcome, w) })
	}
	w.close()
	return res
}

// heal is the heal phase: the broker back, stalled consumers resumed,
// the others (re)started, catch-up until the group is quiescent, then
// every consumer closes gracefully, the last one once it has caught up.
// It also runs a replayed scenario's end (replay.go).
func heal(w *world, res *caseResult, chk *checker, cursor *time.Duration, step *int, brokerDown bool, script func(scenarios.Action)) {
	*cursor = cursor.Truncate(time.Millisecond) + time.Second
	res.healAt = *cursor
	w.runTo(*cursor) // let closes in progress finish
	// An App told to stop returns when it notices (after its poll, say):
	// wait for that, up to CloseTimeout (then it hangs, and watch says so).
	for end := *cursor + w.cfg.closeTimeout(); w.closing() && *cursor < end; {
		*cursor += 100 * time.Millisecond
		w.runTo(*cursor)
	}
	if brokerDown {
		script(scenarios.Action{Do: scenarios.DoBrokerUp, Partition: client.PartitionAny})
		// Apps blocked in a synchronous commit carry on now, and a close
		// that waited for its commit completes: let that happen before
		// deciding who needs a restart.
		w.runTo(*cursor + time.Duration(*step+1)*time.Microsecond)
	}
	anyStarted := false
	for _, a := range w.states() {
		switch {
		case a.running && a.stalled:
			script(scenarios.Action{Do: scenarios.DoResume, Consumer: a.id, Partition: client.PartitionAny})
		case a.started && !a.running:
			script(scenarios.Action{Do: scenarios.DoRestart, Consumer: a.id, Partition: client.PartitionAny})
		}
		anyStarted = anyStarted || a.started
	}
	if !anyStarted {
		script(scenarios.Action{Do: scenarios.DoStart, Consumer: w.members[0].spec.ID, Partition: client.PartitionAny})
	}
	// A fence case's stream runs on through two rebalances (fence.go):
	// while the consumers brought back rejoin, and while all but one of
	// them leave; then it stops.
	if w.streaming() {
		*cursor += streamTail
		w.runTo(*cursor)
		var live []appState
		for _, a := range w.states() {
			if a.running && !a.closing {
				live = append(live, a)
			}
		}
		for i := 0; i+1 < len(live); i++ {
			script(scenarios.Action{Do: scenarios.DoClose, Consumer: live[i].id, Partition: client.PartitionAny})
		}
		*cursor = cursor.Truncate(time.Millisecond) + streamTail
		w.runTo(*cursor)
		w.stopStream()
	}
	// catchUp runs until the group is quiescent, or records a liveness
	// problem after the budget.
	catchUp := func() {
		from := *cursor
		budget := w.healBudget()
		for now := *cursor; now < from+budget; now += healStep {
			w.runTo(now)
			*cursor = now
			if p := w.problem(); p != nil {
				res.problems = append(res.problems, *p)
				return
			}
			if p := chk.feed(w.events); p != nil {
				res.problems = append(res.problems, *p)
				return
			}
			if w.quiescent() {
				return
			}
		}
		res.problems = append(res.problems, w.livenessProblem(from, budget))
	}
	catchUp()
	// Graceful shutdown: all but one consumer close (the last takes over
	// everything), then the last one once it has caught up.
	var live []appState
	for _, a := range w.states() {
		if a.running {
			live = append(live, a)
		}
	}
	if len(live) > 1 && len(res.problems) == 0 {
		*cursor = cursor.Truncate(time.Millisecond) + time.Second
		for _, a := range live[:len(live)-1] {
			script(scenarios.Action{Do: scenarios.DoClose, Consumer: a.id, Partition: client.PartitionAny})
		}
		catchUp()
	}
	*cursor = cursor.Truncate(time.Millisecond) + time.Second
	for _, a := range w.states() {
		if a.running && !a.closing {
			script(scenarios.Action{Do: scenarios.DoClose, Consumer: a.id, Partition: client.PartitionAny})
		}
	}
	var longest time.Duration
	for _, c := range w.sc.Consumers {
		longest = max(longest, c.Processing.Time+c.Processing.CommitDelay)
	}
	end := *cursor + longest + 10*time.Second
	if w.cfg.App != nil {
		end = max(end, *cursor+w.cfg.closeTimeout())
	}
	w.runTo(end)
	if p := w.problem(); p != nil && len(res.problems) == 0 {
		res.problems = append(res.problems, *p)
	}
	w.finish()
	if p := w.leaks(); p != nil && len(res.problems) == 0 {
		res.problems = append(res.problems, *p)
	}
	w.sc.Duration = end
}

// closing reports whether an App told to stop has not returned yet.
func (w *world) closing() bool {
	for _, m := range w.members {
		if inc := m.cur; inc != nil && inc.alive() && inc.closing && !inc.hung {
			return true
		}
	}
	return false
}

// quiescent reports whether the group has caught up: nothing waits in a
// producer, no consumer is in the middle of a message, and every partition
// is committed to its log end or read to its log end by a running
// consumer.
func (w *world) quiescent() bool {
	q := false
	w.do(func() { q = w.quiescentNow() })
	return q
}

func (w *world) quiescentNow() bool {
	if w.reported < w.asked {
		return false
	}
	for _, m := range w.members {
		if inc := m.cur; inc != nil && inc.alive() && (inc.busy() || inc.stalled || inc.closing) {
			return false
		}
	}
	b := w.cl.Broker()
	topic := w.cfg.topic()
	n, err := b.Partitions(topic)
	if err != nil {
		return true
	}
	var d *group.Description
	for p := range n {
		tp := broker.TopicPartition{Topic: topic, Partition: p}
		end, _ := b.ListOffset(tp, broker.Latest())
		if om, ok := b.CommittedOffset(groupName, tp); (ok && om.Offset == end) || end == 0 {
			continue
		}
		if d == nil {
			desc := w.cl.Coordinator().Describe(groupName)
			if desc.State != group.Stable {
				return false
			}
			d = &desc
		}
		if !w.readToEnd(p, end, *d) {
			return false
		}
	}
	return true
}

// readToEnd reports whether a running consumer that is a current member
// of the group owns partition p and has read it to end.
func (w *world) readToEnd(p int32, end int64, d group.Description) bool {
	for _, m := range w.members {
		inc := m.cur
		if inc == nil || !inc.alive() || inc.c.Generation() != d.Generation {
			continue
		}
		c := inc.c
		member := false
		for _, dm := range d.Members {
			member = member || dm.MemberID == c.MemberID()
		}
		if !member {
			continue
		}
		pos, err := c.Position([]client.TopicPartition{{Topic: w.cfg.topic(), Partition: p}})
		if err != nil || int64(pos[0].Offset) != end {
			continue
		}
		asg, _ := c.Assignment()
		for _, x := range asg {
			if x.Partition == p {
				return true
			}
		}
	}
	return false
}

type tpOff struct {
	tp  scenarios.TP
	off int64
}

// finalCommitted is the group's committed offset of every partition (-1:
// none).
func (w *world) finalCommitted() []tpOff {
	b := w.cl.Broker()
	topicName := w.cfg.topic()
	n, _ := b.Partitions(topicName)
	out := make([]tpOff, 0, n)
	for p := range n {
		tp := broker.TopicPartition{Topic: topicName, Partition: p}
		off := int64(-1)
		if om, ok := b.CommittedOffset(groupName, tp); ok {
			off = om.Offset
		}
		out = append(out, tpOff{scenarios.TP{Topic: topicName, Partition: p}, off})
	}
	return out
}

// logEnd is a partition's log end.
func (w *world) logEnd(tp scenarios.TP) int64 {
	end, _ := w.cl.Broker().ListOffset(broker.TopicPartition{Topic: tp.Topic, Partition: tp.Partition}, broker.Latest())
	return end
}

// lagging lists the partitions whose committed offset is not the log end.
func (w *world) lagging() []string {
	b := w.cl.Broker()
	topicName := w.cfg.topic()
	n, err := b.Partitions(topicName)
	if err != nil {
		return nil
	}
	var out []string
	for p := range n {
		tp := broker.TopicPartition{Topic: topicName, Partition: p}
		end, _ := b.ListOffset(tp, broker.Latest())
		com := int64(-1)
		if om, ok := b.CommittedOffset(groupName, tp); ok {
			com = om.Offset
		}
		if end > 0 && com != end {
			out = append(out, fmt.Sprintf("%s committed %d, log end %d", tp, com, end))
		}
	}
	return out
}

// healBudget is how long catching up may take: healCap for the group to
// settle, plus the time one consumer needs to process every produced
// message twice over (the slowest consumer may end up owning everything).
func (w *world) healBudget() time.Duration {
	var slowest time.Duration
	for _, m := range w.members {
		p := m.spec.Processing
		slowest = max(slowest, max(p.Time, p.TimeMax)+p.CommitDelay)
	}
	return healCap + 2*time.Duration(w.reported)*slowest
}

func (w *world) livenessProblem(healAt, budget time.Duration) problem {
	var lag []string
	w.do(func() { lag = w.lagging() })
	return problem{
		rule: "liveness (invariants 10, 11)",
		text: fmt.Sprintf("%s after the heal phase began at T=%s the group had still not caught up: %v",
			scenarios.FormatDuration(budget), scenarios.FormatDuration(healAt), lag),
		seq: -1, off: -1,
	}
}

// judge applies the guarantee and the universal rules to the outcome, and
// liveness after the heal phase.
func judge(g Guarantee, o *scenarios.Outcome, w *world) []problem {
	var out []problem
	if p := w.audit(); p != nil {
		out = append(out, *p)
	}
	for _, f := range o.Findings {
		switch f.Flag {
		case scenarios.FlagStaleCommitAccepted, scenarios.FlagCommitBeyondEnd:
			out = append(out, problem{rule: "every strategy: " + string(f.Flag), text: f.Detail, seq: f.Seq,
				tp: scenarios.TP{Topic: f.Topic, Partition: f.Partition}, off: f.Offset})
		}
	}
	msgs := o.Messages()
	for i := range msgs {
		m := &msgs[i]
		ref := fmt.Sprintf("%s[%d]@%d", m.Topic, m.Partition, m.Offset)
		add := func(rule, text string) {
			out = append(out, problem{rule: rule, text: text, seq: -1, tp: scenarios.TP{Topic: m.Topic, Partition: m.Partition}, off: m.Offset})
		}
		for _, fl := range m.Flags {
			switch {
			case fl == scenarios.FlagSkip || fl == scenarios.FlagNonMonotonic:
				add("every strategy: "+string(fl), fmt.Sprintf("%s: deliveries within one assignment jumped (%s)", ref, fl))
			case fl == scenarios.FlagCommittedTooFar && g.noLoss():
				add(g.String()+": COMMITTED-TOO-FAR", fmt.Sprintf("%s was covered by an accepted commit before it had an effect", ref))
			}
		}
		switch {
		case m.Outcome == scenarios.Lost && g.noLoss():
			add(g.String()+": LOST", fmt.Sprintf("%s was LOST (%s): %s", ref, m.CauseKind, m.Cause))
		case m.Outcome == scenarios.Duplicated && g.noDup():
			add(g.String()+": DUPLICATED", fmt.Sprintf("%s was DUPLICATED, %d effects (%s): %s", ref, m.Effects, m.CauseKind, m.Cause))
		case m.Outcome == scenarios.Pending && g.noLoss():
			add("liveness (invariant 9)", fmt.Sprintf("%s never had its effect, even after the heal phase (delivered %d times)", ref, m.Deliveries))
		}
	}
	// Invariant 10: after the heal phase every partition is committed to
	// its log end, unless a commit past the final one was tried and
	// failed (an asynchronous commit refused during an outage, say):
	// that leaves harmless redelivery, not lag.
	final := map[scenarios.TP]int64{}
	failed := map[scenarios.TP]int64{} // the highest commit that failed
	for i := range w.events {
		if e := &w.events[i]; e.Kind == scenarios.KindCommitFailed && e.Group == groupName && e.Offset >= 0 {
			failed[e.TP()] = max(failed[e.TP()], e.Offset)
		}
	}
	for _, pr := range w.finalCommitted() {
		final[pr.tp] = pr.off
		end := w.logEnd(pr.tp)
		if end > 0 && pr.off != end && failed[pr.tp] <= pr.off && len(out) == 0 {
			out = append(out, problem{rule: "liveness (invariant 10)", seq: -1, tp: pr.tp, off: pr.off,
				text: fmt.Sprintf("after the heal phase %s is committed at %d, not at its log end %d, and no commit past %d failed: the tail was never committed", pr.tp, pr.off, end, pr.off)})
		}
	}
	for i := range msgs {
		m := &msgs[i]
		tp := scenarios.TP{Topic: m.Topic, Partition: m.Partition}
		if m.Offset >= final[tp] && m.Deliveries == 0 && len(out) == 0 {
			out = append(out, problem{rule: "liveness (invariant 10)", text: fmt.Sprintf("%s[%d]@%d was never read although everyone caught up and closed (final committed offset %d)", m.Topic, m.Partition, m.Offset, final[tp]),
				seq: -1, tp: tp, off: m.Offset})
		}
	}
	return out
}
