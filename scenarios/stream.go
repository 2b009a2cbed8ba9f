package scenarios

import (
	"encoding/json"
	"io"
	"strconv"
	"unicode/utf8"
)

// Results are written as they are read: the timeline straight from the
// run's recording (no []Event is built), each message's outcome as it
// comes, into one buffer flushed to the writer every streamFlush bytes.
// The JSON is written once, indented as it goes, and is byte for byte
// what encoding/json's Marshal (compact) or Encoder with SetIndent("",
// "  ") (indented) writes for the documented form; a test holds it to
// that.

// streamFlush is the size at which the output buffer is written out.
const streamFlush = 64 << 10

// jsonWriter writes JSON into a buffer that it flushes to w. It tracks
// the nesting so that it can indent: with indent, every member and
// element is on a line of its own, indented two spaces a level, and an
// empty object or array is {} or []; without, the output is compact.
type jsonWriter struct {
	w      io.Writer
	b      []byte
	err    error
	indent bool
	depth  int
	first  bool // nothing written yet in the innermost object or array
}

func newJSONWriter(w io.Writer, indent bool) *jsonWriter {
	return &jsonWriter{w: w, b: make([]byte, 0, streamFlush+4096), indent: indent}
}

// spaces is indentation, sliced to the depth.
const spaces = "                                                                "

// flushFull writes the buffer out once it holds streamFlush bytes.
func (j *jsonWriter) flushFull() {
	if len(j.b) >= streamFlush {
		j.flush()
	}
}

// flush writes the buffer out and returns the first write error.
func (j *jsonWriter) flush() error {
	if j.err == nil && len(j.b) > 0 {
		_, j.err = j.w.Write(j.b)
	}
	j.b = j.b[:0]
	return j.err
}

// newline starts a line at the current depth (indented output only).
func (j *jsonWriter) newline() {
	if !j.indent {
		return
	}
	j.b = append(j.b, '\n')
	d := 2 * j.depth
	for d > len(spaces) {
		j.b = append(j.b, spaces...)
		d -= len(spaces)
	}
	j.b = append(j.b, spaces[:d]...)
}

// sep separates the next member or element from the previous one.
func (j *jsonWriter) sep() {
	if !j.first {
		j.b = append(j.b, ',')
	}
	j.first = false
	j.newline()
}

func (j *jsonWriter) beginObject() { j.b = append(j.b, '{'); j.depth++; j.first = true }
func (j *jsonWriter) beginArray()  { j.b = append(j.b, '['); j.depth++; j.first = true }

func (j *jsonWriter) endObject() { j.end('}') }
func (j *jsonWriter) endArray()  { j.end(']') }

func (j *jsonWriter) end(c byte) {
	j.depth--
	if !j.first {
		j.newline()
	}
	j.b = append(j.b, c)
	j.first = false
}

// elem starts an array element.
func (j *jsonWriter) elem() { j.sep() }

// key starts an object member; k needs no escaping.
func (j *jsonWriter) key(k string) {
	j.sep()
	j.b = append(j.b, '"')
	j.b = append(j.b, k...)
	j.b = append(j.b, '"', ':')
	if j.indent {
		j.b = append(j.b, ' ')
	}
}

func (j *jsonWriter) int(n int64)   { j.b = strconv.AppendInt(j.b, n, 10) }
func (j *jsonWriter) uint(n uint64) { j.b = strconv.AppendUint(j.b, n, 10) }
func (j *jsonWriter) bool(v bool)   { j.b = strconv.AppendBool(j.b, v) }
func (j *jsonWriter) null()         { j.b = append(j.b, "null"...) }
func (j *jsonWriter) str(s string)  { j.b = appendJSONString(j.b, s) }

// Members, by type; the *OE ones are omitted when empty (omitempty).
func (j *jsonWriter) kInt(k string, n int64)   { j.key(k); j.int(n) }
func (j *jsonWriter) kUint(k string, n uint64) { j.key(k); j.uint(n) }
func (j *jsonWriter) kStr(k string, s string)  { j.key(k); j.str(s) }
func (j *jsonWriter) kStrOE(k string, s string) {
	if s != "" {
		j.kStr(k, s)
	}
}

func (j *jsonWriter) kStrsOE(k string, ss []string) {
	if len(ss) == 0 {
		return
	}
	j.key(k)
	j.beginArray()
	for _, s := range ss {
		j.elem()
		j.str(s)
	}
	j.endArray()
}

