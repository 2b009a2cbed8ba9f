// Package replay indexes a scenarios.Result so the terminal UI can show the
// state of a run at any step in time independent of the timeline's length:
// state checkpoints every CheckpointEvery events, per-message event lists
// for cell fates by binary search, per-actor event lists for swimlanes, and
// the notable steps for jumping. It has no UI types: it is plain data.
package replay

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kafkasim/kafkasim/scenarios"
	"github.com/kafkasim/kafkasim/tui/styles"
)

// CheckpointEvery is how many events lie between two state checkpoints:
// moving to any step replays at most this many events.
const CheckpointEvery = 256

// Index is a Result prepared for display.
type Index struct {
	// R is the run.
	R  *scenarios.Result
	ev []scenarios.Event // R.Events()
	// Parts lists every partition, sorted.
	Parts []scenarios.TP
	// Groups lists every consumer group, sorted.
	Groups []string
	// Consumers lists every consumer id, in order of first appearance.
	Consumers []string
	// ConsGroup is each consumer's group.
	ConsGroup []string
	// HasBroker reports whether the broker ever went down.
	HasBroker bool

	partIdx map[scenarios.TP]int
	grpIdx  map[string]int
	consIdx map[string]int

	produced [][]int32          // part → produce seq by offset
	msgs     map[gp][]msgInfo   // group/part → info by offset
	ends     map[string][]int32 // consumer → seqs ending an instance (crash, closed, restart, start)
	byActor  map[string][]int32 // actor → its event seqs (consumers, "group:<id>", "broker")
	notable  []int32
	narr     []int32
	status   map[string][]int32 // consumer → start, restart, crash, close, closed, stall, resume
	delivers map[string][]int32 // consumer → its deliveries
	gstates  map[string][]int32 // group → its group_state events
	broker   []int32            // broker_down, broker_up
	cps      []State
	bad      []*scenarios.MessageOutcome
	tip      State                // the state after the last event
	effCount map[gp]map[int64]int // effects so far per message
}

type gp struct{ g, p int }

type msgInfo struct {
	deliver []int32
	effect  []int32
	done    []int32 // effect, effect_skipped, process_failed
}

