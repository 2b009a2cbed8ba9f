package scenarios

import (
	"cmp"
	"fmt"
	"slices"
)

// Classify computes the Outcome of GUARANTEES.md from a timeline. It is a
// pure function of the events, so it judges a history recorded against real
// brokers as well as a simulated one. It reads these kinds: produce,
// subscribed, assign, deliver, effect, process_failed, commit, commit_ok,
// commit_failed, crash, close, revoke, lost, max_poll, position,
// group_state, member_expired, offsets_expired.
func Classify(events []Event) Outcome {
	c := newClassifier(events)
	return c.run()
}

type msgKey struct {
	group string
	tp    TP
	off   int64
}

type partKey struct {
	group string
	tp    TP
}

type commitRec struct {
	seq    int
	offset int64
}

type classifier struct {
	ev []Event
	// produced messages in log order per partition.
	produced map[TP][]int // partition → seq of produce events, by offset order
	parts    []TP
	// groups reading each topic.
	groupTopics map[string]map[string]bool
	groups      []string
	deliveries  map[msgKey][]int
	effects     map[msgKey][]int
	failures    map[msgKey][]int
	accepted    map[partKey][]commitRec // accepted commits in order
	final       map[partKey]int64
	byActor     map[string][]int
	commitReq   map[uint64]int // commit id → first commit request seq
	flags       map[msgKey][]Flag
	findings    []Finding
}

func newClassifier(events []Event) *classifier {
	c := &classifier{
		ev:          events,
		produced:    map[TP][]int{},
		groupTopics: map[string]map[string]bool{},
		deliveries:  map[msgKey][]int{},
		effects:     map[msgKey][]int{},
		failures:    map[msgKey][]int{},
		accepted:    map[partKey][]commitRec{},
		final:       map[partKey]int64{},
		byActor:     map[string][]int{},
		commitReq:   map[uint64]int{},
		flags:       map[msgKey][]Flag{},
	}
	return c
}

func (c *classifier) addGroupTopic(group, topic string) {
	if group == "" || topic == "" {
		return
	}
	m := c.groupTopics[group]
	if m == nil {
		m = map[string]bool{}
		c.groupTopics[group] = m
		c.groups = append(c.groups, group)
	}
	m[topic] = true
}

func (c *classifier) flag(k msgKey, f Flag) {
	if !slices.Contains(c.flags[k], f) {
		c.flags[k] = append(c.flags[k], f)
	}
}

// epochKey is one assignment epoch of a partition: a consumer instance in
// a generation.
type epochKey struct {
	actor  string
	member string
	gen    int32
	tp     TP
	group  string
}

