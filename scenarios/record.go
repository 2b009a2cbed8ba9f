package scenarios

import (
	"sync"
	"time"
	"unsafe"
)

// A run's timeline is recorded on a tape: compact, append-only, and turned
// into []Event only when somebody asks (Result.Events, Session.Events).
// The message events that make up most of a timeline (produce, deliver,
// store, effect) are kept as pointer-free 32-byte entries (crec): strings
// are indexes into the tape's string table and keys are ranges of one byte
// buffer, so the garbage collector neither scans them nor pays a write
// barrier per field while the run allocates. Every other event is kept as
// a full Event and its entry points at it. The classifier reads the tape
// directly (its log segments, the produce lists of prods), so a run whose
// caller only wants the outcome never builds the 272-byte events at all.

// recKind says how a rec becomes an Event.
type recKind uint8

const (
	recFull      recKind = iota // tape.full[rec.off]
	recProduce                  // KindProduce: actor, topic, partition, offset, key
	recDeliver                  // KindDeliver: consumer fields, topic, partition, offset
	recStoreAuto                // KindStore stored at delivery (enable.auto.offset.store)
	recStoreApp                 // KindStore stored by the app
	recEffect                   // KindEffect: consumer fields, topic, partition, offset
)

var recKinds = [...]Kind{recProduce: KindProduce, recDeliver: KindDeliver, recStoreAuto: KindStore, recStoreApp: KindStore, recEffect: KindEffect}

const (
	detailStoreAuto = "enable.auto.offset.store: stored at delivery, before processing"
	detailStoreApp  = "stored by the app"
)

// rec is a timeline entry as a recording site builds it; the tape keeps
// it as a crec (tape.add). Strings are indexes into tape.strs (0 is "").
type rec struct {
	at                          time.Duration
	off                         int64 // the offset; for recFull, the index in tape.full
	key, keyLen                 uint32
	actor, group, member, topic uint32
	gen, part                   int32
	kind                        recKind
}

// crec is a rec as the tape stores it: 32 bytes (half a cache line; the
// tape is most of the memory a run writes and the classifier reads). A
// produce entry has a key but no member or generation, the consumer
// entries the other way round, so two fields serve both: aux is the key's
// place in tape.keys or the generation, aux16 the key's length or the
// member. Entries whose string indexes, key length or partition do not
// fit 16 bits, or that have both a key and a member, become full events
// instead (tape.add).
type crec struct {
	at                  time.Duration
	off                 int64  // the offset; for recFull, the index in tape.full
	aux                 uint32 // recProduce: key; others: generation
	actor, group, topic uint16
	aux16               uint16 // recProduce: key length; others: member
	part                uint16
	kind                recKind
}

// gen is the entry's generation (-1 for a produce).
func (x *crec) gen() int32 {
	if x.kind == recProduce {
		return -1
	}
	return int32(x.aux)
}

// member is the index of the entry's member id (0 for a produce).
func (x *crec) member() uint16 {
	if x.kind == recProduce {
		return 0
	}
	return x.aux16
}

// keyLen is the length of the entry's key (only produces have one).
func (x *crec) keyLen() int {
	if x.kind == recProduce {
		return int(x.aux16)
	}
	return 0
}

// fits reports whether x can be kept as a crec. narrowIDs says every
// string id is under 1<<16 (the tape's table is that small), so that
// x's need no check.
func (x *rec) fits(narrowIDs bool) bool {
	const m = 0xFFFF
	if !narrowIDs && x.actor|x.group|x.topic|x.member > m || x.keyLen|uint32(x.part) > m {
		return false
	}
	if x.kind == recProduce {
		return x.member == 0 && x.gen == -1
	}
	return x.keyLen == 0
}