// hexDigits are the digits of \u escapes.
const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it: ", \ and the control characters with a backslash; <, > and
// & as \u003c, \u003e, \u0026; U+2028 and U+2029 as \u2028, \u2029;
// invalid UTF-8 as \ufffd. Control characters other than \n and \t, and
// invalid UTF-8, are rare in a run: those strings go through
// encoding/json itself.
func appendJSONString[S ~string | ~[]byte](b []byte, s S) []byte {
	base := len(b)
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\t':
				b = append(b, '\\', 't')
			case '<', '>', '&':
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			default:
				return appendJSONSlow(b[:base], s)
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError && size == 1 {
			return appendJSONSlow(b[:base], s)
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSONSlow appends s as encoding/json writes it.
func appendJSONSlow[S ~string | ~[]byte](b []byte, s S) []byte {
	enc, err := json.Marshal(string(s))
	if err != nil {
		// A string always marshals; keep the output valid JSON anyway.
		enc = []byte(`""`)
	}
	return append(b, enc...)
}

// walk calls fn with every event of the timeline, in order, until fn
// returns false. A compact entry is decoded into one scratch Event, with
// its key given as key (the Event's Key is then empty); other events are
// passed as they are, with key nil. e is valid only during the call and
// must not be modified.
func (t *tape) walk(fn func(e *Event, key []byte) bool) {
	t.mu.Lock()
	evs := t.events // a materialised prefix only grows: entries in it stay valid
	t.mu.Unlock()
	var scratch Event
	n := t.len()
	for i := range n {
		if i < len(evs) {
			if !fn(&evs[i], nil) {
				return
			}
			continue
		}
		x := t.entry(i)
		if x.kind == recFull {
			if !fn(&t.full[x.off], nil) {
				return
			}
			continue
		}
		t.decode(&scratch, i)
		var key []byte
		if k := x.keyLen(); k > 0 {
			key = t.keys[x.aux : x.aux+uint32(k)]
		}
		if !fn(&scratch, key) {
			return
		}
	}
}

// WriteJSON writes the result as `kafkasim run --format json` prints it:
// the documented form (docs/json-schema.md), indented two spaces a level,
// and a newline; the same bytes as encoding/json's Encoder with
// SetIndent("", "  ") writes for it. It writes as it reads: the timeline
// comes from the run's recording (no []Event is built) and at most a
// buffer of output is held.
func (r *Result) WriteJSON(w io.Writer) error {
	j := newJSONWriter(w, true)
	r.writeJSON(j)
	j.b = append(j.b, '\n')
	return j.flush()
}

// writeJSON writes the documented form of r.
func (r *Result) writeJSON(j *jsonWriter) {
	j.beginObject()
	r.writeHeader(j)
	j.key("events")
	if r.tape == nil {
		j.null()
	} else {
		j.beginArray()
		r.tape.walk(func(e *Event, key []byte) bool {
			j.elem()
			j.event(e, key)
			j.flushFull()
			return j.err == nil
		})
		j.endArray()
	}
	j.key("outcome")
	j.outcome(&r.Outcome)
	j.key("groups")
	if r.Groups == nil {
		j.null()
	} else {
		j.beginArray()
		for i := range r.Groups {
			j.elem()
			j.group(&r.Groups[i])
		}
		j.endArray()
	}
	j.kStrOE("incomplete", r.Incomplete)
	j.endObject()
}

// writeHeader writes the members before the timeline.
func (r *Result) writeHeader(j *jsonWriter) {
	j.kInt("schema_version", int64(r.SchemaVersion))
	j.kStr("scenario", r.Scenario)
	j.kUint("seed", r.Seed)
	j.kStr("backend", r.Backend)
	j.kInt("duration_ns", int64(r.Duration))
}

// event writes an Event's members (its key, when key is not nil, from
// key), as encoding/json writes them.
func (j *jsonWriter) event(e *Event, key []byte) {
	j.beginObject()
	j.eventMembers(e, key)
	j.endObject()
}

func (j *jsonWriter) eventMembers(e *Event, key []byte) {
	j.kInt("seq", int64(e.Seq))
	j.kInt("at_ns", int64(e.At))
	j.kStr("actor", e.Actor)
	j.kStr("kind", string(e.Kind))
	j.kStrOE("group", e.Group)
	j.kStrOE("member", e.Member)
	j.kInt("generation", int64(e.Generation))
	j.kStrOE("topic", e.Topic)
	j.kInt("partition", int64(e.Partition))
	j.kInt("offset", e.Offset)
	if len(key) > 0 {
		j.key("key")
		j.b = appendJSONString(j.b, key)
	} else {
		j.kStrOE("key", e.Key)
	}
	j.kStrsOE("topics", e.Topics)
	if len(e.Partitions) > 0 {
		j.key("partitions")
		j.beginArray()
		for _, tp := range e.Partitions {
			j.elem()
			j.beginObject()
			j.kStr("topic", tp.Topic)
			j.kInt("partition", int64(tp.Partition))
			j.endObject()
		}
		j.endArray()
	}
	j.kStrOE("state", e.State)
	j.kStrOE("commit", e.Commit)
	if e.CommitID != 0 {
		j.kUint("commit_id", e.CommitID)
	}
	if e.Async {
		j.key("async")
		j.bool(true)
	}
	j.kStrOE("error", e.Error)
	j.kStrOE("detail", e.Detail)
	j.kStrOE("cause", e.Cause)
}

// outcome writes an Outcome.
func (j *jsonWriter) outcome(o *Outcome) {
	j.beginObject()
	j.key("messages")
	if o.noMessages() {
		j.null()
	} else {
		j.beginArray()
		o.eachMessage(func(m *MessageOutcome) bool {
			j.elem()
			j.message(m)
			j.flushFull()
			return j.err == nil
		})
		j.endArray()
	}
	j.key("lost")
	j.refs(o.Lost)
	j.key("duplicated")
	j.refs(o.Duplicated)
	j.key("counts")
	j.counts(&o.Counts)
	j.key("findings")
	if o.Findings == nil {
		j.null()
	} else {
		j.beginArray()
		for i := range o.Findings {
			j.elem()
			j.beginObject()
			j.findingMembers(&o.Findings[i])
			j.endObject()
		}
		j.endArray()
	}
	j.endObject()
}

// message writes a MessageOutcome.
func (j *jsonWriter) message(m *MessageOutcome) {
	j.beginObject()
	j.messageMembers(m)
	j.endObject()
}

func (j *jsonWriter) messageMembers(m *MessageOutcome) {
	j.kStr("group", m.Group)
	j.kStr("topic", m.Topic)
	j.kInt("partition", int64(m.Partition))
	j.kInt("offset", m.Offset)
	j.kStrOE("key", m.Key)
	j.kInt("deliveries", int64(m.Deliveries))
	j.kInt("effects", int64(m.Effects))
	j.kStr("outcome", string(m.Outcome))
	if len(m.Flags) > 0 {
		j.key("flags")
		j.beginArray()
		for _, f := range m.Flags {
			j.elem()
			j.str(string(f))
		}
		j.endArray()
	}
	j.kStrOE("cause_kind", string(m.CauseKind))
	j.kStrOE("cause", m.Cause)
	j.kStrsOE("delivered_to", m.DeliveredTo)
}

// refs writes a list of MessageRefs (nil: null).
func (j *jsonWriter) refs(rs []MessageRef) {
	if rs == nil {
		j.null()
		return
	}
	j.beginArray()
	for _, r := range rs {
		j.elem()
		j.beginObject()
		j.kStr("group", r.Group)
		j.kStr("topic", r.Topic)
		j.kInt("partition", int64(r.Partition))
		j.kInt("offset", r.Offset)
		j.endObject()
		j.flushFull()
	}
	j.endArray()
}

// counts writes Counts.
func (j *jsonWriter) counts(c *Counts) {
	j.beginObject()
	j.kInt("ok", int64(c.OK))
	j.kInt("redelivered", int64(c.Redelivered))
	j.kInt("duplicated", int64(c.Duplicated))
	j.kInt("lost", int64(c.Lost))
	j.kInt("pending", int64(c.Pending))
	j.endObject()
}

func (j *jsonWriter) findingMembers(f *Finding) {
	j.kStr("flag", string(f.Flag))
	j.kStr("group", f.Group)
	j.kStr("topic", f.Topic)
	j.kInt("partition", int64(f.Partition))
	j.kInt("offset", f.Offset)
	j.kInt("seq", int64(f.Seq))
	j.kStr("detail", f.Detail)
}

// group writes a GroupResult.
func (j *jsonWriter) group(g *GroupResult) {
	j.beginObject()
	j.groupMembers(g)
	j.endObject()
}

func (j *jsonWriter) groupMembers(g *GroupResult) {
	j.kStr("group", g.Group)
	j.kStr("state", g.State)
	j.kInt("generation", int64(g.Generation))
	j.key("partitions")
	if g.Partitions == nil {
		j.null()
	} else {
		j.beginArray()
		for _, p := range g.Partitions {
			j.elem()
			j.beginObject()
			j.kStr("topic", p.Topic)
			j.kInt("partition", int64(p.Partition))
			j.kInt("committed", p.Committed)
			j.kInt("log_end", p.LogEnd)
			j.kInt("lag", p.Lag)
			j.kStrOE("owner", p.Owner)
			j.kStrOE("member", p.Member)
			j.endObject()
		}
		j.endArray()
	}
	j.kStr("table", g.Table)
}