func (c *classifier) run() Outcome {
	logEnd := map[TP]int64{}
	groupGen := map[string]int32{}
	removed := map[string]bool{} // member ids removed from their group
	lastDelivered := map[epochKey]int64{}
	// delivered but without an effect yet, per group partition.
	open := map[partKey]map[int64]bool{}
	for i := range c.ev {
		e := &c.ev[i]
		if e.Actor != "" {
			c.byActor[e.Actor] = append(c.byActor[e.Actor], i)
		}
		tp := e.TP()
		pk := partKey{e.Group, tp}
		mk := msgKey{e.Group, tp, e.Offset}
		switch e.Kind {
		case KindProduce:
			if _, ok := c.produced[tp]; !ok {
				c.parts = append(c.parts, tp)
			}
			c.produced[tp] = append(c.produced[tp], i)
			logEnd[tp] = max(logEnd[tp], e.Offset+1)
		case KindSubscribed:
			for _, t := range e.Topics {
				c.addGroupTopic(e.Group, t)
			}
		case KindAssign, KindRevoke, KindLost:
			for _, p := range e.Partitions {
				c.addGroupTopic(e.Group, p.Topic)
			}
			if e.Kind == KindLost || e.Kind == KindAssign {
				// A new assignment starts a new epoch even in the same generation.
				for _, p := range e.Partitions {
					delete(lastDelivered, epochKey{e.Actor, e.Member, e.Generation, p, e.Group})
				}
			}
		case KindPosition:
			delete(lastDelivered, epochKey{e.Actor, e.Member, e.Generation, tp, e.Group})
		case KindDeliver:
			c.addGroupTopic(e.Group, e.Topic)
			c.deliveries[mk] = append(c.deliveries[mk], i)
			ek := epochKey{e.Actor, e.Member, e.Generation, tp, e.Group}
			if last, ok := lastDelivered[ek]; ok {
				if e.Offset > last+1 {
					c.flag(mk, FlagSkip)
				} else if e.Offset <= last {
					c.flag(mk, FlagNonMonotonic)
				}
			}
			lastDelivered[ek] = e.Offset
			if len(c.effects[mk]) == 0 {
				if open[pk] == nil {
					open[pk] = map[int64]bool{}
				}
				open[pk][e.Offset] = true
			}
		case KindEffect:
			c.effects[mk] = append(c.effects[mk], i)
			delete(open[pk], e.Offset)
		case KindProcessFailed:
			c.failures[mk] = append(c.failures[mk], i)
		case KindCommit:
			if _, ok := c.commitReq[e.CommitID]; !ok {
				c.commitReq[e.CommitID] = i
			}
		case KindCommitOK:
			c.addGroupTopic(e.Group, e.Topic)
			prev, had := c.final[pk]
			if had && e.Offset < prev {
				c.finding(FlagCommitRegression, e, fmt.Sprintf("committed offset of %s went back from %d to %d (%s by %s)", tp, prev, e.Offset, e.Commit, e.Actor))
			}
			if e.Offset > logEnd[tp] {
				c.finding(FlagCommitBeyondEnd, e, fmt.Sprintf("commit of offset %d on %s by %s is past the log end %d", e.Offset, tp, e.Actor, logEnd[tp]))
			}
			gen, known := groupGen[e.Group]
			if (e.Member != "" && removed[e.Member]) || (known && e.Generation >= 0 && e.Generation != gen) {
				c.finding(FlagStaleCommitAccepted, e, fmt.Sprintf("commit by %s (member %s, generation %d) was accepted although the group is at generation %d or the member was removed", e.Actor, e.Member, e.Generation, gen))
			}
			c.final[pk] = e.Offset
			c.accepted[pk] = append(c.accepted[pk], commitRec{i, e.Offset})
			for o := range open[pk] {
				if o < e.Offset {
					c.flag(msgKey{e.Group, tp, o}, FlagCommittedTooFar)
					delete(open[pk], o)
				}
			}
		case KindOffsetsExpired:
			for k := range c.final {
				if k.group == e.Group {
					delete(c.final, k)
				}
			}
		case KindGroupState:
			if e.Generation >= 0 {
				groupGen[e.Group] = e.Generation
			}
		case KindMemberExpired, KindLeave:
			if e.Member != "" {
				removed[e.Member] = true
			}
		case KindJoin:
			if e.Member != "" {
				delete(removed, e.Member)
			}
		}
	}
	slices.SortFunc(c.parts, tpLess)
	slices.Sort(c.groups)

	var out Outcome
	out.Messages = []MessageOutcome{}
	out.Lost = []MessageRef{}
	out.Duplicated = []MessageRef{}
	out.Findings = c.findings
	if out.Findings == nil {
		out.Findings = []Finding{}
	}
	for _, g := range c.groups {
		for _, tp := range c.parts {
			if !c.groupTopics[g][tp.Topic] {
				continue
			}
			pk := partKey{g, tp}
			final, hasFinal := c.final[pk]
			if !hasFinal {
				final = -1
			}
			prods := slices.Clone(c.produced[tp])
			slices.SortStableFunc(prods, func(a, b int) int { return cmp.Compare(c.ev[a].Offset, c.ev[b].Offset) })
			// REORDERED: an offset whose first effect precedes the first
			// effect of an earlier offset.
			maxFirst := -1
			for _, pi := range prods {
				p := &c.ev[pi]
				mk := msgKey{g, tp, p.Offset}
				effs := c.effects[mk]
				if len(effs) > 0 {
					if maxFirst > effs[0] {
						c.flag(mk, FlagReordered)
					}
					maxFirst = max(maxFirst, effs[0])
				}
			}
			for _, pi := range prods {
				p := &c.ev[pi]
				mk := msgKey{g, tp, p.Offset}
				m := MessageOutcome{
					Group: g, Topic: tp.Topic, Partition: tp.Partition, Offset: p.Offset, Key: p.Key,
					Deliveries: len(c.deliveries[mk]), Effects: len(c.effects[mk]),
				}
				for _, d := range c.deliveries[mk] {
					m.DeliveredTo = append(m.DeliveredTo, c.ev[d].Actor)
				}
				switch {
				case m.Effects >= 2:
					m.Outcome = Duplicated
					m.CauseKind, m.Cause = c.duplicateCause(mk)
				case m.Effects == 1 && m.Deliveries >= 2:
					m.Outcome = Redelivered
				case m.Effects == 1:
					m.Outcome = OK
				case p.Offset < final:
					m.Outcome = Lost
					m.CauseKind, m.Cause = c.lostCause(mk)
				default:
					m.Outcome = Pending
				}
				if fl := c.flags[mk]; len(fl) > 0 {
					m.Flags = slices.Clone(fl)
					slices.Sort(m.Flags)
				}
				switch m.Outcome {
				case OK:
					out.Counts.OK++
				case Redelivered:
					out.Counts.Redelivered++
				case Duplicated:
					out.Counts.Duplicated++
					out.Duplicated = append(out.Duplicated, m.Ref())
				case Lost:
					out.Counts.Lost++
					out.Lost = append(out.Lost, m.Ref())
				case Pending:
					out.Counts.Pending++
				}
				out.Messages = append(out.Messages, m)
			}
		}
	}
	return out
}

