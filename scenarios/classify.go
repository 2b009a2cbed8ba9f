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
	// produced partitions: index by TP (with a one-entry cache), and per
	// partition its produce events and log end.
	tpIdx  map[TP]int32
	tps    []tpInfo
	lastTP TP
	lastTI int32
	parts  []TP
	// groups reading each topic.
	groupTopics map[string]map[string]bool
	groups      []string
	byActor     map[string][]int // built on first use (see actorEvents)
	commitReq   map[uint64]int   // commit id → first commit request seq
	findings    []Finding
	// per group partition state, with a one-entry cache.
	pstates map[partKey]*pstate
	plist   []*pstate
	last    *pstate
	total   int
	// ints hands out one-element slices (capped) for dels/effs/fails.
	ints []int
}

// tpInfo is one produced-to partition.
type tpInfo struct {
	count    int   // produce events
	produced []int // seqs of its produce events
	logEnd   int64
}

// tpInfo returns the index of tp in c.tps, or -1.
func (c *classifier) tpIndex(tp TP) int32 {
	if c.lastTI >= 0 && c.lastTP == tp {
		return c.lastTI
	}
	i, ok := c.tpIdx[tp]
	if !ok {
		return -1
	}
	c.lastTP, c.lastTI = tp, i
	return i
}

// logEnd is one past the highest produced offset of tp (0: none).
func (c *classifier) logEnd(tp TP) int64 {
	if i := c.tpIndex(tp); i >= 0 {
		return c.tps[i].logEnd
	}
	return 0
}

// one returns []int{i} with capacity 1, carved from a shared block.
func (c *classifier) one(i int) []int {
	if len(c.ints) == 0 {
		c.ints = make([]int, 1024)
	}
	s := c.ints[0:1:1]
	s[0] = i
	c.ints = c.ints[1:]
	return s
}

func (c *classifier) addTo(l []int, i int) []int {
	if l == nil {
		return c.one(i)
	}
	return append(l, i)
}

// actorEvents lists the seqs of actor's events, in order.
func (c *classifier) actorEvents(actor string) []int {
	if c.byActor == nil {
		c.byActor = map[string][]int{}
		for i := range c.ev {
			if a := c.ev[i].Actor; a != "" {
				c.byActor[a] = append(c.byActor[a], i)
			}
		}
	}
	return c.byActor[actor]
}

// mstate is what happened to one message in one group.
type mstate struct {
	dels, effs, fails []int
	flags             []Flag
}

// pstate is one partition as one group saw it.
type pstate struct {
	group    string
	tp       TP
	idx      map[int64]int32 // offsets beyond denseMax
	dense    []int32         // offset → index in ms + 1
	ms       []mstate
	accepted []commitRec
	final    int64
	hasFinal bool
	open     []int64 // delivered, no effect yet, not yet flagged
	// last delivered offset per epoch; the current epoch is cached.
	epoch     epochKey
	epochLast int64
	epochOK   bool
	epochs    map[epochKey]int64
}

var noMsg mstate

func (c *classifier) part(group string, tp TP) *pstate {
	if l := c.last; l != nil && l.group == group && l.tp == tp {
		return l
	}
	k := partKey{group, tp}
	ps := c.pstates[k]
	if ps == nil {
		n := 0
		if i := c.tpIndex(tp); i >= 0 {
			n = c.tps[i].count
		}
		ps = &pstate{group: group, tp: tp, final: -1, ms: make([]mstate, 0, n), dense: make([]int32, 0, n)}
		c.pstates[k] = ps
		c.plist = append(c.plist, ps)
	}
	c.last = ps
	return ps
}

// denseMax bounds the offsets indexed by slice; larger ones use the map.
const denseMax = 1 << 22

// get returns the message's state, or an empty one.
func (ps *pstate) get(off int64) *mstate {
	if off >= 0 && off < denseMax {
		if off < int64(len(ps.dense)) && ps.dense[off] > 0 {
			return &ps.ms[ps.dense[off]-1]
		}
		return &noMsg
	}
	if i, ok := ps.idx[off]; ok {
		return &ps.ms[i]
	}
	return &noMsg
}

// mut returns the message's state for update; the pointer is valid until
// the next mut.
func (ps *pstate) mut(off int64) *mstate {
	if off >= 0 && off < denseMax {
		if off < int64(len(ps.dense)) && ps.dense[off] > 0 {
			return &ps.ms[ps.dense[off]-1]
		}
		for int64(len(ps.dense)) <= off {
			ps.dense = append(ps.dense, 0)
		}
		ps.ms = append(ps.ms, mstate{})
		ps.dense[off] = int32(len(ps.ms))
		return &ps.ms[len(ps.ms)-1]
	}
	if i, ok := ps.idx[off]; ok {
		return &ps.ms[i]
	}
	if ps.idx == nil {
		ps.idx = map[int64]int32{}
	}
	ps.idx[off] = int32(len(ps.ms))
	ps.ms = append(ps.ms, mstate{})
	return &ps.ms[len(ps.ms)-1]
}

