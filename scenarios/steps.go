package scenarios

import (
	"slices"
	"sort"
	"strings"
	"time"
)

// StepsCheckpointEvery is how many events lie between two state
// checkpoints of Steps: moving to any step replays at most this many
// events.
const StepsCheckpointEvery = 256

// Steps is a Result indexed by step: the one model of "the state of a run
// after event i" that the terminal UI, the SVG and HTML exports and
// `kafkasim describe --at` share. Building it costs one pass over the
// events; after that, the state at any step costs at most
// StepsCheckpointEvery events of replay (checkpoints), a message's fate a
// binary search (per-message event lists), and a swimlane column a binary
// search (per-actor event lists). It is plain data, built from the events
// alone, so it works as well for a Result read from JSON or recorded on a
// real cluster.
//
// A Steps is not safe for concurrent use while Extend runs; otherwise its
// methods only read it.
type Steps struct {
	// R is the run.
	R  *Result
	ev []Event // R.Events()
	// Parts lists every partition, sorted.
	Parts []TP
	// Groups lists every consumer group, sorted.
	Groups []string
	// Consumers lists every consumer id, in order of first appearance.
	Consumers []string
	// ConsGroup is each consumer's group, by Consumers.
	ConsGroup []string
	// HasBroker reports whether the broker ever went down.
	HasBroker bool

	partIdx map[TP]int
	grpIdx  map[string]int
	consIdx map[string]int
	// first seen, by index: the step a partition, group or consumer
	// first appears at (Snapshot lists only what has appeared).
	partFirst, grpFirst, consFirst []int32

	produced [][]int32          // part → produce seq by offset
	msgs     map[gp][]msgInfo   // group/part → info by offset
	ends     map[string][]int32 // consumer → seqs ending an instance (crash, closed, restart, start)
	byActor  map[string][]int32 // actor → its event seqs (consumers, "group:<id>", "broker")
	moments  []int32
	narr     []int32
	status   map[string][]int32 // consumer → start, restart, crash, close, closed, stall, resume
	delivers map[string][]int32 // consumer → its deliveries
	gstates  map[string][]int32 // group → its group_state events
	broker   []int32            // broker_down, broker_up
	cps      []StepState
	bad      []*MessageOutcome
	tip      StepState            // the state after the last event
	effCount map[gp]map[int64]int // effects so far per message
	// genOwned is what each consumer owned once it had applied a
	// generation's assignment (after its assign event of that
	// generation): the coordinator's assignment, for Describe.
	genOwned map[string]map[int32][]bool
}

type gp struct{ g, p int }

type msgInfo struct {
	deliver []int32
	effect  []int32
	done    []int32 // effect, effect_skipped, process_failed
}

