package scenarios

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"
)

// Classify computes the Outcome (docs/guarantees.md) from a timeline. It is
// a pure function of the events, so it judges a history recorded against
// real brokers as well as a simulated one. It reads these kinds: produce,
// subscribed, assign, deliver, effect, process_failed, commit, commit_ok,
// commit_failed, crash, close, revoke, lost, max_poll, position,
// group_state, member_expired, offsets_expired.
func Classify(events []Event) Outcome {
	return classify(eventsTape(events))
}

// classify classifies a timeline as recorded, writing every message's
// outcome.
func classify(t *tape) Outcome {
	c := newClassifier(t)
	c.takeSlab()
	out := c.run(writeAll)
	c.putSlab()
	return out
}

// classifyRun classifies a run's timeline: the counts, the LOST and
// DUPLICATED lists and the findings now; the messages' outcomes when
// Outcome.Messages is first called (the classifier is kept until then),
// or now, only the notable ones, when onlyNotable (Options.OnlyNotable).
func classifyRun(t *tape, onlyNotable bool) Outcome {
	c := newClassifier(t)
	c.takeSlab()
	if onlyNotable {
		out := c.run(writeNotable)
		c.putSlab()
		return out
	}
	out := c.run(writeNone)
	out.msgs = &messageList{c: c}
	return out
}

// writeAll writes every message's outcome, for Outcome.Messages, from
// the classifier of a run (classifyRun): its pass over the timeline is
// done; only the writing is left.
func (c *classifier) writeAll() []MessageOutcome {
	var out Outcome // (its counts and lists were the counting pass's)
	c.mode = writeAll
	list := c.write(&out)
	c.putSlab()
	return list
}

// takeSlab gives the classifier the room of an earlier classification's
// message states, when there is one.
func (c *classifier) takeSlab() {
	if p, _ := slabPool.Get().(*[]mstate); p != nil {
		c.slab = (*p)[:0]
	}
}

// putSlab gives the room of the classifier's message states to the next
// classification (the outcome holds none of them). The classifier must
// not write afterwards.
func (c *classifier) putSlab() {
	if cap(c.slab) > 0 {
		s := c.slab[:0]
		slabPool.Put(&s)
	}
	c.slab = nil
}

// slabPool holds the classifier's arrays of message states between
// classifications (pointer-free: the collector never scans them).
var slabPool sync.Pool

// states is room for n message states, all zero: carved from the
// classifier's slab while it has room (one slab serves every partition of
// a run the size of a benchmark or a property test's case), else its own.
func (c *classifier) states(n int64) []mstate {
	if free := int64(cap(c.slab) - len(c.slab)); n <= free {
		l := len(c.slab)
		c.slab = c.slab[:l+int(n)]
		ms := c.slab[l : l+int(n) : l+int(n)]
		clear(ms)
		return ms
	}
	if len(c.slab) == 0 && n <= slabMax {
		// The first partition, and the slab too small: a new slab, the
		// size of this run's produced offsets (all partitions) when known.
		c.slab = make([]mstate, 0, min(max(n, c.allOffsets()), slabMax))
		return c.states(n)
	}
	return make([]mstate, n)
}

// slabMax bounds the slab a classification keeps for the next (1M
// message states, 24 MB): bigger runs allocate their own.
const slabMax = 1 << 20

// allOffsets is how many message states the run's produced partitions
// need, for one group.
func (c *classifier) allOffsets() int64 {
	var n int64
	for i := range c.tps {
		if ti := &c.tps[i]; ti.count > 0 {
			n += min(ti.hi-ti.lo+1, 2*int64(ti.count)+4096)
		}
	}
	return n
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
	t    *tape
	slab []mstate // room for message states (states)
	n    int      // events in t
	// produced partitions: index by TP (with a one-entry cache), and per
	// partition its produce events and log end.
	tpIdx  map[TP]int32
	tps    []tpInfo
	tpOf   []TP // tpOf[i] is the partition of tps[i]
	lastTP TP
	lastTI int32
	parts  []TP
	// prodTab finds a produced-to partition by ids: prodTab[slot(topic
	// id)][partition] is its index in tps + 1 (0: not produced to).
	prodTab [][]int32
	// prodsKept: the tape listed every produce entry (prodCount.refs),
	// so the pass skips them.
	prodsKept bool
	// groups reading each topic.
	groupTopics map[string]map[string]bool
	groups      []string
	byActor     map[string][]int // built on first use (see actorEvents)
	refs        [4]sidRef        // ref's caches: actor, group, member, topic
	byActorLast string           // the actor actorEvents was last asked for
	byActorSeqs []int            // and its answer
	posSeqs     []int            // built on first use (see positions)
	fates       map[string][]int // built on first use (see fateEvents)
	fateActor   string           // the actor fateEvents was last asked for
	fateSeqs    []int            // and its answer
	mode        writeMode        // the messages' outcomes write writes
	commitReq   map[uint64]int   // commit id → first commit request seq
	findings    []Finding
	// per group partition state, with a one-entry cache; ptab finds it
	// by ids (see lookup).
	pstates   map[partKey]*pstate
	plist     []*pstate
	last      *pstate
	ptab      []*groupParts // by topic id (the tape's ids)
	ptabLocal []*groupParts // by topic id - localBase (the classifier's own)
	nstr      int           // len(t.strs) when the classifier was made (see slot)
	total     int
	ndel      int // deliveries
	// lists holds the seq lists of two or more entries (see seqs).
	lists [][]int
	// local numbers the strings of full events that the tape's string
	// table does not hold (see sid); localStrs are those strings by id.
	local     map[string]uint32
	localStrs []string
	// lastGT caches the last (group, topic) pair addGroupTopic saw.
	lastG, lastT uint32
	lastGTOK     bool
}

// localBase is the first id sid hands out for strings the tape does not
// number.
const localBase = 1 << 31

// sid numbers s like the tape's string table does (same string, same
// number), with numbers of its own for strings the table lacks.
func (c *classifier) sid(s string) uint32 {
	if s == "" {
		return 0
	}
	if i, ok := c.t.strIdx[s]; ok {
		return i
	}
	if c.local == nil {
		c.local = map[string]uint32{}
	}
	i, ok := c.local[s]
	if !ok {
		i = localBase + uint32(len(c.local))
		c.local[s] = i
		c.localStrs = append(c.localStrs, s)
	}
	return i
}