// tape is a timeline: recorded compactly (log, full, strs, keys) or given
// as events (Classify, Result.SetEvents). Events is the materialised
// prefix; for a given timeline it is the whole of it and log is nil.
//
// The log is sized for the run up front (eventsEstimate); entries past
// its capacity go to chunks of moreLen (more), so that a run recording
// more than estimated (redeliveries after a crash) neither copies its
// whole log into one a quarter larger nor holds both at once. entry(i)
// finds entry i in either.
type tape struct {
	mu     sync.Mutex // guards the materialisation (Result.Events may be called from several goroutines)
	log    []crec
	more   [][]crec // entries from cap(log) on, once log is full
	nmore  int      // entries in more
	full   []Event
	strs   []string
	strIdx map[string]uint32
	keys   []byte
	// events holds log[:len(events)] converted; keysDone is len(keys) when
	// the last conversion ran (keys before it are in converted strings).
	events   []Event
	keysDone int
	// prods counts the produce entries recorded compactly per partition,
	// in the order partitions first appear: the classifier's first pass,
	// done while recording (it would read the whole log again). prodFull
	// says a produce event was kept in full, which prods does not count.
	prods    []prodCount
	prodAt   [][]int32 // prodAt[topic id][partition] is the index in prods + 1 (0: none yet)
	prodFull bool
	prodCap  int // the capacity a partition's prodCount.refs starts with (expectProduces)
	// spare is the memory of a released run this one reuses (see
	// Result.Release), what of it is not taken yet; msgs and names are
	// what the last classification of this tape allocated for its
	// outcome, which Release gives back with the tape's own.
	spare *runMem
	msgs  []MessageOutcome
	names []string
}

// runMem is the memory of a released Result (Result.Release) that later
// runs reuse instead of allocating: its tape's log, full events and key
// bytes, its partitions' produce lists, its outcome's messages and their
// delivered-to names. The slices hold nothing from the run (cleared):
// only their room is reused.
type runMem struct {
	log   []crec
	full  []Event
	keys  []byte
	refs  [][]prodRef
	msgs  []MessageOutcome
	names []string
}

// runMemPool holds the memory of released results. A sync.Pool: what no
// run takes is dropped by the garbage collector.
var runMemPool sync.Pool

// release gives the tape's memory and its outcome's to runMemPool. The
// tape must not be used afterwards.
func (t *tape) release() {
	if t.log == nil {
		return // a tape over given events: nothing of its own
	}
	m := t.spare
	if m == nil {
		m = &runMem{}
	}
	m.log = t.log[:0]
	clear(t.full)
	m.full = t.full[:0]
	m.keys = t.keys[:0]
	clear(m.refs) // what this run did not take goes (a long-lived pool entry does not keep every list it ever saw)
	m.refs = m.refs[:0]
	for _, p := range t.prods {
		m.refs = append(m.refs, p.refs[:0])
	}
	clear(t.msgs[:cap(t.msgs)])
	m.msgs = t.msgs[:0]
	clear(t.names[:cap(t.names)])
	m.names = t.names[:0]
	*t = tape{}
	runMemPool.Put(m)
}

// reuse is s emptied when it has room for n, else a new slice of room n.
func reuse[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:0]
	}
	return make([]T, 0, n)
}

// takeRefs is a produce list with room for n entries, a released run's
// when one is big enough.
func (t *tape) takeRefs(n int) []prodRef {
	if m := t.spare; m != nil {
		for k := len(m.refs) - 1; k >= 0; k-- {
			if r := m.refs[k]; cap(r) >= n {
				m.refs[k] = m.refs[len(m.refs)-1]
				m.refs = m.refs[:len(m.refs)-1]
				return r[:0]
			}
		}
	}
	return make([]prodRef, 0, n)
}

// takeOutcome is room for an outcome of n messages and of names
// delivered-to names, a released run's when it is big enough.
func (t *tape) takeOutcome(n, names int) ([]MessageOutcome, []string) {
	m := t.spare
	if m == nil {
		return make([]MessageOutcome, 0, n), make([]string, 0, names)
	}
	msgs, nm := reuse(m.msgs, n), reuse(m.names, names)
	m.msgs, m.names = nil, nil
	return msgs, nm
}

// expectProduces sizes the lists of produce entries for a run producing
// about msgs messages to parts partitions: a partition's share and a
// margin, so that the lists of an even spread do not grow by copying.
func (t *tape) expectProduces(msgs, parts int) {
	parts = max(1, parts)
	t.prodCap = msgs/parts + msgs/(8*parts) + 16
}

// prodCount is how many produce entries a partition has, the range of
// their offsets (the classifier sizes its per-offset arrays by it) and
// the entries themselves, in order: the classifier's pass over the log
// then skips them.
type prodCount struct {
	topic  uint32 // id in strs
	part   int32
	n      int
	lo, hi int64 // the least and the greatest offset produced
	refs   []prodRef
}

