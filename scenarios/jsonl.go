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
	JSONLRun     = "run"     // the first line: the Result's fields before the timeline, and how many events, messages and groups follow
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
	j.kInt("groups", int64(len(r.Groups)))
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

// ErrJSONLCut is returned by ReadJSONL for a stream that holds fewer (or
// more) event, message or group lines than its "run" line announces, or
// no "outcome" line: a file cut short, or two run into one.
var ErrJSONLCut = errors.New("JSON Lines result incomplete")

// jsonlPrealloc bounds how many events or messages ReadJSONL makes room
// for from the "run" line's counts before reading them.
const jsonlPrealloc = 1 << 16

// ReadJSONL reads what WriteJSONL writes back into a Result (its lost and
// duplicated lists rebuilt from the message lines), so that a JSON Lines
// file serves scenarios.NewSteps and the rest as a JSON one does. Lines
// of a type it does not know are skipped (later versions may add some).
// A stream whose lines do not match what its "run" line announces (cut
// short: fewer events, messages or groups, no outcome) is an error
// wrapping ErrJSONLCut, naming what is missing.
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
		Groups        *int   `json:"groups"` // (absent before it was written)
		Incomplete    string `json:"incomplete"`
	}
	n := 0
	outcome := false
	for sc.Scan() {
		n++
		b := sc.Bytes()
		if len(b) == 0 && n > 1 {
			continue // (the first line is the run line, never blank)
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
			err = json.Unmarshal(b, &head)
			switch {
			case err != nil:
			case head.Events < 0 || head.Messages < 0:
				err = fmt.Errorf("\"events\": %d, \"messages\": %d: want how many event and message lines follow (0 or more)", head.Events, head.Messages)
			case head.Groups != nil && *head.Groups < 0:
				err = fmt.Errorf("\"groups\": %d: want how many group lines follow (0 or more)", *head.Groups)
			}
			if err == nil {
				// The counts size the lists, up to a bound: a file
				// that announces more than it holds costs no more
				// than it holds.
				events = make([]Event, 0, min(head.Events, jsonlPrealloc))
				msgs = make([]MessageOutcome, 0, min(head.Messages, jsonlPrealloc))
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
			outcome = true
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
	switch {
	case len(events) != head.Events || len(msgs) != head.Messages:
		return nil, fmt.Errorf("%w: line 1 announces %d events and %d messages, the %d lines hold %d and %d", ErrJSONLCut, head.Events, head.Messages, n, len(events), len(msgs))
	case !outcome:
		return nil, fmt.Errorf("%w: no %q line after line %d", ErrJSONLCut, JSONLOutcome, n)
	case head.Groups != nil && len(r.Groups) != *head.Groups:
		return nil, fmt.Errorf("%w: line 1 announces %d groups, the %d lines hold %d", ErrJSONLCut, *head.Groups, n, len(r.Groups))
	}
	r.SchemaVersion, r.Scenario, r.Seed, r.Backend = head.SchemaVersion, head.Scenario, head.Seed, head.Backend
	r.Duration, r.Incomplete = time.Duration(head.Duration), head.Incomplete
	o.SetMessages(msgs) // (not nil: made at the run line)
	r.SetEvents(events)
	return r, nil
}
