// Package fidelity checks that the simulator tells the truth: it runs a
// scenario on the simulator and on a real cluster (by default an
// in-process kfake cluster) and compares what matters with go-cmp —
// every message's verdict, the final committed offsets, and the
// assignment after each rebalance (as sets of partitions per scenario
// consumer id, whatever the member ids).
//
// Timestamps are not compared: a real cluster runs on the wall clock and
// its timings jitter; only outcomes must agree.
package fidelity

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kafkasim/kafkasim/scenarios"
)

// View is the part of a Result the fidelity check compares.
type View struct {
	// Messages is every message's verdict in every group, in (group,
	// topic, partition, offset) order.
	Messages []Message
	// Committed is every group's final committed offset per partition
	// (partitions without a commit are left out).
	Committed []Committed
	// Assignments is, per group, the assignment after each rebalance.
	Assignments []GroupAssignments
	// Order is, per consumer, the order of the client events a lesson
	// turns on (see ClientOrder); nil where it is not compared.
	Order []ClientOrder
}

// ClientOrder is the sequence of one consumer's lesson events, in the
// order the consumer saw them: starts and restarts, assignments, revokes
// and losses (their partitions for an eager group, their number for a
// cooperative one), the commits made as partitions leave (revoke, close)
// with their result, max.poll.interval.ms expiry, LeaveGroup, the errors
// a lesson shows (_MAX_POLL_EXCEEDED, _ALL_BROKERS_DOWN,
// UNKNOWN_TOPIC_OR_PART), crashes and closes. Timer and app commits are
// left out (how many there are depends on timing, not on the protocol),
// as are empty assignments and repeats of the same event in a row.
type ClientOrder struct {
	Consumer string
	Events   []string
}

// Message is one message's verdict in one group.
type Message struct {
	Group     string
	Topic     string
	Partition int32
	Offset    int64
	Verdict   scenarios.Verdict
	// Cause is the cause kind of a LOST or DUPLICATED verdict.
	Cause scenarios.CauseKind
}

// String is "group topic[p]@o".
func (m Message) String() string {
	return fmt.Sprintf("%s %s[%d]@%d", m.Group, m.Topic, m.Partition, m.Offset)
}

// Committed is a group's final committed offset of a partition.
type Committed struct {
	Group     string
	Topic     string
	Partition int32
	Offset    int64
}

// GroupAssignments is the sequence of a group's assignments.
type GroupAssignments struct {
	Group string
	// Cooperative is true when the group rebalanced cooperatively; in a
	// comparison with franz-go its Steps count partitions (see
	// Assignment).
	Cooperative bool
	Steps       []Assignment
}

// Assignment maps each live consumer (scenario id) that owns partitions
// to them ("topic[p]", sorted), right after the last assign event of a
// generation; consecutive equal assignments count once.
// Consumers owning nothing are left out, and so are assignments in which
// nobody owns anything: whether an empty assignment is reported differs
// between kgo, librdkafka and the simulator, and says nothing about
// ownership.
//
// ViewOf lists the partitions of cooperative groups (assign events say
// "cooperative") too: the simulator's cooperative-sticky is librdkafka's,
// so on the real librdkafka the partitions must agree. Compared with
// franz-go, whose CooperativeStickyBalancer picks other partitions, Check
// turns a cooperative group's lists into {"N partitions", "K kept"}: how
// many each member owns and keeps across a rebalance is the protocol's
// promise, which partitions is the assignor's choice.
type Assignment map[string][]string

// String is "c1=[t[0] t[1]] c2=[]" in consumer order.
func (a Assignment) String() string {
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(a)) {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(k + "=[" + strings.Join(a[k], " ") + "]")
	}
	return b.String()
}

// ViewOf extracts the compared parts of a result.
func ViewOf(r *scenarios.Result) View {
	v := View{Messages: []Message{}, Committed: []Committed{}, Assignments: []GroupAssignments{}}
	for _, m := range r.Outcome.Messages() {
		msg := Message{Group: m.Group, Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Verdict: m.Outcome}
		if m.Outcome == scenarios.Lost || m.Outcome == scenarios.Duplicated {
			msg.Cause = m.CauseKind
		}
		v.Messages = append(v.Messages, msg)
	}
	slices.SortFunc(v.Messages, func(a, b Message) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.Offset, b.Offset))
	})
	for _, g := range r.Groups {
		for _, p := range g.Partitions {
			if p.Committed >= 0 {
				v.Committed = append(v.Committed, Committed{Group: g.Group, Topic: p.Topic, Partition: p.Partition, Offset: p.Committed})
			}
		}
	}
	slices.SortFunc(v.Committed, func(a, b Committed) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
	evs := r.Events()
	v.Assignments = assignments(evs)
	v.Order = clientOrder(evs)
	return v
}