// m is the state of a message in a group (read only).
func (c *classifier) m(k msgKey) *mstate {
	ps := c.pstates[partKey{k.group, k.tp}]
	if ps == nil {
		return &noMsg
	}
	return ps.get(k.off)
}

func newClassifier(events []Event) *classifier {
	return &classifier{
		ev:          events,
		tpIdx:       map[TP]int32{},
		lastTI:      -1,
		groupTopics: map[string]map[string]bool{},
		commitReq:   map[uint64]int{},
		pstates:     map[partKey]*pstate{},
	}
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

func (m *mstate) flag(f Flag) {
	if !slices.Contains(m.flags, f) {
		m.flags = append(m.flags, f)
	}
}

// epochKey is one assignment epoch of a partition: a consumer instance in
// a generation.
type epochKey struct {
	actor  string
	member string
	gen    int32
}

func (ps *pstate) lastDelivered(k epochKey) (int64, bool) {
	if ps.epochOK && ps.epoch == k {
		return ps.epochLast, true
	}
	v, ok := ps.epochs[k]
	return v, ok
}

func (ps *pstate) setDelivered(k epochKey, off int64) {
	if ps.epochOK && ps.epoch != k {
		if ps.epochs == nil {
			ps.epochs = map[epochKey]int64{}
		}
		ps.epochs[ps.epoch] = ps.epochLast
	}
	ps.epoch, ps.epochLast, ps.epochOK = k, off, true
	delete(ps.epochs, k)
}

func (ps *pstate) resetEpoch(k epochKey) {
	if ps.epochOK && ps.epoch == k {
		ps.epochOK = false
	}
	delete(ps.epochs, k)
}

func (c *classifier) run() Outcome {
	for i := range c.ev {
		if e := &c.ev[i]; e.Kind == KindProduce {
			tp := TP{e.Topic, e.Partition}
			ti := c.tpIndex(tp)
			if ti < 0 {
				ti = int32(len(c.tps))
				c.tpIdx[tp] = ti
				c.tps = append(c.tps, tpInfo{})
				c.parts = append(c.parts, tp)
				c.lastTP, c.lastTI = tp, ti
			}
			c.tps[ti].count++
			c.total++
		}
	}
	for i := range c.tps {
		c.tps[i].produced = make([]int, 0, c.tps[i].count)
	}
	groupGen := map[string]int32{}
	removed := map[string]bool{} // member ids removed from their group
	for i := range c.ev {
		e := &c.ev[i]
		tp := TP{e.Topic, e.Partition}
		switch e.Kind {
		case KindProduce:
			ti := &c.tps[c.tpIndex(tp)]
			ti.produced = append(ti.produced, i)
			if e.Offset+1 > ti.logEnd {
				ti.logEnd = e.Offset + 1
			}
		case KindSubscribed:
			for _, t := range e.Topics {
				c.addGroupTopic(e.Group, t)
			}
		case KindAssign, KindRevoke, KindLost:
			for _, p := range e.Partitions {
				c.addGroupTopic(e.Group, p.Topic)
				if e.Kind == KindLost || e.Kind == KindAssign {
					// A new assignment starts a new epoch even in the same generation.
					c.part(e.Group, p).resetEpoch(epochKey{e.Actor, e.Member, e.Generation})
				}
			}
		case KindPosition:
			c.part(e.Group, tp).resetEpoch(epochKey{e.Actor, e.Member, e.Generation})
		case KindDeliver:
			c.addGroupTopic(e.Group, e.Topic)
			ps := c.part(e.Group, tp)
			m := ps.mut(e.Offset)
			m.dels = c.addTo(m.dels, i)
			ek := epochKey{e.Actor, e.Member, e.Generation}
			if last, ok := ps.lastDelivered(ek); ok {
				if e.Offset > last+1 {
					m.flag(FlagSkip)
				} else if e.Offset <= last {
					m.flag(FlagNonMonotonic)
				}
			}
			ps.setDelivered(ek, e.Offset)
			if len(m.effs) == 0 && !slices.Contains(ps.open, e.Offset) {
				ps.open = append(ps.open, e.Offset)
			}
		case KindEffect:
			ps := c.part(e.Group, tp)
			m := ps.mut(e.Offset)
			m.effs = c.addTo(m.effs, i)
			if j := slices.Index(ps.open, e.Offset); j >= 0 {
				ps.open = slices.Delete(ps.open, j, j+1)
			}
		case KindProcessFailed:
			m := c.part(e.Group, tp).mut(e.Offset)
			m.fails = c.addTo(m.fails, i)
		case KindCommit:
			if _, ok := c.commitReq[e.CommitID]; !ok {
				c.commitReq[e.CommitID] = i
			}
		case KindCommitOK:
			c.addGroupTopic(e.Group, e.Topic)
			ps := c.part(e.Group, tp)
			if ps.hasFinal && e.Offset < ps.final {
				c.finding(FlagCommitRegression, e, fmt.Sprintf("committed offset of %s went back from %d to %d (%s by %s)", tp, ps.final, e.Offset, e.Commit, e.Actor))
			}
			if end := c.logEnd(tp); e.Offset > end {
				c.finding(FlagCommitBeyondEnd, e, fmt.Sprintf("commit of offset %d on %s by %s is past the log end %d", e.Offset, tp, e.Actor, end))
			}
			gen, known := groupGen[e.Group]
			if (e.Member != "" && removed[e.Member]) || (known && e.Generation >= 0 && e.Generation != gen) {
				c.finding(FlagStaleCommitAccepted, e, fmt.Sprintf("commit by %s (member %s, generation %d) was accepted although the group is at generation %d or the member was removed", e.Actor, e.Member, e.Generation, gen))
			}
			ps.final, ps.hasFinal = e.Offset, true
			ps.accepted = append(ps.accepted, commitRec{i, e.Offset})
			keep := ps.open[:0]
			for _, o := range ps.open {
				if o < e.Offset {
					ps.mut(o).flag(FlagCommittedTooFar)
				} else {
					keep = append(keep, o)
				}
			}
			ps.open = keep
		case KindOffsetsExpired:
			for _, ps := range c.plist {
				if ps.group == e.Group {
					ps.final, ps.hasFinal = -1, false
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
	out.Messages = make([]MessageOutcome, 0, c.total*max(1, len(c.groups)))
	names := make([]string, 0, c.total*max(1, len(c.groups))+16)
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
			ps := c.part(g, tp)
			final := ps.final
			prods := c.tps[c.tpIndex(tp)].produced
			byOffset := func(a, b int) int { return cmp.Compare(c.ev[a].Offset, c.ev[b].Offset) }
			if !slices.IsSortedFunc(prods, byOffset) {
				// Sorted in place: nothing else reads the produce order.
				slices.SortStableFunc(prods, byOffset)
			}
			// REORDERED: an offset whose first effect precedes the first
			// effect of an earlier offset.
			maxFirst := -1
			for _, pi := range prods {
				p := &c.ev[pi]
				effs := ps.get(p.Offset).effs
				if len(effs) > 0 {
					if maxFirst > effs[0] {
						ps.mut(p.Offset).flag(FlagReordered)
					}
					maxFirst = max(maxFirst, effs[0])
				}
			}
			for _, pi := range prods {
				p := &c.ev[pi]
				mk := msgKey{g, tp, p.Offset}
				ms := ps.get(p.Offset)
				// Filled in place: the unused capacity is still zero.
				n := len(out.Messages)
				if n < cap(out.Messages) {
					out.Messages = out.Messages[:n+1]
				} else {
					out.Messages = append(out.Messages, MessageOutcome{})
				}
				m := &out.Messages[n]
				m.Group, m.Topic, m.Partition, m.Offset, m.Key = g, tp.Topic, tp.Partition, p.Offset, p.Key
				m.Deliveries, m.Effects = len(ms.dels), len(ms.effs)
				if len(ms.dels) > 0 {
					start := len(names)
					for _, d := range ms.dels {
						names = append(names, c.ev[d].Actor)
					}
					m.DeliveredTo = names[start:len(names):len(names)]
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
				if fl := ms.flags; len(fl) > 0 {
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
	for _, i := range c.actorEvents(actor) {
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
	ps := c.pstates[pk]
	if ps == nil {
		return nil
	}
	for _, cr := range ps.accepted {
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
	dels := c.m(mk).dels
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
	for _, fi := range c.m(mk).fails {
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
	effs := c.m(mk).effs
	e1, e2 := &c.ev[effs[0]], &c.ev[effs[1]]
	pk := partKey{mk.group, mk.tp}
	// The delivery behind the second effect.
	var d2 *Event
	for _, di := range c.m(mk).dels {
		if c.ev[di].Actor == e2.Actor && di < e2.Seq {
			d2 = &c.ev[di]
		}
	}
	// A zombie: either effect by a consumer that had already lost the
	// partition (poll interval or session) when it finished.
	for _, ef := range []*Event{e1, e2} {
		var d *Event
		for _, di := range c.m(mk).dels {
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
	for _, i := range c.actorEvents(e1.Actor) {
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
