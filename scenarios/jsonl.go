package scenarios

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// JSON Lines (docs/json-schema.md, "JSON Lines"): the same result as one
// compact JSON object per line, each naming what it is in "type" first,
// so that a run of a million messages can be read (grep, jq -c, a
// program) a line at a time.

// JSONL line types, the "type" of each line.
const (
	JSONLRun     = "run"     // the first line: the Result's fields before the timeline, and how many events and messages follow
	JSONLEvent   = "event"   // one per Event, in order
	JSONLMessage = "message" // one per MessageOutcome, in order
	JSONLFinding = "finding" // one per Finding
	JSONLOutcome = "outcome" // the counts
	JSONLGroup   = "group"   // one per GroupResult
)

// WriteJSONL writes the result as JSON Lines (`kafkasim run --format
// jsonl`): a "run" line, an "event" line per event, a "message" line per
// message outcome, a "finding" line per finding, an "outcome" line with
// the counts and a "group" line per group. The outcome's lost and
// duplicated lists are not repeated: they are the message lines whose
// outcome is LOST or DUPLICATED. Like WriteJSON it writes as it reads.
func (r *Result) WriteJSONL(w io.Writer) error {
	j := newJSONWriter(w, false)
	line := func(typ string) {
		j.beginObject()
		j.kStr("type", typ)
	}
	end := func() {
		j.endObject()
		j.b = append(j.b, '\n')
		j.flushFull()
	}
	events := 0
	if r.tape != nil {
		events = r.tape.len()
	}
	line(JSONLRun)
	r.writeHeader(j)
	j.kInt("events", int64(events))
	j.kInt("messages", int64(r.Outcome.messageCount()))
	j.kStrOE("incomplete", r.Incomplete)
	end()
	if r.tape != nil {
		r.tape.walk(func(e *Event, key []byte) bool {
			line(JSONLEvent)
			j.eventMembers(e, key)
			end()
			return j.err == nil
		})
	}
	o := &r.Outcome
	o.eachMessage(func(m *MessageOutcome) bool {
		line(JSONLMessage)
		j.messageMembers(m)
		end()
		return j.err == nil
	})
	for i := range o.Findings {
		line(JSONLFinding)
		j.findingMembers(&o.Findings[i])
		end()
	}
	line(JSONLOutcome)
	j.key("counts")
	j.counts(&o.Counts)
	end()
	for i := range r.Groups {
		line(JSONLGroup)
		j.groupMembers(&r.Groups[i])
		end()
	}
	return j.flush()
}

// ReadJSONL reads what WriteJSONL writes back into a Result (its lost and
// duplicated lists rebuilt from the message lines), so that a JSON Lines
// file serves scenarios.NewSteps and the rest as a JSON one does. Lines
// of a type it does not know are skipped (later versions may add some).
func ReadJSONL(rd io.Reader) (*Result, error) {
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	r := &Result{Groups: []GroupResult{}}
	o := &r.Outcome
	o.Lost, o.Duplicated, o.Findings = []MessageRef{}, []MessageRef{}, []Finding{}
	var events []Event
	var msgs []MessageOutcome
	var head struct {
		Type          string `json:"type"`
		SchemaVersion int    `json:"schema_version"`
		Scenario      string `json:"scenario"`
		Seed          uint64 `json:"seed"`
		Backend       string `json:"backend"`
		Duration      int64  `json:"duration_ns"`
		Events        int    `json:"events"`
		Messages      int    `json:"messages"`
		Incomplete    string `json:"incomplete"`
	}
	n := 0
	for sc.Scan() {
		n++
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		var typ struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(b, &typ); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if n == 1 && typ.Type != JSONLRun {
			return nil, fmt.Errorf("line 1: a JSON Lines result starts with a %q line, got %q", JSONLRun, typ.Type)
		}
		var err error
		switch typ.Type {
		case JSONLRun:
			if n != 1 {
				return nil, fmt.Errorf("line %d: a second %q line", n, JSONLRun)
			}
			if err = json.Unmarshal(b, &head); err == nil {
				events = make([]Event, 0, head.Events)
				msgs = make([]MessageOutcome, 0, head.Messages)
			}
		case JSONLEvent:
			events = append(events, Event{})
			err = json.Unmarshal(b, &events[len(events)-1])
		case JSONLMessage:
			msgs = append(msgs, MessageOutcome{})
			m := &msgs[len(msgs)-1]
			if err = json.Unmarshal(b, m); err == nil {
				switch m.Outcome {
				case Lost:
					o.Lost = append(o.Lost, m.Ref())
				case Duplicated:
					o.Duplicated = append(o.Duplicated, m.Ref())
				}
			}
		case JSONLFinding:
			o.Findings = append(o.Findings, Finding{})
			err = json.Unmarshal(b, &o.Findings[len(o.Findings)-1])
		case JSONLOutcome:
			var c struct {
				Counts Counts `json:"counts"`
			}
			err = json.Unmarshal(b, &c)
			o.Counts = c.Counts
		case JSONLGroup:
			r.Groups = append(r.Groups, GroupResult{})
			err = json.Unmarshal(b, &r.Groups[len(r.Groups)-1])
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", n+1, err)
	}
	if n == 0 {
		return nil, errors.New("empty input: no JSON Lines result")
	}
	r.SchemaVersion, r.Scenario, r.Seed, r.Backend = head.SchemaVersion, head.Scenario, head.Seed, head.Backend
	r.Duration, r.Incomplete = time.Duration(head.Duration), head.Incomplete
	if msgs == nil {
		msgs = []MessageOutcome{}
	}
	o.SetMessages(msgs)
	r.SetEvents(events)
	return r, nil
}