// lessonErrors are the error codes ClientOrder keeps.
var lessonErrors = map[string]bool{"_MAX_POLL_EXCEEDED": true, "_ALL_BROKERS_DOWN": true, "UNKNOWN_TOPIC_OR_PART": true}

// clientOrder builds the ClientOrder of every consumer.
func clientOrder(events []scenarios.Event) []ClientOrder {
	byActor := map[string][]string{}
	coop := map[string]bool{}
	for _, e := range events {
		if e.Kind == scenarios.KindAssign && e.Detail == "cooperative" {
			coop[e.Actor] = true
		}
	}
	add := func(actor, s string) {
		l := byActor[actor]
		if n := len(l); n > 0 && l[n-1] == s {
			return
		}
		byActor[actor] = append(l, s)
	}
	parts := func(e scenarios.Event) string {
		if coop[e.Actor] {
			return fmt.Sprintf("(%d partitions)", len(e.Partitions))
		}
		tps := make([]string, len(e.Partitions))
		for i, tp := range e.Partitions {
			tps[i] = tp.String()
		}
		slices.Sort(tps)
		return "[" + strings.Join(tps, " ") + "]"
	}
	for _, e := range events {
		if e.Group == "" || strings.HasPrefix(e.Actor, "group:") {
			continue
		}
		switch e.Kind {
		case scenarios.KindStart, scenarios.KindRestart, scenarios.KindCrash, scenarios.KindClose, scenarios.KindClosed,
			scenarios.KindMaxPoll, scenarios.KindLeave:
			add(e.Actor, string(e.Kind))
		case scenarios.KindAssign:
			if len(e.Partitions) > 0 {
				add(e.Actor, "assign "+parts(e))
			}
		case scenarios.KindRevoke, scenarios.KindLost:
			if len(e.Partitions) > 0 {
				add(e.Actor, string(e.Kind)+" "+parts(e))
			}
		case scenarios.KindCommitOK, scenarios.KindCommitFailed:
			if e.Commit == scenarios.CommitRevoke || e.Commit == scenarios.CommitClose {
				s := string(e.Kind) + " (" + e.Commit + ")"
				if e.Error != "" {
					s += " " + e.Error
				}
				add(e.Actor, s)
			}
		case scenarios.KindClientErr:
			if lessonErrors[e.Error] {
				add(e.Actor, "error "+e.Error)
			}
		}
	}
	out := []ClientOrder{}
	for _, a := range slices.Sorted(maps.Keys(byActor)) {
		out = append(out, ClientOrder{Consumer: a, Events: byActor[a]})
	}
	return out
}

// assignments replays assign, revoke, lost, start, crash and close events
// per group; the assignment of a generation is the group's state right
// after the last assign event of that generation (members that crashed
// or closed own nothing).
func assignments(events []scenarios.Event) []GroupAssignments {
	type groupState struct {
		owned map[string]map[scenarios.TP]bool // live consumer → partitions
		snaps map[int32]Assignment
		order []int32
		coop  bool
	}
	groups := map[string]*groupState{}
	for _, e := range events {
		if e.Group == "" || strings.HasPrefix(e.Actor, "group:") {
			continue
		}
		gs := groups[e.Group]
		if gs == nil {
			gs = &groupState{owned: map[string]map[scenarios.TP]bool{}, snaps: map[int32]Assignment{}}
			groups[e.Group] = gs
		}
		own := gs.owned[e.Actor]
		if own == nil {
			own = map[scenarios.TP]bool{}
			gs.owned[e.Actor] = own
		}
		switch e.Kind {
		case scenarios.KindStart, scenarios.KindRestart, scenarios.KindCrash, scenarios.KindClose:
			clear(own)
		case scenarios.KindRevoke, scenarios.KindLost:
			for _, tp := range e.Partitions {
				delete(own, tp)
			}
		case scenarios.KindAssign:
			gs.coop = gs.coop || e.Detail == "cooperative"
			for _, tp := range e.Partitions {
				own[tp] = true
			}
			snap := snapshot(gs.owned)
			if len(snap) == 0 {
				// Nobody owns anything (say, the topic does not exist):
				// kgo calls no callback for that, librdkafka and the
				// simulator report an empty assignment.
				continue
			}
			if _, seen := gs.snaps[e.Generation]; !seen {
				gs.order = append(gs.order, e.Generation)
			}
			gs.snaps[e.Generation] = snap
		}
	}
	out := []GroupAssignments{}
	for _, g := range slices.Sorted(maps.Keys(groups)) {
		gs := groups[g]
		var steps []Assignment
		for _, gen := range gs.order {
			a := gs.snaps[gen]
			if n := len(steps); n == 0 || !equal(steps[n-1], a) {
				steps = append(steps, a)
			}
		}
		if len(steps) == 0 {
			continue
		}
		out = append(out, GroupAssignments{Group: g, Cooperative: gs.coop, Steps: steps})
	}
	return out
}