// NewSteps indexes r. It costs one pass over the events.
func NewSteps(r *Result) *Steps {
	x := &Steps{
		R:        r,
		ev:       r.Events(),
		partIdx:  map[TP]int{},
		grpIdx:   map[string]int{},
		consIdx:  map[string]int{},
		msgs:     map[gp][]msgInfo{},
		ends:     map[string][]int32{},
		byActor:  map[string][]int32{},
		status:   map[string][]int32{},
		delivers: map[string][]int32{},
		gstates:  map[string][]int32{},
		effCount: map[gp]map[int64]int{},
		genOwned: map[string]map[int32][]bool{},
	}
	x.setBad()
	// Pass 1: names, and where each first appears.
	parts := map[TP]int32{}
	groups := map[string]int32{}
	seen := func(m map[TP]int32, tp TP, i int) {
		if _, ok := m[tp]; !ok {
			m[tp] = int32(i)
		}
	}
	for i := range x.ev {
		e := &x.ev[i]
		if e.Topic != "" && e.Partition >= 0 {
			seen(parts, e.TP(), i)
		}
		for _, tp := range e.Partitions {
			seen(parts, tp, i)
		}
		if _, ok := groups[e.Group]; !ok && e.Group != "" {
			groups[e.Group] = int32(i)
		}
		if isStepConsumer(e) {
			if _, ok := x.consIdx[e.Actor]; !ok {
				x.consIdx[e.Actor] = len(x.Consumers)
				x.Consumers = append(x.Consumers, e.Actor)
				x.ConsGroup = append(x.ConsGroup, e.Group)
				x.consFirst = append(x.consFirst, int32(i))
			}
		}
		if e.Kind == KindBrokerDown {
			x.HasBroker = true
		}
	}
	for tp := range parts {
		x.Parts = append(x.Parts, tp)
	}
	slices.SortFunc(x.Parts, tpLess)
	for i, tp := range x.Parts {
		x.partIdx[tp] = i
		x.partFirst = append(x.partFirst, parts[tp])
	}
	for g := range groups {
		x.Groups = append(x.Groups, g)
	}
	slices.Sort(x.Groups)
	for i, g := range x.Groups {
		x.grpIdx[g] = i
		x.grpFirst = append(x.grpFirst, groups[g])
	}
	x.produced = make([][]int32, len(x.Parts))

	// Pass 2: per-message and per-actor lists, checkpoints.
	x.tip = x.initial()
	x.cps = append(x.cps, x.tip.Clone())
	for i := range x.ev {
		x.index(i)
	}
	return x
}

func tpLess(a, b TP) int {
	if c := strings.Compare(a.Topic, b.Topic); c != 0 {
		return c
	}
	return int(a.Partition - b.Partition)
}

// Extend indexes r, a longer run of which x's events are the beginning
// (a live session that went on), at the cost of the new events only. It
// updates x and returns it, unless the new events name a partition, group
// or consumer x has not seen: then it returns NewSteps(r), and x stays as
// it was. Either way the result is what NewSteps(r) would return.
func (x *Steps) Extend(r *Result) *Steps {
	ev := r.Events()
	from := len(x.ev)
	if len(ev) < from {
		return NewSteps(r)
	}
	for i := from; i < len(ev); i++ {
		e := &ev[i]
		if e.Topic != "" && e.Partition >= 0 && x.PartIndex(e.TP()) < 0 {
			return NewSteps(r)
		}
		for _, tp := range e.Partitions {
			if x.PartIndex(tp) < 0 {
				return NewSteps(r)
			}
		}
		if e.Group != "" && x.GroupIndex(e.Group) < 0 {
			return NewSteps(r)
		}
		if isStepConsumer(e) && x.ConsumerIndex(e.Actor) < 0 {
			return NewSteps(r)
		}
	}
	x.R, x.ev = r, ev
	x.setBad()
	for i := from; i < len(ev); i++ {
		if ev[i].Kind == KindBrokerDown {
			x.HasBroker = true
		}
		x.index(i)
	}
	return x
}

func (x *Steps) setBad() {
	x.bad = nil
	r := x.R
	msgs := r.Outcome.Messages()
	for i := range msgs {
		if m := &msgs[i]; m.Outcome == Lost || m.Outcome == Duplicated {
			x.bad = append(x.bad, m)
		}
	}
}