// str is the string sid numbered id.
func (c *classifier) str(id uint32) string {
	switch {
	case id == 0:
		return ""
	case id >= localBase:
		return c.localStrs[id-localBase]
	}
	return c.t.strs[id]
}

// slot maps a string id (sid numbering) to a dense index: the tape's ids
// as they are, the classifier's own after them.
func (c *classifier) slot(id uint32) int {
	if id < localBase {
		return int(id)
	}
	return c.nstr + int(id-localBase)
}

// mref is a message event as the classifier's per-message passes need it:
// ids (sid numbering) instead of strings, no pointers.
type mref struct {
	actor, group, member, topic uint32
	gen, part                   int32
	off                         int64
}

// ref is the mref of a full event's view (every message event of a
// given timeline: its strings are numbered through one-entry caches,
// mostly the very strings of the event before).
func (c *classifier) ref(v *msgView) mref {
	r := &c.refs
	return mref{c.sidVia(&r[0], v.actor), c.sidVia(&r[1], v.group), c.sidVia(&r[2], v.member), c.sidVia(&r[3], v.topic), v.gen, v.part, v.off}
}

// sidRef caches the number sid gave a string.
type sidRef struct {
	s  string
	id uint32
}

// sidVia is sid through the cache r: a pointer compare when s is the
// string r holds. (A zero cache holds "", whose number is 0.)
func (c *classifier) sidVia(r *sidRef, s string) uint32 {
	if len(r.s) == len(s) && unsafe.StringData(r.s) == unsafe.StringData(s) {
		return r.id
	}
	return c.sidMiss(r, s)
}

// sidMiss is sidVia past its inlined fast path.
//
//go:noinline
func (c *classifier) sidMiss(r *sidRef, s string) uint32 {
	id := c.sid(s)
	*r = sidRef{s, id}
	return id
}

// tpInfo is one produced-to partition.
type tpInfo struct {
	count    int       // produce events
	lo, hi   int64     // the least and the greatest offset produced
	produced []prodRef // its produce events, in timeline order
	// logEnd is one past the highest offset of produced[:ended] (0:
	// none): the log end as of a point in the pass (see logEndBefore).
	logEnd int64
	ended  int
}

// logEndBefore is the log end before event i: one past the highest offset
// produced by an earlier event (0: none). The pass asks with i growing.
func (ti *tpInfo) logEndBefore(i int) int64 {
	k, end, refs := ti.ended, ti.logEnd, ti.produced
	for ; k < len(refs) && refs[k].seq < i; k++ {
		end = max(end, refs[k].off+1)
	}
	ti.ended, ti.logEnd = k, end
	return end
}

// prodRef is a produce event: its seq, and the offset it produced (kept
// here so that sorting and reading them does not go back to the tape);
// in the tape's lists (prodCount.refs) also where its key is in the key
// buffer.
type prodRef struct {
	seq         int
	off         int64
	key, keyLen uint32
}

// sortedByOffset reports whether refs are in offset order.
func sortedByOffset(refs []prodRef) bool {
	for k := 1; k < len(refs); k++ {
		if refs[k].off < refs[k-1].off {
			return false
		}
	}
	return true
}

// tpIndex returns the index of tp in c.tps, or -1. Runs usually touch a
// handful of partitions: those are found by a scan, the rest in tpIdx.
func (c *classifier) tpIndex(tp TP) int32 {
	if c.lastTI >= 0 && c.lastTP == tp {
		return c.lastTI
	}
	if len(c.tpOf) <= 8 {
		for i := range c.tpOf {
			if c.tpOf[i].Partition == tp.Partition && c.tpOf[i].Topic == tp.Topic {
				c.lastTP, c.lastTI = tp, int32(i)
				return int32(i)
			}
		}
		return -1
	}
	i, ok := c.tpIdx[tp]
	if !ok {
		return -1
	}
	c.lastTP, c.lastTI = tp, i
	return i
}

// logEnd is one past the highest offset of tp produced before event i
// (0: none).
func (c *classifier) logEnd(tp TP, i int) int64 {
	if ti := c.tpIndex(tp); ti >= 0 {
		return c.tps[ti].logEndBefore(i)
	}
	return 0
}

// seqs is a list of event seqs kept without pointers (most messages are
// delivered once and processed once): empty, one seq held inline, or two
// and more in classifier.lists.
type seqs struct {
	n int32 // how many
	v int32 // n == 1: the seq; n > 1: the index in classifier.lists
}

// add appends seq i to s.
func (c *classifier) add(s *seqs, i int) {
	switch s.n {
	case 0:
		s.v = int32(i)
	case 1:
		c.lists = append(c.lists, []int{int(s.v), i})
		s.v = int32(len(c.lists) - 1)
	default:
		c.lists[s.v] = append(c.lists[s.v], i)
	}
	s.n++
}

// list returns the seqs of s.
func (c *classifier) list(s seqs) []int {
	switch s.n {
	case 0:
		return nil
	case 1:
		return []int{int(s.v)}
	}
	return c.lists[s.v]
}

// first is the first seq of s, which is not empty.
func (c *classifier) first(s seqs) int {
	if s.n == 1 {
		return int(s.v)
	}
	return c.lists[s.v][0]
}

// flagSet is a set of message flags, one bit each in flagOrder.
type flagSet uint8

// flagOrder lists the message flags in the order Flags are written
// (sorted by name).
var flagOrder = func() []Flag {
	fs := []Flag{FlagSkip, FlagNonMonotonic, FlagReordered, FlagCommittedTooFar}
	slices.Sort(fs)
	return fs
}()

func flagBit(f Flag) flagSet { return 1 << slices.Index(flagOrder, f) }

// list is the flags in the set, sorted; nil when empty.
func (s flagSet) list() []Flag {
	var out []Flag
	for i, f := range flagOrder {
		if s&(1<<i) != 0 {
			out = append(out, f)
		}
	}
	return out
}

// actorEvents lists the seqs of actor's events, in order, but for the
// message entries recorded compactly (the scans that use it look for
// crashes, closes, revokes, losses and commit results).
func (c *classifier) actorEvents(actor string) []int {
	if c.byActorSeqs != nil && c.byActorLast == actor {
		return c.byActorSeqs // (asked for the same actor again and again)
	}
	seqs := c.actorEvents1(actor)
	c.byActorLast, c.byActorSeqs = actor, seqs
	return seqs
}