// snapshot is the consumers owning partitions, and theirs.
func snapshot(owned map[string]map[scenarios.TP]bool) Assignment {
	a := Assignment{}
	for id, own := range owned {
		if len(own) == 0 {
			continue
		}
		tps := make([]string, 0, len(own))
		for tp := range own {
			tps = append(tps, tp.String())
		}
		slices.Sort(tps)
		a[id] = tps
	}
	return a
}

// countCooperative returns gas with the steps of every cooperative group
// turned into partition counts (see Assignment); gas is left as it is.
func countCooperative(gas []GroupAssignments) []GroupAssignments {
	out := slices.Clone(gas)
	for i, ga := range out {
		if ga.Cooperative {
			out[i].Steps = counted(ga.Steps)
		}
	}
	return out
}

// counted turns assignments into partition counts and how many each
// consumer kept from the step before.
func counted(steps []Assignment) []Assignment {
	out := make([]Assignment, len(steps))
	for i, a := range steps {
		c := Assignment{}
		for id, tps := range a {
			kept := 0
			if i > 0 {
				for _, tp := range tps {
					if slices.Contains(steps[i-1][id], tp) {
						kept++
					}
				}
			}
			c[id] = []string{fmt.Sprintf("%d partitions", len(tps)), fmt.Sprintf("%d kept", kept)}
		}
		out[i] = c
	}
	return out
}

func equal(a, b Assignment) bool {
	return maps.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

// alignThroughput returns real with the end-of-run boundary between
// processed and pending messages moved to sim's, per group and partition,
// where they differ by at most n messages and in nothing else; and how
// many messages it moved. The last messages produced may be produced on
// one side only (a producer a little slower in real time): pending ones
// count towards n as well. Committed offsets of the partitions aligned
// take sim's value when they differ by at most n.
func alignThroughput(sim, real View, n int64) (View, int) {
	type part struct {
		group, topic string
		partition    int32
	}
	keyOf := func(m Message) part { return part{m.Group, m.Topic, m.Partition} }
	simBy := map[part][]Message{}
	for _, m := range sim.Messages {
		simBy[keyOf(m)] = append(simBy[keyOf(m)], m)
	}
	out := real
	out.Messages = make([]Message, 0, len(real.Messages))
	moved := 0
	aligned := map[part]bool{}
	for i := 0; i < len(real.Messages); {
		k := keyOf(real.Messages[i])
		j := i
		for j < len(real.Messages) && keyOf(real.Messages[j]) == k {
			j++
		}
		rs, ss := real.Messages[i:j], simBy[k]
		if d, ok := throughputDiff(ss, rs, n); ok && d > 0 {
			out.Messages = append(out.Messages, ss...)
			moved += d
			aligned[k] = true
		} else {
			out.Messages = append(out.Messages, rs...)
		}
		i = j
	}
	out.Committed = slices.Clone(real.Committed)
	for i, c := range out.Committed {
		if !aligned[part{c.Group, c.Topic, c.Partition}] {
			continue
		}
		for _, sc := range sim.Committed {
			if sc.Group == c.Group && sc.Topic == c.Topic && sc.Partition == c.Partition && abs(sc.Offset-c.Offset) <= n {
				out.Committed[i].Offset = sc.Offset
			}
		}
	}
	return out, moved
}

// throughputDiff reports how many of one partition's messages differ
// between ss and rs only by where processing stopped, and whether that
// is all that differs: in the messages both have, OK on one side and
// PENDING on the other, in one run of consecutive messages; past the
// shorter list, PENDING messages only; at most n in all.
func throughputDiff(ss, rs []Message, n int64) (int, bool) {
	common := min(len(ss), len(rs))
	var diff []int
	for x := range common {
		if rs[x] == ss[x] {
			continue
		}
		a, b := rs[x].Verdict, ss[x].Verdict
		if !(a == scenarios.OK && b == scenarios.Pending) && !(a == scenarios.Pending && b == scenarios.OK) {
			return 0, false
		}
		diff = append(diff, x)
	}
	if len(diff) > 0 && diff[len(diff)-1]-diff[0] != len(diff)-1 {
		return 0, false
	}
	longer := ss
	if len(rs) > len(ss) {
		longer = rs
	}
	for _, m := range longer[common:] {
		if m.Verdict != scenarios.Pending {
			return 0, false
		}
	}
	d := len(diff) + len(longer) - common
	if int64(d) > n {
		return 0, false
	}
	return d, true
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