// index adds event i to the per-message and per-actor lists, the state at
// the tip, the lesson moments and the checkpoints.
func (x *Steps) index(i int) {
	e := &x.ev[i]
	seq := int32(i)
	if e.Actor != "" {
		x.byActor[e.Actor] = append(x.byActor[e.Actor], seq)
	}
	p, hasP := x.partIdx[e.TP()]
	moment := isMomentKind(e)
	switch e.Kind {
	case KindProduce:
		if hasP && e.Offset >= 0 {
			for int64(len(x.produced[p])) <= e.Offset {
				x.produced[p] = append(x.produced[p], -1)
			}
			x.produced[p][e.Offset] = seq
		}
	case KindDeliver, KindEffect, KindEffectSkipped, KindProcessFailed:
		if hasP && e.Offset >= 0 && e.Group != "" {
			k := gp{x.grpIdx[e.Group], p}
			ms := x.msgs[k]
			for int64(len(ms)) <= e.Offset {
				ms = append(ms, msgInfo{})
			}
			m := &ms[e.Offset]
			switch e.Kind {
			case KindDeliver:
				m.deliver = append(m.deliver, seq)
			case KindEffect:
				m.effect = append(m.effect, seq)
				m.done = append(m.done, seq)
				if x.effCount[k] == nil {
					x.effCount[k] = map[int64]int{}
				}
				x.effCount[k][e.Offset]++
				if x.effCount[k][e.Offset] == 2 {
					moment = true // a duplicate
				}
			default:
				m.done = append(m.done, seq)
			}
			x.msgs[k] = ms
		}
	case KindCrash, KindClosed, KindRestart, KindStart:
		x.ends[e.Actor] = append(x.ends[e.Actor], seq)
	case KindGroupState:
		x.gstates[e.Group] = append(x.gstates[e.Group], seq)
	case KindBrokerDown, KindBrokerUp:
		x.broker = append(x.broker, seq)
	}
	switch e.Kind {
	case KindCrash, KindClosed, KindRestart, KindStart, KindClose, KindStall, KindResume:
		x.status[e.Actor] = append(x.status[e.Actor], seq)
	case KindDeliver:
		x.delivers[e.Actor] = append(x.delivers[e.Actor], seq)
	}
	if e.Kind == KindNarration {
		x.narr = append(x.narr, seq)
		if x.attached(i) {
			// Shown with the event it follows: that event is the moment.
			moment = false
			if n := len(x.moments); n == 0 || x.moments[n-1] != seq-1 {
				x.moments = append(x.moments, seq-1)
			}
		}
	}
	var old int64 = -1
	gi := x.GroupIndex(e.Group)
	if e.Kind == KindCommitOK && hasP && gi >= 0 {
		old = x.tip.Groups[gi].Committed[p]
	}
	x.tip.Apply(x, e)
	if e.Kind == KindAssign && e.Generation >= 0 {
		if ci := x.ConsumerIndex(e.Actor); ci >= 0 {
			if x.genOwned[e.Actor] == nil {
				x.genOwned[e.Actor] = map[int32][]bool{}
			}
			x.genOwned[e.Actor][e.Generation] = slices.Clone(x.tip.Cons[ci].Assigned)
		}
	}
	if e.Kind == KindCommitOK && hasP && gi >= 0 && x.commitLoses(gi, p, old, e.Offset, i) {
		moment = true // a loss: the commit passed a message nobody will process
	}
	if moment {
		if n := len(x.moments); n > 0 && x.sameMoment(int(x.moments[n-1]), i) {
			x.moments[n-1] = seq // one press shows them all
		} else {
			x.moments = append(x.moments, seq)
		}
	}
	if (i+1)%StepsCheckpointEvery == 0 {
		x.cps = append(x.cps, x.tip.Clone())
	}
}

// commitLoses reports whether a commit of group g, partition p from old
// to now at step i turned a message lost (it looks at no more than 64).
func (x *Steps) commitLoses(g, p int, old, now int64, i int) bool {
	for off := max(old, 0); off < now && off < max(old, 0)+64; off++ {
		if x.Fate(g, p, off, i, now) == FateLost {
			return true
		}
	}
	return false
}

// sameMoment reports whether event i only repeats moment m: consumers
// starting at the same instant, with no narration between them. A teacher
// presses once for all of them and sees the last (the lanes show every
// start). Group state changes are not merged: two groups moving to the
// same state at once are explained differently when their protocols
// differ (eager-vs-cooperative), and that difference is the lesson.
func (x *Steps) sameMoment(m, i int) bool {
	a, b := &x.ev[m], &x.ev[i]
	if a.Kind != KindStart || b.Kind != KindStart || a.At != b.At {
		return false
	}
	for j := m + 1; j < i; j++ {
		if x.ev[j].Kind == KindNarration {
			return false
		}
	}
	return true
}