// actorEvents1 is actorEvents past its one-entry cache.
func (c *classifier) actorEvents1(actor string) []int {
	if c.byActor == nil {
		c.byActor = map[string][]int{}
		if c.t.log != nil {
			// Recorded: the events not kept compactly are the full ones,
			// in order.
			for k := range c.t.full {
				if e := &c.t.full[k]; e.Actor != "" && e.Seq < c.n {
					c.byActor[e.Actor] = append(c.byActor[e.Actor], e.Seq)
				}
			}
			return c.byActor[actor]
		}
		for i := range c.n {
			switch e := &c.t.events[i]; e.Kind {
			case KindProduce, KindDeliver, KindStore, KindEffect:
				// The kinds a recording keeps compactly: no scan of an
				// actor's events looks for those (see fate,
				// duplicateCause), and a delivery's or an effect's
				// actor has thousands of them.
			default:
				if e.Actor != "" {
					c.byActor[e.Actor] = append(c.byActor[e.Actor], i)
				}
			}
		}
	}
	return c.byActor[actor]
}

// fateEvents are the seqs of an actor's crash, close, max_poll, revoke and
// lost events, built on first use: what fate looks for, without the
// commits between them (one or two per message with a commit per
// message, and fate is asked once per LOST or DUPLICATED message).
func (c *classifier) fateEvents(actor string) []int {
	if c.fateSeqs != nil && c.fateActor == actor {
		return c.fateSeqs // (asked for the same actor again and again)
	}
	if c.fates == nil {
		c.fates = map[string][]int{}
	}
	seqs, ok := c.fates[actor]
	if !ok {
		seqs = []int{}
		for _, i := range c.actorEvents(actor) {
			switch c.fullEvent(i).Kind {
			case KindCrash, KindClose, KindMaxPoll, KindRevoke, KindLost:
				seqs = append(seqs, i)
			}
		}
		c.fates[actor] = seqs
	}
	c.fateActor, c.fateSeqs = actor, seqs
	return seqs
}

// positions are the seqs of the position and offsets_expired events,
// built on first use: what a message never delivered is explained by.
func (c *classifier) positions() []int {
	if c.posSeqs == nil {
		c.posSeqs = []int{}
		for i := range c.n {
			if c.t.compact(i) != nil {
				continue // offsets_expired and position are full events
			}
			if k := c.fullEvent(i).Kind; k == KindOffsetsExpired || k == KindPosition {
				c.posSeqs = append(c.posSeqs, i)
			}
		}
	}
	return c.posSeqs
}

// mstate is what happened to one message in one group.
type mstate struct {
	dels, effs, fails seqs
	flags             flagSet
	open              bool // in pstate.open
}

// pstate is one partition as one group saw it.
type pstate struct {
	group    string
	tp       TP
	gid, tid uint32 // group and topic ids (classifier.sid)
	read     bool   // a delivery added its group and topic to groupTopics
	// ms[off-base] is the state of offset off, for the offsets the
	// timeline produced to the partition (its produced range, sized
	// before the pass: a message's state is found by one subtraction and
	// never moves). Offsets outside it (delivered, never produced in this
	// timeline) are in extra, indexed by idx.
	base     int64
	ms       []mstate
	idx      map[int64]int32
	extra    []mstate
	accepted []commitRec
	final    int64
	hasFinal bool
	// open are the offsets delivered, with no effect yet and not yet
	// flagged, in no particular order (each is flagged alike when a
	// commit passes it); their mstate.open says so without a search.
	open []int64
	// last delivered offset per epoch; the current epoch is cached.
	epoch     epochKey
	epochLast int64
	epochOK   bool
	epochs    map[epochKey]int64
}

var noMsg mstate

// groupParts are one group's partitions of one topic, by partition.
type groupParts struct {
	gid   uint32
	parts []*pstate
	next  *groupParts // another group's partitions of the topic
}

// ptabMax bounds the partitions lookup finds in ptab (others: the map).
const ptabMax = 1 << 16

func (c *classifier) part(group string, tp TP) *pstate {
	if l := c.last; l != nil && l.group == group && l.tp == tp {
		return l
	}
	k := partKey{group, tp}
	ps := c.pstates[k]
	if ps == nil {
		ps = &pstate{group: group, tp: tp, gid: c.sid(group), tid: c.sid(tp.Topic), final: -1}
		if i := c.tpIndex(tp); i >= 0 && c.tps[i].count > 0 {
			// The produced range, unless its offsets are so sparse that
			// the array would dwarf the messages: then its first part.
			ti := &c.tps[i]
			ps.base = ti.lo
			ps.ms = c.states(min(ti.hi-ti.lo+1, 2*int64(ti.count)+4096))
		}
		c.pstates[k] = ps
		c.plist = append(c.plist, ps)
		if tp.Partition >= 0 && tp.Partition < ptabMax {
			c.register(ps)
		}
	}
	c.last = ps
	return ps
}

// ptabOf is the table of topic id tid (ptab for the tape's ids,
// ptabLocal for the classifier's own) and tid's index in it.
func (c *classifier) ptabOf(tid uint32) (*[]*groupParts, int) {
	if tid < localBase {
		return &c.ptab, int(tid)
	}
	return &c.ptabLocal, int(tid - localBase)
}

// register makes ps found by lookup.
func (c *classifier) register(ps *pstate) {
	tab, s := c.ptabOf(ps.tid)
	for len(*tab) <= s {
		*tab = append(*tab, nil)
	}
	g := (*tab)[s]
	for g != nil && g.gid != ps.gid {
		g = g.next
	}
	if g == nil {
		g = &groupParts{gid: ps.gid, next: (*tab)[s]}
		(*tab)[s] = g
	}
	for int32(len(g.parts)) <= ps.tp.Partition {
		g.parts = append(g.parts, nil)
	}
	g.parts[ps.tp.Partition] = ps
}

// lookup is part for a partition named by ids of the tape's numbering,
// when it is the first group's of its topic (the one group most runs
// have): a few indexed loads instead of hashing strings, inlined, for
// every message event; nil otherwise (see find).
func (c *classifier) lookup(gid, tid uint32, part int32) *pstate {
	if uint64(tid) < uint64(len(c.ptab)) {
		if g := c.ptab[tid]; g != nil && g.gid == gid && uint32(part) < uint32(len(g.parts)) {
			return g.parts[part] // (nil: lookupSlow)
		}
	}
	return nil
}