// New indexes r. It costs one pass over the events.
func New(r *scenarios.Result) *Index {
	x := &Index{
		R:        r,
		ev:       r.Events(),
		partIdx:  map[scenarios.TP]int{},
		grpIdx:   map[string]int{},
		consIdx:  map[string]int{},
		msgs:     map[gp][]msgInfo{},
		ends:     map[string][]int32{},
		byActor:  map[string][]int32{},
		status:   map[string][]int32{},
		delivers: map[string][]int32{},
		gstates:  map[string][]int32{},
		effCount: map[gp]map[int64]int{},
	}
	x.setBad()
	// Pass 1: names.
	parts := map[scenarios.TP]bool{}
	groups := map[string]bool{}
	for i := range x.ev {
		e := &x.ev[i]
		if e.Topic != "" && e.Partition >= 0 {
			parts[e.TP()] = true
		}
		for _, tp := range e.Partitions {
			parts[tp] = true
		}
		if e.Group != "" {
			groups[e.Group] = true
		}
		if isConsumer(e) {
			if _, ok := x.consIdx[e.Actor]; !ok {
				x.consIdx[e.Actor] = len(x.Consumers)
				x.Consumers = append(x.Consumers, e.Actor)
				x.ConsGroup = append(x.ConsGroup, e.Group)
			}
		}
		if e.Kind == scenarios.KindBrokerDown {
			x.HasBroker = true
		}
	}
	for tp := range parts {
		x.Parts = append(x.Parts, tp)
	}
	slices.SortFunc(x.Parts, func(a, b scenarios.TP) int {
		if c := strings.Compare(a.Topic, b.Topic); c != 0 {
			return c
		}
		return int(a.Partition - b.Partition)
	})
	for i, tp := range x.Parts {
		x.partIdx[tp] = i
	}
	for g := range groups {
		x.Groups = append(x.Groups, g)
	}
	slices.Sort(x.Groups)
	for i, g := range x.Groups {
		x.grpIdx[g] = i
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

// Extend indexes r, a longer run of which x's events are the beginning
// (a live session that went on), at the cost of the new events only. It
// updates x and returns it, unless the new events name a partition, group
// or consumer x has not seen: then it returns New(r), and x stays as it
// was. Either way the result is what New(r) would return.
func (x *Index) Extend(r *scenarios.Result) *Index {
	ev := r.Events()
	from := len(x.ev)
	if len(ev) < from {
		return New(r)
	}
	for i := from; i < len(ev); i++ {
		e := &ev[i]
		if e.Topic != "" && e.Partition >= 0 && x.PartIndex(e.TP()) < 0 {
			return New(r)
		}
		for _, tp := range e.Partitions {
			if x.PartIndex(tp) < 0 {
				return New(r)
			}
		}
		if e.Group != "" && x.GroupIndex(e.Group) < 0 {
			return New(r)
		}
		if isConsumer(e) && x.ConsumerIndex(e.Actor) < 0 {
			return New(r)
		}
	}
	x.R, x.ev = r, ev
	x.setBad()
	for i := from; i < len(ev); i++ {
		if ev[i].Kind == scenarios.KindBrokerDown {
			x.HasBroker = true
		}
		x.index(i)
	}
	return x
}

func (x *Index) setBad() {
	x.bad = nil
	r := x.R
	for i := range r.Outcome.Messages {
		if m := &r.Outcome.Messages[i]; m.Outcome == scenarios.Lost || m.Outcome == scenarios.Duplicated {
			x.bad = append(x.bad, m)
		}
	}
}

// index adds event i to the per-message and per-actor lists, the state at
// the tip and the checkpoints.
func (x *Index) index(i int) {
	e := &x.ev[i]
	seq := int32(i)
	if e.Actor != "" {
		x.byActor[e.Actor] = append(x.byActor[e.Actor], seq)
	}
	p, hasP := x.partIdx[e.TP()]
	switch e.Kind {
	case scenarios.KindProduce:
		if hasP && e.Offset >= 0 {
			for int64(len(x.produced[p])) <= e.Offset {
				x.produced[p] = append(x.produced[p], -1)
			}
			x.produced[p][e.Offset] = seq
		}
	case scenarios.KindDeliver, scenarios.KindEffect, scenarios.KindEffectSkipped, scenarios.KindProcessFailed:
		if hasP && e.Offset >= 0 && e.Group != "" {
			k := gp{x.grpIdx[e.Group], p}
			ms := x.msgs[k]
			for int64(len(ms)) <= e.Offset {
				ms = append(ms, msgInfo{})
			}
			m := &ms[e.Offset]
			switch e.Kind {
			case scenarios.KindDeliver:
				m.deliver = append(m.deliver, seq)
			case scenarios.KindEffect:
				m.effect = append(m.effect, seq)
				m.done = append(m.done, seq)
				if x.effCount[k] == nil {
					x.effCount[k] = map[int64]int{}
				}
				x.effCount[k][e.Offset]++
				if x.effCount[k][e.Offset] == 2 {
					x.notable = append(x.notable, seq)
				}
			default:
				m.done = append(m.done, seq)
			}
			x.msgs[k] = ms
		}
	case scenarios.KindCrash, scenarios.KindClosed, scenarios.KindRestart, scenarios.KindStart:
		x.ends[e.Actor] = append(x.ends[e.Actor], seq)
	case scenarios.KindGroupState:
		x.gstates[e.Group] = append(x.gstates[e.Group], seq)
	case scenarios.KindBrokerDown, scenarios.KindBrokerUp:
		x.broker = append(x.broker, seq)
	}
	switch e.Kind {
	case scenarios.KindCrash, scenarios.KindClosed, scenarios.KindRestart, scenarios.KindStart, scenarios.KindClose, scenarios.KindStall, scenarios.KindResume:
		x.status[e.Actor] = append(x.status[e.Actor], seq)
	case scenarios.KindDeliver:
		x.delivers[e.Actor] = append(x.delivers[e.Actor], seq)
	}
	if IsNotable(e.Kind) {
		x.notable = append(x.notable, seq)
	}
	if e.Kind == scenarios.KindNarration {
		x.narr = append(x.narr, seq)
	}
	x.tip.Apply(x, e)
	if (i+1)%CheckpointEvery == 0 {
		x.cps = append(x.cps, x.tip.Clone())
	}
}

func isConsumer(e *scenarios.Event) bool {
	if e.Group == "" || e.Actor == "" || e.Actor == "script" || e.Actor == "broker" || strings.HasPrefix(e.Actor, "group:") {
		return false
	}
	return e.Kind != scenarios.KindProduce
}

// IsNotable reports whether shift+←/→ stops at events of kind k.
func IsNotable(k scenarios.Kind) bool {
	switch k {
	case scenarios.KindCrash, scenarios.KindClose, scenarios.KindRestart, scenarios.KindStart,
		scenarios.KindJoin, scenarios.KindAssign, scenarios.KindRevoke, scenarios.KindLost,
		scenarios.KindGroupState, scenarios.KindMemberExpired, scenarios.KindMaxPoll,
		scenarios.KindCommitOK, scenarios.KindCommitFailed, scenarios.KindBrokerDown, scenarios.KindBrokerUp,
		scenarios.KindPause, scenarios.KindNarration, scenarios.KindStall, scenarios.KindResume,
		scenarios.KindOffsetsExpired, scenarios.KindProcessFailed:
		return true
	}
	return false
}

// Len is the number of events.
func (x *Index) Len() int { return len(x.ev) }

// Event returns event i.
func (x *Index) Event(i int) *scenarios.Event { return &x.ev[i] }

// PartIndex returns the index of tp in Parts, or -1.
func (x *Index) PartIndex(tp scenarios.TP) int {
	if i, ok := x.partIdx[tp]; ok {
		return i
	}
	return -1
}

// GroupIndex returns the index of a group in Groups, or -1.
func (x *Index) GroupIndex(g string) int {
	if i, ok := x.grpIdx[g]; ok {
		return i
	}
	return -1
}

// ConsumerIndex returns the index of a consumer in Consumers, or -1.
func (x *Index) ConsumerIndex(id string) int {
	if i, ok := x.consIdx[id]; ok {
		return i
	}
	return -1
}

// NextNotable returns the first notable step after i, or -1.
func (x *Index) NextNotable(i int) int {
	j := sort.Search(len(x.notable), func(k int) bool { return int(x.notable[k]) > i })
	if j < len(x.notable) {
		return int(x.notable[j])
	}
	return -1
}

// PrevNotable returns the last notable step before i, or -1.
func (x *Index) PrevNotable(i int) int {
	j := sort.Search(len(x.notable), func(k int) bool { return int(x.notable[k]) >= i })
	if j > 0 {
		return int(x.notable[j-1])
	}
	return -1
}

// NextPause returns the first pause event in (from, to], or -1.
func (x *Index) NextPause(from, to int) int {
	for i := x.NextNotable(from); i >= 0 && i <= to; i = x.NextNotable(i) {
		if x.ev[i].Kind == scenarios.KindPause {
			return i
		}
	}
	return -1
}

// Narration returns the scenario's narration in effect at step i: the text
// of the last narration event at or before i, and its step (-1: none).
func (x *Index) Narration(i int) (string, int) {
	j := sort.Search(len(x.narr), func(k int) bool { return int(x.narr[k]) > i })
	if j == 0 {
		return "", -1
	}
	s := int(x.narr[j-1])
	return x.ev[s].Detail, s
}

// ActorEvents returns the seqs of an actor's events with At in [from, to).
func (x *Index) ActorEvents(actor string, from, to time.Duration) []int32 {
	seqs := x.byActor[actor]
	ev := x.ev
	lo := sort.Search(len(seqs), func(k int) bool { return ev[seqs[k]].At >= from })
	hi := sort.Search(len(seqs), func(k int) bool { return ev[seqs[k]].At >= to })
	return seqs[lo:hi]
}

// LastActorEvent returns the seq of the actor's last event with At < t and
// seq ≤ upTo, or -1.
func (x *Index) LastActorEvent(actor string, t time.Duration, upTo int) int {
	seqs := x.byActor[actor]
	ev := x.ev
	hi := sort.Search(len(seqs), func(k int) bool { return ev[seqs[k]].At >= t || int(seqs[k]) > upTo })
	if hi == 0 {
		return -1
	}
	return int(seqs[hi-1])
}

// StepAtTime returns the last step with At ≤ t (-1: none).
func (x *Index) StepAtTime(t time.Duration) int {
	ev := x.ev
	return sort.Search(len(ev), func(k int) bool { return ev[k].At > t }) - 1
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
func (x *Index) Fate(g, p int, off int64, i int, committed int64) styles.Fate {
	if p < 0 || p >= len(x.produced) || off < 0 {
		return styles.FateNone
	}
	pr := x.produced[p]
	if off >= int64(len(pr)) || pr[off] < 0 || int(pr[off]) > i {
		return styles.FateNone
	}
	var m *msgInfo
	if ms := x.msgs[gp{g, p}]; off < int64(len(ms)) {
		m = &ms[off]
	}
	if m == nil {
		if committed > off {
			return styles.FateLost
		}
		return styles.FatePending
	}
	switch eff := countLE(m.effect, i); {
	case eff >= 2:
		return styles.FateDuplicated
	case eff == 1:
		return styles.FateProcessed
	}
	nd := countLE(m.deliver, i)
	if nd == 0 {
		if committed > off {
			return styles.FateLost
		}
		return styles.FatePending
	}
	d := int(m.deliver[nd-1])
	actor := x.ev[d].Actor
	if !anyIn(m.done, d, i) && !anyIn(x.ends[actor], d, i) {
		return styles.FateProcessing
	}
	if committed > off {
		return styles.FateLost
	}
	return styles.FateDelivered
}

// Deliveries returns how many times message (g, p, off) was delivered and
// how many effects it had, as of step i.
func (x *Index) Deliveries(g, p int, off int64, i int) (deliveries, effects int) {
	ms := x.msgs[gp{g, p}]
	if off < 0 || off >= int64(len(ms)) {
		return 0, 0
	}
	return countLE(ms[off].deliver, i), countLE(ms[off].effect, i)
}

// StateAt returns the state after step i (i < 0: before the first event),
// replaying at most CheckpointEvery events.
func (x *Index) StateAt(i int) State {
	if i >= x.Len() {
		i = x.Len() - 1
	}
	c := (i + 1) / CheckpointEvery
	if c >= len(x.cps) {
		c = len(x.cps) - 1
	}
	st := x.cps[c].Clone()
	for j := c * CheckpointEvery; j <= i; j++ {
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
func (x *Index) StatusAt(actor string, i int) string {
	j := last(x.status[actor], i)
	if j < 0 {
		return StatusNew
	}
	switch x.ev[j].Kind {
	case scenarios.KindCrash:
		return StatusCrashed
	case scenarios.KindClosed:
		return StatusClosed
	case scenarios.KindClose:
		return StatusClosing
	case scenarios.KindStall:
		return StatusStalled
	}
	return StatusRunning
}

// BusyAt reports whether a consumer was processing a message after step i.
func (x *Index) BusyAt(actor string, i int) bool {
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
func (x *Index) GroupStateAt(group string, i int) string {
	j := last(x.gstates[group], i)
	if j < 0 {
		return "Empty"
	}
	return x.ev[j].State
}

// BrokerUpAt reports whether the broker was up after step i.
func (x *Index) BrokerUpAt(i int) bool {
	j := last(x.broker, i)
	return j < 0 || x.ev[j].Kind == scenarios.KindBrokerUp
}

// Bad lists the LOST and DUPLICATED messages of the outcome, in outcome order.
func (x *Index) Bad() []*scenarios.MessageOutcome { return x.bad }