func isStepConsumer(e *Event) bool {
	if e.Group == "" || e.Actor == "" || e.Actor == "script" || e.Actor == "broker" || strings.HasPrefix(e.Actor, "group:") {
		return false
	}
	return e.Kind != KindProduce
}

// isMomentKind reports whether an event is a lesson moment by its kind
// alone: the script's narration and pauses, crashes, closes, restarts
// and starts, rebalances beginning and ending, partitions lost, members
// expiring, max.poll.interval.ms, rejected commits, stalls, the broker
// going down or up, offsets expiring, failed processing. Commits that
// went through, deliveries and effects are not (a duplicate effect and a
// commit that loses a message are, found by index).
func isMomentKind(e *Event) bool {
	switch e.Kind {
	case KindNarration, KindPause, KindCrash, KindClose, KindRestart, KindStart,
		KindLost, KindMemberExpired, KindMaxPoll, KindCommitFailed, KindBrokerDown, KindBrokerUp,
		KindStall, KindResume, KindOffsetsExpired, KindProcessFailed:
		return true
	case KindGroupState:
		return e.State == "PreparingRebalance" || e.State == "Stable"
	}
	return false
}

// attached reports whether step i is a narration that follows the event
// before it at once (same time): it is about that event.
func (x *Steps) attached(i int) bool {
	return i > 0 && i < len(x.ev) && x.ev[i].Kind == KindNarration && x.ev[i-1].Kind != KindNarration && x.ev[i-1].At == x.ev[i].At
}

// Subject is the step whose event step i is about: the event an attached
// narration follows (see Narration), else i itself.
func (x *Steps) Subject(i int) int {
	if x.attached(i) {
		return i - 1
	}
	return i
}

// Len is the number of events.
func (x *Steps) Len() int { return len(x.ev) }

// Event returns event i.
func (x *Steps) Event(i int) *Event { return &x.ev[i] }

// PartIndex returns the index of tp in Parts, or -1.
func (x *Steps) PartIndex(tp TP) int {
	if i, ok := x.partIdx[tp]; ok {
		return i
	}
	return -1
}

// GroupIndex returns the index of a group in Groups, or -1.
func (x *Steps) GroupIndex(g string) int {
	if i, ok := x.grpIdx[g]; ok {
		return i
	}
	return -1
}

// ConsumerIndex returns the index of a consumer in Consumers, or -1.
func (x *Steps) ConsumerIndex(id string) int {
	if i, ok := x.consIdx[id]; ok {
		return i
	}
	return -1
}

// NextMoment returns the first lesson moment after step i, or -1. The
// moments are what a teacher stops at: narration and pauses, crashes,
// closes, starts, rebalances, losses (a commit past a message nobody will
// process), duplicates (a second effect), expiries, rejected commits and
// broker outages; not the commits and deliveries in between.
func (x *Steps) NextMoment(i int) int {
	j := sort.Search(len(x.moments), func(k int) bool { return int(x.moments[k]) > i })
	if j < len(x.moments) {
		return int(x.moments[j])
	}
	return -1
}

// PrevMoment returns the last lesson moment before step i, or -1.
func (x *Steps) PrevMoment(i int) int {
	j := sort.Search(len(x.moments), func(k int) bool { return int(x.moments[k]) >= i })
	if j > 0 {
		return int(x.moments[j-1])
	}
	return -1
}

// IsMoment reports whether step i is a lesson moment.
func (x *Steps) IsMoment(i int) bool {
	j := sort.Search(len(x.moments), func(k int) bool { return int(x.moments[k]) >= i })
	return j < len(x.moments) && int(x.moments[j]) == i
}