// find is lookup, then past the topic's first group, then by the map
// (creating the partition's state).
func (c *classifier) find(gid, tid uint32, part int32) *pstate {
	if ps := c.lookup(gid, tid, part); ps != nil {
		return ps
	}
	if tab, s := c.ptabOf(tid); s < len(*tab) {
		for g := (*tab)[s]; g != nil; g = g.next {
			if g.gid == gid {
				if uint32(part) < uint32(len(g.parts)) && g.parts[part] != nil {
					return g.parts[part]
				}
				break
			}
		}
	}
	return c.part(c.str(gid), TP{c.str(tid), part})
}

// get returns the message's state, or an empty one (read only).
func (ps *pstate) get(off int64) *mstate {
	if u := uint64(off - ps.base); u < uint64(len(ps.ms)) {
		return &ps.ms[u]
	}
	if i, ok := ps.idx[off]; ok {
		return &ps.extra[i]
	}
	return &noMsg
}

// mut returns the message's state for update; the pointer is valid until
// the next mut (always, for an offset of the produced range).
func (ps *pstate) mut(off int64) *mstate {
	if u := uint64(off - ps.base); u < uint64(len(ps.ms)) {
		return &ps.ms[u]
	}
	if i, ok := ps.idx[off]; ok {
		return &ps.extra[i]
	}
	if ps.idx == nil {
		ps.idx = map[int64]int32{}
	}
	ps.idx[off] = int32(len(ps.extra))
	ps.extra = append(ps.extra, mstate{})
	return &ps.extra[len(ps.extra)-1]
}

func newClassifier(t *tape) *classifier {
	return &classifier{
		t:           t,
		n:           t.len(),
		tpIdx:       map[TP]int32{},
		nstr:        len(t.strs),
		lastTI:      -1,
		groupTopics: map[string]map[string]bool{},
		commitReq:   map[uint64]int{},
		pstates:     map[partKey]*pstate{},
	}
}