func (c *classifier) finding(f Flag, e *Event, detail string) {
	c.findings = append(c.findings, Finding{Flag: f, Group: e.Group, Topic: e.Topic, Partition: e.Partition, Offset: e.Offset, Seq: e.Seq, Detail: detail})
}

func at(e *Event) string { return "T=" + FormatDuration(e.At) }

// commitName describes a commit trigger for a sentence.
func commitName(e *Event) string {
	mode := ""
	if e.Async {
		mode = "asynchronous "
	}
	switch e.Commit {
	case CommitAuto:
		return "auto-commit"
	case CommitJavaPoll:
		return "auto-commit (Java model, inside poll)"
	case CommitRevoke:
		return "the commit on revoke"
	case CommitClose:
		return "the auto-commit inside close"
	case CommitBeforeProcess:
		return mode + "commit before processing"
	case CommitManual:
		return mode + "manual commit"
	}
	return mode + "commit"
}

// fate is the first thing after seq that ended a consumer's hold on tp:
// crash, close, revoke or loss of tp, max.poll.interval expiry.
func (c *classifier) fate(actor string, tp TP, from, to int) *Event {
	for _, i := range c.byActor[actor] {
		if i <= from || (to >= 0 && i >= to) {
			continue
		}
		e := &c.ev[i]
		switch e.Kind {
		case KindCrash, KindClose, KindMaxPoll:
			return e
		case KindRevoke, KindLost:
			if slices.Contains(e.Partitions, tp) {
				return e
			}
		}
	}
	return nil
}

// firstCover is the first accepted commit of pk covering offset o (offset > o)
// after seq from, or nil.
func (c *classifier) firstCover(pk partKey, o int64, from int) *Event {
	for _, cr := range c.accepted[pk] {
		if cr.seq > from && cr.offset > o {
			return &c.ev[cr.seq]
		}
	}
	return nil
}