// NextPause returns the first pause event in (from, to], or -1.
func (x *Steps) NextPause(from, to int) int {
	for i := x.NextMoment(from); i >= 0 && i <= to; i = x.NextMoment(i) {
		if x.ev[i].Kind == KindPause {
			return i
		}
	}
	return -1
}

// Narration returns the scenario's narration in effect at step i: the text
// of the last narration event at or before i, and its step (-1: none). A
// narration that comes right after step i, at the same time, is about
// step i (an anchored say, or a say right after a scripted fault): it is
// already in effect at i, so the class reads it with the event it
// explains.
func (x *Steps) Narration(i int) (string, int) {
	if x.attached(i + 1) {
		return x.ev[i+1].Detail, i + 1
	}
	j := sort.Search(len(x.narr), func(k int) bool { return int(x.narr[k]) > i })
	if j == 0 {
		return "", -1
	}
	s := int(x.narr[j-1])
	return x.ev[s].Detail, s
}

// ActorEvents returns the seqs of an actor's events with At in [from, to).
func (x *Steps) ActorEvents(actor string, from, to time.Duration) []int32 {
	seqs := x.byActor[actor]
	ev := x.ev
	lo := sort.Search(len(seqs), func(k int) bool { return ev[seqs[k]].At >= from })
	hi := sort.Search(len(seqs), func(k int) bool { return ev[seqs[k]].At >= to })
	return seqs[lo:hi]
}

// LastActorEvent returns the seq of the actor's last event with At < t and
// seq ≤ upTo, or -1.
func (x *Steps) LastActorEvent(actor string, t time.Duration, upTo int) int {
	seqs := x.byActor[actor]
	ev := x.ev
	hi := sort.Search(len(seqs), func(k int) bool { return ev[seqs[k]].At >= t || int(seqs[k]) > upTo })
	if hi == 0 {
		return -1
	}
	return int(seqs[hi-1])
}

// StepAtTime returns the last step with At ≤ t (-1: none).
func (x *Steps) StepAtTime(t time.Duration) int {
	ev := x.ev
	return sort.Search(len(ev), func(k int) bool { return ev[k].At > t }) - 1
}

// End is the time the run covers: its duration, or its last event's time
// if later (at least 1s).
func (x *Steps) End() time.Duration {
	d := x.R.Duration
	if n := len(x.ev); n > 0 && x.ev[n-1].At > d {
		d = x.ev[n-1].At
	}
	return max(d, time.Second)
}

func countLE(s []int32, i int) int {
	return sort.Search(len(s), func(k int) bool { return int(s[k]) > i })
}

func anyIn(s []int32, lo, hi int) bool { // some element in (lo, hi]
	k := sort.Search(len(s), func(k int) bool { return int(s[k]) > lo })
	return k < len(s) && int(s[k]) <= hi
}

// Fate is what has happened to message (part p, offset off) in group g as
// of step i, given the group's committed offset for p at that step.
func (x *Steps) Fate(g, p int, off int64, i int, committed int64) Fate {
	if p < 0 || p >= len(x.produced) || off < 0 {
		return FateNone
	}
	pr := x.produced[p]
	if off >= int64(len(pr)) || pr[off] < 0 || int(pr[off]) > i {
		return FateNone
	}
	var m *msgInfo
	if ms := x.msgs[gp{g, p}]; off < int64(len(ms)) {
		m = &ms[off]
	}
	if m == nil {
		if committed > off {
			return FateLost
		}
		return FatePending
	}
	switch eff := countLE(m.effect, i); {
	case eff >= 2:
		return FateDuplicated
	case eff == 1:
		return FateProcessed
	}
	nd := countLE(m.deliver, i)
	if nd == 0 {
		if committed > off {
			return FateLost
		}
		return FatePending
	}
	d := int(m.deliver[nd-1])
	actor := x.ev[d].Actor
	if !anyIn(m.done, d, i) && !anyIn(x.ends[actor], d, i) {
		if committed > off {
			return FateAtRisk
		}
		return FateProcessing
	}
	if committed > off {
		return FateLost
	}
	return FateDelivered
}