// count counts one more produce entry, entry seq of offset off and key
// x.key, x.keyLen.
func (p *prodCount) count(seq int, off int64, x *rec) {
	p.refs = append(p.refs, prodRef{seq, off, x.key, x.keyLen})
	p.n++
	if off < p.lo {
		p.lo = off
	}
	if off > p.hi {
		p.hi = off
	}
}

// countProduce counts the compact produce entry just recorded, x. Its
// partition's count is found by index (prodAt): a run produces to each
// partition in turn, so a cache of the last one would mostly miss.
func (t *tape) countProduce(x *rec) {
	seq := t.len() - 1
	// (A compact entry's topic id and partition are under 1<<16.)
	if topic := int(x.topic); topic < len(t.prodAt) {
		if at := t.prodAt[topic]; int(x.part) < len(at) && at[x.part] > 0 {
			t.prods[at[x.part]-1].count(seq, x.off, x)
			return
		}
	}
	t.newProduced(seq, x)
}

// newProduced counts x, entry seq, the first produce entry of its
// partition.
func (t *tape) newProduced(seq int, x *rec) {
	for int(x.topic) >= len(t.prodAt) {
		t.prodAt = append(t.prodAt, nil)
	}
	at := t.prodAt[x.topic]
	for int(x.part) >= len(at) {
		at = append(at, 0)
	}
	at[x.part] = int32(len(t.prods)) + 1
	t.prodAt[x.topic] = at
	refs := append(t.takeRefs(max(1, t.prodCap)), prodRef{seq, x.off, x.key, x.keyLen})
	t.prods = append(t.prods, prodCount{x.topic, x.part, 1, x.off, x.off, refs})
}

// newTape sizes a recording tape for about total events, full of them kept
// in full and keyBytes of keys.
// Its log, full events and keys are a released run's (Result.Release)
// when there is one with the room.
func newTape(total, full, keyBytes int) *tape {
	t := &tape{strs: []string{""}, strIdx: map[string]uint32{"": 0}}
	m, _ := runMemPool.Get().(*runMem)
	if m == nil {
		m = &runMem{}
	}
	t.log, t.full, t.keys = reuse(m.log, total), reuse(m.full, full), reuse(m.keys, keyBytes)
	m.log, m.full, m.keys = nil, nil, nil
	t.spare = m
	return t
}

// eventsTape is a tape over a given timeline.
func eventsTape(evs []Event) *tape { return &tape{events: evs} }

// len is the number of events recorded.
func (t *tape) len() int {
	if t.log == nil {
		return len(t.events)
	}
	return len(t.log) + t.nmore
}

// Entries past the log's capacity are kept in chunks of moreLen entries
// (2 MiB). A chunk starts at moreFirst entries and doubles as it fills
// (by copying: no pointer to an entry outlives the push that made it), so
// that a run a little over its estimate does not allocate 2 MiB for a few
// hundred entries.
const (
	moreBits  = 16
	moreLen   = 1 << moreBits
	moreMask  = moreLen - 1
	moreFirst = 1024
)

// entry is log entry i (the tape is recorded, not given as events).
func (t *tape) entry(i int) *crec {
	if uint(i) < uint(len(t.log)) { // (unsigned: no second bounds check)
		return &t.log[i]
	}
	j := i - len(t.log)
	return &t.more[j>>moreBits][j&moreMask]
}

// push appends an entry and returns it, zero.
func (t *tape) push() *crec {
	if n := len(t.log); n < cap(t.log) {
		t.log = t.log[:n+1]
		return &t.log[n]
	}
	return t.pushMore()
}

// pushMore is push once the log is full: the entry goes to the overflow
// chunks.
func (t *tape) pushMore() *crec {
	j := t.nmore
	k, off := j>>moreBits, j&moreMask
	if off == 0 {
		t.more = append(t.more, nil)
	}
	c := t.more[k]
	if off == len(c) {
		grown := make([]crec, min(moreLen, max(moreFirst, 2*len(c))))
		copy(grown, c)
		t.more[k], c = grown, grown
	}
	t.nmore++
	return &c[off]
}

// strRef remembers the last string a call site interned, so a site that
// records the same actor, member or topic again and again compares one
// string (usually the same pointer) instead of hashing it.
type strRef struct {
	s  string
	i  uint32
	ok bool
}