func (c *classifier) lostCause(mk msgKey) (CauseKind, string) {
	pk := partKey{mk.group, mk.tp}
	cover := c.firstCover(pk, mk.off, -1)
	if cover == nil {
		return CauseUnknown, fmt.Sprintf("offset %d of %s has no effect and the group's final committed offset is past it", mk.off, mk.tp)
	}
	coverText := fmt.Sprintf("%s at %s by %s committed offset %d", commitName(cover), at(cover), cover.Actor, cover.Offset)
	dels := c.deliveries[mk]
	if len(dels) == 0 {
		// Never read: find where the group's consumers started past it,
		// and whether the group's offsets had expired before.
		expired := ""
		for i := range c.ev {
			e := &c.ev[i]
			if e.Kind == KindOffsetsExpired && e.Group == mk.group {
				expired = fmt.Sprintf("the group's committed offsets expired at %s; then ", at(e))
			}
			if e.Kind == KindPosition && e.Group == mk.group && e.TP() == mk.tp && e.Offset > mk.off {
				why := e.Detail
				if why == "" {
					why = "its start position"
				}
				return CauseNeverDelivered, fmt.Sprintf("offset %d of %s was never delivered to group %s: %s%s started reading at offset %d at %s (%s)", mk.off, mk.tp, mk.group, expired, e.Actor, e.Offset, at(e), why)
			}
		}
		return CauseNeverDelivered, fmt.Sprintf("offset %d of %s was never delivered to group %s; %s", mk.off, mk.tp, mk.group, coverText)
	}
	// The delivery that the covering commit ran ahead of: the committer's
	// own, else the last one before the commit.
	d := &c.ev[dels[len(dels)-1]]
	for _, di := range dels {
		if c.ev[di].Actor == cover.Actor && di < cover.Seq {
			d = &c.ev[di]
		}
	}
	for _, fi := range c.failures[mk] {
		f := &c.ev[fi]
		if f.Actor == d.Actor && fi > d.Seq {
			return CauseProcessingFailed, fmt.Sprintf("processing of offset %d by %s failed at %s and the app moved on; %s past it", mk.off, d.Actor, at(f), coverText)
		}
	}
	fate := c.fate(d.Actor, mk.tp, d.Seq, -1)
	whileText := fmt.Sprintf("%s while offset %d was still being processed (delivered to %s at %s)", coverText, mk.off, d.Actor, at(d))
	if fate == nil {
		return CauseCrashAfterCommit, whileText + "; its processing had not finished when the run ended"
	}
	switch fate.Kind {
	case KindCrash:
		return CauseCrashAfterCommit, fmt.Sprintf("%s; consumer %s crashed at %s before finishing it", whileText, fate.Actor, at(fate))
	case KindClose:
		if cover.Commit == CommitClose || cover.Commit == CommitRevoke {
			return CauseCloseAhead, fmt.Sprintf("consumer %s closed at %s while offset %d was still being processed; %s", fate.Actor, at(fate), mk.off, coverText)
		}
		return CauseCloseAhead, fmt.Sprintf("%s; consumer %s closed at %s without finishing it", whileText, fate.Actor, at(fate))
	case KindMaxPoll:
		return CauseZombiePoll, fmt.Sprintf("%s; consumer %s then exceeded max.poll.interval.ms at %s and never finished it", whileText, fate.Actor, at(fate))
	case KindLost:
		return CauseZombieSession, fmt.Sprintf("%s; consumer %s lost the partition at %s and never finished it", whileText, fate.Actor, at(fate))
	case KindRevoke:
		return CauseRevokeBeforeCommit, fmt.Sprintf("%s; the partition was revoked from %s at %s before it finished", whileText, fate.Actor, at(fate))
	}
	return CauseUnknown, whileText
}