// addGroupTopicID is addGroupTopic for ids, skipping the maps when the
// pair is the last one seen.
func (c *classifier) addGroupTopicID(group, topic uint32) {
	if c.lastGTOK && c.lastG == group && c.lastT == topic {
		return
	}
	c.addGroupTopic(c.str(group), c.str(topic))
	c.lastG, c.lastT, c.lastGTOK = group, topic, true
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

func (m *mstate) flag(f Flag) { m.flags |= flagBit(f) }

// epochKey is one assignment epoch of a partition: a consumer instance in
// a generation.
type epochKey struct {
	actor  uint32 // ids (classifier.sid)
	member uint32
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
	if ps.epochOK && ps.epoch == k {
		// (k is not in epochs: it left the map when it became current.)
		ps.epochLast = off
		return
	}
	if ps.epochOK {
		if ps.epochs == nil {
			ps.epochs = map[epochKey]int64{}
		}
		ps.epochs[ps.epoch] = ps.epochLast
	}
	ps.epoch, ps.epochLast, ps.epochOK = k, off, true
	if ps.epochs != nil {
		delete(ps.epochs, k)
	}
}

func (ps *pstate) resetEpoch(k epochKey) {
	if ps.epochOK && ps.epoch == k {
		ps.epochOK = false
	}
	delete(ps.epochs, k)
}

// produced records produce event i of offset off on tp.
func (c *classifier) produced(i int, tp TP, off int64) {
	c.tps[c.tpIndex(tp)].add(i, off)
}

// add records produce event i of offset off.
func (ti *tpInfo) add(i int, off int64) {
	ti.produced = append(ti.produced, prodRef{seq: i, off: off})
}

// producedID is produced for a compact entry: its partition is found by
// the topic's id.
func (c *classifier) producedID(i int, tid uint32, part int32, off int64) {
	if s := c.slot(tid); s < len(c.prodTab) {
		if ps := c.prodTab[s]; uint32(part) < uint32(len(ps)) && ps[part] > 0 {
			c.tps[ps[part]-1].add(i, off)
			return
		}
	}
	c.produced(i, TP{c.str(tid), part}, off)
}

// deliver records delivery event i (ids in sid numbering).
func (c *classifier) deliver(i int, actor, group, member, topic uint32, gen, part int32, off int64) {
	c.ndel++
	ps := c.lookup(group, topic, part)
	if ps == nil {
		ps = c.find(group, topic, part)
	}
	if !ps.read {
		// (A set: once per partition is enough.)
		c.addGroupTopicID(group, topic)
		ps.read = true
	}
	m := ps.mut(off)
	if m.dels.n == 0 {
		m.dels = seqs{1, int32(i)} // (most messages: c.add, inline)
	} else {
		c.add(&m.dels, i)
	}
	if ek := (epochKey{actor, member, gen}); ps.epochOK && ps.epoch == ek {
		// The epoch of the last delivery (lastDelivered and
		// setDelivered for it, inline).
		if last := ps.epochLast; off > last+1 {
			m.flag(FlagSkip)
		} else if off <= last {
			m.flag(FlagNonMonotonic)
		}
		ps.epochLast = off
	} else {
		if last, ok := ps.lastDelivered(ek); ok {
			if off > last+1 {
				m.flag(FlagSkip)
			} else if off <= last {
				m.flag(FlagNonMonotonic)
			}
		}
		ps.setDelivered(ek, off)
	}
	if m.effs.n == 0 && !m.open {
		ps.open = append(ps.open, off)
		m.open = true
	}
}

// effect records effect event i (ids in sid numbering).
func (c *classifier) effect(i int, group, topic uint32, part int32, off int64) {
	ps := c.lookup(group, topic, part)
	if ps == nil {
		ps = c.find(group, topic, part)
	}
	m := ps.mut(off)
	if m.effs.n == 0 {
		m.effs = seqs{1, int32(i)} // (most messages: c.add, inline)
	} else {
		c.add(&m.effs, i)
	}
	if m.open {
		// Removed by moving the last one in its place: the order of
		// open is not read.
		m.open = false
		j, last := slices.Index(ps.open, off), len(ps.open)-1
		ps.open[j] = ps.open[last]
		ps.open = ps.open[:last]
	}
}

// ev is event i, for the cause paths (a copy when it was recorded compactly).
func (c *classifier) ev(i int) *Event { return c.t.event(i) }

// evInto copies event i, without its key, into dst: the cause analysis
// keeps the few events it compares in values of its own instead of an
// Event allocated per message event looked at.
func (c *classifier) evInto(dst *Event, i int) {
	if e := c.t.view(i, dst); e != dst {
		*dst = *e
	}
}

// brief fills dst with the seq, time and actor of event i, the rest of
// it zero: what the cause sentences read of an effect or a delivery,
// without decoding or copying the whole event.
func (c *classifier) brief(dst *Event, i int) {
	if x := c.t.compact(i); x != nil {
		dst.Seq, dst.At, dst.Actor = i, x.at, c.t.strs[x.actor]
		return
	}
	e := c.fullEvent(i)
	dst.Seq, dst.At, dst.Actor = e.Seq, e.At, e.Actor
}

// fullEvent is event i, which is not a compact entry (the events of
// actorEvents and fullSeqs): read only.
func (c *classifier) fullEvent(i int) *Event {
	if i < len(c.t.events) {
		return &c.t.events[i]
	}
	return &c.t.full[c.t.entry(i).off]
}

// after is the part of seqs, a sorted list, after seq from.
func after(seqs []int, from int) []int {
	i, _ := slices.BinarySearch(seqs, from+1)
	return seqs[i:]
}

// newTP adds partition tp, with count produce events of offsets lo to
// hi, to the produced-to partitions.
func (c *classifier) newTP(tp TP, count int, lo, hi int64) int32 {
	ti := int32(len(c.tps))
	c.tpIdx[tp] = ti
	c.tps = append(c.tps, tpInfo{count: count, lo: lo, hi: hi})
	c.tpOf = append(c.tpOf, tp)
	c.parts = append(c.parts, tp)
	c.lastTP, c.lastTI = tp, ti
	c.total += count
	return ti
}

// indexProduced fills prodTab, once the produced-to partitions are known.
func (c *classifier) indexProduced() {
	for i, tp := range c.tpOf {
		if tp.Partition < 0 || tp.Partition >= ptabMax {
			continue // (found through tpIndex)
		}
		s := c.slot(c.sid(tp.Topic))
		for len(c.prodTab) <= s {
			c.prodTab = append(c.prodTab, nil)
		}
		for int32(len(c.prodTab[s])) <= tp.Partition {
			c.prodTab[s] = append(c.prodTab[s], 0)
		}
		c.prodTab[s][tp.Partition] = int32(i) + 1
	}
}

// countProduced finds the produced-to partitions and counts their produce
// events: from the counts the tape kept while recording, or by a pass
// over the timeline.
func (c *classifier) countProduced() {
	if c.t.log != nil && !c.t.prodFull {
		for _, p := range c.t.prods {
			ti := &c.tps[c.newTP(TP{c.t.strs[p.topic], p.part}, p.n, p.lo, p.hi)]
			// The tape's list, read only (sorted on a copy, if ever).
			ti.produced = p.refs[:len(p.refs):len(p.refs)]
		}
		c.prodsKept = true
		return
	}
	for i := range c.n {
		var tp TP
		var off int64
		if x := c.t.compact(i); x != nil {
			if x.kind != recProduce {
				continue
			}
			tp, off = TP{c.t.strs[x.topic], int32(x.part)}, x.off
		} else if e := c.fullEvent(i); e.Kind == KindProduce {
			tp, off = TP{e.Topic, e.Partition}, e.Offset
		} else {
			continue
		}
		if ti := c.tpIndex(tp); ti >= 0 {
			p := &c.tps[ti]
			p.count++
			p.lo, p.hi = min(p.lo, off), max(p.hi, off)
			c.total++
		} else {
			c.newTP(tp, 1, off, off)
		}
	}
}

// runState is what the pass over the timeline keeps about the group
// protocol, to judge accepted commits.
type runState struct {
	groupGen map[string]int32
	removed  map[string]bool // member ids removed from their group
	// Consumer groups (KIP-848, told by their members' joins): each
	// member commits with its own epoch, which the coordinator's
	// reconciliation steps give, not with the group epoch.
	memberEpoch   map[string]int32
	consumerGroup map[string]bool
}

// writeMode is what a classification writes of the messages' outcomes.
type writeMode uint8

const (
	writeAll     writeMode = iota // every message's
	writeNotable                  // the LOST, DUPLICATED and flagged messages' (Options.OnlyNotable)
	writeNone                     // none: the counts and the LOST and DUPLICATED lists only
)

// run classifies the timeline, writing the messages' outcomes mode says
// (into out.msgs.list).
func (c *classifier) run(mode writeMode) Outcome {
	c.scanTimeline()
	c.mode = mode
	var out Outcome
	out.msgs = &messageList{list: c.write(&out)}
	return out
}

// scanTimeline is the classifier's pass over the timeline: every
// message's deliveries, effects and commits, and the findings.
func (c *classifier) scanTimeline() {
	c.countProduced()
	if !c.prodsKept {
		for i := range c.tps {
			c.tps[i].produced = make([]prodRef, 0, c.tps[i].count)
		}
		c.indexProduced()
	}
	st := &runState{groupGen: map[string]int32{}, removed: map[string]bool{}, memberEpoch: map[string]int32{}, consumerGroup: map[string]bool{}}
	if t := c.t; t.log == nil {
		for i := range c.n {
			c.step(i, &t.events[i], st)
		}
	} else {
		// One pass over the log's segments (the log, then its overflow
		// chunks) with no per-entry lookup of where entry i is.
		seg := t.log[:min(len(t.log), c.n)]
		c.scan(seg, 0, st)
		for k, i := 0, len(seg); i < c.n && k < len(t.more); k++ {
			seg = t.more[k][:min(len(t.more[k]), c.n-i)]
			c.scan(seg, i, st)
			i += len(seg)
		}
	}
	slices.SortFunc(c.parts, tpLess)
	slices.Sort(c.groups)
}

// write writes out's counts, LOST and DUPLICATED lists and findings, and
// returns the messages' outcomes c.mode asks for.
func (c *classifier) write(out *Outcome) []MessageOutcome {
	var keys string
	all := c.total * max(1, len(c.groups))
	if c.mode != writeAll {
		all = 0 // how many are notable is not known: grown as found
	}
	// One name per delivery (redeliveries too), unless most are dropped.
	var msgs []MessageOutcome
	var names []string
	if c.mode != writeNone {
		keys = c.t.keyString()
		msgs, names = c.t.takeOutcome(all, max(all, min(c.ndel, all*4))+16)
	}
	out.Lost = []MessageRef{}
	out.Duplicated = []MessageRef{}
	out.Findings = c.findings
	if out.Findings == nil {
		out.Findings = []Finding{}
	}
	for _, gp := range c.groupParts() {
		msgs, names = c.writePart(out, msgs, names, gp.group, gp.tp, gp.ps, gp.prods, keys)
	}
	if c.t.log != nil && c.mode != writeNone {
		c.t.msgs, c.t.names = msgs, names // (for Result.Release)
	}
	return msgs
}

// writeEach writes every message's outcome a partition at a time into
// one buffer and calls fn with each, in order, until fn returns false
// (messageList.each).
func (c *classifier) writeEach(fn func(*MessageOutcome) bool) {
	c.mode = writeAll
	var out Outcome // (its counts and lists were the counting pass's)
	keys := c.t.keyString()
	// The buffer: a released run's lists when there are some, given
	// back (emptied) for the next run or writeAll.
	msgs, names := c.t.takeOutcome(0, 0)
	defer func() {
		clear(msgs)
		clear(names)
		if m := c.t.spare; m != nil {
			m.msgs, m.names = msgs[:0], names[:0]
		}
	}()
	for _, gp := range c.groupParts() {
		msgs, names = c.writePart(&out, msgs, names, gp.group, gp.tp, gp.ps, gp.prods, keys)
		for i := range msgs {
			if !fn(&msgs[i]) {
				return
			}
		}
		// Emptied for the next partition (grow writes into zeroed room).
		clear(msgs)
		clear(names)
		msgs, names = msgs[:0], names[:0]
	}
}

// groupPart is a group's partition, as the outcome lists them.
type groupPart struct {
	group string
	tp    TP
	ps    *pstate
	prods []prodRef // its produce list, in offset order
}

// groupParts lists each group and each partition of a topic it reads, in
// the outcome's order.
func (c *classifier) groupParts() []groupPart {
	var gps []groupPart
	for _, g := range c.groups {
		for _, tp := range c.parts {
			if !c.groupTopics[g][tp.Topic] {
				continue
			}
			prods := c.tps[c.tpIndex(tp)].produced
			if !sortedByOffset(prods) {
				// Sorted on a copy: the list may be the tape's.
				prods = slices.Clone(prods)
				slices.SortStableFunc(prods, func(a, b prodRef) int { return cmp.Compare(a.off, b.off) })
			}
			gps = append(gps, groupPart{g, tp, c.part(g, tp), prods})
		}
	}
	return gps
}

// writePart appends group g's outcomes of the messages of partition tp
// to out: ps is the partition's state, prods its produce list in offset
// order, names holds the DeliveredTo lists (returned grown). (A method
// of its own: in run, many values were reloaded around each call of the
// loop.)
func (c *classifier) writePart(out *Outcome, msgs []MessageOutcome, names []string, g string, tp TP, ps *pstate, prods []prodRef, keys string) ([]MessageOutcome, []string) {
	// REORDERED: an offset whose first effect precedes the first effect
	// of an earlier offset. Judged as the messages are written, in
	// offset order: the flag of an offset depends on the earlier offsets
	// only (a repeated offset's copies, next to each other, are judged
	// alike).
	maxFirst := -1
	for _, pr := range prods {
		off := pr.off
		ms := ps.get(off)
		if ms.effs.n > 0 {
			// (ms is the message's own state, not noMsg: it has effects.)
			first := c.first(ms.effs)
			if maxFirst > first {
				ms.flag(FlagReordered)
			}
			maxFirst = max(maxFirst, first)
		}
		if ms.dels.n == 1 && ms.effs.n == 1 && ms.flags == 0 {
			// OK, the verdict of most messages: written by a loop this
			// small, the rest by writeMessage.
			out.Counts.OK++
			if c.mode != writeAll {
				continue
			}
			var m *MessageOutcome
			msgs, m = grow(msgs)
			m.Group, m.Topic, m.Partition, m.Offset = g, tp.Topic, tp.Partition, off
			if c.prodsKept {
				m.Key = keys[pr.key : pr.key+pr.keyLen]
			} else {
				m.Key = c.t.keyIn(keys, pr.seq)
			}
			m.Deliveries, m.Effects, m.Outcome = 1, 1, OK
			names = push(names, c.t.actor(int(ms.dels.v)))
			m.DeliveredTo = names[len(names)-1 : len(names) : len(names)]
			continue
		}
		if c.mode == writeNone {
			tally(out, verdict(ps, ms, off), MessageRef{g, tp.Topic, tp.Partition, off})
			continue
		}
		msgs, names = c.writeMessage(out, msgs, names, g, tp, ps, ms, pr, keys)
	}
	return msgs, names
}

// verdict is the verdict of the message at offset off of partition state
// ps, its state ms.
func verdict(ps *pstate, ms *mstate, off int64) Verdict {
	switch {
	case ms.effs.n >= 2:
		return Duplicated
	case ms.effs.n == 1 && ms.dels.n >= 2:
		return Redelivered
	case ms.effs.n == 1:
		return OK
	case off < ps.final:
		return Lost
	default:
		return Pending
	}
}

// tally counts verdict v of message ref in out, and lists it if LOST or
// DUPLICATED.
func tally(out *Outcome, v Verdict, ref MessageRef) {
	switch v {
	case Duplicated:
		out.Counts.Duplicated++
		out.Duplicated = push(out.Duplicated, ref)
	case Redelivered:
		out.Counts.Redelivered++
	case OK:
		out.Counts.OK++
	case Lost:
		out.Counts.Lost++
		out.Lost = push(out.Lost, ref)
	default:
		out.Counts.Pending++
	}
}

// writeMessage appends the outcome of the message of group g produced
// by pr to msgs, its state ms (but for an OK message without flags: see
// writePart), and counts it in out.
func (c *classifier) writeMessage(out *Outcome, msgs []MessageOutcome, names []string, g string, tp TP, ps *pstate, ms *mstate, pr prodRef, keys string) ([]MessageOutcome, []string) {
	off := pr.off
	var m *MessageOutcome
	msgs, m = grow(msgs)
	namesBefore := len(names)
	m.Group, m.Topic, m.Partition, m.Offset = g, tp.Topic, tp.Partition, off
	if c.prodsKept {
		m.Key = keys[pr.key : pr.key+pr.keyLen]
	} else {
		m.Key = c.t.keyIn(keys, pr.seq)
	}
	m.Deliveries, m.Effects = int(ms.dels.n), int(ms.effs.n)
	if ms.dels.n == 1 {
		names = push(names, c.t.actor(int(ms.dels.v)))
		m.DeliveredTo = names[len(names)-1 : len(names) : len(names)]
	} else if ms.dels.n > 1 {
		start := len(names)
		for _, d := range c.list(ms.dels) {
			names = push(names, c.t.actor(d))
		}
		m.DeliveredTo = names[start:len(names):len(names)]
	}
	// The verdict, counted here.
	notable := false
	m.Outcome = verdict(ps, ms, off)
	tally(out, m.Outcome, m.Ref())
	switch m.Outcome {
	case Duplicated:
		m.CauseKind, m.Cause = c.duplicateCause(msgKey{g, tp, off}, ps, ms)
		notable = true
	case Lost:
		m.CauseKind, m.Cause = c.lostCause(msgKey{g, tp, off}, ps, ms)
		notable = true
	}
	if ms.flags != 0 {
		m.Flags = ms.flags.list()
		notable = true
	}
	if c.mode == writeNotable && !notable {
		*m = MessageOutcome{}
		msgs = msgs[:len(msgs)-1]
		names = names[:namesBefore]
	}
	return msgs, names
}

// push appends v to s, doubling its capacity when it is full: append
// grows a large slice by a quarter, which for a list that ends up large
// (a run's lost or duplicated messages) allocates and copies it about
// five times over.
// grow is msgs one longer and its new last slot, to be filled in place:
// the unused capacity is still zero (a new array, or a released one
// cleared by tape.release), so only what is not zero is written.
// (Small enough to inline: the growth is a call of its own.)
func grow(msgs []MessageOutcome) ([]MessageOutcome, *MessageOutcome) {
	n := len(msgs)
	if n == cap(msgs) {
		msgs = growRoom(msgs)
	}
	msgs = msgs[:n+1]
	return msgs, &msgs[n]
}

// growRoom is msgs with room for more (grow's slow path).
func growRoom(msgs []MessageOutcome) []MessageOutcome {
	return slices.Grow(msgs, max(cap(msgs), 16))
}

func push[T any](s []T, v T) []T {
	if len(s) == cap(s) {
		s = slices.Grow(s, max(cap(s), 16))
	}
	return append(s, v)
}

func (c *classifier) finding(f Flag, e *Event, detail string) {
	c.findings = append(c.findings, Finding{Flag: f, Group: e.Group, Topic: e.Topic, Partition: e.Partition, Offset: e.Offset, Seq: e.Seq, Detail: detail})
}

func at(e *Event) string { return "T=" + FormatDuration(e.At) }

// appendAt appends at(e) to b.
func appendAt(b []byte, e *Event) []byte {
	return appendDuration(append(b, "T="...), e.At)
}

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
	for _, i := range after(c.fateEvents(actor), from) {
		if to >= 0 && i >= to {
			break
		}
		e := c.fullEvent(i)
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

// firstCover is the first accepted commit of ps covering offset o (offset > o)
// after seq from, or nil.
func (c *classifier) firstCover(ps *pstate, o int64, from int) *Event {
	for _, cr := range ps.accepted {
		if cr.seq > from && cr.offset > o {
			return c.ev(cr.seq)
		}
	}
	return nil
}

// lostCause explains why mk, whose partition state is ps and message
// state ms, is LOST.
func (c *classifier) lostCause(mk msgKey, ps *pstate, ms *mstate) (CauseKind, string) {
	cover := c.firstCover(ps, mk.off, -1)
	if cover == nil {
		return CauseUnknown, fmt.Sprintf("offset %d of %s has no effect and the group's final committed offset is past it", mk.off, mk.tp)
	}
	coverText := fmt.Sprintf("%s at %s by %s committed offset %d", commitName(cover), at(cover), cover.Actor, cover.Offset)
	dels := c.list(ms.dels)
	if len(dels) == 0 {
		// Never read: find where the group's consumers started past it,
		// and whether the group's offsets had expired before.
		expired := ""
		for _, i := range c.positions() {
			e := c.fullEvent(i)
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
	var dv, fv Event
	d := &dv
	di := dels[len(dels)-1]
	for _, dj := range dels {
		if c.t.actor(dj) == cover.Actor && dj < cover.Seq {
			di = dj
		}
	}
	c.evInto(d, di)
	for _, fi := range c.list(ms.fails) {
		f := &fv
		c.evInto(f, fi)
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

// lastDelivery is the seq of the last delivery of the message whose
// state is ms to ef's actor before ef, or -1.
func (c *classifier) lastDelivery(ms *mstate, ef *Event) int {
	d := -1
	for _, di := range c.list(ms.dels) {
		if c.t.actor(di) == ef.Actor && di < ef.Seq {
			d = di
		}
	}
	return d
}

// duplicateCause explains why mk, whose partition state is ps and
// message state ms, is DUPLICATED.
func (c *classifier) duplicateCause(mk msgKey, ps *pstate, ms *mstate) (CauseKind, string) {
	effs := c.list(ms.effs)
	// (Of the effects and the delivery, the sentences and the searches
	// below read only who, when and the seq: see brief.)
	var e1v, e2v, d2v Event
	e1, e2 := &e1v, &e2v
	c.brief(e1, effs[0])
	c.brief(e2, effs[1])
	// The delivery behind each effect; the second's is d2.
	d1i, d2i := c.lastDelivery(ms, e1), c.lastDelivery(ms, e2)
	var d2 *Event
	if d2i >= 0 {
		d2 = &d2v
		c.brief(d2, d2i)
	}
	// A zombie: either effect by a consumer that had already lost the
	// partition (poll interval or session) when it finished.
	for k, ef := range [2]*Event{e1, e2} {
		di := d1i
		if k == 1 {
			di = d2i
		}
		if di < 0 {
			continue
		}
		if f := c.fate(ef.Actor, mk.tp, di, ef.Seq); f != nil && (f.Kind == KindMaxPoll || f.Kind == KindLost) {
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
	limit := c.n
	if d2 != nil {
		limit = d2.Seq
	}
	// Did a commit by the first processor try to cover it? (It may have
	// been sent after the redelivery, by a member already out of the group.)
	for _, i := range after(c.actorEvents(e1.Actor), e1.Seq) {
		e := c.fullEvent(i)
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
	if cover := c.firstCover(ps, mk.off, e1.Seq); cover == nil || cover.Seq > limit {
		// appendRestart appends how the message was processed again.
		appendRestart := func(b []byte) []byte {
			if d2 == nil {
				return b
			}
			b = append(b, "; "...)
			b = append(b, d2.Actor...)
			b = append(b, " re-read it at "...)
			b = appendAt(b, d2)
			b = append(b, " and processed it again at "...)
			return appendAt(b, e2)
		}
		f := c.fate(e1.Actor, mk.tp, e1.Seq, limit)
		if f != nil && f.Kind == KindCrash {
			// (The one cause of a crash's duplicates, one sentence per
			// message: built without fmt, in one buffer.)
			b := make([]byte, 0, 192)
			b = append(b, e1.Actor...)
			b = append(b, " processed offset "...)
			b = strconv.AppendInt(b, mk.off, 10)
			b = append(b, " at "...)
			b = appendAt(b, e1)
			b = append(b, " and crashed at "...)
			b = appendAt(b, f)
			b = append(b, " before a commit covered it"...)
			b = appendRestart(b)
			return CauseCrashBeforeCommit, string(b)
		}
		restart := string(appendRestart(nil))
		if f != nil {
			switch f.Kind {
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

// scan reads the log entries seg, entry first onwards. A message event
// recorded compactly is read without building a view of it; store
// entries are not read. (A loop of its own: fewer values to reload after
// each call than in run.)
func (c *classifier) scan(seg []crec, first int, st *runState) {
	for j := range seg {
		switch x := &seg[j]; x.kind {
		case recDeliver:
			c.deliver(first+j, uint32(x.actor), uint32(x.group), uint32(x.aux16), uint32(x.topic), int32(x.aux), int32(x.part), x.off)
		case recEffect:
			c.effect(first+j, uint32(x.group), uint32(x.topic), int32(x.part), x.off)
		case recFull:
			c.step(first+j, &c.t.full[x.off], st)
		case recProduce:
			if !c.prodsKept {
				c.producedID(first+j, uint32(x.topic), int32(x.part), x.off)
			}
		}
	}
}

// step reads event i, full, a full event (all of a given
// timeline's, the recorded one's but for its compact entries).
func (c *classifier) step(i int, full *Event, st *runState) {
	groupGen, removed, memberEpoch, consumerGroup := st.groupGen, st.removed, st.memberEpoch, st.consumerGroup
	k := codeOf(full.Kind)
	e := msgView{actor: full.Actor, group: full.Group, member: full.Member, topic: full.Topic, gen: full.Generation, part: full.Partition, off: full.Offset}
	tp := TP{e.topic, e.part}
	switch k {
	case kProduce:
		c.produced(i, tp, e.off)
	case kSubscribed:
		for _, t := range full.Topics {
			c.addGroupTopic(e.group, t)
		}
	case kAssign, kRevoke, kLost:
		r := c.ref(&e)
		for _, p := range full.Partitions {
			c.addGroupTopic(e.group, p.Topic)
			if k == kLost || k == kAssign {
				// A new assignment starts a new epoch even in the same generation.
				c.part(e.group, p).resetEpoch(epochKey{r.actor, r.member, r.gen})
			}
		}
	case kPosition:
		r := c.ref(&e)
		c.find(r.group, r.topic, r.part).resetEpoch(epochKey{r.actor, r.member, r.gen})
	case kDeliver:
		r := c.ref(&e)
		c.deliver(i, r.actor, r.group, r.member, r.topic, r.gen, r.part, r.off)
	case kEffect:
		r := c.ref(&e)
		c.effect(i, r.group, r.topic, r.part, r.off)
	case kProcessFailed:
		m := c.part(e.group, tp).mut(e.off)
		c.add(&m.fails, i)
	case kCommit:
		if _, ok := c.commitReq[full.CommitID]; !ok {
			c.commitReq[full.CommitID] = i
		}
	case kCommitOK:
		c.addGroupTopic(e.group, e.topic)
		ps := c.part(e.group, tp)
		if ps.hasFinal && e.off < ps.final {
			c.finding(FlagCommitRegression, full, fmt.Sprintf("committed offset of %s went back from %d to %d (%s by %s)", tp, ps.final, e.off, full.Commit, e.actor))
		}
		if end := c.logEnd(tp, i); e.off > end {
			c.finding(FlagCommitBeyondEnd, full, fmt.Sprintf("commit of offset %d on %s by %s is past the log end %d", e.off, tp, e.actor, end))
		}
		if consumerGroup[e.group] {
			epoch, known := memberEpoch[e.member]
			if (e.member != "" && removed[e.member]) || (known && e.gen >= 0 && e.gen != epoch) {
				c.finding(FlagStaleCommitAccepted, full, fmt.Sprintf("commit by %s (member %s, member epoch %d) was accepted although the member is at epoch %d or was removed", e.actor, e.member, e.gen, epoch))
			}
		} else if gen, known := groupGen[e.group]; (e.member != "" && removed[e.member]) || (known && e.gen >= 0 && e.gen != gen) {
			c.finding(FlagStaleCommitAccepted, full, fmt.Sprintf("commit by %s (member %s, generation %d) was accepted although the group is at generation %d or the member was removed", e.actor, e.member, e.gen, gen))
		}
		ps.final, ps.hasFinal = e.off, true
		ps.accepted = append(ps.accepted, commitRec{i, e.off})
		keep := ps.open[:0]
		for _, o := range ps.open {
			if o < e.off {
				m := ps.mut(o)
				m.flag(FlagCommittedTooFar)
				m.open = false
			} else {
				keep = append(keep, o)
			}
		}
		ps.open = keep
	case kOffsetsExpired:
		for _, ps := range c.plist {
			if ps.group == e.group {
				ps.final, ps.hasFinal = -1, false
			}
		}
	case kGroupState:
		if e.gen >= 0 {
			groupGen[e.group] = e.gen
		}
	case kMemberExpired, kLeave:
		if e.member != "" {
			removed[e.member] = true
		}
	case kJoin:
		if e.member != "" {
			delete(removed, e.member)
		}
		if full != nil && strings.HasSuffix(full.Detail, ", consumer") { // group.protocol=consumer
			consumerGroup[e.group] = true
		}
	case kOther:
		if full != nil && full.Kind == KindGroupEvent && full.Member != "" && strings.HasPrefix(full.Detail, reconcilePrefix) {
			consumerGroup[e.group] = true
			memberEpoch[full.Member] = full.Generation
		}
	}
}