// str returns the index of s in the string table, through the cache c.
func (t *tape) str(c *strRef, s string) uint32 {
	if len(c.s) == len(s) && unsafe.StringData(c.s) == unsafe.StringData(s) {
		// Mostly the very string cached: a pointer compare, inlined.
		// (An unused cache, zero, has the index of "": 0.)
		return c.i
	}
	return t.strSlow(c, s)
}

// strSlow is str past its inlined fast path (kept out of line, so that
// str stays small enough to inline at every recording site).
//
//go:noinline
func (t *tape) strSlow(c *strRef, s string) uint32 {
	if c.ok && c.s == s {
		return c.i
	}
	i, ok := t.strIdx[s]
	if !ok {
		i = uint32(len(t.strs))
		t.strs = append(t.strs, s)
		t.strIdx[s] = i
	}
	*c = strRef{s, i, true}
	return i
}

// recRefs are the string caches of one recording site.
type recRefs struct {
	actor, group, member, topic strRef
}

// add appends a compact entry, as a full event when it does not fit a
// crec. x is taken by pointer and the entry written field by field in its
// slot: a struct copied whole right after its fields were written one by
// one stalls the processor on every copy (the wide loads cannot be served
// from the narrow stores still in flight), and entries are most of what a
// run records.
func (t *tape) add(x *rec) {
	if !x.fits(len(t.strs) <= 1<<16) {
		t.addAsFull(x)
		return
	}
	// push, inlined: one call less for most of a run's entries.
	var e *crec
	if n := len(t.log); n < cap(t.log) {
		t.log = t.log[:n+1]
		e = &t.log[n]
	} else {
		e = t.pushMore()
	}
	e.at, e.off, e.part, e.kind = x.at, x.off, uint16(x.part), x.kind
	e.actor, e.group, e.topic = uint16(x.actor), uint16(x.group), uint16(x.topic)
	if x.kind == recProduce {
		e.aux, e.aux16 = x.key, uint16(x.keyLen)
		t.countProduce(x)
	} else {
		e.aux, e.aux16 = uint32(x.gen), uint16(x.member)
	}
}

// addAsFull appends x, which does not fit a crec, as a full event.
func (t *tape) addAsFull(x *rec) {
	strs := t.strs
	e := Event{At: x.at, Actor: strs[x.actor], Kind: recKinds[x.kind], Generation: x.gen,
		Group: strs[x.group], Member: strs[x.member], Topic: strs[x.topic], Partition: x.part, Offset: x.off}
	if x.keyLen > 0 {
		e.Key = string(t.keys[x.key : x.key+x.keyLen])
	}
	switch x.kind {
	case recStoreAuto:
		e.Detail = detailStoreAuto
	case recStoreApp:
		e.Detail = detailStoreApp
	}
	t.addFull(e)
}

// addFull appends a full event (its At already set; Seq is set here).
func (t *tape) addFull(e Event) {
	if e.Kind == KindProduce {
		t.prodFull = true
	}
	e.Seq = t.len()
	x := t.push()
	x.at, x.off, x.kind = e.At, int64(len(t.full)), recFull
	t.full = append(t.full, e)
}

// addKey appends a key to the key buffer and returns its range.
func (t *tape) addKey(k []byte) (uint32, uint32) {
	at := len(t.keys)
	t.keys = append(t.keys, k...)
	return uint32(at), uint32(len(k))
}

// decode fills e with entry i of the log, which is not a recFull, all but
// its key.
func (t *tape) decode(e *Event, i int) {
	x := t.entry(i)
	strs := t.strs
	*e = Event{Seq: i, At: x.at, Actor: strs[x.actor], Kind: recKinds[x.kind], Generation: x.gen(),
		Group: strs[x.group], Member: strs[x.member()], Topic: strs[x.topic], Partition: int32(x.part), Offset: x.off}
	switch x.kind {
	case recStoreAuto:
		e.Detail = detailStoreAuto
	case recStoreApp:
		e.Detail = detailStoreApp
	}
}

// view returns event i: the materialised or full event itself, or entry
// i decoded into scratch without its key (see key). The result must be
// read only, and only until scratch is reused.
func (t *tape) view(i int, scratch *Event) *Event {
	if i < len(t.events) {
		return &t.events[i]
	}
	x := t.entry(i)
	if x.kind == recFull {
		return &t.full[x.off]
	}
	t.decode(scratch, i)
	return scratch
}