func (c *classifier) duplicateCause(mk msgKey) (CauseKind, string) {
	effs := c.effects[mk]
	e1, e2 := &c.ev[effs[0]], &c.ev[effs[1]]
	pk := partKey{mk.group, mk.tp}
	// The delivery behind the second effect.
	var d2 *Event
	for _, di := range c.deliveries[mk] {
		if c.ev[di].Actor == e2.Actor && di < e2.Seq {
			d2 = &c.ev[di]
		}
	}
	// A zombie: either effect by a consumer that had already lost the
	// partition (poll interval or session) when it finished.
	for _, ef := range []*Event{e1, e2} {
		var d *Event
		for _, di := range c.deliveries[mk] {
			if c.ev[di].Actor == ef.Actor && di < ef.Seq {
				d = &c.ev[di]
			}
		}
		if d == nil {
			continue
		}
		if f := c.fate(ef.Actor, mk.tp, d.Seq, ef.Seq); f != nil && (f.Kind == KindMaxPoll || f.Kind == KindLost) {
			other := e1
			if ef == e1 {
				other = e2
			}
			kind := CauseZombieSession
			why := "lost its partitions (session timeout)"
			if f.Kind == KindMaxPoll {
				kind, why = CauseZombiePoll, "exceeded max.poll.interval.ms"
			}
			return kind, fmt.Sprintf("consumer %s %s at %s while processing offset %d, and finished it anyway at %s (a zombie); %s processed it too at %s", ef.Actor, why, at(f), mk.off, at(ef), other.Actor, at(other))
		}
	}
	limit := len(c.ev)
	if d2 != nil {
		limit = d2.Seq
	}
	// Did a commit by the first processor try to cover it? (It may have
	// been sent after the redelivery, by a member already out of the group.)
	for _, i := range c.byActor[e1.Actor] {
		if i <= e1.Seq {
			continue
		}
		e := &c.ev[i]
		if e.Kind == KindCommitFailed && e.TP() == mk.tp && e.Offset > mk.off {
			why := ""
			if f := c.fate(e1.Actor, mk.tp, e1.Seq, i); f != nil && (f.Kind == KindMaxPoll || f.Kind == KindLost) {
				why = fmt.Sprintf(" (it had left the group at %s: %s)", at(f), f.Kind)
			}
			if e.Async && e.Error != "ILLEGAL_GENERATION" && e.Error != "REBALANCE_IN_PROGRESS" && e.Error != "UNKNOWN_MEMBER_ID" {
				return CauseAsyncDropped, fmt.Sprintf("%s processed offset %d at %s; its asynchronous commit of offset %d failed at %s (%s) and was not retried%s; %s processed it again at %s", e1.Actor, mk.off, at(e1), e.Offset, at(e), e.Error, why, e2.Actor, at(e2))
			}
			mode := ""
			if e.Async {
				mode = "asynchronous "
			}
			return CauseCommitRejected, fmt.Sprintf("%s processed offset %d at %s but its %scommit of offset %d was rejected at %s with %s%s; %s processed it again at %s", e1.Actor, mk.off, at(e1), mode, e.Offset, at(e), e.Error, why, e2.Actor, at(e2))
		}
		if (e.Kind == KindCommitOK && e.TP() == mk.tp && e.Offset > mk.off) || e.Kind == KindCrash || e.Kind == KindClosed {
			break
		}
	}
	if cover := c.firstCover(pk, mk.off, e1.Seq); cover == nil || cover.Seq > limit {
		restart := ""
		if d2 != nil {
			restart = fmt.Sprintf("; %s re-read it at %s and processed it again at %s", d2.Actor, at(d2), at(e2))
		}
		if f := c.fate(e1.Actor, mk.tp, e1.Seq, limit); f != nil {
			switch f.Kind {
			case KindCrash:
				return CauseCrashBeforeCommit, fmt.Sprintf("%s processed offset %d at %s and crashed at %s before a commit covered it%s", e1.Actor, mk.off, at(e1), at(f), restart)
			case KindRevoke:
				return CauseRevokeBeforeCommit, fmt.Sprintf("%s processed offset %d at %s but %s was revoked at %s before its offset was committed%s", e1.Actor, mk.off, at(e1), mk.tp, at(f), restart)
			case KindClose:
				return CauseNoCommit, fmt.Sprintf("%s processed offset %d at %s and closed at %s without committing it%s", e1.Actor, mk.off, at(e1), at(f), restart)
			case KindMaxPoll:
				return CauseZombiePoll, fmt.Sprintf("%s processed offset %d at %s, then exceeded max.poll.interval.ms at %s before committing it%s", e1.Actor, mk.off, at(e1), at(f), restart)
			case KindLost:
				return CauseZombieSession, fmt.Sprintf("%s processed offset %d at %s, then lost %s at %s before committing it%s", e1.Actor, mk.off, at(e1), mk.tp, at(f), restart)
			}
		}
		return CauseNoCommit, fmt.Sprintf("no commit covered offset %d after %s processed it at %s%s", mk.off, e1.Actor, at(e1), restart)
	}
	return CauseUnknown, fmt.Sprintf("offset %d was processed by %s at %s and again by %s at %s", mk.off, e1.Actor, at(e1), e2.Actor, at(e2))
}