// FateAt is Fate with the committed offset read from the state after
// step i.
func (x *Steps) FateAt(g, p int, off int64, i int) Fate {
	st := x.At(i)
	var committed int64 = -1
	if g >= 0 && g < len(st.Groups) && p >= 0 && p < len(st.Groups[g].Committed) {
		committed = st.Groups[g].Committed[p]
	}
	return x.Fate(g, p, off, i, committed)
}

// Deliveries returns how many times message (g, p, off) was delivered and
// how many effects it had, as of step i.
func (x *Steps) Deliveries(g, p int, off int64, i int) (deliveries, effects int) {
	ms := x.msgs[gp{g, p}]
	if off < 0 || off >= int64(len(ms)) {
		return 0, 0
	}
	return countLE(ms[off].deliver, i), countLE(ms[off].effect, i)
}

// At returns the state after step i (i < 0: before the first event),
// replaying at most StepsCheckpointEvery events.
func (x *Steps) At(i int) StepState {
	if i >= x.Len() {
		i = x.Len() - 1
	}
	c := (i + 1) / StepsCheckpointEvery
	if c >= len(x.cps) {
		c = len(x.cps) - 1
	}
	st := x.cps[c].Clone()
	for j := c * StepsCheckpointEvery; j <= i; j++ {
		st.Apply(x, &x.ev[j])
	}
	return st
}

func last(s []int32, i int) int {
	k := countLE(s, i)
	if k == 0 {
		return -1
	}
	return int(s[k-1])
}

// StatusAt is a consumer's status after step i: StatusNew, StatusRunning,
// StatusStalled, StatusClosing, StatusCrashed or StatusClosed.
func (x *Steps) StatusAt(actor string, i int) string {
	j := last(x.status[actor], i)
	if j < 0 {
		return StatusNew
	}
	switch x.ev[j].Kind {
	case KindCrash:
		return StatusCrashed
	case KindClosed:
		return StatusClosed
	case KindClose:
		return StatusClosing
	case KindStall:
		return StatusStalled
	}
	return StatusRunning
}

// BusyAt reports whether a consumer was processing a message after step i.
func (x *Steps) BusyAt(actor string, i int) bool {
	d := last(x.delivers[actor], i)
	if d < 0 {
		return false
	}
	e := &x.ev[d]
	p := x.PartIndex(e.TP())
	ms := x.msgs[gp{x.GroupIndex(e.Group), p}]
	if e.Offset < 0 || e.Offset >= int64(len(ms)) {
		return false
	}
	return !anyIn(ms[e.Offset].done, d, i) && !anyIn(x.ends[actor], d, i)
}

// GroupStateAt is a group's coordinator state after step i.
func (x *Steps) GroupStateAt(group string, i int) string {
	j := last(x.gstates[group], i)
	if j < 0 {
		return "Empty"
	}
	return x.ev[j].State
}

// BrokerUpAt reports whether the broker was up after step i.
func (x *Steps) BrokerUpAt(i int) bool {
	j := last(x.broker, i)
	return j < 0 || x.ev[j].Kind == KindBrokerUp
}

// Bad lists the LOST and DUPLICATED messages of the outcome, in outcome
// order.
func (x *Steps) Bad() []*MessageOutcome { return x.bad }

// AtRisk reports whether a message the outcome calls LOST is, after step
// i, still being processed by a live consumer: in a run that is not over
// (a sandbox) it is not lost yet, only at risk, since the group committed
// past it.
func (x *Steps) AtRisk(m *MessageOutcome, i int) bool {
	g, p := x.GroupIndex(m.Group), x.PartIndex(TP{m.Topic, m.Partition})
	if m.Outcome != Lost || g < 0 || p < 0 {
		return false
	}
	f := x.FateAt(g, p, m.Offset, i)
	return f == FateAtRisk || f == FateProcessing
}