// event returns event i, with its key; a compact entry is decoded into
// an Event of its own. For a tape no longer recorded on, the pointer stays
// valid.
func (t *tape) event(i int) *Event {
	if i < len(t.events) {
		return &t.events[i]
	}
	x := t.entry(i)
	if x.kind == recFull {
		return &t.full[x.off]
	}
	e := new(Event)
	t.decode(e, i)
	if x.keyLen() > 0 {
		e.Key = t.keyString1(x)
	}
	return e
}

// actor is event i's actor.
func (t *tape) actor(i int) string {
	if t.log == nil {
		return t.events[i].Actor
	}
	x := t.entry(i)
	if x.kind == recFull {
		return t.full[x.off].Actor
	}
	return t.strs[x.actor]
}

// msgView is what every event has in common: who, which group and
// member, which partition and offset (see classifier.step).
type msgView struct {
	actor, group, member, topic string
	gen, part                   int32
	off                         int64
}

// kcode numbers the kinds the classifier reads, so that its passes switch
// on a byte instead of comparing strings.
type kcode uint8

const (
	kOther kcode = iota
	kProduce
	kDeliver
	kStore
	kEffect
	kSubscribed
	kAssign
	kRevoke
	kLost
	kPosition
	kProcessFailed
	kCommit
	kCommitOK
	kOffsetsExpired
	kGroupState
	kMemberExpired
	kLeave
	kJoin
)

// codeOf is k's code (kOther for the kinds the classifier does not read).
func codeOf(k Kind) kcode {
	switch k {
	case KindProduce:
		return kProduce
	case KindDeliver:
		return kDeliver
	case KindStore:
		return kStore
	case KindEffect:
		return kEffect
	case KindSubscribed:
		return kSubscribed
	case KindAssign:
		return kAssign
	case KindRevoke:
		return kRevoke
	case KindLost:
		return kLost
	case KindPosition:
		return kPosition
	case KindProcessFailed:
		return kProcessFailed
	case KindCommit:
		return kCommit
	case KindCommitOK:
		return kCommitOK
	case KindOffsetsExpired:
		return kOffsetsExpired
	case KindGroupState:
		return kGroupState
	case KindMemberExpired:
		return kMemberExpired
	case KindLeave:
		return kLeave
	case KindJoin:
		return kJoin
	}
	return kOther
}

// compact returns entry i when it was recorded compactly (produce,
// deliver, store, effect), converted to an Event since or not; nil
// otherwise. The classifier prefers it to the Event: its strings are ids.
func (t *tape) compact(i int) *crec {
	if t.log == nil {
		return nil
	}
	if x := t.entry(i); x.kind != recFull {
		return x
	}
	return nil
}

// keyString is the key buffer as one string, for keyIn.
func (t *tape) keyString() string { return string(t.keys) }

// keyIn is event i's key; keys is what keyString returned (no later keys
// were recorded since).
func (t *tape) keyIn(keys string, i int) string {
	if t.log == nil {
		return t.events[i].Key
	}
	switch x := t.entry(i); x.kind {
	case recProduce:
		return keys[x.aux : x.aux+uint32(x.aux16)]
	case recFull:
		return t.full[x.off].Key
	}
	return ""
}

// keyString1 returns a compact entry's key as a string of its own.
func (t *tape) keyString1(x *crec) string { return string(t.keys[x.aux : x.aux+uint32(x.keyLen())]) }

// materialize converts every entry not converted yet and returns the whole
// timeline. The slice belongs to the tape: read it, do not modify it.
func (t *tape) materialize() []Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := t.len()
	if t.log == nil || len(t.events) == n {
		if t.events == nil {
			t.events = []Event{}
		}
		return t.events
	}
	from := len(t.events)
	evs := t.events
	if from == 0 {
		evs = make([]Event, n, max(n, cap(t.log)))
	} else {
		evs = append(evs, make([]Event, n-from)...)
	}
	keys := string(t.keys[t.keysDone:])
	for i := from; i < n; i++ {
		x := t.entry(i)
		if x.kind == recFull {
			evs[i] = t.full[x.off]
			continue
		}
		t.decode(&evs[i], i)
		if n := x.keyLen(); n > 0 {
			e := &evs[i]
			e.Key = keys[int(x.aux)-t.keysDone : int(x.aux)+n-t.keysDone]
		}
	}
	t.keysDone = len(t.keys)
	t.events = evs
	return evs
}
